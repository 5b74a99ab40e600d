/**
 * One file to one member over its own data channel: wait for the receiver's
 * `go`, stream the bytes in chunks without letting the channel's queue pass
 * HIGH_WATER_BYTES (bufferedAmountLowThreshold), then wait for its verdict on
 * the hash. Each recipient has its own leg, read at its own pace, so a slow
 * member does not hold up the others.
 */
import type { Clock, TimerId } from '../clock.js';
import { CHUNK_BYTES, HIGH_WATER_BYTES, LOW_WATER_BYTES, READ_BYTES, Signal, STEP_TIMEOUT_MS } from './file-wire.js';

export type LegEnd = 'done' | 'cancelled' | 'failed';
/** Why a transfer failed: the hash did not match, more bytes than announced, the channel closed, no answer, the file could not be read, no one to send to. */
export type FileFailure = 'hash' | 'size' | 'closed' | 'timeout' | 'read' | 'nobody';

export interface LegHooks {
  progress(bytes: number): void;
  /** Called once. `byThem`: the other side cancelled. */
  end(how: LegEnd, failure: FileFailure | null, byThem: boolean): void;
}

/** What both legs share: the channel, the step timer, ending once. */
export abstract class Leg {
  bytes = 0;
  #ended = false;
  #timer: TimerId | undefined;

  constructor(protected readonly channel: RTCDataChannel, protected readonly clock: Clock, protected readonly hooks: LegHooks) {
    channel.binaryType = 'arraybuffer';
    channel.onclose = () => this.finish('failed', 'closed');
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** We cancel: the other side hears it on the channel (and over the control channel, from the feature). */
  cancel(): void {
    if (this.#ended) return;
    this.tell(Signal.cancel);
    this.finish('cancelled', null);
  }

  protected tell(signal: string): void {
    try {
      if (this.channel.readyState === 'open') this.channel.send(signal);
    } catch {
      // closing already
    }
  }

  /** The other side must take its next step within STEP_TIMEOUT_MS. */
  protected waitStep(): void {
    this.clock.clearTimeout(this.#timer);
    this.#timer = this.clock.setTimeout(() => {
      this.tell(Signal.cancel);
      this.finish('failed', 'timeout');
    }, STEP_TIMEOUT_MS);
  }

  protected stepTaken(): void {
    this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  finish(how: LegEnd, failure: FileFailure | null, byThem = false): void {
    if (this.#ended) return;
    this.#ended = true;
    this.stepTaken();
    this.channel.onmessage = this.channel.onclose = this.channel.onbufferedamountlow = null;
    this.onEnd();
    // Queued messages (a verdict, a cancel) are still sent: closing flushes them (webrtc-pc, "closing procedure").
    this.channel.close();
    this.hooks.end(how, failure, byThem);
  }

  protected onEnd(): void {}
}

export class SendLeg extends Leg {
  #started = false;
  #drained: (() => void) | null = null;

  constructor(channel: RTCDataChannel, private readonly file: Blob, clock: Clock, hooks: LegHooks) {
    super(channel, clock, hooks);
    channel.bufferedAmountLowThreshold = LOW_WATER_BYTES;
    channel.onbufferedamountlow = () => this.#wake();
    channel.onmessage = ({ data }: MessageEvent) => this.#onSignal(data);
    this.waitStep();
  }

  #onSignal(data: unknown): void {
    if (data === Signal.go && !this.#started) {
      this.#started = true;
      this.stepTaken();
      void this.#stream();
    } else if (data === Signal.ok && this.bytes === this.file.size) {
      this.finish('done', null);
    } else if (data === Signal.bad) {
      this.finish('failed', 'hash');
    } else if (data === Signal.cancel) {
      this.finish('cancelled', null, true);
    }
  }

  async #stream(): Promise<void> {
    const size = this.file.size;
    try {
      for (let at = 0; at < size && !this.ended; at += READ_BYTES) {
        const piece = await this.file.slice(at, Math.min(size, at + READ_BYTES)).arrayBuffer();
        for (let o = 0; o < piece.byteLength && !this.ended; o += CHUNK_BYTES) {
          while (this.channel.bufferedAmount > HIGH_WATER_BYTES && !this.ended) await this.#lowWater();
          if (this.ended) return;
          const n = Math.min(CHUNK_BYTES, piece.byteLength - o);
          this.channel.send(new Uint8Array(piece, o, n));
          this.bytes += n;
          this.hooks.progress(this.bytes);
        }
      }
    } catch (error) {
      // A closed channel throws on send; a file that changed or vanished fails to read.
      return this.finish('failed', error instanceof DOMException && error.name === 'InvalidStateError' ? 'closed' : 'read');
    }
    if (!this.ended) this.waitStep(); // for the verdict
  }

  #lowWater(): Promise<void> {
    return new Promise((resolve) => (this.#drained = resolve));
  }

  #wake(): void {
    const drained = this.#drained;
    this.#drained = null;
    drained?.();
  }

  protected override onEnd(): void {
    this.#wake();
  }
}
