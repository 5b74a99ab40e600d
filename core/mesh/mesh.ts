/**
 * The mesh: one Peer per member, made when a member's hello or offer comes
 * sealed from the relay, and the routes between them. Inbound control
 * messages go to the feature that declared their type (wire/registry.ts);
 * the mesh's own — negotiation, liveness pings, goodbyes and envelopes passed
 * round a broken link — are declared the same way.
 */
import type { Clock } from '../clock.js';
import type { Inbound } from '../envelope.js';
import type { LocalMedia } from '../media/local.js';
import type { Room } from '../room/room.js';
import { isId, isString, MAX_ENVELOPE_BYTES } from '../wire/guards.js';
import { defineMessage, type ControlRouter, type MessageType } from '../wire/registry.js';
import { isCandidateBody, isDescriptionBody, type CandidateBody, type DescriptionBody, type EmptyBody, type LinkSignal } from '../wire/signals.js';
import { Gate } from './gate.js';
import { PendingPeers } from './pending.js';
import { Peer } from './peer.js';
import { PreparedPool } from './prepared.js';
import type { PeerPhase } from '../timings.js';

/**
 * A sealed envelope passed round a broken direct link: sent to a member we
 * are still connected to, who passes it on to `to` over their own control
 * channel. Sealed with the room key, it carries its real sender, addressee,
 * timestamp and nonce, so forwarding cannot forge, redirect or replay it.
 */
export interface ForwardBody { to: string; envelope: string }

// Rate limits per sender link (wire/registry.ts). A renegotiation (a track
// added, a screen shared, an ICE restart) is one description each way plus its
// candidates; a restart on a machine with many interfaces trickles dozens of
// candidates at once, so their burst is wide. A forward is a whole envelope to
// open or pass on; during a repair a member passes on a restart's offer and
// candidates every 4 s for each of our broken links it stands in for.
export const Description = defineMessage<DescriptionBody>('description', isDescriptionBody, { perSecond: 1, burst: 10 });
export const Candidate = defineMessage<CandidateBody>('candidate', isCandidateBody, { perSecond: 20, burst: 100 });
/** Liveness: a ping every few seconds over each control channel, answered with a pong at once. */
export const Ping = defineMessage<EmptyBody>('ping', () => true, { perSecond: 1, burst: 5 });
export const Pong = defineMessage<EmptyBody>('pong', () => true, { perSecond: 1, burst: 5 });
export const Bye = defineMessage<EmptyBody>('bye', () => true, { perSecond: 1, burst: 2 });
export const Forward = defineMessage<ForwardBody>('forward', (b) => isId(b['to']) && isString(b['envelope'], MAX_ENVELOPE_BYTES),
  { perSecond: 20, burst: 100 });

const MESH = 'mesh';

export interface MeshInit {
  /** Our member id (known once joining has made our identity). */
  selfId(): string;
  selfName: string;
  clock: Clock;
  room: Room;
  media: LocalMedia;
  router: ControlRouter<Peer>;
  /** ICE servers and the meeting's DTLS certificate, as they are now. */
  rtc(): RTCConfiguration;
  joined(): boolean;
  join(peer: Peer): void;
  update(peer: Peer): void;
  leave(peer: Peer): void;
  /** A member's control channel opened. */
  opened(peer: Peer): void;
  /** A member opened a data channel for a feature. */
  channel(peer: Peer, channel: RTCDataChannel): void;
  /** Whether one of a member's tracks may be shown (the features' rules); others are held back. */
  admits(peer: Peer, track: MediaStreamTrack, streamId: string): boolean;
  /** A phase of a member's connection happened now (`meeting.timings`). */
  timed?(id: string, phase: PeerPhase): void;
  /** Each RTCPeerConnection, as it is made (prepared or not). */
  made?(pc: RTCPeerConnection): void;
}

/** What a member not connected yet sends: its hello or offer, then candidates. */
type MemberSignal = Extract<Inbound, { type: 'hello' | 'description' | 'candidate' }>;

/** Ids of members gone remembered at most, so a flood of fresh ids cannot grow the set without bound. */
const MAX_GONE = 4096;

/** What the mesh dropped because it came from (or was passed on for) a refused member. */
export interface RefusedCounts {
  /** Hellos, offers, answers, candidates and byes opened from the relay or a forward. */
  signals: number;
  /** Control messages over their link while it lingered (refuse()). */
  messages: number;
}

export class Mesh {
  readonly peers = new Map<string, Peer>();
  readonly pool: PreparedPool;
  /** Members whose control channel has not opened: capped, and timed out (pending.ts). */
  readonly pending: PendingPeers<MemberSignal>;
  /** Asked first about members not connected yet, once a feature installs a policy (the waiting room). */
  readonly gate: Gate<MemberSignal>;
  readonly #init: MeshInit;
  /** Members who said bye, vanished or were disconnected: their hellos and offers are ignored. */
  readonly #gone = new Set<string>();
  /** Tracks we send as streams of their own, to every member and to those who connect later. */
  readonly #extra = new Map<MediaStreamTrack, MediaStream>();
  /**
   * Members refused for the rest of the meeting (removed), by id and by
   * identity key: nothing they send is heard, and no connection is made
   * with them again. Only hosts' signed actions add to these, so they stay small.
   */
  readonly #refusedIds = new Set<string>();
  readonly #refusedKeys = new Set<string>();
  readonly refused: RefusedCounts = { signals: 0, messages: 0 };

  constructor(init: MeshInit) {
    this.#init = init;
    this.pool = new PreparedPool({
      clock: init.clock,
      rtc: init.rtc,
      localStream: () => init.media.stream,
      joined: init.joined,
      made: (pc) => init.made?.(pc),
    });
    this.pending = new PendingPeers(init.clock, (signals) => this.#start(signals));
    this.gate = new Gate<MemberSignal>(init.clock, {
      start: (signals) => this.#release(signals),
      send: (to, body) => init.room.send({ type: 'knock', body }, to),
      hello: () => init.room.send({ type: 'hello', body: { name: init.selfName } }),
    });
    const { router } = init;
    router.declare(MESH, [Description, Candidate, Ping, Pong, Bye, Forward]);
    router.on(MESH, Description, (peer, body) => peer.apply({ type: 'description', body }));
    router.on(MESH, Candidate, (peer, body) => peer.apply({ type: 'candidate', body }));
    router.on(MESH, Ping, (peer) => this.send(peer, Pong, {}));
    router.on(MESH, Pong, () => {});
    router.on(MESH, Bye, (peer) => peer.close());
    router.on(MESH, Forward, (peer, body) => this.#onForward(peer, body));
  }

  /** A signal opened from the relay, or from an envelope a member passed on. */
  receive(message: Inbound): void {
    if (this.#isRefused(message.from, message.key)) {
      this.refused.signals++;
      return;
    }
    const existing = this.peers.get(message.from);
    if (message.type === 'hello' || message.type === 'description') this.#init.timed?.(message.from, 'heard');
    switch (message.type) {
      case 'hello':
        // A member we already know re-announces after a relay reconnect.
        if (this.#gone.has(message.from)) return;
        if (!existing && this.#passes(message, 'hello')) this.pending.admit(message.from, message);
        return;
      case 'description':
        if (this.#gone.has(message.from)) return;
        if (existing) return existing.receive(message);
        if (message.body.description.type !== 'offer') return this.#follow(message);
        if (this.#passes(message, 'offer')) this.pending.admit(message.from, message);
        return;
      case 'candidate':
        if (existing) return existing.receive(message);
        return this.#follow(message);
      case 'bye':
        return existing?.close();
      case 'knock':
        // Only ever addressed to one member; a broadcast one is no one's answer.
        if (message.to === this.#init.selfId()) this.gate.knocked({ id: message.from, key: message.key }, message.body);
        return;
    }
  }

  /** Sends one of the mesh's own messages over a member's control channel. */
  send<B extends object>(peer: Peer, message: MessageType<B>, body: B): boolean {
    return peer.sendControl(this.#init.router.encode(MESH, message, body));
  }

  /** Says bye to every member over the control channels (leaving). */
  byeAll(): void {
    for (const peer of this.peers.values()) this.send(peer, Bye, {});
  }

  /**
   * Ends every control channel gracefully (Peer.endControl), so what was sent
   * just before leaving (a chat message, a roster, the byes) reaches the
   * members; resolves when all are closed, or after `maxMs` for any that
   * does not answer.
   */
  endControls(maxMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.#init.clock.setTimeout(resolve, maxMs);
      void Promise.all([...this.peers.values()].map((p) => p.endControl())).then(() => {
        this.#init.clock.clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Ends our connection with one member only; they are told, and see us leave. */
  disconnect(id: string): void {
    const peer = this.peers.get(id);
    if (!peer) return;
    this.#gone.add(id);
    this.send(peer, Bye, {});
    peer.close();
  }

  /**
   * Refuses a member for the rest of the meeting (a host removed them): from
   * now on nothing they send is heard, their hellos and offers get no
   * connection, nothing is passed on to them, and our connection to them
   * closes, after `lingerMs` if given (the host's, so the removal it just
   * sent them reaches them first; they leave on it, which closes it sooner).
   */
  refuse(id: string, publicKey: string, lingerMs = 0): void {
    this.#refusedIds.add(id);
    if (publicKey !== '') this.#refusedKeys.add(publicKey);
    const peer = this.peers.get(id);
    if (!peer) return;
    if (lingerMs <= 0) return peer.close();
    // Gone from the meeting at once (features send it nothing more, everyone
    // sees it leave); only the connection itself waits, so what was just sent
    // on it is not cut off by closing it.
    this.#forget(peer);
    this.#init.clock.setTimeout(() => peer.close(), lingerMs);
  }

  /** A new epoch began: members still connecting came in under the old room secret (pending.ts). */
  supersedePending(): void {
    this.pending.supersede();
  }

  addTrack(track: MediaStreamTrack, stream: MediaStream): void {
    for (const peer of this.peers.values()) peer.addTrack(track, stream);
    this.pool.discardOffer();
  }

  /** One more track as a stream of its own (a shared screen): prepared offers never carry these, peers add them. */
  addStreamTrack(track: MediaStreamTrack, stream: MediaStream): void {
    if (this.#extra.has(track)) return;
    this.#extra.set(track, stream);
    for (const peer of this.peers.values()) peer.addTrack(track, stream);
  }

  removeStreamTrack(track: MediaStreamTrack): void {
    if (!this.#extra.delete(track)) return;
    for (const peer of this.peers.values()) peer.removeTrack(track);
  }

  /** Another camera or microphone in place of `old`, on every link; the prepared offer still has the old one. */
  async replaceTrack(old: MediaStreamTrack, next: MediaStreamTrack): Promise<void> {
    this.pool.discardOffer();
    await Promise.all([...this.peers.values()].map((peer) => peer.replaceTrack(old, next)));
  }

  /** Our camera and microphone opened (or failed to): members answered while they were opening get them now. */
  mediaOpened(): void {
    for (const peer of this.peers.values()) peer.mediaOpened();
  }

  /** Applies the track rules again to one member's tracks, or every member's. */
  refilter(id?: string): void {
    for (const peer of this.peers.values()) if (id === undefined || peer.id === id) peer.refilter();
  }

  close(): void {
    this.pool.close();
    this.pending.close();
    this.gate.close();
    for (const peer of [...this.peers.values()]) peer.close();
  }

  /**
   * A signal for a member whose direct link to us is down: sealed once, it
   * goes through every member whose link is up (one of them is connected to
   * the addressee and passes it on) and over the relay when we are on it.
   * The addressee drops all copies after the first as replays.
   */
  #detour(signal: LinkSignal, to: string): void {
    const { room } = this.#init;
    room.seal(signal, to, (envelope) => {
      if (room.open) room.publish(envelope);
      for (const peer of this.peers.values()) {
        if (peer.id !== to && peer.linkUp) this.send(peer, Forward, { to, envelope });
      }
    });
  }

  /** A route round a broken link to `id`: the relay, or another member we are connected to. */
  #hasDetour(id: string): boolean {
    if (this.#init.room.open) return true;
    for (const peer of this.peers.values()) if (peer.id !== id && peer.linkUp) return true;
    return false;
  }

  /**
   * An envelope a member passed to us. Ours: opened and checked like one from
   * the relay (sender, addressee, freshness, replay). Another member's: passed
   * on once, only to that member, only over a link that is up.
   */
  #onForward(from: Peer, body: ForwardBody): void {
    if (body.to === this.#init.selfId()) return this.#init.room.receive(body.envelope);
    if (body.to === from.id) return;
    const target = this.peers.get(body.to);
    if (target?.linkUp) this.send(target, Forward, body);
  }

  /** A member's connection closed (or is refused): it leaves the meeting, and its id is not let in again. */
  #forget(p: Peer): void {
    this.pending.settled(p);
    this.#init.router.forget(p);
    if (this.peers.get(p.id) !== p) return;
    // Member ids live for one join: whoever said bye or vanished comes back with a new one.
    this.#gone.add(p.id);
    if (this.#gone.size > MAX_GONE) this.#gone.delete(this.#gone.values().next().value as string);
    this.peers.delete(p.id);
    this.#init.leave(p);
  }

  #isRefused(id: string, publicKey: string): boolean {
    return this.#refusedIds.has(id) || this.#refusedKeys.has(publicKey);
  }

  /** Whether the gate lets a hello or offer through now (else it holds or ignores it). */
  #passes(message: Extract<MemberSignal, { type: 'hello' | 'description' }>, kind: 'hello' | 'offer'): boolean {
    return this.gate.arrive({ id: message.from, key: message.key, name: message.body.name }, kind, message);
  }

  /** A later signal of a member not connected yet: kept with its hello or offer, wherever that waits. */
  #follow(message: MemberSignal): void {
    if (!this.pending.follow(message.from, message)) this.gate.follow(message.from, message);
  }

  /** A member the gate held, released: connected as if its hello or offer had come now, then what followed it. */
  #release(signals: readonly MemberSignal[]): void {
    const [first, ...rest] = signals;
    if (!first || this.peers.has(first.from) || this.#gone.has(first.from)) return;
    this.pending.admit(first.from, first);
    for (const signal of rest) {
      const peer = this.peers.get(first.from);
      if (!peer) this.pending.follow(first.from, signal);
      else if (signal.type !== 'hello') peer.receive(signal);
    }
  }

  /** A member let in by the pending cap (pending.ts): its connection, then what it sent while it waited. */
  #start(signals: readonly MemberSignal[]): void {
    const first = signals[0]!;
    if (first.type === 'candidate' || this.peers.has(first.from) || this.#gone.has(first.from)) return;
    if (this.#isRefused(first.from, first.key)) return; // refused while it waited
    const peer = this.#add(first.from, first.key, first.body.name, first.type === 'hello');
    if (!peer) return;
    for (const signal of signals) if (signal.type !== 'hello') peer.receive(signal);
  }

  /** A new member, unless the browser will not make another connection. */
  #add(id: string, publicKey: string, name: string, initiator: boolean): Peer | undefined {
    const init = this.#init;
    const prepared = this.pool.take(initiator ? 'offer' : 'answer');
    let peer: Peer;
    try {
      peer = new Peer({
        id,
        publicKey,
        name,
        initiator,
        // Lower id yields on glare; both sides compute the same answer.
        polite: init.selfId() < id,
        clock: init.clock,
        rtc: init.rtc(),
        prepared,
        made: (pc) => init.made?.(pc),
        localStream: () => init.media.stream,
        pendingStream: () => init.media.pending,
        extraTracks: () => this.#extra.entries(),
        selfName: () => init.selfName,
        relay: (message) => init.room.send(message, id),
        detour: (message) => this.#detour(message, id),
        hasDetour: () => this.#hasDetour(id),
        control: (p, data) => {
          // A refused member's link lingers a moment (refuse()); what it says meanwhile is not heard.
          if (this.#refusedIds.has(p.id)) this.refused.messages++;
          else init.router.dispatch(p, data);
        },
        ping: (p) => this.send(p, Ping, {}),
        opened: (p) => {
          this.pending.settled(p);
          init.opened(p);
        },
        channel: (p, channel) => {
          if (this.#refusedIds.has(p.id)) channel.close();
          else init.channel(p, channel);
        },
        admits: (p, track, streamId) => init.admits(p, track, streamId),
        timed: (p, phase) => init.timed?.(p.id, phase),
        changed: (p) => {
          if (this.peers.get(p.id) === p) init.update(p);
        },
        closed: (p) => this.#forget(p),
      });
    } catch {
      // At the browser's connection limit `new RTCPeerConnection` throws: this
      // hello goes unanswered, and the next one works once a place is free.
      prepared?.pc.close();
      this.pending.counts.failed++;
      return undefined;
    }
    this.peers.set(id, peer);
    this.pending.add(peer);
    init.join(peer);
    return peer;
  }
}
