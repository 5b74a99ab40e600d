/**
 * Audio the e2e tests and benchmarks can measure: a loud, steady tone as a
 * member's microphone, and the level another member receives of it.
 */
import type { Page } from 'playwright-core';
import type { Evaluates } from './browser.js';

/** Gives the page's <secure-meeting> a camera and, for a microphone, a steady tone at full scale (before Join). */
export const lendLoudMicrophone = (page: Evaluates) => page.evaluate(async () => {
  const context = new AudioContext();
  const tone = context.createOscillator();
  const out = context.createMediaStreamDestination();
  tone.frequency.value = 440;
  tone.connect(out);
  tone.start();
  await context.resume();
  const camera = await navigator.mediaDevices.getUserMedia({ video: true });
  const el = document.querySelector('secure-meeting') as unknown as { media: MediaStream };
  el.media = new MediaStream([...out.stream.getAudioTracks(), ...camera.getVideoTracks()]);
});

/**
 * The level (RMS, 0–1) of the audio this page received from the member
 * called `name` over the next `ms`: from WebRTC stats, totalAudioEnergy over
 * totalSamplesDuration (as the active speaker reads it).
 */
export const receivedLevel = (page: Page, name: string, ms: number) => page.evaluate(async ([who, wait]) => {
  const el = document.querySelector('secure-meeting') as unknown as {
    meeting: { peers: Map<string, { name: string }>; getPeerStats(id: string): Promise<{ audioEnergy: number; audioDuration: number }> };
  };
  const id = [...el.meeting.peers].find(([, p]) => p.name === who)![0];
  const a = await el.meeting.getPeerStats(id);
  await new Promise((r) => setTimeout(r, wait));
  const b = await el.meeting.getPeerStats(id);
  const duration = b.audioDuration - a.audioDuration;
  return duration > 0 ? Math.sqrt(Math.max(0, b.audioEnergy - a.audioEnergy) / duration) : 0;
}, [name, ms] as const);
