/**
 * Meetings in Node for feature tests: each member is a real FeatureSet with
 * a real control router, installed with real features; their "control
 * channels" hand each encoded message straight to the other member's router.
 * No WebRTC and no relay: the relay is a pair of counters, unless the test
 * puts members on a FakeRelay, which carries hellos and knock signals
 * through each member's real gate (core/mesh/gate.ts). A feature's own
 * data channels are fake pairs (fake-channel.ts) that open on the next turn
 * of the event loop and reach the other member's features then.
 */
import type { MeetingState, RemotePeer } from '../../core/events.js';
import { FeatureSet, type Feature, type JoinKeys, type PeerInfo, type PeerRtp } from '../../core/features/feature.js';
import { ActionMessage, GENESIS_WAIT_MS, ROSTER_DELAY_MS, roles } from '../../core/features/roles.js';
import { signStatement, type SignedAction } from '../../core/features/statements.js';
import { createIdentity, SignatureChecker, type Identity } from '../../core/identity.js';
import { LocalMedia } from '../../core/media/local.js';
import { Gate } from '../../core/mesh/gate.js';
import type { KnockBody } from '../../core/wire/signals.js';
import { ControlRouter } from '../../core/wire/registry.js';
import { channelPair, type FakeDataChannel } from './fake-channel.js';
import type { FakeClock } from './fake-clock.js';

/** Member `of` as seen by another member. */
export class FakePeer implements RemotePeer {
  name: string;
  publicKey: string;
  stream = null;
  /** Streams as a real peer would hold them; tests put what a member "sent" here. */
  streams = new Map<string, MediaStream>();
  audioEnabled = true;
  videoEnabled = true;
  connectionState = 'connected' as const;
  reconnecting = false;
  connectionFailed = false;
  /** Whether `of` was in the meeting before the member holding this peer (it answered that member's hello). */
  older = false;
  /**
   * The media side features see (ctx.rtp): no senders and empty statistics
   * until a test puts its own fakes here (an RTCRtpSender needs a browser).
   */
  rtp: PeerRtp = { senders: () => [], stats: async () => new Map() as unknown as RTCStatsReport };
  constructor(readonly id: string, readonly of: Member, readonly changes: PeerInfo[]) {
    this.name = of.name;
    this.publicKey = of.key;
  }
  update(info: PeerInfo): boolean {
    Object.assign(this, info);
    this.changes.push(info);
    return true;
  }
}

let ids = 0;

export class Member {
  readonly id: string;
  /** Its public identity key; test members without an identity get a stand-in (the gate compares keys, never checks them). */
  readonly key: string;
  readonly router: ControlRouter<FakePeer>;
  readonly features: FeatureSet<FakePeer>;
  readonly peers = new Map<string, FakePeer>();
  readonly events: Event[] = [];
  readonly relay = { connects: 0, disconnects: 0, rekeys: [] as string[] };
  /** Members this one refused (ctx.refuse), in order; each is unlinked from it at once. */
  readonly refused: { id: string; publicKey: string; lingerMs: number | undefined }[] = [];
  /** Why a feature ended the meeting for this member (ctx.leave). */
  leftWith: Error | null = null;
  readonly updates: PeerInfo[] = [];
  /** What features sent as streams of their own (ctx.tracks), in order: `add` or `remove`, and the track. */
  readonly tracks: { op: 'add' | 'remove'; track: MediaStreamTrack; stream?: MediaStream }[] = [];
  readonly failures: unknown[] = [];
  /** Each time a feature asked to apply the track rules again: the member's id, or 'all'. */
  readonly refilters: string[] = [];
  /** Data channels this member opened, in order (the opener's ends). */
  readonly channels: FakeDataChannel[] = [];
  state: MeetingState = 'idle';
  /** Our camera and microphone as features see them (none opened: switching and forbidding work all the same). */
  readonly media = new LocalMedia(false);
  /** The mesh's real gate: what a FakeRelay carries to this member goes through it. */
  readonly gate: Gate<Member>;
  /** The FakeRelay this member is on, if any. */
  onRelay: FakeRelay | null = null;
  /** Knock signals this member sent (sealed, in a real meeting), in order. */
  readonly knocks: { to: string; body: KnockBody }[] = [];
  /** How often this member said hello again (GateControl.knockAgain). */
  hellos = 0;

  /** A member with a real identity key (needed by features that sign, such as roles). */
  static async signed(name: string, clock: FakeClock, features: readonly Feature[], options: Record<string, unknown> = {}): Promise<Member> {
    return new Member(name, clock, features, options, await createIdentity());
  }

  constructor(readonly name: string, readonly clock: FakeClock, features: readonly Feature[], options: Record<string, unknown> = {}, readonly identity?: Identity) {
    this.id = identity?.id ?? (++ids).toString(16).padStart(16, '0');
    this.key = identity?.publicKey ?? `key-${this.id}`;
    const signatures = new SignatureChecker();
    this.gate = new Gate<Member>(clock, {
      // A released hello makes us the one who offers, as the mesh does.
      start: ([from]) => void (from && this.offerTo(from)),
      send: (to, body) => {
        this.knocks.push({ to, body });
        this.onRelay?.knock(this, to, body);
      },
      hello: () => {
        this.hellos++;
        this.onRelay?.hello(this);
      },
    });
    this.router = new ControlRouter<FakePeer>((error) => this.failures.push(error), clock);
    this.features = new FeatureSet<FakePeer>(features, {
      self: { id: this.id, name },
      clock,
      options,
      media: this.media,
      signer: {
        id: this.id,
        publicKey: identity?.publicKey ?? '',
        sign: (data) => (identity ? identity.sign(data) : Promise.reject(new Error('this test member has no identity'))),
        verify: (from, key, signature, data) => signatures.verify(from, key, signature, data),
      },
      olderThanUs: (peer) => peer.older,
      relay: {
        connect: () => this.relay.connects++,
        disconnect: () => {
          this.relay.disconnects++;
          this.onRelay?.members.delete(this);
        },
        rekey: async (secret) => void this.relay.rekeys.push(secret),
      },
      tracks: { add: (track, stream) => void this.tracks.push({ op: 'add', track, stream }), remove: (track) => void this.tracks.push({ op: 'remove', track }) },
      router: this.router,
      refilter: (peer) => void this.refilters.push(peer?.id ?? 'all'),
      state: () => this.state,
      peers: () => this.peers.values(),
      peer: (id) => this.peers.get(id),
      rtp: (peer) => peer.rtp,
      sendData: (peer, data) => {
        // Delivered to the other member's router, as from us.
        const back = peer.of.peers.get(this.id);
        if (back) peer.of.router.dispatch(back, data);
        return back !== undefined;
      },
      openChannel: (peer, label) => this.openChannel(peer.of, label) as unknown as RTCDataChannel | null,
      refuse: (id, publicKey, lingerMs) => {
        this.refused.push({ id, publicKey, lingerMs });
        const peer = this.peers.get(id);
        if (!peer) return;
        this.peers.delete(id);
        this.features.peerLeft(peer);
      },
      leave: (reason) => {
        this.leftWith = reason;
        this.leave();
      },
      emit: (event) => this.events.push(event),
      gate: (policy) => this.gate.install(policy),
    });
  }

  /** A hello or offer of `from` reaches us over the relay: through our gate, as the mesh takes it. */
  arrive(from: Member, kind: 'hello' | 'offer'): void {
    if (this.peers.has(from.id)) return;
    if (!this.gate.arrive({ id: from.id, key: from.key, name: from.name }, kind, from)) return;
    // The one who offers was there first.
    if (kind === 'hello') this.offerTo(from);
    else link(from, this);
  }

  /** We offer to `to` (answering its hello): linked if its gate lets the offer in. */
  offerTo(to: Member): void {
    if (this.peers.has(to.id)) return;
    to.arrive(this, 'offer');
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

/** The relay for the waiting room's tests: hellos and knock signals between the members on it. */
export class FakeRelay {
  readonly members = new Set<Member>();

  /** `m` reaches the relay and says hello, as a joining member does. */
  enter(m: Member): void {
    m.onRelay = this;
    this.members.add(m);
    this.hello(m);
  }

  hello(from: Member): void {
    if (!this.members.has(from)) return;
    for (const m of [...this.members]) if (m !== from) m.arrive(from, 'hello');
  }

  /** While true, knocks wait in `late` until deliverLate(): a relay (or a member) slow to answer. */
  slowKnocks = false;
  readonly late: Array<() => void> = [];

  knock(from: Member, to: string, body: KnockBody): void {
    if (!this.members.has(from)) return;
    const deliver = () => {
      for (const m of this.members) if (m.id === to) m.gate.knocked({ id: from.id, key: from.key }, body);
    };
    if (this.slowKnocks) this.late.push(deliver);
    else deliver();
  }

  /** Delivers the knocks held while slowKnocks was on, in order, and turns it off. */
  deliverLate(): void {
    this.slowKnocks = false;
    for (const deliver of this.late.splice(0)) deliver();
  }
}

/** Opens control channels between two members: both learn of each other, then each side's channel opens. `a` was there first. */
export function link(a: Member, b: Member): void {
  a.peers.set(b.id, new FakePeer(b.id, b, a.updates));
  b.peers.set(a.id, Object.assign(new FakePeer(a.id, a, b.updates), { older: true }));
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

/** Ends the link between two members: each sees the other leave (a bye, liveness, or only this link given up). */
export function unlink(a: Member, b: Member): void {
  for (const [x, y] of [[a, b], [b, a]] as const) {
    const peer = x.peers.get(y.id);
    if (!peer) continue;
    x.peers.delete(y.id);
    x.features.peerLeft(peer);
  }
}

/** `viewer` alone notices `gone` has gone (its liveness ran out; others may not have noticed yet). */
export function forget(viewer: Member, gone: Member): void {
  const peer = viewer.peers.get(gone.id);
  if (!peer) return;
  viewer.peers.delete(gone.id);
  viewer.features.peerLeft(peer);
}

/** A member leaving as a meeting does: its features' last word, then every link ends, then it is gone. */
export async function leaveMeeting(m: Member, all: readonly Member[]): Promise<void> {
  await m.features.leaving();
  for (const other of all) if (other !== m) unlink(m, other);
  m.leave();
}

/**
 * Lets pending async work (signing, signature checks on the crypto thread
 * pool) run: until `done` holds, or `maxMs` of real time. Without `done`, it
 * waits a quiet moment for whatever is in flight.
 */
export async function settle(done?: () => boolean, maxMs = done ? 3000 : 40): Promise<void> {
  const until = performance.now() + maxMs;
  while (!(done?.() ?? false) && performance.now() < until) await new Promise((resolve) => setTimeout(resolve, 1));
}

/**
 * A meeting with a host, of members with real identity keys and `features`
 * (roles among them): the first hosts, the others come one by one, each
 * linked to all before it, until all agree on the host and its roster.
 */
export async function hostedMeeting(clock: FakeClock, features: readonly Feature[], ...names: string[]): Promise<Member[]> {
  const all = await Promise.all(names.map((n) => Member.signed(n, clock, features)));
  const [first, ...rest] = all as [Member, ...Member[]];
  const rolesOf = (m: Member) => m.features.api(roles);
  first.join();
  clock.advance(GENESIS_WAIT_MS);
  await settle(() => rolesOf(first).host === first.id);
  rest.forEach((m, i) => {
    m.join();
    for (const before of all.slice(0, i + 1)) link(before, m);
  });
  clock.advance(ROSTER_DELAY_MS);
  await settle(() => all.every((m) => rolesOf(m).host === first.id && rolesOf(m).term === 0));
  await settle();
  return all;
}

/** A host action's chain as a member received it: what a forger would copy. */
export interface HeardChain { start: SignedAction; roster?: SignedAction; a: SignedAction }

/** The chain `witness` receives from `host` with the host action `act` makes. */
export async function chainFrom(host: Member, witness: Member, act: () => Promise<unknown>): Promise<HeardChain> {
  let heard: HeardChain | undefined;
  const dispatch = witness.router.dispatch.bind(witness.router);
  witness.router.dispatch = (peer, data) => {
    const msg = JSON.parse(String(data)) as { type: string; body: HeardChain };
    if (msg.type === 'host-action' && peer.id === host.id) heard = msg.body;
    dispatch(peer, data);
  };
  await act();
  await settle(() => heard !== undefined);
  witness.router.dispatch = dispatch;
  return heard!;
}

/**
 * `by` (a member who is not host) signs a host action of `kind` with its
 * own key and sends it to `to` over their link, with a real chain: what
 * every member must ignore and count as unentitled.
 */
export async function forgeAction(by: Member, to: Member, chain: HeardChain, kind: string, body: object): Promise<void> {
  const signer = { id: by.id, publicKey: by.identity!.publicKey, sign: (d: Uint8Array<ArrayBuffer>) => by.identity!.sign(d), verify: async () => true };
  const { meeting, term } = JSON.parse(chain.a.p) as { meeting: string; term: number };
  const forged = await signStatement(signer, { kind: `act:${kind}`, meeting, term, ts: by.clock.now(), body: body as never });
  const wire = { start: chain.start, ...(chain.roster ? { roster: chain.roster } : {}), a: forged.signed };
  to.router.dispatch(to.peers.get(by.id) as FakePeer, to.router.encode('roles', ActionMessage, wire));
}
