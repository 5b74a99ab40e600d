import { LitElement, html, nothing, svg, type PropertyValues } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import { srOnly } from '../a11y.styles.js';
import { corners } from '../corners.styles.js';
import { Localizer, type Messages } from '../i18n/i18n.js';
import { theme } from '../theme.styles.js';
import { styles } from './peer-tile.styles.js';
import { TileViewController } from './view-size.js';

export { PeerTileViewEvent } from './view-size.js';

const micOffIcon = svg`<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M19 11h-1.7c0 .74-.16 1.43-.43 2.05l1.23 1.23c.56-.98.9-2.09.9-3.28zm-4.02.17c0-.06.02-.11.02-.17V5c0-1.66-1.34-3-3-3S9 3.34 9 5v.18l5.98 5.99zM4.27 3 3 4.27l6.01 6.01V11c0 1.66 1.33 3 2.99 3 .22 0 .44-.03.65-.08l1.66 1.66c-.71.33-1.5.52-2.31.52-2.76 0-5.3-2.1-5.3-5.1H5c0 3.41 2.72 6.23 6 6.72V21h2v-3.28c.91-.13 1.77-.45 2.54-.9L19.73 21 21 19.73 4.27 3z"/></svg>`;
const camOffIcon = svg`<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M21 6.5l-4 4V7c0-.55-.45-1-1-1H9.82L21 17.18V6.5zM3.27 2 2 3.27 4.73 6H4c-.55 0-1 .45-1 1v10c0 .55.45 1 1 1h12c.21 0 .39-.08.54-.18L19.73 21 21 19.73 3.27 2z"/></svg>`;

const graphemes = typeof Intl.Segmenter === 'function' ? new Intl.Segmenter(undefined, { granularity: 'grapheme' }) : null;

/** The first user-perceived character, so "Émile" gives "É" and a flag emoji stays whole. */
export function initialOf(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '') return '?';
  const first = graphemes ? graphemes.segment(trimmed)[Symbol.iterator]().next().value?.segment : [...trimmed][0];
  return (first ?? '?').toLocaleUpperCase();
}

/** A connection's quality, best first (the quality feature's levels). */
export const TILE_QUALITY_LEVELS = ['good', 'fair', 'poor', 'bad'] as const;
export type TileQuality = (typeof TILE_QUALITY_LEVELS)[number];

/** A level in words: "poor". */
function levelText(level: TileQuality, t: Messages): string {
  switch (level) {
    case 'good': return t.tileQualityGood;
    case 'fair': return t.tileQualityFair;
    case 'poor': return t.tileQualityPoor;
    case 'bad': return t.tileQualityBad;
  }
}

/** "Connection: poor (rtt 420 ms, loss 6 %)": what the quality indicator says to a screen reader and on hover or focus. */
export function qualityLabel(level: TileQuality, detail: string, t: Messages): string {
  const figures = detail.trim();
  return figures ? t.tileConnectionDetail(levelText(level, t), figures) : t.tileConnection(levelText(level, t));
}

/** Four bars, as many filled as the level is good: four for good, one for bad. */
function qualityBars(level: TileQuality) {
  const lit = TILE_QUALITY_LEVELS.length - TILE_QUALITY_LEVELS.indexOf(level);
  return svg`<svg viewBox="0 0 16 16" aria-hidden="true" focusable="false">${[0, 1, 2, 3].map((i) =>
    svg`<rect class=${i < lit ? 'lit' : 'unlit'} x=${i * 4 + 0.5} y=${12 - i * 3.5} width="3" height=${3.5 + i * 3.5} rx="0.5"/>`)}</svg>`;
}

/**
 * Someone pressed a tile's Disconnect: end the connection with this member
 * only. Cancelable; `<secure-meeting>` acts on it unless a listener calls
 * `preventDefault()`.
 */
export class PeerTileCloseEvent extends Event {
  constructor() {
    super('tile-close', { bubbles: true, composed: true, cancelable: true });
  }
}

/** Someone pressed a tile's Verify: show the safety code shared with this member. */
export class PeerTileVerifyEvent extends Event {
  constructor() {
    super('tile-verify', { bubbles: true, composed: true });
  }
}

/**
 * The `<video>` element always stays in the tile, hidden while the camera is off,
 * because a remote member's audio plays through it.
 *
 * @summary One member of a meeting: their video (and audio), name, and microphone/camera state.
 *
 * @csspart base - The tile's figure.
 * @csspart video - The `<video>` element.
 * @csspart placeholder - The initial shown when there is no video.
 * @csspart name - The member's name.
 * @csspart you - "(You)" after the name on the local member's own tile.
 * @csspart status - The microphone/camera indicators, and "Reconnecting…" while the link is repaired.
 * @csspart hand - The raised hand (with `hand-raised`), read out as "Hand raised".
 * @csspart problem - "Could not connect" and its likely reason (with `connection-failed`).
 * @csspart controls - The per-member controls (with `controls`).
 * @csspart control - Each of those buttons.
 * @csspart silence - "Mute for me" (aria-pressed).
 * @csspart hide-video - "Hide video" (aria-pressed).
 * @csspart disconnect - "Disconnect" from this member.
 * @csspart verify - "Verify": asks for the safety code shared with this member.
 * @csspart quality - The connection-quality bars (with `quality`; `data-level` is the level): focusable, read out as "Connection: poor (rtt 420 ms, loss 6 %)", which also shows on hover and focus.
 * @csspart quality-text - That text, shown on hover and focus.
 * @csspart audio-only - "Audio only: …'s upload is full" (with `audio-only`).
 *
 * @event {PeerTileCloseEvent} tile-close - Disconnect was pressed. Cancelable.
 * @event {PeerTileVerifyEvent} tile-verify - Verify was pressed: the host shows this member's safety code.
 * @event {PeerTileViewEvent} tile-view - The video's rendered size (device pixels) or visibility changed: `width`, `height`, `visible` (on screen, page visible, video shown). The meeting sends this member's video at that size.
 *
 * @cssproperty [--sm-accent=#4f7cff] - Background of the initial placeholder.
 * @cssproperty [--sm-accent-fg=#0b0d12] - The initial's colour.
 * @cssproperty [--sm-surface=#1c1f26] - Tile background.
 * @cssproperty [--sm-fg=#f3f4f6] - Text colour.
 * @cssproperty [--sm-radius=12px] - Corner radius.
 * @cssproperty [--sm-tile-corner=var(--sm-bg)] - What the rounded corners are painted in: the colour the tile sits on (they are painted over the video, not clipped out of it).
 * @cssproperty [--sm-speaking=#3ddc97] - The ring round the tile of the member talking now (with `speaking`).
 * @cssproperty [--sm-quality-good=#3ddc97] - The quality bars of a good connection.
 * @cssproperty [--sm-quality-fair=#f5c451] - Of a fair one.
 * @cssproperty [--sm-quality-poor=#ff9f43] - Of a poor one.
 * @cssproperty [--sm-quality-bad=#ff6b6b] - Of a bad one.
 */
@customElement('peer-tile')
export class PeerTile extends LitElement {
  static override styles = [theme, corners, srOnly, styles];

  /** The member's audio and video. */
  @property({ attribute: false }) stream: MediaStream | null = null;

  /** Display name. */
  @property() name = '';

  /** This tile shows the local member: mirrored and muted (no echo of your own voice). */
  @property({ type: Boolean, reflect: true }) local = false;

  /** The member's microphone is off. */
  @property({ type: Boolean, reflect: true, attribute: 'audio-muted' }) audioMuted = false;

  /** The member's camera is off; the placeholder shows instead of the video. */
  @property({ type: Boolean, reflect: true, attribute: 'camera-off' }) cameraOff = false;

  /** Show this member's controls: mute them for me, hide their video, verify, disconnect. */
  @property({ type: Boolean, reflect: true }) controls = false;

  /** You do not hear this member; only on this device, they are not told. */
  @property({ type: Boolean, reflect: true }) silenced = false;

  /** The direct link to this member is down and being repaired; their media resumes when it is back. */
  @property({ type: Boolean, reflect: true }) reconnecting = false;

  /**
   * The connection to this member failed before it ever opened: the tile says
   * so, with the likely reason (no network path; a TURN server may be needed).
   */
  @property({ type: Boolean, reflect: true, attribute: 'connection-failed' }) connectionFailed = false;

  /** Their video is hidden on this device (their audio still plays). */
  @property({ type: Boolean, reflect: true, attribute: 'video-hidden' }) videoHidden = false;

  /** The member's hand is up. */
  @property({ type: Boolean, reflect: true, attribute: 'hand-raised' }) handRaised = false;

  /** The member is talking now (the meeting's active speaker): the tile gets a ring. */
  @property({ type: Boolean, reflect: true }) speaking = false;
  /** The speaker (audio output deviceId) this member plays through; '' for the default. Ignored where the browser cannot choose. */
  @property({ attribute: false }) sinkId = '';

  /** Our connection to this member: `good`, `fair`, `poor` or `bad` (the quality feature); empty (the default) shows no indicator. */
  @property({ reflect: true, converter: { fromAttribute: (v: string | null) => v ?? '', toAttribute: (v: string) => v || null } })
  quality: TileQuality | '' = '';

  /** The figures behind `quality`, read out after it, e.g. "rtt 420 ms, loss 6 %". */
  @property({ attribute: 'quality-detail' }) qualityDetail = '';
  /** This member's upload cannot carry video to us now (they told us): the tile says so. */
  @property({ type: Boolean, reflect: true, attribute: 'audio-only' }) audioOnly = false;

  @query('video') private video!: HTMLVideoElement;
  private readonly i18n = new Localizer(this);

  /** Whether the tile shows video now (for `tile-view`). */
  get showsVideo(): boolean {
    return this.stream !== null && !this.cameraOff && !this.videoHidden;
  }

  constructor() {
    super();
    new TileViewController(this);
  }

  protected override render() {
    // Audio only: their last frame would freeze; the initial shows, and the note says why.
    const hasVideo = this.showsVideo && !this.audioOnly;
    const t = this.i18n.t;
    // A removed `name` attribute sets null, whatever the declared type says.
    const name = (this.name ?? '').trim() || (this.local ? t.tileYou : t.tileGuest);
    return html`
      <figure part="base" class=${hasVideo ? 'video' : 'no-video'}>
        <video part="video" autoplay playsinline .muted=${this.local || this.silenced}></video>
        <div part="placeholder" class="placeholder" aria-hidden="true">
          <span class="initial">${initialOf(name)}</span>
        </div>
        <figcaption class="bar">
          <span part="name">${name}${this.local ? html` <span part="you" class="you">${t.tileYouMark}</span>` : nothing}</span>
          <span part="status">
            ${this.renderQuality()}
            ${this.handRaised ? html`<span part="hand" class="hand"><span aria-hidden="true">✋</span><span class="sr-only">${t.tileHandRaised}</span></span>` : nothing}
            ${this.reconnecting && !this.connectionFailed ? html`<span class="reconnecting" role="status">${t.tileReconnecting}</span>` : nothing}
            ${this.audioMuted
              ? html`<span class="indicator">${micOffIcon}<span class="sr-only">${t.tileMicrophoneOff}</span></span>`
              : nothing}
            ${this.cameraOff
              ? html`<span class="indicator">${camOffIcon}<span class="sr-only">${t.tileCameraOff}</span></span>`
              : nothing}
          </span>
        </figcaption>
        <span class="corners top" aria-hidden="true"></span><span class="corners bottom" aria-hidden="true"></span>
        ${this.connectionFailed
          ? html`<p part="problem" class="problem" role="status">
              <strong>${t.tileCouldNotConnect}</strong>
              <span>${t.tileNoPath}</span>
            </p>`
          : nothing}
        ${this.audioOnly && !this.local
          ? html`<p part="audio-only" class="audio-only" role="status">${t.tileAudioOnly(name)}</p>`
          : nothing}
        ${this.controls && !this.local ? this.renderControls(name) : nothing}
      </figure>
    `;
  }

  private renderQuality() {
    const level = TILE_QUALITY_LEVELS.find((l) => l === this.quality);
    if (!level) return nothing;
    const label = qualityLabel(level, this.qualityDetail ?? '', this.i18n.t);
    return html`<span part="quality" class="quality" data-level=${level} role="img" tabindex="0" aria-label=${label}>
      ${qualityBars(level)}<span part="quality-text" class="quality-text" aria-hidden="true">${label}</span>
    </span>`;
  }

  private renderControls(name: string) {
    const t = this.i18n.t;
    return html`
      <div part="controls" class="controls" role="group" aria-label=${t.tileControls(name)}>
        <button part="control silence" type="button" aria-label=${t.tileSilenceLabel(name)}
          aria-pressed=${this.silenced ? 'true' : 'false'} @click=${() => this.toggle('silenced')}>${t.tileSilence}</button>
        <button part="control hide-video" type="button" aria-label=${t.tileHideVideoLabel(name)}
          aria-pressed=${this.videoHidden ? 'true' : 'false'} @click=${() => this.toggle('videoHidden')}>${t.tileHideVideo}</button>
        <button part="control verify" type="button" aria-label=${t.tileVerifyLabel(name)}
          @click=${() => this.dispatchEvent(new PeerTileVerifyEvent())}>${t.tileVerify}</button>
        <button part="control disconnect" type="button" aria-label=${t.tileDisconnectLabel(name)}
          @click=${() => this.dispatchEvent(new PeerTileCloseEvent())}>${t.tileDisconnect}</button>
      </div>
    `;
  }

  private toggle(what: 'silenced' | 'videoHidden'): void {
    this[what] = !this[what];
  }

  protected override updated(changed: PropertyValues<this>): void {
    const video = this.video as HTMLVideoElement & { setSinkId?: (id: string) => Promise<void>; sinkId?: string };
    // A speaker unplugged since it was picked: the browser's default plays on.
    if (changed.has('sinkId') && video.setSinkId && video.sinkId !== this.sinkId) void video.setSinkId(this.sinkId).catch(() => {});
    // srcObject has no attribute form, so it cannot be bound in the template.
    if (changed.has('stream') && this.video.srcObject !== this.stream) {
      this.video.srcObject = this.stream;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'peer-tile': PeerTile;
  }
  interface GlobalEventHandlersEventMap {
    'tile-close': PeerTileCloseEvent;
    'tile-verify': PeerTileVerifyEvent;
  }
}
