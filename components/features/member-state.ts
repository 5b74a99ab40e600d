// This member's microphone and camera: on or off for everyone, shown on the
// local tile and as the two toolbar toggles. (Remote members' state arrives
// on their RemotePeer and shows on their tiles.)
import { html } from 'lit';
import type { Meeting } from '../../core/index.js';
import { permissions } from '../../core/features/permissions.js';
import { camOff, camOn, micOff, micOn } from '../secure-meeting/icons.js';
import { FeatureController, listen } from './feature.js';
import { withReason } from './permission-hint.js';

/** One toggle: is there a track to switch at all, is it sending, and why it may not be switched on (a host's permission; core's words, null when allowed). */
export interface DeviceToggle {
  readonly available: boolean;
  readonly on: boolean;
  readonly forbidden: string | null;
}

const toggle = (m: Meeting | null, kind: 'audio' | 'video'): DeviceToggle => {
  const tracks = kind === 'audio' ? m?.localStream?.getAudioTracks() : m?.localStream?.getVideoTracks();
  const available = (tracks?.length ?? 0) > 0;
  const enabled = kind === 'audio' ? m?.audioEnabled : m?.videoEnabled;
  const forbidden = m?.feature(permissions).reason(kind === 'audio' ? 'microphone' : 'camera') ?? null;
  return { available, on: available && enabled === true, forbidden };
};

export class MemberStateController extends FeatureController {
  get audio(): DeviceToggle {
    return toggle(this.meeting, 'audio');
  }

  get video(): DeviceToggle {
    return toggle(this.meeting, 'video');
  }

  toggleAudio(): void {
    const m = this.meeting;
    if (!m || (!m.audioEnabled && this.audio.forbidden)) return;
    m.setAudioEnabled(!m.audioEnabled);
    this.host.requestUpdate();
  }

  toggleVideo(): void {
    const m = this.meeting;
    if (!m || (!m.videoEnabled && this.video.forbidden)) return;
    m.setVideoEnabled(!m.videoEnabled);
    this.host.requestUpdate();
  }

  protected override follow(meeting: Meeting): (() => void)[] {
    // A host's permission switches us off, or lets us switch on again.
    return [listen(meeting, 'permissions', () => this.host.requestUpdate())];
  }
}

/**
 * One toolbar toggle; aria-pressed says whether it is on, and the styles pick
 * the matching icon. Off and not allowed: it says why (`forbidden`, through
 * permission-hint.ts).
 */
function deviceButton(part: string, label: string, forbidden: string, state: DeviceToggle, icons: readonly unknown[], onClick: () => void) {
  const reason = state.on || state.forbidden === null ? null : forbidden;
  return withReason(`${part}-forbidden`, reason, (a) => html`
    <button part="button ${part}" type="button" aria-pressed=${state.on ? 'true' : 'false'} ?disabled=${!state.available}
      aria-disabled=${a.ariaDisabled} aria-describedby=${a.describedBy} @click=${a.blocked ? () => {} : onClick}>
      ${icons}${label}
    </button>
  `);
}

/** The Microphone and Camera toggles of the toolbar. */
export function memberStateControls(c: MemberStateController) {
  const t = c.i18n.t;
  return html`
    ${deviceButton('microphone', t.mediaMicrophone, t.permissionMicrophone, c.audio, [micOn, micOff], () => c.toggleAudio())}
    ${deviceButton('camera', t.mediaCamera, t.permissionCamera, c.video, [camOn, camOff], () => c.toggleVideo())}
  `;
}
