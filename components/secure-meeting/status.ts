// What <secure-meeting> says, in words: pure functions of the meeting's state,
// so the wording lives in one place (the catalog) and reads like the UI.
import type { Meeting } from '../../core/index.js';
import { PREFIX } from '../../core/errors.js';
import type { SecureMeetingErrorCode } from '../../core/errors.js';
import { en } from '../i18n/en.js';
import type { Localizer, Messages } from '../i18n/i18n.js';

/** A code's sentence, for a language other than English (core's own messages are English). */
function codeSentence(code: SecureMeetingErrorCode | undefined, t: Messages): string {
  switch (code) {
    case 'unauthorized': return t.errorUnauthorized;
    case 'unreachable': return t.errorUnreachable;
    case 'rejected': return t.errorRejected;
    case 'media': return t.errorMedia;
    case 'closed': return t.errorClosed;
    case 'unsupported': return t.errorUnsupported;
    case 'busy': return t.errorBusy;
    case 'forbidden': return t.errorForbidden;
    case 'storage': return t.errorStorage;
    case 'removed': return t.errorRemoved;
    default: return t.errorGeneric;
  }
}

/**
 * The message a person should read. In English, core's own message (no
 * library prefix, a capital letter first); in another language, the
 * sentence for the error's code, since core's details are English.
 */
export function plainMessage(error: unknown, t: Messages = en): string {
  if (t !== en) return codeSentence((error as { code?: SecureMeetingErrorCode } | null)?.code, t);
  const text = coreWords(error);
  if (text === '') return t.errorGeneric;
  const sentence = text[0]!.toUpperCase() + text.slice(1);
  return /[.!?…]$/.test(sentence) ? sentence : `${sentence}.`;
}

/** An error's own message without the library prefix ('' for none). */
function coreWords(error: unknown): string {
  const raw = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
  return (raw.startsWith(PREFIX) ? raw.slice(PREFIX.length) : raw).trim();
}

/**
 * Why an action failed, to go inside a sentence such as `t.chatNotSent(reason)`:
 * in English core's own words as they are (no prefix, no capital, no stop); in
 * another language plainMessage's sentence for the error's code.
 */
export function failureReason(error: unknown, t: Messages): string {
  return t === en ? coreWords(error) || String(error) : plainMessage(error, t);
}

/** The gate's progress line while a join is under way. */
export function gateStatusText(meeting: Pick<Meeting, 'state'> | null, t: Messages): string {
  return meeting?.state === 'deriving' ? t.statusDeriving : t.statusJoining;
}

/** The status line of a meeting on screen, with a notice (relay trouble, no camera) after it. */
export function meetingStatusText(m: Pick<Meeting, 'peers' | 'relayState' | 'state' | 'joinWindow'>, notice: string, t: Messages): string {
  const others = m.peers.size;
  let text: string;
  if (m.relayState === 'reconnecting') text = t.statusReconnecting;
  else if (m.state === 'connecting') text = t.statusConnecting;
  else if (others === 0 && !m.joinWindow.open) text = t.statusAloneLocked;
  else if (others === 0 && m.relayState === 'closed') text = t.statusDisconnected;
  // Said at once rather than after a spinner: a wrong password looks exactly like an empty room.
  else if (others === 0) text = t.statusAlone;
  else text = t.statusWithOthers(others);
  // Members whose connection failed still count above: the password was right, the network path is missing.
  const failed = others === 0 ? 0 : [...m.peers.values()].filter((p) => p.connectionFailed).length;
  if (failed > 0) text += ` ${t.statusUnreachable(failed, others)}`;
  return notice ? `${text} ${notice}` : text;
}

/** The join window in words: "Joining open · 9:41", "Joining closed"… */
export function joinWindowText(m: Pick<Meeting, 'joinWindow' | 'relayState'>, now: number, i18n: Pick<Localizer, 't' | 'duration'>): string {
  const { open, closesAt } = m.joinWindow;
  const t = i18n.t;
  if (!open) return t.statusJoiningClosed;
  if (m.relayState !== 'open') return t.statusJoiningUnavailable;
  if (closesAt === null) return t.statusJoiningOpen;
  return t.statusJoiningOpenFor(i18n.duration(Math.ceil((closesAt - now) / 1000)));
}
