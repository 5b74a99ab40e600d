/**
 * The relay adapter contract (core/relay.ts), written once and run against
 * every adapter and a real server for it (Trystero's `runTests('mqtt')`
 * idea): a new adapter is one harness and one line of tests.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { MAX_ENVELOPE_BYTES } from '../../core/envelope.js';
import type { SecureMeetingError, SecureMeetingErrorCode } from '../../core/errors.js';
import type { RelayAdapter, RelayConnection, RelayState, RelayTarget } from '../../core/relay.js';
import { sleep, until } from '../support/wait.js';

/** Hooks start and stop relays and brokers; with no global timeout, this turns a hang into a failure. */
const hookLimit = { timeout: 30_000 };

/** A running server of the kind the adapter talks to. */
export interface ConformanceServer {
  /** An adapter aimed at this server, with good credentials and a fast reconnect (tens of ms). */
  adapter(): RelayAdapter;
  /** Kills the server abruptly (clients see their connection drop) and starts it again on the same address. */
  restart(): Promise<void>;
  close(): Promise<void>;
  /** An adapter with a wrong API key or wrong broker credentials; omitted where the server has none. */
  refused?(): RelayAdapter;
  /** An adapter and a topic the server refuses (an ACL, or the relay's topic rule). */
  denied?(): { adapter: RelayAdapter; target: RelayTarget };
}

export interface ConformanceHarness {
  start(): Promise<ConformanceServer>;
  /** The servers from start() check credentials (then `refused()` must exist); the credential test runs only then. */
  checksCredentials: boolean;
  /** The servers from start() refuse some topics (then `denied()` must exist); the refusal test runs only then. */
  refusesTopics: boolean;
  /** An adapter aimed at an address where nothing listens. */
  unreachable(): Promise<RelayAdapter>;
}

interface Member {
  readonly conn: RelayConnection;
  readonly messages: string[];
  readonly states: RelayState[];
  readonly errors: SecureMeetingError[];
}

const limit = { timeout: 30_000 };
let topicCount = 0;
/** A fresh topic per test, shaped like core's blinded ones (32 hex characters). */
const freshTopic = (): RelayTarget => ({
  topic: (Date.now().toString(16) + (++topicCount).toString(16).padStart(4, '0')).padEnd(32, 'a').slice(0, 32),
  channel: String(100 + topicCount),
});

/** Timers and sockets this process holds; the adapter must give back all of its own. */
function handles(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout' || kind === 'TCPSocketWrap').length;
}

function join(adapter: RelayAdapter, target: RelayTarget, opened: Member[]): Member {
  const member: Member = { conn: undefined as unknown as RelayConnection, messages: [], states: [], errors: [] };
  const conn = adapter.connect(target, {
    message: (data) => member.messages.push(data),
    state: (state) => member.states.push(state),
    error: (error) => member.errors.push(error),
  });
  (member as { conn: RelayConnection }).conn = conn;
  opened.push(member);
  return member;
}

const isOpen = (...members: Member[]) => (): boolean => members.every((m) => m.conn.state === 'open');

/** Large and ASCII like an envelope, but not repetitive, so truncation or reordering shows. */
function bigString(length: number): string {
  let s = '';
  let x = 0x2545f491;
  while (s.length < length) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    s += (x >>> 0).toString(36);
  }
  return s.slice(0, length);
}

function expectError(member: Member, code: SecureMeetingErrorCode): void {
  const error = member.errors.find((e) => e.code === code);
  assert.ok(error, `a "${code}" error, got ${JSON.stringify(member.errors.map((e) => `${e.code}: ${e.message}`))}`);
  assert.equal(error.name, 'SecureMeetingError');
  assert.match(error.message, /^secure-meeting: \S/);
}

export function runConformance(name: string, harness: ConformanceHarness): void {
  describe(`relay adapter conformance: ${name}`, () => {
    const opened: Member[] = [];
    const servers: ConformanceServer[] = [];
    let shared: ConformanceServer | undefined;

    const server = async (): Promise<ConformanceServer> => (shared ??= await fresh());
    const fresh = async (): Promise<ConformanceServer> => {
      const s = await harness.start();
      servers.push(s);
      return s;
    };

    after(async () => {
      for (const member of opened) member.conn.close();
      await Promise.all(servers.map((s) => s.close()));
    }, hookLimit);

    test('delivers to every other member of a topic, in order, and not across topics', limit, async () => {
      const s = await server();
      const room = freshTopic();
      const [a, b, c] = [0, 1, 2].map(() => join(s.adapter(), room, opened)) as [Member, Member, Member];
      const elsewhere = join(s.adapter(), freshTopic(), opened);
      await until(isOpen(a, b, c, elsewhere), 'all four open', 10_000);
      // Some brokers confirm a subscription a moment after 'open' on their side; a beat avoids testing that race.
      await sleep(100);

      const sent = Array.from({ length: 20 }, (_, i) => `from a #${i}`);
      for (const m of sent) assert.equal(a.conn.publish(m), true);
      assert.equal(b.conn.publish('from b'), true);
      assert.equal(elsewhere.conn.publish('other topic'), true);
      await until(() => b.messages.length >= 20 && c.messages.length >= 21 && a.messages.length >= 1, 'delivery');
      await sleep(200);

      assert.deepEqual(b.messages, sent);
      assert.deepEqual(c.messages.filter((m) => m.startsWith('from a')), sent);
      assert.deepEqual(c.messages.filter((m) => m === 'from b'), ['from b']);
      assert.deepEqual(a.messages, ['from b']);
      assert.deepEqual(elsewhere.messages, []);
    });

    test('strings up to the envelope cap, and non-ASCII text, arrive intact', limit, async () => {
      const s = await server();
      const room = freshTopic();
      const a = join(s.adapter(), room, opened);
      const b = join(s.adapter(), room, opened);
      await until(isOpen(a, b), 'both open', 10_000);
      await sleep(100);

      const big = bigString(MAX_ENVELOPE_BYTES);
      const text = 'Grüße, 世界 — 🎉 {"v":1}';
      assert.equal(a.conn.publish(big), true);
      assert.equal(a.conn.publish(text), true);
      await until(() => b.messages.length === 2, 'both strings');
      assert.equal(b.messages[0]?.length, big.length);
      assert.ok(b.messages[0] === big, 'the large string arrived unchanged');
      assert.equal(b.messages[1], text);
    });

    test('a member never receives what it published itself', limit, async () => {
      const s = await server();
      const room = freshTopic();
      const a = join(s.adapter(), room, opened);
      const b = join(s.adapter(), room, opened);
      await until(isOpen(a, b), 'both open', 10_000);
      await sleep(100);

      for (let i = 0; i < 5; i++) a.conn.publish(`echo? ${i}`);
      await until(() => b.messages.length === 5, 'B to get all five');
      await sleep(300);
      assert.deepEqual(a.messages, []);
    });

    test('reconnects and resubscribes after the server is killed and restarted', limit, async () => {
      const s = await fresh();
      const room = freshTopic();
      const a = join(s.adapter(), room, opened);
      const b = join(s.adapter(), room, opened);
      await until(isOpen(a, b), 'both open', 10_000);

      await s.restart();
      await until(() => a.states.includes('reconnecting') && b.states.includes('reconnecting'), 'both to notice the outage', 10_000);
      await until(isOpen(a, b), 'both open again', 15_000);
      await sleep(100);

      assert.equal(a.conn.publish('after restart, from a'), true);
      assert.equal(b.conn.publish('after restart, from b'), true);
      await until(() => b.messages.includes('after restart, from a') && a.messages.includes('after restart, from b'), 'messages in both directions');
      assert.deepEqual(a.states.slice(0, 2), ['connecting', 'open']);
      assert.equal(a.states.at(-1), 'open');
      assert.ok(a.states.indexOf('reconnecting') > 1, `states ${a.states}`);
      for (const error of [...a.errors, ...b.errors]) assert.equal(error.code, 'unreachable', error.message);
    });

    test('close() is idempotent, stops delivery and leaves no timer or socket behind', limit, async () => {
      const s = await server();
      const room = freshTopic();
      const b = join(s.adapter(), room, opened);
      await until(isOpen(b), 'B open', 10_000);
      await sleep(100);
      const baseline = handles();

      const a = join(s.adapter(), room, opened);
      await until(isOpen(a), 'A open', 10_000);
      await sleep(100);
      a.conn.close();
      a.conn.close();
      assert.equal(a.conn.state, 'closed');
      assert.equal(a.states.at(-1), 'closed');
      assert.equal(a.states.filter((st) => st === 'closed').length, 1);
      assert.equal(a.conn.publish('after close'), false);
      b.conn.publish('not for A');
      await sleep(200);
      assert.deepEqual(a.messages, []);
      assert.deepEqual(a.errors, []);
      await until(() => handles() <= baseline, `handles back to ${baseline} (now ${handles()}: ${process.getActiveResourcesInfo()})`);

      // Also while it is still dialling an address where nothing answers.
      const dialling = join(await harness.unreachable(), freshTopic(), opened);
      await sleep(150);
      dialling.conn.close();
      dialling.conn.close();
      assert.equal(dialling.conn.state, 'closed');
      await until(() => handles() <= baseline, `handles back to ${baseline} after closing a retrying connection (now ${handles()})`);
    });

    test('an unreachable URL is an "unreachable" error, and publish() is false meanwhile', limit, async () => {
      const m = join(await harness.unreachable(), freshTopic(), opened);
      await until(() => m.errors.length > 0, 'an error', 10_000);
      expectError(m, 'unreachable');
      assert.notEqual(m.conn.state, 'open');
      assert.equal(m.conn.publish('nobody'), false);
      m.conn.close();
    });

    if (harness.checksCredentials) test('a refused API key or broker credentials is an "unauthorized" error, not retried', limit, async (t) => {
      const s = await server();
      assert.ok(s.refused, `the ${name} harness must offer refused()`);
      const m = join(s.refused(), freshTopic(), opened);
      await until(() => m.conn.state === 'closed', 'the connection to give up', 10_000);
      expectError(m, 'unauthorized');
      assert.ok(!m.states.includes('open'), `never reported open: ${m.states}`);
      t.diagnostic(m.errors[0]?.message ?? '');
    });

    if (harness.refusesTopics) test('a topic the server refuses is a "rejected" error, not retried', limit, async (t) => {
      const s = await server();
      assert.ok(s.denied, `the ${name} harness must offer denied()`);
      const { adapter, target } = s.denied();
      const m = join(adapter, target, opened);
      await until(() => m.conn.state === 'closed', 'the connection to give up', 10_000);
      expectError(m, 'rejected');
      assert.ok(!m.states.includes('open'), `never reported open: ${m.states}`);
      t.diagnostic(m.errors[0]?.message ?? '');
    });
  });
}
