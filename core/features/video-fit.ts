/**
 * Per-receiver video and the upload budget. In a mesh we send one copy of
 * our video to each member, so each copy is sent at the size that member
 * shows it, and not at all while they cannot see it.
 *
 * Receiver side: the UI tells `show()` how each member's camera (and a
 * shared screen) is shown here — device pixels, visible or not — and a
 * ViewReporter (video-fit-view.ts) passes on what holds to that member over
 * our control channel (`video-view`).
 *
 * Sender side: each member's word sets our RTCRtpSender toward them
 * (encoding.ts: scaleResolutionDownBy to the shown height, never up; a
 * bitrate from the table; fewer frames for thumbnails; `active: false`
 * while hidden). The upload budget — the `maxUplinkKbps` option and the
 * measured available outgoing bitrate of our connections — is shared among
 * those streams (screens first, then the active speaker's tile); a member
 * left under the floor gets our audio only, and we tell them so
 * (`video-note`) so their tile can say why our picture stopped.
 *
 * The measured bitrate (each connection's candidate-pair
 * `availableOutgoingBitrate`) is not used as a cap: the browser's
 * congestion control already keeps each connection under it, and its
 * estimate never rises above the caps we set, so capping by it would only
 * ratchet down. It decides the floor: a connection measured under
 * AUDIO_KBPS + VIDEO_FLOOR_KBPS for AUTO_LOW_TICKS checks in a row carries
 * our audio only, and video is tried again after AUTO_RETRY_MS.
 *
 * Changes that lower what we send wait SHRINK_HOLD_MS (a window being made
 * smaller and larger again does not restart the encoder); changes that
 * raise it, or show a hidden stream again, go at once. Each sender has at
 * most one setParameters in flight.
 */
import type { TimerId } from '../clock.js';
import { invalidOption } from '../errors.js';
import type { RemotePeer } from '../events.js';
import { CaptureSizer } from '../media/capture.js';
import { AUDIO_KBPS, bitrateFor, differs, planFor, shareBudget, VIDEO_FLOOR_KBPS, type Claim, type Plan, type StreamKind, type View } from '../media/encoding.js';
import { isObject } from '../wire/guards.js';
import { defineMessage } from '../wire/registry.js';
import { defineFeature, type PeerRtp } from './feature.js';
import { ViewReporter } from './video-fit-view.js';

export interface VideoViewBody {
  /** Which of the sender's streams. */
  s: StreamKind;
  /** Shown width and height, device pixels. */
  w: number;
  h: number;
  /** Visible at all. */
  v: boolean;
  /** Shown with priority (active speaker, spotlight). */
  p: boolean;
}

export interface VideoNoteBody {
  /** The sender's upload cannot carry video to us now: audio only. */
  audioOnly: boolean;
}

/** Larger than any screen; a bound on what a member can ask us to work out. */
export const MAX_VIEW_PIXELS = 16384;
const isPixels = (v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= MAX_VIEW_PIXELS;

const isViewBody = (b: Record<string, unknown>): boolean =>
  (b['s'] === 'camera' || b['s'] === 'screen') && isPixels(b['w']) && isPixels(b['h']) &&
  typeof b['v'] === 'boolean' && typeof b['p'] === 'boolean';

/** The receiver debounces (video-fit-view.ts): a few a second per stream is plenty. */
export const VideoViewMessage = defineMessage<VideoViewBody>('video-view', isViewBody, { perSecond: 4, burst: 8 });
export const VideoNoteMessage = defineMessage<VideoNoteBody>('video-note', (b) => isObject(b) && typeof b['audioOnly'] === 'boolean', { perSecond: 1, burst: 4 });

/** A lower plan waits this long, so a window resized back and forth does not restart the encoder each time. */
export const SHRINK_HOLD_MS = 1500;
/** How often the senders are checked (new tracks, a shared screen) and the available bitrate read. */
export const TICK_MS = 1000;
/** Checks in a row a connection must measure under the floor before it carries audio only. */
export const AUTO_LOW_TICKS = 3;
/**
 * A connection measured under the floor counts as weak only while its
 * estimate is also under this share of what we let it carry: the browser's
 * estimate stays near the caps we set, so a connection a low budget holds
 * to ~110 kbps measures about that, and is not weak for it.
 */
export const LIMITED_SHARE = 0.8;
/** A connection that went audio only on its measurement tries video again after this long (its estimate cannot rise without it). */
export const AUTO_RETRY_MS = 15_000;
export const MIN_UPLINK_KBPS = 100;
export const MAX_UPLINK_KBPS = 1_000_000;

/** `videofit`: a member's word on whether their upload carries video to us changed. */
export class VideoFitEvent extends Event {
  constructor(readonly peer: string, readonly audioOnly: boolean) {
    super('videofit');
  }
}

export interface VideoFitApi {
  /** Whether our senders follow what members show (the `videoFit` option; false: everyone gets the full picture, budget aside). */
  readonly adapting: boolean;
  /** Tells `peer` how we show its stream `kind` here; passed on debounced (video-fit-view.ts). */
  show(peer: string, kind: StreamKind, view: View): void;
  /** Members who told us their upload carries only their audio to us now. */
  readonly audioOnly: ReadonlySet<string>;
  /** The budget set by the option or `setMaxUplinkKbps`, in kbps; null for none. */
  readonly maxUplinkKbps: number | null;
  /** Kbps the browser measured it can send to a member (its connection's available outgoing bitrate), when it did. */
  availableKbps(peer: string): number | undefined;
  /** Sets (or with null, lifts) the upload budget. A TypeError for anything but a number of kbps from 100 to 1 000 000. */
  setMaxUplinkKbps(kbps: number | null): void;
  /** What our sender toward a member applies, per stream, for diagnostics and tests. */
  applied(peer: string): Partial<Record<StreamKind, Plan>>;
  /** setParameters calls that failed (a closed connection, a browser refusing a value). */
  readonly failures: number;
  /** The height our camera captures at now, and the height it was opened at (0: no camera of ours). */
  readonly capture: { readonly height: number; readonly ceiling: number };
}

export function checkUplink(value: unknown, name = 'maxUplinkKbps'): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < MIN_UPLINK_KBPS || value > MAX_UPLINK_KBPS) {
    throw invalidOption(`${name} must be a number of kbps from ${MIN_UPLINK_KBPS} to ${MAX_UPLINK_KBPS}, got ${String(value)}`);
  }
  return value;
}

/** The available outgoing bitrate (bps) of a connection's selected candidate pair, when the browser measured one. */
export function availableOutgoing(report: RTCStatsReport): number | undefined {
  let selected: string | undefined;
  report.forEach((s: { type: string; selectedCandidatePairId?: string }) => {
    if (s.type === 'transport' && s.selectedCandidatePairId) selected = s.selectedCandidatePairId;
  });
  let found: number | undefined;
  report.forEach((s: { type: string; id: string; nominated?: boolean; state?: string; availableOutgoingBitrate?: number }) => {
    if (s.type !== 'candidate-pair' || typeof s.availableOutgoingBitrate !== 'number') return;
    if (selected ? s.id === selected : s.nominated && s.state === 'succeeded') found = s.availableOutgoingBitrate;
  });
  return found;
}

interface SenderState { applied: Plan | null; busy: boolean; again: boolean; lowerSince: number | null }

const FULL: View = { width: 0, height: 0, visible: true };

/** Options: `videoFit` (default true), `maxUplinkKbps` (100–1 000 000, default none). */
export const videoFit = defineFeature({
  key: 'video-fit',
  messages: [VideoViewMessage, VideoNoteMessage],
  install(ctx): VideoFitApi {
    const fitOption = ctx.options['videoFit'];
    if (fitOption !== undefined && typeof fitOption !== 'boolean') throw invalidOption('videoFit must be true or false');
    const adapting = fitOption !== false;
    let maxUplink = checkUplink(ctx.options['maxUplinkKbps'], 'maxUplinkKbps (max-uplink-kbps)');
    /** Per member: kbps the browser measured toward them, checks in a row under the floor, since when audio only for it. */
    const measured = new Map<string, { kbps: number; low: number; starvedSince: number | null }>();
    let failures = 0;

    // Receiver side.
    const reporters = new Map<string, Map<StreamKind, ViewReporter>>();
    const audioOnly = new Set<string>();
    const peerById = (id: string) => [...ctx.peers()].find((p) => p.id === id);

    // Sender side: how each member shows our streams, and our senders' state.
    const views = new Map<string, Map<StreamKind, View>>();
    const senders = new WeakMap<RTCRtpSender, SenderState>();
    /** The audio-only word each member last had from us. */
    const told = new Map<string, boolean>();
    /** Kbps we let each member's connection carry (audio and our video plans), as the last refresh set them. */
    let allowed = new Map<string, number>();
    let timer: TimerId | undefined;
    let held: TimerId | undefined;
    // Senders' scale factors are relative to the capture size: worked out again when it changes.
    const capture = new CaptureSizer(ctx.clock, () => refresh());

    const kindOf = (sender: RTCRtpSender): StreamKind =>
      ctx.media.stream?.getVideoTracks().includes(sender.track as MediaStreamTrack) ? 'camera' : 'screen';
    const sourceHeight = (sender: RTCRtpSender) => sender.track?.getSettings?.().height ?? 0;
    const videoSenders = (rtp: PeerRtp) => rtp.senders().filter((s) => s.track?.kind === 'video');

    /** Works out every sender's plan and applies what changed. */
    const refresh = () => {
      const now = ctx.clock.now();
      const targets: { peer: RemotePeer; sender: RTCRtpSender; kind: StreamKind; plan: Plan; claim: Claim }[] = [];
      for (const peer of ctx.peers()) {
        const rtp = ctx.rtp(peer);
        if (!rtp) continue;
        for (const sender of videoSenders(rtp)) {
          const kind = kindOf(sender);
          const view = (adapting ? views.get(peer.id)?.get(kind) : undefined) ?? FULL;
          const plan = planFor(kind, view, sourceHeight(sender));
          const starvedHere = (measured.get(peer.id)?.starvedSince ?? null) !== null;
          const want = plan.active && !starvedHere ? plan.maxBitrate / 1000 : 0;
          targets.push({ peer, sender, kind, plan, claim: { receiver: peer.id, kind, want, priority: view.priority === true } });
        }
      }
      const shares = shareBudget(targets.map((t) => t.claim), maxUplink);
      const starved = new Set<string>();
      const carried = new Map<string, number>();
      targets.forEach((t, i) => {
        const kbps = shares[i]!.kbps;
        let plan = t.plan;
        const cut = plan.active && kbps < plan.maxBitrate / 1000;
        if (plan.active && kbps === 0) {
          plan = { ...plan, active: false };
          if (t.kind === 'camera') starved.add(t.peer.id);
        } else if (cut) {
          // Less than the table gives that size: a smaller picture keeps it sharp.
          plan = fitBitrate(t.kind, plan, kbps, sourceHeight(t.sender));
        }
        // What the budget cuts goes at once, or the sum would be over it meanwhile.
        apply(t.sender, plan, now, !cut);
        carried.set(t.peer.id, (carried.get(t.peer.id) ?? AUDIO_KBPS) + (plan.active ? plan.maxBitrate / 1000 : 0));
      });
      allowed = carried;
      for (const t of targets) {
        if (t.kind !== 'camera') continue;
        const off = starved.has(t.peer.id);
        if ((told.get(t.peer.id) ?? false) !== off && ctx.send(t.peer, VideoNoteMessage, { audioOnly: off }) > 0) told.set(t.peer.id, off);
      }
      capture.update(adapting ? ctx.media.camera : null, cameraNeed(targets.filter((t) => t.kind === 'camera').map((t) => t.peer.id)));
    };

    /** The largest height a member shows our camera at (0: all hidden); null when one may need all of it (no word yet, not laid out) or no one is there. */
    const cameraNeed = (receivers: string[]): number | null => {
      let need = 0;
      for (const id of receivers) {
        const view = views.get(id)?.get('camera');
        if (!view || (view.visible && view.height === 0)) return null;
        if (view.visible) need = Math.max(need, view.height);
      }
      return receivers.length === 0 ? null : need;
    };

    /** `hold`: a lower plan waits SHRINK_HOLD_MS (a smaller view; not a hidden one, nor a budget cut). */
    const apply = (sender: RTCRtpSender, plan: Plan, now: number, hold: boolean) => {
      let state = senders.get(sender);
      if (!state) senders.set(sender, (state = { applied: null, busy: false, again: false, lowerSince: null }));
      const applied = state.applied;
      if (applied && !differs(plan, applied)) {
        state.lowerSince = null;
        return;
      }
      if (applied && hold && lower(plan, applied)) {
        state.lowerSince ??= now;
        const wait = state.lowerSince + SHRINK_HOLD_MS - now;
        if (wait > 0) {
          ctx.clock.clearTimeout(held);
          held = ctx.clock.setTimeout(refresh, wait);
          return;
        }
      }
      state.lowerSince = null;
      if (state.busy) {
        state.again = true;
        return;
      }
      state.busy = true;
      void setPlan(sender, plan).then((ok) => {
        state.busy = false;
        if (ok) state.applied = plan;
        else failures++;
        if (state.again) {
          state.again = false;
          refresh();
        }
      });
    };

    const tick = async () => {
      const now = ctx.clock.now();
      for (const peer of [...ctx.peers()]) {
        const bps = await ctx.rtp(peer)?.stats().then(availableOutgoing, () => undefined);
        if (bps === undefined) continue;
        let m = measured.get(peer.id);
        if (!m) measured.set(peer.id, (m = { kbps: 0, low: 0, starvedSince: null }));
        m.kbps = bps / 1000;
        const weak = m.kbps < AUDIO_KBPS + VIDEO_FLOOR_KBPS && m.kbps < LIMITED_SHARE * (allowed.get(peer.id) ?? Infinity);
        m.low = weak ? m.low + 1 : 0;
        if (m.starvedSince === null && m.low >= AUTO_LOW_TICKS) m.starvedSince = now;
        else if (m.starvedSince !== null && now - m.starvedSince >= AUTO_RETRY_MS) [m.starvedSince, m.low] = [null, 0];
      }
      refresh();
    };

    ctx.on(VideoViewMessage, (peer, body) => {
      let own = views.get(peer.id);
      if (!own) views.set(peer.id, (own = new Map()));
      own.set(body.s, { width: body.w, height: body.h, visible: body.v, priority: body.p });
      refresh();
    });
    ctx.on(VideoNoteMessage, (peer, body) => {
      if (audioOnly.has(peer.id) === body.audioOnly) return;
      if (body.audioOnly) audioOnly.add(peer.id);
      else audioOnly.delete(peer.id);
      ctx.emit(new VideoFitEvent(peer.id, body.audioOnly));
    });
    ctx.onPeerOpen((peer) => {
      for (const r of reporters.get(peer.id)?.values() ?? []) r.flush();
    });
    ctx.onPeerLeave((peer) => {
      for (const r of reporters.get(peer.id)?.values() ?? []) r.stop();
      reporters.delete(peer.id);
      views.delete(peer.id);
      told.delete(peer.id);
      measured.delete(peer.id);
      if (audioOnly.delete(peer.id)) ctx.emit(new VideoFitEvent(peer.id, false));
    });
    ctx.onJoin(() => {
      ctx.clock.clearInterval(timer);
      timer = ctx.clock.setInterval(() => void tick(), TICK_MS);
    });
    ctx.onLeave(() => {
      ctx.clock.clearInterval(timer);
      ctx.clock.clearTimeout(held);
      capture.stop();
      for (const own of reporters.values()) for (const r of own.values()) r.stop();
      reporters.clear();
    });

    return {
      adapting,
      show(peer, kind, view) {
        if (typeof peer !== 'string' || (kind !== 'camera' && kind !== 'screen') || !isView(view)) {
          throw invalidOption('show(peer, "camera" | "screen", { width, height, visible }) takes a member id and whole, non-negative device pixels');
        }
        let own = reporters.get(peer);
        if (!own) reporters.set(peer, (own = new Map()));
        let reporter = own.get(kind);
        if (!reporter) {
          own.set(kind, (reporter = new ViewReporter(ctx.clock, (v) => {
            const to = peerById(peer);
            const body = { s: kind, w: Math.round(v.width), h: Math.round(v.height), v: v.visible, p: v.priority === true };
            return to !== undefined && ctx.send(to, VideoViewMessage, body) > 0;
          })));
        }
        reporter.update({ ...view, width: Math.min(MAX_VIEW_PIXELS, Math.round(view.width)), height: Math.min(MAX_VIEW_PIXELS, Math.round(view.height)) });
      },
      audioOnly,
      get maxUplinkKbps() {
        return maxUplink;
      },
      availableKbps: (peer) => measured.get(peer)?.kbps,
      setMaxUplinkKbps(kbps) {
        maxUplink = checkUplink(kbps);
        refresh();
      },
      applied(peer) {
        const to = peerById(peer);
        const rtp = to && ctx.rtp(to);
        const out: Partial<Record<StreamKind, Plan>> = {};
        for (const sender of rtp ? videoSenders(rtp) : []) {
          const plan = senders.get(sender)?.applied;
          if (plan) out[kindOf(sender)] = plan;
        }
        return out;
      },
      get failures() {
        return failures;
      },
      get capture() {
        return { height: capture.height, ceiling: capture.ceiling };
      },
    };
  },
});

function isView(v: unknown): v is View {
  if (!isObject(v) || typeof v['visible'] !== 'boolean') return false;
  const ok = (n: unknown) => typeof n === 'number' && Number.isFinite(n) && n >= 0;
  return ok(v['width']) && ok(v['height']) && (v['priority'] === undefined || typeof v['priority'] === 'boolean');
}

/** Whether `next` sends a smaller picture than `now` does (waits SHRINK_HOLD_MS) rather than a larger one or none (at once). */
function lower(next: Plan, now: Plan): boolean {
  return next.active && now.active && (next.maxBitrate < now.maxBitrate || next.scaleResolutionDownBy > now.scaleResolutionDownBy);
}

/** The plan cut to `kbps`: the largest table height that bitrate affords, and that bitrate. */
function fitBitrate(kind: StreamKind, plan: Plan, kbps: number, sourceHeight: number): Plan {
  const source = sourceHeight > 0 ? sourceHeight : 360;
  let height = source / plan.scaleResolutionDownBy;
  while (height > 90 && bitrateFor(kind, height) > kbps) height = Math.floor(height * 0.75);
  const scale = Math.max(plan.scaleResolutionDownBy, Math.round((source / height) * 100) / 100);
  return { ...plan, scaleResolutionDownBy: scale, maxBitrate: Math.floor(kbps) * 1000 };
}

/** One setParameters on a sender's first encoding; false when it failed (closed, refused). */
async function setPlan(sender: RTCRtpSender, plan: Plan): Promise<boolean> {
  try {
    const params = sender.getParameters();
    const encoding = params.encodings?.[0];
    if (!encoding) return false;
    encoding.active = plan.active;
    encoding.scaleResolutionDownBy = plan.scaleResolutionDownBy;
    encoding.maxBitrate = plan.maxBitrate;
    encoding.maxFramerate = plan.maxFramerate;
    await sender.setParameters(params);
    return true;
  } catch {
    return false;
  }
}
