import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { initialOf, type PeerTile, type PeerTileViewEvent } from '../../components/peer-tile/peer-tile.js';
import '../../components/peer-tile/peer-tile.js';

// Mocha's globals, declared here because the project has no @types/mocha.

const part = <T extends Element = HTMLElement>(el: PeerTile, name: string): T => {
  const found = el.shadowRoot!.querySelector<T>(`[part~=${name}]`);
  if (!found) throw new Error(`no part ${name}`);
  return found;
};

const visible = (node: Element) => {
  const style = getComputedStyle(node);
  return style.display !== 'none' && style.visibility !== 'hidden';
};

describe('<peer-tile>', () => {
  const streams: MediaStream[] = [];
  afterEach(() => {
    for (const s of streams.splice(0)) s.getTracks().forEach((t) => t.stop());
  });
  // The fake capture device (--use-fake-device-for-media-stream) stands in for a camera.
  const camera = async () => {
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 }, audio: false });
    streams.push(stream);
    return stream;
  };

  it('exposes its parts', async function () {
    this.timeout(15_000);
    const el = await fixture<PeerTile>(html`<peer-tile name="Ada"></peer-tile>`);
    for (const name of ['base', 'video', 'placeholder', 'name', 'status']) part(el, name);
    expect(part(el, 'video').tagName).to.equal('VIDEO');
  });

  it('shows the initial instead of video when there is no stream', async function () {
    this.timeout(15_000);
    const el = await fixture<PeerTile>(html`<peer-tile name="ada"></peer-tile>`);
    expect(part(el, 'name').textContent!.trim()).to.equal('ada');
    expect(part(el, 'placeholder').textContent!.trim()).to.equal('A');
    expect(visible(part(el, 'placeholder'))).to.equal(true);
    expect(visible(part(el, 'video'))).to.equal(false);
    await expect(el).to.be.accessible();
  });

  it('plays a real MediaStream', async function () {
    this.timeout(15_000);
    const stream = await camera();
    const el = await fixture<PeerTile>(html`<peer-tile name="Ada" .stream=${stream}></peer-tile>`);
    const video = part<HTMLVideoElement>(el, 'video');
    expect(video.srcObject).to.equal(stream);
    expect(video.autoplay).to.equal(true);
    expect(video.hasAttribute('playsinline')).to.equal(true);
    await waitUntil(() => video.videoWidth > 0, 'the fake camera never produced a frame', { timeout: 10000 });
    expect(visible(video)).to.equal(true);
    expect(visible(part(el, 'placeholder'))).to.equal(false);
    await expect(el).to.be.accessible();

    const other = await camera();
    el.stream = other;
    await el.updateComplete;
    expect(video.srcObject).to.equal(other);
  });

  it('rounds its corners by painting them over the video in --sm-tile-corner, never by clipping the playing video', async function () {
    this.timeout(15_000);
    const stream = await camera();
    const el = await fixture<PeerTile>(html`<peer-tile name="Ada" .stream=${stream} style="display:block;width:320px;--sm-radius:12px;--sm-tile-corner:rgb(1, 2, 3)"></peer-tile>`);
    const video = part<HTMLVideoElement>(el, 'video');
    // Clipping a playing video to a rounded shape is what cost a GPU-less compositor (README, Theming).
    for (const box of [el, part(el, 'base')]) {
      const style = getComputedStyle(box);
      expect([style.overflow, style.clipPath], box.tagName).to.deep.equal(['visible', 'none']);
    }
    expect([getComputedStyle(video).borderRadius, getComputedStyle(video).clipPath]).to.deep.equal(['0px', 'none']);
    const pieces = [...el.shadowRoot!.querySelectorAll('.corners')].flatMap((c) => ['::before', '::after'].map((p) => getComputedStyle(c, p)));
    expect(pieces).to.have.length(4);
    for (const piece of pieces) {
      expect(piece.width).to.equal('12px');
      expect(piece.backgroundImage).to.contain('rgb(1, 2, 3)');
    }
  });

  it('mutes and mirrors the local tile only', async function () {
    this.timeout(15_000);
    const stream = await camera();
    const local = await fixture<PeerTile>(html`<peer-tile local name="Me" .stream=${stream}></peer-tile>`);
    const remote = await fixture<PeerTile>(html`<peer-tile name="Them" .stream=${stream}></peer-tile>`);
    expect(part<HTMLVideoElement>(local, 'video').muted).to.equal(true);
    expect(part<HTMLVideoElement>(remote, 'video').muted).to.equal(false);
    expect(getComputedStyle(part(local, 'video')).transform).to.equal('matrix(-1, 0, 0, 1, 0, 0)');
    expect(getComputedStyle(part(remote, 'video')).transform).to.equal('none');
    // Screen readers hear whose tile it is.
    expect(part(local, 'name').textContent!.replace(/\s+/g, ' ').trim()).to.equal('Me (You)');
  });

  it('keeps playing audio but shows the placeholder when the camera is off', async function () {
    this.timeout(15_000);
    const stream = await camera();
    const el = await fixture<PeerTile>(html`<peer-tile name="Émile" camera-off .stream=${stream}></peer-tile>`);
    const video = part<HTMLVideoElement>(el, 'video');
    expect(video.isConnected).to.equal(true);
    expect(video.srcObject).to.equal(stream);
    expect(visible(video)).to.equal(false);
    expect(visible(part(el, 'placeholder'))).to.equal(true);
    expect(part(el, 'placeholder').textContent!.trim()).to.equal('É');
    expect(part(el, 'status').textContent).to.include('Camera off');
    await expect(el).to.be.accessible();

    el.cameraOff = false;
    await el.updateComplete;
    expect(visible(video)).to.equal(true);
    expect(part(el, 'status').textContent).not.to.include('Camera off');
  });

  it('says when the microphone is off', async function () {
    this.timeout(15_000);
    const el = await fixture<PeerTile>(html`<peer-tile name="Ada"></peer-tile>`);
    expect(part(el, 'status').textContent!.trim()).to.equal('');
    el.audioMuted = true;
    await el.updateComplete;
    expect(el.getAttribute('audio-muted')).to.equal('');
    expect(part(el, 'status').textContent!.trim()).to.equal('Microphone off');
    await expect(el).to.be.accessible();
  });

  it('says while the link to a member is being repaired', async function () {
    this.timeout(15_000);
    const el = await fixture<PeerTile>(html`<peer-tile name="Ada" reconnecting></peer-tile>`);
    expect(el.reconnecting).to.equal(true);
    const note = el.shadowRoot!.querySelector('[part~=status] [role=status]');
    expect(note?.textContent).to.equal('Reconnecting…');
    await expect(el).to.be.accessible();
    el.reconnecting = false;
    await el.updateComplete;
    expect(el.hasAttribute('reconnecting')).to.equal(false);
    expect(part(el, 'status').textContent!.trim()).to.equal('');
  });

  it('says when the connection could not be made, and why', async function () {
    this.timeout(15_000);
    const el = await fixture<PeerTile>(html`<peer-tile name="Ada" controls connection-failed reconnecting></peer-tile>`);
    expect(el.connectionFailed).to.equal(true);
    const problem = part(el, 'problem');
    expect(problem.getAttribute('role')).to.equal('status');
    expect(problem.textContent!.replace(/\s+/g, ' ').trim())
      .to.equal('Could not connect No network path between you; a TURN server may be needed.');
    expect(visible(problem)).to.equal(true);
    // One verdict at a time: not "Reconnecting…" beside "Could not connect".
    expect(el.shadowRoot!.querySelector('.reconnecting')).to.equal(null);
    // Disconnect stays, and is not covered: a person can drop the member at once rather than wait for the timeout.
    expect(part(el, 'disconnect').getAttribute('aria-label')).to.equal('Disconnect Ada');
    el.style.width = '320px';
    const apart = (a: DOMRect, b: DOMRect) => a.bottom <= b.top || b.bottom <= a.top || a.right <= b.left || b.right <= a.left;
    for (const other of ['controls', 'name']) {
      expect(apart(problem.getBoundingClientRect(), part(el, other).getBoundingClientRect()), `problem overlaps ${other}`).to.equal(true);
    }
    await expect(el).to.be.accessible();
    el.connectionFailed = false;
    await el.updateComplete;
    expect(el.hasAttribute('connection-failed')).to.equal(false);
    expect(el.shadowRoot!.querySelector('[part~=problem]')).to.equal(null);
  });

  it('offers a remote member\'s controls: mute for me, hide video, disconnect', async function () {
    this.timeout(15_000);
    const stream = await camera();
    const el = await fixture<PeerTile>(html`<peer-tile name="Ada" controls .stream=${stream}></peer-tile>`);
    const video = part<HTMLVideoElement>(el, 'video');
    expect(video.muted).to.equal(false);
    const silence = part<HTMLButtonElement>(el, 'silence');
    expect(silence.getAttribute('aria-label')).to.equal('Mute Ada for me');
    silence.click();
    await el.updateComplete;
    expect(el.silenced).to.equal(true);
    expect(el.hasAttribute('silenced')).to.equal(true);
    expect(video.muted).to.equal(true);
    expect(silence.getAttribute('aria-pressed')).to.equal('true');

    const hide = part<HTMLButtonElement>(el, 'hide-video');
    hide.click();
    await el.updateComplete;
    expect(el.videoHidden).to.equal(true);
    expect(visible(part(el, 'placeholder'))).to.equal(true);
    expect(visible(video)).to.equal(false);

    let closed: Event | undefined;
    el.addEventListener('tile-close', (e) => (closed = e));
    part<HTMLButtonElement>(el, 'disconnect').click();
    expect(closed?.bubbles && closed.composed && closed.cancelable).to.equal(true);

    let verify: Event | undefined;
    el.addEventListener('tile-verify', (e) => (verify = e));
    const verifyButton = part<HTMLButtonElement>(el, 'verify');
    expect(verifyButton.getAttribute('aria-label')).to.equal('Verify Ada: safety code');
    verifyButton.click();
    expect(verify?.bubbles && verify.composed).to.equal(true);
    await expect(el).to.be.accessible();

    // No controls on your own tile, nor unless asked for.
    const own = await fixture<PeerTile>(html`<peer-tile name="Me" local controls></peer-tile>`);
    expect(own.shadowRoot!.querySelector('[part~=controls]')).to.equal(null);
    const plain = await fixture<PeerTile>(html`<peer-tile name="Bo"></peer-tile>`);
    expect(plain.shadowRoot!.querySelector('[part~=controls]')).to.equal(null);
  });

  it('reflects its boolean attributes', async function () {
    this.timeout(15_000);
    const el = await fixture<PeerTile>(html`<peer-tile></peer-tile>`);
    el.local = true;
    el.cameraOff = true;
    await el.updateComplete;
    expect(el.hasAttribute('local')).to.equal(true);
    expect(el.hasAttribute('camera-off')).to.equal(true);
    // A nameless remote member still gets a label.
    el.local = false;
    await el.updateComplete;
    expect(part(el, 'name').textContent!.trim()).to.equal('Guest');
  });

  // Per-receiver video: the tile reports how it is shown (device pixels, visible or not).
  describe('tile-view', () => {
    const views = (el: PeerTile) => {
      const seen: PeerTileViewEvent[] = [];
      el.addEventListener('tile-view', (e) => seen.push(e));
      return seen;
    };

    it('reports its rendered size in device pixels, and whether its video is seen', async function () {
      this.timeout(15_000);
      const stream = await camera();
      const holder = await fixture<HTMLDivElement>(html`<div style="width: 320px; height: 180px; display: grid"></div>`);
      const el = document.createElement('peer-tile');
      const seen = views(el);
      el.name = 'Ada';
      el.stream = stream;
      holder.append(el);
      await waitUntil(() => seen.some((v) => v.visible && v.width > 0), 'no visible view reported', { timeout: 10000 });
      const ratio = window.devicePixelRatio || 1;
      const view = seen.at(-1)!;
      expect(view.height).to.be.at.least(Math.round(180 * ratio) - 2);
      expect(view.width).to.be.at.least(Math.round(320 * ratio) - 2);
      // "Hide video": still rendered, no longer seen.
      el.videoHidden = true;
      await waitUntil(() => seen.at(-1)!.visible === false, 'hiding the video was not reported', { timeout: 5000 });
      el.videoHidden = false;
      await waitUntil(() => seen.at(-1)!.visible === true, 'showing it again was not reported', { timeout: 5000 });
      // Scrolled out of the viewport: not seen.
      holder.style.cssText = 'position: absolute; top: 10000px; width: 320px; height: 180px; display: grid';
      await waitUntil(() => seen.at(-1)!.visible === false, 'a tile out of view was reported visible', { timeout: 5000 });
    });

    it('a tile without video is not seen', async function () {
      this.timeout(15_000);
      const el = document.createElement('peer-tile');
      const seen = views(el);
      await fixture(html`<div style="width: 160px; height: 90px; display: grid">${el}</div>`);
      await waitUntil(() => seen.length > 0, 'no view reported', { timeout: 5000 });
      expect(seen.every((v) => !v.visible)).to.equal(true);
    });
  });

  it('says when a member\'s upload carries only their audio to us', async function () {
    this.timeout(15_000);
    const stream = await camera();
    const el = await fixture<PeerTile>(html`<peer-tile name="Bo" .stream=${stream} audio-only></peer-tile>`);
    const note = part(el, 'audio-only');
    expect(note.textContent!.trim()).to.equal("Audio only: Bo's upload is full");
    expect(note.getAttribute('role')).to.equal('status');
    expect(visible(part(el, 'placeholder'))).to.equal(true, 'the initial instead of a frozen frame');
    await expect(el).to.be.accessible();
    el.audioOnly = false;
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('[part~=audio-only]')).to.equal(null);
    const own = await fixture<PeerTile>(html`<peer-tile name="Me" local audio-only></peer-tile>`);
    expect(own.shadowRoot!.querySelector('[part~=audio-only]')).to.equal(null, 'never on our own tile');
  });
});

describe('initialOf', () => {
  it('takes the first user-perceived character', function () {
    this.timeout(15_000);
    expect(initialOf('ada')).to.equal('A');
    expect(initialOf('  émile')).to.equal('É');
    expect(initialOf('👩‍💻 dev')).to.equal('👩‍💻');
    expect(initialOf('')).to.equal('?');
  });
});
