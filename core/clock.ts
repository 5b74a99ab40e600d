/**
 * Time, injected: everything in core whose behaviour depends on time
 * (liveness, repair, the join window, prepared connections) reads the clock
 * and sets timers through one of these, so Node unit tests can drive it with
 * a fake clock instead of waiting.
 */
export type TimerId = ReturnType<typeof setTimeout>;

export interface Clock {
  /** Milliseconds since the epoch, like Date.now(). */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerId;
  clearTimeout(id: TimerId | undefined): void;
  setInterval(fn: () => void, ms: number): TimerId;
  clearInterval(id: TimerId | undefined): void;
}

/** The real clock and timers (bound, so a page's own globals are used). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (id) => clearInterval(id),
};
