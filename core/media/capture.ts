/**
 * The camera's capture size follows what members show of it: opened at what
 * the `media` constraints give (the ceiling), it is made smaller with
 * `applyConstraints` when no member shows it larger than a lower rung, and
 * larger again, up to the ceiling, as soon as one does. Capturing and
 * encoding fewer pixels is what saves the sender's CPU once every member
 * shows it as a thumbnail; scaleResolutionDownBy alone still captures, and
 * scales, the full picture.
 *
 * Growing goes at once (a member enlarged our tile); shrinking waits
 * SHRINK_MS of no one needing more, since a camera that changes size may
 * restart its capture. One applyConstraints is in flight at a time; a
 * camera that refuses one is left at the size it has.
 */
import type { Clock, TimerId } from '../clock.js';

/** Capture heights we step between; never below the lowest, never above the ceiling. */
export const CAPTURE_RUNGS = [180, 360, 540, 720, 1080, 1440, 2160] as const;
/** No member has needed more for this long: the camera is made smaller. */
export const CAPTURE_SHRINK_MS = 5000;

interface Size { width: number; height: number }

/** The rung a need of `height` device pixels calls for, within [lowest rung, ceiling]. */
export function captureHeightFor(need: number, ceiling: number): number {
  const rung = CAPTURE_RUNGS.find((r) => r >= need) ?? CAPTURE_RUNGS.at(-1)!;
  return Math.min(ceiling, Math.max(rung, CAPTURE_RUNGS[0]));
}

/** The track's size now, or null when it says none (not started, ended, or a fake without settings). */
function sizeOf(track: MediaStreamTrack): Size | null {
  const { width, height } = track.getSettings?.() ?? {};
  return typeof width === 'number' && typeof height === 'number' && width > 0 && height > 0 ? { width, height } : null;
}

export class CaptureSizer {
  /** The track we size now, its size when we first saw it (the ceiling) and the constraints it was opened with. */
  #track: MediaStreamTrack | null = null;
  #ceiling: Size | null = null;
  #opened: MediaTrackConstraints = {};
  /** The height we last asked for (null: the track as opened). */
  #asked: number | null = null;
  #busy = false;
  #again: number | null = null;
  #lowerSince: number | null = null;
  #timer: TimerId | undefined;
  #failures = 0;
  /** The browser refused to resize this track once: it is left as it is. */
  #refused = false;

  /** `changed`: the track's size changed (senders' scale factors are relative to it). */
  constructor(
    private readonly clock: Clock,
    private readonly changed: () => void,
  ) {}

  /** The height we capture at now (0 before a track). */
  get height(): number { return this.#track ? (sizeOf(this.#track)?.height ?? 0) : 0; }
  /** The height the camera was opened at. */
  get ceiling(): number { return this.#ceiling?.height ?? 0; }
  /** applyConstraints calls the browser refused. */
  get failures(): number { return this.#failures; }

  /**
   * `track`: our camera (null: none, or not ours to resize); `need`: the
   * largest height in device pixels any member shows it at, or null when
   * some member may need all of it (no word yet, adaptation off).
   */
  update(track: MediaStreamTrack | null, need: number | null): void {
    if (track !== this.#track) this.#adopt(track);
    if (!this.#track || !this.#ceiling || this.#refused) return;
    const target = need === null ? this.#ceiling.height : captureHeightFor(need, this.#ceiling.height);
    const current = this.#asked ?? this.#ceiling.height;
    if (target === current) {
      this.#lowerSince = null;
      return;
    }
    if (target < current) {
      const now = this.clock.now();
      this.#lowerSince ??= now;
      const wait = this.#lowerSince + CAPTURE_SHRINK_MS - now;
      if (wait > 0) {
        this.clock.clearTimeout(this.#timer);
        this.#timer = this.clock.setTimeout(() => this.update(this.#track, need), wait);
        return;
      }
    }
    this.#lowerSince = null;
    this.clock.clearTimeout(this.#timer);
    this.#apply(target);
  }

  stop(): void {
    this.clock.clearTimeout(this.#timer);
    this.#track = null;
  }

  #adopt(track: MediaStreamTrack | null): void {
    this.clock.clearTimeout(this.#timer);
    [this.#track, this.#ceiling, this.#asked, this.#lowerSince, this.#again, this.#refused] = [track, null, null, null, null, false];
    if (!track) return;
    this.#ceiling = sizeOf(track);
    this.#opened = track.getConstraints?.() ?? {};
  }

  #apply(height: number): void {
    if (this.#busy) {
      this.#again = height;
      return;
    }
    const track = this.#track!;
    const ceiling = this.#ceiling!;
    const before = this.#asked;
    this.#busy = true;
    this.#asked = height;
    // The opened constraints (device, frame rate) kept; the size as an ideal, in the opened aspect ratio.
    const width = Math.round((height * ceiling.width) / ceiling.height);
    const constraints: MediaTrackConstraints = { ...this.#opened, width: { ideal: width }, height: { ideal: height } };
    track.applyConstraints(constraints).then(
      () => this.#settled(track),
      () => {
        this.#failures++;
        if (track === this.#track) [this.#asked, this.#refused, this.#again] = [before, true, null];
        this.#settled(track);
      },
    );
  }

  #settled(track: MediaStreamTrack): void {
    this.#busy = false;
    if (track !== this.#track) return;
    this.changed();
    const again = this.#again;
    this.#again = null;
    if (again !== null && again !== this.#asked) this.#apply(again);
  }
}
