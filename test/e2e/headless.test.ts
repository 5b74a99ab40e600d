/**
 * The headless API on its own: a page that loads only the published core and
 * WebSocket-adapter entry points (no components, no Lit) holds a meeting.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { demoAndBrowserForFile } from './browser.js';

const shared = demoAndBrowserForFile();

async function headlessMember(name: string, channel = 12, { holdCamera = false } = {}): Promise<Page> {
  const context = await shared.browser.newContext();
  // tsx compiles functions sent to the page with esbuild's keepNames (see shared.browser.ts openMember).
  await context.addInitScript('globalThis.__name ??= (fn) => fn');
  // A camera that opens only when the test says (window.openCamera(true)), or is refused (false).
  if (holdCamera) {
    await context.addInitScript(() => {
      const devices = navigator.mediaDevices;
      const real = devices.getUserMedia.bind(devices);
      let decide: (ok: boolean) => void = () => {};
      const decided = new Promise<boolean>((resolve) => (decide = resolve));
      Object.assign(window, { openCamera: (ok: boolean) => decide(ok) });
      devices.getUserMedia = async (constraints) => {
        if (!(await decided)) throw new DOMException('the test refused the camera', 'NotAllowedError');
        return real(constraints);
      };
    });
  }
  // Counts (and keeps) the RTCPeerConnections the page creates, and when each member joined.
  await context.addInitScript(() => {
    const Native = RTCPeerConnection;
    const made: RTCPeerConnection[] = [];
    const counted = class extends Native {
      constructor(config?: RTCConfiguration) {
        super(config);
        made.push(this);
        (window as unknown as { pcs: number }).pcs = made.length;
      }
    };
    Object.defineProperty(counted, 'generateCertificate', { value: Native.generateCertificate.bind(Native) });
    Object.assign(window, { RTCPeerConnection: counted, pcs: 0, made });
  });
  // Counts the frames the page sends to the relay: the signals that went by it rather than the direct link.
  await context.addInitScript(() => {
    const send = WebSocket.prototype.send;
    Object.assign(window, { relayed: 0 });
    WebSocket.prototype.send = function (this: WebSocket, data) {
      (window as unknown as { relayed: number }).relayed++;
      return send.call(this, data);
    };
  });
  const page = await context.newPage();
  await page.goto(`${shared.demo.url}dist/`).catch(() => undefined); // any same-origin page will do
  await page.evaluate(async ({ name, channel, relayUrl, holdCamera }) => {
    const { createMeeting } = await import('/dist/core/index.js' as string);
    const { websocketRelay } = await import('/dist/adapters/websocket/index.js' as string);
    const meeting = createMeeting({ channel, password: 'headless', name, relay: websocketRelay({ url: relayUrl }) });
    const log: string[] = [];
    const pcsAtJoin: Record<string, number> = {};
    for (const type of ['state', 'peerjoin', 'peerleave']) {
      meeting.addEventListener(type, (e: Event & { state?: string; peer?: { name: string } }) => log.push(`${type}:${e.state ?? e.peer?.name}`));
    }
    meeting.addEventListener('peerjoin', (e: Event & { peer?: { name: string } }) => {
      pcsAtJoin[e.peer?.name ?? ''] = (window as unknown as { pcs: number }).pcs;
    });
    Object.assign(window, { meeting, log, pcsAtJoin });
    // join() resolves once the camera is open: a held one is not waited for here.
    const joining = meeting.join();
    if (!holdCamera) await joining;
  }, { name, channel, relayUrl: `${shared.demo.url.replace('http', 'ws')}relay/[TOPIC]`, holdCamera });
  return page;
}

type Win = { pcs: number; made: RTCPeerConnection[]; pcsAtJoin: Record<string, number>; meeting: { peers: Map<string, { name: string; stream: MediaStream | null }>; getPeerStats(id: string): Promise<{ framesDecoded: number }>; leave(): Promise<void>; dropped: Record<string, number> }; log: string[] };

test('createMeeting + websocketRelay alone: two pages meet, decode video, and see the other leave', { timeout: 60_000 }, async () => {
  const ada = await headlessMember('Ada');
  const bo = await headlessMember('Bo');
  const decoded = () => ada.evaluate(async () => {
    const { meeting } = window as unknown as Win;
    const [id, peer] = [...meeting.peers][0] ?? [];
    return id && peer?.stream ? { name: peer.name, frames: (await meeting.getPeerStats(id)).framesDecoded } : null;
  });
  const deadline = Date.now() + 20_000;
  let seen = await decoded();
  while (!(seen && seen.frames > 10) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    seen = await decoded();
  }
  assert.equal(seen?.name, 'Bo');
  assert.ok(seen.frames > 10, `Ada decoded ${seen.frames} frames from Bo`);

  await bo.evaluate(() => (window as unknown as Win).meeting.leave());
  while (Date.now() < deadline + 10_000 && (await ada.evaluate(() => (window as unknown as Win).meeting.peers.size)) > 0) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const log = await ada.evaluate(() => (window as unknown as Win).log);
  assert.deepEqual(log, ['state:deriving', 'state:connecting', 'state:joined', 'peerjoin:Bo', 'peerleave:Bo']);
  assert.deepEqual(await bo.evaluate(() => (window as unknown as Win).log.filter((l) => l.startsWith('state'))),
    ['state:deriving', 'state:connecting', 'state:joined', 'state:left']);
});

/** Frames `viewer` decoded from the member called `from`, or 0. */
function framesFrom(viewer: Page, from: string): Promise<number> {
  return viewer.evaluate(async (from) => {
    const { meeting } = window as unknown as Win;
    for (const [id, peer] of meeting.peers) if (peer.name === from) return (await meeting.getPeerStats(id)).framesDecoded;
    return 0;
  }, from);
}

test('a member who has been in a while answers a newcomer with the offer it prepared; media flows both ways', { timeout: 60_000 }, async () => {
  const cy = await headlessMember('Cy', 13);
  // Cy prepares an offer about 2 s after joining (core/mesh/prepared.ts): wait until its local
  // offer is set, rather than a fixed while that a busy machine could outlast.
  await cy.waitForFunction(() => (window as unknown as Win).made.some((pc) => pc.signalingState === 'have-local-offer'), null, { timeout: 10_000 });
  const before = await cy.evaluate(() => (window as unknown as Win).pcs);
  const di = await headlessMember('Di', 13);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && ((await framesFrom(cy, 'Di')) <= 10 || (await framesFrom(di, 'Cy')) <= 10)) {
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok((await framesFrom(cy, 'Di')) > 10, 'Cy decodes Di');
  assert.ok((await framesFrom(di, 'Cy')) > 10, 'Di decodes Cy');
  // Di's candidates rode in its answer (core/mesh/trickle.ts: gathering here ends 3–15 ms after
  // the answer is set, the answer waits up to 100): the relay carried Di's hello and answer only.
  assert.equal(await di.evaluate(() => (window as unknown as { relayed: number }).relayed), 2, 'Di relayed its hello and its answer, no candidate');
  const answer = await cy.evaluate(() => (window as unknown as Win).made.find((pc) => pc.remoteDescription?.type === 'answer')?.remoteDescription?.sdp ?? '');
  assert.match(answer, /^a=candidate:/m, 'the answer Cy applied carries Di\'s candidates');
  // No connection was created for Di's hello: the prepared one carried the offer.
  assert.equal(await cy.evaluate(() => (window as unknown as Win).pcsAtJoin['Di']), before);
  // Di answered on the connection it made while deriving its keys: none created when Cy's offer came.
  const di0 = await di.evaluate(() => (window as unknown as Win).pcsAtJoin['Cy']);
  assert.equal(di0, 1);
  // The newcomer's meeting.timings: every phase of its join, in the order a join goes, from 0 at join().
  const timings = await di.evaluate(() => {
    const { meeting } = window as unknown as { meeting: { timings: Record<string, unknown> & { peers: Record<string, Record<string, number>> } } };
    return meeting.timings;
  });
  const [cyTimes, ...others] = Object.values(timings.peers);
  assert.equal(others.length, 0, `one member timed: ${JSON.stringify(timings)}`);
  const order = [
    ...['join', 'keysDerived', 'helloSent', 'relayOpen'].map((p) => timings[p]),
    ...['heard', 'remoteDescription', 'iceConnected', 'controlOpen', 'firstTrack'].map((p) => cyTimes?.[p]),
  ];
  assert.ok(order.every((v) => typeof v === 'number'), `every phase filled: ${JSON.stringify(timings)}`);
  assert.equal(order[0], 0);
  // The first track arrives while their offer is applied (before ICE or the channel); the rest goes in this order.
  for (let i = 1; i < order.length - 1; i++) assert.ok((order[i] as number) >= (order[i - 1] as number), `in order: ${JSON.stringify(timings)}`);
  assert.ok((cyTimes!['firstTrack'] as number) >= (cyTimes!['heard'] as number), `a track after their offer came: ${JSON.stringify(timings)}`);
  // Our answer leaves once ICE has gathered, while ICE already checks the paths their offer named.
  assert.ok(typeof cyTimes!['localDescription'] === 'number' && cyTimes!['localDescription'] >= (cyTimes!['remoteDescription'] as number), `our answer after their offer: ${JSON.stringify(timings)}`);
  // The camera opens while the keys are derived and the relay dialled; our answer need not wait for it (the tests below).
  assert.ok(typeof timings['mediaOpen'] === 'number', `camera opened: ${JSON.stringify(timings)}`);
  await Promise.all([cy, di].map((p) => p.evaluate(() => (window as unknown as Win).meeting.leave())));
});

/** Whether `viewer` decodes video from `from` and hears audio from them. */
async function mediaFrom(viewer: Page, from: string): Promise<{ frames: number; audio: number }> {
  return viewer.evaluate(async (from) => {
    const { meeting } = window as unknown as { meeting: { peers: Map<string, { name: string }>; getPeerStats(id: string): Promise<{ framesDecoded: number; audioPacketsReceived: number }> } };
    for (const [id, peer] of meeting.peers) {
      if (peer.name !== from) continue;
      const stats = await meeting.getPeerStats(id);
      return { frames: stats.framesDecoded, audio: stats.audioPacketsReceived };
    }
    return { frames: 0, audio: 0 };
  }, from);
}

async function until(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const stateOf = (page: Page) => page.evaluate(() => (window as unknown as { meeting: { state: string } }).meeting.state);
const mediaOpenAt = (page: Page) => page.evaluate(() => (window as unknown as { meeting: { timings: { mediaOpen?: number } } }).meeting.timings.mediaOpen);

test('a newcomer whose camera is still opening sees and hears the others at once; its own media follows on the same connection', { timeout: 90_000 }, async () => {
  const eve = await headlessMember('Eve', 14);
  const fay = await headlessMember('Fay', 14, { holdCamera: true });
  await until('Fay to decode Eve while her camera is still opening', async () => {
    const m = await mediaFrom(fay, 'Eve');
    return m.frames > 0 && m.audio > 0;
  });
  assert.equal(await mediaOpenAt(fay), undefined, 'Fay\'s camera is not open yet');
  assert.equal(await stateOf(fay), 'connecting', 'joined only once the camera is open');
  // Eve applied one answer from Fay, which said Fay would send on both of Eve's transceivers.
  const answer = () => eve.evaluate(() => (window as unknown as Win).made.find((pc) => pc.remoteDescription?.type === 'answer')?.remoteDescription?.sdp ?? '');
  const first = await answer();
  assert.equal(first.match(/^a=sendrecv/gm)?.length, 2, `audio and video both ways: ${first}`);

  await fay.evaluate(() => (window as unknown as { openCamera(ok: boolean): void }).openCamera(true));
  await until('Eve to decode and hear Fay once her camera is open', async () => {
    const m = await mediaFrom(eve, 'Fay');
    return m.frames > 10 && m.audio > 10;
  });
  assert.equal(await stateOf(fay), 'joined');
  assert.equal(await answer(), first, 'the tracks went on the transceivers the answer set up: nothing renegotiated');
  await Promise.all([eve, fay].map((p) => p.evaluate(() => (window as unknown as Win).meeting.leave())));
});

test('a newcomer whose camera is refused after it answered still sees the others, and stops offering to send', { timeout: 90_000 }, async () => {
  const gil = await headlessMember('Gil', 15);
  const hal = await headlessMember('Hal', 15, { holdCamera: true });
  await until('Hal to decode Gil while his camera is still opening', async () => (await mediaFrom(hal, 'Gil')).frames > 0);
  await hal.evaluate(() => (window as unknown as { openCamera(ok: boolean): void }).openCamera(false));
  await until('Hal to join to watch and listen', async () => (await stateOf(hal)) === 'joined');
  // Renegotiated over the control channel: Gil's side of the link now only sends.
  await until('Gil to see Hal sends nothing', () => gil.evaluate(() => {
    const pc = (window as unknown as Win).made.find((p) => p.remoteDescription?.type === 'answer' || p.remoteDescription?.type === 'offer');
    const directions = pc?.getTransceivers().map((t) => t.currentDirection) ?? [];
    return directions.length === 2 && directions.every((d) => d === 'sendonly');
  }));
  const before = (await mediaFrom(hal, 'Gil')).frames;
  await until('Hal to go on decoding Gil', async () => (await mediaFrom(hal, 'Gil')).frames > before + 10);
  await Promise.all([gil, hal].map((p) => p.evaluate(() => (window as unknown as Win).meeting.leave())));
});
