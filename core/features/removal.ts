/**
 * Removal (DESIGN.md, "Hosts without a server"): a host or co-host removes
 * a member with a signed host action (roles.ts). Every member that checks it
 * closes its connection to them and refuses their id and identity key for
 * the rest of the meeting; the removed member hears it over its own control
 * channel (the host's link lingers a moment so it arrives), says so and
 * leaves.
 *
 * The removed member still knows the password, so removal also starts a new
 * epoch (epoch.ts): the removing host draws a fresh random passphrase and
 * sends it, signed, to each remaining member over their own control channel
 * (never over the relay, never to the removed member); every one of them,
 * the host included, moves its relay side to the keys and blinded topic of
 * the new passphrase (same channel and namespace). The old password then
 * reaches a topic no one is on. The meeting itself (the role chain) goes on.
 */
import { invalidOption, SecureMeetingError } from '../errors.js';
import { MeetingErrorEvent, type RemotePeer } from '../events.js';
import { randomPassphrase } from '../passphrase.js';
import { isId } from '../wire/guards.js';
import { Epochs, isEpochSecret, type EpochSecret } from './epoch.js';
import { defineFeature } from './feature.js';
import { roles } from './roles.js';

/**
 * How long the host keeps its link to a member it removed: enough for the
 * removal to reach them before the connection closes (they leave on it, which
 * closes it sooner). Everyone else closes at once.
 */
export const REMOVE_LINGER_MS = 3000;

export interface RemoveBody { id: string }

/**
 * `removal`: a member was removed (`self` when it was us: the meeting leaves
 * next, its 'left' state event carrying the reason).
 */
export class RemovalEvent extends Event {
  constructor(
    /** The removed member's id, and their name as we knew it ('' if we never met them). */
    readonly id: string,
    readonly name: string,
    /** The host or co-host who removed them. */
    readonly by: string,
    readonly byName: string,
    readonly self: boolean,
  ) {
    super('removal');
  }
}

/**
 * `epoch`: the room secret changed (a removal). Hosts and co-hosts read the
 * new passphrase from the removal API; it is never on the event.
 */
export class EpochEvent extends Event {
  constructor(readonly epoch: number, readonly by: string) {
    super('epoch');
  }
}

export type RemovalDropReason =
  /** A removal the signer may not make: of itself, or of the host by a co-host. */
  | 'unentitled'
  /** A new secret that does not supersede ours (an older epoch, or the losing one of a race). */
  | 'stale'
  /** Moving to a new secret failed; the meeting goes on under the keys it had. */
  | 'failed';
export const REMOVAL_DROP_REASONS: readonly RemovalDropReason[] = ['unentitled', 'stale', 'failed'];

export interface RemovalApi {
  /**
   * Removes a member (hosts and co-hosts; a co-host cannot remove the host):
   * everyone closes their connection to them for good, they are told, and
   * the room secret changes for everyone else. Resolves once the removal and
   * the new secret are sent. Rejects with 'forbidden' without the role; a
   * TypeError for an id that is not another member's.
   */
  remove(id: string): Promise<void>;
  /** Members removed during this meeting, in order. */
  readonly removed: readonly string[];
  /** The epoch of the room secret: 0 until a removal. */
  readonly epoch: number;
  /**
   * The room secret since the last removal, for hosts and co-hosts to give
   * to people still to come (null for other members, and before any
   * removal). Never stored or logged by the kit.
   */
  readonly passphrase: string | null;
  /** Removal actions and secrets ignored, by reason. */
  readonly dropped: Readonly<Record<RemovalDropReason, number>>;
}

export const removal = defineFeature({
  key: 'removal',
  messages: [],
  requires: [roles],
  install(ctx): RemovalApi {
    const r = ctx.use(roles);
    const Remove = r.action<RemoveBody>('remove', (b) => isId(b['id']));
    const NewSecret = r.action<EpochSecret>('epoch', isEpochSecret);
    const dropped = Object.fromEntries(REMOVAL_DROP_REASONS.map((k) => [k, 0])) as Record<RemovalDropReason, number>;
    const removed = new Set<string>();
    /** Members whose control channel is open: who can be handed a new secret. */
    const open = new Map<string, RemotePeer>();
    const epochs = new Epochs(
      (secret) => ctx.relay.rekey(secret),
      (error) => {
        dropped.failed++;
        ctx.emit(new MeetingErrorEvent(error instanceof SecureMeetingError ? error
          : new SecureMeetingError('rejected', 'the new room secret could not be used; newcomers with it will not find us', { cause: error })));
      },
    );
    const peerOf = (id: string): RemotePeer | undefined => open.get(id) ?? [...ctx.peers()].find((p) => p.id === id);
    const nameOf = (id: string) => peerOf(id)?.name ?? 'a host';
    const entitled = (id: string, by: string, role: 'host' | 'cohost') => id !== by && !(role === 'cohost' && r.roleOf(id) === 'host');

    /** A member removed (not us): refused for good, and everyone here hears it. */
    const exclude = (id: string, by: string, lingerMs?: number) => {
      if (removed.has(id)) return;
      removed.add(id);
      const peer = peerOf(id);
      open.delete(id);
      ctx.refuse(id, peer?.publicKey ?? '', lingerMs);
      ctx.emit(new RemovalEvent(id, peer?.name ?? '', by, by === ctx.self.id ? ctx.self.name : nameOf(by), false));
    };

    ctx.onPeerOpen((peer) => void open.set(peer.id, peer));
    ctx.onPeerLeave((peer) => void open.delete(peer.id));

    r.onAction(Remove, (a) => {
      // Ours: remove() refuses them once the action is out (act() runs our handlers before it sends).
      if (a.by === ctx.self.id) return;
      const { id } = a.body;
      if (!entitled(id, a.by, a.role)) return void dropped.unentitled++;
      if (id !== ctx.self.id) return exclude(id, a.by);
      const byName = nameOf(a.by);
      removed.add(id);
      ctx.emit(new RemovalEvent(id, ctx.self.name, a.by, byName, true));
      ctx.leave(new SecureMeetingError('removed', `You were removed from the meeting by ${byName}`));
    });

    r.onAction(NewSecret, (a) => {
      if (removed.has(ctx.self.id)) return;
      if (!epochs.offer(a.body)) return void dropped.stale++;
      ctx.emit(new EpochEvent(a.body.epoch, a.by));
    });

    return {
      async remove(id) {
        if (!isId(id)) throw invalidOption('remove(id) takes a member id (16 hex digits)');
        if (id === ctx.self.id) throw invalidOption('remove() takes another member\'s id; to go yourself, leave()');
        const role = r.roleOf(ctx.self.id);
        if (!r.mayAct || role === 'member') throw new SecureMeetingError('forbidden', 'removing a member needs the host role');
        if (!entitled(id, ctx.self.id, role)) throw new SecureMeetingError('forbidden', 'a co-host cannot remove the host');
        if (removed.has(id)) return;
        // To everyone, the removed member included: they learn it from us, over their own link.
        await r.act(Remove, { id });
        exclude(id, ctx.self.id, REMOVE_LINGER_MS);
        // The new secret only to those who remain, each over its own link.
        const to = [...open.values()].filter((p) => !removed.has(p.id));
        await r.act(NewSecret, { epoch: epochs.next, secret: randomPassphrase() }, to);
      },
      get removed() {
        return [...removed].filter((id) => id !== ctx.self.id);
      },
      get epoch() {
        return epochs.epoch;
      },
      get passphrase() {
        return r.mayAct ? epochs.secret : null;
      },
      get dropped() {
        return { ...dropped };
      },
    };
  },
});
