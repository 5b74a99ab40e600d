// Announcements for screen readers: who joined or left, raised or lowered a
// hand, and chat messages while the chat panel is closed (open, its log is
// a live region of its own). One polite live region, always rendered
// (only empty), so what appears in it is read.
import { html } from 'lit';
import type { ReactiveControllerHost } from 'lit';
import type { Meeting } from '../../core/index.js';
import { hands } from '../../core/features/hands.js';
import { FeatureController, listen } from './feature.js';

/** A chat message is announced up to this many characters; the panel has the rest. */
export const ANNOUNCED_CHARS = 140;

export class AnnouncerController extends FeatureController {
  /** What the live region says now: what happened last (several things at once, one after another). */
  text = '';
  #raised: readonly string[] = [];
  #batch: string[] = [];

  /** `chatOpen`: whether the chat panel is open now (its own log announces messages then). */
  constructor(host: ReactiveControllerHost, private readonly chatOpen: () => boolean) {
    super(host);
  }

  protected override follow(meeting: Meeting): (() => void)[] {
    this.#raised = meeting.feature(hands).raised;
    const nameOf = (id: string) => meeting.peers.get(id)?.name;
    return [
      listen(meeting, 'peerjoin', (e) => this.#say(`${e.peer.name} joined`)),
      listen(meeting, 'peerleave', (e) => this.#say(`${e.peer.name} left`)),
      listen(meeting, 'hands', (e) => {
        const before = new Set(this.#raised);
        const now = new Set(e.raised);
        this.#raised = e.raised;
        // Our own hand: the toggle's pressed state says it.
        for (const id of e.raised) if (!before.has(id) && nameOf(id)) this.#say(`${nameOf(id)} raised a hand`);
        for (const id of before) if (!now.has(id) && nameOf(id)) this.#say(`${nameOf(id)} lowered their hand`);
      }),
      listen(meeting, 'chat', (e) => {
        if (e.change !== 'received' || this.chatOpen()) return;
        for (const m of e.added) {
          const text = m.text.length > ANNOUNCED_CHARS ? `${m.text.slice(0, ANNOUNCED_CHARS)}…` : m.text;
          this.#say(`${m.name} says: ${text}`);
        }
      }),
    ];
  }

  override detach(): void {
    super.detach();
    this.#batch = [];
    this.text = '';
  }

  /** Gathers what happens in one task into one announcement (a region read once per change). */
  #say(sentence: string): void {
    if (this.#batch.push(sentence) > 1) return;
    queueMicrotask(() => {
      const next = this.#batch.join('. ');
      this.#batch = [];
      // The same words again (Ada left, joined, left) would not be read: made different, invisibly.
      this.text = next === this.text ? `${next}\u00a0` : next;
      this.host.requestUpdate();
    });
  }
}

/** The live region: visually hidden, read politely. */
export function announcements(c: AnnouncerController) {
  return html`<p part="announcer" class="sr-only" role="status" aria-live="polite">${c.text}</p>`;
}
