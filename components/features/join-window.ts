// The join window in the toolbar: whether newcomers can get in and for how
// long ("Joining open · 9:41", ticking once a second), and the buttons that
// reopen joining for everyone or close it at once.
import { html } from 'lit';
import type { Meeting } from '../../core/index.js';
import { joinWindowText } from '../secure-meeting/status.js';
import { FeatureController, listen } from './feature.js';

export class JoinWindowController extends FeatureController {
  /** Redraws the countdown once a second while the window has an end. */
  private ticker: ReturnType<typeof setInterval> | undefined;

  get open(): boolean {
    return this.meeting?.joinWindow.open ?? false;
  }

  get text(): string {
    return this.meeting ? joinWindowText(this.meeting, Date.now(), this.i18n) : '';
  }

  /** "Allow joining": every member goes back on the relay for a window. */
  allow(): void {
    this.meeting?.allowJoining();
    this.host.requestUpdate();
  }

  /** "Lock now": every member leaves the relay at once; the meeting goes on. */
  lock(): void {
    this.meeting?.lockJoining();
    this.host.requestUpdate();
  }

  override detach(): void {
    this.stopTicker();
    super.detach();
  }

  protected override follow(meeting: Meeting): (() => void)[] {
    const onWindow = () => {
      this.stopTicker();
      if (meeting.joinWindow.closesAt !== null) this.ticker = setInterval(() => this.host.requestUpdate(), 1000);
      this.host.requestUpdate();
    };
    onWindow();
    return [listen(meeting, 'joinwindow', onWindow)];
  }

  private stopTicker(): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
  }
}

/** The join window's part of the toolbar. */
export function joinWindowControls(c: JoinWindowController) {
  const t = c.i18n.t;
  return html`
    <span part="join-status" class="join-status">${c.text}</span>
    ${c.open
      ? html`<button part="button lock" type="button" @click=${() => c.lock()}>${t.joinWindowLock}</button>`
      : html`<button part="button allow-joining" type="button" @click=${() => c.allow()}>${t.joinWindowAllow}</button>`}
  `;
}
