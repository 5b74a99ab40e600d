/**
 * The package entry's loader: each adapter is a separate module fetched with
 * import() when chosen, so a page that uses MQTT never downloads the
 * Socket.IO client and vice versa (DESIGN.md, adapters).
 */
import { SecureMeetingError } from '../../core/errors.js';
import { ADAPTER_LABELS, BUNDLE_FILES, type AdapterFactories, type AdapterLoader, type AdapterName } from './adapters.js';

export type AdapterImporters = { [K in AdapterName]: () => Promise<AdapterFactories[K]> };

const IMPORTERS: AdapterImporters = {
  ws: () => import('../../adapters/websocket/index.js').then((m) => m.websocketRelay),
  mqtt: () => import('../../adapters/mqtt/index.js').then((m) => m.mqttRelay),
  socketio: () => import('../../adapters/socketio/index.js').then((m) => m.socketioRelay),
};

/** Where the adapter lives in the package, for when the browser's message names no URL (Safari's does not). */
const MODULES: Readonly<Record<AdapterName, string>> = {
  ws: 'dist/adapters/websocket/index.js',
  mqtt: 'dist/adapters/mqtt/index.js',
  socketio: 'dist/adapters/socketio/index.js',
};

/** The URL in "Failed to fetch dynamically imported module: <url>" (Chromium) or Firefox's like message. */
function failedUrl(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : String(error);
  return /\b(?:https?|file):\/\/\S+/.exec(message)?.[0];
}

/**
 * Lazy import() per adapter. A chunk that fails to load (the page was given
 * one file of dist/, or a deploy dropped a chunk) is reported as what to do,
 * not as the browser's "Failed to fetch dynamically imported module".
 */
export function lazyAdapters(importers: AdapterImporters = IMPORTERS): AdapterLoader {
  return async <K extends AdapterName>(name: K): Promise<AdapterFactories[K]> => {
    try {
      return await importers[name]();
    } catch (error) {
      throw chunkFailed(`the ${ADAPTER_LABELS[name]} adapter`, MODULES[name], BUNDLE_FILES[name], error);
    }
  };
}

/** What to do when a module of the kit could not be fetched: `module` is where it lives in the package. */
export function chunkFailed(what: string, module: string, singleFile: string, error: unknown): SecureMeetingError {
  const file = failedUrl(error) ?? module;
  return new SecureMeetingError(
    'unreachable',
    `could not load ${what} from ${file}; serve the whole dist/ folder, or load the single file ${singleFile} instead`,
    { cause: error },
  );
}
