/**
 * A pair of connected data channels for feature tests in Node, which has no
 * RTCDataChannel. What the files feature relies on behaves as in a browser:
 * messages arrive in order, asynchronously, copied; `bufferedAmount` grows
 * with what is sent and shrinks as it is delivered (at most DRAIN_BYTES per
 * turn of the event loop, so a sender that ignores backpressure piles up);
 * `bufferedamountlow` fires when it falls to the threshold from above;
 * close() delivers what is queued first, then closes both ends.
 */
type Data = string | ArrayBuffer;

/** Delivered per turn of the event loop. */
export const DRAIN_BYTES = 256 * 1024;

const byteLength = (d: Data) => (typeof d === 'string' ? new TextEncoder().encode(d).byteLength : d.byteLength);

export class FakeDataChannel extends EventTarget {
  readyState: RTCDataChannelState = 'connecting';
  binaryType: BinaryType = 'blob';
  bufferedAmount = 0;
  bufferedAmountLowThreshold = 0;
  onopen: ((e: Event) => void) | null = null;
  onmessage: ((e: MessageEvent) => void) | null = null;
  onclose: ((e: Event) => void) | null = null;
  onbufferedamountlow: ((e: Event) => void) | null = null;
  other!: FakeDataChannel;
  /** The most that was ever queued: a sender that respects backpressure keeps this bounded. */
  maxBuffered = 0;
  /** Everything sent, for tests to inspect. */
  readonly sent: Data[] = [];
  /** While true, nothing is delivered (a slow network). */
  held = false;
  readonly #queue: Data[] = [];
  #pumping = false;
  #closing = false;

  constructor(readonly label: string) {
    super();
  }

  send(data: string | ArrayBuffer | ArrayBufferView): void {
    if (this.readyState !== 'open' || this.#closing) throw new DOMException('RTCDataChannel.readyState is not \'open\'', 'InvalidStateError');
    const copy: Data = typeof data === 'string' ? data
      : data instanceof ArrayBuffer ? data.slice(0)
      : (new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice().buffer as ArrayBuffer);
    this.sent.push(copy);
    this.#queue.push(copy);
    this.bufferedAmount += byteLength(copy);
    this.maxBuffered = Math.max(this.maxBuffered, this.bufferedAmount);
    this.#pump();
  }

  close(): void {
    if (this.readyState === 'closed' || this.#closing) return;
    this.#closing = true;
    if (this.readyState !== 'open') return this.#closeBoth();
    this.readyState = 'closing';
    this.#pump();
  }

  /** Opens both ends (as the SCTP stream comes up). */
  openBoth(): void {
    for (const end of [this, this.other]) {
      if (end.readyState !== 'connecting') continue;
      end.readyState = 'open';
      end.fire(new Event('open'), end.onopen);
    }
  }

  /** Lets delivery go on after `held`. */
  release(): void {
    this.held = false;
    this.#pump();
  }

  fire<E extends Event>(event: E, handler: ((e: E) => void) | null): void {
    handler?.call(this, event);
    this.dispatchEvent(event);
  }

  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    setImmediate(() => {
      this.#pumping = false;
      if (this.held) return;
      let budget = DRAIN_BYTES;
      while (this.#queue.length > 0 && budget > 0) {
        const data = this.#queue.shift() as Data;
        const n = byteLength(data);
        budget -= n;
        const before = this.bufferedAmount;
        this.bufferedAmount -= n;
        if (this.other.readyState === 'open') this.other.#deliver(data);
        if (before > this.bufferedAmountLowThreshold && this.bufferedAmount <= this.bufferedAmountLowThreshold) {
          this.fire(new Event('bufferedamountlow'), this.onbufferedamountlow);
        }
      }
      if (this.#queue.length > 0) this.#pump();
      else if (this.#closing) this.#closeBoth();
    });
  }

  #deliver(data: Data): void {
    const payload = typeof data === 'string' || this.binaryType === 'arraybuffer' ? data : new Blob([data]);
    this.fire(new MessageEvent('message', { data: payload }), this.onmessage);
  }

  #closeBoth(): void {
    for (const end of [this, this.other]) {
      if (end.readyState === 'closed') continue;
      end.readyState = 'closed';
      end.#queue.length = 0;
      end.bufferedAmount = 0;
      end.fire(new Event('close'), end.onclose);
    }
  }
}

/** Two ends of one channel: `[opener, receiver]`, both 'connecting' until openBoth(). */
export function channelPair(label: string): [FakeDataChannel, FakeDataChannel] {
  const a = new FakeDataChannel(label);
  const b = new FakeDataChannel(label);
  a.other = b;
  b.other = a;
  return [a, b];
}
