/**
 * How `<secure-meeting>` gets the relay adapter its `adapter` attribute names.
 * The element only asks the installed loader; who installs it decides how the
 * code arrives: the package entry (components/index.ts) with a lazy import()
 * per adapter, each single-file bundle (components/bundles/) with a table of
 * the adapters compiled into it, so that file never fetches another.
 */
import { invalidOption } from '../../core/errors.js';
import type { RelayAdapter } from '../../core/relay.js';
// Types only: no adapter code is pulled in by this file.
import type { websocketRelay } from '../../adapters/websocket/index.js';
import type { mqttRelay } from '../../adapters/mqtt/index.js';
import type { socketioRelay } from '../../adapters/socketio/index.js';

/** Options for the WebSocket adapter other than the URL, which comes from the `relay` attribute. */
export type WebSocketAdapterOptions = Partial<Omit<Parameters<typeof websocketRelay>[0], 'url'>>;
/** Options for the MQTT adapter (topic prefix, broker username/password, QoS…) other than the broker URL. */
export type MqttAdapterOptions = Partial<Omit<Parameters<typeof mqttRelay>[0], 'url'>>;
/** Options for the Socket.IO adapter (path, namespace, apiKey…) other than the server URL. */
export type SocketIoAdapterOptions = Partial<Omit<Parameters<typeof socketioRelay>[0], 'url'>>;
export type AdapterOptions = WebSocketAdapterOptions | MqttAdapterOptions | SocketIoAdapterOptions;

/** The transports the components can load: `ws` (any broadcast WebSocket relay), `mqtt` (a broker over WebSockets), `socketio`. */
export const ADAPTERS = ['ws', 'mqtt', 'socketio'] as const;
export type AdapterName = (typeof ADAPTERS)[number];

/** Each adapter's factory, as its own entry point exports it. */
export interface AdapterFactories {
  ws: typeof websocketRelay;
  mqtt: typeof mqttRelay;
  socketio: typeof socketioRelay;
}

/** Resolves to the factory of the named adapter, or rejects in words a site owner can act on. */
export type AdapterLoader = <K extends AdapterName>(name: K) => Promise<AdapterFactories[K]>;

/** What people call each transport, for messages. */
export const ADAPTER_LABELS: Readonly<Record<AdapterName, string>> = { ws: 'WebSocket', mqtt: 'MQTT', socketio: 'Socket.IO' };

/** The single file that carries each adapter (every one of them also carries `ws`). */
export const BUNDLE_FILES: Readonly<Record<AdapterName, string>> = {
  ws: 'secure-meeting.bundle.js',
  mqtt: 'secure-meeting.mqtt.bundle.js',
  socketio: 'secure-meeting.socketio.bundle.js',
};

let loader: AdapterLoader | null = null;

/** Installs how adapters are found; the last call wins. */
export function useAdapterLoader(next: AdapterLoader): void {
  loader = next;
}

/**
 * The loader of a single-file bundle: only the adapters compiled into `file`.
 * Asking for another names the file that has it, instead of a failed fetch.
 */
export function bundledAdapters(file: string, table: Partial<AdapterFactories>): AdapterLoader {
  return async <K extends AdapterName>(name: K): Promise<AdapterFactories[K]> => {
    const factory = table[name];
    if (factory) return factory as AdapterFactories[K];
    throw invalidOption(
      `this page loads ${file}, which has no ${ADAPTER_LABELS[name]} adapter; load ${BUNDLE_FILES[name]} instead`,
    );
  };
}

/**
 * Where each adapter looks when `relay` is not set: the endpoints the demo
 * server offers on the page's own origin (`ws(s)://<host>/relay/[TOPIC]`,
 * `ws(s)://<host>/mqtt`, the Socket.IO server at `<origin>/socket.io/`),
 * secure when the page is.
 */
export function defaultRelayUrl(loc: Pick<Location, 'protocol' | 'host'> = location, adapter: AdapterName = 'ws'): string {
  const ws = loc.protocol === 'https:' ? 'wss' : 'ws';
  if (adapter === 'mqtt') return `${ws}://${loc.host}/mqtt`;
  if (adapter === 'socketio') return `${loc.protocol === 'https:' ? 'https' : 'http'}://${loc.host}`;
  return `${ws}://${loc.host}/relay/[TOPIC]`;
}

/** The named adapter, made for `url` with the site's options. */
export async function loadRelay(adapter: AdapterName, url: string, options: AdapterOptions): Promise<RelayAdapter> {
  if (!ADAPTERS.includes(adapter)) {
    throw invalidOption(`unknown adapter "${String(adapter)}"; use "ws", "mqtt" or "socketio"`);
  }
  if (!loader) {
    throw invalidOption('no relay adapters are installed; use the package entry ("secure-meeting") or one of its single-file bundles');
  }
  switch (adapter) {
    case 'mqtt':
      return (await loader('mqtt'))({ ...(options as MqttAdapterOptions), url });
    case 'socketio':
      return (await loader('socketio'))({ ...(options as SocketIoAdapterOptions), url });
    default:
      return (await loader('ws'))({ ...(options as WebSocketAdapterOptions), url });
  }
}
