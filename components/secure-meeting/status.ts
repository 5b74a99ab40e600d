// What <secure-meeting> says, in words: pure functions of the meeting's state,
// so the wording lives in one place and reads like the UI.
import type { Meeting } from '../../core/index.js';
import { PREFIX } from '../../core/errors.js';

/** The message a person should read: no library prefix, a capital letter first. */
export function plainMessage(error: unknown): string {
  const raw = error instanceof Error ? error.message : '';
  const text = (raw.startsWith(PREFIX) ? raw.slice(PREFIX.length) : raw).trim();
  if (text === '') return 'Something went wrong.';
  const sentence = text[0]!.toUpperCase() + text.slice(1);
  return /[.!?…]$/.test(sentence) ? sentence : `${sentence}.`;
}

/** The gate's progress line while a join is under way. */
export function gateStatusText(meeting: Pick<Meeting, 'state'> | null): string {
  return meeting?.state === 'deriving' ? 'Deriving key…' : 'Joining…';
}

/** The status line of a meeting on screen, with a notice (relay trouble, no camera) after it. */
export function meetingStatusText(m: Pick<Meeting, 'peers' | 'relayState' | 'state' | 'joinWindow'>, notice: string): string {
  const others = m.peers.size;
  let text: string;
  if (m.relayState === 'reconnecting') text = 'Reconnecting to relay…';
  else if (m.state === 'connecting') text = 'Connecting to relay…';
  else if (others === 0 && !m.joinWindow.open) text = 'Joining is closed and no one else is here.';
  else if (others === 0 && m.relayState === 'closed') text = 'Disconnected from the relay.';
  // Said at once rather than after a spinner: a wrong password looks exactly like an empty room.
  else if (others === 0) text = 'No one here yet. If others are already in the meeting, check the channel and password.';
  else text = others === 1 ? 'In the meeting with 1 other person.' : `In the meeting with ${others} others.`;
  // Members whose connection failed still count above: the password was right, the network path is missing.
  const failed = others === 0 ? 0 : [...m.peers.values()].filter((p) => p.connectionFailed).length;
  if (failed > 0) {
    const whom = failed < others ? `${failed} of them` : others === 1 ? 'them' : 'any of them';
    text += ` Could not connect to ${whom}: no network path; a TURN server may be needed.`;
  }
  return notice ? `${text} ${notice}` : text;
}

/** The join window in words: "Joining open · 9:41", "Joining closed"… */
export function joinWindowText(m: Pick<Meeting, 'joinWindow' | 'relayState'>, now: number): string {
  const { open, closesAt } = m.joinWindow;
  if (!open) return 'Joining closed';
  if (m.relayState !== 'open') return 'Joining temporarily unavailable';
  if (closesAt === null) return 'Joining open';
  const left = Math.max(0, Math.ceil((closesAt - now) / 1000));
  return `Joining open · ${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
}
