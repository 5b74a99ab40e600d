import { SecureMeetingError } from '../errors.js';

/**
 * Modest defaults: a mesh sends one stream per member, so 640×360 at 24 fps
 * keeps a four-person call within an ordinary uplink. Fake capture devices
 * (Chromium's --use-fake-device-for-media-stream) satisfy them as they are.
 */
export const DEFAULT_MEDIA: MediaStreamConstraints = {
  audio: { echoCancellation: true, noiseSuppression: true },
  video: { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 24, max: 30 } },
};

/**
 * Opens camera and microphone. When both cannot be had, falls back to
 * whichever works, so someone without a camera can still join; only when
 * neither works does it reject, with a 'media' error in plain words.
 */
export async function openLocalMedia(constraints: MediaStreamConstraints = DEFAULT_MEDIA): Promise<MediaStream> {
  const devices = globalThis.navigator?.mediaDevices;
  if (!devices?.getUserMedia) {
    throw new SecureMeetingError('unsupported', 'camera and microphone are unavailable here (they need https or localhost)');
  }
  const attempts: MediaStreamConstraints[] = [constraints];
  if (constraints.audio && constraints.video) attempts.push({ audio: constraints.audio }, { video: constraints.video });
  let last: unknown;
  for (const attempt of attempts) {
    try {
      return await devices.getUserMedia(attempt);
    } catch (error) {
      last = error;
    }
  }
  const why = last instanceof DOMException && last.name === 'NotAllowedError'
    ? 'permission to use the camera and microphone was denied'
    : 'no camera or microphone could be opened';
  throw new SecureMeetingError('media', why, { cause: last });
}
