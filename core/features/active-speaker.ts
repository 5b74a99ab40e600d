/**
 * Active speaker: which remote member is talking, from how loud their audio
 * arrives here. Levels are sampled every SAMPLE_MS on the meeting's clock;
 * SpeakerDetector decides with hysteresis, so the highlight does not flicker
 * between two people talking over each other or jump for a cough. Nothing is
 * sent: every member works it out from what it hears. Our own voice is never
 * the active speaker on our own screen.
 *
 * The levels come from a LevelSource: in a browser, the energy of the audio
 * each connection received (WebRTC stats `totalAudioEnergy` over
 * `totalSamplesDuration`, the RMS of what was played between two samples);
 * in tests, any function (the `audioLevels` option).
 */
import type { TimerId } from '../clock.js';
import { invalidOption } from '../errors.js';
import type { RemotePeer } from '../events.js';
import type { PeerStats } from '../mesh/stats.js';
import { defineFeature } from './feature.js';

/** A member's audio level now, 0 (silence) to 1 (full scale, linear); undefined when unknown. */
export type LevelSource = (peer: RemotePeer) => number | undefined | Promise<number | undefined>;

export const SAMPLE_MS = 300;

export interface DetectorOptions {
  /** Below this level (linear RMS; 0.01 ≈ -40 dBFS) a member counts as silent. */
  silence: number;
  /** A member must be the loudest this long before taking over from another (or from silence). */
  holdMs: number;
  /** A pause this long (between words) does not end a claim being made; a longer one does. */
  pauseMs: number;
  /** The speaker is let go after this long without being heard above silence. */
  releaseMs: number;
}

export const DETECTOR_DEFAULTS: Readonly<DetectorOptions> = Object.freeze({ silence: 0.01, holdMs: 900, pauseMs: 600, releaseMs: 2000 });

/** The decision alone, fed one sample of everyone's levels at a time; no timers, so tests drive it directly. */
export class SpeakerDetector {
  current: string | null = null;
  #candidate: string | null = null;
  #candidateSince = 0;
  #candidateHeardAt = 0;
  #heardAt = 0;

  constructor(readonly options: Readonly<DetectorOptions> = DETECTOR_DEFAULTS) {}

  /** Takes one sample (member id → level) taken at `now`; returns the speaker after it. */
  sample(levels: ReadonlyMap<string, number>, now: number): string | null {
    const { silence, holdMs, pauseMs, releaseMs } = this.options;
    let loudest: string | null = null;
    let max = silence;
    for (const [id, level] of levels) {
      if (level >= max) [loudest, max] = [id, level];
    }
    if (this.current !== null && (levels.get(this.current) ?? 0) >= silence) this.#heardAt = now;
    if (loudest !== null && loudest === this.current) {
      this.#candidate = null;
    } else if (loudest !== null) {
      if (loudest !== this.#candidate) [this.#candidate, this.#candidateSince] = [loudest, now];
      this.#candidateHeardAt = now;
    } else if (this.#candidate !== null && now - this.#candidateHeardAt > pauseMs) {
      this.#candidate = null;
    }
    // Taken over only on a sample where the newcomer is the loudest, once they have been for holdMs.
    if (this.#candidate !== null && this.#candidateHeardAt === now && now - this.#candidateSince >= holdMs) {
      [this.current, this.#candidate, this.#heardAt] = [this.#candidate, null, now];
    } else if (this.current !== null && now - this.#heardAt >= releaseMs) {
      this.current = null;
    }
    return this.current;
  }

  /** A member left: they stop being the speaker (or about to be) at once. */
  forget(id: string): void {
    if (this.current === id) this.current = null;
    if (this.#candidate === id) this.#candidate = null;
  }
}

/** `activespeaker`: the member talking now changed; `id` is null when no one is. */
export class ActiveSpeakerEvent extends Event {
  constructor(readonly id: string | null) {
    super('activespeaker');
  }
}

export interface ActiveSpeakerApi {
  /** The remote member talking now, or null. */
  readonly current: string | null;
}

interface Measurable { stats(): Promise<PeerStats> }

/**
 * The browser's source: how much audio energy each connection played since
 * the previous sample. Peers without stats (or without audio) are unknown;
 * those whose audio we do not play (a host has not allowed their
 * microphone: it is not in `peer.stream`, see permissions.ts) are silent,
 * however loud what reaches the wire.
 */
export function receivedAudioLevels(): LevelSource {
  const last = new WeakMap<RemotePeer, { energy: number; duration: number }>();
  return async (peer) => {
    const measurable = peer as Partial<Measurable>;
    const stats = typeof measurable.stats === 'function' ? await measurable.stats().catch(() => null) : null;
    if (!stats) return undefined;
    const before = last.get(peer);
    last.set(peer, { energy: stats.audioEnergy, duration: stats.audioDuration });
    const duration = stats.audioDuration - (before?.duration ?? 0);
    if (!before || duration <= 0) return undefined;
    if (!peer.stream?.getAudioTracks().length) return 0;
    return Math.sqrt(Math.max(0, stats.audioEnergy - before.energy) / duration);
  };
}

/** Options: `audioLevels` (a LevelSource; default: received audio energy, above). */
export const activeSpeaker = defineFeature({
  key: 'active-speaker',
  messages: [],
  install(ctx): ActiveSpeakerApi {
    const option = ctx.options['audioLevels'];
    if (option !== undefined && typeof option !== 'function') throw invalidOption('audioLevels must be a function (peer) => level from 0 to 1');
    const levelOf = (option as LevelSource | undefined) ?? receivedAudioLevels();
    const detector = new SpeakerDetector();
    let timer: TimerId | undefined;
    let busy = false;

    // Each round of levels is read whole (stats are a promise in a browser) before the next starts.
    const tick = () => {
      if (busy) return;
      busy = true;
      const peers = [...ctx.peers()];
      void Promise.all(peers.map((p) => Promise.resolve().then(() => levelOf(p)).catch(() => undefined))).then((values) => {
        busy = false;
        if (timer === undefined) return;
        const levels = new Map<string, number>();
        peers.forEach((p, i) => {
          const v = values[i];
          if (typeof v === 'number' && v >= 0) levels.set(p.id, Math.min(1, v)); // NaN, negatives: unknown
        });
        const before = detector.current;
        if (detector.sample(levels, ctx.clock.now()) !== before) ctx.emit(new ActiveSpeakerEvent(detector.current));
      });
    };

    ctx.onJoin(() => {
      ctx.clock.clearInterval(timer);
      timer = ctx.clock.setInterval(tick, SAMPLE_MS);
    });
    ctx.onLeave(() => {
      ctx.clock.clearInterval(timer);
      timer = undefined;
    });
    ctx.onPeerLeave((peer) => {
      const before = detector.current;
      detector.forget(peer.id);
      if (detector.current !== before) ctx.emit(new ActiveSpeakerEvent(null));
    });

    return {
      get current() {
        return detector.current;
      },
    };
  },
});
