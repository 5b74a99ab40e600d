/**
 * What the browser adapters share besides the reconnecting connection
 * (reconnecting.ts): reading the `reconnect` option, calling the app's
 * handlers safely, and reading a WebSocket URL. Kept out of core (which knows
 * no transport) and imported by each adapter entry, so the bundler puts it in
 * one small shared chunk.
 */
import { invalidOption } from '../core/errors.js';

export interface ReconnectOptions {
  /** Upper bound of the first retry delay (full jitter picks 0..bound). Default 500. */
  initialDelayMs?: number;
  /** The bound doubles per failed attempt up to this. Default 10 000. */
  maxDelayMs?: number;
}

/** setTimeout's largest delay; a bigger one fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Checks the `reconnect` option of the adapter named `adapter` (for the error message). */
export function readReconnect(adapter: string, value: ReconnectOptions | false | undefined): Required<ReconnectOptions> | false {
  if (value === false) return false;
  const initialDelayMs = value?.initialDelayMs ?? 500;
  const maxDelayMs = value?.maxDelayMs ?? 10_000;
  if (
    (value !== undefined && (typeof value !== 'object' || value === null)) ||
    !(Number.isFinite(initialDelayMs) && initialDelayMs > 0) ||
    !(Number.isFinite(maxDelayMs) && maxDelayMs >= initialDelayMs)
  ) {
    throw invalidOption(
      `${adapter}: reconnect must be false or { initialDelayMs, maxDelayMs } with 0 < initialDelayMs <= maxDelayMs`,
    );
  }
  return { initialDelayMs, maxDelayMs: Math.min(maxDelayMs, MAX_TIMER_MS) };
}

/** An app handler that throws must not leave the connection half-way through a transition. */
export function call<T>(fn: (value: T) => void, value: T): void {
  try {
    fn(value);
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}

/**
 * An absolute ws:// or wss:// URL (http(s) mapped to ws(s)), or null. In a
 * browser a relative URL resolves against the page.
 */
export function resolveWebSocketUrl(url: string): URL | null {
  let parsed: URL;
  try {
    const base = (globalThis as { location?: { href?: unknown } }).location?.href;
    parsed = typeof base === 'string' ? new URL(url, base) : new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol === 'http:') parsed.protocol = 'ws:';
  else if (parsed.protocol === 'https:') parsed.protocol = 'wss:';
  else if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') return null;
  return parsed;
}
