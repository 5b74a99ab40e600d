// Connection quality's part of the meeting view: the level and figures of
// our connection to each member, for their <peer-tile>'s bars, and the
// warning when the meeting has more members than our upload can feed (a
// polite live region with a Dismiss button, so it is reached by keyboard).
import { html, nothing } from 'lit';
import type { Meeting } from '../../core/index.js';
import { quality, type QualityFigures, type QualityLevel, type UplinkState } from '../../core/features/quality.js';
import type { Localizer } from '../i18n/i18n.js';
import { FeatureController, listen } from './feature.js';

/** "rtt 420 ms, loss 6 %, jitter 12 ms, 24 fps": the figures that are known, in the Localizer's language. */
export function qualityDetail(f: QualityFigures, i18n: Localizer): string {
  const t = i18n.t;
  return [
    f.rttMs === null ? null : t.qualityRtt(i18n.number(f.rttMs)),
    f.lossPercent === null ? null : t.qualityLoss(i18n.number(f.lossPercent, 1)),
    f.jitterMs === null ? null : t.qualityJitter(i18n.number(f.jitterMs)),
    f.fps === null ? null : t.qualityFps(i18n.number(f.fps)),
  ].filter((s) => s !== null).join(', ');
}

/** What the upload warning says, in the Localizer's language. */
export function uplinkText(u: UplinkState, i18n: Localizer): string {
  const t = i18n.t;
  return u.kbps === null
    ? t.uplinkTooSlow(u.members)
    : t.uplinkTooSlowMeasured(u.members, i18n.number(u.kbps), i18n.number(u.perMemberKbps));
}

export class QualityController extends FeatureController {
  /** The warning was dismissed; it comes back the next time it starts. */
  private dismissed = false;

  /** A tile's level and figures for one member; null until measured. */
  tile(id: string): { level: QualityLevel; detail: string } | null {
    const q = this.meeting?.feature(quality).of(id);
    return q?.level ? { level: q.level, detail: qualityDetail(q.figures, this.i18n) } : null;
  }

  /** The upload warning to show now, or null. */
  get warning(): UplinkState | null {
    const u = this.meeting?.feature(quality).uplink;
    return u?.warning && !this.dismissed ? u : null;
  }

  dismiss(): void {
    this.dismissed = true;
    this.host.requestUpdate();
  }

  override detach(): void {
    this.dismissed = false;
    super.detach();
  }

  protected override follow(meeting: Meeting): (() => void)[] {
    const redraw = () => this.host.requestUpdate();
    return [
      listen(meeting, 'quality', redraw),
      listen(meeting, 'qualitysample', redraw),
      listen(meeting, 'uplink', (e) => {
        if (!e.uplink.warning) this.dismissed = false;
        redraw();
      }),
    ];
  }
}

/**
 * The upload warning. The live region is always there (empty without a
 * warning), so the text is announced when it appears.
 */
export function uplinkWarning(c: QualityController) {
  const u = c.warning;
  const t = c.i18n.t;
  return html`<div part="uplink-warning" class=${u ? 'uplink-warning shown' : 'uplink-warning'}>
    <p part="uplink-text" role="status">${u ? uplinkText(u, c.i18n) : nothing}</p>
    ${u ? html`<button part="button uplink-dismiss" type="button" @click=${() => c.dismiss()}>${t.uplinkDismiss}</button>` : nothing}
  </div>`;
}
