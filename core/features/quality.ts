/**
 * Connection quality: how well our connection to each member carries media,
 * in four levels, from that connection's own WebRTC statistics
 * (`ctx.rtp(peer).stats()`), sampled every `qualityIntervalMs` (default
 * 2 s) on the meeting's clock. Nothing is sent: each member measures its own
 * connections, both directions of each (what we lose of theirs, and what
 * their receiver reports losing of ours).
 *
 * Three steps, each its own piece so tests drive it directly:
 * - `figuresFrom(report, previous, now)` reads one sample's figures:
 *   round-trip time, loss in both directions, jitter, received frames per
 *   second, and congestion control's estimate of what the link can carry
 *   from us;
 * - `levelOf(figures)` maps them to a level (QUALITY_THRESHOLDS);
 * - `LevelSmoother` holds the level steady: one spike does not flap it.
 *
 * Beside the levels, the upload check: a mesh sends one copy of our media
 * to each member, so when the sum of the connections' estimates
 * (`availableOutgoingBitrate`) cannot give every member
 * `minUplinkKbpsPerMember` (default 150 kbit/s: Opus audio and a small
 * video), the meeting has more members than our upload can feed, and
 * `uplink.warning` says so.
 */
import type { TimerId } from '../clock.js';
import { invalidOption } from '../errors.js';
import type { RemotePeer } from '../events.js';
import { defineFeature } from './feature.js';

/** Best first. */
export const QUALITY_LEVELS = ['good', 'fair', 'poor', 'bad'] as const;
export type QualityLevel = (typeof QUALITY_LEVELS)[number];

/** What one sample measured of a connection; null where the statistics did not tell. */
export interface QualityFigures {
  /** Round-trip time in ms: the ICE candidate pair in use (`currentRoundTripTime`), else what RTCP reports (`remote-inbound-rtp` `roundTripTime`). */
  readonly rttMs: number | null;
  /** The worse of the two directions below, in %. */
  readonly lossPercent: number | null;
  /** Packets of theirs we lost since the previous sample, in % (`inbound-rtp` `packetsLost` over packets expected; the worst stream). */
  readonly lossInPercent: number | null;
  /** Packets of ours their receiver lost since the previous sample, in % (`remote-inbound-rtp` `packetsLost` over our `outbound-rtp` `packetsSent`; the worst stream). */
  readonly lossOutPercent: number | null;
  /** Interarrival jitter in ms (RFC 3550 §6.4.1) of audio, both directions; of video when there is no audio. */
  readonly jitterMs: number | null;
  /** Video frames per second we decode from them (the best stream); not part of the level: the sender chooses it (a thumbnail, a camera off). */
  readonly fps: number | null;
  /** What congestion control thinks this link can carry from us (`availableOutgoingBitrate`), in kbit/s. */
  readonly outgoingKbps: number | null;
}

/**
 * A figure below the `good` bound is good, below `fair` fair, below `poor`
 * poor, and bad from there; exactly at a bound counts as the worse side. The
 * level is the worst of the three figures; a figure not measured does not
 * count. Round-trip bounds follow ITU-T G.114 (under 150 ms one way is
 * transparent for speech; we apply it to the round trip, which also carries
 * repairs); 2 % loss is what Opus FEC and NACK hide, past 10 % video freezes.
 */
export const QUALITY_THRESHOLDS = Object.freeze({
  rttMs: Object.freeze({ good: 150, fair: 300, poor: 500 }),
  lossPercent: Object.freeze({ good: 2, fair: 5, poor: 10 }),
  jitterMs: Object.freeze({ good: 30, fair: 50, poor: 100 }),
});

const rank = (level: QualityLevel): number => QUALITY_LEVELS.indexOf(level);

/** The level of one sample's figures (QUALITY_THRESHOLDS); null when none of rtt, loss and jitter is known. */
export function levelOf(figures: Pick<QualityFigures, 'rttMs' | 'lossPercent' | 'jitterMs'>): QualityLevel | null {
  let worst = -1;
  for (const key of ['rttMs', 'lossPercent', 'jitterMs'] as const) {
    const value = figures[key];
    if (value === null || !Number.isFinite(value)) continue;
    const bounds = QUALITY_THRESHOLDS[key];
    const r = value < bounds.good ? 0 : value < bounds.fair ? 1 : value < bounds.poor ? 2 : 3;
    worst = Math.max(worst, r);
  }
  return worst < 0 ? null : QUALITY_LEVELS[worst]!;
}

/** How many samples in a row must agree before the level moves: worse, and better (slower: a link that just recovered often falls again). */
export const HOLD = Object.freeze({ worse: 2, better: 3 });

/**
 * Holds a level steady against single samples. The first level is the
 * better of the first two samples. After that the level drops only when the
 * last HOLD.worse samples are all worse than it (to the best of them), and
 * rises only when the last HOLD.better are all better (to the worst of
 * them): a spike, or figures hovering at a bound, leave it where it is.
 */
export class LevelSmoother {
  level: QualityLevel | null = null;
  readonly #recent: number[] = [];

  /** Takes one sample's level (null: nothing measured, ignored); returns the level after it. */
  push(sample: QualityLevel | null): QualityLevel | null {
    if (sample === null) return this.level;
    this.#recent.push(rank(sample));
    if (this.#recent.length > Math.max(HOLD.worse, HOLD.better)) this.#recent.shift();
    const last = (n: number) => (this.#recent.length >= n ? this.#recent.slice(-n) : null);
    const firstTwo = last(2);
    if (this.level === null) {
      if (firstTwo) this.level = QUALITY_LEVELS[Math.min(...firstTwo)]!;
      return this.level;
    }
    const current = rank(this.level);
    const worse = last(HOLD.worse);
    const better = last(HOLD.better);
    if (worse && Math.min(...worse) > current) this.level = QUALITY_LEVELS[Math.min(...worse)]!;
    else if (better && Math.max(...better) < current) this.level = QUALITY_LEVELS[Math.max(...better)]!;
    return this.level;
  }
}

/** A figure a boolean must hold for `on` samples in a row to turn on, and be false `off` samples in a row to turn off. */
class Debounced {
  value = false;
  #run = 0;
  constructor(readonly on: number, readonly off: number) {}
  push(sample: boolean): boolean {
    this.#run = sample === this.value ? 0 : this.#run + 1;
    if (this.#run >= (this.value ? this.off : this.on)) [this.value, this.#run] = [sample, 0];
    return this.value;
  }
}

/** The running totals one sample keeps for the next (per stats id). */
export interface Counters {
  readonly at: number;
  readonly inbound: ReadonlyMap<string, { lost: number; received: number; frames: number }>;
  readonly sent: ReadonlyMap<string, number>;
  readonly remoteLost: ReadonlyMap<string, number>;
}

/** Fewer packets than this in a stream since the previous sample tell nothing of its loss. */
export const MIN_PACKETS = 20;

type Stat = Record<string, unknown> & { type: string; id: string };
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const maxOf = (values: (number | null)[]): number | null => {
  const known = values.filter((v): v is number => v !== null);
  return known.length ? Math.max(...known) : null;
};
const lossRatio = (lost: number, expected: number): number | null =>
  expected >= MIN_PACKETS ? Math.min(1, Math.max(0, lost) / expected) : null;
const percent = (ratio: number | null) => (ratio === null ? null : Math.round(ratio * 1000) / 10);

/**
 * One sample's figures from a connection's statistics (RTCStatsReport
 * entries, webrtc-stats names), against the totals of the previous sample
 * (null for the first: loss and frame rate need two). `now` in ms.
 */
export function figuresFrom(report: RTCStatsReport, previous: Counters | null, now: number): { figures: QualityFigures; counters: Counters } {
  const all: Stat[] = [];
  report.forEach((s: Stat) => all.push(s));
  const byId = new Map(all.map((s) => [s.id, s]));
  // The pair in use: the transport says which (Chromium); else the nominated, succeeded one (or Firefox's `selected`).
  const chosen = all.filter((s) => s.type === 'transport').map((t) => byId.get(String(t['selectedCandidatePairId'])));
  const pair = chosen.find((p) => p?.type === 'candidate-pair')
    ?? all.find((s) => s.type === 'candidate-pair' && (s['selected'] === true || (s['nominated'] === true && s['state'] === 'succeeded')));
  const inbound = new Map<string, { lost: number; received: number; frames: number }>();
  const sent = new Map<string, number>();
  const remoteLost = new Map<string, number>();
  const lossIn: (number | null)[] = [];
  const lossOut: (number | null)[] = [];
  const jitter = { audio: [] as (number | null)[], video: [] as (number | null)[] };
  const fps: (number | null)[] = [];
  const rtcpRtt: (number | null)[] = [];
  const seconds = previous ? (now - previous.at) / 1000 : 0;
  for (const s of all) {
    const kind = s['kind'] === 'audio' ? 'audio' : 'video';
    if (s.type === 'inbound-rtp') {
      const counts = { lost: num(s['packetsLost']) ?? 0, received: num(s['packetsReceived']) ?? 0, frames: num(s['framesDecoded']) ?? 0 };
      inbound.set(s.id, counts);
      const before = previous?.inbound.get(s.id);
      if (before) {
        const lost = counts.lost - before.lost;
        lossIn.push(lossRatio(lost, Math.max(0, lost) + counts.received - before.received));
      }
      jitter[kind].push(num(s['jitter']));
      if (kind === 'video') fps.push(num(s['framesPerSecond']) ?? (before && seconds > 0 ? (counts.frames - before.frames) / seconds : null));
    } else if (s.type === 'outbound-rtp') {
      sent.set(s.id, num(s['packetsSent']) ?? 0);
    } else if (s.type === 'remote-inbound-rtp') {
      remoteLost.set(s.id, num(s['packetsLost']) ?? 0);
      jitter[kind].push(num(s['jitter']));
      rtcpRtt.push(num(s['roundTripTime']));
    }
  }
  // Their receiver's loss of each of our streams, over what we sent on it meanwhile.
  for (const [id, lostNow] of remoteLost) {
    const s = byId.get(id)!;
    const local = String(s['localId']);
    const [lostBefore, sentBefore, sentNow] = [previous?.remoteLost.get(id), previous?.sent.get(local), sent.get(local)];
    if (lostBefore !== undefined && sentBefore !== undefined && sentNow !== undefined) lossOut.push(lossRatio(lostNow - lostBefore, sentNow - sentBefore));
  }
  const pairRtt = num(pair?.['currentRoundTripTime']);
  const rtt = pairRtt ?? maxOf(rtcpRtt);
  const [inRatio, outRatio] = [maxOf(lossIn), maxOf(lossOut)];
  const jitterS = maxOf(jitter.audio) ?? maxOf(jitter.video);
  const outgoing = num(pair?.['availableOutgoingBitrate']);
  const frames = maxOf(fps);
  return {
    figures: {
      rttMs: rtt === null ? null : Math.round(rtt * 1000),
      lossPercent: percent(maxOf([inRatio, outRatio])),
      lossInPercent: percent(inRatio),
      lossOutPercent: percent(outRatio),
      jitterMs: jitterS === null ? null : Math.round(jitterS * 1000),
      fps: frames === null ? null : Math.round(Math.max(0, frames)),
      outgoingKbps: outgoing === null ? null : Math.round(outgoing / 1000),
    },
    counters: { at: now, inbound, sent, remoteLost },
  };
}

/** One member's connection as this feature last measured it. */
export interface MemberQuality {
  /** Null until two samples were taken. */
  readonly level: QualityLevel | null;
  readonly figures: QualityFigures;
}

/** Whether our upload can feed every member (see the module's comment). */
export interface UplinkState {
  /** The meeting has more members than our measured upload can feed (held for two samples, cleared after three). */
  readonly warning: boolean;
  /** The sum of the connections' outgoing estimates, kbit/s; null before any was measured. */
  readonly kbps: number | null;
  /** The members it was measured over. */
  readonly members: number;
  /** How many members that upload can feed at `perMemberKbps`; null before it was measured. */
  readonly canFeed: number | null;
  /** The documented minimum a member needs (option `minUplinkKbpsPerMember`). */
  readonly perMemberKbps: number;
}

/** `quality`: one member's level changed (`previous` null: their first level). */
export class QualityEvent extends Event {
  constructor(readonly id: string, readonly level: QualityLevel | null, readonly previous: QualityLevel | null) {
    super('quality');
  }
}

/** `qualitysample`: a round of samples was taken; every member's figures may have changed. */
export class QualitySampleEvent extends Event {
  constructor() {
    super('qualitysample');
  }
}

/** `uplink`: the upload warning started or ended. */
export class UplinkEvent extends Event {
  constructor(readonly uplink: UplinkState) {
    super('uplink');
  }
}

export interface QualityApi {
  /** One member's connection quality; null for a member not measured yet (or gone). */
  of(id: string): MemberQuality | null;
  /** Every measured member's, by id. */
  readonly members: ReadonlyMap<string, MemberQuality>;
  readonly uplink: UplinkState;
}

export const DEFAULT_QUALITY_INTERVAL_MS = 2000;
export const DEFAULT_MIN_UPLINK_KBPS_PER_MEMBER = 150;

function numberOption(options: Readonly<Record<string, unknown>>, key: string, fallback: number, min: number, max: number): number {
  const value = options[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) throw invalidOption(`${key} must be a number from ${min} to ${max}`);
  return value;
}

/**
 * Options: `qualityIntervalMs` (500–60000, default 2000) and
 * `minUplinkKbpsPerMember` (1–100000, default 150).
 */
export const quality = defineFeature({
  key: 'quality',
  messages: [],
  install(ctx): QualityApi {
    const interval = numberOption(ctx.options, 'qualityIntervalMs', DEFAULT_QUALITY_INTERVAL_MS, 500, 60_000);
    const perMemberKbps = numberOption(ctx.options, 'minUplinkKbpsPerMember', DEFAULT_MIN_UPLINK_KBPS_PER_MEMBER, 1, 100_000);
    interface Track { counters: Counters | null; readonly smoother: LevelSmoother }
    const tracked = new Map<string, Track>();
    const members = new Map<string, MemberQuality>();
    const warning = new Debounced(HOLD.worse, HOLD.better);
    let uplink: UplinkState = { warning: false, kbps: null, members: 0, canFeed: null, perMemberKbps };
    let timer: TimerId | undefined;
    let busy = false;

    const measure = async (peer: RemotePeer): Promise<QualityFigures | null> => {
      const rtp = ctx.rtp(peer);
      if (!rtp) return null;
      // A connection that closed meanwhile rejects: skipped this round, it leaves soon.
      const report = await rtp.stats().catch(() => null);
      if (!report || typeof report.forEach !== 'function') return null;
      const track = tracked.get(peer.id) ?? { counters: null, smoother: new LevelSmoother() };
      const { figures, counters } = figuresFrom(report, track.counters, ctx.clock.now());
      // While the link is down and being repaired, nothing flows: as bad as it gets.
      const before = track.smoother.level;
      const level = track.smoother.push(peer.reconnecting ? 'bad' : levelOf(figures));
      track.counters = counters;
      tracked.set(peer.id, track);
      members.set(peer.id, { level, figures });
      if (level !== before) ctx.emit(new QualityEvent(peer.id, level, before));
      return figures;
    };

    const round = async () => {
      const peers = [...ctx.peers()];
      const figures = await Promise.all(peers.map((p) => measure(p).catch(() => null)));
      if (timer === undefined) return;
      // Members that left while we measured are not counted or kept.
      const here = new Set([...ctx.peers()].map((p) => p.id));
      for (const id of [...members.keys()]) {
        if (here.has(id)) continue;
        members.delete(id);
        tracked.delete(id);
      }
      // Over the members whose link gave an estimate: one still connecting has none yet.
      const estimates = figures.flatMap((f, i) => (f?.outgoingKbps != null && here.has(peers[i]!.id) ? [f.outgoingKbps] : []));
      const was = uplink.warning;
      if (estimates.length > 0) {
        const kbps = estimates.reduce((a, b) => a + b, 0);
        const canFeed = Math.floor(kbps / perMemberKbps);
        uplink = { warning: warning.push(estimates.length > canFeed), kbps, members: estimates.length, canFeed, perMemberKbps };
      }
      if (uplink.warning !== was) ctx.emit(new UplinkEvent(uplink));
      ctx.emit(new QualitySampleEvent());
    };

    const tick = () => {
      if (busy) return;
      busy = true;
      void round().finally(() => (busy = false));
    };

    ctx.onJoin(() => {
      ctx.clock.clearInterval(timer);
      timer = ctx.clock.setInterval(tick, interval);
    });
    ctx.onLeave(() => {
      ctx.clock.clearInterval(timer);
      timer = undefined;
    });
    ctx.onPeerLeave((peer) => {
      tracked.delete(peer.id);
      members.delete(peer.id);
    });

    return {
      of: (id) => members.get(id) ?? null,
      get members() {
        return new Map(members);
      },
      get uplink() {
        return uplink;
      },
    };
  },
});
