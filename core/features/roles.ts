/**
 * Roles: host and co-hosts, and the signed host actions other features are
 * built on (waiting room, permissions, mute requests, removal). There is no
 * server to trust, so every member holds the role chain (role-chain.ts) and
 * checks each host action itself: signed by the identity key of this term's
 * host or one of its co-hosts, for this meeting and this term, fresh and not
 * seen before. Anything else is dropped and counted in `dropped`.
 *
 * The chain travels in `roles` messages: each member shows its term's start
 * and roster when a control channel opens and passes on what it newly
 * accepts, and every host action carries them too, so an action is checked
 * with the chain that entitles it.
 */
import type { TimerId } from '../clock.js';
import { MAX_CLOCK_SKEW_MS } from '../envelope.js';
import { SecureMeetingError } from '../errors.js';
import type { RemotePeer } from '../events.js';
import { isObject, type Json } from '../wire/guards.js';
import { defineMessage } from '../wire/registry.js';
import { defineFeature } from './feature.js';
import {
  acceptsRoster, beats, follows, hostOf, MAX_COHOSTS, nextTerm, rosterOf, successionOrder, successor, wholeTerm,
  type MemberRef, type Term, type TermBasis,
} from './role-chain.js';
import { isSigned, newMeetingId, parseStatement, signStatement, StatementChecker, type SignedAction, type Statement } from './statements.js';

export type { SignedAction } from './statements.js';
export type Role = 'host' | 'cohost' | 'member';

/** A member with no one before it becomes host this long after it joined (others who were there first would have shown their chain by then). */
export const GENESIS_WAIT_MS = 2000;
/** The host signs a new roster this long after members come or go, once for a burst of them. */
export const ROSTER_DELAY_MS = 250;
/** A newcomer may still switch to the chain most members show it this long after adopting one. */
export const ADOPT_GRACE_MS = 10_000;
/**
 * How long after making our own genesis, alone, we still give it up when a meeting that was there first tells us to
 * wait (its answer to our hello came after GENESIS_WAIT_MS): see undoLoneGenesis.
 */
export const LONE_GENESIS_GRACE_MS = 15_000;
const MAX_QUEUED = 64;
const MAX_HELD_ACTIONS = 16;
const MAX_REPLAY = 4096;

export type RoleDropReason = 'malformed' | 'forged' | 'foreign' | 'stale' | 'unentitled' | 'replayed' | 'overflow';
export const ROLE_DROP_REASONS: readonly RoleDropReason[] = ['malformed', 'forged', 'foreign', 'stale', 'unentitled', 'replayed', 'overflow'];

/**
 * A term as members show it: its start, its host's latest roster, and for a
 * term claimed after a host vanished, the last roster of the term before
 * (the `basis` that ranks the claim), so rival claims are ranked alike.
 */
export interface ChainBody { start: SignedAction; roster?: SignedAction; basis?: SignedAction }
export interface ActionBody extends ChainBody { a: SignedAction }

const isChainBody = (b: Json) => isSigned(b['start']) && (b['roster'] === undefined || isSigned(b['roster'])) && (b['basis'] === undefined || isSigned(b['basis']));
export const RolesMessage = defineMessage<ChainBody>('roles', isChainBody, { perSecond: 5, burst: 20 });
export const ActionMessage = defineMessage<ActionBody>('host-action', (b) => isChainBody(b) && isSigned(b['a']), { perSecond: 10, burst: 30 });

/** A kind of host action a feature issues and obeys, with the guard its body must pass. */
export interface ActionType<B extends object> {
  readonly kind: string;
  readonly valid: (body: Json) => boolean;
  /** Carries the body type for TypeScript; never set. */
  readonly body?: B;
}

/** A host action that passed every check. */
export interface HostAction<B> {
  readonly kind: string;
  readonly body: B;
  /** The member id of the host or co-host who signed it. */
  readonly by: string;
  readonly role: 'host' | 'cohost';
  readonly ts: number;
  /** As it was signed: to pass on to someone who checks it themselves. */
  readonly signed: SignedAction;
}

/** `roles`: the host or the co-hosts changed. */
export class RolesEvent extends Event {
  constructor(readonly host: string | null, readonly cohosts: readonly string[]) {
    super('roles');
  }
}

export interface RolesApi {
  /** The host's member id (ours, perhaps); null until known. */
  readonly host: string | null;
  readonly cohosts: readonly string[];
  /** The host term: 0 for the first host, one more at each hand-over; -1 before any. */
  readonly term: number;
  /** Who would take over from the host, in order (co-hosts first, then by arrival), as the last roster says. */
  readonly succession: readonly string[];
  roleOf(id: string): Role;
  /** Whether we are host or co-host now. */
  readonly mayAct: boolean;
  /** Makes a member co-host, or not (the host only). */
  setCohost(id: string, on: boolean): Promise<void>;
  /** Declares a kind of host action (in a feature's install()). */
  action<B extends object>(kind: string, valid: (body: Json) => boolean): ActionType<B>;
  /** Signs a host action and sends it to every member (or only `to`); our own handlers get it too. */
  act<B extends object>(type: ActionType<B>, body: B, to?: readonly RemotePeer[]): Promise<SignedAction>;
  onAction<B extends object>(type: ActionType<B>, handler: (action: HostAction<B>) => void): void;
  /** Checks an action that came another way (sealed over the relay); null when it must be ignored (counted). */
  verify<B extends object>(type: ActionType<B>, signed: SignedAction): Promise<HostAction<B> | null>;
  /** Don't become host while this says so (a newcomer waiting to be let in). */
  holdGenesisWhile(waiting: () => boolean): void;
  /**
   * Gives up the host role of a meeting we started ourselves, when it still has no one else in it and is under
   * LONE_GENESIS_GRACE_MS old: a meeting that was there first answered our hello late (a waiting room telling us
   * to wait). True when given up: we host nothing, and make no genesis while a hold says so.
   */
  undoLoneGenesis(): boolean;
  readonly dropped: Readonly<Record<RoleDropReason, number>>;
}

const forbidden = (what: string) => new SecureMeetingError('forbidden', `${what} needs the host role`);

export const roles = defineFeature({
  key: 'roles',
  messages: [RolesMessage, ActionMessage],
  install(ctx): RolesApi {
    const dropped = Object.fromEntries(ROLE_DROP_REASONS.map((r) => [r, 0])) as Record<RoleDropReason, number>;
    const checker = new StatementChecker(ctx.signer);
    const types = new Map<string, { type: ActionType<object>; handlers: ((a: HostAction<object>) => void)[] }>();
    /** Actions taken or refused as replays: signature → the payload it signed. */
    const seen = new Map<string, string>();
    const holds: (() => boolean)[] = [];
    let term: Term | null = null;
    /** The term's roster as its host signed it (null while it has only the one it inherited). */
    let rosterSigned: Statement | null = null;
    /** For a claimed term: the roster of the term before that ranks the claim. */
    let basisSigned: Statement | null = null;
    /** Our own genesis, and the members we knew when we made it (a rival genesis from one of them is a tie to settle). */
    let genesis: { knew: Set<string> } | null = null;
    let adoptedAt: number | null = null;
    /** Who showed us which term start (by signature), for choosing among chains we cannot check against ours. */
    const shown = new Map<string, Set<string>>();
    /** Claims to the next term waiting for the host to be gone in our view. */
    const claims = new Map<string, ChainBody & { from: RemotePeer }>();
    const heldActions: { peer: RemotePeer; body: ActionBody }[] = [];
    let lastSeen = '';
    let genesisTimer: TimerId | undefined;
    let rosterTimer: TimerId | undefined;
    let work: Promise<void> = Promise.resolve();
    let queued = 0;

    const drop = (reason: RoleDropReason): null => {
      dropped[reason]++;
      return null;
    };
    /** Members whose control channel is open: a hello from a ghost never makes it into a roster. */
    const open = new Map<string, RemotePeer>();
    const present = (id: string) => id === ctx.self.id || open.has(id);
    const peerById = (id: string) => open.get(id);
    /** Whether any member the roster lists (its host aside) is here. */
    const listedHere = (t: TermBasis) => successionOrder(t.roster, t.host.id).some((m) => present(m.id));
    /**
     * Who takes over from the host: the roster's first member still here;
     * when it lists no one here (everyone came after its last roster), the
     * lowest id among those here, which every member computes alike.
     */
    const nextHost = (t: TermBasis, here: (id: string) => boolean): MemberRef | null => {
      const listed = successor(t.roster, t.host.id, here);
      if (listed) return listed;
      const unlisted = [{ id: ctx.self.id, key: ctx.signer.publicKey }, ...[...open.values()].map((p) => ({ id: p.id, key: p.publicKey }))]
        .filter((m) => m.id !== t.host.id && here(m.id));
      return unlisted.sort((a, b) => (a.id < b.id ? -1 : 1))[0] ?? null;
    };
    const cohostIds = () => term?.roster.cohosts.map((m) => m.id) ?? [];
    const roleOf = (id: string): Role => (term?.host.id === id ? 'host' : cohostIds().includes(id) ? 'cohost' : 'member');
    const chainBody = (): ChainBody | null => term && {
      start: term.start.signed,
      ...(rosterSigned ? { roster: rosterSigned.signed } : {}),
      ...(basisSigned ? { basis: basisSigned.signed } : {}),
    };
    const showTo = (peers: Iterable<RemotePeer>, except?: RemotePeer) => {
      const body = chainBody();
      if (body) for (const p of peers) if (p !== except) ctx.send(p, RolesMessage, body);
    };
    const changed = () => {
      const now = `${term?.host.id}|${cohostIds().join()}`;
      if (now === lastSeen) return;
      lastSeen = now;
      ctx.emit(new RolesEvent(term?.host.id ?? null, cohostIds()));
    };

    /** Runs inbound work one at a time (checking signatures is async), a bounded number waiting. */
    const serial = (job: () => Promise<void>) => {
      if (queued >= MAX_QUEUED) return void drop('overflow');
      queued++;
      work = work.then(job).catch(() => void dropped.malformed++).finally(() => void queued--);
    };

    const checked = async (signed: SignedAction | undefined): Promise<Statement | null | undefined> => {
      if (signed === undefined) return undefined;
      const statement = parseStatement(signed);
      if (!statement) return drop('malformed');
      return (await checker.check(statement)) ? statement : drop('forged');
    };

    const setTerm = (next: Term, roster: Statement | null | undefined, from?: RemotePeer, basis: Statement | null = null) => {
      term = next;
      rosterSigned = null;
      basisSigned = next.start.kind === 'succeed' ? basis : null;
      claims.clear();
      if (roster && acceptsRoster(next, roster)) {
        next.roster = rosterOf(roster);
        rosterSigned = roster;
      }
      ctx.clock.clearTimeout(genesisTimer);
      showTo(ctx.peers(), from);
      afterChange();
    };

    const afterChange = () => {
      changed();
      if (term?.host.id === ctx.self.id) scheduleRoster();
      checkSuccession();
      const held = heldActions.splice(0);
      for (const { peer, body } of held) serial(() => onAction(peer, body));
    };

    const count = (start: Statement, from: RemotePeer): number => {
      const set = shown.get(start.signed.s) ?? new Set<string>();
      set.add(from.id);
      shown.set(start.signed.s, set);
      if (shown.size > 64) shown.delete(shown.keys().next().value as string);
      return set.size;
    };
    const shownBy = (start: Statement) => shown.get(start.signed.s)?.size ?? 0;

    /** A chain a member showed us: take it, follow it, or keep ours. */
    const offer = (from: RemotePeer, start: Statement, roster: Statement | null | undefined, basis: Statement | undefined) => {
      const host = hostOf(start);
      // A newer roster of the term a claim follows, signed by that term's host: claims are ranked by the newest anyone has.
      const learn = (t: TermBasis | null) => {
        if (!basis || !t || !acceptsRoster(t, basis)) return;
        t.roster = rosterOf(basis);
        if (t === term) rosterSigned = basis;
      };
      if (!host || (start.kind === 'genesis' && start.term !== 0)) return void drop('malformed');
      const times = count(start, from);
      const t = term;
      if (!t) {
        adoptedAt = ctx.clock.now();
        return setTerm(wholeTerm(start, host), roster, from);
      }
      if (start.meeting !== t.meeting) return foreign(from, start, host, roster, times);
      if (start.term < t.n) {
        dropped.stale++;
        return showTo([from]);
      }
      if (start.term === t.n) {
        if (start.signed.s === t.start.signed.s) {
          if (roster && acceptsRoster(t, roster)) {
            t.roster = rosterOf(roster);
            rosterSigned = roster;
            showTo(ctx.peers(), from);
            afterChange();
          }
          return;
        }
        // A rival start of our term: settled by the same rule everywhere.
        if (t.before) {
          learn(t.before);
          const ok = follows(t.before, start, !present(t.before.host.id), listedHere(t.before)) === 'yes';
          if (ok && beats(start, t.start, t.before)) return setTerm(nextTerm(t.before, start, host), roster, from, basis);
          if (!ok) dropped.unentitled++;
          return showTo([from]);
        }
        if (times > shownBy(t.start)) return setTerm(wholeTerm(start, host), roster, from);
        return;
      }
      if (start.term === t.n + 1) {
        learn(t);
        const verdict = follows(t, start, !present(t.host.id), listedHere(t));
        if (verdict === 'yes') return setTerm(nextTerm(t, start, host), roster, from, basis ?? rosterSigned);
        if (verdict === 'wait') return void claims.set(start.by, { start: start.signed, ...(roster ? { roster: roster.signed } : {}), from });
        return void drop('unentitled');
      }
      // Terms we missed (our links were down): taken only when most members we are connected to show it.
      if (times * 2 > open.size) return setTerm(wholeTerm(start, host), roster, from);
      dropped.unentitled++;
    };

    /** A chain of another meeting (another genesis). */
    const foreign = (from: RemotePeer, start: Statement, host: MemberRef, roster: Statement | null | undefined, times: number) => {
      const t = term as Term;
      const ownStart = genesis !== null && t.n === 0 && t.start.by === ctx.self.id;
      const take =
        // Our genesis was a mistake: this member was here before us.
        (ownStart && ctx.olderThanUs(from)) ||
        // Two first members at once: the lower id's genesis stands.
        (ownStart && start.kind === 'genesis' && start.by === from.id && genesis!.knew.has(from.id) && from.id < ctx.self.id) ||
        // Our host itself went over to that chain.
        from.id === t.host.id ||
        // A newcomer's first days: the chain most of those who were here show.
        (adoptedAt !== null && ctx.clock.now() - adoptedAt < ADOPT_GRACE_MS && ctx.olderThanUs(from) && times > shownBy(t.start));
      if (!take) return void drop('foreign');
      genesis = null;
      setTerm(wholeTerm(start, host), roster, from);
    };

    const onChain = async (from: RemotePeer, body: ChainBody) => {
      const start = await checked(body.start);
      const roster = await checked(body.roster);
      const basis = await checked(body.basis);
      if (start && roster !== null && basis !== null) offer(from, start, roster, basis);
    };

    const checkSuccession = () => {
      const t = term;
      if (!t || present(t.host.id)) return;
      // A claim we were holding until the host was gone in our view: the best one.
      let best: (ChainBody & { from: RemotePeer }) | null = null;
      let bestStart: Statement | null = null;
      for (const claim of claims.values()) {
        const s = parseStatement(claim.start);
        if (s && follows(t, s, true, listedHere(t)) === 'yes' && (!bestStart || beats(s, bestStart, t))) [best, bestStart] = [claim, s];
      }
      const next = nextHost(t, present);
      if (next?.id === ctx.self.id) return void claim(t);
      if (best && bestStart) setTerm(nextTerm(t, bestStart, hostOf(bestStart) as MemberRef), best.roster ? parseStatement(best.roster) : null, best.from, rosterSigned);
    };

    const claim = async (t: Term) => {
      const basis = rosterSigned;
      const start = await signStatement(ctx.signer, { kind: 'succeed', meeting: t.meeting, term: t.n + 1, ts: ctx.clock.now(), body: { after: t.host.id } });
      if (term !== t) return;
      setTerm(nextTerm(t, start, { id: ctx.self.id, key: ctx.signer.publicKey }), null, undefined, basis);
    };

    const scheduleRoster = () => {
      if (rosterTimer !== undefined) return;
      rosterTimer = ctx.clock.setTimeout(() => {
        rosterTimer = undefined;
        void signRoster();
      }, ROSTER_DELAY_MS);
    };

    /** As host: the roster of who is here, in the order they came, with the co-hosts still here. */
    const signRoster = async (cohosts?: readonly MemberRef[]) => {
      const t = term;
      if (!t || t.host.id !== ctx.self.id) return;
      const here = [...open.values()].map((p) => ({ id: p.id, key: p.publicKey }));
      const known = new Set(t.roster.order.map((m) => m.id));
      const order = [...t.roster.order.filter((m) => present(m.id)), ...here.filter((m) => !known.has(m.id))];
      const keep = (cohosts ?? t.roster.cohosts).filter((m) => present(m.id) && m.id !== ctx.self.id);
      const body = { seq: t.roster.seq + 1, cohosts: keep, order };
      const statement = await signStatement(ctx.signer, { kind: 'roster', meeting: t.meeting, term: t.n, ts: ctx.clock.now(), body });
      if (term !== t || !acceptsRoster(t, statement)) return;
      t.roster = rosterOf(statement);
      rosterSigned = statement;
      showTo(ctx.peers());
      changed();
    };

    const makeGenesis = async () => {
      genesisTimer = undefined;
      if (term || ctx.state() === 'left') return;
      const waiting = holds.some((h) => h()) || [...ctx.peers()].some((p) => ctx.olderThanUs(p));
      if (waiting) return void (genesisTimer = ctx.clock.setTimeout(() => void makeGenesis(), GENESIS_WAIT_MS));
      const knew = new Set([...ctx.peers()].map((p) => p.id));
      const start = await signStatement(ctx.signer, { kind: 'genesis', meeting: newMeetingId(), term: 0, ts: ctx.clock.now(), body: {} });
      if (term) return;
      genesis = { knew };
      setTerm(wholeTerm(start, { id: ctx.self.id, key: ctx.signer.publicKey }), null);
    };

    /** A host action's checks, after its chain was offered: meeting, term, signer's role, freshness, replay, signature, body. */
    const check = async <B extends object>(signed: SignedAction, type?: ActionType<B>): Promise<HostAction<B> | null> => {
      const a = parseStatement(signed);
      if (!a || !a.kind.startsWith('act:')) return drop('malformed');
      const t = term;
      if (!t) return drop('unentitled');
      if (a.meeting !== t.meeting) return drop('foreign');
      if (a.term !== t.n || Math.abs(ctx.clock.now() - a.ts) > MAX_CLOCK_SKEW_MS) return drop('stale');
      const role = a.by === t.host.id && a.key === t.host.key ? 'host'
        : t.roster.cohosts.some((m) => m.id === a.by && m.key === a.key) ? 'cohost' : null;
      if (!role) return drop('unentitled');
      // A signature seen before on another payload cannot be good for this one.
      const before = seen.get(a.signed.s);
      if (before !== undefined) return drop(before === a.signed.p ? 'replayed' : 'forged');
      if (!(await checker.check(a))) return drop('forged');
      if (seen.has(a.signed.s)) return drop('replayed');
      const entry = types.get(a.kind.slice(4));
      if (!entry || (type && entry.type !== (type as ActionType<object>)) || !entry.type.valid(a.body)) return drop('malformed');
      seen.set(a.signed.s, a.signed.p);
      if (seen.size > MAX_REPLAY) seen.delete(seen.keys().next().value as string);
      return { kind: entry.type.kind, body: a.body as B, by: a.by, role, ts: a.ts, signed };
    };

    const dispatch = (action: HostAction<object>) => {
      for (const handler of types.get(action.kind)?.handlers ?? []) handler(action);
    };

    const onAction = async (peer: RemotePeer, body: ActionBody) => {
      await onChain(peer, body);
      if (!term) {
        if (heldActions.length < MAX_HELD_ACTIONS) heldActions.push({ peer, body });
        else dropped.overflow++;
        return;
      }
      const action = await check(body.a);
      if (action) dispatch(action);
    };

    ctx.on(RolesMessage, (peer, body) => serial(() => onChain(peer, body)));
    ctx.on(ActionMessage, (peer, body) => serial(() => onAction(peer, body)));
    ctx.onJoin(() => void (genesisTimer = ctx.clock.setTimeout(() => void makeGenesis(), GENESIS_WAIT_MS)));
    ctx.onPeerOpen((peer) => {
      open.set(peer.id, peer);
      showTo([peer]);
      if (term?.host.id === ctx.self.id) scheduleRoster();
    });
    ctx.onPeerLeave((peer) => {
      open.delete(peer.id);
      claims.delete(peer.id);
      if (term?.host.id === ctx.self.id) scheduleRoster();
      checkSuccession();
    });
    ctx.beforeLeave(async () => {
      const t = term;
      if (!t || t.host.id !== ctx.self.id) return;
      const to = nextHost(t, (id) => id !== ctx.self.id && present(id));
      if (!to) return;
      const start = await signStatement(ctx.signer, { kind: 'handover', meeting: t.meeting, term: t.n + 1, ts: ctx.clock.now(), body: { to } });
      term = nextTerm(t, start, to);
      rosterSigned = null;
      showTo(ctx.peers());
    });
    ctx.onLeave(() => {
      ctx.clock.clearTimeout(genesisTimer);
      ctx.clock.clearTimeout(rosterTimer);
    });

    return {
      get host() { return term?.host.id ?? null; },
      get cohosts() { return cohostIds(); },
      get term() { return term?.n ?? -1; },
      get succession() { return term ? successionOrder(term.roster, term.host.id).map((m) => m.id) : []; },
      roleOf,
      get mayAct() { return roleOf(ctx.self.id) !== 'member' && term !== null; },
      async setCohost(id, on) {
        const t = term;
        if (!t || t.host.id !== ctx.self.id) throw forbidden('making co-hosts');
        const peer = peerById(id);
        if (!peer) throw new SecureMeetingError('closed', `no member ${id} is connected to us`);
        const rest = t.roster.cohosts.filter((m) => m.id !== id);
        if (on && rest.length >= MAX_COHOSTS) throw new SecureMeetingError('busy', `a meeting has at most ${MAX_COHOSTS} co-hosts`);
        await signRoster(on ? [...rest, { id, key: peer.publicKey }] : rest);
      },
      action<B extends object>(kind: string, valid: (body: Json) => boolean): ActionType<B> {
        if (types.has(kind)) throw new TypeError(`secure-meeting: host action "${kind}" is declared twice`);
        const type: ActionType<B> = Object.freeze({ kind, valid: (b: Json) => isObject(b) && valid(b) });
        types.set(kind, { type: type as ActionType<object>, handlers: [] });
        return type;
      },
      async act(type, body, to) {
        const t = term;
        if (!t || roleOf(ctx.self.id) === 'member') throw forbidden(`"${type.kind}"`);
        const a = await signStatement(ctx.signer, { kind: `act:${type.kind}`, meeting: t.meeting, term: t.n, ts: ctx.clock.now(), body: body as Json });
        seen.set(a.signed.s, a.signed.p);
        dispatch({ kind: type.kind, body, by: ctx.self.id, role: roleOf(ctx.self.id) as 'host' | 'cohost', ts: a.ts, signed: a.signed });
        const chain = chainBody();
        if (chain) for (const p of to ?? [...ctx.peers()]) ctx.send(p, ActionMessage, { ...chain, a: a.signed });
        return a.signed;
      },
      onAction(type, handler) {
        types.get(type.kind)?.handlers.push(handler as (a: HostAction<object>) => void);
      },
      verify: (type, signed) => check(signed, type),
      holdGenesisWhile: (waiting) => void holds.push(waiting),
      undoLoneGenesis() {
        const t = term;
        if (!t || !genesis || t.n !== 0 || t.start.by !== ctx.self.id || [...ctx.peers()].length > 0) return false;
        if (ctx.clock.now() - t.start.ts > LONE_GENESIS_GRACE_MS) return false;
        term = null;
        genesis = null;
        rosterSigned = null;
        basisSigned = null;
        ctx.clock.clearTimeout(rosterTimer);
        rosterTimer = undefined;
        changed();
        return true;
      },
      get dropped() { return { ...dropped }; },
    };
  },
});
