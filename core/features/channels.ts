/**
 * Data channels of a feature's own, beside each link's control channel (a
 * file's bytes, say, which must not queue behind control messages). A
 * feature opens one to a member with a label it owns, `<feature key>:<name>`;
 * a channel a member opens to us reaches the feature whose key prefixes its
 * label. Anything else is closed at once and counted, and a member may hold
 * only a few channels open to us at a time, so no one can make us keep an
 * unbounded number of SCTP streams and handlers.
 */

/** Channels one member may have open to us at once (all features together). */
export const MAX_CHANNELS_PER_PEER = 8;
/** A label longer than this is nobody's. */
export const MAX_LABEL_LENGTH = 128;

export type ChannelDropReason =
  | 'unknown' // the label names no feature that takes channels
  | 'excess' // that member already holds MAX_CHANNELS_PER_PEER open to us
  | 'failed'; // the feature's handler threw

export type ChannelHandler<P> = (peer: P, channel: RTCDataChannel, name: string) => void;

export class ChannelRouter<P> {
  readonly dropped: Record<ChannelDropReason, number> = { unknown: 0, excess: 0, failed: 0 };
  readonly #owners = new Map<string, ChannelHandler<P>>();
  readonly #open = new Map<P, number>();

  /** `key`'s channels go to `handler`; one handler per feature. */
  own(key: string, handler: ChannelHandler<P>): void {
    this.#owners.set(key, handler);
  }

  /** The label a channel of `key`'s named `name` carries. */
  static label(key: string, name: string): string {
    return `${key}:${name}`;
  }

  /** A channel `peer` opened to us. */
  dispatch(peer: P, channel: RTCDataChannel): void {
    const label = typeof channel.label === 'string' ? channel.label : '';
    const colon = label.indexOf(':');
    const handler = colon > 0 && label.length <= MAX_LABEL_LENGTH ? this.#owners.get(label.slice(0, colon)) : undefined;
    if (!handler) return this.#refuse(channel, 'unknown');
    const open = this.#open.get(peer) ?? 0;
    if (open >= MAX_CHANNELS_PER_PEER) return this.#refuse(channel, 'excess');
    this.#open.set(peer, open + 1);
    let counted = true;
    channel.addEventListener('close', () => {
      if (!counted) return;
      counted = false;
      const left = (this.#open.get(peer) ?? 1) - 1;
      if (left > 0) this.#open.set(peer, left);
      else this.#open.delete(peer);
    });
    try {
      handler(peer, channel, label.slice(colon + 1));
    } catch {
      this.#refuse(channel, 'failed');
    }
  }

  /** A member is gone: its channels closed with its connection. */
  forget(peer: P): void {
    this.#open.delete(peer);
  }

  #refuse(channel: RTCDataChannel, reason: ChannelDropReason): void {
    this.dropped[reason]++;
    try {
      channel.close();
    } catch {
      // already closed
    }
  }
}
