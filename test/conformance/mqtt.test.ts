import { mqttRelay, type MqttRelayOptions } from '../../adapters/mqtt/index.js';
import { startMosquitto, type BrokerUser } from '../support/mosquitto.js';
import { freePort } from '../support/wait.js';
import { runConformance, type ConformanceServer } from './suite.js';

const reconnect = { initialDelayMs: 20, maxDelayMs: 200 };
const USER: BrokerUser = { username: 'meeting', password: 'conformance-secret', acl: ['topic readwrite secure-meeting/v1/#'] };

async function mosquitto(users: BrokerUser[] | undefined): Promise<ConformanceServer & { options: MqttRelayOptions }> {
  const broker = await startMosquitto(users === undefined ? {} : { users });
  const options: MqttRelayOptions = { url: broker.url, reconnect };
  return {
    options,
    adapter: () => mqttRelay(options),
    restart: () => broker.restart(),
    close: () => broker.close(),
  };
}

const unreachable = async () => mqttRelay({ url: `ws://127.0.0.1:${await freePort()}`, reconnect });

runConformance('mqtt (Mosquitto, anonymous)', {
  checksCredentials: false,
  refusesTopics: false,
  start: () => mosquitto(undefined),
  unreachable,
});

runConformance('mqtt (Mosquitto, password file and ACL)', {
  checksCredentials: true,
  refusesTopics: true,
  async start() {
    const server = await mosquitto([USER]);
    const good = { ...server.options, username: USER.username, password: USER.password };
    return {
      ...server,
      adapter: () => mqttRelay(good),
      refused: () => mqttRelay({ ...good, password: 'not-the-password' }),
      // The ACL grants secure-meeting/v1/# only.
      denied: () => ({ adapter: mqttRelay({ ...good, topicPrefix: 'other/' }), target: { topic: 'a'.repeat(32), channel: '1' } }),
    };
  },
  unreachable,
});
