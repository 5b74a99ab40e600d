/**
 * Files: one member sends a file to everyone connected. The offer (id, name,
 * size, type, SHA-256 of the whole file) goes over each control channel; the
 * bytes over a data channel of their own per recipient (`files:<id>`), with
 * backpressure (file-send.ts). A receiver takes a channel only from the
 * member whose offer it names, takes no more bytes than announced, checks the
 * hash and keeps the file as a Blob to save (file-receive.ts). Either side
 * may cancel. Nothing is stored: the file lives in memory until forgotten.
 */
import type { TimerId } from '../clock.js';
import { invalidOption, SecureMeetingError } from '../errors.js';
import type { RemotePeer } from '../events.js';
import { defineFeature } from './feature.js';
import { ReceiveLeg } from './file-receive.js';
import { SendLeg, type FileFailure, type Leg, type LegEnd } from './file-send.js';
import { FileEvent, type FileEventType, type FileTransfer, type FileTransferState, type Recipient } from './file-events.js';
import {
  cleanName, cleanType, DEFAULT_MAX_FILE_BYTES, FileCancel, FileOffer, sha256Hex, STEP_TIMEOUT_MS, transferId, type OfferBody,
} from './file-wire.js';

export { FileEvent, type FileEventType, type FileTransfer, type FileTransferState, type Recipient } from './file-events.js';
export type { FileFailure } from './file-send.js';
export { DEFAULT_MAX_FILE_BYTES } from './file-wire.js';

/** Files one member may be sending us at once; more offers are refused (answered with a cancel) and counted. */
export const MAX_INCOMING_PER_PEER = 4;
/** Ended transfers kept in `transfers` (with their Blobs) before the oldest are forgotten. */
export const MAX_KEPT = 50;

export type FileDropReason =
  | 'too-big' // an offer over our maxFileBytes
  | 'busy' // that member already sends us MAX_INCOMING_PER_PEER files
  | 'duplicate' // an offer with an id we already know
  | 'unclaimed'; // a channel no offer of that member named (in time)

export interface FilesApi {
  /** The cap on one file, sent or received, in bytes (`maxFileBytes` option; default 100 MiB). */
  readonly maxBytes: number;
  /** Every transfer we know, sending and receiving, oldest first. */
  readonly transfers: readonly FileTransfer[];
  /** What we dropped and refused, by reason. */
  readonly dropped: Readonly<Record<FileDropReason, number>>;
  /**
   * Sends a file (a File or a Blob) to every member connected now; returns
   * the transfer's id at once (hashing, then offering, follow; see the events).
   */
  send(file: Blob): string;
  /** Stops a transfer, ours or theirs; the other side is told. */
  cancel(id: string): void;
  /** Lets go of an ended transfer and its Blob. */
  forget(id: string): void;
  get(id: string): FileTransfer | undefined;
}

interface Record_ {
  id: string; direction: 'send' | 'receive'; name: string; size: number; type: string; sha256: string;
  from: RemotePeer | null; state: FileTransferState; failure: FileFailure | null; cancelledBy: 'us' | 'them' | null;
  legs: Map<RemotePeer, { leg: Leg | null; recipient: Mutable<Recipient> }>;
  file: Blob | null; blob: Blob | null; percent: number; timer: TimerId | undefined;
  /** We are cancelling it: its legs' ends decide nothing. */
  cancelling: boolean;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const ENDED: readonly FileTransferState[] = ['done', 'cancelled', 'failed'];

export const files = defineFeature({
  key: 'files',
  messages: [FileOffer, FileCancel],
  install(ctx): FilesApi {
    const option = ctx.options['maxFileBytes'];
    if (option !== undefined && (typeof option !== 'number' || !Number.isSafeInteger(option) || option < 1)) {
      throw invalidOption('maxFileBytes must be a whole number of bytes from 1');
    }
    const maxBytes = (option as number | undefined) ?? DEFAULT_MAX_FILE_BYTES;
    const all = new Map<string, Record_>();
    const dropped: Record<FileDropReason, number> = { 'too-big': 0, busy: 0, duplicate: 0, unclaimed: 0 };
    /** Channels that came before their offer: per member, by id, closed if no offer claims them in time. */
    const early = new Map<RemotePeer, Map<string, { channel: RTCDataChannel; timer: TimerId }>>();

    const snapshot = (r: Record_): FileTransfer => {
      const recipients = [...r.legs.values()].map(({ leg, recipient }) => ({ ...recipient, bytes: leg?.bytes ?? recipient.bytes }));
      const bytes = recipients.reduce((n, x) => n + x.bytes, 0);
      return Object.freeze({
        id: r.id, direction: r.direction, name: r.name, size: r.size, type: r.type, sha256: r.sha256, from: r.from,
        state: r.state, failure: r.failure, cancelledBy: r.cancelledBy, blob: r.blob,
        bytes, total: r.direction === 'receive' ? r.size : r.size * recipients.length,
        recipients: r.direction === 'send' ? Object.freeze(recipients) : [],
      });
    };
    let left = false;
    const emit = (type: FileEventType, r: Record_) => {
      if (!left) ctx.emit(new FileEvent(type, snapshot(r)));
    };
    /** Called for every chunk: only counts, and makes a snapshot only when there is an event to fire. */
    const progress = (r: Record_, always = false) => {
      let bytes = 0;
      for (const { leg, recipient } of r.legs.values()) bytes += leg?.bytes ?? recipient.bytes;
      const total = r.direction === 'receive' ? r.size : r.size * r.legs.size;
      const percent = total === 0 ? 100 : Math.floor((bytes / total) * 100);
      // At most one event per percent (and one per recipient done): enough for a progress bar, never thousands.
      if ((percent === r.percent && !always) || left) return;
      r.percent = percent;
      ctx.emit(new FileEvent('fileprogress', snapshot(r)));
    };
    const end = (r: Record_, state: 'done' | 'cancelled' | 'failed', failure: FileFailure | null = null) => {
      if (ENDED.includes(r.state)) return;
      Object.assign(r, { state, failure });
      ctx.clock.clearTimeout(r.timer);
      r.file = null;
      emit(state === 'done' ? 'filedone' : state === 'cancelled' ? 'filecancel' : 'fileerror', r);
      const ended = [...all.values()].filter((x) => ENDED.includes(x.state));
      for (const old of ended.slice(0, Math.max(0, ended.length - MAX_KEPT))) all.delete(old.id);
    };
    /** A sending transfer ends when each of its recipients has: done if any got it. */
    const legEnded = (r: Record_) => {
      if (r.cancelling) return;
      const states = [...r.legs.values()].map((l) => l.recipient.state);
      if (states.some((s) => s === 'waiting' || s === 'sending')) return progress(r, true);
      if (states.includes('done')) return end(r, 'done');
      if (states.includes('cancelled')) return end(r, 'cancelled');
      end(r, 'failed', [...r.legs.values()][0]?.recipient.failure ?? 'nobody');
    };
    const record = (fields: Pick<Record_, 'id' | 'direction' | 'name' | 'size' | 'type' | 'sha256' | 'from' | 'state' | 'file'>): Record_ => {
      const r: Record_ = { ...fields, failure: null, cancelledBy: null, legs: new Map(), blob: null, percent: -1, timer: undefined, cancelling: false };
      all.set(r.id, r);
      emit('fileoffer', r);
      return r;
    };

    const offer = (r: Record_) => {
      const body: OfferBody = { id: r.id, name: r.name, size: r.size, type: r.type, sha256: r.sha256 };
      for (const peer of ctx.peers()) {
        if (ctx.send(peer, FileOffer, body) === 0) continue;
        const channel = ctx.openChannel(peer, r.id);
        const recipient: Mutable<Recipient> = { peer, state: 'waiting', bytes: 0, failure: null };
        const entry = { leg: null as Leg | null, recipient };
        r.legs.set(peer, entry);
        if (!channel) {
          Object.assign(recipient, { state: 'failed', failure: 'closed' });
          continue;
        }
        entry.leg = new SendLeg(channel, r.file as Blob, ctx.clock, {
          progress: () => {
            if (recipient.state === 'waiting') recipient.state = 'sending';
            progress(r);
          },
          end: (how, failure) => {
            Object.assign(recipient, { state: how, failure, bytes: entry.leg?.bytes ?? 0 });
            legEnded(r);
          },
        });
      }
      r.state = 'sending';
      legEnded(r);
    };

    const send = (file: Blob): string => {
      if (typeof Blob === 'undefined' || !(file instanceof Blob)) throw invalidOption('files.send() takes a File or a Blob');
      if (file.size > maxBytes) throw invalidOption(`files.send(): ${file.size} bytes is over the ${maxBytes}-byte cap (maxFileBytes)`);
      if (ctx.state() !== 'joined') throw new SecureMeetingError('closed', 'files.send() needs a joined meeting');
      const name = cleanName(typeof File !== 'undefined' && file instanceof File ? file.name : 'file');
      const r = record({ id: transferId(), direction: 'send', name, size: file.size, type: cleanType(file.type), sha256: '', from: null, state: 'hashing', file });
      sha256Hex(file).then((hash) => {
        if (r.state !== 'hashing') return;
        r.sha256 = hash;
        offer(r);
      }, () => end(r, 'failed', 'read'));
      return r.id;
    };

    const claim = (r: Record_, channel: RTCDataChannel) => {
      const peer = r.from as RemotePeer;
      ctx.clock.clearTimeout(r.timer);
      const recipient: Mutable<Recipient> = { peer, state: 'sending', bytes: 0, failure: null };
      const entry = { leg: null as Leg | null, recipient };
      r.legs.set(peer, entry);
      r.state = 'receiving';
      const leg = new ReceiveLeg(channel, r.size, r.sha256, ctx.clock, {
        progress: () => progress(r),
        verifying: () => {
          r.state = 'verifying';
          progress(r, true);
        },
        end: (how: LegEnd, failure, byThem) => {
          recipient.bytes = leg.bytes;
          r.blob = leg.blob;
          if (how === 'cancelled') r.cancelledBy = byThem ? 'them' : 'us';
          if (how === 'failed' && failure !== 'closed') ctx.send(peer, FileCancel, { id: r.id });
          end(r, how, failure);
        },
      });
      entry.leg = leg;
    };

    ctx.on(FileOffer, (peer, body) => {
      if (all.has(body.id)) return void dropped.duplicate++;
      const busy = [...all.values()].filter((x) => x.from === peer && !ENDED.includes(x.state)).length >= MAX_INCOMING_PER_PEER;
      if (body.size > maxBytes || busy) {
        dropped[busy ? 'busy' : 'too-big']++;
        ctx.send(peer, FileCancel, { id: body.id });
        return;
      }
      const r = record({ ...body, name: cleanName(body.name), direction: 'receive', from: peer, state: 'waiting', file: null });
      const waiting = early.get(peer)?.get(body.id);
      if (waiting) {
        early.get(peer)?.delete(body.id);
        ctx.clock.clearTimeout(waiting.timer);
        return claim(r, waiting.channel);
      }
      r.timer = ctx.clock.setTimeout(() => {
        ctx.send(peer, FileCancel, { id: r.id });
        end(r, 'failed', 'timeout');
      }, STEP_TIMEOUT_MS);
    });

    ctx.onChannel((peer, channel, id) => {
      const r = all.get(id);
      if (r && r.from === peer && r.state === 'waiting') return claim(r, channel);
      const held = early.get(peer) ?? new Map<string, { channel: RTCDataChannel; timer: TimerId }>();
      if (r || held.has(id)) return refuse(channel);
      // The offer may still be on its way on the control channel's stream; bytes before it are not.
      channel.onmessage = () => {
        held.delete(id);
        refuse(channel);
      };
      const timer = ctx.clock.setTimeout(() => {
        held.delete(id);
        refuse(channel);
      }, STEP_TIMEOUT_MS);
      held.set(id, { channel, timer });
      early.set(peer, held);
    });
    const refuse = (channel: RTCDataChannel) => {
      dropped.unclaimed++;
      channel.close();
    };

    ctx.on(FileCancel, (peer, { id }) => {
      const r = all.get(id);
      if (!r) return;
      if (r.direction === 'receive' && r.from === peer) {
        const leg = r.legs.get(peer)?.leg;
        if (leg) leg.finish('cancelled', null, true);
        else {
          r.cancelledBy = 'them';
          end(r, 'cancelled');
        }
      } else if (r.direction === 'send') {
        const entry = r.legs.get(peer);
        if (entry?.leg) entry.leg.finish('cancelled', null, true);
      }
    });

    ctx.onPeerLeave((peer) => {
      for (const { timer, channel } of early.get(peer)?.values() ?? []) {
        ctx.clock.clearTimeout(timer);
        channel.close();
      }
      early.delete(peer);
      for (const r of all.values()) {
        const entry = r.legs.get(peer);
        if (entry?.leg) entry.leg.finish('failed', 'closed');
        else if (r.from === peer) end(r, 'failed', 'closed');
      }
    });

    const cancel = (id: string) => {
      const r = all.get(id);
      if (!r || ENDED.includes(r.state)) return;
      r.cancelledBy = 'us';
      r.cancelling = true;
      if (r.direction === 'receive' && r.from && !r.legs.size) ctx.send(r.from, FileCancel, { id });
      for (const [peer, { leg }] of r.legs) {
        if (!leg || leg.ended) continue;
        ctx.send(peer, FileCancel, { id });
        leg.cancel();
      }
      end(r, 'cancelled');
    };

    ctx.onLeave(() => {
      left = true;
      for (const r of all.values()) for (const { leg } of r.legs.values()) leg?.finish('cancelled', null);
      for (const held of early.values()) for (const { timer, channel } of held.values()) {
        ctx.clock.clearTimeout(timer);
        channel.close();
      }
      for (const r of all.values()) ctx.clock.clearTimeout(r.timer);
      early.clear();
    });

    return {
      maxBytes,
      get transfers() {
        return [...all.values()].map(snapshot);
      },
      get dropped() {
        return { ...dropped };
      },
      send,
      cancel,
      forget: (id) => {
        const r = all.get(id);
        if (r && ENDED.includes(r.state)) all.delete(id);
      },
      get: (id) => {
        const r = all.get(id);
        return r ? snapshot(r) : undefined;
      },
    };
  },
});
