/**
 * The join window (DESIGN.md, "Joining, the join window, leaving"): a member
 * stays on the relay, where newcomers find it, only for a while after it
 * joins. When the window closes it drops off the relay; the mesh, its media
 * and its chat go on, and no one new can get in. Any member can reopen
 * joining for everyone ("Allow joining") or close it at once ("Lock now");
 * those travel over the members' control channels.
 *
 * JoinWindow keeps the time and says when to open and close; the feature
 * below wires it to the relay and to the other members.
 */
import type { Clock, TimerId } from '../clock.js';
import { invalidOption } from '../errors.js';
import { defineMessage } from '../wire/registry.js';
import { defineFeature } from './feature.js';

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
  #timer: TimerId | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly hooks: JoinWindowHooks,
  ) {}

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
    const closesAt = this.clock.now() + ms;
    if (this.#closesAt !== null && this.#closesAt <= closesAt) return;
    this.#schedule(ms);
    this.hooks.changed();
  }

  /** "Lock now", or the window ran out. */
  lock(): void {
    this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#open) return;
    this.#open = false;
    this.#closesAt = null;
    this.hooks.lock();
    this.hooks.changed();
  }

  /** The meeting ended: no timer left. */
  stop(): void {
    this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#open = false;
    this.#closesAt = null;
  }

  #schedule(ms: number | null): void {
    this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#closesAt = ms === null ? null : this.clock.now() + ms;
    if (ms !== null) this.#timer = this.clock.setTimeout(() => this.lock(), ms);
  }
}

/** Whether newcomers can find this member on the relay, and until when (null: no end, or closed). */
export interface JoinWindowState {
  readonly open: boolean;
  readonly closesAt: number | null;
}

export class JoinWindowEvent extends Event implements JoinWindowState {
  constructor(readonly open: boolean, readonly closesAt: number | null) {
    super('joinwindow');
  }
}

/**
 * `open: true`: joining is open for `ms` from now; with `follow`, only a
 * reminder of the room's window for a newcomer, which only ever shortens its
 * own. `open: false`: lock now.
 */
export type WindowBody = { open: true; ms: number; follow?: boolean } | { open: false };

export const WindowMessage = defineMessage<WindowBody>('window', (b) => b['open'] === false ||
  (b['open'] === true && Number.isInteger(b['ms']) && (b['ms'] as number) > 0 && (b['ms'] as number) <= MAX_WINDOW_MS &&
    (b['follow'] === undefined || typeof b['follow'] === 'boolean')),
  // Each one makes every member reconnect to the relay or leave it: a few at
  // once (a newcomer's follow, Allow joining, Lock now), then one per 10 s.
  { perSecond: 0.1, burst: 3 });

const MAX_WINDOW_S = MAX_WINDOW_MS / 1000;

/** A whole number of milliseconds from an option in seconds, or a TypeError naming it. */
export function windowMs(value: unknown, name: string, fallback: number, zeroAllowed: boolean): number {
  if (value === undefined) return fallback * 1000;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_WINDOW_S || (!zeroAllowed && value === 0)) {
    throw invalidOption(`${name} must be a number of seconds ${zeroAllowed ? 'from 0' : 'above 0'} up to ${MAX_WINDOW_S}`);
  }
  return Math.round(value * 1000);
}

export interface JoinWindowApi {
  readonly state: JoinWindowState;
  /** Opens joining for everyone for `seconds` (default: the `joinWindow` option). */
  allow(seconds?: number): void;
  /** Closes joining for everyone at once. */
  lock(): void;
}

/**
 * The join window as a feature: options `lockAfter` (seconds after joining
 * until we leave the relay; default 600, 0 = never) and `joinWindow` (how
 * long "Allow joining" opens it; default 600, and the longest any other
 * member's "Allow joining" opens ours). "Allow joining" and "Lock now"
 * reach every member over the control channels, and a newcomer is told when
 * the room's window closes.
 */
export const joinWindow = defineFeature({
  key: 'join-window',
  messages: [WindowMessage],
  install(ctx): JoinWindowApi {
    const lockAfterMs = windowMs(ctx.options['lockAfter'], 'lockAfter', 600, true);
    const defaultMs = windowMs(ctx.options['joinWindow'], 'joinWindow', 600, false);
    const window: JoinWindow = new JoinWindow(ctx.clock, {
      open: () => ctx.relay.connect(),
      lock: () => ctx.relay.disconnect(),
      changed: () => ctx.emit(new JoinWindowEvent(window.open, window.closesAt)),
    });
    ctx.onJoin(() => window.start(lockAfterMs));
    ctx.onLeave(() => window.stop());
    ctx.onPeerOpen((peer) => {
      const closesAt = window.closesAt;
      if (closesAt !== null) ctx.send(peer, WindowMessage, { open: true, ms: Math.max(1, closesAt - ctx.clock.now()), follow: true });
    });
    ctx.on(WindowMessage, (_peer, body) => {
      if (!body.open) window.lock();
      else if (body.follow) window.follow(body.ms);
      // Another member may open our window, but only for as long as we would
      // open it ourselves: no one keeps us on the relay for a day.
      else window.openFor(Math.min(body.ms, defaultMs));
    });
    return {
      get state() {
        return { open: window.open, closesAt: window.closesAt };
      },
      allow(seconds) {
        const ms = seconds === undefined ? defaultMs : windowMs(seconds, 'allowJoining(seconds)', 0, false);
        if (ctx.state() !== 'joined') return;
        ctx.send('all', WindowMessage, { open: true, ms });
        window.openFor(ms);
      },
      lock() {
        if (ctx.state() !== 'joined') return;
        ctx.send('all', WindowMessage, { open: false });
        window.lock();
      },
    };
  },
});
