/**
 * The chat's messages as one member keeps them: ordered by time (then id,
 * so every member orders alike), each id once, at most HISTORY_LIMIT. What
 * a message must look like to be let in is here too, so the live path, the
 * history a member hands a newcomer and the device's store share one check.
 */
import { isId, isName, isObject, type Json } from '../wire/guards.js';

/** Longest message text, in UTF-16 code units (what `String.length` counts). */
export const MAX_MESSAGE_LENGTH = 2000;
/** Messages kept, shown, stored on the device and handed to a newcomer: the most recent ones. */
export const HISTORY_LIMIT = 200;
/** A sender's clock may be this far from ours before we use our own time for its message. */
export const MAX_SKEW_MS = 5 * 60 * 1000;

const MESSAGE_ID = /^[0-9a-f]{32}$/;

export interface ChatMessage {
  /** Random, 128 bits in hex: the same message has the same id on every member. */
  readonly id: string;
  /** The sender's member id (for that join). */
  readonly from: string;
  /** The sender's display name when it was sent. */
  readonly name: string;
  /** When it was sent, ms since the epoch (the sender's clock, within MAX_SKEW_MS of ours). */
  readonly at: number;
  readonly text: string;
}

export const isMessageId = (v: unknown): v is string => typeof v === 'string' && MESSAGE_ID.test(v);
export const isText = (v: unknown): v is string =>
  typeof v === 'string' && v.length <= MAX_MESSAGE_LENGTH && v.trim().length > 0;
export const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** A whole message as history and the store carry it. */
export function isChatMessage(v: unknown): v is ChatMessage {
  if (!isObject(v)) return false;
  const m: Json = v;
  return isMessageId(m['id']) && isId(m['from']) && isName(m['name']) && isTime(m['at']) && isText(m['text']);
}

/** Only the fields a message has, whatever else came with it. */
export const pick = (m: ChatMessage): ChatMessage => ({ id: m.id, from: m.from, name: m.name, at: m.at, text: m.text });

/** A time a sender claims, or ours when it is too far from ours to trust. */
export const plausible = (at: number, now: number): number => (Math.abs(at - now) <= MAX_SKEW_MS ? at : now);

const before = (a: ChatMessage, b: ChatMessage) => a.at < b.at || (a.at === b.at && a.id < b.id);

export class ChatLog {
  #list: ChatMessage[] = [];
  readonly #ids = new Set<string>();

  constructor(readonly limit = HISTORY_LIMIT) {}

  #snapshot: readonly ChatMessage[] | null = null;

  /** A new array after each change, the same one until the next (a UI can compare by identity). */
  get messages(): readonly ChatMessage[] {
    return (this.#snapshot ??= Object.freeze(this.#list.slice()));
  }

  has(id: string): boolean {
    return this.#ids.has(id);
  }

  /** Merges messages in; returns those that are new and kept (older than everything kept, a full log lets them go). */
  merge(messages: Iterable<ChatMessage>): ChatMessage[] {
    const added: ChatMessage[] = [];
    for (const m of messages) {
      if (this.#ids.has(m.id)) continue;
      // Most arrive newest: look from the end.
      let i = this.#list.length;
      while (i > 0 && before(m, this.#list[i - 1]!)) i--;
      if (i === 0 && this.#list.length >= this.limit) continue;
      this.#list.splice(i, 0, m);
      this.#ids.add(m.id);
      added.push(m);
      if (this.#list.length > this.limit) this.#ids.delete(this.#list.shift()!.id);
    }
    if (added.length > 0) this.#snapshot = null;
    return added.filter((m) => this.#ids.has(m.id));
  }

  clear(): void {
    this.#list = [];
    this.#ids.clear();
    this.#snapshot = null;
  }
}
