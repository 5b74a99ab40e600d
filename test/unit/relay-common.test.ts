/**
 * The parts both relay servers share (adapters/server-common.ts): the API-key
 * check, the per-member token bucket (on a fake clock), the address a
 * connection counts under, the connection counter and the topic rule.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addressKey, ConnectionCounter, keyChecker, readCommon, tokenBucket } from '../../adapters/server-common.js';

/** Pure functions: the budget only turns a hang into a failure. */
const limit = { timeout: 5_000 };

describe('relay servers: shared options, API keys and rate limit', () => {
  test('an API key passes only when it is on the list; without a list, anything passes', limit, () => {
    const accepted = keyChecker(['first-key', 'second']);
    assert.equal(accepted('first-key'), true);
    assert.equal(accepted('second'), true);
    assert.equal(accepted('first-ke'), false);
    assert.equal(accepted('first-key '), false);
    assert.equal(accepted(''), false);
    assert.equal(accepted(null), false);
    assert.equal(accepted(42), false);
    const open = keyChecker(undefined);
    assert.equal(open(undefined), true);
    assert.equal(open('anything'), true);
  });

  test('the token bucket allows a burst, then refills at the set rate', limit, () => {
    let now = 1_000;
    const take = tokenBucket({ perSecond: 10, burst: 3 }, () => now);
    assert.deepEqual([take(), take(), take(), take()], [true, true, true, false]);
    now += 99;
    assert.equal(take(), false, 'just under one token after 99 ms at 10/s');
    now += 1;
    assert.equal(take(), true, 'one token after 100 ms');
    assert.equal(take(), false);
    now += 60_000;
    assert.deepEqual([take(), take(), take(), take()], [true, true, true, false], 'refills up to the burst, not beyond');

    const unlimited = tokenBucket(false, () => now);
    assert.ok(Array.from({ length: 1000 }, unlimited).every(Boolean));
  });

  test('the shared options have their defaults and exact errors', limit, () => {
    const { topicAllowed: _topics, addressOf: _address, ...plain } = readCommon('f', {});
    assert.deepEqual(plain, {
      port: 0,
      host: '127.0.0.1',
      apiKeys: undefined,
      maxPayload: 65_536,
      rate: { perSecond: 50, burst: 100 },
      maxMembers: 50,
      maxBuffered: 1_048_576,
      perAddress: 20,
      maxConnections: 10_000,
    });
    assert.equal(readCommon('f', { rateLimit: false }).rate, false);
    assert.throws(() => readCommon('f', { apiKeys: ['a', 7 as unknown as string] }), {
      name: 'TypeError',
      message: 'secure-meeting: f: apiKeys must be a non-empty array of non-empty strings',
    });
    assert.throws(() => readCommon('f', { rateLimit: { messagesPerSecond: 2.5 } }), {
      name: 'TypeError',
      message: 'secure-meeting: f: rateLimit.messagesPerSecond must be an integer >= 1',
    });
  });

  test('addresses are counted as IPv4, or by their IPv6 /64', limit, () => {
    assert.equal(addressKey('203.0.113.9'), '203.0.113.9');
    assert.equal(addressKey('::ffff:203.0.113.9'), '203.0.113.9');
    assert.equal(addressKey('2001:db8:0:7:1:2:3:4'), '2001:db8:0:7::/64');
    assert.equal(addressKey('2001:db8::7:1'), '2001:db8:0:0::/64');
    assert.equal(addressKey('2001:DB8:0000:0007::'), '2001:db8:0:7::/64');
    assert.equal(addressKey('::1'), '0:0:0:0::/64');
    assert.equal(addressKey(undefined), 'unknown');
  });

  test('the connection counter says which cap one more would break, and releases once', limit, () => {
    const counter = new ConnectionCounter(2, 3);
    const releaseA1 = counter.take('a');
    counter.take('a');
    assert.equal(counter.check('a'), 'per-address');
    assert.equal(counter.check('b'), null);
    counter.take('b');
    assert.equal(counter.check('c'), 'total');
    releaseA1();
    releaseA1();
    assert.equal(counter.total, 2);
    assert.equal(counter.of('a'), 1);
    assert.equal(counter.check('a'), null);
  });

  test('the topic rule: blinded by default, any, or a RegExp on top of the safe characters', limit, () => {
    const hex = 'a'.repeat(32);
    const blinded = readCommon('f', {}).topicAllowed;
    assert.deepEqual([hex, hex.toUpperCase(), hex.slice(1), 'room'].map(blinded), [true, false, false, false]);
    const any = readCommon('f', { topics: 'any' }).topicAllowed;
    assert.deepEqual([hex, 'room', 'a/b', ''].map(any), [true, true, false, false]);
    const digits = readCommon('f', { topics: /^\d+$/y }).topicAllowed;
    assert.deepEqual(['7', '7', '42', 'x', '1'.repeat(129)].map(digits), [true, true, true, false, false]);
  });
});
