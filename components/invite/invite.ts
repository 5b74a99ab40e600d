// One invite, everything it is made of: the link, the text to paste and the
// calendar file. It is built from the channel and the page alone, so a
// password in whatever object the caller holds cannot reach any of them.
import type { Messages } from '../i18n/i18n.js';
import { calendarFile } from './ics.js';

export { MAX_MINUTES, nextHalfHour } from './ics.js';
import { inviteLink, inviteText } from './link.js';

export interface Invite {
  readonly link: string;
  /** What "Copy invite" copies. */
  readonly text: string;
  /** The .ics file's contents. */
  readonly ics: string;
  /** A name for the downloaded file. */
  readonly filename: string;
}

export interface InviteOptions {
  /** The page the link points at (usually `location.href`). */
  readonly page: string;
  readonly start: Date;
  readonly minutes: number;
  readonly uid: string;
  readonly stamp?: Date;
}

/**
 * The invite to `meeting`'s channel, worded in the language of `t`: only
 * `channel` and `namespace` are read from `meeting`.
 */
export function buildInvite(meeting: { readonly channel: number; readonly namespace?: string }, o: InviteOptions, t: Messages): Invite {
  const { channel } = meeting;
  const link = inviteLink(o.page, channel, meeting.namespace ?? '');
  const text = inviteText(channel, link, t);
  const ics = calendarFile({
    start: o.start,
    minutes: o.minutes,
    summary: t.inviteSummary(channel),
    description: text,
    url: link,
    uid: o.uid,
    ...(o.stamp ? { stamp: o.stamp } : {}),
  });
  return { link, text, ics, filename: t.inviteFilename(channel) };
}
