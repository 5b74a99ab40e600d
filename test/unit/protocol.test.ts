/**
 * Control messages arrive over a member's data channel: each passes a type
 * guard or is dropped (and counted by the meeting), never thrown.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_WINDOW_MS } from '../../core/join-window.js';
import { MAX_ENVELOPE_BYTES, parseControl, parseSignal } from '../../core/protocol.js';

test('join window messages: open for a whole number of ms up to a day, or lock', { timeout: 10_000 }, () => {
  const ok = [
    { type: 'window', body: { open: false } },
    { type: 'window', body: { open: true, ms: 600_000 } },
    { type: 'window', body: { open: true, ms: 1, follow: true } },
    { type: 'window', body: { open: true, ms: MAX_WINDOW_MS } },
  ];
  for (const message of ok) assert.deepEqual(parseControl(message), message);
  const bad = [
    { type: 'window', body: {} },
    { type: 'window', body: { open: 'yes', ms: 1000 } },
    { type: 'window', body: { open: true } },
    { type: 'window', body: { open: true, ms: 0 } },
    { type: 'window', body: { open: true, ms: -5 } },
    { type: 'window', body: { open: true, ms: 1.5 } },
    { type: 'window', body: { open: true, ms: MAX_WINDOW_MS + 1 } },
    { type: 'window', body: { open: true, ms: 1000, follow: 'please' } },
    { type: 'window' },
  ];
  for (const message of bad) assert.equal(parseControl(message), undefined, JSON.stringify(message));
});

test('forwarded envelopes: to a member id, a sealed envelope up to the envelope cap, over control channels only', { timeout: 10_000 }, () => {
  const to = '0123456789abcdef';
  const ok = { type: 'forward', body: { to, envelope: '{"v":1,"iv":"x","ct":"y"}' } };
  assert.deepEqual(parseControl(ok), ok);
  const bad = [
    { type: 'forward', body: { to: 'Bertrand', envelope: 'x' } },
    { type: 'forward', body: { to: to.toUpperCase(), envelope: 'x' } },
    { type: 'forward', body: { to } },
    { type: 'forward', body: { to, envelope: { v: 1 } } },
    { type: 'forward', body: { to, envelope: 'x'.repeat(MAX_ENVELOPE_BYTES + 1) } },
    { type: 'forward', body: { envelope: 'x' } },
  ];
  for (const message of bad) assert.equal(parseControl(message), undefined, JSON.stringify(message).slice(0, 80));
  // Never a relay signal: forwarding happens between members only.
  assert.equal(parseSignal(ok), undefined);
});

test('pings are control messages only, never relay signals', { timeout: 10_000 }, () => {
  assert.deepEqual(parseControl({ type: 'ping', body: {} }), { type: 'ping', body: {} });
  assert.deepEqual(parseControl({ type: 'pong', body: {} }), { type: 'pong', body: {} });
  assert.equal(parseSignal({ type: 'pong', body: {} }), undefined);
  assert.equal(parseSignal({ type: 'ping', body: {} }), undefined);
  assert.equal(parseSignal({ type: 'window', body: { open: false } }), undefined);
  assert.equal(parseControl({ type: 'hello', body: { name: 'Ada' } }), undefined);
});

test('createMeeting checks lockAfter and joinWindow at once, with exact messages', { timeout: 30_000 }, async () => {
  const { createMeeting } = await import('../../core/meeting.js');
  const relay = { kind: 'none', connect: () => { throw new Error('not used'); } };
  const base = { channel: 1, password: 'pw', relay };
  assert.equal(createMeeting({ ...base }).joinWindow.open, false);
  createMeeting({ ...base, lockAfter: 0, joinWindow: 30 });
  for (const lockAfter of [-1, Number.NaN, 86_401, '600' as unknown as number]) {
    assert.throws(() => createMeeting({ ...base, lockAfter }), {
      name: 'TypeError',
      message: 'secure-meeting: lockAfter must be a number of seconds from 0 up to 86400',
    });
  }
  for (const joinWindow of [0, -3, Infinity]) {
    assert.throws(() => createMeeting({ ...base, joinWindow }), {
      name: 'TypeError',
      message: 'secure-meeting: joinWindow must be a number of seconds above 0 up to 86400',
    });
  }
});

test('addTrack() takes a MediaStreamTrack, and a meeting under way', { timeout: 10_000 }, async () => {
  const { createMeeting } = await import('../../core/meeting.js');
  const meeting = createMeeting({ channel: 1, password: 'pw', relay: { kind: 'none', connect: () => { throw new Error('not used'); } } });
  assert.throws(() => meeting.addTrack({} as MediaStreamTrack), {
    name: 'TypeError',
    message: 'secure-meeting: addTrack() takes a MediaStreamTrack',
  });
});
