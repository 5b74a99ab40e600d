/**
 * Short-lived TURN credentials for `ice-credentials-url`: fetched before the
 * meeting is made, checked (what comes over the network is bounded and
 * validated like any inbound message), and fetched again before they expire,
 * each new set handed to the meeting for the connections it makes next.
 * The relay CLI serves them (`/turn-credentials`); any endpoint answering
 * `{ iceServers: [{ urls, username, credential }], expiresAt }` will do.
 */
import { SecureMeetingError } from '../../core/errors.js';
import { systemClock, type Clock, type TimerId } from '../../core/clock.js';

export interface IceCredentials {
  readonly iceServers: RTCIceServer[];
  /** When they stop working, in ms since the epoch. */
  readonly expiresAt: number;
}

/** Larger answers are refused unread: a few servers' credentials fit many times over. */
const MAX_BODY_CHARS = 16 * 1024;
const MAX_SERVERS = 8;
const MAX_FIELD = 512;
/** Fetched again when this share of their life has passed. */
const REFRESH_AT = 0.8;
/** After a failed refresh, the next try comes this soon (or sooner, before they expire). */
const RETRY_MS = 30_000;

/** The URL without its query, for messages: a key may ride in `?apiKey=`. */
const shown = (url: string): string => url.replace(/[?#].*$/, '');

export async function fetchIceCredentials(
  url: string,
  apiKey: string | undefined,
  now: number,
  fetchImpl: typeof fetch = fetch,
): Promise<IceCredentials> {
  let response: Response;
  try {
    response = await fetchImpl(url, {
      headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (cause) {
    throw new SecureMeetingError('unreachable', `cannot get TURN credentials from ${shown(url)}`, { cause });
  }
  if (!response.ok) {
    const code = response.status === 401 || response.status === 403 ? 'unauthorized' : 'unreachable';
    throw new SecureMeetingError(code, `cannot get TURN credentials from ${shown(url)}: HTTP ${response.status}`);
  }
  const text = await response.text();
  const credentials = text.length <= MAX_BODY_CHARS ? parse(text) : null;
  if (credentials === null) throw new SecureMeetingError('rejected', `the TURN credentials from ${shown(url)} are not in the expected form`);
  if (credentials.expiresAt <= now) {
    throw new SecureMeetingError('unauthorized', `the TURN credentials from ${shown(url)} expired at ${new Date(credentials.expiresAt).toISOString()}`);
  }
  return credentials;
}

function parse(text: string): IceCredentials | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof body !== 'object' || body === null) return null;
  const { iceServers, expiresAt } = body as { iceServers?: unknown; expiresAt?: unknown };
  if (!Array.isArray(iceServers) || iceServers.length === 0 || iceServers.length > MAX_SERVERS) return null;
  if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) return null;
  const servers: RTCIceServer[] = [];
  for (const server of iceServers as unknown[]) {
    if (typeof server !== 'object' || server === null) return null;
    const { urls, username, credential } = server as Record<string, unknown>;
    const list = typeof urls === 'string' ? [urls] : urls;
    if (!Array.isArray(list) || list.length === 0 || list.length > MAX_SERVERS) return null;
    if (!list.every((u) => typeof u === 'string' && u.length <= MAX_FIELD && /^(stun|stuns|turn|turns):\S+$/.test(u))) return null;
    if (!field(username) || !field(credential)) return null;
    servers.push({ urls: list as string[], username: username as string, credential: credential as string });
  }
  return { iceServers: servers, expiresAt };
}

const field = (value: unknown): boolean => typeof value === 'string' && value.length > 0 && value.length <= MAX_FIELD;

export interface RefresherInit {
  /** Default: the system's. */
  clock?: Clock;
  /** Fetches a new set (fetchIceCredentials bound to the element's URL and key). */
  fetch(): Promise<IceCredentials>;
  /** A new set arrived: the meeting uses it from now on. */
  apply(credentials: IceCredentials): void;
  /** A refresh failed; the meeting goes on with what it has while another try is made. */
  failed(error: unknown): void;
}

/** Fetches the credentials again before each set expires, until stopped. */
export class IceRefresher {
  readonly #init: RefresherInit & { clock: Clock };
  #timer: TimerId | undefined;
  #stopped = false;

  constructor(init: RefresherInit, first: IceCredentials) {
    this.#init = { ...init, clock: init.clock ?? systemClock };
    this.#schedule(first.expiresAt);
  }

  stop(): void {
    this.#stopped = true;
    this.#init.clock.clearTimeout(this.#timer);
  }

  #schedule(expiresAt: number, retry = false): void {
    if (this.#stopped) return;
    const left = Math.max(0, expiresAt - this.#init.clock.now());
    const wait = !retry ? left * REFRESH_AT : left > 0 ? Math.min(RETRY_MS, left / 2) : RETRY_MS;
    this.#timer = this.#init.clock.setTimeout(() => void this.#refresh(expiresAt), Math.max(1_000, wait));
  }

  async #refresh(expiresAt: number): Promise<void> {
    try {
      const next = await this.#init.fetch();
      if (this.#stopped) return;
      this.#init.apply(next);
      this.#schedule(next.expiresAt);
    } catch (error) {
      if (this.#stopped) return;
      this.#init.failed(error);
      this.#schedule(expiresAt, true);
    }
  }
}
