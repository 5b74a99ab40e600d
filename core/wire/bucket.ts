/**
 * A token bucket: `burst` at once, then `perSecond` on average. Used for
 * what a member may make us do (control messages per link, connections for
 * members not yet connected). Reads time only when asked, so a fake clock
 * drives it in tests.
 */
export interface RateLimit {
  perSecond: number;
  burst?: number;
}

export class TokenBucket {
  #tokens: number;
  #at: number;

  constructor(readonly limit: Required<RateLimit>, now: number) {
    this.#tokens = limit.burst;
    this.#at = now;
  }

  /** Spends a token if there is one. */
  take(now: number): boolean {
    this.#refill(now);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Milliseconds until a token is there (0: now). */
  wait(now: number): number {
    this.#refill(now);
    return this.#tokens >= 1 ? 0 : Math.ceil(((1 - this.#tokens) / this.limit.perSecond) * 1000);
  }

  #refill(now: number): void {
    // A clock stepped back refills nothing (and does not drain either).
    const elapsed = Math.max(0, now - this.#at);
    this.#at = now;
    this.#tokens = Math.min(this.limit.burst, this.#tokens + (elapsed / 1000) * this.limit.perSecond);
  }
}
