/**
 * Feature modules (DESIGN.md, "Feature modules"): a feature declares its
 * control-message types with their validators, keeps its own state, emits
 * its events on the meeting and returns its public methods. The meeting
 * installs each one once, in order, when it is created; after that a feature
 * only hears about the members and messages it asked for.
 */
import type { Clock } from '../clock.js';
import { invalidOption, type SecureMeetingError } from '../errors.js';
import type { MeetingState, RemotePeer } from '../events.js';
import type { LocalMedia } from '../media/local.js';
import type { GateControl, GatePolicy } from '../mesh/gate.js';
import type { ControlRouter, MessageType } from '../wire/registry.js';
import type { Signer } from './statements.js';
import { ChannelRouter, type ChannelDropReason } from './channels.js';

/** What a feature may set on a member as everyone sees it. */
export type PeerInfo = Partial<Pick<RemotePeer, 'name' | 'audioEnabled' | 'videoEnabled'>>;

/**
 * The media side of one member's connection, for features that tune or
 * watch it (per-receiver video, connection quality): our senders toward that
 * member and the connection's statistics. Never its descriptions or keys.
 */
export interface PeerRtp {
  /** Our RTCRtpSenders on this member's connection (empty once it closed). */
  senders(): RTCRtpSender[];
  /** The connection's getStats(); rejects once it closed. */
  stats(): Promise<RTCStatsReport>;
}

/** What a feature learns when the keys are derived. */
export interface JoinKeys {
  /** AES-256-GCM, not extractable: for data at rest. */
  readonly storeKey: CryptoKey;
  /** The same for everyone with this namespace, channel and password; nothing else learns it from the device. */
  readonly scope: string;
}

/** Extra streams of ours; the receiving side finds each in `peer.streams` by the stream's id. */
export interface OwnStreams {
  add(track: MediaStreamTrack, stream: MediaStream): void;
  remove(track: MediaStreamTrack): void;
}

/** Whether one of a member's tracks, in the stream the sender gave the id `streamId`, may be shown here. */
export type TrackRule = (peer: RemotePeer, track: MediaStreamTrack, streamId: string) => boolean;

/**
 * What we show of the media members send us (mesh/received.ts): a track is
 * in `peer.stream`/`peer.streams` only while every feature's rule admits it;
 * the others are held back, disabled. Receivers, not senders, enforce this.
 */
export interface ReceivedMedia {
  /** Adds a rule (in install()). A rule that throws holds the track back. */
  admit(rule: TrackRule): void;
  /** Applies the rules again to one member's tracks, or everyone's: what they depend on changed. */
  refilter(peer?: RemotePeer): void;
}

/** Everything a feature gets from the meeting it is installed in. */
export interface FeatureContext {
  /** The local member: id for this join, display name. */
  readonly self: { readonly id: string; readonly name: string };
  readonly clock: Clock;
  /** The options the meeting was created with; a feature reads (and checks) its own. */
  readonly options: Readonly<Record<string, unknown>>;
  /** Our camera and microphone. */
  readonly media: LocalMedia;
  /**
   * Our identity key (made when joining: `sign` rejects before) and a checker
   * of other members' signatures, for statements that must be ours alone.
   */
  readonly signer: Signer;
  /**
   * Joining the relay and leaving it (the join window decides when), and
   * moving to the keys and topic of a new room secret (a removal's new
   * epoch; on the relay it redials there).
   */
  readonly relay: { connect(): void; disconnect(): void; rekey(secret: string): Promise<void> };
  /**
   * Tracks sent as a stream of their own (a shared screen), to every member
   * and to those who connect later; negotiated over each pair's control
   * channel, so it works while joining is closed.
   */
  readonly tracks: OwnStreams;
  /** Which of the members' tracks we show. */
  readonly received: ReceivedMedia;
  state(): MeetingState;
  /** The members we are connected to, or connecting to. */
  peers(): Iterable<RemotePeer>;
  /** Sends over control channels: to one member, or every member whose channel is open. Returns how many it reached. */
  send<B extends object>(to: RemotePeer | 'all', message: MessageType<B>, body: B): number;
  /** Handles one of this feature's message types; the body has passed its validator. */
  on<B extends object>(message: MessageType<B>, handler: (peer: RemotePeer, body: B) => void): void;
  /** A member's control channel opened: tell them what they need to know. */
  onPeerOpen(handler: (peer: RemotePeer) => void): void;
  onPeerLeave(handler: (peer: RemotePeer) => void): void;
  /**
   * The keys are derived and the relay is being dialled. `keys.storeKey`
   * seals what a feature keeps on the device; `keys.scope` names this
   * channel-and-password's data there (the blinded topic: another password
   * finds nothing).
   */
  onJoin(handler: (keys: JoinKeys) => void): void;
  /** The meeting ended: stop timers, let go of everything. */
  onLeave(handler: () => void): void;
  /** We are about to leave: a last word to the members (awaited, briefly), before goodbyes. */
  beforeLeave(handler: () => Promise<void> | void): void;
  /** Whether this member was in the meeting before we came (it answered our hello, rather than we theirs). */
  olderThanUs(peer: RemotePeer): boolean;
  /** The API of a feature this one `requires`. */
  use<Api>(feature: Feature<string, Api>): Api;
  /**
   * Opens a data channel of this feature's to a member whose link is up,
   * beside the control channel (channels.ts); null when there is none.
   * The member's feature receives it through its onChannel with `name`.
   */
  openChannel(peer: RemotePeer, name: string): RTCDataChannel | null;
  /** A member opened one of this feature's channels to us (bounded per member; others are closed and counted). */
  onChannel(handler: (peer: RemotePeer, channel: RTCDataChannel, name: string) => void): void;
  /** Updates what everyone sees of a member (fires `peerupdate` when something changed). */
  updatePeer(peer: RemotePeer, info: PeerInfo): void;
  /** The media side of our connection to a member (PeerRtp); null for one that is not ours or has gone. */
  rtp(peer: RemotePeer): PeerRtp | null;
  /**
   * Refuses a member for the rest of the meeting (removed): our connection
   * to them closes (after `lingerMs`, leaving the meeting at once), and
   * nothing from their id or identity key is heard or connected again.
   */
  refuse(id: string, publicKey: string, lingerMs?: number): void;
  /** Ends the meeting for us on this feature's word (we were removed): state 'left', its event carrying `reason`. */
  leave(reason: SecureMeetingError): void;
  /** Dispatches an event on the meeting. */
  emit(event: Event): void;
  /**
   * Puts a policy in front of the mesh (core/mesh/gate.ts): it decides about
   * each hello or offer from a member we are not connected to — let through,
   * held until released, or ignored — and hears knock signals. One feature
   * per meeting (the waiting room); a TypeError for a second.
   */
  gate(policy: GatePolicy): GateControl;
}

export interface Feature<Key extends string = string, Api = unknown> {
  /** Unique among a meeting's features; `meeting.feature(f)` finds the API by the feature itself. */
  readonly key: Key;
  /** The control-message types this feature owns. Each type has one owner in a meeting. */
  readonly messages: readonly MessageType[];
  /** Features that must be installed before this one. */
  readonly requires?: readonly Feature[];
  install(ctx: FeatureContext): Api;
}

const KEY_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

export function defineFeature<Key extends string, Api>(feature: Feature<Key, Api>): Feature<Key, Api> {
  if (!feature || typeof feature !== 'object' || typeof feature.install !== 'function') {
    throw invalidOption('defineFeature() takes { key, messages, install(ctx) }');
  }
  if (!KEY_PATTERN.test(feature.key)) throw invalidOption(`feature key "${String(feature.key)}" must be a lowercase letter then up to 31 letters, digits or dashes`);
  if (!Array.isArray(feature.messages)) throw invalidOption(`feature "${feature.key}" needs a messages array (empty if it sends none)`);
  return Object.freeze({ ...feature });
}

/** What the meeting lends its features; each feature's context is built on it. */
export interface FeatureHost<P extends RemotePeer> {
  readonly self: FeatureContext['self'];
  readonly clock: Clock;
  readonly options: FeatureContext['options'];
  readonly media: LocalMedia;
  readonly signer: Signer;
  readonly relay: FeatureContext['relay'];
  readonly tracks: OwnStreams;
  readonly router: ControlRouter<P>;
  /** Applies the track rules again (FeatureSet.admits) to one member, or everyone. */
  refilter(peer?: P): void;
  olderThanUs(peer: P): boolean;
  state(): MeetingState;
  peers(): Iterable<P>;
  peer(id: string): P | undefined;
  sendData(peer: P, data: string): boolean;
  /** The media side of a member's connection (FeatureContext.rtp). */
  rtp(peer: P): PeerRtp;
  /** A new data channel to that member, or null when its link is not up. */
  openChannel(peer: P, label: string): RTCDataChannel | null;
  refuse: FeatureContext['refuse'];
  leave: FeatureContext['leave'];
  emit(event: Event): void;
  /** Installs the mesh's gate policy (FeatureContext.gate). */
  gate(policy: GatePolicy): GateControl;
}

type Hook<A extends unknown[]> = ((...args: A) => void)[];

/** A meeting's installed features, and the lifecycle calls that reach them. */
export class FeatureSet<P extends RemotePeer & { update(info: PeerInfo): boolean }> {
  readonly #apis = new Map<Feature, unknown>();
  readonly #opened: Hook<[RemotePeer]> = [];
  readonly #left: Hook<[RemotePeer]> = [];
  readonly #joined: Hook<[JoinKeys]> = [];
  readonly #ended: Hook<[]> = [];
  readonly #leaving: (() => Promise<void> | void)[] = [];
  readonly #channels = new ChannelRouter<RemotePeer>();
  readonly #rules: TrackRule[] = [];

  constructor(features: readonly Feature[], host: FeatureHost<P>) {
    const keys = new Set<string>();
    for (const feature of features) {
      if (keys.has(feature.key)) throw invalidOption(`two features are called "${feature.key}"`);
      for (const needed of feature.requires ?? []) {
        if (!this.#apis.has(needed)) throw invalidOption(`feature "${feature.key}" needs "${needed.key}" installed before it`);
      }
      keys.add(feature.key);
      host.router.declare(feature.key, feature.messages);
      this.#apis.set(feature, feature.install(this.#context(feature, host)));
    }
  }

  /** The API a feature's install() returned; a TypeError when it is not installed. */
  api<Api>(feature: Feature<string, Api>): Api {
    if (!this.#apis.has(feature)) throw invalidOption(`feature "${String(feature?.key)}" is not installed in this meeting`);
    return this.#apis.get(feature) as Api;
  }

  /** Whether every feature's rule admits one of a member's tracks (ReceivedMedia). */
  admits(peer: RemotePeer, track: MediaStreamTrack, streamId: string): boolean {
    return this.#rules.every((rule) => rule(peer, track, streamId));
  }

  peerOpened(peer: RemotePeer): void { for (const h of this.#opened) h(peer); }
  peerLeft(peer: RemotePeer): void {
    this.#channels.forget(peer);
    for (const h of this.#left) h(peer);
  }
  /** A data channel a member opened to us: to the feature its label names. */
  channel(peer: RemotePeer, channel: RTCDataChannel): void { this.#channels.dispatch(peer, channel); }
  /** Channels members opened that we closed at once, by reason. */
  get channelDropped(): Readonly<Record<ChannelDropReason, number>> { return { ...this.#channels.dropped }; }
  joined(keys: JoinKeys): void { for (const h of this.#joined) h(keys); }
  ended(): void { for (const h of this.#ended) h(); }
  /** Each feature's last word before we leave; one that fails or hangs does not hold up leaving. */
  async leaving(maxMs = 500): Promise<void> {
    const all = Promise.allSettled(this.#leaving.map(async (h) => h()));
    await Promise.race([all, new Promise((resolve) => setTimeout(resolve, maxMs))]);
  }

  #context(feature: Feature, host: FeatureHost<P>): FeatureContext {
    const key = feature.key;
    const own = (peer: RemotePeer): P | undefined => {
      const p = host.peer(peer.id);
      return p === peer ? p : undefined;
    };
    return {
      self: host.self,
      clock: host.clock,
      options: host.options,
      media: host.media,
      signer: host.signer,
      relay: host.relay,
      tracks: host.tracks,
      received: {
        admit: (rule) => void this.#rules.push(rule),
        refilter: (peer) => {
          if (peer === undefined) host.refilter();
          else if (own(peer)) host.refilter(own(peer));
        },
      },
      state: () => host.state(),
      peers: () => host.peers(),
      send: (to, message, body) => {
        const data = host.router.encode(key, message, body);
        const targets = to === 'all' ? [...host.peers()] : [own(to)].filter((p): p is P => p !== undefined);
        return targets.filter((p) => host.sendData(p, data)).length;
      },
      on: (message, handler) => host.router.on(key, message, handler),
      onPeerOpen: (h) => void this.#opened.push(h),
      onPeerLeave: (h) => void this.#left.push(h),
      onJoin: (h) => void this.#joined.push(h),
      onLeave: (h) => void this.#ended.push(h),
      beforeLeave: (h) => void this.#leaving.push(h),
      olderThanUs: (peer) => {
        const p = own(peer);
        return p ? host.olderThanUs(p) : false;
      },
      use: <Api>(needed: Feature<string, Api>): Api => {
        if (!(feature.requires ?? []).includes(needed)) throw invalidOption(`feature "${key}" uses "${String(needed?.key)}" without listing it in requires`);
        return this.api(needed);
      },
      openChannel: (peer, name) => {
        const p = own(peer);
        return p ? host.openChannel(p, ChannelRouter.label(key, name)) : null;
      },
      onChannel: (h) => this.#channels.own(key, h),
      updatePeer: (peer, info) => void own(peer)?.update(info),
      rtp: (peer) => {
        const p = own(peer);
        return p ? host.rtp(p) : null;
      },
      refuse: (id, publicKey, lingerMs) => host.refuse(id, publicKey, lingerMs),
      leave: (reason) => host.leave(reason),
      emit: (event) => host.emit(event),
      gate: (policy) => host.gate(policy),
    };
  }
}
