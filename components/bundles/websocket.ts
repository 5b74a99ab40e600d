// dist/secure-meeting.bundle.js: the elements, core and the WebSocket adapter
// in one file that fetches nothing else, for a page (a CMS) given one file.
import { websocketRelay } from '../../adapters/websocket/index.js';
import { BUNDLE_FILES, bundledAdapters, useAdapterLoader } from '../secure-meeting/adapters.js';

export * from '../elements.js';
// The chat's core feature, so a page using this file can reach it: `el.meeting.feature(chat)`.
export { chat, ChatEvent } from '../../core/features/chat.js';
// Removal, likewise: `el.meeting.feature(removal).remove(id)` from a page's own controls.
export { removal, RemovalEvent, EpochEvent } from '../../core/features/removal.js';

useAdapterLoader(bundledAdapters(BUNDLE_FILES.ws, { ws: websocketRelay }));
