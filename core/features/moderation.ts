/**
 * Mute requests and "Lower hand": signed host actions (roles.ts) that a
 * member's own client obeys.
 *
 * A mute request names one member, or everyone but the host who asks. The
 * member's microphone is switched off at once (member state tells everyone)
 * and it is told who asked (a `muterequest` event). There is no request to
 * unmute: nobody can switch on anyone's microphone but their own. (To keep a
 * member silent, a host takes away the microphone permission instead,
 * permissions.ts, which every receiver enforces.)
 *
 * "Lower hand" names one member: its client lowers its own hand for
 * everyone (hands.ts), and every other member, having checked the action,
 * takes the hand down at once rather than wait for that word.
 */
import { invalidOption, SecureMeetingError } from '../errors.js';
import type { RemotePeer } from '../events.js';
import { isId, type Json } from '../wire/guards.js';
import { defineFeature } from './feature.js';
import { hands } from './hands.js';
import { memberState } from './member-state.js';
import { roles, type HostAction } from './roles.js';

/** Everyone: the `to` of a mute request for all (but the host who asks). */
export const EVERYONE = '*';

export interface MuteBody { to: string }
export interface LowerHandBody { to: string }

const isMuteBody = (b: Json) => Object.keys(b).length === 1 && (b['to'] === EVERYONE || isId(b['to']));
const isLowerHandBody = (b: Json) => Object.keys(b).length === 1 && isId(b['to']);

/** `muterequest`: a host asked us to mute, and our microphone was switched off; `handlowered`: a host lowered our hand. */
export class ModerationEvent extends Event {
  constructor(
    type: 'muterequest' | 'handlowered',
    /** The member id of the host or co-host who asked. */
    readonly by: string,
    /** Their display name as we know it ('' when not connected to us). */
    readonly byName: string,
    /** A mute request for everyone, not only us. */
    readonly everyone = false,
  ) {
    super(type);
  }
}

export interface ModerationApi {
  /**
   * Asks a member to mute: their microphone switches off at once. Host or
   * co-host only: rejects with 'forbidden' otherwise, 'closed' when no such
   * member is connected.
   */
  mute(id: string): Promise<void>;
  /** Asks everyone but us to mute. Host or co-host only. */
  muteAll(): Promise<void>;
  /** Lowers a member's raised hand, for everyone. Host or co-host only. */
  lowerHand(id: string): Promise<void>;
}

export const moderation = defineFeature({
  key: 'moderation',
  messages: [],
  requires: [memberState, roles, hands],
  install(ctx): ModerationApi {
    const hosts = ctx.use(roles);
    const state = ctx.use(memberState);
    const raised = ctx.use(hands);
    const Mute = hosts.action<MuteBody>('mute', isMuteBody);
    const LowerHand = hosts.action<LowerHandBody>('lower-hand', isLowerHandBody);

    const nameOf = (id: string) => [...ctx.peers()].find((p) => p.id === id)?.name ?? '';
    /** A bad argument throws at once; not being host, or no such member, rejects. */
    const toMember = (id: unknown, what: string, send: (peer: RemotePeer) => Promise<unknown>): Promise<void> => {
      if (typeof id !== 'string') throw invalidOption(`${what} takes a member id`);
      return (async () => {
        if (!hosts.mayAct) throw new SecureMeetingError('forbidden', `${what} needs the host or co-host role`);
        const peer = [...ctx.peers()].find((p) => p.id === id);
        if (!peer) throw new SecureMeetingError('closed', `no member ${id} is connected to us`);
        await send(peer);
      })();
    };

    hosts.onAction(Mute, ({ body, by }: HostAction<MuteBody>) => {
      const everyone = body.to === EVERYONE;
      if (by === ctx.self.id || (!everyone && body.to !== ctx.self.id)) return;
      if (ctx.media.audioEnabled) state.setAudioEnabled(false);
      ctx.emit(new ModerationEvent('muterequest', by, nameOf(by), everyone));
    });

    hosts.onAction(LowerHand, ({ body, by }: HostAction<LowerHandBody>) => {
      const ours = body.to === ctx.self.id;
      if (ours && !raised.up) return;
      raised.drop(body.to);
      if (ours && by !== ctx.self.id) ctx.emit(new ModerationEvent('handlowered', by, nameOf(by)));
    });

    return {
      // Only the member asked needs to hear a mute request; member state tells the rest.
      mute: (id) => toMember(id, 'mute()', (peer) => hosts.act(Mute, { to: peer.id }, [peer])),
      async muteAll() {
        if (!hosts.mayAct) throw new SecureMeetingError('forbidden', 'muteAll() needs the host or co-host role');
        await hosts.act(Mute, { to: EVERYONE });
      },
      lowerHand: (id) => toMember(id, 'lowerHand()', (peer) => hosts.act(LowerHand, { to: peer.id })),
    };
  },
});
