/**
 * leave() loses nothing sent just before it: in real Chromium, over our ws
 * relay, a member sends a burst of chat messages and leaves in the same
 * task. Closing a connection drops what its data channels still queue or
 * have in flight, and a member told of the leave by the relay first stops
 * reading us; so leave() ends each control channel gracefully (its stream
 * reset arrives after everything sent before it) and only then says bye on
 * the relay (core/meeting.ts, Peer.endControl). Before that, about one round
 * in three lost messages here.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { demoAndBrowserForFile, eventually } from './browser.js';

const shared = demoAndBrowserForFile();
const ROUNDS = 10;
/** Within the chat's burst (20): none of them waits for the rate limit. */
const BURST = 18;

interface Win {
  core: { createMeeting(o: object): unknown; chat: unknown };
  relay: (o: object) => unknown;
  meeting: { join(): Promise<void>; leave(): Promise<void>; feature(f: unknown): { send(text: string): unknown } };
  got: string[];
}

/** A page holding the published core and the ws adapter, ready to make meetings. */
async function page(): Promise<Page> {
  const context = await shared.browser.newContext();
  await context.addInitScript('globalThis.__name ??= (fn) => fn');
  const p = await context.newPage();
  await p.goto(`${shared.demo.url}dist/`).catch(() => undefined);
  await p.evaluate(async () => {
    const core = await import('/dist/core/index.js' as string);
    const { websocketRelay } = await import('/dist/adapters/websocket/index.js' as string);
    Object.assign(window, { core, relay: websocketRelay });
  });
  return p;
}

/** Joins a new meeting on `channel` as `name`, noting every chat text it receives. */
const join = (p: Page, name: string, channel: number) => p.evaluate(async ({ name, channel, url }) => {
  const w = window as unknown as Win;
  const meeting = w.core.createMeeting({ channel, password: 'leave-e2e', name, relay: w.relay({ url }), media: false, persist: false }) as Win['meeting'];
  w.got = [];
  (meeting as unknown as EventTarget).addEventListener('chat', (e) => {
    for (const m of (e as unknown as { added?: { text: string }[] }).added ?? []) w.got.push(m.text);
  });
  w.meeting = meeting;
  await meeting.join();
}, { name, channel, url: `${shared.demo.url.replace('http', 'ws')}relay/[TOPIC]` });

const received = (p: Page) => p.evaluate(() => (window as unknown as Win).got);

test(`a burst of ${BURST} chat messages sent right before leave() all arrive, in each of ${ROUNDS} rounds`, { timeout: 240_000 }, async () => {
  const [a, b] = [await page(), await page()];
  const lost: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    await join(a, 'A', 940 + round);
    await join(b, 'B', 940 + round);
    // A's first message arrives: the control channels are open both ways.
    await a.evaluate(() => {
      const w = window as unknown as Win;
      // Until then, again every 2 s (a message sent before the channel opened reaches B only as history).
      const hello = () => w.meeting.feature(w.core.chat).send('hello');
      hello();
      (window as unknown as { hello: ReturnType<typeof setInterval> }).hello = setInterval(hello, 2000);
    });
    await eventually(`round ${round}: B to hear A`, async () => (await received(b)).includes('hello'), 30_000);
    await a.evaluate((count) => {
      const w = window as unknown as Win;
      clearInterval((window as unknown as { hello: ReturnType<typeof setInterval> }).hello);
      const chat = w.meeting.feature(w.core.chat);
      for (let i = 0; i < count; i++) chat.send(`m${i} ${'x'.repeat(1900)}`);
      void w.meeting.leave();
    }, BURST);
    const burst = () => received(b).then((texts) => texts.filter((t) => t.startsWith('m')));
    // Given time to arrive; what has not by then is lost.
    await eventually(`round ${round}: B to have the burst`, async () => (await burst()).length === BURST, 10_000).catch(() => null);
    const got = await burst();
    if (got.length !== BURST) lost.push(`round ${round}: ${got.length} of ${BURST}`);
    await b.evaluate(() => (window as unknown as Win).meeting.leave());
  }
  assert.deepEqual(lost, [], 'messages lost when the sender left');
  await a.context().close();
  await b.context().close();
});
