/**
 * The two ways adapters fail to arrive, said in words a site owner can act
 * on: a single-file bundle asked for an adapter it was built without, and
 * the package entry's import() of an adapter module that cannot be fetched.
 * Each single-file entry replaces the page's loader when imported, so the
 * bundle tests import them in turn.
 */
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import type { SecureMeeting } from '../../components/secure-meeting/secure-meeting.js';
import { useAdapterLoader } from '../../components/secure-meeting/adapters.js';
import { lazyAdapters } from '../../components/secure-meeting/lazy-adapters.js';
import '../../components/index.js';
import { SecureMeetingError } from '../../core/errors.js';
import { PASSWORD, gateAlert, gateOf, once, submitGate } from './helpers.js';

/** Presses Join on a fresh element using `adapter`; resolves with the error it reports and the gate's alert. */
async function joinWith(adapter: string, relay: string): Promise<{ error: Error; alert: string }> {
  const el = await fixture<SecureMeeting>(html`<secure-meeting adapter=${adapter} relay=${relay}></secure-meeting>`);
  const failed = once(el, 'meeting-error');
  await submitGate(el, { channel: '7', password: PASSWORD, name: 'Ada' });
  const { error } = await failed;
  await waitUntil(() => gateOf(el) && !gateOf(el)!.busy && gateAlert(el) !== '', `${adapter}: no idle gate with an error`);
  return { error, alert: gateAlert(el) };
}

describe('adapter loading', () => {
  it('the package entry names the adapter file that failed to load, and what to serve instead', async function () {
    this.timeout(20_000);
    const missing = new URL('./no-such-folder/mqtt/index.js', import.meta.url).href;
    useAdapterLoader(lazyAdapters({
      ws: () => import('../../adapters/websocket/index.js').then((m) => m.websocketRelay),
      // A real import() of a file the server does not have, as when only one file of dist/ was uploaded.
      mqtt: () => import(/* @vite-ignore */ missing).then((m: { mqttRelay: never }) => m.mqttRelay),
      socketio: () => import('../../adapters/socketio/index.js').then((m) => m.socketioRelay),
    }));
    try {
      const { error, alert } = await joinWith('mqtt', 'ws://127.0.0.1:9/mqtt');
      expect(error).to.be.instanceOf(SecureMeetingError);
      expect((error as SecureMeetingError).code).to.equal('unreachable');
      expect(error.message).to.equal(
        `secure-meeting: could not load the MQTT adapter from ${missing}; serve the whole dist/ folder, ` +
          'or load the single file secure-meeting.mqtt.bundle.js instead',
      );
      expect(alert).to.equal(
        `Could not load the MQTT adapter from ${missing}; serve the whole dist/ folder, ` +
          'or load the single file secure-meeting.mqtt.bundle.js instead.',
      );
      // The browser's own words stay in `cause`, out of the gate.
      expect(alert).not.to.include('dynamically imported module');
      expect(String((error.cause as Error).message)).to.include('dynamically imported module');
    } finally {
      useAdapterLoader(lazyAdapters());
    }
  });

  it('a single-file bundle asked for an adapter it lacks names the file that has it', async function () {
    this.timeout(30_000);
    await import('../../components/bundles/websocket.js');
    let { error, alert } = await joinWith('mqtt', 'ws://127.0.0.1:9/mqtt');
    expect(error).to.be.instanceOf(TypeError);
    expect(error.message).to.equal(
      'secure-meeting: this page loads secure-meeting.bundle.js, which has no MQTT adapter; load secure-meeting.mqtt.bundle.js instead',
    );
    expect(alert).to.equal('This page loads secure-meeting.bundle.js, which has no MQTT adapter; load secure-meeting.mqtt.bundle.js instead.');
    // What the file does hold is used: the ws adapter gets as far as dialling (port 9 has no listener).
    ({ error } = await joinWith('ws', 'ws://127.0.0.1:9/relay/[TOPIC]'));
    expect((error as SecureMeetingError).code).to.equal('unreachable');

    await import('../../components/bundles/socketio.js');
    ({ alert } = await joinWith('mqtt', 'ws://127.0.0.1:9/mqtt'));
    expect(alert).to.equal('This page loads secure-meeting.socketio.bundle.js, which has no MQTT adapter; load secure-meeting.mqtt.bundle.js instead.');

    await import('../../components/bundles/mqtt.js');
    ({ alert } = await joinWith('socketio', 'http://127.0.0.1:9'));
    expect(alert).to.equal(
      'This page loads secure-meeting.mqtt.bundle.js, which has no Socket.IO adapter; load secure-meeting.socketio.bundle.js instead.',
    );
    ({ error } = await joinWith('mqtt', 'ws://127.0.0.1:9/mqtt'));
    expect((error as SecureMeetingError).code).to.equal('unreachable');
  });
});
