// The invite link: the page's own URL with the channel in its fragment.
//
// Why the fragment (`#sm-channel=42`) and not the query (`?sm-channel=42`):
// browsers never send the fragment to the server, so the channel stays out
// of its access logs, proxies and Referer headers, and adding it never
// changes which page the server returns (no cache miss, no 404 on sites that
// reject unknown query parameters). The page's path, query and any fragment
// of its own are kept as they are.
//
// Two meetings on one page: the key carries the element's namespace
// (`sm-channel.<namespace>=42`), so a link for one does not prefill the
// other; the default namespace uses the plain `sm-channel`. Never the
// password: nothing here takes one.
import type { Messages } from '../i18n/i18n.js';

/** The fragment key that carries the channel for a namespace. */
export function channelKey(namespace = ''): string {
  return namespace === '' || namespace === 'default' ? 'sm-channel' : `sm-channel.${encodeURIComponent(namespace)}`;
}

/** The fragment's `&`-separated pieces, kept verbatim so a hash router's own state (`#/room&…`) survives. */
const pieces = (hash: string) => hash.replace(/^#/, '').split('&').filter((p) => p !== '');

/** The page URL with `channel` set for `namespace`, replacing a channel already there. */
export function inviteLink(pageUrl: string, channel: number, namespace = ''): string {
  if (!Number.isInteger(channel) || channel < 1) throw new TypeError(`secure-meeting: invite channel must be a whole number from 1, got ${String(channel)}.`);
  const url = new URL(pageUrl);
  const key = channelKey(namespace);
  const kept = pieces(url.hash).filter((p) => !sameKey(p.split('=')[0] ?? '', key));
  url.hash = [...kept, `${key}=${channel}`].join('&');
  return url.href;
}

/**
 * The channel a link carries for `namespace`, or undefined when there is
 * none or it is not a whole number from 1 to `maxChannel` (a hostile or
 * stale link is ignored, never an error).
 */
export function channelFromLink(pageUrl: string, namespace = '', maxChannel = 1000): number | undefined {
  let hash: string;
  try {
    hash = new URL(pageUrl).hash;
  } catch {
    return undefined;
  }
  const key = channelKey(namespace);
  for (const piece of pieces(hash)) {
    const at = piece.indexOf('=');
    if (at < 0 || !sameKey(piece.slice(0, at), key)) continue;
    const value = decodePiece(piece.slice(at + 1));
    // Digits only, like the join form: Number() would accept "1e3", "0x10" or " 12 ".
    if (!/^\d{1,9}$/.test(value)) return undefined;
    const channel = Number(value);
    // A broken max-channel falls back to the default, as the join form's does.
    const max = Number.isInteger(maxChannel) && maxChannel >= 1 ? maxChannel : 1000;
    return channel >= 1 && channel <= max ? channel : undefined;
  }
  return undefined;
}

/** Compared decoded, so `sm-channel.a%26b` matches however a browser or mail client re-encoded it. */
const sameKey = (raw: string, key: string) => decodePiece(raw) === decodePiece(key);

function decodePiece(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** What "Copy invite" puts on the clipboard, in the language of `t`. */
export function inviteText(channel: number, link: string, t: Messages): string {
  return t.inviteText(channel, link);
}
