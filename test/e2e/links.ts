/**
 * One pair's link as the network sees it, for the fault tests of either
 * browser: the sockets of each connection a page holds (its
 * `smConnections`, see openMember), the link between two members, and a cut
 * of that link (NetCut, inside the test's namespace) that ICE must restart
 * round while everyone stays.
 */
import assert from 'node:assert/strict';
import { NetCut } from '../support/netcut.js';
import { eventually, receiveStats, type Evaluates, type EvaluatesSource } from './browser.js';

/** A page of either driver, evaluating functions and expressions. */
export type LinkedPage = Evaluates & EvaluatesSource;

/** One open connection's sockets: the local port of every ICE candidate it gathered, and the pair in use. */
export interface ConnectionPorts { local: number[]; selected: { local: number; remote: number } | null }

/**
 * The sockets of each of the page's open connections. The pair in use is the
 * transport's selected pair; Firefox, which reports no transport, marks that
 * candidate-pair `selected`.
 */
export function connectionPorts(page: Evaluates): Promise<ConnectionPorts[]> {
  return page.evaluate(async () => {
    type Report = { type: string; id: string; port?: number; selected?: boolean; selectedCandidatePairId?: string; localCandidateId?: string; remoteCandidateId?: string };
    const out: ConnectionPorts[] = [];
    for (const pc of (window as unknown as { smConnections: RTCPeerConnection[] }).smConnections) {
      if (pc.connectionState === 'closed') continue;
      const stats = await pc.getStats();
      const get = (id: string | undefined) => (id === undefined ? undefined : (stats.get(id) as Report | undefined));
      const local: number[] = [];
      let selected: ConnectionPorts['selected'] = null;
      stats.forEach((r: Report) => {
        if (r.type === 'local-candidate' && r.port !== undefined) local.push(r.port);
        const pair = r.type === 'transport' ? get(r.selectedCandidatePairId) : r.type === 'candidate-pair' && r.selected === true ? r : undefined;
        const [l, rem] = [get(pair?.localCandidateId)?.port, get(pair?.remoteCandidateId)?.port];
        if (l !== undefined && rem !== undefined) selected = { local: l, remote: rem };
      });
      out.push({ local, selected });
    }
    return out;
  });
}

/**
 * The sockets of the link between two members: on each side, the connection
 * whose pair in use points at a socket of the other's. Null when they have none.
 */
export async function linkBetween(a: Evaluates, b: Evaluates): Promise<{ a: ConnectionPorts; b: ConnectionPorts } | null> {
  const [ours, theirs] = [await connectionPorts(a), await connectionPorts(b)];
  for (const x of ours) {
    const y = theirs.find((c) => x.selected !== null && c.selected?.local === x.selected.remote && c.selected.remote === x.selected.local);
    if (y) return { a: x, b: y };
  }
  return null;
}

/** Frames keep decoding from every other member (checked twice, a second apart). */
export async function expectMediaFlowing(members: ReadonlyMap<string, Evaluates>): Promise<void> {
  for (const [name, page] of members) {
    const first = await receiveStats(page);
    await eventually(`${name}'s media to keep flowing`, async () => {
      const now = await receiveStats(page);
      return Object.keys(first).length === members.size - 1 &&
        Object.entries(first).every(([n, s]) => (now[n]?.framesDecoded ?? 0) > s.framesDecoded + 5);
    });
  }
}

/** Each remote member's id, by name: a member who left and came back would have a new one. */
const memberIds = (page: Evaluates) => page.evaluate(() => {
  const el = document.querySelector('secure-meeting') as unknown as { meeting: { peers: Map<string, { name: string }> } };
  return Object.fromEntries([...el.meeting.peers].map(([id, p]) => [p.name, id]));
});

/** Every member's view of who is there, with ids. */
export async function everyonesIds(members: ReadonlyMap<string, Evaluates>): Promise<string> {
  const views: Record<string, Record<string, string>> = {};
  for (const [name, page] of members) views[name] = await memberIds(page);
  return JSON.stringify(views);
}

/** Whether this member's tile for `name` says its link is being repaired. */
const showsReconnecting = (page: EvaluatesSource, name: string) => page.evaluate(`(() => {
  const tile = [...document.querySelector('secure-meeting').shadowRoot.querySelectorAll('peer-tile')].find((t) => t.getAttribute('name') === ${JSON.stringify(name)});
  return tile?.hasAttribute('reconnecting') === true && /Reconnecting/.test(tile.shadowRoot?.textContent ?? '');
})()`) as Promise<boolean>;

/**
 * Cuts every socket of the link between two members, on both sides, so that
 * pair's network is gone; then `watcher`'s tile for the other says
 * "Reconnecting…", ICE restarts round the cut (new sockets), media decodes
 * everywhere again, and no one left or rejoined. `hook` is NetCut's.
 */
export async function expectCutLinkRepaired(
  members: ReadonlyMap<string, LinkedPage>, watcher: string, other: string, { hook }: { hook?: 'output' | 'input' } = {},
): Promise<void> {
  const [w, o] = [members.get(watcher)!, members.get(other)!];
  const ids = await everyonesIds(members);
  const link = await linkBetween(w, o);
  assert.ok(link, `${watcher} and ${other} have a link`);
  const cut = await NetCut.create(hook ? { hook } : {});
  try {
    await cut.block([...link.a.local, ...link.b.local]);
    await eventually(`${watcher} to show ${other} reconnecting`, () => showsReconnecting(w, other), 10_000);
    await expectMediaFlowing(members);
    // Both ends' statistics name the pair in use; they may lag the media by a moment (Firefox's, and Chromium's beside it).
    const repaired = await eventually(`${watcher} and ${other} to show a link again, on new sockets (ICE restarted)`, async () => {
      const now = await linkBetween(w, o);
      return now && !link.a.local.includes(now.a.selected!.local) ? now : null;
    }, 10_000);
    assert.ok(repaired);
    assert.equal(await everyonesIds(members), ids, 'no one left or rejoined');
    await eventually(`${watcher}'s tile to stop saying Reconnecting`, async () => !(await showsReconnecting(w, other)), 5000);
  } finally {
    await cut.close();
  }
}
