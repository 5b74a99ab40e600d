import type { Clock } from './clock.js';
import { DEFAULT_NAMESPACE, type PreparedRoomKeys } from './crypto.js';
import { invalidOption } from './errors.js';
import type { LevelSource } from './features/active-speaker.js';
import type { Feature } from './features/feature.js';
import type { RelayAdapter } from './relay.js';
import { MAX_NAME_LENGTH } from './wire/guards.js';

export interface MeetingOptions {
  /** The channel people agreed on (the kit's UI uses 1–1000). */
  channel: string | number;
  /** The shared password. Used once to derive the keys, then dropped. */
  password: string;
  /** Display name shown to the others (sealed; the relay never sees it). Default "Guest". */
  name?: string;
  /** How envelopes reach the others, e.g. `websocketRelay({ url })`. */
  relay: RelayAdapter;
  /** Separates sites that share a relay: part of the key-derivation salt. */
  namespace?: string;
  /** STUN/TURN servers. Default none: no third party learns who meets. `meeting.setIceServers()` changes them later. */
  iceServers?: RTCIceServer[];
  /**
   * `'relay'`: media only through the TURN servers in iceServers, so no
   * member learns another's IP address; `'all'` (default): direct when it can.
   */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /** Constraints for camera and microphone, a stream you opened yourself, or false to only receive. */
  media?: MediaStreamConstraints | MediaStream | false;
  /** Start with the microphone switched off (silence is sent, never a sound, until it is switched on). Default false. */
  audioOff?: boolean;
  /** Start with the camera switched off (black frames are sent, never a picture, until it is switched on). Default false. */
  videoOff?: boolean;
  /**
   * Seconds after joining until this member leaves the relay, so no one new
   * can get in (the mesh goes on). Default 600; 0 = never.
   */
  lockAfter?: number;
  /** Seconds joining stays open after "Allow joining" (`allowJoining()` without an argument). Default 600. */
  joinWindow?: number;
  /** More features to install after the built-in ones (member state, join window); see `defineFeature`. */
  features?: readonly Feature[];
  /** How many members may share their screen at once (1–16). Default 1; a second one waits, and a tie goes to who started first. */
  maxPresenters?: number;
  /** Keep the chat history on this device (IndexedDB, sealed with the storage key) and show it again next time. Default true. */
  persist?: boolean;
  /** Each member's audio level (0–1) for the active speaker; by default the energy of the audio received from them. */
  audioLevels?: LevelSource;
  /** The largest file `meeting.feature(files)` sends or accepts, in bytes. Default 100 MiB. */
  maxFileBytes?: number;
  /**
   * Newcomers wait until a host or co-host admits them (the waiting room,
   * `meeting.feature(waitingRoom)`). Default false. A newcomer let in follows
   * its hosts' setting; hosts can switch it during the meeting.
   */
  waitingRoom?: boolean;
  /** How often each connection's quality is sampled, in ms (500–60000). Default 2000. */
  qualityIntervalMs?: number;
  /** The upload each member needs of us, in kbit/s, for the upload warning (`meeting.feature(quality).uplink`). Default 150. */
  minUplinkKbpsPerMember?: number;
  /**
   * Each member gets our video at the size it shows it, and none while it
   * cannot see it (`meeting.feature(videoFit)`). Default true; false sends
   * everyone the full picture (for comparison; the upload budget still holds).
   */
  videoFit?: boolean;
  /** The most our video may use of the upload, in kbps (100–1 000 000), shared among the members; default none. */
  maxUplinkKbps?: number;
  /** Time and timers; the real ones by default. For tests that drive time themselves. */
  clock?: Clock;
  /**
   * Keys derived ahead with `prepareRoomKeys()` (while the person was still
   * in a join form): used when they match this meeting's password, channel
   * and namespace, so `join()` does not wait for PBKDF2; ignored otherwise.
   */
  keys?: PreparedRoomKeys;
}

/** The options every part of a meeting reads, checked once, with the library's defaults filled in. */
export interface CheckedOptions {
  channel: string;
  password: string;
  name: string;
  relay: RelayAdapter;
  namespace: string;
  iceServers: RTCIceServer[];
  iceTransportPolicy: RTCIceTransportPolicy;
  media: MediaStreamConstraints | MediaStream | false | undefined;
  /** Whether microphone and camera start switched on. */
  enabled: { audio: boolean; video: boolean };
  features: readonly Feature[];
}

/** Throws a TypeError with the library's prefix for the first option that is wrong. */
export function checkOptions(options: MeetingOptions): CheckedOptions {
  if (!options || typeof options !== 'object') throw invalidOption('createMeeting needs an options object');
  const { channel, password, relay, namespace = DEFAULT_NAMESPACE, features = [] } = options;
  if (typeof password !== 'string' || password.length === 0) throw invalidOption('password must be a non-empty string');
  if ((typeof channel !== 'string' && typeof channel !== 'number') || String(channel).trim() === '') {
    throw invalidOption('channel must be a non-empty string or a number');
  }
  if (!relay || typeof relay.connect !== 'function') throw invalidOption('relay must be a relay adapter, e.g. websocketRelay({ url })');
  const name = (options.name ?? 'Guest').trim();
  if (name.length === 0 || name.length > MAX_NAME_LENGTH) throw invalidOption(`name must be 1–${MAX_NAME_LENGTH} characters`);
  for (const key of ['audioOff', 'videoOff'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'boolean') throw invalidOption(`${key} must be true or false`);
  }
  const { iceTransportPolicy = 'all' } = options;
  if (iceTransportPolicy !== 'all' && iceTransportPolicy !== 'relay') throw invalidOption("iceTransportPolicy must be 'all' or 'relay'");
  if (!Array.isArray(features)) throw invalidOption('features must be an array of features made with defineFeature()');
  return {
    channel: String(channel).trim(),
    password,
    name,
    relay,
    namespace,
    iceServers: checkIceServers(options.iceServers ?? []),
    iceTransportPolicy,
    media: options.media,
    enabled: { audio: options.audioOff !== true, video: options.videoOff !== true },
    features,
  };
}

/** An array of RTCIceServer-shaped objects (the browser checks the rest), or a TypeError. */
export function checkIceServers(servers: unknown): RTCIceServer[] {
  const ok = Array.isArray(servers) && servers.every((s) => typeof s === 'object' && s !== null && (typeof s.urls === 'string' || Array.isArray(s.urls)));
  if (!ok) throw invalidOption('iceServers must be an array of { urls, username?, credential? }');
  return servers as RTCIceServer[];
}
