/**
 * Liveness and repair of one member pair's direct link (DESIGN.md, "Leave"):
 * who has gone, whose link is only down, and when to restart ICE round it.
 * Pure timekeeping over an injected clock; the peer does the WebRTC.
 */
import type { Clock, TimerId } from '../clock.js';

/** How often each member pings over every control channel. */
export const PING_MS = 2000;
/** How often liveness looks at each link. */
export const TICK_MS = 1000;
/**
 * A liveness tick this late means our own timers were throttled (a hidden
 * tab: Chrome's "intensive wake up throttling" can hold timers for a minute),
 * so silence says nothing about the other side: skip that verdict. The other
 * side's pings still arrive as events, which are not throttled, and are
 * answered at once, so it keeps hearing from us.
 */
export const LATE_TICK_MS = 3 * TICK_MS;
/**
 * Nothing on the control channel for this long (pings come every 2 s and are
 * answered at once): the direct link is down, or the member is gone. Signals
 * go round it, and the impolite side restarts ICE through the detour.
 */
export const SUSPECT_MS = 3000;
/** A restart that has not brought the link back after this long is tried again. */
export const RESTART_MS = 4000;
/** A link that stays down this long is given up even while the member is heard through others. */
export const REPAIR_GIVE_UP_MS = 30_000;
/**
 * Nothing heard from a member for this long, directly, through others, or
 * as packets on the connection: it is gone (tab killed, network lost) even
 * if ICE has not noticed yet. Short network blips stay under it, and ICE
 * recovers from them without anyone rejoining.
 */
export const LIVENESS_MS = 7000;

export interface LinkHooks {
  /** The polite side never restarts, so the two do not collide. */
  readonly polite: boolean;
  /** ICE itself says the path is down. */
  iceDown(): boolean;
  /** A way round the link exists now: the relay, or another member's link. */
  hasDetour(): boolean;
  ping(): void;
  /** Restart ICE, signaled round the link. */
  restart(): void;
  /** Bytes received so far on the connection's transport; undefined once closed. */
  bytesReceived(): Promise<number | undefined>;
  /** The link works again after a repair. */
  back(): void;
  /** Whether the link is down (`reconnecting`) may have changed. */
  changed(): void;
  /** Nothing heard for LIVENESS_MS, or the link down past REPAIR_GIVE_UP_MS: give the member up. */
  lost(): void;
}

export class LinkMonitor {
  readonly #clock: Clock;
  readonly #hooks: LinkHooks;
  #started = false;
  #stopped = false;
  /** Last message on the control channel. */
  #lastChannel = 0;
  /** Last sign that the direct link works: a message on the channel, or packets arriving. */
  #lastDirect = 0;
  /** Last word from this member by any way: the channel, or a sealed envelope through others. */
  #lastHeard = 0;
  /** An ICE restart is under way (ours, or their offer came round): signals go round until the link speaks again. */
  #repairing = false;
  #lastRestart = 0;
  /** When the link went down (0: up). */
  #downSince = 0;
  #lastTick = 0;
  #lastPing = 0;
  /** Transport bytes at the last look while the channel was silent (-1: not looked since it spoke). */
  #bytesIn = -1;
  #timer: TimerId | undefined;

  constructor(clock: Clock, hooks: LinkHooks) {
    this.#clock = clock;
    this.#hooks = hooks;
  }

  /** The link was up once, so from now on a lost one is repaired, not abandoned. */
  get started(): boolean {
    return this.#started;
  }

  /** Whether signals go round the direct link: it is being repaired, silent, or ICE says it is down. */
  get down(): boolean {
    return this.#started && this.#detouring(this.#clock.now());
  }

  /** The control channel opened: the clocks start now. Idempotent (a repaired link reopens nothing). */
  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    this.#lastChannel = this.#lastDirect = this.#lastHeard = this.#lastTick = this.#clock.now();
    this.#timer = this.#clock.setInterval(() => this.tick(), TICK_MS);
  }

  stop(): void {
    this.#stopped = true;
    this.#clock.clearInterval(this.#timer);
  }

  /** A message on the control channel: the direct link works. */
  channelMessage(): void {
    this.#lastChannel = this.#lastDirect = this.#lastHeard = this.#clock.now();
    this.#bytesIn = -1;
    if (this.#repairing) this.#back();
  }

  /**
   * A signal from this member that came sealed by another way (relay, or a
   * member forwarding it): alive, but not reaching us directly. An offer that
   * comes round is their restart: we are repairing too.
   */
  heardRound(offer: boolean): void {
    if (!this.#started) return;
    this.#lastHeard = this.#clock.now();
    if (offer) this.#startRepair();
  }

  /**
   * Liveness and repair, once a second. Whoever has not been heard from for
   * LIVENESS_MS, directly or round, is gone. A link that is down while the
   * member is still heard through others is restarted (by the impolite side)
   * every RESTART_MS, and given up after REPAIR_GIVE_UP_MS.
   */
  tick(): void {
    if (this.#stopped) return;
    const now = this.#clock.now();
    // A late tick means our own timers were held (a hidden tab): no verdict this time.
    const late = now - this.#lastTick > LATE_TICK_MS;
    this.#lastTick = now;
    const down = this.#detouring(now);
    if (down !== (this.#downSince !== 0)) {
      this.#downSince = down ? now : 0;
      this.#hooks.changed();
    }
    if (now - this.#lastChannel > PING_MS) void this.#packetsArriving();
    if (!late) {
      if (now - this.#lastHeard > LIVENESS_MS) return this.#hooks.lost();
      if (down && now - this.#downSince > REPAIR_GIVE_UP_MS) return this.#hooks.lost();
    }
    if (down && !this.#hooks.polite && now - this.#lastRestart >= RESTART_MS && this.#hooks.hasDetour()) {
      this.#startRepair();
      this.#hooks.restart();
    }
    if (now - this.#lastPing >= PING_MS) {
      this.#lastPing = now;
      this.#hooks.ping();
    }
  }

  #detouring(now: number): boolean {
    return this.#repairing || now - this.#lastDirect > SUSPECT_MS || this.#hooks.iceDown();
  }

  #startRepair(): void {
    this.#lastRestart = this.#clock.now();
    if (this.#repairing) return;
    this.#repairing = true;
    this.#hooks.changed();
  }

  #back(): void {
    this.#repairing = false;
    this.#hooks.back();
  }

  /**
   * While the channel is silent, packets arriving on the connection again
   * (media, RTCP, ICE checks) mean the member is alive and the path works:
   * after a drop or a restart, media resumes at once while the data channel
   * waits out its retransmission back-off, which can take seconds.
   */
  async #packetsArriving(): Promise<void> {
    const bytes = await this.#hooks.bytesReceived();
    if (bytes === undefined || this.#stopped) return;
    const arriving = this.#bytesIn >= 0 && bytes > this.#bytesIn;
    this.#bytesIn = bytes;
    if (!arriving) return;
    this.#lastDirect = this.#lastHeard = this.#clock.now();
    if (this.#repairing) this.#back();
  }
}
