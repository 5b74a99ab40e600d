/**
 * The device choices remembered on this device (components/devices/choices.ts):
 * read back as saved, anything else in storage ignored, and turned into
 * constraints that fall back to the default device when the saved one is gone.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadChoices, mediaFor, NO_CHOICES, saveChoices } from '../../components/devices/choices.js';
import { DEFAULT_MEDIA } from '../../core/media/open.js';

function memoryStorage() {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
  };
}

test('choices saved are read back as they were', { timeout: 5_000 }, () => {
  const storage = memoryStorage();
  const choices = { camera: 'cam-2', microphone: 'mic-1', speaker: 'spk-3', cameraOff: true, microphoneOff: false };
  saveChoices(choices, storage);
  assert.deepEqual(loadChoices(storage), choices);
});

test('nothing saved, junk, or a storage that throws: the defaults', { timeout: 5_000 }, () => {
  const storage = memoryStorage();
  assert.deepEqual(loadChoices(storage), NO_CHOICES);
  storage.items.set('secure-meeting:devices', '{not json');
  assert.deepEqual(loadChoices(storage), NO_CHOICES);
  storage.items.set('secure-meeting:devices', JSON.stringify({ camera: 42, microphone: 'x'.repeat(300), cameraOff: 'yes', speaker: 'ok' }));
  assert.deepEqual(loadChoices(storage), { ...NO_CHOICES, speaker: 'ok' }, 'each wrong field falls back alone');
  const throwing = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('quota'); } };
  assert.deepEqual(loadChoices(throwing), NO_CHOICES);
  assert.doesNotThrow(() => saveChoices(NO_CHOICES, throwing));
});

test('constraints ask for a saved device as ideal, keep the rest of the defaults, and leave defaults alone when nothing was picked', { timeout: 5_000 }, () => {
  assert.deepEqual(mediaFor(NO_CHOICES), { audio: DEFAULT_MEDIA.audio, video: DEFAULT_MEDIA.video });
  const media = mediaFor({ ...NO_CHOICES, camera: 'cam-2', microphone: 'mic-1' });
  assert.deepEqual(media.video, { ...(DEFAULT_MEDIA.video as object), deviceId: { ideal: 'cam-2' } });
  assert.deepEqual(media.audio, { ...(DEFAULT_MEDIA.audio as object), deviceId: { ideal: 'mic-1' } });
  assert.deepEqual(mediaFor({ ...NO_CHOICES, camera: 'cam-2' }, { audio: true, video: false }), { audio: true, video: false }, 'a kind turned off stays off');
});
