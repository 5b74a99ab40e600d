/**
 * Just enough of RTCPeerConnection for the mesh's bookkeeping in Node (who is
 * pending, who is let in, who times out): Node has no WebRTC. Installed as
 * the global, so core makes its connections the way it does in a browser;
 * the test moves each one along (ICE path found, channel open, failed) by
 * hand. What WebRTC itself does is covered by the browser suites.
 */
import type { Inbound } from '../../core/envelope.js';
import { LocalMedia } from '../../core/media/local.js';
import { Mesh } from '../../core/mesh/mesh.js';
import type { Peer } from '../../core/mesh/peer.js';
import type { Room } from '../../core/room/room.js';
import { ControlRouter } from '../../core/wire/registry.js';
import type { Signal } from '../../core/wire/signals.js';
import type { FakeClock } from './fake-clock.js';

type Handler = ((event?: unknown) => void) | null;

export class FakeChannel extends EventTarget {
  readyState: RTCDataChannelState = 'connecting';
  onopen: Handler = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: Handler = null;
  readonly sent: string[] = [];
  send(data: string): void {
    this.sent.push(data);
  }
  /** Closed, and its `close` event a moment later, as a browser's (leave() waits for it). */
  close(): void {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
    queueMicrotask(() => this.dispatchEvent(new Event('close')));
  }
  /** The other side's channel opened too. */
  open(): void {
    this.readyState = 'open';
    this.onopen?.();
  }
}

export class FakeConnection {
  /** Every connection made, in order. */
  static made: FakeConnection[] = [];
  /** When set, the constructor throws on these calls (1-based), as a browser at its connection limit does. */
  static throwOn = new Set<number>();
  static calls = 0;

  connectionState: RTCPeerConnectionState = 'new';
  iceConnectionState: RTCIceConnectionState = 'new';
  signalingState: RTCSignalingState = 'stable';
  /** Nothing to gather in Node: a description goes at once (core/mesh/trickle.ts). */
  iceGatheringState: RTCIceGatheringState = 'complete';
  localDescription: { type: RTCSdpType; sdp: string } | null = null;
  onnegotiationneeded: Handler = null;
  onicecandidate: Handler = null;
  ontrack: Handler = null;
  onconnectionstatechange: Handler = null;
  oniceconnectionstatechange: Handler = null;
  channel = new FakeChannel();
  restarts = 0;
  closed = false;

  constructor() {
    FakeConnection.calls++;
    if (FakeConnection.throwOn.has(FakeConnection.calls)) throw new DOMException('Cannot create so many PeerConnections', 'UnknownError');
    FakeConnection.made.push(this);
  }

  static reset(): void {
    FakeConnection.made = [];
    FakeConnection.throwOn = new Set();
    FakeConnection.calls = 0;
  }

  static install(): void {
    (globalThis as Record<string, unknown>)['RTCPeerConnection'] = FakeConnection;
  }

  createDataChannel(): FakeChannel {
    return this.channel;
  }
  addEventListener(): void {}
  removeEventListener(): void {}
  addTransceiver(): void {}
  addTrack(): void {}
  async setLocalDescription(description?: { type: RTCSdpType }): Promise<void> {
    if (description?.type === 'rollback') {
      this.signalingState = 'stable';
      return;
    }
    this.localDescription = { type: 'offer', sdp: 'v=0' };
    this.signalingState = 'have-local-offer';
  }
  async setRemoteDescription(): Promise<void> {}
  /** Remote candidates applied. */
  candidates = 0;
  async addIceCandidate(): Promise<void> {
    this.candidates++;
  }
  restartIce(): void {
    this.restarts++;
  }
  async getStats(): Promise<Map<string, unknown>> {
    return new Map();
  }
  close(): void {
    this.closed = true;
    this.connectionState = 'closed';
    this.channel.close();
  }

  /** ICE found (or did not find) a path; the connection's state follows. */
  setState(ice: RTCIceConnectionState, connection: RTCPeerConnectionState): void {
    this.iceConnectionState = ice;
    this.connectionState = connection;
    this.oniceconnectionstatechange?.();
    this.onconnectionstatechange?.();
  }
}


/** A Mesh over FakeConnections; its relay side records what it was asked to do. */
export function nodeMesh(clock: FakeClock, selfId = 'f'.repeat(16)) {
  FakeConnection.install();
  const room = { open: true, sent: 0, received: [] as string[], signals: [] as { signal: Signal; to: string | undefined }[] };
  const fakeRoom = {
    get open() { return room.open; },
    send: (signal: Signal, to?: string) => {
      room.sent++;
      room.signals.push({ signal, to });
    },
    seal: () => {},
    publish: () => true,
    receive: (frame: string) => void room.received.push(frame),
  } as unknown as Room;
  const failures: unknown[] = [];
  const router = new ControlRouter<Peer>((error) => failures.push(error), clock);
  const tiles = new Set<string>();
  let most = 0;
  const mesh = new Mesh({
    selfId: () => selfId,
    selfName: 'Self',
    clock,
    room: fakeRoom,
    media: new LocalMedia(false),
    router,
    rtc: () => ({}),
    // Not joined: the prepared-connection pool stays out of the counts.
    joined: () => false,
    join: (peer) => {
      tiles.add(peer.id);
      most = Math.max(most, tiles.size);
    },
    update: () => {},
    leave: (peer) => void tiles.delete(peer.id),
    opened: () => {},
    channel: () => {},
    admits: () => true,
  });
  return { mesh, router, room, tiles, failures, mostTiles: () => most };
}

let seq = 0;
/** A member id (16 hex digits) no one has used in this process. */
export const freshId = (): string => (++seq).toString(16).padStart(16, '0');

/** A hello as the relay side hands it to the mesh, opened and checked (signature included: the mesh sees only verified envelopes). */
export const helloFrom = (from: string, clock: FakeClock): Inbound =>
  ({ from, ts: clock.now(), nonce: from, key: 'K'.repeat(87), type: 'hello', body: { name: 'Guest' } }) as Inbound;

/** An offer from a member we have not met (as a newcomer gets them), opened and checked. */
export const offerFrom = (from: string, clock: FakeClock): Inbound =>
  ({ from, ts: clock.now(), nonce: `${from}-offer`, key: 'K'.repeat(87), type: 'description', body: { name: 'Member', description: { type: 'offer', sdp: 'v=0' } } }) as Inbound;

/** One of that member's ICE candidates. */
export const candidateFrom = (from: string, clock: FakeClock, n: number): Inbound =>
  ({ from, ts: clock.now(), nonce: `${from}-c${n}`, key: 'K'.repeat(87), type: 'candidate', body: { candidate: { candidate: `candidate:${n} 1 udp 1 127.0.0.1 ${9000 + n} typ host`, sdpMid: '0' } } }) as Inbound;

/** The connection core made for a member (the last one made, when asked right after). */
export const lastConnection = (): FakeConnection => FakeConnection.made.at(-1)!;
