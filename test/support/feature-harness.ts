/**
 * Meetings in Node for feature tests: each member is a real FeatureSet with
 * a real control router, installed with real features; their "control
 * channels" hand each encoded message straight to the other member's router.
 * No WebRTC and no relay: the relay is a pair of counters. A feature's own
 * data channels are fake pairs (fake-channel.ts) that open on the next turn
 * of the event loop and reach the other member's features then.
 */
import type { MeetingState, RemotePeer } from '../../core/events.js';
import { FeatureSet, type Feature, type JoinKeys, type PeerInfo } from '../../core/features/feature.js';
import { LocalMedia } from '../../core/media/local.js';
import { ControlRouter } from '../../core/wire/registry.js';
import { channelPair, type FakeDataChannel } from './fake-channel.js';
import type { FakeClock } from './fake-clock.js';

/** Member `of` as seen by another member. */
export class FakePeer implements RemotePeer {
  name: string;
  publicKey = '';
  stream = null;
  /** Streams as a real peer would hold them; tests put what a member "sent" here. */
  streams = new Map<string, MediaStream>();
  audioEnabled = true;
  videoEnabled = true;
  connectionState = 'connected' as const;
  reconnecting = false;
  connectionFailed = false;
  constructor(readonly id: string, readonly of: Member, readonly changes: PeerInfo[]) {
    this.name = of.name;
  }
  update(info: PeerInfo): boolean {
    Object.assign(this, info);
    this.changes.push(info);
    return true;
  }
}

let ids = 0;

export class Member {
  readonly id = (++ids).toString(16).padStart(16, '0');
  readonly router: ControlRouter<FakePeer>;
  readonly features: FeatureSet<FakePeer>;
  readonly peers = new Map<string, FakePeer>();
  readonly events: Event[] = [];
  readonly relay = { connects: 0, disconnects: 0 };
  readonly updates: PeerInfo[] = [];
  /** What features sent as streams of their own (ctx.tracks), in order: `add` or `remove`, and the track. */
  readonly tracks: { op: 'add' | 'remove'; track: MediaStreamTrack; stream?: MediaStream }[] = [];
  readonly failures: unknown[] = [];
  /** Each time a feature asked to apply the track rules again: the member's id, or 'all'. */
  readonly refilters: string[] = [];
  /** Data channels this member opened, in order (the opener's ends). */
  readonly channels: FakeDataChannel[] = [];
  state: MeetingState = 'idle';

  constructor(readonly name: string, readonly clock: FakeClock, features: readonly Feature[], options: Record<string, unknown> = {}) {
    this.router = new ControlRouter<FakePeer>((error) => this.failures.push(error), clock);
    this.features = new FeatureSet<FakePeer>(features, {
      self: { id: this.id, name },
      clock,
      options,
      media: new LocalMedia(false),
      relay: { connect: () => this.relay.connects++, disconnect: () => this.relay.disconnects++ },
      tracks: { add: (track, stream) => void this.tracks.push({ op: 'add', track, stream }), remove: (track) => void this.tracks.push({ op: 'remove', track }) },
      router: this.router,
      refilter: (peer) => void this.refilters.push(peer?.id ?? 'all'),
      state: () => this.state,
      peers: () => this.peers.values(),
      peer: (id) => this.peers.get(id),
      sendData: (peer, data) => {
        // Delivered to the other member's router, as from us.
        const back = peer.of.peers.get(this.id);
        if (back) peer.of.router.dispatch(back, data);
        return back !== undefined;
      },
      openChannel: (peer, label) => this.openChannel(peer.of, label) as unknown as RTCDataChannel | null,
      emit: (event) => this.events.push(event),
    });
  }

  /** A data channel to `to` with any label (a test may play a hostile member); null when not linked. */
  openChannel(to: Member, label: string): FakeDataChannel | null {
    const back = to.peers.get(this.id);
    if (!back || !this.peers.has(to.id)) return null;
    const [ours, theirs] = channelPair(label);
    this.channels.push(ours);
    setImmediate(() => {
      ours.openBoth();
      to.features.channel(back, theirs as unknown as RTCDataChannel);
    });
    return ours;
  }

  /** Whether this member's features would show `from`'s track, as part of the stream `streamId` (their rules, ReceivedMedia). */
  shows(from: Member, track: Pick<MediaStreamTrack, 'kind'>, streamId = 'camera'): boolean {
    const peer = this.peers.get(from.id);
    return peer !== undefined && this.features.admits(peer, track as MediaStreamTrack, streamId);
  }

  /** Keys derived, relay dialled and reached; `keys` are what features get for data at rest. */
  join(keys: JoinKeys = { storeKey: null as unknown as CryptoKey, scope: 'scope' }): void {
    this.state = 'connecting';
    this.features.joined(keys);
    this.state = 'joined';
  }

  leave(): void {
    this.features.ended();
    this.state = 'left';
  }
}

/** Opens control channels between two members: both learn of each other, then each side's channel opens. */
export function link(a: Member, b: Member): void {
  a.peers.set(b.id, new FakePeer(b.id, b, a.updates));
  b.peers.set(a.id, new FakePeer(a.id, a, b.updates));
  a.features.peerOpened(a.peers.get(b.id)!);
  b.features.peerOpened(b.peers.get(a.id)!);
}

/** Joins each member, then links every pair, in order (a, b), (a, c), (b, c)…: a meeting of all of them. */
export function meetAll<T extends Member[]>(...members: T): T {
  for (const m of members) m.join();
  members.forEach((a, i) => members.slice(i + 1).forEach((b) => link(a, b)));
  return members;
}

/** Members with these names, joined, every pair linked in order. */
export function meet(clock: FakeClock, features: readonly Feature[], names: readonly string[], options: Record<string, unknown> = {}): Member[] {
  return meetAll(...names.map((n) => new Member(n, clock, features, options)));
}
