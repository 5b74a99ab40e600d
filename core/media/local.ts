/**
 * Our own camera and microphone for one meeting: opened at join (or lent by
 * the app), switched on and off, extended with tracks the app adds, and
 * released at the end — except what the app lent us, which stays the app's.
 */
import { invalidOption, SecureMeetingError } from '../errors.js';
import { openLocalMedia } from './open.js';

export class LocalMedia {
  readonly #source: MediaStreamConstraints | MediaStream | false;
  #stream: MediaStream | null = null;
  #owns = false;
  #audio = true;
  #video = true;
  /** Tracks given to addTrack(): the caller's, never stopped by us. */
  readonly #lent = new Set<MediaStreamTrack>();

  constructor(source: MediaStreamConstraints | MediaStream | false) {
    this.#source = source;
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
      return null;
    }
    try {
      this.#stream = await openLocalMedia(source as MediaStreamConstraints);
      this.#owns = true;
      return null;
    } catch (error) {
      if (error instanceof SecureMeetingError) return error;
      throw error;
    }
  }

  setEnabled(kind: 'audio' | 'video', on: boolean): void {
    if (kind === 'audio') this.#audio = on;
    else this.#video = on;
    for (const track of this.#stream?.getTracks() ?? []) if (track.kind === kind) track.enabled = on;
  }

  /** Adds a track the app lends us; false when it is already ours. */
  add(track: MediaStreamTrack): boolean {
    if (typeof MediaStreamTrack === 'undefined' || !(track instanceof MediaStreamTrack)) {
      throw invalidOption('addTrack() takes a MediaStreamTrack');
    }
    if (this.#stream?.getTracks().includes(track)) return false;
    this.#lent.add(track);
    if (this.#stream) this.#stream.addTrack(track);
    else this.#stream = new MediaStream([track]);
    return true;
  }

  /** Stops what we opened; leaves alone what the app lent us. */
  release(): void {
    if (this.#owns) this.#stream?.getTracks().forEach((t) => this.#lent.has(t) || t.stop());
  }
}
