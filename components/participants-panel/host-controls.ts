// What a host or co-host sees in the participants panel: per member Mute,
// Lower hand, what they may use, Make/Remove co-host and Remove; for the
// meeting, "Mute everyone" and what newcomers may use. Each control asks by
// a `participant-action` event; the element that shows the panel does it
// (components/features/moderation.ts) and the panel redraws from the
// meeting's events.
import { html, nothing } from 'lit';
import type { Permissions } from '../../core/features/permissions.js';
import type { Messages } from '../i18n/i18n.js';

export type PermissionKind = keyof Permissions;

/** What a host asked for in the panel. */
export type ParticipantAction =
  | { readonly kind: 'mute'; readonly id: string }
  | { readonly kind: 'mute-all' }
  | { readonly kind: 'lower-hand'; readonly id: string }
  | { readonly kind: 'cohost'; readonly id: string; readonly on: boolean }
  | { readonly kind: 'remove'; readonly id: string }
  | { readonly kind: 'allow'; readonly id: string; readonly what: PermissionKind; readonly on: boolean }
  | { readonly kind: 'defaults'; readonly what: PermissionKind; readonly on: boolean };

/** A host control was used: `action` says which, for which member. */
export class ParticipantActionEvent extends Event {
  constructor(readonly action: ParticipantAction) {
    super('participant-action', { bubbles: true, composed: true });
  }
}

const KINDS: readonly PermissionKind[] = ['microphone', 'camera', 'screen'];

/** A permission's name, as its checkbox says it. */
const kindText = (what: PermissionKind, t: Messages) => (what === 'microphone' ? t.hostMicrophone : what === 'camera' ? t.hostCamera : t.hostScreen);

/** A member's row as the host controls need it. */
export interface ModeratedRow {
  readonly id: string;
  readonly name: string;
  readonly role: 'host' | 'cohost' | 'member';
  readonly audio: boolean;
  readonly hand: number | null;
  readonly allow: Permissions;
}

/** What we may do: `appoint` (the host) makes co-hosts, `remove` when removal is available. */
export interface HostPowers {
  readonly appoint: boolean;
  readonly remove: boolean;
}

type Ask = (action: ParticipantAction) => void;

/** Three checkboxes in a labelled group; each change asks at once. */
function permissionToggles(label: string, allow: Permissions, part: string, t: Messages, ask: (what: PermissionKind, on: boolean) => void) {
  return html`
    <fieldset part=${part}>
      <legend>${label}</legend>
      ${KINDS.map((what) => html`
        <label part="permission">
          <input type="checkbox" data-permission=${what} .checked=${allow[what]}
            @change=${(e: Event) => ask(what, (e.target as HTMLInputElement).checked)}>${kindText(what, t)}
        </label>
      `)}
    </fieldset>
  `;
}

/** One member's host controls (never on our own row). */
export function memberControls(m: ModeratedRow, powers: HostPowers, ask: Ask, t: Messages) {
  const member = m.role === 'member';
  const cohost = m.role === 'cohost';
  return html`
    <div part="host-controls" role="group" aria-label=${t.hostControlsOf(m.name)}>
      <button part="host-control mute" type="button" aria-label=${t.hostMuteLabel(m.name)} ?disabled=${!m.audio}
        @click=${() => ask({ kind: 'mute', id: m.id })}>${t.hostMute}</button>
      ${m.hand !== null
        ? html`<button part="host-control lower-hand" type="button" aria-label=${t.hostLowerHandLabel(m.name)}
            @click=${() => ask({ kind: 'lower-hand', id: m.id })}>${t.hostLowerHand}</button>`
        : nothing}
      ${powers.appoint && m.role !== 'host'
        ? html`<button part="host-control cohost" type="button" aria-label=${cohost ? t.hostRemoveCohostLabel(m.name) : t.hostMakeCohostLabel(m.name)}
            @click=${() => ask({ kind: 'cohost', id: m.id, on: !cohost })}>${cohost ? t.hostRemoveCohost : t.hostMakeCohost}</button>`
        : nothing}
      ${powers.remove && m.role !== 'host'
        ? html`<button part="host-control remove" type="button" aria-label=${t.hostRemoveLabel(m.name)}
            @click=${() => ask({ kind: 'remove', id: m.id })}>${t.hostRemove}</button>`
        : nothing}
      ${member ? permissionToggles(t.hostMayUse(m.name), m.allow, 'permissions', t, (what, on) => ask({ kind: 'allow', id: m.id, what, on })) : nothing}
    </div>
  `;
}

/** The meeting-wide controls above the list. */
export function meetingControls(defaults: Permissions, ask: Ask, t: Messages) {
  return html`
    <div part="meeting-controls" role="group" aria-label=${t.hostForEveryone}>
      <button part="host-control mute-all" type="button" @click=${() => ask({ kind: 'mute-all' })}>${t.hostMuteEveryone}</button>
      ${permissionToggles(t.hostNewcomersMayUse, defaults, 'defaults', t, (what, on) => ask({ kind: 'defaults', what, on }))}
    </div>
  `;
}

/** A host's or co-host's badge. */
export const roleText = (role: 'host' | 'cohost', t: Messages) => (role === 'host' ? t.hostRoleHost : t.hostRoleCohost);
