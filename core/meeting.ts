import { systemClock, type Clock } from './clock.js';
import { deriveRoomKeys, type PreparedRoomKeys } from './crypto.js';
import type { DropReason, Inbound } from './envelope.js';
import { invalidOption, SecureMeetingError } from './errors.js';
import { createIdentity, pairCodeWith, roomCodeOf, SignatureChecker, type Identity } from './identity.js';
import { MeetingErrorEvent, MeetingStateEvent, PeerEvent, RelayStateEvent, type MeetingEventMap, type MeetingState, type RemotePeer } from './events.js';
import { FeatureSet, type Feature } from './features/feature.js';
import type { ChannelDropReason } from './features/channels.js';
import { activeSpeaker } from './features/active-speaker.js';
import { chat } from './features/chat.js';
import { files } from './features/files.js';
import { hands } from './features/hands.js';
import { joinWindow, type JoinWindowState } from './features/join-window.js';
import { memberState } from './features/member-state.js';
import { moderation } from './features/moderation.js';
import { permissions } from './features/permissions.js';
import { quality } from './features/quality.js';
import { removal } from './features/removal.js';
import { roles } from './features/roles.js';
import { screenShare } from './features/screen-share.js';
import { videoFit } from './features/video-fit.js';
import { waitingRoom } from './features/waiting-room.js';
import { DEFAULT_MEDIA } from './media/open.js';
import { LocalMedia, type InputKind } from './media/local.js';
import { Mesh, type RefusedCounts } from './mesh/mesh.js';
import type { PendingCounts } from './mesh/pending.js';
import type { Peer, PeerStats } from './mesh/peer.js';
import { generateCertificate } from './mesh/prepared.js';
import { checkOptions, type MeetingOptions } from './options.js';
import type { RelayState } from './relay.js';
import { MAX_INBOUND_QUEUE, Room } from './room/room.js';
import { ControlRouter, type ControlDropReason } from './wire/registry.js';
import { JoinTimeline, type JoinTimings } from './timings.js';
import { IceServers } from './mesh/ice-servers.js';

export type { MeetingOptions } from './options.js';
export type { PeerStats } from './mesh/peer.js';
export type { JoinTimings, PeerTimings } from './timings.js';

/** Installed in every meeting, in this order, before the `features` option's. */
export const BUILT_IN_FEATURES: readonly Feature[] = [memberState, joinWindow, roles, removal, waitingRoom, hands, activeSpeaker, screenShare, permissions, moderation, chat, files, quality, videoFit];

export function createMeeting(options: MeetingOptions): Meeting {
  return new Meeting(options);
}

/** The longest leave() waits for what the control channels still hold to go out. */
const LEAVE_DRAIN_MS = 1000;

/**
 * A meeting without any UI: join, see who is there and their streams, leave.
 * Every signaling message is sealed with a key derived from the channel and
 * password; the relay carries only ciphertext on a blinded topic. A thin
 * front over the parts that do the work: the relay side (Room), the mesh of
 * peer connections (Mesh), our camera and microphone (LocalMedia) and the
 * installed features.
 *
 * @fires state, relaystate, peerjoin, peerupdate, peerleave, joinwindow, roles, removal, epoch, knock, waitingroom, hands, activespeaker, screenshare, permissions, muterequest, handlowered, chat, fileoffer, fileprogress, filedone, filecancel, fileerror, quality, qualitysample, uplink, videofit, error
 */
export class Meeting extends EventTarget {
  readonly name: string;
  readonly #channel: string;
  readonly #namespace: string;
  readonly #ice: IceServers;
  readonly #clock: Clock;
  readonly #router: ControlRouter<Peer>;
  readonly #room: Room;
  readonly #media: LocalMedia;
  readonly #mesh: Mesh;
  readonly #features: FeatureSet<Peer>;
  #password: string | null;
  #prepared: PreparedRoomKeys | null;
  /** Hellos opened while our camera was still opening, answered once it is (our offer carries our tracks); null otherwise. */
  #held: Inbound[] | null = null;
  #heldDropped = 0;
  readonly #timeline: JoinTimeline;
  #state: MeetingState = 'idle';
  #certificate: RTCCertificate | undefined;
  #identity: Identity | null = null;
  /** Why the meeting ended us, when it did (removed). */
  #leftReason: SecureMeetingError | null = null;

  constructor(options: MeetingOptions) {
    super();
    const o = checkOptions(options);
    this.name = o.name;
    this.#channel = o.channel;
    this.#namespace = o.namespace;
    this.#password = o.password;
    this.#ice = new IceServers(o.iceServers, o.iceTransportPolicy, (error) => this.dispatchEvent(new MeetingErrorEvent(error)));
    this.#clock = options.clock ?? systemClock;
    this.#prepared = options.keys ?? null;
    this.#timeline = new JoinTimeline(() => this.#clock.now());
    this.#router = new ControlRouter<Peer>(undefined, this.#clock);
    this.#media = new LocalMedia(o.media ?? DEFAULT_MEDIA, o.enabled);
    this.#room = new Room(o.relay, {
      message: (message) => {
        // An offer is answered at once, even with the camera still opening (peer.ts, mediaOpened).
        if (this.#held === null || message.type !== 'hello') return this.#mesh.receive(message);
        if (this.#held.length < MAX_INBOUND_QUEUE) this.#held.push(message);
        else this.#heldDropped++;
      },
      state: (state) => this.#onRelayState(state),
      error: (error) => this.dispatchEvent(new MeetingErrorEvent(error)),
      greeted: () => this.#timeline.mark('helloSent'),
    }, () => this.#clock.now());
    this.#mesh = new Mesh({
      selfId: () => this.id,
      selfName: this.name,
      clock: this.#clock,
      room: this.#room,
      media: this.#media,
      router: this.#router,
      rtc: () => ({ ...this.#ice.config, ...(this.#certificate ? { certificates: [this.#certificate] } : {}) }),
      made: (pc) => this.#ice.made(pc),
      joined: () => this.#state === 'joined',
      join: (peer) => this.dispatchEvent(new PeerEvent('peerjoin', peer)),
      update: (peer) => this.dispatchEvent(new PeerEvent('peerupdate', peer)),
      leave: (peer) => {
        this.#features.peerLeft(peer);
        this.dispatchEvent(new PeerEvent('peerleave', peer));
      },
      opened: (peer) => this.#features.peerOpened(peer),
      channel: (peer, channel) => this.#features.channel(peer, channel),
      admits: (peer, track, streamId) => this.#features.admits(peer, track, streamId),
      timed: (id, phase) => this.#timeline.peer(id, phase),
    });
    const meeting = this;
    const signatures = new SignatureChecker();
    this.#features = new FeatureSet([...BUILT_IN_FEATURES, ...o.features], {
      self: { get id() { return meeting.id; }, name: this.name },
      clock: this.#clock,
      options: { ...options, password: undefined, keys: undefined },
      media: this.#media,
      signer: {
        get id() { return meeting.id; },
        get publicKey() { return meeting.publicKey; },
        sign: async (data) => {
          if (!this.#identity) throw new SecureMeetingError('closed', 'nothing can be signed before joining');
          return this.#identity.sign(data);
        },
        verify: (from, key, signature, data) => signatures.verify(from, key, signature, data),
      },
      olderThanUs: (peer) => peer.olderThanUs,
      relay: { connect: () => this.#room.connect(), disconnect: () => this.#room.disconnect(), rekey: (secret) => this.#rekey(secret) },
      tracks: { add: (track, stream) => this.#mesh.addStreamTrack(track, stream), remove: (track) => this.#mesh.removeStreamTrack(track) },
      router: this.#router,
      refilter: (peer) => this.#mesh.refilter(peer?.id),
      state: () => this.#state,
      peers: () => this.#mesh.peers.values(),
      peer: (id) => this.#mesh.peers.get(id),
      sendData: (peer, data) => peer.sendControl(data),
      rtp: (peer) => peer.rtp,
      openChannel: (peer, label) => peer.openChannel(label),
      refuse: (id, publicKey, lingerMs) => this.#mesh.refuse(id, publicKey, lingerMs),
      leave: (reason) => void this.#leaveFor(reason),
      emit: (event) => this.dispatchEvent(event),
      gate: (policy) => this.#mesh.gate.install(policy),
    });
  }

  /** Our member id: the hash prefix of the identity key made when joining (new each join); empty before. */
  get id(): string { return this.#identity?.id ?? ''; }
  /** Our public identity key (base64url, raw P-256) once joining; empty before. */
  get publicKey(): string { return this.#identity?.publicKey ?? ''; }
  get state(): MeetingState { return this.#state; }
  get relayState(): RelayState | 'idle' { return this.#room.state; }
  get localStream(): MediaStream | null { return this.#media.stream; }
  get peers(): ReadonlyMap<string, RemotePeer> { return this.#mesh.peers; }
  get audioEnabled(): boolean { return this.#media.audioEnabled; }
  get videoEnabled(): boolean { return this.#media.videoEnabled; }
  /**
   * When each phase of our join happened, in ms since `join()` (by the
   * meeting's clock): media, keys, relay open, hello sent, and per member
   * their first signal, the descriptions, ICE connected, the control channel
   * and their first track. A frozen snapshot; read it again for later phases.
   * Empty (`{ peers: {} }`) before `join()`.
   */
  get timings(): JoinTimings { return this.#timeline.snapshot(); }
  /** Whether newcomers can reach us through the relay now, and until when. */
  get joinWindow(): JoinWindowState { return this.feature(joinWindow).state; }

  /** Dropped inbound relay envelopes by reason; `malformed` also counts every dropped control message. */
  get dropped(): Readonly<Record<DropReason, number>> {
    const counts = { ...this.#room.dropped } as Record<DropReason, number>;
    const control = Object.values(this.#router.dropped).reduce((a, b) => a + b, 0);
    counts.malformed = (counts.malformed ?? 0) + control;
    counts.overflow = (counts.overflow ?? 0) + this.#heldDropped;
    return counts;
  }

  /** Dropped inbound control messages by reason (oversize, malformed, unknown type, invalid body, handler failed). */
  get controlDropped(): Readonly<Record<ControlDropReason, number>> { return { ...this.#router.dropped }; }

  /** Data channels members opened to us that were closed at once: no feature's label, too many open, handler failed. */
  get channelDropped(): Readonly<Record<ChannelDropReason, number>> { return this.#features.channelDropped; }

  /** Members who never connected: closed to make room, refused, timed out, superseded by a new epoch, or whose connection the browser would not make. */
  get pendingDropped(): Readonly<PendingCounts> { return { ...this.#mesh.pending.counts }; }

  /** What removed members (refused for the rest of the meeting) still sent, dropped: signals, and messages while their link lingered. */
  get refusedDropped(): Readonly<RefusedCounts> { return { ...this.#mesh.refused }; }

  /** The API of an installed feature: `meeting.feature(joinWindow).allow(60)`. */
  feature<Api>(feature: Feature<string, Api>): Api { return this.#features.api(feature); }

  /**
   * Opens camera and microphone while the keys are derived (≈0.2 s of
   * PBKDF2, off the main thread; none when `keys` prepared them ahead), and
   * connects to the relay and says hello as soon as the keys are there.
   * Resolves once the camera is open and the relay connecting; `state`
   * becomes 'joined' when both the relay is open and the camera is.
   */
  async join(): Promise<void> {
    if (this.#state !== 'idle') throw new SecureMeetingError('closed', 'join() can be called once per meeting; create a new one to join again');
    this.#timeline.start();
    this.#setState('deriving');
    try {
      const certificate = generateCertificate();
      const identity = createIdentity();
      identity.catch(() => {}); // awaited below
      const deriving = this.#deriveKeys();
      deriving.catch(() => {}); // awaited below; not "unhandled" while the certificate is awaited
      const opening = this.#media.open();
      opening.then(() => this.#timeline.mark('mediaOpen'), () => {}); // awaited below, once the relay is dialled
      this.#certificate = await certificate;
      this.#identity = await identity;
      // The connection the first member's offer will land on, made while PBKDF2 runs off the main thread.
      this.#mesh.pool.prepareAnswer();
      const keys = await deriving;
      this.#timeline.mark('keysDerived');
      if ((this.#state as MeetingState) === 'left') return; // left while deriving
      // Dialled while the camera may still be opening (keys derived ahead are there at once). Members'
      // offers are answered meanwhile, ready to send our tracks once they are open; a newcomer's hello
      // waits in #held, since the offer we answer it with carries them.
      this.#held = [];
      this.#features.joined({ storeKey: keys.storeKey, scope: keys.topic });
      this.#room.start(keys, this.#channel, this.#identity, { type: 'hello', body: { name: this.name } });
      this.#setState('connecting');
      this.#room.connect();
      const mediaError = await opening;
      if ((this.#state as MeetingState) === 'left') return;
      // Joining to watch and listen is still worth it; say why we are silent.
      if (mediaError) this.dispatchEvent(new MeetingErrorEvent(mediaError));
      this.#mesh.mediaOpened();
      const held = this.#held;
      this.#held = null;
      for (const message of held) this.#mesh.receive(message);
      if (this.#room.state === 'open') this.#onRelayState('open', false);
    } catch (error) {
      this.#teardown();
      throw error;
    }
  }

  /** The keys prepared ahead when they are this meeting's, else derived now; the password is dropped either way. */
  #deriveKeys() {
    const input = { password: this.#password as string, channel: this.#channel, namespace: this.#namespace };
    this.#password = null;
    const prepared = this.#prepared;
    this.#prepared = null;
    const matches = prepared?.matches(input) ?? false;
    prepared?.discard(); // its copy of the input is not needed any more
    return prepared && matches ? prepared.keys : deriveRoomKeys(input);
  }

  /** Switches our microphone on or off for everyone; switching on throws 'forbidden' while a host has not allowed it. */
  setAudioEnabled(on: boolean): void { this.feature(memberState).setAudioEnabled(on); }
  /** The same for our camera. */
  setVideoEnabled(on: boolean): void { this.feature(memberState).setVideoEnabled(on); }

  /**
   * Opens joining for everyone for `seconds` (default: the `joinWindow`
   * option): every member connected to us reconnects to the relay, where
   * newcomers find them, and leaves it again when the time is up.
   */
  allowJoining(seconds?: number): void { this.feature(joinWindow).allow(seconds); }

  /** Closes joining for everyone at once: every member connected to us leaves the relay. */
  lockJoining(): void { this.feature(joinWindow).lock(); }

  /** Ends our connection with one member only; they see us leave, the others are unaffected. */
  disconnectPeer(id: string): void { this.#mesh.disconnect(id); }

  /**
   * Sends one more track to every member (a second camera, a screen, a
   * canvas), negotiated over each pair's own control channel, so it works
   * while joining is closed. The track stays yours: leaving does not stop it.
   * Throws a 'forbidden' SecureMeetingError for a kind a host has not
   * allowed us to send (permissions).
   */
  addTrack(track: MediaStreamTrack): void {
    if (typeof MediaStreamTrack === 'undefined' || !(track instanceof MediaStreamTrack)) {
      throw invalidOption('addTrack() takes a MediaStreamTrack');
    }
    if (this.#state === 'left' || this.#state === 'idle') {
      throw new SecureMeetingError('closed', 'addTrack() needs a meeting that is joining or joined');
    }
    if (this.#media.add(track)) this.#mesh.addTrack(track, this.#media.stream as MediaStream);
  }

  /**
   * Switches to another camera or microphone (a `deviceId` from
   * `navigator.mediaDevices.enumerateDevices()`): every member gets the new
   * track in place of the old one, without renegotiating, switched on or off
   * as the old one was. Rejects with a 'media' error when the device cannot
   * be opened; the current one then stays.
   */
  async setDevice(kind: InputKind, deviceId: string): Promise<void> {
    if (this.#state === 'left' || this.#state === 'idle') {
      throw new SecureMeetingError('closed', 'setDevice() needs a meeting that is joining or joined');
    }
    const { old, next } = await this.#media.switchDevice(kind, deviceId);
    if (old) await this.#mesh.replaceTrack(old, next);
    else this.#mesh.addTrack(next, this.#media.stream as MediaStream);
  }

  /**
   * The safety code of our pair with one member (four groups of five digits,
   * from both identity keys and DTLS fingerprints): the same code read aloud
   * on both screens means no one sits between the two browsers. Null until
   * the connection has both descriptions.
   */
  safetyCode(id: string): Promise<string | null> { return pairCodeWith(this.#identity, this.#mesh.peers.get(id)); }

  /** The room code, from every member's identity key we know (ours included): the same for all who see the same members. */
  roomCode(): Promise<string | null> { return roomCodeOf(this.#identity, this.#mesh.peers.values()); }

  /**
   * New STUN/TURN servers (fresh short-lived TURN credentials): used by every
   * connection made from now on, and by the open ones when they next gather
   * candidates (an ICE restart). Throws a TypeError for a malformed list.
   */
  setIceServers(servers: RTCIceServer[]): void { this.#ice.set(servers); }

  /** Per-member receive statistics (for diagnostics and tests). */
  async getPeerStats(id: string): Promise<PeerStats | undefined> {
    return this.#mesh.peers.get(id)?.stats();
  }

  /** Says bye on the relay and to every member, then closes everything. Idempotent. */
  async leave(): Promise<void> {
    if (this.#state === 'left') return;
    await this.#features.leaving();
    if ((this.#state as MeetingState) === 'left') return;
    this.#mesh.byeAll();
    // What was sent just before leaving (and the byes) reaches the members before the connections close,
    // and before the relay's bye: a member told there first would stop reading us with it still on the way.
    await this.#mesh.endControls(LEAVE_DRAIN_MS);
    if ((this.#state as MeetingState) === 'left') return;
    if (this.#room.open) {
      this.#room.send({ type: 'bye', body: {} });
      await this.#room.flushed();
    }
    this.#teardown();
  }

  /** A feature ended the meeting for us (we were removed): leaving as ever, and the 'left' event says why. */
  async #leaveFor(reason: SecureMeetingError): Promise<void> {
    if (this.#state === 'left') return;
    this.#leftReason = reason;
    await this.leave();
  }

  /**
   * A new epoch (a removal): the keys and topic of the new room secret,
   * derived as at a join with the same channel and namespace. Members still
   * connecting came in under the old secret and are let go; the relay side
   * redials on the new topic if it was on the relay.
   */
  async #rekey(secret: string): Promise<void> {
    const keys = await deriveRoomKeys({ password: secret, channel: this.#channel, namespace: this.#namespace });
    if (this.#state === 'left') return;
    this.#mesh.supersedePending();
    this.#room.rekey(keys);
  }

  #teardown(): void {
    this.#held = null;
    this.#password = null;
    this.#prepared = null;
    this.#features.ended();
    this.#room.close();
    this.#mesh.close();
    this.#ice.clear();
    this.#media.release();
    this.#setState('left');
  }

  #setState(state: MeetingState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.dispatchEvent(new MeetingStateEvent(state, state === 'left' ? this.#leftReason : null));
  }

  /** The room has already said hello by now (each time it opens); members already here answer by offering. */
  #onRelayState(state: RelayState, report = true): void {
    if (state === 'open') this.#timeline.mark('relayOpen');
    // Joined once on the relay with our camera open (join() calls again if the relay was first).
    if (state === 'open' && this.#state === 'connecting' && this.#held === null) {
      this.#setState('joined');
      // Not at once: our own join is using the CPU now.
      this.#mesh.pool.replenishSoon();
    }
    if (report) this.dispatchEvent(new RelayStateEvent(state));
  }
}

// Typed addEventListener for the headless API.
export interface Meeting {
  addEventListener<K extends keyof MeetingEventMap>(type: K, listener: (this: Meeting, ev: MeetingEventMap[K]) => unknown, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof MeetingEventMap>(type: K, listener: (this: Meeting, ev: MeetingEventMap[K]) => unknown, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
}
