import { socketioRelay } from '../../adapters/socketio/index.js';
import { spawnRelay, type RelayProcess } from '../support/relay-process.js';
import { freePort } from '../support/wait.js';
import { runConformance } from './suite.js';

const API_KEY = 'conformance-key';
const reconnect = { initialDelayMs: 20, maxDelayMs: 100 };

runConformance('socketio (our Socket.IO relay)', {
  checksCredentials: true,
  refusesTopics: true,
  async start() {
    // A child process, so restart() is a real kill: the clients' transport drops.
    let relay: RelayProcess = await spawnRelay('socketio', { port: 0, apiKeys: [API_KEY] });
    const { port } = relay;
    const url = `http://127.0.0.1:${port}`;
    return {
      adapter: () => socketioRelay({ url, apiKey: API_KEY, reconnect }),
      refused: () => socketioRelay({ url, apiKey: 'not-the-key', reconnect }),
      // The relay only takes topics of [A-Za-z0-9_-]{1,128}.
      denied: () => ({ adapter: socketioRelay({ url, apiKey: API_KEY, reconnect }), target: { topic: 'no/such topic', channel: '1' } }),
      async restart() {
        await relay.kill();
        relay = await spawnRelay('socketio', { port, apiKeys: [API_KEY] });
      },
      close: () => relay.kill(),
    };
  },
  async unreachable() {
    return socketioRelay({ url: `http://127.0.0.1:${await freePort()}`, reconnect });
  },
});
