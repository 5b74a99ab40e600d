/**
 * The DTLS role a renegotiation's offer keeps (core/mesh/dtls-role.ts): the
 * role held is read from the descriptions in force, whichever side answered,
 * and an offer sent once the transport is up says that role instead of
 * "actpass"; a first offer is left as it is. The Firefox suite's cut links
 * show it between browsers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { heldRole, offerKeepingRole, setupOf } from '../../core/mesh/dtls-role.js';

const sdp = (setup: string) => `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=setup:${setup}\r\na=mid:0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=setup:${setup}\r\na=mid:1\r\n`;
const offer = (setup = 'actpass') => ({ type: 'offer' as const, sdp: sdp(setup) });
const answer = (setup: string) => ({ type: 'answer' as const, sdp: sdp(setup) });

test('the role held: our own answer\'s, or the opposite of theirs; none before a negotiation settled', { timeout: 5000 }, () => {
  assert.equal(heldRole(answer('active'), offer()), 'active', 'we answered as client');
  assert.equal(heldRole(answer('passive'), offer()), 'passive');
  assert.equal(heldRole(offer(), answer('active')), 'passive', 'they answered as client: we are the server');
  assert.equal(heldRole(offer(), answer('passive')), 'active');
  assert.equal(heldRole(null, null), null);
  assert.equal(heldRole(offer(), null), null, 'an offer alone settles nothing');
  assert.equal(heldRole(offer(), answer('actpass')), null, 'an answer may not say actpass: no role read from it');
  assert.equal(setupOf('v=0\r\n'), null);
});

test('an offer sent once the transport is up says the role held on every m= section; a first offer stays actpass', { timeout: 5000 }, () => {
  const kept = offerKeepingRole(sdp('actpass'), 'active');
  assert.equal(kept, sdp('active'));
  assert.equal(kept.match(/a=setup:active\r\n/g)?.length, 2, 'both sections, CRLF kept');
  assert.equal(offerKeepingRole(sdp('actpass'), 'passive'), sdp('passive'));
  assert.equal(offerKeepingRole(sdp('actpass'), null), sdp('actpass'), 'no role held: unchanged');
  assert.equal(offerKeepingRole(sdp('actpass').replace(/\r\n/g, '\n'), 'active'), sdp('active').replace(/\r\n/g, '\n'), 'LF-only SDP too');
});
