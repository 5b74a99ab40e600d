// What a feature's controller shares with the others: <secure-meeting>'s
// MeetingController hands it the core Meeting while there is one, and it
// follows that meeting's events with typed listeners.
import type { ReactiveControllerHost } from 'lit';
import type { Meeting, MeetingEventMap } from '../../core/index.js';
import { localizer, type Localizer } from '../i18n/i18n.js';

/** Follows one of the meeting's events, typed through MeetingEventMap; returns the way to stop. */
export function listen<K extends keyof MeetingEventMap>(
  meeting: Meeting,
  type: K,
  listener: (event: MeetingEventMap[K]) => void,
): () => void {
  meeting.addEventListener(type, listener);
  return () => meeting.removeEventListener(type, listener);
}

/**
 * One feature's state and intents for the element that shows it (mirroring
 * core's feature modules). Attached to each meeting as it is created and
 * detached when it ends; no rendering here.
 */
export abstract class FeatureController {
  protected meeting: Meeting | null = null;
  private stops: (() => void)[] = [];

  constructor(protected readonly host: ReactiveControllerHost) {}

  /** The language of the element showing this feature: `i18n.t` holds its messages, `i18n.time()` and the others format. */
  get i18n(): Localizer {
    return localizer(this.host as ReactiveControllerHost & HTMLElement);
  }

  attach(meeting: Meeting): void {
    this.detach();
    this.meeting = meeting;
    this.stops = this.follow(meeting);
  }

  detach(): void {
    for (const stop of this.stops) stop();
    this.stops = [];
    this.meeting = null;
  }

  /** Subscribes to what this feature shows; returns how to stop each subscription. */
  protected follow(_meeting: Meeting): (() => void)[] {
    return [];
  }
}
