// dist/secure-meeting.bundle.js: the elements, core and the WebSocket adapter
// in one file that fetches nothing else, for a page (a CMS) given one file.
import { websocketRelay } from '../../adapters/websocket/index.js';
import { BUNDLE_FILES, bundledAdapters, useAdapterLoader } from '../secure-meeting/adapters.js';

export * from '../elements.js';

useAdapterLoader(bundledAdapters(BUNDLE_FILES.ws, { ws: websocketRelay }));
