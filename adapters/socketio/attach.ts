import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';

type Listener = (...args: unknown[]) => void;
const HTTP_EVENTS = ['request', 'upgrade', 'close', 'listening'] as const;

/**
 * Engine.IO attaches by taking over the server's 'request' listeners (calling
 * the app's for other paths) and adding its own 'upgrade', 'close' and
 * 'listening' ones; it has no detach. This undoes exactly that, keeping any
 * listener the app added since.
 */
export function attachReversibly<T>(server: HttpServer | HttpsServer, attach: () => T): { value: T; detach: () => void } {
  const snapshot = (): Map<string, Listener[]> =>
    new Map(HTTP_EVENTS.map((event) => [event, server.listeners(event) as Listener[]]));
  const before = snapshot();
  const value = attach();
  const after = snapshot();
  const detach = (): void => {
    for (const event of HTTP_EVENTS) {
      const was = before.get(event) ?? [];
      const now = after.get(event) ?? [];
      for (const listener of now) if (!was.includes(listener)) server.off(event, listener);
      // They were first in line before Engine.IO took them over.
      for (const listener of [...was].reverse()) if (!now.includes(listener)) server.prependListener(event, listener);
    }
  };
  return { value, detach };
}
