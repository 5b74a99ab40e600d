/**
 * Permissions: whether a member may use their microphone, camera and screen
 * share, set by hosts per member and as defaults for newcomers, as signed
 * host actions (roles.ts). Hosts and co-hosts may always use all three.
 *
 * Two sides enforce it. The member's own client follows: what it may not
 * send is switched off, and switching it on (or adding such a track, or
 * sharing a screen) fails with a 'forbidden' error saying why. And, since a
 * page can always force a track past its own client, every other member's
 * client shows only what a member may send: a rule on received tracks
 * (FeatureContext.received, mesh/received.ts) keeps the rest out of
 * `peer.stream`/`peer.streams`. A member's audio needs the microphone; the
 * video of the stream they announced as their screen needs screen share;
 * any other video needs the camera.
 *
 * Each change is one action carrying whole permissions for the members and
 * defaults it names; every member keeps, per member and for the defaults,
 * the latest by the signer's timestamp (then signer id), so they agree
 * whatever order actions arrive in. Changing the defaults also pins the
 * members present without permissions of their own to what they had, so
 * defaults only ever reach those who come later. A newcomer learns the state
 * from each host and co-host when its link opens (a `sync` action, which
 * fills in only what it did not know).
 */
import type { TimerId } from '../clock.js';
import { invalidOption, SecureMeetingError } from '../errors.js';
import type { RemotePeer } from '../events.js';
import type { SendKind } from '../media/local.js';
import { isId, isObject, type Json } from '../wire/guards.js';
import { defineFeature } from './feature.js';
import { memberState } from './member-state.js';
import { roles, type HostAction } from './roles.js';
import { screenShare } from './screen-share.js';

/** What a member may use. */
export interface Permissions {
  readonly microphone: boolean;
  readonly camera: boolean;
  readonly screen: boolean;
}

export const ALL_ALLOWED: Permissions = Object.freeze({ microphone: true, camera: true, screen: true });

export interface PermissionsBody {
  /** The defaults for members who come later. */
  defaults?: Permissions;
  /** Member id → their permissions. */
  members?: Record<string, Permissions>;
  /** A newcomer's catch-up: fills in only what the receiver does not know yet. */
  sync?: true;
}

/** The most members one action names: far above a mesh meeting's size, a bound on what one action makes us keep. */
export const MAX_NAMED = 256;
/** Entries kept at most (members who left are forgotten first). */
const MAX_KEPT = 1024;
/** How often our own roles are looked at again: a host or co-host may always send. */
const ROLE_CHECK_MS = 1000;

const KINDS = ['microphone', 'camera', 'screen'] as const;
const SEND_KIND: Record<keyof Permissions, SendKind> = { microphone: 'audio', camera: 'video', screen: 'screen' };
const WHAT: Record<keyof Permissions, string> = { microphone: 'your microphone', camera: 'your camera', screen: 'sharing your screen' };

const isPermissions = (v: unknown): v is Permissions =>
  isObject(v) && Object.keys(v).length === 3 && KINDS.every((k) => typeof v[k] === 'boolean');

export const isPermissionsBody = (b: Json): boolean => {
  const { defaults, members, sync } = b;
  if (Object.keys(b).some((k) => k !== 'defaults' && k !== 'members' && k !== 'sync')) return false;
  if (defaults !== undefined && !isPermissions(defaults)) return false;
  if (sync !== undefined && sync !== true) return false;
  if (members === undefined) return defaults !== undefined;
  if (!isObject(members)) return false;
  const ids = Object.keys(members);
  return ids.length <= MAX_NAMED && ids.every((id) => isId(id) && isPermissions(members[id]));
};

/** `permissions`: what someone may use changed (ours included: `self`). */
export class PermissionsEvent extends Event {
  constructor(
    /** Member ids whose permissions changed; empty when only the defaults did. */
    readonly members: readonly string[],
    /** Whether our own changed. */
    readonly self: boolean,
  ) {
    super('permissions');
  }
}

export interface PermissionsApi {
  /** What a member (ours included) may use now; hosts and co-hosts may use everything. */
  of(id: string): Permissions;
  /** What members who come later may use. */
  readonly defaults: Permissions;
  /** Why we may not use that now (for the toolbar), or null when we may. */
  reason(kind: keyof Permissions): string | null;
  /**
   * Sets what one member may use (the kinds not given stay as they are).
   * Host or co-host only: rejects with 'forbidden' otherwise, 'closed' when
   * no such member is connected.
   */
  set(id: string, allow: Partial<Permissions>): Promise<void>;
  /** Sets the defaults for members who come later (the kinds not given stay). Host or co-host only. */
  setDefaults(allow: Partial<Permissions>): Promise<void>;
}

interface Entry { readonly allow: Permissions; readonly ts: number; readonly by: string }

/** Later by the signer's clock, then by signer id; one signer's actions at the same moment count in the order they came. */
const newer = (a: Entry, b: Entry | undefined) => !b || a.ts > b.ts || (a.ts === b.ts && a.by >= b.by);

function checkPartial(allow: unknown): Partial<Permissions> {
  if (!isObject(allow) || Object.keys(allow).some((k) => !(KINDS as readonly string[]).includes(k) || typeof allow[k] !== 'boolean')) {
    throw invalidOption('permissions are { microphone?, camera?, screen? }, each true or false');
  }
  return allow as Partial<Permissions>;
}

export const permissions = defineFeature({
  key: 'permissions',
  messages: [],
  requires: [memberState, roles, screenShare],
  install(ctx): PermissionsApi {
    const hosts = ctx.use(roles);
    const state = ctx.use(memberState);
    const screens = ctx.use(screenShare);
    const Change = hosts.action<PermissionsBody>('permissions', isPermissionsBody);
    const members = new Map<string, Entry>();
    let defaults: Entry | null = null;
    let ours: Permissions = ALL_ALLOWED;
    let rolesSeen = '';
    let timer: TimerId | undefined;

    const exempt = (id: string) => hosts.roleOf(id) !== 'member';
    const stored = (id: string) => members.get(id)?.allow ?? defaults?.allow ?? ALL_ALLOWED;
    const of = (id: string): Permissions => (exempt(id) ? ALL_ALLOWED : stored(id));
    const peerById = (id: string) => [...ctx.peers()].find((p) => p.id === id);

    /** Our own client follows what we may use now. */
    const follow = () => {
      const next = of(ctx.self.id);
      const before = ours;
      ours = next;
      for (const kind of KINDS) {
        const send = SEND_KIND[kind];
        if (next[kind]) {
          ctx.media.forbid(send, null);
          continue;
        }
        // Told to everyone first (member state), then held off.
        if (kind === 'microphone' && ctx.media.audioEnabled) state.setAudioEnabled(false);
        if (kind === 'camera' && ctx.media.videoEnabled) state.setVideoEnabled(false);
        ctx.media.forbid(send, `a host has not allowed ${WHAT[kind]}`);
        if (kind === 'screen' && screens.presenting) screens.stop();
      }
      return KINDS.some((k) => before[k] !== next[k]);
    };

    const changed = (ids: readonly string[]) => {
      const self = follow();
      ctx.received.refilter();
      ctx.emit(new PermissionsEvent(ids.filter((id) => id !== ctx.self.id), self));
    };

    hosts.onAction(Change, ({ body, ts, by }: HostAction<PermissionsBody>) => {
      const fill = body.sync === true;
      const ids: string[] = [];
      const take = (entry: Entry, known: Entry | undefined | null) => (fill ? !known : newer(entry, known ?? undefined));
      let defaultsChanged = false;
      if (body.defaults) {
        const entry = { allow: body.defaults, ts, by };
        if (take(entry, defaults)) [defaults, defaultsChanged] = [entry, true];
      }
      for (const [id, allow] of Object.entries(body.members ?? {})) {
        const entry = { allow, ts, by };
        if (!take(entry, members.get(id))) continue;
        members.set(id, entry);
        ids.push(id);
      }
      while (members.size > MAX_KEPT) members.delete(members.keys().next().value as string);
      if (ids.length > 0 || defaultsChanged) changed(ids);
    });

    // A newcomer catches up from each host and co-host: only what differs from "everything allowed".
    ctx.onPeerOpen((peer: RemotePeer) => {
      if (!hosts.mayAct || (defaults === null && members.size === 0)) return;
      const known = Object.fromEntries([...members].slice(-MAX_NAMED).map(([id, e]) => [id, e.allow]));
      const body: PermissionsBody = { members: known, sync: true, ...(defaults ? { defaults: defaults.allow } : {}) };
      hosts.act(Change, body, [peer]).catch(() => {});
    });
    ctx.onPeerLeave((peer) => {
      members.delete(peer.id);
    });

    // Made host or co-host (or no longer): what we may send follows. Roles say so only by an event on the meeting.
    const checkRoles = () => {
      const now = `${hosts.host}|${hosts.cohosts.join()}`;
      if (now === rolesSeen) return;
      rolesSeen = now;
      if (follow()) ctx.emit(new PermissionsEvent([], true));
      ctx.received.refilter();
    };
    ctx.onJoin(() => void (timer = ctx.clock.setInterval(checkRoles, ROLE_CHECK_MS)));
    ctx.onLeave(() => ctx.clock.clearInterval(timer));

    // Receivers: only what a member may send is shown here.
    ctx.received.admit((peer, track, streamId) => {
      const allow = of(peer.id);
      if (track.kind === 'audio') return allow.microphone;
      return screens.streamIdOf(peer.id) === streamId ? allow.screen : allow.camera;
    });

    const mayAct = (what: string) => {
      if (!hosts.mayAct) throw new SecureMeetingError('forbidden', `${what} needs the host or co-host role`);
    };

    return {
      of,
      get defaults() {
        return defaults?.allow ?? ALL_ALLOWED;
      },
      reason: (kind) => ctx.media.forbidden(SEND_KIND[kind]),
      set(id, allow) {
        const partial = checkPartial(allow);
        if (typeof id !== 'string') throw invalidOption('permissions set() takes a member id');
        return (async () => {
          mayAct('setting permissions');
          if (!peerById(id)) throw new SecureMeetingError('closed', `no member ${id} is connected to us`);
          await hosts.act(Change, { members: { [id]: { ...stored(id), ...partial } } });
        })();
      },
      setDefaults(allow) {
        const partial = checkPartial(allow);
        return (async () => {
          mayAct('setting default permissions');
          const next = { ...(defaults?.allow ?? ALL_ALLOWED), ...partial };
          // Those here now keep what they have: defaults are for newcomers.
          const pinned = [...ctx.peers()].filter((p) => !members.has(p.id)).slice(0, MAX_NAMED);
          const body: PermissionsBody = { defaults: next };
          if (pinned.length > 0) body.members = Object.fromEntries(pinned.map((p) => [p.id, stored(p.id)]));
          await hosts.act(Change, body);
        })();
      },
    };
  },
});
