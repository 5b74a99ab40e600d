/**
 * Raise hand: a member raises and lowers only its own hand. The state of
 * member X's hand comes only over X's own control channel, so no one can
 * raise or lower another's (a host's "Lower hand" is a signed request that
 * X's client obeys, moderation.ts); a member whose link opens later is told
 * the hand when it opens. Hands are kept in the order they were raised, by when we
 * saw each go up (a member who arrives later orders the hands already up by
 * when it heard of them).
 */
import type { TimerId } from '../clock.js';
import type { RemotePeer } from '../events.js';
import { TokenBucket } from '../wire/bucket.js';
import { defineMessage } from '../wire/registry.js';
import { defineFeature } from './feature.js';

export interface HandBody { up: boolean }

/** A person's hand goes up and down a few times in a row, not more. */
export const HandMessage = defineMessage<HandBody>('raise-hand', (b) => typeof b['up'] === 'boolean', { perSecond: 2, burst: 4 });

/** `hands`: the raised hands changed; `raised` lists member ids (ours included) in the order raised. */
export class HandsEvent extends Event {
  constructor(readonly raised: readonly string[]) {
    super('hands');
  }
}

export interface HandsApi {
  /** Members with a raised hand, ours included, in the order they were raised. */
  readonly raised: readonly string[];
  /** Whether our own hand is up. */
  readonly up: boolean;
  raise(): void;
  lower(): void;
  /**
   * Takes another member's hand down in our own view at once: a host
   * lowered it (moderation.ts checked the signed action). Their own client
   * lowers it for everyone; this only saves waiting for that word.
   */
  drop(id: string): void;
}

export const hands = defineFeature({
  key: 'raise-hand',
  messages: [HandMessage],
  install(ctx): HandsApi {
    /** Member id → when we saw their hand go up; ours is kept apart because our id exists only once joined. */
    const others = new Map<string, number>();
    let ours: number | null = null;
    const raised = (): string[] => {
      const all = [...others];
      if (ours !== null) all.push([ctx.self.id, ours]);
      // A stable sort: hands seen at the same moment stay in the order they came.
      return all.sort((a, b) => a[1] - b[1]).map(([id]) => id);
    };
    const changed = () => ctx.emit(new HandsEvent(raised()));

    // The same limit the others hold us to, so quick toggling never loses the
    // last word: what goes over waits, and then the state at that time goes.
    const pace = new TokenBucket(HandMessage.limit, ctx.clock.now());
    let pending: TimerId | undefined;
    const tell = () => {
      if (pending !== undefined) return;
      const wait = pace.wait(ctx.clock.now());
      if (wait > 0) {
        pending = ctx.clock.setTimeout(() => {
          pending = undefined;
          tell();
        }, wait);
        return;
      }
      pace.take(ctx.clock.now());
      ctx.send('all', HandMessage, { up: ours !== null });
    };
    const set = (up: boolean) => {
      if ((ours !== null) === up) return;
      ours = up ? ctx.clock.now() : null;
      tell();
      changed();
    };

    ctx.onPeerOpen((peer) => {
      if (ours !== null) ctx.send(peer, HandMessage, { up: true });
    });
    ctx.on(HandMessage, (peer, { up }) => {
      if (others.has(peer.id) === up) return;
      if (up) others.set(peer.id, ctx.clock.now());
      else others.delete(peer.id);
      changed();
    });
    ctx.onPeerLeave((peer: RemotePeer) => {
      if (others.delete(peer.id)) changed();
    });
    ctx.onLeave(() => {
      ctx.clock.clearTimeout(pending);
      pending = undefined;
    });

    return {
      get raised() {
        return raised();
      },
      get up() {
        return ours !== null;
      },
      raise: () => set(true),
      lower: () => set(false),
      drop: (id) => {
        if (id === ctx.self.id) set(false);
        else if (others.delete(id)) changed();
      },
    };
  },
});
