/**
 * The waiting room (issue 12): with it on, a newcomer who knows the password
 * is not let in at once. Every member holds the newcomer's hello in the
 * mesh's gate (core/mesh/gate.ts) and tells it, sealed over the relay, that
 * it waits; hosts see who is knocking and admit or deny them with signed
 * host actions (core/features/roles.ts). Each member obeys a verified admit
 * for itself: it connects to the newcomer as it would have when the hello
 * came. A denied newcomer's hellos are ignored for the rest of the meeting,
 * by id and by key, and a host tells it so; it leaves the relay.
 *
 * While no host is present (the host left and no one holds the role yet, or
 * the first member's role is not settled), newcomers keep waiting: every
 * member holds them, and a waiting newcomer says hello again every
 * KNOCK_AGAIN_MS, so whoever becomes host next sees them knocking.
 */
import { invalidOption } from '../errors.js';
import { PUBLIC_KEY_PATTERN } from '../identity.js';
import type { TimerId } from '../clock.js';
import { KNOCK_AGAIN_MS, type Knocker } from '../mesh/gate.js';
import { isId, type Json } from '../wire/guards.js';
import { defineMessage } from '../wire/registry.js';
import type { KnockBody } from '../wire/signals.js';
import { defineFeature } from './feature.js';
import { roles, type HostAction, type SignedAction } from './roles.js';

/**
 * Where we stand: `none` (no waiting room has held us: we joined directly,
 * or are the first), `waiting`, `admitted` (let in after waiting) or `denied`.
 */
export type WaitingState = 'none' | 'waiting' | 'admitted' | 'denied';

/** Someone knocking: a member whose hello we hold. */
export interface Knock {
  readonly id: string;
  readonly name: string;
  /** When its first hello of this wait reached us (ms since the epoch). */
  readonly since: number;
}

/** Who turned us away, and whether we could check that a host signed it. */
export interface Denial {
  readonly by: string;
  readonly verified: boolean;
}

/** `admit` and `deny` name the member and its identity key. */
export interface MemberBody { id: string; key: string }
export interface SettingBody { on: boolean }

const isMemberBody = (b: Json): boolean => isId(b['id']) && typeof b['key'] === 'string' && PUBLIC_KEY_PATTERN.test(b['key']);
const isSettingBody = (b: Json): boolean => typeof b['on'] === 'boolean';

/** At link open each member says whether the room waits; a newcomer follows what its hosts say. */
export const SettingMessage = defineMessage<SettingBody>('waiting-room', isSettingBody, { perSecond: 1, burst: 3 });

/** Ids and keys remembered as admitted or denied, at most (oldest forgotten first). */
const MAX_REMEMBERED = 4096;
/**
 * Roles settle a moment after links open or the first member's wait ends
 * (signatures are checked off the main thread) and say so only as a meeting
 * event; until then we look again this often: whether we are the first
 * member now (and owe the ones we hold a reply), and who the host is (whose
 * setting we follow).
 */
const SETTLE_CHECK_MS = 500;

/** `knock`: someone new is knocking (hosts show it and play a cue). */
export class KnockEvent extends Event {
  constructor(readonly knock: Knock) {
    super('knock');
  }
}

/** `waitingroom`: our state, the setting or who is knocking changed. */
export class WaitingRoomEvent extends Event {
  constructor(readonly state: WaitingState, readonly on: boolean, readonly knocks: readonly Knock[]) {
    super('waitingroom');
  }
}

export interface WaitingRoomApi {
  /** Whether this meeting's waiting room is on (the option, then the hosts' toggle). */
  readonly on: boolean;
  readonly state: WaitingState;
  /** Who is knocking, oldest first (hosts admit or deny them). */
  readonly knocks: readonly Knock[];
  /** Set once denied. */
  readonly denial: Denial | null;
  /** Held by a waiting room, or turned away: such a member must not take the host role. */
  isWaiting(): boolean;
  /** Host or co-host: lets a knocking member in, for everyone. False when it is not knocking (any more). Rejects 'forbidden' otherwise. */
  admit(id: string): Promise<boolean>;
  /** Host or co-host: turns a knocking member away for the rest of the meeting. False when it is not knocking. */
  deny(id: string): Promise<boolean>;
  /** Host or co-host: switches the waiting room on or off for everyone; off lets everyone knocking in. */
  setOn(on: boolean): Promise<void>;
}

/** Remembers at most MAX_REMEMBERED entries, forgetting the oldest. */
function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_REMEMBERED) map.delete(map.keys().next().value as K);
}

/**
 * The waiting room as a feature: option `waitingRoom` (default false); host
 * actions `admit`, `deny` and `waiting-room` (the toggle) through roles.
 */
export const waitingRoom = defineFeature({
  key: 'waiting-room',
  messages: [SettingMessage],
  requires: [roles],
  install(ctx): WaitingRoomApi {
    const option = ctx.options['waitingRoom'];
    if (option !== undefined && typeof option !== 'boolean') throw invalidOption('waitingRoom must be true or false');
    const host = ctx.use(roles);
    const Admit = host.action<MemberBody>('admit', isMemberBody);
    const Deny = host.action<MemberBody>('deny', isMemberBody);
    const Toggle = host.action<SettingBody>('waiting-room', isSettingBody);

    let on = option === true;
    let state: WaitingState = 'none';
    let denial: Denial | null = null;
    const admitted = new Map<string, string>();
    /** Denied ids and keys, each to the signed deny action hosts show the newcomer. */
    const deniedIds = new Map<string, SignedAction>();
    const deniedKeys = new Map<string, SignedAction>();
    /** What each member said of the setting at link open. */
    const settings = new Map<string, boolean>();
    /** Members whose control channel is open. */
    const linked = new Set<string>();
    let knockTimer: TimerId | undefined;
    let settleTimer: TimerId | undefined;
    /** A host's setting heard before we knew it was the host's. */
    let settingUnsettled = false;

    /** In the meeting: let in (or never held) and linked to someone, or its host. */
    const inMeeting = () => state !== 'waiting' && state !== 'denied' && (linked.size > 0 || host.host === ctx.self.id);
    const knocks = (): Knock[] => gate.held.map(({ id, name, since }) => ({ id, name, since }));
    const changed = () => ctx.emit(new WaitingRoomEvent(state, on, knocks()));
    const deniedAction = (m: Knocker) => deniedIds.get(m.id) ?? deniedKeys.get(m.key);

    const tellWaiting = (m: Knocker) => {
      if (inMeeting()) gate.reply(m.id, { state: 'waiting' });
      else settleLater();
    };
    /** Someone held before we knew whether we are in, or a setting before we knew the host: looked at again soon. */
    const settleLater = () => {
      if (settleTimer !== undefined || ctx.state() === 'left') return;
      settleTimer = ctx.clock.setTimeout(() => {
        settleTimer = undefined;
        if (settingUnsettled) adoptSetting();
        const owed = state === 'none' && gate.held.length > 0;
        if (owed && inMeeting()) for (const m of gate.held) gate.reply(m.id, { state: 'waiting' });
        else if (owed || settingUnsettled) settleLater();
      }, SETTLE_CHECK_MS);
    };

    const gate = ctx.gate({
      check(m, kind) {
        const denied = deniedAction(m);
        if (denied) {
          if (host.mayAct) gate.reply(m.id, { state: 'denied', by: ctx.self.id, action: denied });
          return 'ignore';
        }
        if (state === 'denied') return 'ignore';
        // Waiting, we connect to no one, but take the offers of members who let us in.
        if (state === 'waiting') return kind === 'offer' ? 'pass' : 'hold';
        if (!on || admitted.get(m.id) === m.key) return 'pass';
        // Not in yet: an offer answers our own hello (that member's room does not wait).
        if (!inMeeting() && kind === 'offer') return 'pass';
        return 'hold';
      },
      changed(arrived) {
        if (arrived) {
          tellWaiting(arrived);
          if (inMeeting()) ctx.emit(new KnockEvent({ id: arrived.id, name: arrived.name, since: arrived.since }));
        }
        changed();
      },
      heldAgain: (m) => tellWaiting(m),
      knocked(_from, body) {
        if (state === 'denied' || state === 'admitted' || linked.size > 0) return;
        if (body.state === 'waiting') {
          if (state === 'waiting') return;
          // In a meeting only of our own making, alone: the meeting that was here answered our hello late. We wait for it.
          if (inMeeting() && !(linked.size === 0 && host.undoLoneGenesis())) return;
          state = 'waiting';
          knockTimer = ctx.clock.setInterval(() => gate.knockAgain(), KNOCK_AGAIN_MS);
          return changed();
        }
        void deniedBy(body);
      },
    });

    const stopKnocking = () => {
      ctx.clock.clearInterval(knockTimer);
      knockTimer = undefined;
    };

    /** Turned away: we stop at once (and leave the relay), then check the host's signature. */
    async function deniedBy(body: Extract<KnockBody, { state: 'denied' }>): Promise<void> {
      const check = body.action ? host.verify(Deny, body.action) : Promise.resolve(null);
      let action: HostAction<MemberBody> | null = null;
      try {
        action = await check;
      } catch {
        // Unverifiable: a denial we cannot check still stops us (we connect to no one).
      }
      // A real denial of someone else, shown to us: not ours.
      if (action && action.body.id !== ctx.self.id) return;
      if (state === 'denied' || linked.size > 0) return;
      state = 'denied';
      denial = { by: body.by, verified: action !== null };
      stopKnocking();
      ctx.relay.disconnect();
      changed();
    }

    const setOn = (value: boolean) => {
      if (on === value) return;
      on = value;
      // Off: everyone knocking is let in.
      if (!on) gate.recheck();
      changed();
    };
    const adoptSetting = () => {
      settingUnsettled = host.host === null;
      if (settingUnsettled) return settleLater();
      for (const id of [host.host, ...host.cohosts]) {
        if (id && id !== ctx.self.id && settings.has(id)) return setOn(settings.get(id)!);
      }
    };

    host.holdGenesisWhile(() => state === 'waiting' || state === 'denied');
    host.onAction(Admit, ({ body }) => {
      remember(admitted, body.id, body.key);
      deniedIds.delete(body.id);
      deniedKeys.delete(body.key);
      const held = gate.held.find((k) => k.id === body.id);
      if (held && held.key !== body.key) gate.drop(body.id);
      else if (held) gate.release(body.id);
    });
    host.onAction(Deny, ({ body, by, signed }) => {
      remember(deniedIds, body.id, signed);
      remember(deniedKeys, body.key, signed);
      admitted.delete(body.id);
      gate.drop(body.id);
      // The host who decided tells the newcomer, with the signed action to check.
      if (by === ctx.self.id) gate.reply(body.id, { state: 'denied', by, action: signed });
    });
    host.onAction(Toggle, ({ body }) => setOn(body.on));

    ctx.onPeerOpen((peer) => {
      linked.add(peer.id);
      ctx.send(peer, SettingMessage, { on });
      if (state !== 'waiting') return;
      state = 'admitted';
      stopKnocking();
      // Once more, for members who no longer hold our hello: they now let it through.
      gate.knockAgain();
      changed();
    });
    ctx.on(SettingMessage, (peer, body) => {
      remember(settings, peer.id, body.on);
      adoptSetting();
    });
    ctx.onPeerLeave((peer) => {
      linked.delete(peer.id);
      settings.delete(peer.id);
    });
    ctx.onLeave(() => {
      stopKnocking();
      ctx.clock.clearTimeout(settleTimer);
      settleTimer = undefined;
    });

    const knocking = (id: string) => gate.held.find((k) => k.id === id);
    return {
      get on() { return on; },
      get state() { return state; },
      get knocks() { return knocks(); },
      get denial() { return denial; },
      isWaiting: () => state === 'waiting' || state === 'denied',
      async admit(id) {
        const k = knocking(id);
        if (!k) return false;
        await host.act(Admit, { id: k.id, key: k.key });
        return true;
      },
      async deny(id) {
        const k = knocking(id);
        if (!k) return false;
        await host.act(Deny, { id: k.id, key: k.key });
        return true;
      },
      async setOn(value) {
        if (typeof value !== 'boolean') throw invalidOption('setOn() takes true or false');
        await host.act(Toggle, { on: value });
      },
    };
  },
});
