/**
 * The reconnecting connection all three browser adapters share
 * (adapters/reconnecting.ts), driven by a scripted transport and a fake
 * clock: every transition, delay and late event is decided here, not raced.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SecureMeetingError } from '../../core/errors.js';
import type { RelayState } from '../../core/relay.js';
import {
  ReconnectingConnection,
  STABLE_MS,
  type Attempt,
  type Clock,
  type Ending,
  type Transport,
} from '../../adapters/reconnecting.js';

/** Fake time: timers fire only when advance() passes them. */
class FakeClock implements Clock {
  time = 1_000_000;
  chance = 0.5;
  readonly timers = new Map<number, { at: number; fn: () => void; ms: number }>();
  /** Every delay asked for, in order. */
  readonly delays: number[] = [];
  #ids = 0;

  now = (): number => this.time;
  random = (): number => this.chance;
  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = ++this.#ids;
    this.timers.set(id, { at: this.time + ms, fn, ms });
    this.delays.push(ms);
    return id;
  };
  clearTimeout = (handle: unknown): void => {
    this.timers.delete(handle as number);
  };

  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const due = [...this.timers].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) break;
      this.timers.delete(due[0]);
      this.time = due[1].at;
      due[1].fn();
    }
    this.time = until;
  }
}

interface Socket {
  readonly id: number;
  readonly attempt: Attempt;
  readonly sent: string[];
  disposed: number;
}

/** A transport whose attempts the test opens, ends and feeds by hand. */
class Scripted implements Transport<Socket> {
  readonly sockets: Socket[] = [];
  /** When set, the next open() throws it. */
  throwOnOpen: unknown = undefined;
  /** When set, open() ends the attempt before it returns. */
  endDuringOpen: Ending | undefined = undefined;

  open(attempt: Attempt): Socket {
    if (this.throwOnOpen !== undefined) throw this.throwOnOpen;
    const socket: Socket = { id: this.sockets.length + 1, attempt, sent: [], disposed: 0 };
    this.sockets.push(socket);
    if (this.endDuringOpen !== undefined) attempt.ended(this.endDuringOpen);
    return socket;
  }
  send(socket: Socket, data: string): boolean {
    socket.sent.push(data);
    return true;
  }
  dispose(socket: Socket): void {
    socket.disposed += 1;
  }

  get last(): Socket {
    const socket = this.sockets.at(-1);
    assert.ok(socket, 'an attempt was dialled');
    return socket;
  }
}

interface Log {
  states: RelayState[];
  messages: string[];
  errors: SecureMeetingError[];
}

function start(reconnect: { initialDelayMs: number; maxDelayMs: number } | false = { initialDelayMs: 100, maxDelayMs: 1000 }) {
  const clock = new FakeClock();
  const transport = new Scripted();
  const log: Log = { states: [], messages: [], errors: [] };
  const conn = new ReconnectingConnection(
    transport,
    reconnect,
    {
      state: (s) => log.states.push(s),
      message: (m) => log.messages.push(m),
      error: (e) => log.errors.push(e),
    },
    clock,
  );
  return { clock, transport, log, conn };
}

const lost = (): Ending => ({ kind: 'unreachable', error: new SecureMeetingError('unreachable', 'cannot reach the relay') });
const unauthorized = (): Ending => ({ kind: 'fatal', error: new SecureMeetingError('unauthorized', 'relay refused access') });

/** Fake-clock tests finish in milliseconds; the budget only turns a hang into a failure. */
const limit = { timeout: 5_000 };

describe('reconnecting connection (fake clock)', () => {
  test('connect → open: state, publish and messages', limit, () => {
    const { transport, log, conn } = start();
    assert.deepEqual(log.states, ['connecting'], "'connecting' is reported synchronously");
    assert.equal(transport.sockets.length, 1);
    assert.equal(conn.publish('too early'), false);
    assert.throws(() => conn.publish(7 as unknown as string), { name: 'TypeError', message: 'secure-meeting: publish() takes a string' });

    transport.last.attempt.opened();
    assert.equal(conn.state, 'open');
    assert.deepEqual(log.states, ['connecting', 'open']);
    assert.equal(conn.publish('hello'), true);
    assert.deepEqual(transport.last.sent, ['hello']);
    transport.last.attempt.message('inbound');
    assert.deepEqual(log.messages, ['inbound']);
    assert.deepEqual(log.errors, []);
  });

  test('drop → reconnecting → backoff doubling within its bounds → open', limit, () => {
    const { clock, transport, log, conn } = start({ initialDelayMs: 100, maxDelayMs: 1000 });
    transport.last.attempt.opened();
    transport.last.attempt.ended(lost());
    assert.equal(conn.state, 'reconnecting');
    assert.equal(conn.publish('into the void'), false);
    assert.equal(log.errors.length, 0, 'losing an open connection is not an error: reconnecting says it');
    assert.equal(transport.sockets[0]?.disposed, 1);

    // Full jitter: random() × bound, the bound doubling per failure up to maxDelayMs.
    clock.advance(49);
    assert.equal(transport.sockets.length, 1, 'no attempt before the delay');
    clock.advance(1);
    assert.equal(transport.sockets.length, 2);
    for (let i = 0; i < 5; i++) {
      transport.last.attempt.ended(lost());
      clock.advance(clock.delays.at(-1) ?? 0);
    }
    assert.deepEqual(clock.delays, [50, 100, 200, 400, 500, 500]);
    assert.deepEqual(log.errors.map((e) => e.code), ['unreachable'], 'one report per outage');

    // random() is in [0, 1): the delay stays under the bound, and can be 0.
    clock.chance = 0.999;
    transport.last.attempt.ended(lost());
    assert.ok(clock.delays.at(-1)! < 1000 && clock.delays.at(-1)! > 990, `delay ${clock.delays.at(-1)}`);
    clock.advance(1000);
    clock.chance = 0;
    transport.last.attempt.ended(lost());
    assert.equal(clock.delays.at(-1), 0);
    clock.advance(0);

    transport.last.attempt.opened();
    assert.equal(conn.state, 'open');
    assert.deepEqual(log.states, ['connecting', 'open', 'reconnecting', 'open']);
    assert.equal(clock.timers.size, 0);
    assert.ok(transport.sockets.slice(0, -1).every((s) => s.disposed === 1), 'every ended attempt let go of once');
  });

  test('before the first open the state stays "connecting", and a new outage is reported again', limit, () => {
    const { clock, transport, log, conn } = start();
    transport.last.attempt.ended(lost());
    assert.equal(conn.state, 'connecting');
    clock.advance(1000);
    transport.last.attempt.ended(lost());
    clock.advance(1000);
    assert.deepEqual(log.states, ['connecting']);
    assert.equal(log.errors.length, 1);

    transport.last.attempt.opened();
    transport.last.attempt.ended(lost());
    clock.advance(1000);
    transport.last.attempt.ended(lost());
    assert.deepEqual(log.errors.map((e) => e.code), ['unreachable', 'unreachable'], 'once per outage, not once per life');
  });

  test('a fatal error (unauthorized, rejected) reports and closes with no retry', limit, () => {
    const { clock, transport, log, conn } = start();
    transport.last.attempt.ended(unauthorized());
    assert.equal(conn.state, 'closed');
    assert.deepEqual(log.states, ['connecting', 'closed']);
    assert.deepEqual(log.errors.map((e) => [e.code, e.message]), [['unauthorized', 'secure-meeting: relay refused access']]);
    assert.equal(clock.timers.size, 0);
    clock.advance(60_000);
    assert.equal(transport.sockets.length, 1);

    // Also after open (an MQTT 5 PUBACK refusing a publish).
    const after = start();
    after.transport.last.attempt.opened();
    after.transport.last.attempt.ended({ kind: 'fatal', error: new SecureMeetingError('rejected', 'not allowed to publish') });
    assert.deepEqual(after.log.states, ['connecting', 'open', 'closed']);
    assert.deepEqual(after.log.errors.map((e) => e.code), ['rejected']);
    assert.equal(after.clock.timers.size, 0);
  });

  test('open() throwing (mixed content, CSP) is reported and closes for good', limit, () => {
    const clock = new FakeClock();
    const transport = new Scripted();
    transport.throwOnOpen = new SecureMeetingError('unreachable', 'cannot open the relay WebSocket');
    const errors: SecureMeetingError[] = [];
    const states: RelayState[] = [];
    const conn = new ReconnectingConnection(transport, { initialDelayMs: 10, maxDelayMs: 10 }, {
      state: (s) => states.push(s),
      message: () => {},
      error: (e) => errors.push(e),
    }, clock);
    assert.equal(conn.state, 'closed');
    assert.deepEqual(states, ['connecting', 'closed']);
    assert.deepEqual(errors.map((e) => e.message), ['secure-meeting: cannot open the relay WebSocket']);
    assert.equal(clock.timers.size, 0);
  });

  test('a "retry" ending is reported every time and retried; "redial" dials again at once', limit, () => {
    const { clock, transport, log, conn } = start();
    transport.last.attempt.opened();
    const kicked = (): Ending => ({ kind: 'retry', error: new SecureMeetingError('rejected', 'rate limit') });
    transport.last.attempt.ended(kicked());
    clock.advance(1000);
    transport.last.attempt.opened();
    transport.last.attempt.ended(kicked());
    clock.advance(1000);
    assert.deepEqual(log.errors.map((e) => e.message), ['secure-meeting: rate limit', 'secure-meeting: rate limit']);
    assert.equal(transport.sockets.length, 3);

    const delays = clock.delays.length;
    transport.last.attempt.ended({ kind: 'redial' });
    assert.equal(transport.sockets.length, 4, 'dialled again synchronously');
    assert.equal(clock.delays.length, delays, 'without a backoff timer');
    assert.equal(conn.state, 'reconnecting');
    assert.equal(log.errors.length, 2);
  });

  test('reconnect: false closes on the first drop, with no timer', limit, () => {
    const { clock, transport, log, conn } = start(false);
    transport.last.attempt.opened();
    transport.last.attempt.ended(lost());
    assert.equal(conn.state, 'closed');
    assert.deepEqual(log.states, ['connecting', 'open', 'closed']);
    assert.deepEqual(log.errors, []);
    assert.equal(clock.timers.size, 0);

    // Never open: the failure is still reported before closing.
    const never = start(false);
    never.transport.last.attempt.ended(lost());
    assert.deepEqual(never.log.states, ['connecting', 'closed']);
    assert.deepEqual(never.log.errors.map((e) => e.code), ['unreachable']);
    assert.equal(never.clock.timers.size, 0);
  });

  test('close() during the backoff leaves no timer and is idempotent', limit, () => {
    const { clock, transport, log, conn } = start();
    transport.last.attempt.opened();
    transport.last.attempt.ended(lost());
    assert.equal(clock.timers.size, 1);
    conn.close();
    conn.close();
    assert.equal(clock.timers.size, 0);
    clock.advance(60_000);
    assert.equal(transport.sockets.length, 1, 'no attempt after close()');
    assert.deepEqual(log.states, ['connecting', 'open', 'reconnecting', 'closed']);
    assert.equal(conn.publish('after close'), false);

    // While an attempt is in flight: it is let go of, once.
    const dialling = start();
    dialling.conn.close();
    assert.equal(dialling.transport.last.disposed, 1);
    assert.deepEqual(dialling.log.states, ['connecting', 'closed']);
  });

  test("a stale attempt's late events are ignored", limit, () => {
    const { clock, transport, log, conn } = start();
    const first = transport.last;
    first.attempt.opened();
    first.attempt.ended(lost());
    assert.equal(first.attempt.current, false);

    // Late events from the ended attempt, during the backoff and after the next attempt opened.
    first.attempt.message('late');
    first.attempt.opened();
    first.attempt.report(new SecureMeetingError('rejected', 'late kick'));
    first.attempt.ended(unauthorized());
    assert.equal(conn.state, 'reconnecting');
    clock.advance(1000);
    const second = transport.last;
    assert.notEqual(second, first);
    second.attempt.opened();
    first.attempt.ended(lost());
    first.attempt.message('later');
    assert.equal(conn.state, 'open');
    assert.deepEqual(log.messages, []);
    assert.deepEqual(log.errors, []);
    assert.equal(first.disposed, 1);

    // And after close(): nothing reaches the app.
    conn.close();
    second.attempt.message('after close');
    second.attempt.ended(lost());
    assert.deepEqual(log.messages, []);
    assert.equal(clock.timers.size, 0);
    assert.deepEqual(log.states, ['connecting', 'open', 'reconnecting', 'open', 'closed']);
  });

  test('an attempt that ends while it is still opening is let go of', limit, () => {
    const clock = new FakeClock();
    const transport = new Scripted();
    transport.endDuringOpen = unauthorized();
    const states: RelayState[] = [];
    new ReconnectingConnection(transport, { initialDelayMs: 10, maxDelayMs: 10 }, {
      state: (s) => states.push(s),
      message: () => {},
      error: () => {},
    }, clock);
    assert.deepEqual(states, ['connecting', 'closed']);
    assert.equal(transport.last.disposed, 1);
  });

  test('an error handler that closes the connection stops the retry', limit, () => {
    const clock = new FakeClock();
    const transport = new Scripted();
    const conn: ReconnectingConnection<Socket> = new ReconnectingConnection(transport, { initialDelayMs: 10, maxDelayMs: 10 }, {
      state: () => {},
      message: () => {},
      error: () => conn.close(),
    }, clock);
    transport.last.attempt.ended(lost());
    assert.equal(conn.state, 'closed');
    assert.equal(clock.timers.size, 0);
  });

  test('a long-lived connection resets the backoff; a short one does not', limit, () => {
    const { clock, transport } = start({ initialDelayMs: 100, maxDelayMs: 10_000 });
    // Three failures grow the bound to 800.
    for (let i = 0; i < 3; i++) {
      transport.last.attempt.ended(lost());
      clock.advance(10_000);
    }
    assert.deepEqual(clock.delays, [50, 100, 200]);

    transport.last.attempt.opened();
    clock.advance(STABLE_MS - 1);
    transport.last.attempt.ended(lost());
    assert.equal(clock.delays.at(-1), 400, 'open for less than STABLE_MS: the bound keeps growing');
    clock.advance(10_000);

    transport.last.attempt.opened();
    clock.advance(STABLE_MS);
    transport.last.attempt.ended(lost());
    assert.equal(clock.delays.at(-1), 50, 'open for STABLE_MS: back to the first delay');
  });
});
