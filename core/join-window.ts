/**
 * The join window (DESIGN.md, "Joining, the join window, leaving"): a member
 * stays on the relay, where newcomers find it, only for a while after it
 * joins. When the window closes it drops off the relay; the mesh, its media
 * and its chat go on, and no one new can get in. Any member can reopen
 * joining for everyone ("Allow joining") or close it at once ("Lock now");
 * those travel over the members' control channels.
 *
 * This class keeps the time and says when to open and close; the meeting
 * does the connecting.
 */

/** Longest window anyone can ask for: a day. */
export const MAX_WINDOW_MS = 24 * 60 * 60 * 1000;

export interface JoinWindowHooks {
  /** Joining opened (again): connect to the relay. */
  open(): void;
  /** Joining closed: leave the relay. */
  lock(): void;
  /** `open` or `closesAt` changed. */
  changed(): void;
}

export class JoinWindow {
  #open = false;
  #closesAt: number | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly hooks: JoinWindowHooks) {}

  /** Whether this member is on the relay, reachable by newcomers. */
  get open(): boolean {
    return this.#open;
  }

  /** When joining closes (ms since the epoch), or null: closed, or open with no end. */
  get closesAt(): number | null {
    return this.#open ? this.#closesAt : null;
  }

  /** At join: open, for `ms` (0 = never closes). The meeting is already dialling the relay. */
  start(ms: number): void {
    this.#open = true;
    this.#schedule(ms === 0 ? null : ms);
    this.hooks.changed();
  }

  /** "Allow joining": open for `ms` from now, reconnecting if locked. */
  openFor(ms: number): void {
    const wasOpen = this.#open;
    this.#open = true;
    this.#schedule(ms);
    if (!wasOpen) this.hooks.open();
    this.hooks.changed();
  }

  /**
   * A member already in the room says its window closes in `ms`: a newcomer
   * follows the room's window rather than starting a fresh one, so everyone
   * leaves the relay together. Only ever shortens.
   */
  follow(ms: number): void {
    if (!this.#open) return;
    const closesAt = Date.now() + ms;
    if (this.#closesAt !== null && this.#closesAt <= closesAt) return;
    this.#schedule(ms);
    this.hooks.changed();
  }

  /** "Lock now", or the window ran out. */
  lock(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#open) return;
    this.#open = false;
    this.#closesAt = null;
    this.hooks.lock();
    this.hooks.changed();
  }

  /** The meeting ended: no timer left. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#open = false;
    this.#closesAt = null;
  }

  #schedule(ms: number | null): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#closesAt = ms === null ? null : Date.now() + ms;
    if (ms !== null) this.#timer = setTimeout(() => this.lock(), ms);
  }
}
