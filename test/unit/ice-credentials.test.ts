/**
 * Short-lived TURN credentials on the member's side: what
 * `ice-credentials-url` answers is bounded and checked
 * (components/secure-meeting/ice-credentials.ts), fetched again before it
 * expires (on a fake clock), and a new set reaches the open connections
 * (core/mesh/ice-servers.ts). The real thing, coturn and Chromium, is
 * test/e2e/turn.test.ts.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { fetchIceCredentials, IceRefresher, type IceCredentials } from '../../components/secure-meeting/ice-credentials.js';
import { SecureMeetingError } from '../../core/errors.js';
import { createMeeting, type RelayAdapter } from '../../core/index.js';
import { IceServers } from '../../core/mesh/ice-servers.js';
import { FakeClock } from '../support/fake-clock.js';

const limit = { timeout: 10_000 };
const NOW = 1_700_000_000_000;
const GOOD = { iceServers: [{ urls: ['turn:turn.example.org:3478'], username: '1700003600:abc', credential: 'c2VjcmV0' }], ttl: 3600, expiresAt: NOW + 3_600_000 };

/** A real HTTP endpoint answering whatever the test puts in `answer`, recording the authorization it got. */
let server: Server;
let base: string;
let answer: { status: number; body: string } = { status: 200, body: JSON.stringify(GOOD) };
const authorizations: Array<string | undefined> = [];

before(async () => {
  server = createServer((req, res) => {
    authorizations.push(req.headers.authorization);
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function refusal(body: unknown, status = 200, text?: string): Promise<SecureMeetingError> {
  answer = { status, body: text ?? JSON.stringify(body) };
  try {
    await fetchIceCredentials(`${base}/turn-credentials?apiKey=not-shown`, 'site-key', NOW);
  } catch (error) {
    assert.ok(error instanceof SecureMeetingError);
    assert.ok(!error.message.includes('not-shown'), 'the query is left out of the message');
    return error;
  }
  return assert.fail('accepted');
}

describe('fetchIceCredentials', () => {
  test('sends the API key as a bearer token and returns the servers and expiry', limit, async () => {
    answer = { status: 200, body: JSON.stringify(GOOD) };
    const got = await fetchIceCredentials(`${base}/turn-credentials`, 'site-key', NOW);
    assert.deepEqual(got, { iceServers: GOOD.iceServers, expiresAt: GOOD.expiresAt });
    assert.equal(authorizations.at(-1), 'Bearer site-key');
    await fetchIceCredentials(`${base}/turn-credentials`, undefined, NOW);
    assert.equal(authorizations.at(-1), undefined, 'no key, no header');
  });

  test('a refusal, an outage, a malformed or oversized answer, and expired credentials each say so', limit, async () => {
    let error = await refusal({ error: 'no' }, 401);
    assert.equal(error.code, 'unauthorized');
    assert.equal(error.message, `secure-meeting: cannot get TURN credentials from ${base}/turn-credentials: HTTP 401`);
    assert.equal((await refusal({}, 503)).code, 'unreachable');
    const malformed = [
      {},
      { ...GOOD, iceServers: [] },
      { ...GOOD, expiresAt: 'soon' },
      { ...GOOD, iceServers: [{ ...GOOD.iceServers[0], urls: ['https://evil.example'] }] },
      { ...GOOD, iceServers: [{ ...GOOD.iceServers[0], credential: 42 }] },
      { ...GOOD, iceServers: Array(9).fill(GOOD.iceServers[0]) },
    ];
    for (const body of malformed) {
      error = await refusal(body);
      assert.equal(error.code, 'rejected', JSON.stringify(body));
      assert.match(error.message, /are not in the expected form$/);
    }
    assert.equal((await refusal(null, 200, 'not json')).code, 'rejected');
    assert.equal((await refusal(null, 200, JSON.stringify({ ...GOOD, pad: 'x'.repeat(17_000) }))).code, 'rejected');
    error = await refusal({ ...GOOD, expiresAt: NOW - 1 });
    assert.equal(error.code, 'unauthorized');
    assert.match(error.message, /expired at 2023-11-14T22:13:19\.999Z$/);
    await assert.rejects(fetchIceCredentials('http://127.0.0.1:1/turn-credentials', undefined, NOW), { code: 'unreachable' });
  });
});

describe('IceRefresher', () => {
  const creds = (expiresAt: number, tag: string): IceCredentials => ({ iceServers: [{ urls: 'turn:x', username: tag, credential: tag }], expiresAt });

  test('fetches again at 80 % of the life of each set, and retries a failed refresh before expiry', limit, async () => {
    const clock = new FakeClock(NOW);
    const applied: string[] = [];
    const failures: unknown[] = [];
    const answers: Array<IceCredentials | Error> = [creds(NOW + 200_000, 'second'), new Error('offline'), creds(NOW + 500_000, 'third')];
    let fetches = 0;
    const refresher = new IceRefresher({
      clock,
      fetch: async () => {
        fetches += 1;
        const next = answers.shift()!;
        if (next instanceof Error) throw next;
        return next;
      },
      apply: (c) => applied.push(c.iceServers[0]!.username!),
      failed: (error) => failures.push(error),
    }, creds(NOW + 100_000, 'first'));
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    clock.advance(79_999);
    await settle();
    assert.equal(fetches, 0, 'not before 80 % of 100 s');
    clock.advance(1);
    await settle();
    assert.deepEqual(applied, ['second']);
    // The second set lives until NOW + 200 s: refreshed at 80 s + 0.8 × 120 s.
    clock.advance(96_000);
    await settle();
    assert.equal(failures.length, 1, 'the failed refresh is reported');
    assert.deepEqual(applied, ['second']);
    // 24 s left: the retry comes after half of them.
    clock.advance(12_000);
    await settle();
    assert.deepEqual(applied, ['second', 'third']);
    refresher.stop();
    clock.advance(1_000_000);
    await settle();
    assert.equal(fetches, 3, 'nothing after stop()');
  });
});

describe('IceServers (core)', () => {
  /** Stands in for RTCPeerConnection, which Node lacks; the e2e test uses Chromium's. */
  class FakeConnection extends EventTarget {
    signalingState: RTCSignalingState = 'stable';
    config: RTCConfiguration = { iceServers: [], bundlePolicy: 'max-bundle' };
    getConfiguration(): RTCConfiguration {
      return this.config;
    }
    setConfiguration(config: RTCConfiguration): void {
      this.config = config;
    }
  }
  const iceError = (errorCode: number, url: string): Event => Object.assign(new Event('icecandidateerror'), { errorCode, errorText: 'Unauthorized', url });

  test('a new set reaches the open connections and the next ones; closed ones are let go', limit, () => {
    const errors: SecureMeetingError[] = [];
    const ice = new IceServers([{ urls: 'turn:a' }], 'relay', (e) => errors.push(e));
    assert.deepEqual(ice.config, { iceServers: [{ urls: 'turn:a' }], iceTransportPolicy: 'relay' });
    const [open, closed] = [new FakeConnection(), new FakeConnection()];
    ice.made(open as unknown as RTCPeerConnection);
    ice.made(closed as unknown as RTCPeerConnection);
    closed.signalingState = 'closed';
    ice.set([{ urls: 'turn:b', username: 'u', credential: 'c' }]);
    assert.deepEqual(open.config, { iceServers: [{ urls: 'turn:b', username: 'u', credential: 'c' }], bundlePolicy: 'max-bundle' });
    assert.deepEqual(closed.config.iceServers, [], 'a closed connection is not touched');
    assert.deepEqual(ice.config.iceServers, [{ urls: 'turn:b', username: 'u', credential: 'c' }]);
    assert.throws(() => ice.set([{ username: 'no urls' } as RTCIceServer]), /iceServers must be an array of/);
  });

  test('a TURN server refusing our credentials is reported once per server, in words', limit, () => {
    const errors: SecureMeetingError[] = [];
    const ice = new IceServers([], 'relay', (e) => errors.push(e));
    const pc = new FakeConnection();
    ice.made(pc as unknown as RTCPeerConnection);
    pc.dispatchEvent(iceError(401, 'turn:127.0.0.1:3478?transport=udp'));
    pc.dispatchEvent(iceError(401, 'turn:127.0.0.1:3478?transport=udp'));
    pc.dispatchEvent(iceError(701, 'turn:127.0.0.1:3478?transport=udp'));
    pc.dispatchEvent(iceError(401, 'stun:127.0.0.1:3478'));
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.code, 'unauthorized');
    assert.equal(errors[0]!.message, 'secure-meeting: the TURN server turn:127.0.0.1:3478?transport=udp refused our credentials (401 Unauthorized); they may have expired');
    ice.set([]);
    pc.dispatchEvent(iceError(401, 'turn:127.0.0.1:3478?transport=udp'));
    assert.equal(errors.length, 2, 'new credentials may be refused too: said again');
  });
});

describe('createMeeting ICE options', () => {
  const relay: RelayAdapter = { kind: 'none', connect: () => { throw new Error('not used'); } };
  test('iceTransportPolicy and iceServers are checked at once', limit, () => {
    const base = { channel: 1, password: 'pw', relay };
    assert.throws(() => createMeeting({ ...base, iceTransportPolicy: 'turn-only' as RTCIceTransportPolicy }), {
      name: 'TypeError',
      message: "secure-meeting: iceTransportPolicy must be 'all' or 'relay'",
    });
    assert.throws(() => createMeeting({ ...base, iceServers: 'turn:x' as unknown as RTCIceServer[] }), {
      message: 'secure-meeting: iceServers must be an array of { urls, username?, credential? }',
    });
    createMeeting({ ...base, iceTransportPolicy: 'relay', iceServers: [{ urls: 'turn:x', username: 'u', credential: 'c' }] }).setIceServers([]);
  });
});
