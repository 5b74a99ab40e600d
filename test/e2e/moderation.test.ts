/**
 * Permissions and mute requests end to end: real Chromium with fake
 * devices, the demo page and our WebSocket relay, in the loopback-only
 * namespace. Alice joins first and hosts; Carol's microphone is a loud,
 * steady tone (a WebAudio oscillator lent as her media), so silence after a
 * mute request is plain in the levels the others receive.
 *
 * A member without camera permission whose page forces video anyway (its
 * camera track re-enabled from script, a canvas track added straight to its
 * RTCPeerConnections) reaches the wire, and the others decode it, but their
 * client shows none of it: no video track in any of that member's streams,
 * no frame in the tile or in a video element the test gives those streams.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { lendLoudMicrophone, receivedLevel } from './audio.js';
import { demoAndBrowserForFile, eventually, meetThroughGate, openParticipants } from './browser.js';

const NAMES = ['Alice', 'Bertrand', 'Carol'];

/** What a member's page shows of another member's media: video tracks in their streams, frames in their tile and in a probe. */
const rendered = (page: Page, name: string, ms: number) => page.evaluate(async ([who, window]) => {
  const el = document.querySelector('secure-meeting') as unknown as {
    meeting: { peers: Map<string, { name: string; stream: MediaStream | null; streams: Map<string, MediaStream> }>; getPeerStats(id: string): Promise<{ framesDecoded: number }> };
    shadowRoot: ShadowRoot;
  };
  const [id, peer] = [...el.meeting.peers].find(([, p]) => p.name === who)!;
  const streams = [peer.stream, ...peer.streams.values()].filter((s): s is MediaStream => s !== null);
  const videoTracks = streams.reduce((n, s) => n + s.getVideoTracks().filter((t) => t.readyState === 'live').length, 0);
  // Every stream of theirs in a video element of our own, as an app with its own UI would show them.
  const probes = streams.map((s) => Object.assign(document.createElement('video'), { muted: true, autoplay: true, srcObject: s }));
  let probeFrames = 0;
  for (const v of probes) {
    document.body.append(v);
    const count = () => v.requestVideoFrameCallback(() => { probeFrames++; count(); });
    count();
  }
  const tile = [...el.shadowRoot.querySelectorAll('peer-tile:not([local])')].find((t) => t.getAttribute('name') === who);
  const tileVideo = tile?.shadowRoot?.querySelector('video');
  const tileBefore = tileVideo?.getVideoPlaybackQuality().totalVideoFrames ?? 0;
  const decodedBefore = (await el.meeting.getPeerStats(id)).framesDecoded;
  await new Promise((r) => setTimeout(r, window));
  const decoded = (await el.meeting.getPeerStats(id)).framesDecoded - decodedBefore;
  const tileFrames = (tileVideo?.getVideoPlaybackQuality().totalVideoFrames ?? 0) - tileBefore;
  for (const v of probes) v.remove();
  return { videoTracks, probeFrames, tileFrames, decoded, audioTracks: peer.stream?.getAudioTracks().length ?? 0 };
}, [name, ms] as const);

describe('permissions and mute requests, end to end', () => {
  const shared = demoAndBrowserForFile();
  let members: Map<string, Page>;

  before(async () => {
    members = await meetThroughGate(shared.browser, shared.demo.url, NAMES, { channel: 612, password: 'moderation-test-pw' },
      (name, page) => (name === 'Carol' ? lendLoudMicrophone(page) : Promise.resolve()));
    // Alice was first: everyone's panel shows her as host.
    for (const [name, page] of members) {
      await openParticipants(page);
      const row = page.getByRole('region', { name: /^Participants/ }).getByRole('listitem').filter({ hasText: /^\s*Alice/ });
      await eventually(`${name} to see Alice as host`, async () => /Host/.test(await row.innerText()));
    }
  }, { timeout: 180_000 });

  test('a member without camera permission whose page forces video is not rendered by the others; allowed again, it is', { timeout: 120_000 }, async () => {
    const [alice, bertrand, carol] = NAMES.map((n) => members.get(n)!) as [Page, Page, Page];
    // Alice takes Bertrand's camera from her panel.
    await alice.getByRole('region', { name: /^Participants/ }).getByRole('group', { name: 'Bertrand may use' })
      .getByRole('checkbox', { name: 'Camera' }).uncheck();
    const toggle = bertrand.getByRole('group', { name: 'Meeting controls' }).getByRole('button', { name: 'Camera', exact: true });
    await eventually('Bertrand\'s camera toggle to say a host has not allowed it', async () => (await toggle.getAttribute('aria-disabled')) === 'true');
    assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
    assert.match(await toggle.evaluate((b) => (b.getRootNode() as ShadowRoot).getElementById(b.getAttribute('aria-describedby')!)?.textContent ?? ''), /host has not allowed your camera/);

    // Bertrand's page forces video: its own client refuses, so it goes round it.
    const forced = await bertrand.evaluate(() => {
      const el = document.querySelector('secure-meeting') as unknown as { meeting: { videoEnabled: boolean; localStream: MediaStream; addTrack(t: MediaStreamTrack): void } };
      const canvas = Object.assign(document.createElement('canvas'), { width: 320, height: 240 });
      const g = canvas.getContext('2d')!;
      let hue = 0;
      setInterval(() => { g.fillStyle = `hsl(${(hue += 7) % 360} 80% 50%)`; g.fillRect(0, 0, 320, 240); }, 40);
      const track = canvas.captureStream(25).getVideoTracks()[0]!;
      let refused = '';
      try {
        el.meeting.addTrack(track);
      } catch (error) {
        refused = (error as { code?: string }).code ?? String(error);
      }
      for (const t of el.meeting.localStream.getVideoTracks()) t.enabled = true;
      const connections = (window as unknown as { smConnections: RTCPeerConnection[] }).smConnections.filter((pc) => pc.connectionState === 'connected');
      for (const pc of connections) pc.addTrack(track, new MediaStream([track]));
      return { refused, videoEnabled: el.meeting.videoEnabled, connections: connections.length };
    });
    assert.deepEqual(forced, { refused: 'forbidden', videoEnabled: false, connections: 2 });

    for (const [name, page] of [['Alice', alice], ['Carol', carol]] as const) {
      // The forced video arrives and is decoded (a second stream from Bertrand too), yet nothing shows it.
      await eventually(`${name} to receive Bertrand's forced canvas stream`, () => page.evaluate(() => {
        const el = document.querySelector('secure-meeting') as unknown as { meeting: { peers: Map<string, { name: string; streams: Map<string, MediaStream> }> } };
        return [...el.meeting.peers.values()].find((p) => p.name === 'Bertrand')!.streams.size >= 2;
      }), 30_000);
      const seen = await rendered(page, 'Bertrand', 3000);
      assert.ok(seen.decoded > 20, `${name} decodes Bertrand's forced video (${seen.decoded} frames): it reached the wire`);
      assert.equal(seen.videoTracks, 0, `${name}: no live video track in any of Bertrand's streams`);
      assert.equal(seen.probeFrames, 0, `${name}: no frame in a video element given Bertrand's streams`);
      assert.equal(seen.tileFrames, 0, `${name}: no frame in Bertrand's tile`);
      assert.equal(seen.audioTracks, 1, `${name} still plays Bertrand's microphone`);
    }

    // Allowed again: the same forced tracks now show, so what held them back was the receivers' rule.
    await alice.getByRole('region', { name: /^Participants/ }).getByRole('group', { name: 'Bertrand may use' })
      .getByRole('checkbox', { name: 'Camera' }).check();
    await eventually('Carol to render Bertrand\'s video again', async () => {
      const seen = await rendered(carol, 'Bertrand', 1000);
      return seen.videoTracks >= 2 && seen.probeFrames > 5 ? seen : null;
    }, 30_000);
    await eventually('Bertrand\'s camera toggle to be usable again', async () => (await toggle.getAttribute('aria-disabled')) === null);
  });

  test('a mute request mutes the member\'s outgoing audio: the level the others receive falls to silence; she alone unmutes', { timeout: 120_000 }, async () => {
    const [alice, bertrand, carol] = NAMES.map((n) => members.get(n)!) as [Page, Page, Page];
    for (const [name, page] of [['Alice', alice], ['Bertrand', bertrand]] as const) {
      await eventually(`${name} to hear Carol's tone`, async () => (await receivedLevel(page, 'Carol', 500)) > 0.05);
    }
    await alice.getByRole('region', { name: /^Participants/ }).getByRole('button', { name: 'Mute Carol' }).click();
    const notice = carol.locator('secure-meeting [part~=host-request]');
    await eventually('Carol to be told who asked', async () => /Alice asked you to mute/.test(await notice.innerText()));
    const mic = carol.getByRole('group', { name: 'Meeting controls' }).getByRole('button', { name: 'Microphone', exact: true });
    assert.equal(await mic.getAttribute('aria-pressed'), 'false');
    for (const [name, page] of [['Alice', alice], ['Bertrand', bertrand]] as const) {
      const level = await eventually(`${name} to receive silence from Carol`, async () => {
        const l = await receivedLevel(page, 'Carol', 500);
        return l < 0.003 ? { l } : null;
      });
      assert.ok(level!.l < 0.003, `${name}: ${level!.l}`);
    }
    // Nobody can unmute another; Carol can unmute herself.
    await mic.click();
    for (const [name, page] of [['Alice', alice], ['Bertrand', bertrand]] as const) {
      await eventually(`${name} to hear Carol again`, async () => (await receivedLevel(page, 'Carol', 500)) > 0.05);
    }
  });
});
