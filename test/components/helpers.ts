// What the <secure-meeting> component tests share: reaching into shadow roots
// and filling the gate the way a person does.
import { fixture, html, oneEvent } from '@open-wc/testing';
import type { JoinGate } from '../../components/join-gate/join-gate.js';
import type { SecureMeeting } from '../../components/secure-meeting/secure-meeting.js';
import type { RelayAdapter, RelayHandlers, RelayState } from '../../core/relay.js';

export const PASSWORD = 'correct horse battery staple';

/** oneEvent, typed by the event map the components augment. */
export const once = <K extends keyof GlobalEventHandlersEventMap>(target: EventTarget, type: K) =>
  oneEvent(target, type) as unknown as Promise<GlobalEventHandlersEventMap[K]>;

export const inShadow = <T extends Element = HTMLElement>(root: Element, selector: string): T | null =>
  root.shadowRoot!.querySelector<T>(selector);

export const gateOf = (el: SecureMeeting) => inShadow<JoinGate>(el, 'join-gate');

/** The gate's error line, as a person reads it. */
export const gateAlert = (el: SecureMeeting) => inShadow(gateOf(el)!, '[role=alert]')?.textContent?.trim() ?? '';

export async function submitGate(el: SecureMeeting, fields: { channel: string; password: string; name: string }) {
  const gate = gateOf(el)!;
  await gate.updateComplete;
  for (const [id, value] of Object.entries(fields)) {
    const input = inShadow<HTMLInputElement>(gate, `#${id}`)!;
    input.value = value;
    input.dispatchEvent(new Event('input'));
  }
  inShadow<HTMLButtonElement>(gate, 'button[type=submit]')!.click();
}

/** A relay for one member alone: opens, and carries nothing anywhere (a meeting of one). */
export const aloneRelay: RelayAdapter = {
  kind: 'alone',
  connect: (_target, handlers) => {
    let state: RelayState = 'connecting';
    const set = (s: RelayState) => handlers.state((state = s));
    set('connecting');
    setTimeout(() => state === 'connecting' && set('open'));
    return { get state() { return state; }, publish: () => state === 'open', close: () => state !== 'closed' && set('closed') };
  },
};

/**
 * A relay inside the page: forwards each frame to the other connections on
 * the same topic, like our WebSocket relay, and records what it was given.
 */
export class MemoryRelay {
  readonly topics: string[] = [];
  readonly frames: string[] = [];
  private readonly rooms = new Map<string, Set<{ handlers: RelayHandlers; state: RelayState }>>();

  constructor(private readonly opens = true) {}

  /** Members connected on a topic now. */
  connections(topic: string): number {
    return this.rooms.get(topic)?.size ?? 0;
  }

  readonly adapter: RelayAdapter = {
    kind: 'memory',
    connect: (target, handlers) => {
      this.topics.push(target.topic);
      const room = this.rooms.get(target.topic) ?? new Set();
      this.rooms.set(target.topic, room);
      const member = { handlers, state: 'connecting' as RelayState };
      room.add(member);
      handlers.state('connecting');
      if (this.opens) {
        setTimeout(() => {
          if (member.state !== 'connecting') return;
          member.state = 'open';
          handlers.state('open');
        });
      }
      const frames = this.frames;
      return {
        get state() {
          return member.state;
        },
        publish(data: string) {
          if (member.state !== 'open') return false;
          frames.push(data);
          for (const other of room) {
            if (other !== member) setTimeout(() => other.state === 'open' && other.handlers.message(data));
          }
          return true;
        },
        close() {
          if (member.state === 'closed') return;
          room.delete(member);
          member.state = 'closed';
          handlers.state('closed');
        },
      };
    },
  };
}

/** A <secure-meeting> joined through `relay` as `name` (channel 77). */
export async function joinThrough(relay: MemoryRelay, name: string, lockAfter = 600): Promise<SecureMeeting> {
  const el = await fixture<SecureMeeting>(
    html`<secure-meeting .relayAdapter=${relay.adapter} lock-after=${lockAfter}></secure-meeting>`,
  );
  const joined = once(el, 'meeting-join');
  await submitGate(el, { channel: '77', password: PASSWORD, name });
  await joined;
  await el.updateComplete;
  return el;
}

/** The element that has focus, through shadow roots. */
export const deepActive = (): Element | null => {
  let a = document.activeElement;
  while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
  return a;
};

/** A meeting of one in a box of that size, joined. */
export async function meetingIn(width: number, height: number): Promise<SecureMeeting> {
  const box = await fixture<HTMLDivElement>(html`<div style="width:${width}px;height:${height}px">
    <secure-meeting style="height:100%" .relayAdapter=${aloneRelay}></secure-meeting></div>`);
  const el = box.querySelector('secure-meeting')!;
  const joined = once(el, 'meeting-join');
  await submitGate(el, { channel: '21', password: 'a long enough password', name: 'Ada' });
  await joined;
  await el.updateComplete;
  return el;
}
