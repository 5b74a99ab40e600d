import { deriveRoomKeys, DEFAULT_NAMESPACE } from './crypto.js';
import { randomId } from './encoding.js';
import { EnvelopeCodec, type DropReason, type Inbound } from './envelope.js';
import { invalidOption, SecureMeetingError } from './errors.js';
import {
  JoinWindowEvent,
  MeetingErrorEvent,
  MeetingStateEvent,
  PeerEvent,
  RelayStateEvent,
  type JoinWindowState,
  type MeetingEventMap,
  type MeetingState,
  type RemotePeer,
} from './events.js';
import { JoinWindow, MAX_WINDOW_MS } from './join-window.js';
import { DEFAULT_MEDIA, openLocalMedia } from './media.js';
import { Peer } from './peer.js';
import { prepareConnection, prepareOffer, usable, type Prepared } from './prepared.js';
import { MAX_NAME_LENGTH, type Control, type ForwardBody, type Signal, type StateBody } from './protocol.js';
import type { RelayAdapter, RelayConnection, RelayState, RelayTarget } from './relay.js';

export interface MeetingOptions {
  /** The channel people agreed on (the kit's UI uses 1–1000). */
  channel: string | number;
  /** The shared password. Used once to derive the keys, then dropped. */
  password: string;
  /** Display name shown to the others (sealed; the relay never sees it). Default "Guest". */
  name?: string;
  /** How envelopes reach the others, e.g. `websocketRelay({ url })`. */
  relay: RelayAdapter;
  /** Separates sites that share a relay: part of the key-derivation salt. */
  namespace?: string;
  /** STUN/TURN servers. Default none: no third party learns who meets. */
  iceServers?: RTCIceServer[];
  /** Constraints for camera and microphone, a stream you opened yourself, or false to only receive. */
  media?: MediaStreamConstraints | MediaStream | false;
  /**
   * Seconds after joining until this member leaves the relay, so no one new
   * can get in (the mesh goes on). Default 600; 0 = never.
   */
  lockAfter?: number;
  /** Seconds joining stays open after "Allow joining" (`allowJoining()` without an argument). Default 600. */
  joinWindow?: number;
}

const MAX_WINDOW_S = MAX_WINDOW_MS / 1000;

function seconds(value: unknown, name: string, fallback: number, zeroAllowed: boolean): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_WINDOW_S || (!zeroAllowed && value === 0)) {
    throw invalidOption(`${name} must be a number of seconds ${zeroAllowed ? 'from 0' : 'above 0'} up to ${MAX_WINDOW_S}`);
  }
  return value;
}

export interface PeerStats {
  framesDecoded: number;
  audioPacketsReceived: number;
  videoBytesReceived: number;
}

/** How long after a join (ours or another's) the next prepared connections are made. */
const REPLENISH_DELAY_MS = 2000;

export function createMeeting(options: MeetingOptions): Meeting {
  return new Meeting(options);
}

/**
 * A meeting without any UI: join, see who is there and their streams, leave.
 * Every signaling message is sealed with a key derived from the channel and
 * password; the relay carries only ciphertext on a blinded topic.
 *
 * @fires state, relaystate, peerjoin, peerupdate, peerleave, error
 */
export class Meeting extends EventTarget {
  /** Our id for this session (random; changes each join). */
  readonly id = randomId();
  readonly name: string;
  readonly #channel: string;
  readonly #namespace: string;
  readonly #adapter: RelayAdapter;
  readonly #iceServers: RTCIceServer[];
  readonly #media: MediaStreamConstraints | MediaStream | false;
  readonly #lockAfterMs: number;
  readonly #windowMs: number;
  #target: RelayTarget | null = null;
  readonly #window = new JoinWindow({
    open: () => this.#connectRelay(),
    lock: () => this.#closeRelay(),
    changed: () => this.dispatchEvent(new JoinWindowEvent(this.#window.open, this.#window.closesAt)),
  });
  #password: string | null;
  #state: MeetingState = 'idle';
  #relayState: RelayState | 'idle' = 'idle';
  #localStream: MediaStream | null = null;
  #ownsStream = false;
  #audio = true;
  #video = true;
  #certificate: RTCCertificate | undefined;
  #codec: EnvelopeCodec | null = null;
  #relay: RelayConnection | null = null;
  readonly #peers = new Map<string, Peer>();
  /** Envelopes are sealed and opened one at a time, so order on the wire is call order. */
  #outbound: Promise<void> = Promise.resolve();
  #inbound: Promise<void> = Promise.resolve();
  readonly #controlDropped = { malformed: 0 };
  /** Members who said bye, vanished or were disconnected: their hellos and offers are ignored. */
  readonly #gone = new Set<string>();
  /** Tracks given to addTrack(): the caller's, never stopped by us. */
  readonly #lentTracks = new Set<MediaStreamTrack>();
  /** Made ahead of need (prepared.ts): an offer for the next hello, a connection for the next offer. */
  #preparedOffer: Prepared | null = null;
  #preparedAnswer: Prepared | null = null;
  #preparing = false;
  #prepareTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: MeetingOptions) {
    super();
    if (!options || typeof options !== 'object') throw invalidOption('createMeeting needs an options object');
    const { channel, password, relay, namespace = DEFAULT_NAMESPACE } = options;
    if (typeof password !== 'string' || password.length === 0) throw invalidOption('password must be a non-empty string');
    if ((typeof channel !== 'string' && typeof channel !== 'number') || String(channel).trim() === '') {
      throw invalidOption('channel must be a non-empty string or a number');
    }
    if (!relay || typeof relay.connect !== 'function') throw invalidOption('relay must be a relay adapter, e.g. websocketRelay({ url })');
    const name = (options.name ?? 'Guest').trim();
    if (name.length === 0 || name.length > MAX_NAME_LENGTH) throw invalidOption(`name must be 1–${MAX_NAME_LENGTH} characters`);
    this.name = name;
    this.#channel = String(channel).trim();
    this.#namespace = namespace;
    this.#password = password;
    this.#adapter = relay;
    this.#iceServers = options.iceServers ?? [];
    this.#media = options.media ?? DEFAULT_MEDIA;
    this.#lockAfterMs = Math.round(seconds(options.lockAfter, 'lockAfter', 600, true) * 1000);
    this.#windowMs = Math.round(seconds(options.joinWindow, 'joinWindow', 600, false) * 1000);
  }

  get state(): MeetingState { return this.#state; }
  get relayState(): RelayState | 'idle' { return this.#relayState; }
  get localStream(): MediaStream | null { return this.#localStream; }
  get peers(): ReadonlyMap<string, RemotePeer> { return this.#peers; }
  get audioEnabled(): boolean { return this.#audio; }
  /** Whether newcomers can reach us through the relay now, and until when. */
  get joinWindow(): JoinWindowState { return { open: this.#window.open, closesAt: this.#window.closesAt }; }
  get videoEnabled(): boolean { return this.#video; }

  /** Dropped inbound messages by reason (relay envelopes, plus malformed control messages). */
  get dropped(): Readonly<Record<DropReason, number>> {
    const counts = { ...(this.#codec?.dropped ?? ({} as Record<DropReason, number>)) };
    counts.malformed = (counts.malformed ?? 0) + this.#controlDropped.malformed;
    return counts;
  }

  /**
   * Opens camera and microphone, derives the keys (≈0.2 s of PBKDF2), then
   * connects to the relay and says hello. Resolves once the relay is
   * connecting; `state` becomes 'joined' when it opens.
   */
  async join(): Promise<void> {
    if (this.#state !== 'idle') throw new SecureMeetingError('closed', 'join() can be called once per meeting; create a new one to join again');
    this.#setState('deriving');
    try {
      // One DTLS certificate for all of this session's connections, made
      // while the camera opens, instead of one per connection on the join path.
      const certificate = this.#generateCertificate();
      await this.#openMedia();
      const password = this.#password as string;
      this.#password = null;
      const deriving = deriveRoomKeys({ password, channel: this.#channel, namespace: this.#namespace });
      deriving.catch(() => {}); // awaited below; not "unhandled" while the certificate is awaited
      this.#certificate = await certificate;
      // The connection the first member's offer will land on, made while PBKDF2 runs off the main thread.
      this.#preparedAnswer = this.#tryPrepare(() => prepareConnection(this.#rtc()));
      const keys = await deriving;
      if ((this.#state as MeetingState) === 'left') return; // left while deriving
      this.#codec = new EnvelopeCodec(keys, this.id);
      this.#target = { topic: keys.topic, channel: this.#channel };
      this.#setState('connecting');
      this.#connectRelay();
      this.#window.start(this.#lockAfterMs);
    } catch (error) {
      this.#teardown();
      throw error;
    }
  }

  setAudioEnabled(on: boolean): void {
    this.#audio = on;
    this.#localStream?.getAudioTracks().forEach((t) => (t.enabled = on));
    this.#broadcastState();
  }

  setVideoEnabled(on: boolean): void {
    this.#video = on;
    this.#localStream?.getVideoTracks().forEach((t) => (t.enabled = on));
    this.#broadcastState();
  }

  /**
   * Opens joining for everyone for `seconds` (default: the `joinWindow`
   * option): every member connected to us reconnects to the relay, where
   * newcomers find them, and leaves it again when the time is up.
   */
  allowJoining(secondsArg?: number): void {
    const ms = secondsArg === undefined ? this.#windowMs : Math.round(seconds(secondsArg, 'allowJoining(seconds)', 0, false) * 1000);
    if (this.#state !== 'joined') return;
    this.#broadcast({ type: 'window', body: { open: true, ms } });
    this.#window.openFor(ms);
  }

  /** Closes joining for everyone at once: every member connected to us leaves the relay. */
  lockJoining(): void {
    if (this.#state !== 'joined') return;
    this.#broadcast({ type: 'window', body: { open: false } });
    this.#window.lock();
  }

  /** Ends our connection with one member only; they see us leave, the others are unaffected. */
  disconnectPeer(id: string): void {
    const peer = this.#peers.get(id);
    if (!peer) return;
    this.#gone.add(id);
    peer.disconnect();
  }

  /**
   * Sends one more track to every member (a second camera, a screen, a
   * canvas), negotiated over each pair's own control channel, so it works
   * while joining is closed. The track stays yours: leaving does not stop it.
   */
  addTrack(track: MediaStreamTrack): void {
    if (typeof MediaStreamTrack === 'undefined' || !(track instanceof MediaStreamTrack)) {
      throw invalidOption('addTrack() takes a MediaStreamTrack');
    }
    if (this.#state === 'left' || this.#state === 'idle') {
      throw new SecureMeetingError('closed', 'addTrack() needs a meeting that is joining or joined');
    }
    if (this.#localStream?.getTracks().includes(track)) return;
    this.#lentTracks.add(track);
    if (this.#localStream) this.#localStream.addTrack(track);
    else this.#localStream = new MediaStream([track]);
    const stream = this.#localStream;
    for (const peer of this.#peers.values()) peer.addTrack(track, stream);
    // A prepared offer without the track would leave the next member without it.
    this.#preparedOffer?.pc.close();
    this.#preparedOffer = null;
    this.#replenishSoon();
  }

  /** Per-member receive statistics (for diagnostics and tests). */
  async getPeerStats(id: string): Promise<PeerStats | undefined> {
    return this.#peers.get(id)?.stats();
  }

  /** Says bye on the relay and to every member, then closes everything. Idempotent. */
  async leave(): Promise<void> {
    if (this.#state === 'left') return;
    for (const peer of this.#peers.values()) peer.sendControl({ type: 'bye', body: {} });
    if (this.#relay?.state === 'open') {
      this.#send({ type: 'bye', body: {} });
      await this.#outbound;
    }
    this.#teardown();
  }

  #teardown(): void {
    this.#password = null;
    this.#window.stop();
    clearTimeout(this.#prepareTimer);
    this.#preparedOffer?.pc.close();
    this.#preparedAnswer?.pc.close();
    this.#preparedOffer = this.#preparedAnswer = null;
    this.#relay?.close();
    this.#relay = null;
    for (const peer of [...this.#peers.values()]) peer.close();
    if (this.#ownsStream) this.#localStream?.getTracks().forEach((t) => this.#lentTracks.has(t) || t.stop());
    this.#setState('left');
  }

  async #generateCertificate(): Promise<RTCCertificate | undefined> {
    try {
      return await RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256' } as EcKeyGenParams);
    } catch {
      return undefined; // each connection makes its own, as by default
    }
  }

  async #openMedia(): Promise<void> {
    if (this.#media === false) return;
    const media = this.#media;
    if (typeof MediaStream !== 'undefined' && media instanceof MediaStream) {
      this.#localStream = media;
      return;
    }
    try {
      this.#localStream = await openLocalMedia(media as MediaStreamConstraints);
      this.#ownsStream = true;
    } catch (error) {
      // Joining to watch and listen is still worth it; say why we are silent.
      if (error instanceof SecureMeetingError) this.dispatchEvent(new MeetingErrorEvent(error));
      else throw error;
    }
  }

  #setState(state: MeetingState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.dispatchEvent(new MeetingStateEvent(state));
  }

  #connectRelay(): void {
    const target = this.#target;
    if (target === null || this.#relay !== null || this.#state === 'left') return;
    // Adapters report 'connecting' from inside connect(), before `relay` is assigned.
    let relay: RelayConnection | undefined;
    const current = (): boolean => relay === undefined || this.#relay === relay;
    relay = this.#adapter.connect(target, {
      message: (data) => {
        if (current()) this.#receive(data);
      },
      state: (state) => {
        // A relay we already let go of (locked) still reports its closing.
        if (current() || state === 'closed') this.#onRelayState(state);
      },
      error: (error) => {
        if (current()) this.dispatchEvent(new MeetingErrorEvent(error));
      },
    });
    this.#relay = relay;
  }

  #closeRelay(): void {
    const relay = this.#relay;
    this.#relay = null;
    relay?.close();
  }

  #onRelayState(state: RelayState): void {
    this.#relayState = state;
    if (state === 'open') {
      if (this.#state === 'connecting') {
        this.#setState('joined');
        // Not at once: our own join is using the CPU now.
        this.#replenishSoon();
      }
      // Every (re)connection announces us; members already here answer by offering.
      this.#send({ type: 'hello', body: { name: this.name } });
    }
    this.dispatchEvent(new RelayStateEvent(state));
  }

  #send(signal: Signal, to?: string): void {
    this.#seal(signal, to, (frame) => this.#relay?.publish(frame));
  }

  /**
   * A signal for a member whose direct link to us is down: sealed once, it
   * goes through every member whose link is up (one of them is connected to
   * the addressee and passes it on) and over the relay when we are on it.
   * The addressee drops all copies after the first as replays.
   */
  #detour(signal: Signal, to: string): void {
    this.#seal(signal, to, (envelope) => {
      if (this.#relay?.state === 'open') this.#relay.publish(envelope);
      for (const peer of this.#peers.values()) {
        if (peer.id !== to && peer.linkUp) peer.sendControl({ type: 'forward', body: { to, envelope } });
      }
    });
  }

  /** A route round a broken link to `id`: the relay, or another member we are connected to. */
  #hasDetour(id: string): boolean {
    if (this.#relay?.state === 'open') return true;
    for (const peer of this.#peers.values()) if (peer.id !== id && peer.linkUp) return true;
    return false;
  }

  /**
   * An envelope a member passed to us. Ours: opened and checked like one from
   * the relay (sender, addressee, freshness, replay). Another member's: passed
   * on once, only to that member, only over a link that is up.
   */
  #onForward(from: Peer, body: ForwardBody): void {
    if (body.to === this.id) return this.#receive(body.envelope);
    if (body.to === from.id) return;
    const target = this.#peers.get(body.to);
    if (target?.linkUp) target.sendControl({ type: 'forward', body });
  }

  #seal(signal: Signal, to: string | undefined, deliver: (envelope: string) => void): void {
    const codec = this.#codec;
    if (!codec) return;
    this.#outbound = this.#outbound
      .then(async () => deliver(await codec.seal(signal, to)))
      .catch((error: unknown) => {
        if (error instanceof SecureMeetingError) this.dispatchEvent(new MeetingErrorEvent(error));
      });
  }

  #receive(frame: string): void {
    const codec = this.#codec;
    if (!codec) return;
    this.#inbound = this.#inbound.then(async () => {
      const message = await codec.open(frame);
      if (message && this.#state !== 'left') this.#handle(message);
    });
  }

  #handle(message: Inbound): void {
    const existing = this.#peers.get(message.from);
    switch (message.type) {
      case 'hello':
        // A member we already know re-announces after a relay reconnect.
        if (this.#gone.has(message.from)) return;
        if (!existing) this.#addPeer(message.from, message.body.name, true, this.#takePrepared('offer'));
        return;
      case 'description': {
        if (this.#gone.has(message.from)) return;
        const peer = existing ?? (message.body.description.type === 'offer'
          ? this.#addPeer(message.from, message.body.name, false, this.#takePrepared('answer'))
          : undefined);
        return peer?.receive(message);
      }
      case 'candidate':
        return existing?.receive(message);
      case 'bye':
        return existing?.close();
    }
  }

  #rtc(): RTCConfiguration {
    return { iceServers: this.#iceServers, ...(this.#certificate ? { certificates: [this.#certificate] } : {}) };
  }

  /** A prepared connection of that kind if one is ready and still fresh; another is made soon after. */
  #takePrepared(kind: 'offer' | 'answer'): Prepared | undefined {
    const prepared = kind === 'offer' ? this.#preparedOffer : this.#preparedAnswer;
    if (kind === 'offer') this.#preparedOffer = null;
    else this.#preparedAnswer = null;
    this.#replenishSoon();
    if (prepared === null) return undefined;
    if (usable(prepared)) return prepared;
    prepared.pc.close();
    return undefined;
  }

  /** Makes the missing prepared connections a little later, off the path of whatever is joining now. */
  #replenishSoon(): void {
    clearTimeout(this.#prepareTimer);
    this.#prepareTimer = setTimeout(() => void this.#replenish(), REPLENISH_DELAY_MS);
  }

  async #replenish(): Promise<void> {
    if (this.#state !== 'joined' || this.#preparing) return;
    this.#preparing = true;
    try {
      this.#preparedAnswer ??= this.#tryPrepare(() => prepareConnection(this.#rtc()));
      if (this.#preparedOffer === null) {
        const offer = await prepareOffer(this.#rtc(), this.#localStream).catch(() => null);
        if ((this.#state as MeetingState) === 'left' || this.#preparedOffer !== null) offer?.pc.close();
        else this.#preparedOffer = offer;
      }
    } finally {
      this.#preparing = false;
    }
  }

  /** Preparing is an optimisation: where it fails (a closed page, no WebRTC), peers make their own. */
  #tryPrepare(make: () => Prepared): Prepared | null {
    try {
      return make();
    } catch {
      return null;
    }
  }

  #addPeer(id: string, name: string, initiator: boolean, prepared?: Prepared): Peer {
    const peer = new Peer({
      id,
      name,
      initiator,
      // Lower id yields on glare; both sides compute the same answer.
      polite: this.id < id,
      rtc: this.#rtc(),
      prepared,
      localStream: this.#localStream,
      localState: () => this.#localState(),
      relay: (message) => this.#send(message, id),
      detour: (message) => this.#detour(message, id),
      hasDetour: () => this.#hasDetour(id),
      forward: (p, body) => this.#onForward(p, body),
      changed: (p) => this.dispatchEvent(new PeerEvent('peerupdate', p)),
      opened: (p) => this.#onControlOpen(p),
      feature: (_p, message) => this.#onFeature(message),
      closed: (p) => {
        if (this.#peers.get(p.id) !== p) return;
        // Member ids live for one join: whoever said bye or vanished comes back with a new one.
        this.#gone.add(p.id);
        this.#peers.delete(p.id);
        this.dispatchEvent(new PeerEvent('peerleave', p));
      },
      malformed: () => this.#controlDropped.malformed++,
    });
    this.#peers.set(id, peer);
    this.dispatchEvent(new PeerEvent('peerjoin', peer));
    return peer;
  }

  /** A newcomer learns when the room's join window closes, so everyone leaves the relay together. */
  #onControlOpen(peer: Peer): void {
    const closesAt = this.#window.closesAt;
    if (closesAt !== null) peer.sendControl({ type: 'window', body: { open: true, ms: Math.max(1, closesAt - Date.now()), follow: true } });
  }

  #onFeature(message: Extract<Control, { type: 'window' }>): void {
    const body = message.body;
    if (!body.open) this.#window.lock();
    else if (body.follow) this.#window.follow(body.ms);
    else this.#window.openFor(body.ms);
  }

  #broadcast(message: Control): void {
    for (const peer of this.#peers.values()) peer.sendControl(message);
  }

  #localState(): StateBody {
    return { name: this.name, audio: this.#audio, video: this.#video };
  }

  #broadcastState(): void {
    const state = this.#localState();
    for (const peer of this.#peers.values()) peer.sendControl({ type: 'state', body: state });
  }
}

// Typed addEventListener for the headless API.
export interface Meeting {
  addEventListener<K extends keyof MeetingEventMap>(type: K, listener: (this: Meeting, ev: MeetingEventMap[K]) => unknown, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof MeetingEventMap>(type: K, listener: (this: Meeting, ev: MeetingEventMap[K]) => unknown, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
}
