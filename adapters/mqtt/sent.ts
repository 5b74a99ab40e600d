/**
 * The payloads one connection published lately, so their echo can be
 * dropped. MQTT 3.1.1 has no "no local" flag (5 has, §3.8.3.1, and not every
 * broker honours it), so a subscriber gets its own messages back. Envelopes
 * are unique (a fresh random IV each), so an inbound equal to one we sent is
 * our echo. Bounded in count and size: an echo comes back within a round
 * trip, and one that outruns the record is still dropped by core (own sender).
 */
export class SentPayloads {
  /** payload → how many sends of it still await their echo; a Map iterates oldest first. */
  readonly #pending = new Map<string, number>();
  #count = 0;
  #chars = 0;

  constructor(
    private readonly maxEntries = 256,
    private readonly maxChars = 4 * 1024 * 1024,
  ) {}

  /** Sends still awaiting their echo. */
  get size(): number {
    return this.#count;
  }

  add(payload: string): void {
    this.#pending.set(payload, (this.#pending.get(payload) ?? 0) + 1);
    this.#count += 1;
    this.#chars += payload.length;
    while (this.#count > this.maxEntries || (this.#chars > this.maxChars && this.#count > 1)) {
      const oldest = this.#pending.keys().next();
      if (oldest.done === true) break;
      this.#forget(oldest.value);
    }
  }

  /** True (and forgotten, once) when `payload` is one of ours. */
  take(payload: string): boolean {
    if (!this.#pending.has(payload)) return false;
    this.#forget(payload);
    return true;
  }

  clear(): void {
    this.#pending.clear();
    this.#count = 0;
    this.#chars = 0;
  }

  #forget(payload: string): void {
    const count = this.#pending.get(payload) ?? 0;
    if (count > 1) this.#pending.set(payload, count - 1);
    else this.#pending.delete(payload);
    this.#count -= 1;
    this.#chars -= payload.length;
  }
}
