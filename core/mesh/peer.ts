import type { Clock } from '../clock.js';
import type { RemotePeer } from '../events.js';
import type { DescriptionBody, CandidateBody, LinkSignal } from '../wire/signals.js';
import { heldRole, offerKeepingRole } from './dtls-role.js';
import { LinkMonitor } from './liveness.js';
import { addOfferTracks, prepareConnection, type Prepared } from './prepared.js';
import { ReceivedStreams, type TrackRule } from './received.js';
import { receiveStats, transportBytes, type PeerStats } from './stats.js';
import { gathered, Trickle } from './trickle.js';
import type { PeerRtp } from '../features/feature.js';
import type { PeerPhase } from '../timings.js';

export type { PeerStats } from './stats.js';

export interface PeerInit {
  id: string;
  /** Their identity key: `id` is its hash prefix, checked with every envelope they sealed. */
  publicKey: string;
  /** The polite side of perfect negotiation yields on glare. */
  polite: boolean;
  /** True when we start negotiation (we answered their hello); false when their offer created us. */
  initiator: boolean;
  name: string;
  clock: Clock;
  /** ICE servers and the meeting's DTLS certificate. */
  rtc: RTCConfiguration;
  /**
   * A connection made ahead of need (prepared.ts): with a local offer when we
   * initiate, bare when we answer. Without it, the peer makes its own.
   */
  prepared?: Prepared | undefined;
  /** Our camera and microphone, once open. */
  localStream(): MediaStream | null;
  /**
   * While they are still opening, the stream they will be in: an offer that
   * comes meanwhile is answered at once, ready to send them (mediaOpened()).
   */
  pendingStream(): MediaStream | null;
  /** Tracks we send as streams of their own (a shared screen), each with its stream. */
  extraTracks(): Iterable<[MediaStreamTrack, MediaStream]>;
  /** Our display name, carried with each description. */
  selfName(): string;
  /** Sends a signal over the relay, sealed and addressed to this member. */
  relay(message: LinkSignal): void;
  /**
   * Sends a signal sealed and addressed to this member by every other way
   * there is while our direct link is down: through the members we are still
   * connected to, and the relay when we are on it.
   */
  detour(message: LinkSignal): void;
  /** Whether a detour exists now: the relay is open, or another member's link is up. */
  hasDetour(): boolean;
  /** A frame from the control channel, for the mesh to route to its feature. */
  control(peer: Peer, data: unknown): void;
  /** Whether one of this member's tracks may be shown here (received.ts); held back otherwise. */
  admits(peer: Peer, track: MediaStreamTrack, streamId: string): boolean;
  /** Sends a liveness ping over the control channel. */
  ping(peer: Peer): void;
  /** The control channel opened: features may tell this member what it needs to know. */
  opened(peer: Peer): void;
  /** A data channel the member opened beside the control channel, for a feature (features/channels.ts). */
  channel(peer: Peer, channel: RTCDataChannel): void;
  /** A phase of this connection happened now, for `meeting.timings`. */
  timed?(peer: Peer, phase: PeerPhase): void;
  /** The connection, when the peer made its own (not prepared). */
  made?(pc: RTCPeerConnection): void;
  changed(peer: Peer): void;
  closed(peer: Peer): void;
}

/**
 * One RTCPeerConnection to one remote member, with perfect negotiation
 * (https://w3c.github.io/webrtc-pc/#perfect-negotiation-example), trickle
 * ICE and a negotiated control data channel. Signaling goes over the relay
 * until the control channel opens, then over the channel itself; round it
 * while the link is being repaired (liveness.ts).
 */
export class Peer implements RemotePeer {
  readonly id: string;
  readonly publicKey: string;
  name: string;
  readonly #received: ReceivedStreams;
  audioEnabled = true;
  videoEnabled = true;
  /** Failed before the control channel ever opened (no network path); retried once, dropped when pending times out. */
  connectionFailed = false;

  readonly #pc: RTCPeerConnection;
  readonly #channel: RTCDataChannel;
  readonly #init: PeerInit;
  readonly #link: LinkMonitor;
  #makingOffer = false;
  #ignoreOffer = false;
  #settingRemoteAnswer = false;
  #tracksAdded = false;
  /** We answered while our camera was still opening: its tracks are added in mediaOpened(), on these transceivers where they can. */
  #mediaWait = false;
  readonly #awaiting = new Set<RTCRtpTransceiver>();
  #closed = false;
  #retried = false;
  /** Our candidates not already in a description we sent go as signals of their own (trickle.ts). */
  readonly #trickle = new Trickle((candidate) => this.#signal({ type: 'candidate', body: { candidate } }));
  /** Inbound signaling is applied strictly in arrival order. */
  #queue: Promise<void> = Promise.resolve();

  constructor(init: PeerInit) {
    this.#init = init;
    this.id = init.id;
    this.publicKey = init.publicKey;
    this.name = init.name;
    const admits: TrackRule = (track, streamId) => init.admits(this, track, streamId);
    this.#received = new ReceivedStreams(admits, () => this.#init.changed(this));
    const { pc, channel, offered } = init.prepared ?? prepareConnection(init.rtc, init.clock.now(), init.made);
    this.#pc = pc;
    this.#channel = channel;
    this.#link = new LinkMonitor(init.clock, {
      polite: init.polite,
      iceDown: () => ['disconnected', 'failed'].includes(this.#pc.iceConnectionState),
      hasDetour: () => init.hasDetour(),
      ping: () => init.ping(this),
      restart: () => this.#restartIce(),
      bytesReceived: async () => (this.#closed ? undefined : transportBytes(this.#pc)),
      back: () => this.#linkBack(),
      changed: () => init.changed(this),
      lost: () => this.close(),
    });

    this.#pc.onnegotiationneeded = () => void this.#negotiate();
    this.#pc.onicecandidate = ({ candidate }) => this.#trickle.candidate(candidate?.toJSON() ?? null);
    this.#pc.ontrack = ({ track, streams }) => {
      this.#timed('firstTrack');
      this.#received.add(track, streams[0]);
    };
    this.#pc.oniceconnectionstatechange = () => {
      if (this.pathFound) this.#timed('iceConnected');
      // Before the control channel opens, the connection state says all the UI shows.
      if (this.#link.started) this.#init.changed(this);
    };
    this.#pc.ondatachannel = ({ channel }) => init.channel(this, channel);
    this.#pc.onconnectionstatechange = () => {
      const state = this.#pc.connectionState;
      // Once the link has been up, a failed one is restarted and liveness decides whether
      // the member is gone; before that, it is shown, retried once, and pending.ts ends it.
      if (state === 'closed') this.close();
      else if (state === 'failed' && !this.#link.started) this.#failedBeforeOpen();
      else this.#init.changed(this);
    };
    this.#channel.onopen = () => {
      if (this.#link.started) return; // a repaired link reopens nothing: the channel stayed open
      this.#link.start();
      this.connectionFailed = false;
      this.#timed('controlOpen');
      init.opened(this);
    };
    this.#channel.onmessage = ({ data }) => {
      this.#link.channelMessage();
      this.#init.control(this, data);
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
      // The prepared offer has only our camera and microphone: the rest is negotiated next.
      this.#addExtraTracks();
    } else if (init.initiator) {
      this.#addLocalTracks();
      // negotiationneeded would come too, but only after a queued task
      // (15–35 ms here); the initiator knows it must offer, so it does now.
      void this.#negotiate();
    }
  }

  /**
   * Their audio+video: the first stream that arrived, holding only the
   * tracks the meeting's rules admit (received.ts); null before any.
   */
  get stream(): MediaStream | null {
    return this.#received.first;
  }

  /** Every stream they send, by the sender's stream id, each holding only the admitted tracks. */
  get streams(): ReadonlyMap<string, MediaStream> {
    return this.#received.shown;
  }

  /** Applies the rules to their tracks again (a permission or who presents changed). */
  refilter(): void {
    if (!this.#closed) this.#received.refilter();
  }

  /** They were in the meeting before us: their offer answered our hello. */
  get olderThanUs(): boolean {
    return !this.#init.initiator;
  }

  get connectionState(): RTCPeerConnectionState {
    return this.#pc.connectionState;
  }

  get controlOpen(): boolean {
    return this.#channel.readyState === 'open';
  }

  /**
   * Closes the control channel the graceful way, once what was sent on it has
   * gone: resolves when it is closed. A data channel's close waits for its
   * queue and then resets its stream, which the other side takes only after
   * everything sent before it, so by then what we sent has arrived; closing
   * the connection instead would drop what is still queued or in flight.
   */
  endControl(): Promise<void> {
    if (this.#closed || this.#channel.readyState === 'closed') return Promise.resolve();
    return new Promise((resolve) => {
      this.#channel.addEventListener('close', () => resolve(), { once: true });
      this.#channel.close();
    });
  }

  /** The DTLS fingerprints each side's session description carries ("sha-256 AB:…"); null before they are set. */
  get fingerprints(): { local: string; remote: string } | null {
    const of = (d: RTCSessionDescription | null) => /^a=fingerprint:(.+)$/m.exec(d?.sdp ?? '')?.[1]?.trim();
    const local = of(this.#pc.localDescription);
    const remote = of(this.#pc.remoteDescription);
    return local && remote ? { local, remote } : null;
  }

  /** The control channel has not opened yet (and the peer is not closed): this member is still joining, or a ghost. */
  get pending(): boolean {
    return !this.#closed && !this.#link.started;
  }

  /** ICE has found a working path to this member: a real one, not a hello nobody answers. */
  get pathFound(): boolean {
    return ['connected', 'completed'].includes(this.#pc.iceConnectionState);
  }

  /** Our direct link to this member works now: its control channel is open and has spoken lately. */
  get linkUp(): boolean {
    return this.#channel.readyState === 'open' && this.#link.started && !this.#link.down;
  }

  /** True while the direct link is down and being repaired; media and chat with this member wait. */
  get reconnecting(): boolean {
    return !this.#closed && this.#link.down;
  }

  /**
   * A description or candidate from this member that came sealed by another
   * way than our control channel: the relay, or forwarded by a member. Once
   * we have been connected, that means they are alive but cannot reach us
   * directly, so our answers go round too.
   */
  receive(message: LinkSignal): void {
    this.#link.heardRound(message.type === 'description' && message.body.description.type === 'offer');
    this.apply(message);
  }

  /** A description or candidate, from any route, applied in arrival order. */
  apply(message: LinkSignal): void {
    this.#queue = this.#queue.then(() =>
      message.type === 'description' ? this.#onDescription(message.body) : this.#onCandidate(message.body),
    ).catch(() => {
      // A description that cannot be applied leaves the connection to fail
      // on its own; the queue must go on for later messages.
    });
  }

  /** Sends one encoded control message; false when the channel is not open. */
  sendControl(data: string): boolean {
    if (this.#channel.readyState !== 'open') return false;
    this.#channel.send(data);
    return true;
  }

  /** A feature's data channel to this member (in-band, reliable, ordered); null unless the link is up. */
  openChannel(label: string): RTCDataChannel | null {
    if (this.#closed || !this.controlOpen) return null;
    try {
      return this.#pc.createDataChannel(label);
    } catch {
      return null; // out of SCTP streams, or closing
    }
  }

  stats(): Promise<PeerStats> {
    return receiveStats(this.#pc);
  }

  /** Our senders and the raw statistics of this connection, for features (FeatureContext.rtp). */
  readonly rtp: PeerRtp = {
    senders: () => (this.#closed ? [] : this.#pc.getSenders()),
    stats: () => this.#pc.getStats(),
  };

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#link.stop();
    this.#channel.onclose = null;
    this.#pc.onconnectionstatechange = null;
    this.#pc.oniceconnectionstatechange = null;
    this.#channel.close();
    this.#pc.close();
    this.#init.closed(this);
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

  /** Stops sending one of our tracks (a screen no longer shared); renegotiated like adding it. */
  removeTrack(track: MediaStreamTrack): void {
    if (this.#closed) return;
    const sender = this.#pc.getSenders().find((s) => s.track === track);
    if (sender) this.#pc.removeTrack(sender);
  }

  /** Sends `next` where `old` went (another camera or microphone): no renegotiation. */
  async replaceTrack(old: MediaStreamTrack, next: MediaStreamTrack): Promise<void> {
    if (this.#closed) return;
    await this.#pc.getSenders().find((s) => s.track === old)?.replaceTrack(next);
  }

  /**
   * Our camera and microphone are open now (or failed to open: `localStream()`
   * is null). What an answer made while they were opening promised to send
   * starts, each track on its transceiver with replaceTrack (no
   * renegotiation); a kind that did not open goes back to receiving only,
   * and a track with no such transceiver is added (both renegotiated).
   */
  mediaOpened(): void {
    if (this.#closed || !this.#mediaWait) return;
    this.#mediaWait = false;
    const stream = this.#init.localStream();
    const waiting = [...this.#awaiting];
    this.#awaiting.clear();
    this.#tracksAdded = true;
    for (const track of stream?.getTracks() ?? []) {
      const i = waiting.findIndex((t) => t.receiver.track.kind === track.kind);
      if (i < 0) {
        this.#pc.addTrack(track, stream as MediaStream);
        continue;
      }
      const [transceiver] = waiting.splice(i, 1);
      void transceiver!.sender.replaceTrack(track).catch(() => {}); // closed meanwhile
    }
    for (const transceiver of waiting) transceiver.direction = 'recvonly';
    this.#addExtraTracks();
  }

  /** Sets what we know of this member (a name from a signal, or mic/camera state); true when something changed. */
  update(info: Partial<Pick<RemotePeer, 'name' | 'audioEnabled' | 'videoEnabled'>>): boolean {
    let changed = false;
    for (const key of ['name', 'audioEnabled', 'videoEnabled'] as const) {
      const value = info[key];
      if (value === undefined || this[key] === value) continue;
      (this as Record<typeof key, unknown>)[key] = value;
      changed = true;
    }
    if (changed) this.#init.changed(this);
    return changed;
  }

  /** Still no path a while after we met (pending.ts): shown as not connecting, though ICE has not said failed. */
  stalled(): void {
    if (this.#closed || this.#link.started || this.pathFound || this.connectionFailed) return;
    this.connectionFailed = true;
    this.#init.changed(this);
  }

  /** Failed before ever opening: say so, and try once more on a fresh set of candidates. */
  #failedBeforeOpen(): void {
    this.connectionFailed = true;
    if (!this.#retried) this.#restartIce();
    this.#retried = true;
    this.#init.changed(this);
  }

  #timed(phase: PeerPhase): void {
    this.#init.timed?.(this, phase);
  }

  #addLocalTracks(): void {
    if (this.#tracksAdded || this.#mediaWait) return;
    const stream = this.#init.localStream();
    const pending = stream === null ? this.#init.pendingStream() : null;
    if (pending && !this.#init.initiator) return this.#promiseTracks(pending);
    this.#tracksAdded = true;
    if (this.#init.initiator) addOfferTracks(this.#pc, stream);
    // Answering: each track takes a free transceiver of its kind from the
    // offer; one beyond those makes a new one, negotiated afterwards.
    else for (const track of stream?.getTracks() ?? []) this.#pc.addTrack(track, stream as MediaStream);
    this.#addExtraTracks();
  }

  /**
   * Answering while our camera is still opening: each audio and video
   * transceiver of their offer is set to send as well, in the stream our
   * tracks will be in, with no track yet. Their media reaches us without
   * waiting for our camera; ours follows once it is open.
   */
  #promiseTracks(pending: MediaStream): void {
    this.#mediaWait = true;
    for (const transceiver of this.#pc.getTransceivers()) {
      const kind = transceiver.receiver.track.kind;
      if ((kind !== 'audio' && kind !== 'video') || transceiver.sender.track !== null || transceiver.direction !== 'recvonly') continue;
      if ([...this.#awaiting].some((t) => t.receiver.track.kind === kind)) continue; // one of each, as addTrack would take
      transceiver.direction = 'sendrecv';
      transceiver.sender.setStreams(pending);
      this.#awaiting.add(transceiver);
    }
  }

  #addExtraTracks(): void {
    for (const [track, stream] of this.#init.extraTracks()) this.#pc.addTrack(track, stream);
  }

  async #negotiate(): Promise<void> {
    if (this.#makingOffer) return;
    try {
      this.#makingOffer = true;
      await this.#describe();
    } catch {
      // The connection closed or a newer negotiation superseded this one.
    } finally {
      this.#makingOffer = false;
    }
  }

  async #onDescription({ description, name }: DescriptionBody): Promise<void> {
    this.update({ name });
    const readyForOffer = !this.#makingOffer && (this.#pc.signalingState === 'stable' || this.#settingRemoteAnswer);
    const collision = description.type === 'offer' && !readyForOffer;
    this.#ignoreOffer = !this.#init.polite && collision;
    if (this.#ignoreOffer) return;
    this.#settingRemoteAnswer = description.type === 'answer';
    await this.#pc.setRemoteDescription(description);
    this.#settingRemoteAnswer = false;
    this.#timed('remoteDescription');
    if (description.type === 'offer') {
      this.#addLocalTracks();
      await this.#describe();
    }
  }

  /**
   * Sets our local description and sends it once ICE has gathered (bounded,
   * trickle.ts), so it carries our candidates; any gathered later trickle.
   * Not sent if, meanwhile, it stopped being ours to send (their offer won a
   * collision and rolled ours back).
   */
  async #describe(): Promise<void> {
    this.#trickle.hold();
    try {
      await this.#pc.setLocalDescription();
      this.#timed('localSet');
      const type = this.#pc.localDescription?.type;
      await gathered(this.#pc, this.#init.clock);
      this.#timed('gathered');
      const still = type === 'offer' ? this.#pc.signalingState === 'have-local-offer' : this.#pc.localDescription?.type === type;
      if (still && !this.#closed) this.#sendDescription();
    } finally {
      this.#trickle.release();
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
    this.#timed('localDescription');
    // A renegotiation's offer keeps the DTLS role we hold (dtls-role.ts): Firefox answering "actpass" may take ours.
    const sdp = local.type === 'offer' ? offerKeepingRole(local.sdp, heldRole(this.#pc.currentLocalDescription, this.#pc.currentRemoteDescription)) : local.sdp;
    this.#signal({ type: 'description', body: { description: { type: local.type, sdp }, name: this.#init.selfName() } });
    this.#trickle.described(local.sdp, this.#pc.iceGatheringState === 'complete');
  }

  #signal(message: LinkSignal): void {
    if (this.#closed) return;
    if (this.#link.down) this.#init.detour(message);
    else if (!this.sendControl(JSON.stringify(message))) this.#init.relay(message);
  }

  /**
   * The link speaks again. A restart offer of ours that no detour could
   * deliver (the link came back by itself) is sent now, directly, so the
   * negotiation completes instead of leaving the connection mid-offer.
   */
  #linkBack(): void {
    this.#init.changed(this);
    if (this.#pc.signalingState === 'have-local-offer' && !this.#makingOffer) this.#sendDescription();
  }

  /**
   * An ICE restart, signaled round the broken link: new ICE credentials and
   * candidates, on the same DTLS session, so the data channels and media
   * tracks carry on once a new path is found. An offer of ours still waiting
   * for its answer (lost with a detour) is rolled back first.
   */
  #restartIce(): void {
    this.#queue = this.#queue.then(async () => {
      if (this.#closed) return;
      if (this.#pc.signalingState === 'have-local-offer') await this.#pc.setLocalDescription({ type: 'rollback' });
      this.#pc.restartIce();
    }).catch(() => {
      // The connection closed meanwhile; nothing to restart.
    });
  }
}
