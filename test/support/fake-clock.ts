/**
 * A clock for Node unit tests of time-driven logic (liveness, repair, the
 * join window): time moves only when the test says, timers fire in order of
 * their due time, and a test can hold timers back the way a hidden tab's
 * throttling does.
 */
import type { Clock, TimerId } from '../../core/clock.js';

interface Timer { at: number; fn: () => void; every: number | null }

export class FakeClock implements Clock {
  #now: number;
  #next = 1;
  readonly #timers = new Map<number, Timer>();

  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerId {
    return this.#add(fn, ms, null);
  }

  setInterval(fn: () => void, ms: number): TimerId {
    return this.#add(fn, ms, Math.max(1, ms));
  }

  clearTimeout(id: TimerId | undefined): void {
    this.#timers.delete(id as unknown as number);
  }

  clearInterval(id: TimerId | undefined): void {
    this.#timers.delete(id as unknown as number);
  }

  /** Timers still scheduled. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing each timer at its due time, in order. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let due: [number, Timer] | undefined;
      for (const entry of this.#timers) if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) due = entry;
      if (!due) break;
      const [id, timer] = due;
      this.#now = Math.max(this.#now, timer.at);
      if (timer.every === null) this.#timers.delete(id);
      else timer.at = this.#now + timer.every;
      timer.fn();
    }
    this.#now = end;
  }

  /**
   * Moves time forward by `ms` with every timer held back (a throttled
   * background tab), then lets each overdue timer fire once, late.
   */
  stall(ms: number): void {
    this.#now += ms;
    this.advance(0);
  }

  #add(fn: () => void, ms: number, every: number | null): TimerId {
    const id = this.#next++;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), fn, every });
    return id as unknown as TimerId;
  }
}
