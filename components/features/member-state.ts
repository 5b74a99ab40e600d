// This member's microphone and camera: on or off for everyone, shown on the
// local tile and as the two toolbar toggles. (Remote members' state arrives
// on their RemotePeer and shows on their tiles.)
import { html } from 'lit';
import type { Meeting } from '../../core/index.js';
import { camOff, camOn, micOff, micOn } from '../secure-meeting/icons.js';
import { FeatureController } from './feature.js';

/** One toggle: is there a track to switch at all, and is it sending. */
export interface DeviceToggle {
  readonly available: boolean;
  readonly on: boolean;
}

const toggle = (m: Meeting | null, kind: 'audio' | 'video'): DeviceToggle => {
  const tracks = kind === 'audio' ? m?.localStream?.getAudioTracks() : m?.localStream?.getVideoTracks();
  const available = (tracks?.length ?? 0) > 0;
  const enabled = kind === 'audio' ? m?.audioEnabled : m?.videoEnabled;
  return { available, on: available && enabled === true };
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
    if (!m) return;
    m.setAudioEnabled(!m.audioEnabled);
    this.host.requestUpdate();
  }

  toggleVideo(): void {
    const m = this.meeting;
    if (!m) return;
    m.setVideoEnabled(!m.videoEnabled);
    this.host.requestUpdate();
  }
}

/** One toolbar toggle; aria-pressed says whether it is on, and the styles pick the matching icon. */
function deviceButton(part: string, label: string, state: DeviceToggle, icons: readonly unknown[], onClick: () => void) {
  return html`
    <button part="button ${part}" type="button" aria-pressed=${state.on ? 'true' : 'false'} ?disabled=${!state.available} @click=${onClick}>
      ${icons}${label}
    </button>
  `;
}

/** The Microphone and Camera toggles of the toolbar. */
export function memberStateControls(c: MemberStateController) {
  return html`
    ${deviceButton('microphone', 'Microphone', c.audio, [micOn, micOff], () => c.toggleAudio())}
    ${deviceButton('camera', 'Camera', c.video, [camOn, camOff], () => c.toggleVideo())}
  `;
}
