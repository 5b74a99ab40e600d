// "Add to calendar": one meeting as an RFC 5545 iCalendar file. It carries
// the invite link and the advice to get the password another way, never the
// password itself (nothing here takes one).

export interface CalendarEvent {
  /** When the meeting starts. */
  readonly start: Date;
  /** How long it lasts, in whole minutes (1 to 1440). */
  readonly minutes: number;
  readonly summary: string;
  /** Free text; the invite text, link included. */
  readonly description: string;
  /** The invite link. */
  readonly url: string;
  /** Stable across re-downloads of the same invite, so calendars update rather than duplicate it. */
  readonly uid: string;
  /** When the file was made (DTSTAMP); now by default. */
  readonly stamp?: Date;
}

/** The reminder: 15 minutes before the start. */
export const REMINDER = '-PT15M';
export const MAX_MINUTES = 24 * 60;

/** A UTC DATE-TIME (RFC 5545 §3.3.5, form #2): 20261201T213000Z. */
export function utcDateTime(d: Date): string {
  if (Number.isNaN(d.getTime())) throw new TypeError('secure-meeting: calendar date is not a valid date.');
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/** TEXT escaping (RFC 5545 §3.3.11): backslash, semicolon, comma, and newlines as `\n`. */
export function escapeText(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r\n|\r|\n/g, '\\n');
}

const encoder = new TextEncoder();

/**
 * Folds a content line at 75 octets (RFC 5545 §3.1): CRLF then one space
 * starts each continuation. Counted in UTF-8 bytes, never splitting a
 * character (a code point stays on one line).
 */
export function foldLine(line: string): string {
  const out: string[] = [];
  let current = '';
  let octets = 0;
  for (const ch of line) {
    const size = encoder.encode(ch).length;
    // The first line holds 75 octets; a continuation 74 after its leading space.
    if (octets + size > (out.length === 0 ? 75 : 74)) {
      out.push(current);
      current = '';
      octets = 0;
    }
    current += ch;
    octets += size;
  }
  out.push(current);
  return out.join('\r\n ');
}

/** The whole file, CRLF line endings, folded. */
export function calendarFile(e: CalendarEvent): string {
  if (!Number.isInteger(e.minutes) || e.minutes < 1 || e.minutes > MAX_MINUTES) {
    throw new TypeError(`secure-meeting: meeting duration must be a whole number of minutes from 1 to ${MAX_MINUTES}.`);
  }
  // CR, LF and control characters cannot sit in a URI value (§3.3.13); a link with them is not one we made.
  if (/[\u0000-\u001f\u007f\s]/.test(e.url)) throw new TypeError('secure-meeting: calendar URL must not contain spaces or control characters.');
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//secure-meeting//Invite//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    'BEGIN:VEVENT',
    `UID:${escapeText(e.uid)}`,
    `DTSTAMP:${utcDateTime(e.stamp ?? new Date())}`,
    `DTSTART:${utcDateTime(e.start)}`,
    `DURATION:PT${e.minutes}M`,
    `SUMMARY:${escapeText(e.summary)}`,
    `DESCRIPTION:${escapeText(e.description)}`,
    `URL:${e.url}`,
    'BEGIN:VALARM',
    'ACTION:DISPLAY',
    `TRIGGER:${REMINDER}`,
    `DESCRIPTION:${escapeText(e.summary)}`,
    'END:VALARM',
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return lines.map(foldLine).join('\r\n') + '\r\n';
}

/** The next full or half hour of local time strictly after `now`: the form's default start. */
export function nextHalfHour(now: Date): Date {
  // Local time, not epoch arithmetic: in a zone offset by 45 minutes (Nepal) a UTC half hour is not a local one.
  const d = new Date(now);
  d.setSeconds(0, 0);
  d.setMinutes(now.getMinutes() < 30 ? 30 : 60);
  return d;
}
