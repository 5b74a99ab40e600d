/**
 * One file from one member: the channel was matched to that member's offer,
 * so we say `go`, collect exactly the announced number of bytes (one more and
 * the transfer ends), check the SHA-256 the offer announced, and answer `ok`
 * or `bad`. The file is kept as a Blob of type application/octet-stream,
 * whatever the sender announced, so nothing received is ever rendered as a
 * page of ours by accident.
 */
import type { Clock } from '../clock.js';
import { Leg, type LegHooks } from './file-send.js';
import { MAX_CHUNK_BYTES, sha256Hex, Signal } from './file-wire.js';

export class ReceiveLeg extends Leg {
  blob: Blob | null = null;
  readonly #chunks: ArrayBuffer[] = [];
  #verifying = false;

  constructor(channel: RTCDataChannel, private readonly size: number, private readonly sha256: string, clock: Clock,
    hooks: LegHooks & { verifying(): void }) {
    super(channel, clock, hooks);
    channel.onmessage = ({ data }: MessageEvent) => this.#onData(data, hooks);
    const go = () => {
      this.tell(Signal.go);
      if (size === 0) void this.#verify(hooks);
      else this.waitStep();
    };
    if (channel.readyState === 'open') go();
    else channel.onopen = go;
  }

  #onData(data: unknown, hooks: { verifying(): void }): void {
    if (data === Signal.cancel) return this.finish('cancelled', null, true);
    if (!(data instanceof ArrayBuffer) || this.#verifying) return this.#tooMuch();
    if (data.byteLength > MAX_CHUNK_BYTES || this.bytes + data.byteLength > this.size) return this.#tooMuch();
    this.#chunks.push(data);
    this.bytes += data.byteLength;
    this.waitStep();
    this.hooks.progress(this.bytes);
    if (this.bytes === this.size) void this.#verify(hooks);
  }

  /** More than announced, or something that is not bytes: the sender is not keeping to its offer. */
  #tooMuch(): void {
    this.tell(Signal.cancel);
    this.#chunks.length = 0;
    this.finish('failed', 'size');
  }

  async #verify(hooks: { verifying(): void }): Promise<void> {
    this.#verifying = true;
    this.stepTaken();
    hooks.verifying();
    const blob = new Blob(this.#chunks, { type: 'application/octet-stream' });
    this.#chunks.length = 0;
    const hash = await sha256Hex(blob);
    if (this.ended) return;
    if (hash === this.sha256) {
      this.blob = blob;
      this.tell(Signal.ok);
      this.finish('done', null);
    } else {
      this.tell(Signal.bad);
      this.finish('failed', 'hash');
    }
  }
}
