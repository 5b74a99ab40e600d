import { expect, waitUntil } from '@open-wc/testing';
import type { SecureMeeting } from '../../components/secure-meeting/secure-meeting.js';
import '../../components/index.js';
import { chat } from '../../core/features/chat.js';
import { hands } from '../../core/features/hands.js';
import { inShadow, joinThrough, MemoryRelay } from './helpers.js';

/** What Ada's live region says now (its trailing no-break space, if any, is how a repeat is made new). */
const said = (el: SecureMeeting) => {
  const region = inShadow(el, '[part~=announcer]')!;
  return { text: (region.textContent ?? '').trim(), region };
};

describe('<secure-meeting>: announcements for screen readers', () => {
  it('says who joined, raised or lowered a hand, wrote while the chat is closed, and left; polite, hidden, accessible', async function () {
    this.timeout(60_000);
    const relay = new MemoryRelay();
    const ada = await joinThrough(relay, 'Ada');
    const region = said(ada).region;
    expect(region.getAttribute('role')).to.equal('status');
    expect(region.getAttribute('aria-live')).to.equal('polite');
    expect(region.getBoundingClientRect().width).to.be.at.most(1, 'visually hidden');

    const bo = await joinThrough(relay, 'Bo');
    await waitUntil(() => said(ada).text === 'Bo joined', `Ada heard: "${said(ada).text}"`, { timeout: 20_000 });
    await waitUntil(() => [...bo.meeting!.peers.values()][0]?.connectionState === 'connected', 'Bo never reached Ada', { timeout: 20_000 });

    bo.meeting!.feature(hands).raise();
    await waitUntil(() => said(ada).text === 'Bo raised a hand', `Ada heard: "${said(ada).text}"`, { timeout: 10_000 });
    // Ada's own hand is not announced to her (the toggle says it).
    ada.meeting!.feature(hands).raise();
    await waitUntil(() => ada.meeting!.feature(hands).raised.length === 2, 'Ada\'s hand never went up');
    await ada.updateComplete;
    expect(said(ada).text).to.equal('Bo raised a hand');
    bo.meeting!.feature(hands).lower();
    await waitUntil(() => said(ada).text === 'Bo lowered their hand', `Ada heard: "${said(ada).text}"`, { timeout: 10_000 });

    bo.meeting!.feature(chat).send('Shall we start?');
    await waitUntil(() => said(ada).text === 'Bo says: Shall we start?', `Ada heard: "${said(ada).text}"`, { timeout: 10_000 });
    const long = 'x'.repeat(300);
    bo.meeting!.feature(chat).send(long);
    await waitUntil(() => said(ada).text === `Bo says: ${'x'.repeat(140)}…`, `Ada heard: "${said(ada).text}"`, { timeout: 10_000 });
    // With the chat open its own log announces messages: the region stays as it was.
    inShadow<HTMLButtonElement>(ada, '[part~=toolbar] [part~=chat]')!.click();
    await waitUntil(() => inShadow(ada, 'chat-panel'), 'the chat panel never opened', { timeout: 10_000 });
    bo.meeting!.feature(chat).send('Now with the panel open');
    await waitUntil(() => ada.meeting!.feature(chat).messages.length === 3, 'the third message never came', { timeout: 10_000 });
    await ada.updateComplete;
    expect(said(ada).text).to.equal(`Bo says: ${'x'.repeat(140)}…`);
    await expect(ada).to.be.accessible();

    await bo.leave();
    await waitUntil(() => said(ada).text === 'Bo left', `Ada heard: "${said(ada).text}"`, { timeout: 20_000 });
    await ada.leave();
  });
});
