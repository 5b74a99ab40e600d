/**
 * Per-receiver encoding, the maths alone (no timers, no WebRTC): from the
 * size at which a receiver shows one of our streams to the parameters of
 * our RTCRtpSender toward it, and how an upload budget is shared among
 * those streams. core/features/video-fit.ts applies what this decides.
 */

/** Which of our streams a receiver shows: the camera on our tile, or a shared screen in the spotlight. */
export type StreamKind = 'camera' | 'screen';

/** How a receiver shows one of our streams, in device pixels (CSS pixels × devicePixelRatio). */
export interface View {
  readonly width: number;
  readonly height: number;
  /** Anything of it on screen: the tile in the viewport, the page visible, the video not hidden there. */
  readonly visible: boolean;
  /** Shown as the one that matters now (the active speaker's tile, a spotlight): served first when the upload is short. */
  readonly priority?: boolean;
}

/** What our sender toward one receiver does with one stream. */
export interface Plan {
  readonly active: boolean;
  /** ≥ 1: we never upscale. */
  readonly scaleResolutionDownBy: number;
  /** Bits per second. */
  readonly maxBitrate: number;
  readonly maxFramerate: number;
}

/**
 * Bitrate for an encoded height (the first row at or above it), in kbps,
 * for a camera at its frame rate and for a screen (sharper, fewer frames).
 * Close to what LiveKit's presets and Jitsi's default send for the same
 * heights with VP8: enough for a face at that size, no more.
 */
export const BITRATE_TABLE: readonly { readonly height: number; readonly camera: number; readonly screen: number }[] = Object.freeze([
  { height: 90, camera: 80, screen: 150 },
  { height: 180, camera: 160, screen: 300 },
  { height: 270, camera: 300, screen: 500 },
  { height: 360, camera: 450, screen: 800 },
  { height: 540, camera: 800, screen: 1200 },
  { height: 720, camera: 1500, screen: 1800 },
  { height: 1080, camera: 2500, screen: 2500 },
  { height: Infinity, camera: 4000, screen: 4000 },
]);

/** Shown this small (device pixels high) or smaller, a stream is a thumbnail: fewer frames. */
export const THUMBNAIL_HEIGHT = 180;
export const FRAME_RATE = { camera: 30, thumbnail: 10, screen: 15 } as const;

/** Kbps the table gives a stream of `kind` encoded `height` high. */
export function bitrateFor(kind: StreamKind, height: number): number {
  const row = BITRATE_TABLE.find((r) => height <= r.height) ?? BITRATE_TABLE[BITRATE_TABLE.length - 1]!;
  return row[kind];
}

/**
 * The sender's parameters for a stream whose source is `sourceHeight` high,
 * shown as `view`. An invisible view stops the stream (`active: false`); a
 * view with no height (not laid out yet) gets the source as it is. A shared
 * screen is never scaled down: its text must stay legible when the viewer
 * zooms or goes full screen, and a smaller spotlight cannot give that back;
 * it is made cheaper by its frame rate instead.
 */
export function planFor(kind: StreamKind, view: View, sourceHeight: number): Plan {
  const source = sourceHeight > 0 ? sourceHeight : 360;
  const shown = kind === 'screen' || view.height <= 0 ? source : Math.min(view.height, source);
  // Rounded to 1/100 so a pixel of resizing does not make a new plan.
  const scale = Math.max(1, Math.round((source / shown) * 100) / 100);
  const encoded = source / scale;
  const thumbnail = kind === 'camera' && encoded <= THUMBNAIL_HEIGHT;
  return {
    active: view.visible,
    scaleResolutionDownBy: scale,
    maxBitrate: bitrateFor(kind, encoded) * 1000,
    maxFramerate: kind === 'screen' ? FRAME_RATE.screen : thumbnail ? FRAME_RATE.thumbnail : FRAME_RATE.camera,
  };
}

/** Whether two plans differ enough to be worth a setParameters (the encoder restarts on some changes). */
export function differs(a: Plan, b: Plan): boolean {
  return a.active !== b.active || a.maxFramerate !== b.maxFramerate ||
    Math.abs(a.scaleResolutionDownBy - b.scaleResolutionDownBy) / b.scaleResolutionDownBy > 0.05 ||
    Math.abs(a.maxBitrate - b.maxBitrate) / b.maxBitrate > 0.1;
}

/** Below this many kbps for its video, a receiver is better off with audio alone. */
export const VIDEO_FLOOR_KBPS = 60;
/** Kept for each receiver's audio (Opus speech) before video is shared out. */
export const AUDIO_KBPS = 40;

/** One stream's claim on the upload. */
export interface Claim {
  readonly receiver: string;
  readonly kind: StreamKind;
  /** Kbps its plan asks for (0 when it is not active). */
  readonly want: number;
  readonly priority: boolean;
}

/** What each claim gets: kbps (0 = audio only), in the claims' order. */
export interface Share {
  readonly claim: Claim;
  readonly kbps: number;
}

/**
 * Shares `budgetKbps` of upload among `claims`. Each receiver's audio is
 * kept first (`AUDIO_KBPS` each); then video goes in tiers — screens, then
 * streams shown with priority (the active speaker's tile), then the rest —
 * each tier served fully while it fits, else in proportion to what its
 * streams ask for. A stream left under `VIDEO_FLOOR_KBPS` gets nothing (its
 * receiver hears us only) and what it had goes back to the others.
 * `budgetKbps` null: every claim gets what it asks.
 */
export function shareBudget(claims: readonly Claim[], budgetKbps: number | null): Share[] {
  if (budgetKbps === null) return claims.map((claim) => ({ claim, kbps: claim.want }));
  const receivers = new Set(claims.map((c) => c.receiver));
  const tier = (c: Claim) => (c.kind === 'screen' ? 0 : c.priority ? 1 : 2);
  let live = claims.filter((c) => c.want > 0);
  const given = new Map<Claim, number>();
  // Each round drops the smallest claim that fell under the floor, until none does.
  for (;;) {
    given.clear();
    let left = Math.max(0, budgetKbps - AUDIO_KBPS * receivers.size);
    for (const t of [0, 1, 2]) {
      const these = live.filter((c) => tier(c) === t);
      const want = these.reduce((sum, c) => sum + c.want, 0);
      const ratio = want <= left ? 1 : left / want;
      for (const c of these) given.set(c, c.want * ratio);
      left -= Math.min(left, want);
    }
    const under = live.filter((c) => given.get(c)! < VIDEO_FLOOR_KBPS).sort((a, b) => tier(b) - tier(a) || given.get(a)! - given.get(b)!);
    if (under.length === 0) break;
    live = live.filter((c) => c !== under[0]);
  }
  return claims.map((claim) => ({ claim, kbps: Math.floor(given.get(claim) ?? 0) }));
}
