// Which camera, microphone and speaker a person picked, and whether they join
// with camera or microphone off: remembered on this device (device ids are
// not secret, and are specific to this site and browser profile).
import { DEFAULT_MEDIA } from '../../core/media/open.js';

export interface DeviceChoices {
  /** deviceId of the camera, microphone and speaker; '' for the browser's default. */
  camera: string;
  microphone: string;
  speaker: string;
  /** Join with the camera / microphone switched off. */
  cameraOff: boolean;
  microphoneOff: boolean;
}

export const NO_CHOICES: Readonly<DeviceChoices> = Object.freeze({ camera: '', microphone: '', speaker: '', cameraOff: false, microphoneOff: false });

const KEY = 'secure-meeting:devices';
const isId = (v: unknown): v is string => typeof v === 'string' && v.length <= 256;

/** What was picked here before; the defaults when nothing was, or storage is unavailable or holds something else. */
export function loadChoices(storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): DeviceChoices {
  try {
    const saved = JSON.parse(storage?.getItem(KEY) ?? 'null') as Record<string, unknown> | null;
    if (!saved || typeof saved !== 'object') return { ...NO_CHOICES };
    return {
      camera: isId(saved['camera']) ? saved['camera'] : '',
      microphone: isId(saved['microphone']) ? saved['microphone'] : '',
      speaker: isId(saved['speaker']) ? saved['speaker'] : '',
      cameraOff: saved['cameraOff'] === true,
      microphoneOff: saved['microphoneOff'] === true,
    };
  } catch {
    return { ...NO_CHOICES };
  }
}

/** Remembers the choices; a browser that refuses storage (private mode, quota) just does not remember. */
export function saveChoices(choices: DeviceChoices, storage: Pick<Storage, 'setItem'> | undefined = globalThis.localStorage): void {
  try {
    storage?.setItem(KEY, JSON.stringify(choices));
  } catch {
    // Not remembered; nothing else depends on it.
  }
}

/**
 * The constraints for joining with these choices. A remembered device is
 * asked for as `ideal`, so one unplugged since falls back to the default
 * instead of failing the join.
 */
export function mediaFor(choices: DeviceChoices, base: MediaStreamConstraints = DEFAULT_MEDIA): MediaStreamConstraints {
  const pick = (constraint: boolean | MediaTrackConstraints | undefined, id: string): boolean | MediaTrackConstraints =>
    id === '' || !constraint ? (constraint ?? false) : { ...(typeof constraint === 'object' ? constraint : {}), deviceId: { ideal: id } };
  return { audio: pick(base.audio, choices.microphone), video: pick(base.video, choices.camera) };
}
