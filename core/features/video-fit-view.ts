/**
 * The receiver's side of per-receiver video: how we show one member's
 * stream changes with every frame of a window being resized, and a tile
 * scrolled past is hidden for a moment only. A ViewReporter tells the
 * sender what holds, not every step: a new size is sent once it has held
 * SIZE_SETTLE_MS and differs from the last one sent by more than SIZE_BAND,
 * a hidden stream once it has stayed hidden HIDE_SETTLE_MS; a stream shown
 * again is sent at once, since someone is looking at a frozen frame.
 */
import type { Clock, TimerId } from '../clock.js';
import type { View } from '../media/encoding.js';

export const SIZE_SETTLE_MS = 400;
export const HIDE_SETTLE_MS = 1000;
/** Height changes smaller than this share of the last one sent are not sent. */
export const SIZE_BAND = 0.2;

/** Whether `next` is worth telling a sender who was last told `sent`. */
export function significant(sent: View, next: View): boolean {
  if (sent.visible !== next.visible || Boolean(sent.priority) !== Boolean(next.priority)) return true;
  if (!next.visible) return false;
  const base = Math.max(1, sent.height);
  return Math.abs(next.height - sent.height) / base > SIZE_BAND || Math.abs(next.width - sent.width) / Math.max(1, sent.width) > SIZE_BAND;
}

export class ViewReporter {
  #latest: View | null = null;
  #sent: View | null = null;
  #timer: TimerId | undefined;

  /** `send` tells the sender; it returns false when the message did not go (no open channel yet). */
  constructor(private readonly clock: Clock, private readonly send: (view: View) => boolean) {}

  /** The view as measured now. */
  update(view: View): void {
    this.#latest = view;
    const sent = this.#sent;
    if (sent === null || (view.visible && !sent.visible)) return this.flush();
    if (!significant(sent, view)) {
      this.clock.clearTimeout(this.#timer);
      this.#timer = undefined;
      return;
    }
    // Each change starts the wait again: only a view that holds is sent.
    this.clock.clearTimeout(this.#timer);
    this.#timer = this.clock.setTimeout(() => this.flush(), view.visible ? SIZE_SETTLE_MS : HIDE_SETTLE_MS);
  }

  /** Sends the latest view now (also when the member's channel has just opened). */
  flush(): void {
    this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    const view = this.#latest;
    if (view !== null && this.send(view)) this.#sent = view;
  }

  /** What the sender was last told, if anything. */
  get sent(): View | null {
    return this.#sent;
  }

  stop(): void {
    this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
