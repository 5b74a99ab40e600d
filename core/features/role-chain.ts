/**
 * Who hosts, decided without a server (DESIGN.md, "Hosts without a server").
 * A meeting's roles are a chain of host terms. Term 0 starts with the first
 * member's `genesis`; each later term starts with a `handover` signed by the
 * host leaving, or, when the host vanished, with a `succeed` claim signed by
 * the member the last roster ranks first among those still here. Within a
 * term the host signs rosters: its co-hosts, and the members in the order
 * they arrived, which is the succession order (co-hosts first). Every member
 * checks each step against what it already holds, so one who cannot sign as
 * the host cannot move the chain; where two claims meet, a rule every member
 * computes alike picks one, and the chain converges.
 *
 * RoleChain is synchronous and holds only statements whose signatures were
 * already checked (roles.ts checks them first).
 */
import { isId, isObject, type Json } from '../wire/guards.js';
import { PUBLIC_KEY_PATTERN } from '../identity.js';
import type { Statement } from './statements.js';

export interface MemberRef { readonly id: string; readonly key: string }
export interface Roster {
  /** -1 for the roster a term starts with before its host signs one. */
  readonly seq: number;
  readonly cohosts: readonly MemberRef[];
  /** Members in the order they arrived, the host first. */
  readonly order: readonly MemberRef[];
}

/** The host and last roster of a term: what the next term's start is checked against. */
export interface TermBasis {
  readonly meeting: string;
  readonly n: number;
  readonly host: MemberRef;
  /** Replaced when the term's host signs a newer one. */
  roster: Roster;
}

export interface Term extends TermBasis {
  readonly start: Statement;
  /** The term before, which checks and ranks rival starts of this one; null for a term adopted whole. */
  readonly before: TermBasis | null;
}

export const MAX_COHOSTS = 32;
export const MAX_ROSTER = 256;

const isRef = (v: unknown): v is MemberRef => isObject(v) && isId(v['id']) && typeof v['key'] === 'string' && PUBLIC_KEY_PATTERN.test(v['key']);
const isRefs = (v: unknown, max: number): v is MemberRef[] => Array.isArray(v) && v.length <= max && v.every(isRef);

export function isRosterBody(b: Json): boolean {
  return Number.isSafeInteger(b['seq']) && (b['seq'] as number) >= 0 && isRefs(b['cohosts'], MAX_COHOSTS) && isRefs(b['order'], MAX_ROSTER);
}

const ref = ({ id, key }: MemberRef): MemberRef => ({ id, key });

/** The members a roster would pass the host role to, best first: co-hosts, then by arrival. */
export function successionOrder(roster: Roster, host: string): MemberRef[] {
  const cohosts = new Set(roster.cohosts.map((m) => m.id));
  return [...roster.cohosts, ...roster.order.filter((m) => !cohosts.has(m.id))].filter((m) => m.id !== host);
}

/** Who takes over from `host` by `roster` among the members `present` says are here. */
export function successor(roster: Roster, host: string, present: (id: string) => boolean): MemberRef | null {
  return successionOrder(roster, host).find((m) => present(m.id)) ?? null;
}

/** The host a term-starting statement names, or null when it starts none. */
export function hostOf(start: Statement): MemberRef | null {
  switch (start.kind) {
    case 'genesis':
    case 'succeed':
      return { id: start.by, key: start.key };
    case 'handover':
      return isRef(start.body['to']) ? ref(start.body['to']) : null;
    default:
      return null;
  }
}

/** The roster a term starts with: the last one, with the new host first and no longer a co-host. */
function inherited(previous: Roster, oldHost: string, host: MemberRef): Roster {
  const keep = (m: MemberRef) => m.id !== oldHost && m.id !== host.id;
  return { seq: -1, cohosts: previous.cohosts.filter(keep), order: [host, ...previous.order.filter(keep)] };
}

/** A term taken as it is shown: our own genesis, or one adopted whole from others (nothing to check its start against). */
export function wholeTerm(start: Statement, host: MemberRef): Term {
  return { meeting: start.meeting, n: start.term, host, start, roster: { seq: -1, cohosts: [], order: [host] }, before: null };
}

/** The term `start` begins after `basis` (checked with follows()). */
export function nextTerm(basis: TermBasis, start: Statement, host: MemberRef): Term {
  const before = { meeting: basis.meeting, n: basis.n, host: basis.host, roster: basis.roster };
  return { meeting: basis.meeting, n: basis.n + 1, host, start, roster: inherited(basis.roster, basis.host.id, host), before };
}

/**
 * Whether `start` may begin the term after `term`: a hand-over signed by its
 * host, or a claim by a member its roster knows, once the host is gone in
 * our view ('wait' until then).
 */
export function follows(term: TermBasis, start: Statement, hostGone: boolean): 'yes' | 'wait' | 'no' {
  if (start.meeting !== term.meeting || start.term !== term.n + 1) return 'no';
  if (start.kind === 'handover') return start.by === term.host.id && start.key === term.host.key && hostOf(start) ? 'yes' : 'no';
  if (start.kind !== 'succeed' || start.body['after'] !== term.host.id) return 'no';
  const known = successionOrder(term.roster, term.host.id).some((m) => m.id === start.by && m.key === start.key);
  if (!known) return 'no';
  return hostGone ? 'yes' : 'wait';
}

/**
 * Of two statements starting the term after `before`, whether `a` wins: a
 * hand-over (the host's own word) beats a claim; between claims, the one
 * the roster before ranks higher; otherwise the lower signature, so every
 * member picks the same one.
 */
export function beats(a: Statement, b: Statement, before: TermBasis): boolean {
  if (a.kind !== b.kind) return a.kind === 'handover';
  if (a.kind === 'succeed') {
    const order = successionOrder(before.roster, before.host.id).map((m) => m.id);
    const ra = order.indexOf(a.by);
    const rb = order.indexOf(b.by);
    if (ra !== rb) return ra !== -1 && (rb === -1 || ra < rb);
  }
  return a.signed.s < b.signed.s;
}

/** A roster the term's host signed, newer than the one held. */
export function acceptsRoster(term: TermBasis, roster: Statement): boolean {
  return roster.kind === 'roster' && roster.meeting === term.meeting && roster.term === term.n &&
    roster.by === term.host.id && roster.key === term.host.key && isRosterBody(roster.body) && (roster.body['seq'] as number) > term.roster.seq;
}

export function rosterOf(statement: Statement): Roster {
  const b = statement.body as { seq: number; cohosts: MemberRef[]; order: MemberRef[] };
  return { seq: b.seq, cohosts: b.cohosts.map(ref), order: b.order.map(ref) };
}
