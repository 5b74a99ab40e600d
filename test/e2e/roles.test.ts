/**
 * Hosts without a server, end to end: pages holding a meeting through the
 * published core and our WebSocket relay, in real Chromium, in the
 * loopback-only namespace. The first member hosts; a host who leaves hands
 * the role over; a host whose page dies is succeeded once the others'
 * liveness notices (that timer is what this measures, so it waits for it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { demoAndBrowserForFile, eventually } from './browser.js';

const shared = demoAndBrowserForFile();

interface Win {
  meeting: { id: string; peers: Map<string, { name: string }>; leave(): Promise<void>; feature(f: unknown): { host: string | null; term: number; cohosts: readonly string[]; mayAct: boolean; setCohost(id: string, on: boolean): Promise<void> } };
  roles: unknown;
  waitingRoom: unknown;
}
interface WaitingApi { state: string; knocks: { id: string; name: string }[]; admit(id: string): Promise<boolean> }

async function member(name: string, channel: number, waitingRoom = false): Promise<Page> {
  const context = await shared.browser.newContext();
  await context.addInitScript('globalThis.__name ??= (fn) => fn');
  const page = await context.newPage();
  await page.goto(`${shared.demo.url}dist/`).catch(() => undefined);
  await page.evaluate(async ({ name, channel, waitingRoom, relayUrl }) => {
    const core = await import('/dist/core/index.js' as string);
    const { websocketRelay } = await import('/dist/adapters/websocket/index.js' as string);
    const meeting = core.createMeeting({ channel, password: 'roles-e2e', name, relay: websocketRelay({ url: relayUrl }), media: false, waitingRoom });
    Object.assign(window, { meeting, roles: core.roles, waitingRoom: core.waitingRoom });
    await meeting.join();
  }, { name, channel, waitingRoom, relayUrl: `${shared.demo.url.replace('http', 'ws')}relay/[TOPIC]` });
  return page;
}

/** Who this page's meeting says hosts, by name ("(me)" for itself), and its term. */
const hostSeen = (page: Page) => page.evaluate(() => {
  const { meeting, roles } = window as unknown as Win;
  const r = meeting.feature(roles);
  const host = r.host === meeting.id ? '(me)' : r.host === null ? null : meeting.peers.get(r.host)?.name ?? `unknown ${r.host}`;
  return { host, term: r.term, peers: meeting.peers.size };
});

async function meetingOf(names: string[], channel: number): Promise<Map<string, Page>> {
  const pages = new Map<string, Page>();
  for (const name of names) {
    pages.set(name, await member(name, channel));
    // The first member hosts before the next one comes, as when people arrive one by one.
    if (pages.size === 1) await eventually(`${name} to become host`, async () => (await hostSeen(pages.get(name)!)).host === '(me)');
  }
  await eventually('everyone to be connected to everyone', async () =>
    (await Promise.all([...pages.values()].map(hostSeen))).every((s) => s.peers === names.length - 1), 30_000);
  return pages;
}

/** The co-hosts this page's meeting knows, by name ("(me)" for itself). */
const cohostsSeen = (page: Page) => page.evaluate(() => {
  const { meeting, roles } = window as unknown as Win;
  return meeting.feature(roles).cohosts.map((id) => (id === meeting.id ? '(me)' : meeting.peers.get(id)?.name ?? id));
});

const everyoneSays = async (pages: Map<string, Page>, host: string, term: number) => {
  const seen = Object.fromEntries(await Promise.all([...pages].map(async ([n, p]) => [n, await hostSeen(p)] as const)));
  return Object.entries(seen).every(([n, s]) => s.host === (n === host ? '(me)' : host) && s.term === term) ? seen : null;
};

test('the first member hosts, a host who leaves hands over, and a vanished host is succeeded', { timeout: 120_000 }, async () => {
  const pages = await meetingOf(['Ada', 'Bo', 'Cy', 'Di'], 701);
  await eventually('all four to agree Ada hosts', () => everyoneSays(pages, 'Ada', 0));

  // Ada makes Di co-host, then leaves: the role goes to Di, not to Bo who came earlier.
  // Di is in Ada's peers once its offer came; roles can name it co-host once their control channel is open.
  await eventually('Ada to make Di co-host', () => pages.get('Ada')!.evaluate(async () => {
    const { meeting, roles } = window as unknown as Win;
    const di = [...meeting.peers].find(([, p]) => p.name === 'Di')![0];
    try {
      await meeting.feature(roles).setCohost(di, true);
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === 'closed') return false;
      throw error;
    }
  }), 30_000);
  // Ada leaves once the others know, as a person would after seeing it: a roster sent in the same
  // moment as the leave may be cut off with the connections (noted in issue 14's closing note).
  await eventually('Bo, Cy and Di to know Di is co-host', async () => {
    for (const name of ['Bo', 'Cy', 'Di']) {
      if (!(await cohostsSeen(pages.get(name)!)).includes(name === 'Di' ? '(me)' : 'Di')) return false;
    }
    return true;
  }, 30_000);
  await pages.get('Ada')!.evaluate(() => (window as unknown as Win).meeting.leave());
  pages.delete('Ada');
  const afterLeave = await eventually('Bo, Cy and Di to agree Di hosts, in term 1', () => everyoneSays(pages, 'Di', 1));
  assert.ok(afterLeave);

  // Di's page dies without a word: Bo, the longest present, takes over once liveness notices.
  await pages.get('Di')!.context().close();
  pages.delete('Di');
  const afterVanish = await eventually('Bo and Cy to agree Bo hosts, in term 2', () => everyoneSays(pages, 'Bo', 2), 30_000);
  assert.ok(afterVanish);
  for (const page of pages.values()) await page.context().close();
});

/** Admits the member called `name` from `host`'s page once it knocks there. */
async function admitOnce(host: Page, name: string): Promise<void> {
  await eventually(`${name} to knock at the host`, () => host.evaluate(async (name) => {
    const { meeting, waitingRoom } = window as unknown as Win;
    const w = meeting.feature(waitingRoom) as unknown as WaitingApi;
    const knock = w.knocks.find((k) => k.name === name);
    return knock ? w.admit(knock.id) : false;
  }, name));
}

const waitingState = (page: Page) => page.evaluate(() => {
  const { meeting, waitingRoom } = window as unknown as Win;
  return { state: (meeting.feature(waitingRoom) as unknown as WaitingApi).state, peers: [...meeting.peers.values()].map((p) => p.name).sort() };
});

test('with the waiting room on, a host who leaves hands over, and the new host admits the next newcomer', { timeout: 120_000 }, async () => {
  const ada = await member('Ada', 702, true);
  await eventually('Ada to become host', async () => (await hostSeen(ada)).host === '(me)');
  const bo = await member('Bo', 702, true);
  await eventually('Bo to wait', async () => (await waitingState(bo)).state === 'waiting');
  await admitOnce(ada, 'Bo');
  await eventually('Bo to be let in and connected to Ada', async () => {
    const s = await waitingState(bo);
    return s.state === 'admitted' && s.peers.join() === 'Ada';
  });
  await eventually('Bo to hold the host chain', async () => (await hostSeen(bo)).host === 'Ada');

  await ada.evaluate(() => (window as unknown as Win).meeting.leave());
  await eventually('Bo to take over as host', async () => {
    const s = await hostSeen(bo);
    return s.host === '(me)' && s.term === 1;
  });

  const cy = await member('Cy', 702, true);
  await eventually('Cy to wait, connected to no one', async () => {
    const s = await waitingState(cy);
    return s.state === 'waiting' && s.peers.length === 0;
  });
  await admitOnce(bo, 'Cy');
  const admitted = await eventually('Cy, admitted by the new host, to reach Bo', async () => {
    const s = await waitingState(cy);
    return s.state === 'admitted' && s.peers.join() === 'Bo' ? s : null;
  });
  assert.deepEqual(admitted?.peers, ['Bo']);
  assert.equal((await hostSeen(cy)).host, 'Bo');
  for (const page of [ada, bo, cy]) await page.context().close();
});
