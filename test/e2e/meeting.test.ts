/**
 * The main job, as a user sees it: real Chromium with fake camera and
 * microphone, the demo page, our WebSocket relay, in a loopback-only network
 * namespace. Three members meet; a fourth with the wrong password meets no
 * one; a member who leaves disappears; the relay learns nothing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { WebSocket } from 'ws';
import { deriveRoomKeys } from '../../core/crypto.js';
import { ENVELOPE_VERSION } from '../../core/envelope.js';
import { startDemoServer, type DemoServer } from '../../demo/server.js';
import {
  eventually,
  expectEveryoneSeesAndHearsEveryone,
  joinThroughGate,
  launchBrowser,
  openMember,
  remoteTileNames,
  sameMembers,
} from './browser.js';

const CHANNEL = 437;
const PASSWORD = 'blue-harbour-kettle';
// Names of five letters or more: a shorter one could turn up in ciphertext by chance.
const NAMES = ['Alice', 'Bertrand', 'Carol'];

describe('a meeting over the WebSocket relay, end to end', () => {
  let demo: DemoServer;
  let browser: Browser;
  let topic: string;
  /** Everything the relay forwarded on the meeting's topic, as a passive member of it sees it. */
  const recorded: string[] = [];
  let observer: WebSocket;
  const members = new Map<string, Page>();

  before(async () => {
    demo = await startDemoServer({ port: 0 });
    browser = await launchBrowser();
    topic = (await deriveRoomKeys({ password: PASSWORD, channel: CHANNEL })).topic;
    observer = new WebSocket(`${demo.url.replace('http', 'ws')}relay/${topic}`);
    observer.on('message', (data) => recorded.push(data.toString()));
    await new Promise((resolve, reject) => observer.once('open', resolve).once('error', reject));
  }, { timeout: 60_000 });

  after(async () => {
    observer?.close();
    await browser?.close();
    await demo?.close();
  }, { timeout: 60_000 });

  test('three members with the same channel and password each see and hear the other two', { timeout: 60_000 }, async () => {
    for (const name of NAMES) {
      const page = await openMember(browser, demo.url);
      await joinThroughGate(page, { channel: CHANNEL, password: PASSWORD, name });
      members.set(name, page);
    }
    await expectEveryoneSeesAndHearsEveryone(members);
    assert.equal(demo.relay.connections(topic), NAMES.length + 1); // + the observer
  });

  test('a member with the wrong password sees nobody, and nobody sees them', { timeout: 60_000 }, async () => {
    const mallory = await openMember(browser, demo.url);
    await joinThroughGate(mallory, { channel: CHANNEL, password: PASSWORD + '!', name: 'Mallory' });
    const wrongTopic = (await deriveRoomKeys({ password: PASSWORD + '!', channel: CHANNEL })).topic;
    // Connected to the relay, on a topic of its own: its hellos reach no member.
    await eventually('Mallory to be connected to the relay', async () => demo.relay.connections(wrongTopic) === 1);
    await eventually('Mallory to be told no one is here', async () =>
      mallory.evaluate(() => (document.querySelector('secure-meeting') as unknown as { meeting?: { state: string } }).meeting?.state === 'joined'));
    await new Promise((r) => setTimeout(r, 2000));
    assert.deepEqual(await remoteTileNames(mallory), []);
    for (const [name, page] of members) {
      assert.ok(sameMembers(await remoteTileNames(page), NAMES.filter((n) => n !== name)), `${name} still sees only the members`);
    }
    await mallory.context().close();
  });

  test('a member who leaves disappears from the others’ grids', { timeout: 30_000 }, async () => {
    const carol = members.get('Carol')!;
    await carol.getByRole('button', { name: 'Leave' }).click();
    members.delete('Carol');
    for (const [name, page] of members) {
      const others = [...members.keys()].filter((n) => n !== name);
      await eventually(`${name} to see only ${others}`, async () => sameMembers(await remoteTileNames(page), others), 10_000);
    }
    // Back at the gate, ready to join again.
    await eventually('Carol to be back at the gate', async () => carol.getByRole('button', { name: 'Join' }).isVisible());
  });

  test('the relay forwarded only sealed envelopes: no SDP, candidates, addresses, names or channel', { timeout: 10_000 }, () => {
    assert.ok(recorded.length >= 6, `the relay carried the meeting's signaling (${recorded.length} frames)`);
    for (const frame of recorded) {
      const envelope = JSON.parse(frame);
      assert.deepEqual(Object.keys(envelope), ['v', 'iv', 'ct']);
      assert.match(envelope.ct, /^[A-Za-z0-9_-]+$/);
    }
    // Descriptions are deflated before sealing (envelope.ts): no frame needs more than one 4 KB read of Mosquitto's WebSockets listener.
    const largest = Math.max(...recorded.map((f) => f.length));
    assert.ok(largest < 4000, `the largest frame is ${largest} bytes`);
    // Each frame is exactly {v, iv, ct}: nothing in the clear beside the ciphertext.
    for (const frame of recorded) assert.equal(frame.replace(/"(iv|ct)":"[A-Za-z0-9_-]+"/g, '"$1":""'), `{"v":${ENVELOPE_VERSION},"iv":"","ct":""}`);
    // And the ciphertext is not some encoding of the plaintext: decoded, it holds none of it.
    const frames = recorded.join('\n');
    const decoded = recorded.map((f) => Buffer.from(JSON.parse(f).ct, 'base64url').toString('latin1')).join('\n');
    const secrets = ['v=0\r\n', 'a=fingerprint', 'a=ice-ufrag', 'candidate:', 'typ host', '"offer"', '"answer"', '"hello"', ...NAMES, 'Mallory', PASSWORD];
    for (const secret of secrets) {
      assert.ok(!frames.includes(secret) && !decoded.includes(secret), `the relay saw ${JSON.stringify(secret)}`);
    }
    for (const text of [frames, decoded]) {
      assert.doesNotMatch(text, /\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}/, 'an IPv4 address');
      assert.doesNotMatch(text, new RegExp(`[:"|]${CHANNEL}[",|]`), 'the channel number');
    }
  });
});
