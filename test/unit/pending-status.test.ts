/**
 * The status line counts every member we know of, connected or not, and says
 * when a connection could not be made: the side whose connection failed no
 * longer reads "No one here yet… check the channel and password" although
 * the password was right (components/secure-meeting/status.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RemotePeer } from '../../core/events.js';
import { meetingStatusText } from '../../components/secure-meeting/status.js';
import { en } from '../../components/i18n/en.js';

const member = (id: string, connectionFailed: boolean) => ({ id, connectionFailed }) as RemotePeer;
const room = (...peers: RemotePeer[]) => ({
  peers: new Map(peers.map((p) => [p.id, p])),
  relayState: 'open' as const,
  state: 'joined' as const,
  joinWindow: { open: true, closesAt: null },
});

test('a member whose connection failed is counted, with the likely reason', { timeout: 5000 }, () => {
  assert.equal(meetingStatusText(room(member('a', true)), '', en),
    'In the meeting with 1 other person. Could not connect to them: no network path; a TURN server may be needed.');
  assert.equal(meetingStatusText(room(member('a', true), member('b', false), member('c', true)), '', en),
    'In the meeting with 3 others. Could not connect to 2 of them: no network path; a TURN server may be needed.');
  assert.equal(meetingStatusText(room(member('a', true), member('b', true)), 'Camera off.', en),
    'In the meeting with 2 others. Could not connect to any of them: no network path; a TURN server may be needed. Camera off.');
});

test('members connected or connecting read as before', { timeout: 5000 }, () => {
  assert.equal(meetingStatusText(room(member('a', false)), '', en), 'In the meeting with 1 other person.');
  assert.equal(meetingStatusText(room(), '', en), 'No one here yet. If others are already in the meeting, check the channel and password.');
});
