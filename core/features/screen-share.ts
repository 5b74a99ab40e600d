/**
 * Screen share: a member sends its screen as a stream of its own, to
 * everyone, negotiated over each pair's control channel (so it works while
 * joining is closed), and says so over that same channel: "I present the
 * stream with this id, since then". Only a member's own channel carries its
 * word, so no one can start or stop another's share.
 *
 * At most `maxPresenters` (default 1) present at once. When more say they
 * do (two started at the same moment), every member orders them alike, by
 * the start time each one announced and then by member id, and shows the
 * first `maxPresenters`; a member of ours beyond them stops its own share.
 */
import { invalidOption, SecureMeetingError } from '../errors.js';
import type { RemotePeer } from '../events.js';
import { isString } from '../wire/guards.js';
import { defineMessage } from '../wire/registry.js';
import { defineFeature } from './feature.js';

export interface ScreenShareBody {
  presenting: boolean;
  /** The id of the stream that carries the screen (the receiver finds it in `peer.streams`). */
  stream?: string;
  /** When the share started, on the sender's clock (ms since the epoch): the tie-break. */
  since?: number;
}

/** Stream ids are short printable tokens (Chromium's are UUIDs). */
const STREAM_ID = /^[\x21-\x7e]{1,64}$/;

const isShareBody = (b: Record<string, unknown>): boolean => {
  if (b['presenting'] === false) return true;
  return b['presenting'] === true && isString(b['stream'], 64) && STREAM_ID.test(b['stream']) &&
    typeof b['since'] === 'number' && Number.isSafeInteger(b['since']) && b['since'] >= 0;
};

/** Starting and stopping a share takes a person seconds; a few in a row are allowed. */
export const ScreenShareMessage = defineMessage<ScreenShareBody>('screen-share', isShareBody, { perSecond: 1, burst: 4 });

/** The most presenters the `maxPresenters` option allows. */
export const MAX_PRESENTERS = 16;

/** `screenshare`: who presents changed; `presenters` lists member ids (ours included) in the order they started. */
export class ScreenShareEvent extends Event {
  constructor(
    readonly presenters: readonly string[],
    /** True when our own share stopped because others started first (every place was taken). */
    readonly yielded = false,
  ) {
    super('screenshare');
  }
}

export interface ScreenShareApi {
  /** Members presenting, ours included, in the order they started; at most `maxPresenters`. */
  readonly presenters: readonly string[];
  /** Whether we present now. */
  readonly presenting: boolean;
  readonly maxPresenters: number;
  /** Whether another presenter place is free (or ours is taken already). */
  readonly canStart: boolean;
  /** A presenter's screen: ours, or the stream a member announced once it has arrived; else null. */
  streamOf(id: string): MediaStream | null;
  /** The id of the stream a presenter announced (ours included), or null. */
  streamIdOf(id: string): string | null;
  /**
   * Shares a screen: `stream` if given (its first video track), else one the
   * person picks in the browser's `getDisplayMedia()` dialog. Rejects with a
   * 'busy' error when every presenter place is taken, 'forbidden' when a
   * host has not allowed us to share, 'media' when the
   * browser refused or the person cancelled, 'closed' outside a meeting.
   * Resolves to the stream shared.
   */
  start(stream?: MediaStream): Promise<MediaStream>;
  /** Stops our share (also when the browser's own "Stop sharing" ends the track). */
  stop(): void;
}

interface Share { stream: string; since: number }

/** Presenters in the order every member computes alike: earliest start, then smallest id. */
export function presenterOrder(shares: ReadonlyMap<string, Share>): string[] {
  return [...shares].sort(([a, x], [b, y]) => x.since - y.since || (a < b ? -1 : a > b ? 1 : 0)).map(([id]) => id);
}

function maxPresentersOf(value: unknown): number {
  if (value === undefined) return 1;
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_PRESENTERS) {
    throw invalidOption(`maxPresenters must be a whole number from 1 to ${MAX_PRESENTERS}`);
  }
  return value as number;
}

/** Options: `maxPresenters` (1–16, default 1). */
export const screenShare = defineFeature({
  key: 'screen-share',
  messages: [ScreenShareMessage],
  install(ctx): ScreenShareApi {
    const max = maxPresentersOf(ctx.options['maxPresenters']);
    /** Member id → their announced share; ours is kept under our id while we present. */
    const shares = new Map<string, Share>();
    let ours: { stream: MediaStream; track: MediaStreamTrack; opened: boolean; ended: () => void } | null = null;
    let starting = false;

    const presenters = () => presenterOrder(shares).slice(0, max);
    const othersPresenting = () => presenters().filter((id) => id !== ctx.self.id).length;
    const changed = (yielded = false) => ctx.emit(new ScreenShareEvent(presenters(), yielded));
    const announce = (to: RemotePeer | 'all') => {
      const share = shares.get(ctx.self.id);
      ctx.send(to, ScreenShareMessage, share ? { presenting: true, ...share } : { presenting: false });
    };

    const release = () => {
      if (!ours) return false;
      const { track, opened, ended } = ours;
      ours = null;
      shares.delete(ctx.self.id);
      track.removeEventListener('ended', ended);
      ctx.tracks.remove(track);
      if (opened) track.stop();
      return true;
    };
    const stop = (yielded = false) => {
      if (!release()) return;
      announce('all');
      changed(yielded);
    };
    /** Others started before us and every place is taken: ours gives way, as every member expects. */
    const yieldIfOutranked = () => {
      if (ours && !presenters().includes(ctx.self.id)) stop(true);
    };

    const start = async (given?: MediaStream): Promise<MediaStream> => {
      if (given !== undefined && (typeof given !== 'object' || given === null || typeof given.getVideoTracks !== 'function')) {
        throw invalidOption('screenShare start() takes a MediaStream with a video track, or nothing');
      }
      const state = ctx.state();
      if (state !== 'joined' && state !== 'connecting') throw new SecureMeetingError('closed', 'sharing a screen needs a meeting that is joined');
      if (ours) return ours.stream;
      const refused = ctx.media.forbidden('screen');
      if (refused !== null) throw new SecureMeetingError('forbidden', refused);
      if (starting) throw new SecureMeetingError('busy', 'a screen share is already being started');
      const busy = () => new SecureMeetingError('busy', `${othersPresenting()} member(s) present already, the most this meeting allows (maxPresenters ${max})`);
      if (othersPresenting() >= max) throw busy();
      starting = true;
      let stream: MediaStream;
      try {
        stream = given ?? await displayMedia();
      } finally {
        starting = false;
      }
      const opened = given === undefined;
      const track = stream.getVideoTracks()[0];
      const leftMeanwhile = ctx.state() !== 'joined' && ctx.state() !== 'connecting';
      const refusedMeanwhile = ctx.media.forbidden('screen');
      if (!track || othersPresenting() >= max || leftMeanwhile || refusedMeanwhile !== null) {
        if (opened) for (const t of stream.getTracks()) t.stop();
        if (!track) throw invalidOption('the stream to share has no video track');
        if (leftMeanwhile) throw new SecureMeetingError('closed', 'the meeting ended while the screen was being picked');
        if (refusedMeanwhile !== null) throw new SecureMeetingError('forbidden', refusedMeanwhile);
        throw busy();
      }
      // The browser's own "Stop sharing" bar ends the track.
      const ended = () => stop();
      track.addEventListener('ended', ended);
      ours = { stream, track, opened, ended };
      shares.set(ctx.self.id, { stream: stream.id, since: ctx.clock.now() });
      ctx.tracks.add(track, stream);
      announce('all');
      changed();
      return stream;
    };

    ctx.onPeerOpen((peer) => {
      if (ours) announce(peer);
    });
    ctx.on(ScreenShareMessage, (peer, body) => {
      const before = presenters().join();
      if (body.presenting) shares.set(peer.id, { stream: body.stream as string, since: body.since as number });
      else if (!shares.delete(peer.id)) return;
      // Which of their streams is a screen decides what a receiver may show of it (permissions).
      ctx.received.refilter(peer);
      if (presenters().join() !== before || body.presenting) changed();
      yieldIfOutranked();
    });
    ctx.onPeerLeave((peer) => {
      if (shares.delete(peer.id)) changed();
    });
    ctx.onLeave(() => {
      release();
      shares.clear();
    });

    return {
      get presenters() {
        return presenters();
      },
      get presenting() {
        return ours !== null;
      },
      maxPresenters: max,
      get canStart() {
        return ours !== null || othersPresenting() < max;
      },
      streamOf(id) {
        if (id === ctx.self.id) return ours?.stream ?? null;
        const share = shares.get(id);
        if (!share) return null;
        for (const peer of ctx.peers()) if (peer.id === id) return peer.streams.get(share.stream) ?? null;
        return null;
      },
      streamIdOf: (id) => shares.get(id)?.stream ?? null,
      start,
      stop: () => stop(),
    };
  },
});

async function displayMedia(): Promise<MediaStream> {
  const media = typeof navigator === 'undefined' ? undefined : navigator.mediaDevices;
  if (typeof media?.getDisplayMedia !== 'function') {
    throw new SecureMeetingError('unsupported', 'this browser cannot share a screen (no getDisplayMedia)');
  }
  try {
    return await media.getDisplayMedia({ video: true, audio: false });
  } catch (error) {
    throw new SecureMeetingError('media', 'the screen was not shared: the browser refused, or the choice was cancelled', { cause: error });
  }
}
