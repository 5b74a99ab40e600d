// What the <secure-meeting> component tests share: reaching into shadow roots
// and filling the gate the way a person does.
import { oneEvent } from '@open-wc/testing';
import type { JoinGate } from '../../components/join-gate/join-gate.js';
import type { SecureMeeting } from '../../components/secure-meeting/secure-meeting.js';
import type { RelayAdapter, RelayState } from '../../core/relay.js';

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

/** A relay that opens and carries nothing: a meeting of one. */
export const aloneRelay: RelayAdapter = {
  kind: 'alone',
  connect: (_target, handlers) => {
    let state: RelayState = 'connecting';
    const set = (s: RelayState) => handlers.state((state = s));
    set('connecting');
    setTimeout(() => state === 'connecting' && set('open'));
    return {
      get state() { return state; },
      publish: () => state === 'open',
      close: () => state !== 'closed' && set('closed'),
    };
  },
};
