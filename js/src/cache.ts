/**
 * Room copies on the device: the newest messages of each room the agent opened, in IndexedDB beside the outbox,
 * so after a reload an opened conversation shows at once (each message `cached: true`) and is then brought up to
 * date by the resync. Browser IO only: which messages a copy holds, how a copy merges back and which rooms are
 * dropped past the bounds (least recently opened first) are decided in the wasm core.
 *
 * - One record per socket URL, identity and room: `{v, scope, identity, room_id, opened_at, messages}`.
 * - Written a moment after the room changes (debounced) and when the page is hidden; read when the room opens.
 * - A record this version cannot read (corrupt, foreign, older schema) is skipped and deleted, with a typed error
 *   (`cache_record_invalid`); invalid messages inside a valid record are skipped by the core.
 *
 * @module
 */
import { inboxError, type InboxRealtimeError } from './errors.js';
import type { CachedRoomInfo, MessageStore } from './index.js';
import { request, ROOMS } from './durable.js';

const RECORD_VERSION = 1;
/** A burst of messages is written once. */
const SAVE_DELAY_MS = 300;

interface RoomRecord {
  v: number;
  scope: string;
  identity: string;
  room_id: string;
  opened_at: number;
  messages: unknown[];
}

function isRoomRecord(value: unknown): value is RoomRecord {
  const r = value as Partial<RoomRecord> | null;
  return (
    !!r &&
    r.v === RECORD_VERSION &&
    typeof r.room_id === 'string' &&
    typeof r.opened_at === 'number' &&
    Array.isArray(r.messages)
  );
}

/** The room copies of one store (one socket URL and identity). */
export class RoomCache {
  readonly #store: MessageStore;
  readonly #scope: string;
  readonly #identity: string;
  readonly #db: Promise<IDBDatabase | null>;
  /** When each room was opened in this page: its place in the least-recently-opened order. */
  readonly #opened = new Map<string, number>();
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  #cleared = false;
  readonly #flushOnHide = () => {
    if (document.visibilityState === 'hidden') void this.flush();
  };
  /** Records skipped (invalid), with why. */
  readonly errors: InboxRealtimeError[] = [];

  constructor(store: MessageStore, socketUrl: string, identity: string, db: Promise<IDBDatabase | null>) {
    this.#store = store;
    this.#scope = socketUrl;
    this.#identity = identity;
    this.#db = db;
    if (typeof document !== 'undefined') document.addEventListener('visibilitychange', this.#flushOnHide);
  }

  async #tx<T>(mode: IDBTransactionMode, run: (rooms: IDBObjectStore) => IDBRequest<T>): Promise<T | undefined> {
    const db = await this.#db;
    if (!db) return undefined;
    return request(run(db.transaction(ROOMS, mode).objectStore(ROOMS)));
  }

  /**
   * The agent opened `roomId`: its saved copy (if any) is shown at once. Resolves with how many messages the copy
   * held (0: none, or IndexedDB unavailable); then bring the room up to date with `store.resyncCached(roomId)`.
   */
  async open(roomId: string): Promise<number> {
    this.#opened.set(roomId, Date.now());
    let record: unknown;
    try {
      record = await this.#tx('readonly', (s) => s.get([this.#scope, this.#identity, roomId]));
    } catch (e) {
      console.warn('inbox-realtime: could not read the saved conversation:', e);
      return 0;
    }
    if (record === undefined || this.#store.destroyed) return 0;
    if (!isRoomRecord(record)) {
      this.#reject(`skipped a saved conversation that this version cannot read: ${JSON.stringify(record)?.slice(0, 200)}`);
      await this.#tx('readwrite', (s) => s.delete([this.#scope, this.#identity, roomId])).catch(() => undefined);
      return 0;
    }
    const report = this.#store.restoreCached(roomId, record.messages);
    if (report.rejected.length) {
      this.#reject(`skipped ${report.rejected.length} invalid saved message(s) of room ${roomId}: ${report.rejected.map((r) => r.error).join('; ')}`);
    }
    return record.messages.length - report.rejected.length;
  }

  #reject(message: string): void {
    const error = inboxError('cache_record_invalid', message);
    this.errors.push(error);
    console.warn('inbox-realtime:', error.message);
  }

  /** `roomId` changed: its copy is rewritten a moment later (once per burst). Only rooms opened here are kept. */
  save(roomId: string): void {
    if (this.#cleared || !this.#opened.has(roomId) || this.#timers.has(roomId)) return;
    this.#timers.set(
      roomId,
      setTimeout(() => {
        this.#timers.delete(roomId);
        void this.#write(roomId);
      }, SAVE_DELAY_MS),
    );
  }

  /** Writes the copies due now (the page is being hidden). */
  async flush(): Promise<void> {
    const due = [...this.#timers.keys()];
    for (const room of due) clearTimeout(this.#timers.get(room));
    this.#timers.clear();
    await Promise.all(due.map((room) => this.#write(room)));
  }

  async #write(roomId: string): Promise<void> {
    if (this.#cleared || this.#store.destroyed) return;
    const messages = this.#store.cachedMessages(roomId);
    if (messages.length === 0) return;
    const record: RoomRecord = {
      v: RECORD_VERSION,
      scope: this.#scope,
      identity: this.#identity,
      room_id: roomId,
      opened_at: this.#opened.get(roomId) ?? Date.now(),
      messages,
    };
    try {
      await this.#tx('readwrite', (s) => s.put(record));
      await this.#evict(roomId);
    } catch (e) {
      console.warn('inbox-realtime: could not save the conversation:', e);
    }
  }

  /** Drops the least recently opened copies past `cacheMaxMessages` (never the one just written). */
  async #evict(written: string): Promise<void> {
    const all = ((await this.#tx('readonly', (s) => s.index('owner').getAll([this.#scope, this.#identity]))) ?? []) as unknown[];
    // The store went while reading (the last tab closed during a write): the next one evicts.
    if (this.#store.destroyed) return;
    const rooms: CachedRoomInfo[] = all.filter(isRoomRecord).map((r) => ({
      room_id: r.room_id,
      opened_at: r.opened_at,
      messages: r.messages.length,
    }));
    for (const room of this.#store.cacheEvictions(rooms, written)) {
      await this.#tx('readwrite', (s) => s.delete([this.#scope, this.#identity, room]));
    }
  }

  /** Logout: nothing more is written (the records go with `clearLocalData`). */
  clear(): void {
    this.#cleared = true;
    this.close();
  }

  /** Stops the pending writes' timers and the hide listener. */
  close(): void {
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    if (typeof document !== 'undefined') document.removeEventListener('visibilitychange', this.#flushOnHide);
  }
}
