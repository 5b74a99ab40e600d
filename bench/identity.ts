/**
 * What member identity costs and what junk costs (issue 10), measured in
 * Chromium like everything else here:
 * - envelopes opened per second by one member: the whole check (decrypt,
 *   parse, signature) against decryption and parsing alone (what opening
 *   cost before envelopes were signed);
 * - the CPU a joined member's page spends per second while someone floods
 *   its topic at the relay's rate limit: idle, outsider junk (60 KB frames
 *   that are not envelopes; 60 KB well-shaped but undecryptable ones), and an
 *   insider's forgeries (sealed with the password, signed with the wrong key).
 */
import type { Browser, Page } from 'playwright-core';
import { WebSocket } from 'ws';
import { deriveRoomKeys } from '../core/crypto.js';
import { toBase64Url } from '../core/encoding.js';
import { EnvelopeCodec } from '../core/envelope.js';
import { createIdentity } from '../core/identity.js';
import type { DemoServer } from '../demo/server.js';
import { joinThroughGate, openMember } from '../test/e2e/browser.js';

export interface OpenRates { signedPerSecond: number; withoutSignaturePerSecond: number; verifyUs: number }

/**
 * Envelopes one member opens per second, in a page of the demo's origin (the
 * built core, as a site serves it): the whole check, and the same less the
 * signature check (its cost measured alone, with the same key and payloads,
 * in alternating rounds). Medians of 5 rounds.
 */
export async function openRates(browser: Browser, demo: DemoServer, count = 300): Promise<OpenRates> {
  const page = await openMember(browser, demo.url);
  try {
    return await page.evaluate(async (n) => {
      const core = await import('/dist/core/index.js' as string);
      const keys = await core.deriveRoomKeys({ password: 'bench', channel: 1 });
      const [alice, bob] = await Promise.all([core.createIdentity(), core.createIdentity()]);
      const sender = new core.EnvelopeCodec(keys, alice);
      const offer = { type: 'description', body: { description: { type: 'offer', sdp: 'v=0\r\n'.padEnd(3000, 'a') }, name: 'Alice' } };
      const raw = Uint8Array.from(atob(alice.publicKey.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
      const key = await crypto.subtle.importKey('raw', raw, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
      const payload = new TextEncoder().encode(JSON.stringify(offer).padEnd(3300, ' '));
      const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign'])).privateKey, payload);
      const opens: number[] = [];
      const verifies: number[] = [];
      for (let round = 0; round < 5; round++) {
        const frames: string[] = await Promise.all(Array.from({ length: n }, () => sender.seal(offer, bob.id)));
        const receiver = new core.EnvelopeCodec(keys, bob);
        let t = performance.now();
        for (const f of frames) if (!(await receiver.open(f))) throw new Error('an envelope did not open');
        opens.push((performance.now() - t) / n);
        t = performance.now();
        for (let i = 0; i < n; i++) await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, signature, payload);
        verifies.push((performance.now() - t) / n);
      }
      const mid = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      const [open, verify] = [mid(opens), mid(verifies)];
      return { signedPerSecond: Math.round(1000 / open), withoutSignaturePerSecond: Math.round(1000 / Math.max(open - verify, 0.001)), verifyUs: Math.round(verify * 1000) };
    }, count);
  } finally {
    await page.context().close();
  }
}

export interface FloodCpu { idleMsPerS: number; notEnvelopesMsPerS: number; undecryptableMsPerS: number; forgedMsPerS: number; framesPerSecond: number }

/** Busy time of the page's main thread (CDP TaskDuration), in ms. */
async function busyMs(page: Page): Promise<() => Promise<number>> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  return async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    return (metrics.find((m: { name: string; value: number }) => m.name === 'TaskDuration')?.value ?? 0) * 1000;
  };
}

/** Main-thread ms per second of a member alone in a meeting, while `frame()` is published on its topic `rate` times a second. */
export async function floodCpu(browser: Browser, demo: DemoServer, channel: number, rate = 45, seconds = 6): Promise<FloodCpu> {
  const password = `flood-${channel}`;
  const keys = await deriveRoomKeys({ password, channel });
  const page = await openMember(browser, demo.url);
  let socket: WebSocket | undefined;
  try {
    await joinThroughGate(page, { channel, password, name: 'Target' });
    await page.waitForFunction(() => (document.querySelector('secure-meeting') as unknown as { meeting: { state: string } | null }).meeting?.state === 'joined', null, { timeout: 30_000 });
    const flooder = new WebSocket(`${demo.url.replace('http', 'ws')}relay/${keys.topic}`);
    socket = flooder;
    await new Promise((resolve, reject) => flooder.once('open', resolve).once('error', reject));
    const busy = await busyMs(page);
    const measure = async (frame: (() => Promise<string> | string) | null): Promise<number> => {
      const start = await busy();
      const t0 = Date.now();
      for (let i = 0; i < rate * seconds; i++) {
        if (frame) flooder.send(await frame());
        await new Promise((r) => setTimeout(r, Math.max(0, t0 + ((i + 1) * 1000) / rate - Date.now())));
      }
      return Math.round(((await busy()) - start) / seconds);
    };
    const random = (n: number) => toBase64Url(crypto.getRandomValues(new Uint8Array(n)));
    const nested = '['.repeat(30_000) + ']'.repeat(30_000);
    const mallory = await createIdentity();
    const forger = new EnvelopeCodec(keys, { ...mallory, id: '0123456789abcdef' });
    return {
      framesPerSecond: rate,
      idleMsPerS: await measure(null),
      notEnvelopesMsPerS: await measure(() => nested),
      undecryptableMsPerS: await measure(() => JSON.stringify({ v: 2, iv: random(12), ct: random(45_000) })),
      forgedMsPerS: await measure(() => forger.seal({ type: 'hello', body: { name: 'Mallory' } })),
    };
  } finally {
    socket?.close();
    await page.context().close();
  }
}
