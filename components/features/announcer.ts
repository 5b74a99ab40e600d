// Announcements for screen readers: who joined or left, raised or lowered a
// hand, and chat messages while the chat panel is closed (open, its log is
// a live region of its own). One polite live region, always rendered
// (only empty), so what appears in it is read.
import { html } from 'lit';
import type { ReactiveControllerHost } from 'lit';
import type { Meeting } from '../../core/index.js';
import { hands } from '../../core/features/hands.js';
import type { Messages } from '../i18n/i18n.js';
import { FeatureController, listen } from './feature.js';

/** A chat message is announced up to this many characters; the panel has the rest. */
export const ANNOUNCED_CHARS = 140;

/** One thing that happened, put in words when the region renders (so a language switch follows). */
type Announcement =
  | { readonly kind: 'joined' | 'left' | 'raised' | 'lowered'; readonly name: string }
  | { readonly kind: 'says'; readonly name: string; readonly text: string };

function sentence(t: Messages, a: Announcement): string {
  switch (a.kind) {
    case 'joined': return t.announceJoined(a.name);
    case 'left': return t.announceLeft(a.name);
    case 'raised': return t.announceHandRaised(a.name);
    case 'lowered': return t.announceHandLowered(a.name);
    case 'says': return t.announceSays(a.name, a.text);
  }
}

export class AnnouncerController extends FeatureController {
  /** What happened last (several things at once, one after another). */
  #said: readonly Announcement[] = [];
  /** The same again as last time: made different, invisibly, so it is read (Ada left, joined, left). */
  #again = false;
  #raised: readonly string[] = [];
  #batch: Announcement[] = [];

  /** `chatOpen`: whether the chat panel is open now (its own log announces messages then). */
  constructor(host: ReactiveControllerHost, private readonly chatOpen: () => boolean) {
    super(host);
  }

  /** What the live region says now, in the element's language. */
  get text(): string {
    const t = this.i18n.t;
    const words = this.#said.map((a) => sentence(t, a)).join('. ');
    return this.#again ? `${words}\u00a0` : words;
  }

  protected override follow(meeting: Meeting): (() => void)[] {
    this.#raised = meeting.feature(hands).raised;
    const nameOf = (id: string) => meeting.peers.get(id)?.name;
    return [
      listen(meeting, 'peerjoin', (e) => this.#say({ kind: 'joined', name: e.peer.name })),
      listen(meeting, 'peerleave', (e) => this.#say({ kind: 'left', name: e.peer.name })),
      listen(meeting, 'hands', (e) => {
        const before = new Set(this.#raised);
        const now = new Set(e.raised);
        this.#raised = e.raised;
        // Our own hand: the toggle's pressed state says it.
        for (const id of e.raised) {
          const name = nameOf(id);
          if (!before.has(id) && name) this.#say({ kind: 'raised', name });
        }
        for (const id of before) {
          const name = nameOf(id);
          if (!now.has(id) && name) this.#say({ kind: 'lowered', name });
        }
      }),
      listen(meeting, 'chat', (e) => {
        if (e.change !== 'received' || this.chatOpen()) return;
        for (const m of e.added) {
          const text = m.text.length > ANNOUNCED_CHARS ? `${m.text.slice(0, ANNOUNCED_CHARS)}…` : m.text;
          this.#say({ kind: 'says', name: m.name, text });
        }
      }),
    ];
  }

  override detach(): void {
    super.detach();
    this.#batch = [];
    this.#said = [];
    this.#again = false;
  }

  /** Gathers what happens in one task into one announcement (a region read once per change). */
  #say(what: Announcement): void {
    if (this.#batch.push(what) > 1) return;
    queueMicrotask(() => {
      const next = this.#batch;
      this.#batch = [];
      // The same words again would not be read: told apart by a no-break space, every other time.
      this.#again = JSON.stringify(next) === JSON.stringify(this.#said) && !this.#again;
      this.#said = next;
      this.host.requestUpdate();
    });
  }
}

/** The live region: visually hidden, read politely. */
export function announcements(c: AnnouncerController) {
  return html`<p part="announcer" class="sr-only" role="status" aria-live="polite">${c.text}</p>`;
}
