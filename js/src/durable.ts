/**
 * The outbox on disk: IndexedDB copies of the sends the server has not accepted, so a reload or a crash loses
 * none. Browser IO only; what an entry is and how it is retried stays in the wasm core.
 *
 * - A record is written before its first attempt and deleted once the server accepted it (or it is discarded);
 *   a send that failed for good is rewritten as `failed`, so after a reload it shows Retry instead of going again.
 * - Keyed by the socket URL (the origin partitions IndexedDB itself) and the sender (`user_id`), then `client_id`;
 *   each record names the identity (the signed-in agent) that made it, and only that identity's records are
 *   restored: after a change of agent in one browser, the previous agent's sends never go out as the new one's.
 *   {@link clearLocalData} deletes an identity's records (outbox and room copies) on logout.
 * - Schema versioned (`v` in each record, the database version for its shape); a record that is not a valid
 *   entry is skipped and reported with a typed error (`outbox_record_invalid`).
 * - Web Locks: a tab holds a lock per entry while it owns it, so two tabs restoring the same outbox never both
 *   send one entry (the server would deduplicate by `client_id`, but each tab would show it).
 * - Without IndexedDB (private mode in some browsers, blocked storage) it falls back to memory: `durability`
 *   says `'memory'`.
 *
 * @module
 */
import { inboxError, type InboxRealtimeError } from './errors.js';
import type { MessageStore, OutboxEntry, SendPayload } from './index.js';

export const DB_NAME = 'inbox-realtime-outbox';
/** Bump with a migration in `upgrade` when the record shape changes (2: the `rooms` store of room copies). */
const DB_VERSION = 2;
const RECORD_VERSION = 1;
const STORE = 'entries';
/** Room copies (`cache.ts`); created here, with the database. */
export const ROOMS = 'rooms';

/** Where the outbox is kept: IndexedDB, or memory only (lost on reload). */
export type OutboxDurability = 'indexeddb' | 'memory';

interface OutboxRecord extends OutboxEntry {
  v: number;
  /** The socket URL the entry is sent for. */
  scope: string;
  /** Who made it (`''`: the app named no identity; records before identities had none either). */
  identity?: string;
}

export function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

export function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains(STORE)) {
        const store = db.createObjectStore(STORE, { keyPath: ['scope', 'user_key', 'client_id'] });
        store.createIndex('scope', 'scope');
      }
      if (!db.objectStoreNames.contains(ROOMS)) {
        const rooms = db.createObjectStore(ROOMS, { keyPath: ['scope', 'identity', 'room_id'] });
        rooms.createIndex('owner', ['scope', 'identity']);
      }
    };
    req.onsuccess = () => {
      // A newer page (after an upgrade of the package) must not wait for this one to close.
      req.result.onversionchange = () => req.result.close();
      resolve(req.result);
    };
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(new Error('IndexedDB upgrade blocked'));
  });
}

/** Whether a stored value is an entry this version can restore. */
function isRecord(value: unknown): value is OutboxRecord {
  const r = value as Partial<OutboxRecord> | null;
  return (
    !!r &&
    r.v === RECORD_VERSION &&
    typeof r.client_id === 'string' &&
    typeof r.room_id === 'string' &&
    typeof r.text === 'string' &&
    (r.user_id === null || typeof r.user_id === 'string') &&
    (r.identity === undefined || typeof r.identity === 'string') &&
    typeof r.created === 'number' &&
    (r.state === 'waiting' || r.state === 'sending' || r.state === 'failed')
  );
}

/** One entry's Web Lock: held while this tab owns the entry. */
function claim(name: string, releases: Map<string, () => void>): Promise<boolean> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (!locks) return Promise.resolve(true);
  return new Promise((resolve) => {
    locks
      .request(name, { ifAvailable: true }, (lock) => {
        if (!lock) {
          resolve(false);
          return undefined;
        }
        resolve(true);
        return new Promise<void>((release) => releases.set(name, release));
      })
      .catch(() => resolve(true));
  });
}

/** The durable copy of one store's outbox for one socket URL. */
export class DurableOutbox {
  readonly #scope: string;
  readonly #identity: string;
  readonly #store: MessageStore;
  /** Set by {@link clear}: nothing more is written. */
  #cleared = false;
  #db: Promise<IDBDatabase | null>;
  #durability: OutboxDurability = 'memory';
  /** Per client id, the write that must finish before its first attempt. */
  readonly #writes = new Map<string, Promise<void>>();
  readonly #locks = new Map<string, () => void>();
  readonly #offs: (() => void)[] = [];
  /** Records skipped on restore (invalid), with why. */
  readonly errors: InboxRealtimeError[] = [];

  constructor(store: MessageStore, socketUrl: string, identity = '') {
    this.#store = store;
    this.#scope = socketUrl;
    this.#identity = identity;
    this.#db =
      typeof indexedDB === 'undefined'
        ? Promise.resolve(null)
        : openDb().then(
            (db) => {
              this.#durability = 'indexeddb';
              return db;
            },
            (e: unknown) => {
              console.warn('inbox-realtime: IndexedDB unavailable, the outbox is kept in memory only:', e);
              return null;
            },
          );
    this.#offs.push(
      store.onSent((a) => void this.#delete(a.client_id)),
      store.onSendFailed((f) => void this.#rewrite(f.client_id)),
    );
  }

  /** `'indexeddb'` once the database is open; `'memory'` before, or when it cannot be used. */
  get durability(): OutboxDurability {
    return this.#durability;
  }

  /** The open database (`null` in memory mode), shared with the room copies. */
  get database(): Promise<IDBDatabase | null> {
    return this.#db;
  }

  /** Resolves with the durability once the database opened or could not be. */
  get ready(): Promise<OutboxDurability> {
    return this.#db.then(() => this.#durability);
  }

  #lockName(clientId: string): string {
    return `inbox-realtime-outbox:${this.#scope}:${clientId}`;
  }

  #key(record: { user_id: string | null; client_id: string }): [string, string, string] {
    return [this.#scope, record.user_id ?? '', record.client_id];
  }

  async #tx<T>(mode: IDBTransactionMode, run: (store: IDBObjectStore) => IDBRequest<T>): Promise<T | undefined> {
    const db = await this.#db;
    if (!db) return undefined;
    return request(run(db.transaction(STORE, mode).objectStore(STORE)));
  }

  /**
   * Writes the outbox's current copy of `clientId` (a new send, a retry, a failure), or deletes it if it left the
   * outbox: looked at after the current listeners ran, so a failure a `keepFailed: false` listener discards is
   * deleted, not saved.
   */
  async #rewrite(clientId: string): Promise<void> {
    await Promise.resolve();
    if (this.#store.destroyed || this.#cleared) return;
    const entry = this.#store.outbox().find((e) => e.client_id === clientId);
    if (!entry) return this.#delete(clientId);
    const record = { ...entry, v: RECORD_VERSION, scope: this.#scope, identity: this.#identity, user_key: entry.user_id ?? '' };
    return this.#tx('readwrite', (s) => s.put(record)).then(
      () => undefined,
      (e: unknown) => console.warn('inbox-realtime: could not save an outbox entry:', e),
    );
  }

  async #delete(clientId: string): Promise<void> {
    this.#locks.get(this.#lockName(clientId))?.();
    this.#locks.delete(this.#lockName(clientId));
    const record = (await this.#tx('readonly', (s) => s.index('scope').getAll(this.#scope))) as unknown[] | undefined;
    const found = (record ?? []).find((r) => (r as OutboxRecord | null)?.client_id === clientId) as OutboxRecord | undefined;
    if (found) await this.#tx('readwrite', (s) => s.delete(this.#key(found))).catch(() => undefined);
  }

  /**
   * Saves a send just queued (or retried) and claims its lock; resolves once it is on disk. Its first attempt
   * waits for this ({@link beforeSend}).
   */
  save(clientId: string): Promise<void> {
    const write = Promise.all([claim(this.#lockName(clientId), this.#locks), this.#rewrite(clientId)]).then(() => undefined);
    this.#writes.set(clientId, write);
    void write.then(() => {
      if (this.#writes.get(clientId) === write) this.#writes.delete(clientId);
    });
    return write;
  }

  /** Resolves when `clientId`'s record is written (at once if there is no pending write). */
  beforeSend(clientId: string): Promise<void> {
    return this.#writes.get(clientId) ?? Promise.resolve();
  }

  /**
   * Saves `clientId`'s retry counters after an attempt failed and will be retried, so a reload keeps its backoff
   * and its attempt count (read after the core handled the result).
   */
  persist(clientId: string): void {
    setTimeout(() => void this.#rewrite(clientId), 0);
  }

  /**
   * `send` as the store's sender (`MessageStore.setSender`): each attempt waits for its record's write (the
   * microtask first lets the caller ask for the write of a send queued a moment ago), and after a failed attempt
   * the record is saved again with the counters the core then sets.
   */
  sender(send: (payload: SendPayload) => Promise<unknown>): (payload: SendPayload) => Promise<unknown> {
    return async (payload) => {
      await Promise.resolve();
      await this.beforeSend(payload.client_id);
      return send(payload).catch((e: unknown) => {
        this.persist(payload.client_id);
        throw e;
      });
    };
  }

  /** Drops a discarded send's record. */
  forget(clientId: string): Promise<void> {
    return this.#delete(clientId);
  }

  /**
   * Puts back this socket URL's saved entries that no other tab owns: they reappear at once (pending or failed)
   * and resume. Invalid records are skipped, listed in {@link errors}. Resolves with how many were restored.
   */
  async restore(): Promise<number> {
    let records: unknown[];
    try {
      records = ((await this.#tx('readonly', (s) => s.index('scope').getAll(this.#scope))) as unknown[] | undefined) ?? [];
    } catch (e) {
      console.warn('inbox-realtime: could not read the saved outbox:', e);
      return 0;
    }
    // In the order made, so each room's sends go out in order again.
    const counter = (r: unknown) => Number(/-(\d+)$/.exec(String((r as OutboxRecord | null)?.client_id))?.[1] ?? 0);
    records.sort(
      (a, b) => ((a as OutboxRecord)?.created ?? 0) - ((b as OutboxRecord)?.created ?? 0) || counter(a) - counter(b),
    );
    let restored = 0;
    for (const record of records) {
      if (!isRecord(record)) {
        this.errors.push(inboxError('outbox_record_invalid', `skipped an outbox record that is not a valid entry: ${JSON.stringify(record)?.slice(0, 200)}`));
        continue;
      }
      // Another agent's sends stay theirs (restored when they sign in here again, or cleared at their logout).
      if ((record.identity ?? '') !== this.#identity) continue;
      if (this.#store.destroyed || !(await claim(this.#lockName(record.client_id), this.#locks))) continue;
      try {
        if (this.#store.restoreSend(record)) restored += 1;
        else await this.#delete(record.client_id);
      } catch (e) {
        this.errors.push(inboxError('outbox_record_invalid', e instanceof Error ? e.message : String(e)));
      }
    }
    for (const error of this.errors) console.warn('inbox-realtime:', error.message);
    return restored;
  }

  /**
   * Logout: the store's unsent messages are discarded and this identity's saved sends deleted; nothing more is
   * written by this copy.
   */
  async clear(): Promise<void> {
    this.#cleared = true;
    if (!this.#store.destroyed) for (const e of this.#store.outbox()) this.#store.discard(e.client_id);
    for (const release of this.#locks.values()) release();
    this.#locks.clear();
    await clearLocalData(this.#identity);
  }

  /** Stops following the store and releases this tab's locks (the records stay for the next load). */
  close(): void {
    for (const off of this.#offs.splice(0)) off();
    for (const release of this.#locks.values()) release();
    this.#locks.clear();
    void this.#db.then((db) => db?.close());
  }
}

/**
 * Deletes what this device keeps for `identity` (every socket URL of this origin): its unsent messages and its room
 * copies. Without `identity`, everything of every identity. Call it on logout (the React layer's
 * `clearLocalData` also empties the live stores). Resolves once deleted (at once where IndexedDB is unavailable).
 */
export async function clearLocalData(identity?: string): Promise<void> {
  if (typeof indexedDB === 'undefined') return;
  const db = await openDb().catch(() => null);
  if (!db) return;
  try {
    const tx = db.transaction([STORE, ROOMS], 'readwrite');
    const done = new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
    for (const name of [STORE, ROOMS]) {
      const cursor = tx.objectStore(name).openCursor();
      cursor.onsuccess = () => {
        const c = cursor.result;
        if (!c) return;
        const owner = (c.value as { identity?: unknown } | null)?.identity ?? '';
        if (identity === undefined || owner === identity) c.delete();
        c.continue();
      };
    }
    await done;
  } finally {
    db.close();
  }
}
