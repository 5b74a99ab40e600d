/**
 * The chat history on this device, in IndexedDB through `idb`: one database
 * for the kit, one object store of sealed records (chat-seal.ts) filed under
 * a hash of the meeting's scope. Loaded with import() when a meeting with
 * persistence joins, so a page that never keeps history never fetches idb.
 * Keeps the HISTORY_LIMIT records of a scope received last.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { JoinKeys } from './feature.js';
import { HISTORY_LIMIT, type ChatMessage } from './chat-log.js';
import { seal, storeScope, unseal, type SealedRecord } from './chat-seal.js';

export const DB_NAME = 'secure-meeting';
const STORE = 'chat';

interface Schema extends DBSchema {
  chat: { key: number; value: SealedRecord; indexes: { scope: string } };
}

/** What the chat feature needs of a store; tests give it their own. */
export interface ChatStore {
  /** Every message kept for this scope that opens with this key. */
  load(): Promise<ChatMessage[]>;
  /** Keeps these (those not kept already), then lets the oldest go past HISTORY_LIMIT. */
  add(messages: readonly ChatMessage[]): Promise<void>;
  /** Forgets this scope's messages; other meetings' stay. */
  clear(): Promise<void>;
  close(): void;
}

export async function openChatStore(keys: JoinKeys, limit = HISTORY_LIMIT): Promise<ChatStore> {
  if (typeof indexedDB === 'undefined') throw new Error('IndexedDB is not available here');
  const scope = await storeScope(keys.scope);
  const db: IDBPDatabase<Schema> = await openDB<Schema>(DB_NAME, 1, {
    upgrade(d) {
      d.createObjectStore(STORE, { autoIncrement: true }).createIndex('scope', 'scope');
    },
  });
  const known = new Set<string>();
  return {
    async load() {
      const records = await db.getAllFromIndex(STORE, 'scope', scope);
      const opened = await Promise.all(records.map((r) => unseal(keys.storeKey, r)));
      const out = opened.filter((m): m is ChatMessage => m !== undefined);
      for (const m of out) known.add(m.id);
      return out;
    },
    async add(messages) {
      const fresh = messages.filter((m) => !known.has(m.id));
      if (fresh.length === 0) return;
      for (const m of fresh) known.add(m.id);
      // Sealed before the transaction: it would commit while WebCrypto works.
      const sealed = await Promise.all(fresh.map((m) => seal(keys.storeKey, scope, m)));
      const tx = db.transaction(STORE, 'readwrite');
      for (const r of sealed) void tx.store.add(r);
      const index = tx.store.index('scope');
      let over = (await index.count(scope)) - limit;
      for (let cursor = over > 0 ? await index.openCursor(scope) : null; cursor && over > 0; cursor = await cursor.continue(), over--) {
        await cursor.delete();
      }
      await tx.done;
    },
    async clear() {
      known.clear();
      const tx = db.transaction(STORE, 'readwrite');
      for (let cursor = await tx.store.index('scope').openCursor(scope); cursor; cursor = await cursor.continue()) await cursor.delete();
      await tx.done;
    },
    close: () => db.close(),
  };
}
