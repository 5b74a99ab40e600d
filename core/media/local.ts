/**
 * Our own camera and microphone for one meeting: opened at join (or lent by
 * the app), switched on and off or to another device, extended with tracks
 * the app adds, and released at the end — except what the app lent us (a
 * stream, or tracks given to addTrack), which stays the app's.
 */
import { invalidOption, SecureMeetingError } from '../errors.js';
import { DEFAULT_MEDIA, openLocalMedia } from './open.js';

/** A camera or microphone, as `enumerateDevices()` names their kinds. */
export type InputKind = 'audioinput' | 'videoinput';

export class LocalMedia {
  readonly #source: MediaStreamConstraints | MediaStream | false;
  #stream: MediaStream | null = null;
  /** Tracks we opened, and so stop at the end. */
  readonly #ours = new Set<MediaStreamTrack>();
  #audio = true;
  #video = true;

  /** `enabled`: whether microphone and camera start switched on (off: silence and black frames until switched on). */
  constructor(source: MediaStreamConstraints | MediaStream | false, enabled: { audio: boolean; video: boolean } = { audio: true, video: true }) {
    this.#source = source;
    this.#audio = enabled.audio;
    this.#video = enabled.video;
  }

  get stream(): MediaStream | null {
    return this.#stream;
  }

  get audioEnabled(): boolean {
    return this.#audio;
  }

  get videoEnabled(): boolean {
    return this.#video;
  }

  /**
   * Opens camera and microphone as the options say. A 'media' failure is
   * returned, not thrown: joining to watch and listen is still worth it.
   */
  async open(): Promise<SecureMeetingError | null> {
    const source = this.#source;
    if (source === false) return null;
    if (typeof MediaStream !== 'undefined' && source instanceof MediaStream) {
      this.#stream = source;
      this.#applyEnabled();
      return null;
    }
    try {
      this.#stream = await openLocalMedia(source as MediaStreamConstraints);
      for (const track of this.#stream.getTracks()) this.#ours.add(track);
      this.#applyEnabled();
      return null;
    } catch (error) {
      if (error instanceof SecureMeetingError) return error;
      throw error;
    }
  }

  setEnabled(kind: 'audio' | 'video', on: boolean): void {
    if (kind === 'audio') this.#audio = on;
    else this.#video = on;
    this.#applyEnabled();
  }

  /**
   * Opens another camera or microphone and puts its track in place of the
   * current one of that kind, switched on or off as that one was. Returns
   * both tracks (`old` null when there was none); the old one is stopped if
   * we opened it. Rejects with a 'media' error when the device cannot be
   * opened; the current track then stays.
   */
  async switchDevice(kind: InputKind, deviceId: string): Promise<{ old: MediaStreamTrack | null; next: MediaStreamTrack }> {
    if (kind !== 'audioinput' && kind !== 'videoinput') throw invalidOption('the device kind must be "audioinput" or "videoinput"');
    if (typeof deviceId !== 'string' || deviceId === '') throw invalidOption('deviceId must be a non-empty string from enumerateDevices()');
    const source = this.#source;
    if (typeof MediaStream !== 'undefined' && source instanceof MediaStream) {
      throw invalidOption('this meeting sends a stream the app lent it; switch that stream\'s tracks instead');
    }
    const media = kind === 'audioinput' ? 'audio' : 'video';
    const base = (source === false ? DEFAULT_MEDIA : (source as MediaStreamConstraints))[media];
    const stream = await openLocalMedia({ [media]: { ...(typeof base === 'object' ? base : {}), deviceId: { exact: deviceId } } });
    const next = stream.getTracks()[0]!;
    this.#ours.add(next);
    const old = this.#stream?.getTracks().find((t) => t.kind === media && this.#ours.has(t)) ?? null;
    if (old) {
      this.#stream!.removeTrack(old);
      this.#ours.delete(old);
      old.stop();
    }
    if (this.#stream) this.#stream.addTrack(next);
    else this.#stream = stream;
    this.#applyEnabled();
    return { old, next };
  }

  #applyEnabled(): void {
    for (const track of this.#stream?.getTracks() ?? []) track.enabled = track.kind === 'audio' ? this.#audio : this.#video;
  }

  /** Adds a track the app lends us; false when it is already ours. */
  add(track: MediaStreamTrack): boolean {
    if (typeof MediaStreamTrack === 'undefined' || !(track instanceof MediaStreamTrack)) {
      throw invalidOption('addTrack() takes a MediaStreamTrack');
    }
    if (this.#stream?.getTracks().includes(track)) return false;
    if (this.#stream) this.#stream.addTrack(track);
    else this.#stream = new MediaStream([track]);
    return true;
  }

  /** Stops what we opened; leaves alone what the app lent us. */
  release(): void {
    for (const track of this.#ours) track.stop();
    this.#ours.clear();
  }
}
