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

/** What we send: microphone, camera, a shared screen. */
export type SendKind = 'audio' | 'video' | 'screen';

export class LocalMedia {
  readonly #source: MediaStreamConstraints | MediaStream | false;
  #stream: MediaStream | null = null;
  /** The stream our camera and microphone will be in, made when opening starts; `stream` once they are open. */
  #opening: MediaStream | null = null;
  /** Tracks we opened, and so stop at the end. */
  readonly #ours = new Set<MediaStreamTrack>();
  #audio = true;
  #video = true;
  /** Why we may not send a kind now (a host's permission), by kind. */
  readonly #forbidden = new Map<SendKind, string>();

  /** `enabled`: whether microphone and camera start switched on (off: silence and black frames until switched on). */
  constructor(source: MediaStreamConstraints | MediaStream | false, enabled: { audio: boolean; video: boolean } = { audio: true, video: true }) {
    this.#source = source;
    this.#audio = enabled.audio;
    this.#video = enabled.video;
  }

  get stream(): MediaStream | null {
    return this.#stream;
  }

  /**
   * While camera and microphone are opening, the stream they will be in
   * (its id is what members see them under), so a connection can be set
   * up to send them before they are there; null otherwise.
   */
  get pending(): MediaStream | null {
    return this.#stream === null ? this.#opening : null;
  }

  /** The camera track we opened (not one the app lent us, nor a shared screen), if any. */
  get camera(): MediaStreamTrack | null {
    return this.#stream?.getVideoTracks().find((t) => this.#ours.has(t)) ?? null;
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
    // Made now, with an id of its own, and filled once the devices are open.
    const opening = typeof MediaStream === 'undefined' ? null : new MediaStream();
    this.#opening = opening;
    try {
      const opened = await openLocalMedia(source as MediaStreamConstraints);
      for (const track of opened.getTracks()) {
        this.#ours.add(track);
        opening?.addTrack(track);
      }
      this.#stream = opening ?? opened;
      this.#applyEnabled();
      return null;
    } catch (error) {
      if (error instanceof SecureMeetingError) return error;
      throw error;
    } finally {
      this.#opening = null;
    }
  }

  /**
   * Switches the microphone or camera on or off. Switching on one we may
   * not send throws a 'forbidden' error with the reason.
   */
  setEnabled(kind: 'audio' | 'video', on: boolean): void {
    if (on) this.#check(kind);
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

  /** Why we may not send that kind now, or null when we may. */
  forbidden(kind: SendKind): string | null {
    return this.#forbidden.get(kind) ?? null;
  }

  /**
   * Forbids sending a kind (`reason` says why, for the error and the UI), or
   * allows it again (null). A forbidden microphone or camera is switched off
   * at once and stays off until switched on after it is allowed again.
   */
  forbid(kind: SendKind, reason: string | null): void {
    if (reason === null) {
      this.#forbidden.delete(kind);
      return;
    }
    this.#forbidden.set(kind, reason);
    if (kind !== 'screen') this.setEnabled(kind, false);
  }

  /** Throws the 'forbidden' error when that kind may not be sent. */
  #check(kind: SendKind): void {
    const reason = this.forbidden(kind);
    if (reason !== null) throw new SecureMeetingError('forbidden', reason);
  }

  /** Adds a track the app lends us; false when it is already ours. Throws 'forbidden' for a kind we may not send. */
  add(track: MediaStreamTrack): boolean {
    if (typeof MediaStreamTrack === 'undefined' || !(track instanceof MediaStreamTrack)) {
      throw invalidOption('addTrack() takes a MediaStreamTrack');
    }
    this.#check(track.kind === 'audio' ? 'audio' : 'video');
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
