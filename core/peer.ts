import type { RemotePeer } from './events.js';
import { addOfferTracks, prepareConnection, type Prepared } from './prepared.js';
import { parseControl, type CandidateBody, type Control, type DescriptionBody, type ForwardBody, type StateBody } from './protocol.js';

/** What a peer sends towards its member: a signal for the relay, or a control message. */
export type PeerMessage = Control;
type SignalMessage = Extract<Control, { type: 'description' | 'candidate' }>;

export interface PeerInit {
  id: string;
  /** The polite side of perfect negotiation yields on glare. */
  polite: boolean;
  /** True when we start negotiation (we answered their hello); false when their offer created us. */
  initiator: boolean;
  name: string;
  /** ICE servers and the meeting's DTLS certificate. */
  rtc: RTCConfiguration;
  /**
   * A connection made ahead of need (prepared.ts): with a local offer when we
   * initiate, bare when we answer. Without it, the peer makes its own.
   */
  prepared?: Prepared | undefined;
  localStream: MediaStream | null;
  /** Our current name and mic/camera state, sent when the control channel opens. */
  localState(): StateBody;
  /** Sends a signal over the relay, sealed and addressed to this member. */
  relay(message: SignalMessage): void;
  /**
   * Sends a signal sealed and addressed to this member by every other way
   * there is while our direct link is down: through the members we are still
   * connected to, and the relay when we are on it.
   */
  detour(message: SignalMessage): void;
  /** Whether a detour exists now: the relay is open, or another member's link is up. */
  hasDetour(): boolean;
  changed(peer: Peer): void;
  closed(peer: Peer): void;
  /** The control channel opened: the meeting may tell this member what it needs to know. */
  opened(peer: Peer): void;
  /** A feature's control message (the join window), for the meeting to act on. */
  feature(peer: Peer, message: Extract<Control, { type: 'window' }>): void;
  /** An envelope this member passes on, to us or through us (see Meeting #onForward). */
  forward(peer: Peer, body: ForwardBody): void;
  /** A control message that failed validation. */
  malformed(): void;
}

/** How often each member pings over every control channel. */
const PING_MS = 2000;
/** How often liveness looks at each link. */
const TICK_MS = 1000;
/**
 * A liveness tick this late means our own timers were throttled (a hidden
 * tab: Chrome's "intensive wake up throttling" can hold timers for a minute),
 * so silence says nothing about the other side: skip that verdict. The other
 * side's pings still arrive as events, which are not throttled, and are
 * answered at once, so it keeps hearing from us.
 */
const LATE_TICK_MS = 3 * TICK_MS;
/**
 * Nothing on the control channel for this long (pings come every 2 s and are
 * answered at once): the direct link is down, or the member is gone. Signals
 * go round it, and the impolite side restarts ICE through the detour.
 */
export const SUSPECT_MS = 3000;
/** A restart that has not brought the link back after this long is tried again. */
const RESTART_MS = 4000;
/** A link that stays down this long is given up even while the member is heard through others. */
export const REPAIR_GIVE_UP_MS = 30_000;
/**
 * Nothing heard from a member for this long, directly, through others, or
 * as packets on the connection: it is gone (tab killed, network lost) even if ICE has not noticed yet. Short
 * network blips stay under it, and ICE recovers from them without anyone
 * rejoining.
 */
export const LIVENESS_MS = 7000;

/**
 * One RTCPeerConnection to one remote member, with perfect negotiation
 * (https://w3c.github.io/webrtc-pc/#perfect-negotiation-example), trickle
 * ICE and a negotiated control data channel. Signaling goes over the relay
 * until the control channel opens, then over the channel itself.
 */
export class Peer implements RemotePeer {
  readonly id: string;
  name: string;
  stream: MediaStream | null = null;
  audioEnabled = true;
  videoEnabled = true;

  readonly #pc: RTCPeerConnection;
  readonly #channel: RTCDataChannel;
  readonly #init: PeerInit;
  #makingOffer = false;
  #ignoreOffer = false;
  #settingRemoteAnswer = false;
  #tracksAdded = false;
  #closed = false;
  /** The control channel has been open: the link was up once, so a lost one is repaired, not abandoned. */
  #opened = false;
  /** Last message on the control channel. */
  #lastChannel = 0;
  /** Last sign that the direct link works: a message on the channel, or packets arriving on the connection. */
  #lastDirect = 0;
  /** Last word from this member by any way: the control channel, or a sealed envelope through others. */
  #lastHeard = 0;
  /** An ICE restart is under way (ours, or their offer came round): signals go round until the channel speaks again. */
  #repairing = false;
  #lastRestart = 0;
  /** When the link went down (0: up). */
  #downSince = 0;
  #lastTick = 0;
  #lastPing = 0;
  /** Bytes received on the connection's transport at the last look while the channel was silent (-1: not looked since it spoke). */
  #bytesIn = -1;
  #liveness: ReturnType<typeof setInterval> | undefined;
  /** Inbound signaling is applied strictly in arrival order. */
  #queue: Promise<void> = Promise.resolve();

  constructor(init: PeerInit) {
    this.#init = init;
    this.id = init.id;
    this.name = init.name;
    const { pc, channel, offered } = init.prepared ?? prepareConnection(init.rtc);
    this.#pc = pc;
    this.#channel = channel;

    this.#pc.onnegotiationneeded = () => void this.#negotiate();
    this.#pc.onicecandidate = ({ candidate }) => this.#signal({ type: 'candidate', body: { candidate: candidate?.toJSON() ?? null } });
    this.#pc.ontrack = ({ track, streams }) => this.#addRemoteTrack(track, streams[0]);
    this.#pc.onconnectionstatechange = () => {
      const state = this.#pc.connectionState;
      // Once the link has been up, a failed one is restarted and liveness
      // decides whether the member is gone; before that, failing is final.
      if (state === 'closed' || (state === 'failed' && !this.#opened)) this.close();
      else this.#init.changed(this);
    };
    this.#channel.onopen = () => {
      this.sendControl({ type: 'state', body: init.localState() });
      this.#startLiveness();
      init.opened(this);
    };
    this.#channel.onmessage = ({ data }) => {
      // A message on the channel: the direct link works.
      this.#lastChannel = this.#lastDirect = this.#lastHeard = Date.now();
      this.#bytesIn = -1;
      if (this.#repairing) this.#linkBack();
      this.#onControl(data);
    };
    // The other side closing its connection closes our end of the channel:
    // the quickest sign that a member has gone.
    this.#channel.onclose = () => this.close();

    // The initiator offers its tracks at once. The answering side adds them
    // after applying the offer, so they ride on the offer's transceivers and
    // one round trip carries media both ways.
    if (init.initiator && offered) {
      // Prepared: tracks added, offer set. What ICE gathered so far is in the
      // local description; later candidates trickle from here on.
      this.#tracksAdded = true;
      this.#sendDescription();
    } else if (init.initiator) {
      this.#addLocalTracks();
      // negotiationneeded would come too, but only after a queued task
      // (15–35 ms here); the initiator knows it must offer, so it does now.
      void this.#negotiate();
    }
  }

  get connectionState(): RTCPeerConnectionState {
    return this.#pc.connectionState;
  }

  get controlOpen(): boolean {
    return this.#channel.readyState === 'open';
  }

  /** Our direct link to this member works now: its control channel is open and has spoken lately. */
  get linkUp(): boolean {
    return this.#channel.readyState === 'open' && !this.#detouring(Date.now());
  }

  /** True while the direct link is down and being repaired; media and chat with this member wait. */
  get reconnecting(): boolean {
    return this.#opened && !this.#closed && this.#detouring(Date.now());
  }

  /**
   * A description or candidate from this member that came sealed by another
   * way than our control channel: the relay, or forwarded by a member. Once
   * we have been connected, that means they are alive but cannot reach us
   * directly, so our answers go round too.
   */
  receive(message: SignalMessage): void {
    if (this.#opened) {
      this.#lastHeard = Date.now();
      if (message.type === 'description' && message.body.description.type === 'offer') this.#startRepair();
    }
    this.#apply(message);
  }

  #apply(message: SignalMessage): void {
    this.#queue = this.#queue.then(() =>
      message.type === 'description' ? this.#onDescription(message.body) : this.#onCandidate(message.body),
    ).catch(() => {
      // A description that cannot be applied leaves the connection to fail
      // on its own; the queue must go on for later messages.
    });
  }

  sendControl(message: Control): boolean {
    if (this.#channel.readyState !== 'open') return false;
    this.#channel.send(JSON.stringify(message));
    return true;
  }

  async stats(): Promise<{ framesDecoded: number; audioPacketsReceived: number; videoBytesReceived: number }> {
    const result = { framesDecoded: 0, audioPacketsReceived: 0, videoBytesReceived: 0 };
    (await this.#pc.getStats()).forEach((report: { type: string; kind?: string; framesDecoded?: number; packetsReceived?: number; bytesReceived?: number }) => {
      if (report.type !== 'inbound-rtp') return;
      if (report.kind === 'video') {
        result.framesDecoded += report.framesDecoded ?? 0;
        result.videoBytesReceived += report.bytesReceived ?? 0;
      } else if (report.kind === 'audio') {
        result.audioPacketsReceived += report.packetsReceived ?? 0;
      }
    });
    return result;
  }

  /** Ends our connection with this member only: they are told, and see us leave. */
  disconnect(): void {
    this.sendControl({ type: 'bye', body: {} });
    this.close();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#liveness);
    this.#channel.onclose = null;
    this.#pc.onconnectionstatechange = null;
    this.#pc.oniceconnectionstatechange = null;
    this.#channel.close();
    this.#pc.close();
    this.#init.closed(this);
  }

  #addLocalTracks(): void {
    if (this.#tracksAdded) return;
    this.#tracksAdded = true;
    const stream = this.#init.localStream;
    if (this.#init.initiator) return addOfferTracks(this.#pc, stream);
    // Answering: each track takes a free transceiver of its kind from the
    // offer; one beyond those makes a new one, negotiated afterwards.
    for (const track of stream?.getTracks() ?? []) this.#pc.addTrack(track, stream as MediaStream);
  }

  /**
   * Sends one more of our tracks to this member. Negotiated like any change,
   * over the control channel once it is open, so it needs no relay.
   */
  addTrack(track: MediaStreamTrack, stream: MediaStream): void {
    // Not yet: the track is in `stream`, and goes with the others when they are added.
    if (!this.#tracksAdded || this.#closed) return;
    this.#pc.addTrack(track, stream);
  }

  async #negotiate(): Promise<void> {
    if (this.#makingOffer) return;
    try {
      this.#makingOffer = true;
      await this.#pc.setLocalDescription();
      this.#sendDescription();
    } catch {
      // The connection closed or a newer negotiation superseded this one.
    } finally {
      this.#makingOffer = false;
    }
  }

  async #onDescription({ description, name }: DescriptionBody): Promise<void> {
    this.#rename(name);
    const readyForOffer = !this.#makingOffer && (this.#pc.signalingState === 'stable' || this.#settingRemoteAnswer);
    const collision = description.type === 'offer' && !readyForOffer;
    this.#ignoreOffer = !this.#init.polite && collision;
    if (this.#ignoreOffer) return;
    this.#settingRemoteAnswer = description.type === 'answer';
    await this.#pc.setRemoteDescription(description);
    this.#settingRemoteAnswer = false;
    if (description.type === 'offer') {
      this.#addLocalTracks();
      await this.#pc.setLocalDescription();
      this.#sendDescription();
    }
  }

  async #onCandidate({ candidate }: CandidateBody): Promise<void> {
    try {
      await this.#pc.addIceCandidate(candidate ?? undefined);
    } catch (error) {
      if (!this.#ignoreOffer) throw error;
    }
  }

  #sendDescription(): void {
    const local = this.#pc.localDescription;
    if (!local || (local.type !== 'offer' && local.type !== 'answer')) return;
    this.#signal({ type: 'description', body: { description: { type: local.type, sdp: local.sdp }, name: this.#init.localState().name } });
  }

  #signal(message: SignalMessage): void {
    if (this.#closed) return;
    if (this.#opened && this.#detouring(Date.now())) this.#init.detour(message);
    else if (!this.sendControl(message)) this.#init.relay(message);
  }

  /** Whether signals go round the direct link: it is being repaired, silent, or ICE says it is down. */
  #detouring(now: number): boolean {
    const ice = this.#pc.iceConnectionState;
    return this.#repairing || now - this.#lastDirect > SUSPECT_MS || ice === 'disconnected' || ice === 'failed';
  }

  /**
   * The channel spoke again. A restart offer of ours that no detour could
   * deliver (the link came back by itself) is sent now, directly, so the
   * negotiation completes instead of leaving the connection mid-offer.
   */
  #linkBack(): void {
    this.#repairing = false;
    this.#init.changed(this);
    if (this.#pc.signalingState === 'have-local-offer' && !this.#makingOffer) this.#sendDescription();
  }

  #startRepair(): void {
    this.#lastRestart = Date.now();
    if (this.#repairing) return;
    this.#repairing = true;
    this.#init.changed(this);
  }

  /**
   * An ICE restart, signaled round the broken link: new ICE credentials and
   * candidates, on the same DTLS session, so the data channels and media
   * tracks carry on once a new path is found. An offer of ours still waiting
   * for its answer (lost with a detour) is rolled back first.
   */
  #restartIce(): void {
    this.#startRepair();
    this.#queue = this.#queue.then(async () => {
      if (this.#closed) return;
      if (this.#pc.signalingState === 'have-local-offer') await this.#pc.setLocalDescription({ type: 'rollback' });
      this.#pc.restartIce();
    }).catch(() => {
      // The connection closed meanwhile; nothing to restart.
    });
  }

  #onControl(data: unknown): void {
    let message: Control | undefined;
    try {
      message = typeof data === 'string' ? parseControl(JSON.parse(data)) : undefined;
    } catch {
      message = undefined;
    }
    if (!message) return this.#init.malformed();
    switch (message.type) {
      case 'description':
      case 'candidate':
        return this.#apply(message);
      case 'state':
        this.#rename(message.body.name);
        this.audioEnabled = message.body.audio;
        this.videoEnabled = message.body.video;
        return this.#init.changed(this);
      case 'window':
        return this.#init.feature(this, message);
      case 'forward':
        return this.#init.forward(this, message.body);
      case 'ping':
        this.sendControl({ type: 'pong', body: {} });
        return;
      case 'pong':
        return;
      case 'bye':
        return this.close();
    }
  }

  #startLiveness(): void {
    if (this.#opened) return; // a repaired link reopens nothing: the channel stayed open
    this.#opened = true;
    this.#lastChannel = this.#lastDirect = this.#lastHeard = this.#lastTick = Date.now();
    this.#pc.oniceconnectionstatechange = () => this.#init.changed(this);
    this.#liveness = setInterval(() => this.#tick(), TICK_MS);
  }

  /**
   * Liveness and repair, once a second. Whoever has not been heard from for
   * LIVENESS_MS, directly or round, is gone. A link that is down while the
   * member is still heard through others is restarted (by the impolite side,
   * so the two do not collide) every RESTART_MS, and given up after
   * REPAIR_GIVE_UP_MS.
   */
  #tick(): void {
    const now = Date.now();
    // A late tick means our own timers were held (a hidden tab): no verdict this time.
    const late = now - this.#lastTick > LATE_TICK_MS;
    this.#lastTick = now;
    const down = this.#detouring(now);
    if (down !== (this.#downSince !== 0)) {
      this.#downSince = down ? now : 0;
      this.#init.changed(this); // `reconnecting` changed
    }
    if (now - this.#lastChannel > PING_MS) void this.#packetsArriving();
    if (!late) {
      if (now - this.#lastHeard > LIVENESS_MS) return this.close();
      if (down && now - this.#downSince > REPAIR_GIVE_UP_MS) return this.close();
    }
    if (down && !this.#init.polite && now - this.#lastRestart >= RESTART_MS && this.#init.hasDetour()) this.#restartIce();
    if (now - this.#lastPing >= PING_MS) {
      this.#lastPing = now;
      this.sendControl({ type: 'ping', body: {} });
    }
  }

  /**
   * While the channel is silent, packets arriving on this connection again
   * (media, RTCP, ICE checks) mean the member is alive and the path works:
   * after a drop or a restart, media resumes at once while the data channel
   * waits out its retransmission back-off, which can take seconds.
   */
  async #packetsArriving(): Promise<void> {
    let bytes = 0;
    try {
      (await this.#pc.getStats()).forEach((r: { type: string; bytesReceived?: number }) => {
        if (r.type === 'transport') bytes += r.bytesReceived ?? 0;
      });
    } catch {
      return; // closed meanwhile
    }
    const arriving = this.#bytesIn >= 0 && bytes > this.#bytesIn;
    this.#bytesIn = bytes;
    if (!arriving || this.#closed) return;
    this.#lastDirect = this.#lastHeard = Date.now();
    if (this.#repairing) this.#linkBack();
  }

  #rename(name: string): void {
    if (name === this.name) return;
    this.name = name;
    this.#init.changed(this);
  }

  #addRemoteTrack(track: MediaStreamTrack, stream: MediaStream | undefined): void {
    if (stream) this.stream = stream;
    else if (this.stream) this.stream.addTrack(track);
    else this.stream = new MediaStream([track]);
    this.#init.changed(this);
  }
}
