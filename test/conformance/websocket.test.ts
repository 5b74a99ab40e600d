import { WebSocket } from 'ws';
import { websocketRelay } from '../../adapters/websocket/index.js';
import { createRelayServer, type RelayServer } from '../../adapters/websocket/server.js';
import { freePort } from '../support/wait.js';
import { runConformance } from './suite.js';

const API_KEY = 'conformance-key';
const reconnect = { initialDelayMs: 20, maxDelayMs: 100 };

runConformance('websocket (our ws relay)', {
  checksCredentials: true,
  refusesTopics: true,
  async start() {
    let relay: RelayServer = createRelayServer({ port: 0, apiKeys: [API_KEY] });
    await relay.ready;
    const { port } = relay.address();
    const url = `ws://127.0.0.1:${port}/relay/[TOPIC]?apiKey=[API_KEY]`;
    return {
      adapter: () => websocketRelay({ url, apiKey: API_KEY, WebSocket, reconnect }),
      refused: () => websocketRelay({ url, apiKey: 'not-the-key', WebSocket, reconnect }),
      // The relay only takes topics of [A-Za-z0-9_-]{1,128}.
      denied: () => ({ adapter: websocketRelay({ url, apiKey: API_KEY, WebSocket, reconnect }), target: { topic: 'no/such topic', channel: '1' } }),
      async restart() {
        await relay.close();
        relay = createRelayServer({ port, apiKeys: [API_KEY] });
        await relay.ready;
      },
      close: () => relay.close(),
    };
  },
  async unreachable() {
    return websocketRelay({ url: `ws://127.0.0.1:${await freePort()}/relay/[TOPIC]`, WebSocket, reconnect });
  },
});
