/**
 * Chat over the members' control channels. A message is sent once to every
 * member whose channel is open; its sender is whoever's link it came over
 * (the body names no one), its name the one that member goes by. When a
 * member's channel opens, we hand it the recent history we hold (at most
 * HISTORY_LIMIT messages, in batches bounded in count and size), so a
 * newcomer sees what was said before it came; everyone merges by id, so the
 * same message told by several members is shown once. History is as the
 * member who hands it over tells it: a member with the password could make
 * one up, as it could type anything in its own messages.
 *
 * With persistence on (the default; option `persist: false` turns it off),
 * the history of this channel-and-password is kept on the device, sealed
 * with the store key (chat-seal.ts, chat-store.ts), and shown again on the
 * next join. A store that fails (no IndexedDB, private mode, quota) is
 * reported once as a 'storage' error; the chat goes on without it.
 */
import type { TimerId } from '../clock.js';
import { randomBytes, toHex } from '../encoding.js';
import { invalidOption, SecureMeetingError } from '../errors.js';
import { MeetingErrorEvent } from '../events.js';
import { TokenBucket } from '../wire/bucket.js';
import { defineMessage } from '../wire/registry.js';
import {
  ChatLog, isChatMessage, isMessageId, isText, isTime, MAX_MESSAGE_LENGTH, MAX_SKEW_MS, pick, plausible, type ChatMessage,
} from './chat-log.js';
import type { ChatStore } from './chat-store.js';
import { defineFeature, type JoinKeys } from './feature.js';

export { HISTORY_LIMIT, MAX_MESSAGE_LENGTH, type ChatMessage } from './chat-log.js';
export type { ChatStore } from './chat-store.js';

export interface ChatBody { id: string; at: number; text: string }
export interface HistoryBody { messages: ChatMessage[] }

/** Most messages in one history batch. */
export const HISTORY_BATCH = 50;
/** A batch is cut before its JSON passes this many characters (the control channel takes 65 KB). */
export const HISTORY_BATCH_CHARS = 40_000;
/** Most messages of ours waiting for the rate limit; beyond it send() refuses. */
const MAX_WAITING = 100;

/** Typing, pasting a few lines in a row: 5 a second, 20 at once. */
export const ChatMessageType = defineMessage<ChatBody>('chat', (b) =>
  isMessageId(b['id']) && isTime(b['at']) && isText(b['text']), { perSecond: 5, burst: 20 });

/** The history for a newcomer: a handful of batches when its link opens (and again if it opens anew). */
export const ChatHistoryType = defineMessage<HistoryBody>('chat-history', (b) => {
  const list = b['messages'];
  return Array.isArray(list) && list.length > 0 && list.length <= HISTORY_BATCH && list.every(isChatMessage);
}, { perSecond: 2, burst: 16 });

/** What changed: our own message, one from a member, history from a member, history from this device, history forgotten. */
export type ChatChange = 'sent' | 'received' | 'history' | 'restored' | 'forgotten';

/** `chat`: messages were added (`added`, oldest first; empty when forgotten). `meeting.feature(chat).messages` has them all. */
export class ChatEvent extends Event {
  constructor(readonly change: ChatChange, readonly added: readonly ChatMessage[]) {
    super('chat');
  }
}

export interface ChatApi {
  /** The messages, oldest first: at most HISTORY_LIMIT, the most recent. */
  readonly messages: readonly ChatMessage[];
  /** Sends to everyone present (text trimmed, 1–MAX_MESSAGE_LENGTH characters); returns the message as everyone sees it. */
  send(text: string): ChatMessage;
  /** Forgets this meeting's history: on the screen and on this device (the others keep theirs). */
  forget(): Promise<void>;
}

/** Splits messages into batches within HISTORY_BATCH and HISTORY_BATCH_CHARS. */
export function historyBatches(messages: readonly ChatMessage[]): ChatMessage[][] {
  const batches: ChatMessage[][] = [];
  let batch: ChatMessage[] = [];
  let chars = 0;
  for (const m of messages) {
    const size = JSON.stringify(m).length + 1;
    if (batch.length > 0 && (batch.length === HISTORY_BATCH || chars + size > HISTORY_BATCH_CHARS)) {
      batches.push(batch);
      [batch, chars] = [[], 0];
    }
    batch.push(pick(m));
    chars += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

const openDeviceStore = (keys: JoinKeys): Promise<ChatStore> => import('./chat-store.js').then((m) => m.openChatStore(keys));

/** The chat feature with another store (tests); `chat` is the one with IndexedDB. */
export function chatWith(openStore: (keys: JoinKeys) => Promise<ChatStore>) {
  return defineFeature({
    key: 'chat',
    messages: [ChatMessageType, ChatHistoryType],
    install(ctx): ChatApi {
      const persist = ctx.options['persist'] ?? true;
      if (typeof persist !== 'boolean') throw invalidOption('persist must be true or false');
      const log = new ChatLog();
      let left = false;

      let store: Promise<ChatStore | null> = Promise.resolve(null);
      let failed = false;
      const fail = (error: unknown) => {
        if (failed || left) return;
        failed = true;
        const why = error instanceof Error ? error.message : String(error);
        ctx.emit(new MeetingErrorEvent(new SecureMeetingError('storage', `chat history cannot be kept on this device (${why}); the chat goes on`, { cause: error })));
      };
      const stored = (work: (s: ChatStore) => Promise<unknown>) => {
        store = store.then(async (s) => (s && (await work(s)), s)).catch((error: unknown) => (fail(error), null));
        return store;
      };
      const add = (messages: Iterable<ChatMessage>, change: ChatChange) => {
        const added = log.merge(messages);
        if (added.length === 0) return;
        ctx.emit(new ChatEvent(change, added));
        void stored((s) => s.add(added));
      };

      ctx.onJoin((keys) => {
        if (!persist || left) return;
        store = openStore(keys).then(async (s) => {
          const restored = await s.load();
          if (left) return s.close(), null;
          add(restored, 'restored');
          // What arrived while the store opened.
          await s.add(log.messages);
          return s;
        }).catch((error: unknown) => (fail(error), null));
      });

      // We hold ourselves to the limit the others hold us to: what goes over waits its turn.
      const pace = new TokenBucket(ChatMessageType.limit, ctx.clock.now());
      const waiting: ChatBody[] = [];
      let timer: TimerId | undefined;
      let lastAt = 0;
      const flush = () => {
        timer = undefined;
        while (waiting.length > 0 && pace.take(ctx.clock.now())) ctx.send('all', ChatMessageType, waiting.shift()!);
        if (waiting.length > 0) timer = ctx.clock.setTimeout(flush, pace.wait(ctx.clock.now()));
      };

      ctx.on(ChatMessageType, (peer, b) => {
        add([{ id: b.id, from: peer.id, name: peer.name, at: plausible(b.at, ctx.clock.now()), text: b.text }], 'received');
      });
      ctx.on(ChatHistoryType, (_peer, b) => {
        const now = ctx.clock.now();
        // History is old by nature; only a time in the future is not believed.
        add(b.messages.map((m) => ({ ...pick(m), at: m.at > now + MAX_SKEW_MS ? now : m.at })), 'history');
      });
      ctx.onPeerOpen((peer) => {
        for (const messages of historyBatches(log.messages)) ctx.send(peer, ChatHistoryType, { messages });
      });
      ctx.onLeave(() => {
        left = true;
        ctx.clock.clearTimeout(timer);
        timer = undefined;
        waiting.length = 0;
        void store.then((s) => s?.close());
      });

      return {
        get messages() {
          return log.messages;
        },
        send(text: string): ChatMessage {
          if (typeof text !== 'string') throw invalidOption('chat send() takes a string');
          const trimmed = text.trim();
          if (trimmed.length === 0 || trimmed.length > MAX_MESSAGE_LENGTH) {
            throw invalidOption(`a chat message must be 1–${MAX_MESSAGE_LENGTH} characters`);
          }
          const state = ctx.state();
          if (state !== 'connecting' && state !== 'joined') throw new SecureMeetingError('closed', 'chat send() needs a meeting that is joining or joined');
          if (waiting.length >= MAX_WAITING) throw new SecureMeetingError('rejected', 'too many chat messages waiting to be sent; slow down');
          // Our own times only go up, so messages sent within one millisecond keep their order everywhere.
          lastAt = Math.max(ctx.clock.now(), lastAt + 1);
          const message: ChatMessage = { id: toHex(randomBytes(16)), from: ctx.self.id, name: ctx.self.name, at: lastAt, text: trimmed };
          add([message], 'sent');
          waiting.push({ id: message.id, at: message.at, text: message.text });
          if (timer === undefined) flush();
          return message;
        },
        async forget(): Promise<void> {
          log.clear();
          ctx.emit(new ChatEvent('forgotten', []));
          await stored((s) => s.clear());
        },
      };
    },
  });
}

/** Chat, with its history kept on the device in IndexedDB (unless `persist: false`). */
export const chat = chatWith(openDeviceStore);

