// Active speaker: who is talking now (ringed tile), and who talked last,
// which a crowded grid keeps first so the layout does not jump back when
// they pause.
import type { Meeting } from '../../core/index.js';
import { activeSpeaker } from '../../core/features/active-speaker.js';
import { FeatureController, listen } from './feature.js';

export class ActiveSpeakerController extends FeatureController {
  /** The last member heard talking, while they are here. */
  last: string | null = null;

  get current(): string | null {
    return this.meeting?.feature(activeSpeaker).current ?? null;
  }

  override detach(): void {
    this.last = null;
    super.detach();
  }

  protected override follow(meeting: Meeting): (() => void)[] {
    return [
      listen(meeting, 'activespeaker', (e) => {
        if (e.id !== null) this.last = e.id;
        this.host.requestUpdate();
      }),
      listen(meeting, 'peerleave', (e) => {
        if (e.peer.id === this.last) this.last = null;
      }),
    ];
  }
}
