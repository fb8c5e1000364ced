// MessageStore: the wasm store, with the view layer that answers React's reads without entering wasm.
import { WasmMessageStore } from '../wasm/inbox_realtime.js';
import type { InboxRealtimeError } from './errors.js';
import { assertReady } from './init.js';
import { rawClients, type SocketClient } from './client.js';
import type { CachedRoomInfo, OutboxSender, ResyncFunction, SendOutcome, StoreOptions } from './options.js';
import { StoreView, type RoomView } from './view.js';
import { Waiters } from './waiters.js';
import type { ChangeBatch, HistoryReport, Message, OutboxEntry, RetryInfo, RoomSummary, SendAccepted, SendFailure } from './generated/boundary.js';

/**
 * Per-room chat messages in WebAssembly: optimistic sends matched to their confirmations, status ticks that only
 * move forward, typing indicators with expiry, unread counts. The wasm side pushes each input's changes to a view
 * layer here, so reads never enter wasm, and snapshots keep their identity until their room changes, which is what
 * React's `useSyncExternalStore` needs:
 *
 * ```ts
 * const messages = useSyncExternalStore((cb) => store.subscribe(roomId, cb), () => store.snapshot(roomId));
 * ```
 */
export class MessageStore {
  #raw: WasmMessageStore | null;
  /** The arrays handed out, kept up to date by the wasm's change batches. */
  #view: StoreView;
  #ids = new Set<number>();
  #detachFromClient: (() => void) | null = null;
  #client: SocketClient | null = null;
  /** Waiters of {@link outcome}, per client id; the store's listeners for them exist only while there are some. */
  #outcomes = new Waiters<string, SendOutcome>();
  #outcomeListeners: (() => void)[] = [];

  /** Throws if {@link init} has not completed. */
  constructor(options: StoreOptions = {}) {
    assertReady('MessageStore');
    this.#raw = new WasmMessageStore(options);
    this.#view = new StoreView(this.#raw);
  }

  #store(): WasmMessageStore {
    if (!this.#raw) throw new Error('inbox-realtime: this MessageStore was destroyed');
    return this.#raw;
  }

  /**
   * Feeds `client`'s `new_message`, `message_status_update` and `typing_indicator` events into the store, inside
   * wasm (no JS listener involved). Replaces any previous attachment. Invalid events go to {@link onError}.
   */
  attach(client: SocketClient): void {
    const raw = rawClients.get(client);
    if (!raw) throw new Error('inbox-realtime: cannot attach to a destroyed SocketClient');
    this.detach();
    this.#store().attach(raw);
    this.#client = client;
    const offDestroy = client._onDestroy(() => this.detach());
    // The network is probably back: waiting sends go at once instead of after their backoff (the socket's own
    // reconnect wakes them inside wasm).
    const wake = () => {
      if (!this.destroyed) this.#store().wakeSends();
    };
    const visible = () => {
      if (document.visibilityState === 'visible') wake();
    };
    if (typeof window !== 'undefined') window.addEventListener('online', wake);
    if (typeof document !== 'undefined') document.addEventListener('visibilitychange', visible);
    this.#detachFromClient = () => {
      offDestroy();
      if (typeof window !== 'undefined') window.removeEventListener('online', wake);
      if (typeof document !== 'undefined') document.removeEventListener('visibilitychange', visible);
    };
  }

  /**
   * Sets (or with `null`/`undefined` removes) the resync loader. After a reconnect that the server did not recover
   * (a restart, a long outage, a server without connection state recovery; never on the first connect) the store
   * calls `resync(roomId, sinceMs)` for every room the attached client is in and merges the result with dedup, so
   * messages sent while the connection was down are not missed. A throw or rejection is reported to
   * {@link onError} listeners with code `resync_failed`. See `restResyncLoader` in `inbox-realtime/react`.
   */
  setResync(resync: ResyncFunction | null | undefined): void {
    this.#store().setResync(typeof resync === 'function' ? resync : undefined);
  }

  /** Stops consuming the attached client's events. */
  detach(): void {
    this.#client = null;
    this.#detachFromClient?.();
    this.#detachFromClient = null;
    this.#raw?.detach();
  }

  /** Applies one server event by name. Throws an {@link InboxRealtimeError} and changes nothing on bad input. */
  handleEvent(name: 'new_message' | 'message_status_update' | 'typing_indicator' | (string & {}), payload: unknown): void {
    this.#store().handleEvent(name, payload);
  }

  /** Inserts a `pending` outgoing message now; returns its client id (send it along with the REST call). */
  addOptimistic(roomId: string, text: string, userId?: string | null): string {
    return this.#store().addOptimistic(roomId, text, userId ?? undefined);
  }

  /** The send succeeded: pending → sent. `serverId` links the later echo. */
  markSent(clientId: string, serverId?: string | number | null): void {
    this.#store().markSent(clientId, serverId == null ? undefined : String(serverId));
  }

  /** The send failed: the message is removed, or kept as `failed` with `keepFailed`. */
  markFailed(clientId: string, reason: string): void {
    this.#store().markFailed(clientId, reason);
  }

  /**
   * Queues a send that is never lost: shown at once as `pending`, sent by the {@link setSender} function,
   * retried automatically on transient failures (network, timeout, 408/429/5xx) with backoff and at once when the
   * network comes back, in order per room, until accepted (`sent`) or refused for good / given up after
   * `sendGiveUpMs` (`failed`, text kept; {@link retry} or {@link discard}). Returns its client id; see
   * {@link outcome} for the final result. Throws (`too_large`, …) when it cannot be queued: keep the text then.
   */
  queueSend(roomId: string, text: string, userId?: string | null): string {
    return this.#store().queueSend(roomId, text, userId ?? undefined);
  }

  /**
   * Puts back an outbox entry saved earlier (e.g. in IndexedDB, as {@link outbox} gave it): shown again at once and
   * resumed with its client id; a known client id is ignored. `false` when the room already holds the server's
   * message with that client id (it was delivered: drop the saved copy). Throws `outbox_record_invalid` for a
   * record that is not an entry (nothing changes).
   */
  restoreSend(entry: OutboxEntry): boolean {
    return this.#store().restoreSend(entry);
  }

  /**
   * The device copy of `roomId` to save for the next load: its newest server messages (at most
   * `cacheMessagesPerRoom`), oldest first. Sends not yet accepted are left out (the outbox keeps them).
   */
  cachedMessages(roomId: string): unknown[] {
    return this.#store().cachedMessages(roomId) as unknown[];
  }

  /**
   * Shows a room's saved copy at once, each message marked `cached: true`; whatever the store already has from the
   * server wins over it (an edit, a tick). Invalid items are skipped and listed in `rejected`. Follow with
   * {@link resyncCached} to bring the room up to date.
   */
  restoreCached(roomId: string, messages: readonly unknown[]): HistoryReport {
    return this.#store().restoreCached(roomId, messages as unknown[]) as HistoryReport;
  }

  /**
   * Brings a room shown from its saved copy up to date through the resync ({@link setResync}), from the newest
   * cached server message minus `resyncOverlapMs`: once the server acked the join of the attached client, or at
   * once if it is connected already.
   */
  resyncCached(roomId: string): void {
    this.#store().resyncCached(roomId, this.#client?.connected ?? false);
  }

  /** The saved rooms to drop so the copies fit in `cacheMaxMessages` (least recently opened first, never `keep`). */
  cacheEvictions(rooms: readonly CachedRoomInfo[], keep?: string): string[] {
    return this.#store().cacheEvictions(rooms as CachedRoomInfo[], keep) as string[];
  }

  /** Sets the function that runs the outbox's sends (see {@link OutboxSender}); queued sends start at once. */
  setSender(sender: OutboxSender | null | undefined): void {
    this.#store().setSender(typeof sender === 'function' ? sender : undefined);
  }

  /** Waiting sends are tried at once (called on `online`, tab visible and socket reconnect already). */
  wakeSends(): void {
    this.#store().wakeSends();
  }

  /** Sends the server has not accepted yet, in the order made; only `roomId`'s with one. */
  outbox(roomId?: string): OutboxEntry[] {
    return this.#store().outbox(roomId) as OutboxEntry[];
  }

  /** Calls `listener` when an outbox send is accepted by the server. */
  onSent(listener: (accepted: SendAccepted) => void): () => void {
    return this.#track(this.#store().onSent(listener));
  }

  /**
   * The final outcome of the send `clientId`: accepted (`ok: true`), or failed for good / given up / discarded
   * (`ok: false`). Resolves at once with a failure for a client id that is not in the outbox.
   */
  outcome(clientId: string): Promise<SendOutcome> {
    const store = this.#store();
    const entry = (store.outbox(undefined) as OutboxEntry[]).find((e) => e.client_id === clientId);
    if (!entry) return Promise.resolve({ ok: false, clientId, error: new Error('inbox-realtime: not in the outbox') });
    if (entry.state === 'failed') return Promise.resolve({ ok: false, clientId, error: new Error(entry.last_error ?? 'failed') });
    if (this.#outcomeListeners.length === 0) {
      this.#outcomeListeners = [
        this.onSent((a) => this.#settle(a.client_id, { ok: true, clientId: a.client_id, response: a.response })),
        this.onSendFailed((f) => this.#settle(f.client_id, { ok: false, clientId: f.client_id, error: new Error(f.reason) })),
      ];
    }
    return this.#outcomes.wait(clientId);
  }

  #settle(clientId: string, outcome: SendOutcome): void {
    if (!this.#outcomes.settle(clientId, outcome)) return;
    if (this.#outcomes.size === 0) {
      for (const off of this.#outcomeListeners.splice(0)) off();
    }
  }

  /** Puts a failed message back to `pending` and returns what to send again. */
  retry(clientId: string): RetryInfo {
    return this.#store().retry(clientId) as RetryInfo;
  }

  /** Removes an optimistic message (and its outbox entry) for good. Returns whether it existed. */
  discard(clientId: string): boolean {
    const store = this.#store();
    // A failed one (e.g. removed by a `keepFailed: false` listener) settles with its failure, not as discarded.
    const entry = this.#outcomes.size ? (store.outbox(undefined) as OutboxEntry[]).find((e) => e.client_id === clientId) : undefined;
    const existed = store.discard(clientId);
    this.#settle(
      clientId,
      entry?.state === 'failed'
        ? { ok: false, clientId, error: new Error(entry.last_error ?? 'failed') }
        : { ok: false, clientId, error: new Error('discarded'), discarded: true },
    );
    return existed;
  }

  /** Merges a page of history (any order); `hasMore` tells whether older pages exist. */
  mergeHistory(roomId: string, messages: readonly unknown[], hasMore: boolean): HistoryReport {
    return this.#store().mergeHistory(roomId, messages as unknown[], hasMore) as HistoryReport;
  }

  /** Whether older history may exist for the room. */
  hasMore(roomId: string): boolean {
    return this._room(roomId).hasMore;
  }

  /** The room's messages, oldest first; the same array until the room changes. */
  snapshot(roomId: string): readonly Message[] {
    return this._room(roomId).messages;
  }

  /**
   * @internal For `useRealtimeMessages`: the room's messages, typing users, `hasMore` and unread count in one
   * object, replaced only when the room changes.
   */
  _room(roomId: string): RoomView {
    this.#store();
    return this.#view.room(roomId);
  }

  /**
   * @internal For a host serving other tabs (`tabs/host.ts`): each change batch once the store's own views applied
   * it; `null` stops.
   */
  _observeBatches(observer: ((batch: ChangeBatch) => void) | null): void {
    this.#store();
    this.#view.observe(observer);
  }

  /** Changes whenever the room's messages or typing users change. */
  version(roomId: string): number {
    return this.#store().version(roomId);
  }

  /** Who is typing in the room now; the same array until it changes. */
  typingUsers(roomId: string): readonly string[] {
    return this._room(roomId).typing;
  }

  /** The inbox list, newest activity first; the same array until something changes. */
  rooms(): readonly RoomSummary[] {
    this.#store();
    return this.#view.rooms();
  }

  /** Marks the room read: its unread count drops to 0. */
  markRead(roomId: string): void {
    this.#store().markRead(roomId);
  }

  /** Calls `listener(roomId)` after each change of `roomId`, or of any room for `"*"`. Returns the unsubscribe function. */
  subscribe(roomId: string, listener: (roomId: string) => void): () => void {
    this.#store();
    return this.#view.subscribe(roomId, listener);
  }

  /** Calls `listener` when an optimistic send fails (REST error or no confirmation in time). */
  onSendFailed(listener: (failure: SendFailure) => void): () => void {
    return this.#track(this.#store().onSendFailed(listener));
  }

  /**
   * Calls `listener` when an event from the attached client was rejected (the store is unchanged), or a resync
   * failed (code `resync_failed`).
   */
  onError(listener: (error: InboxRealtimeError) => void): () => void {
    return this.#track(this.#store().onError(listener));
  }

  #track(id: number): () => void {
    this.#ids.add(id);
    return () => {
      if (this.#ids.delete(id)) this.#raw?.unsubscribe(id);
    };
  }

  /** Number of subscribers (for leak checks). */
  get listenerCount(): number {
    return this.#raw ? this.#raw.listenerCount + this.#view.listenerCount : 0;
  }

  /** Whether {@link destroy} was called. */
  get destroyed(): boolean {
    return this.#raw === null;
  }

  /** Detaches, drops every subscriber and frees the wasm memory. Idempotent. */
  destroy(): void {
    const raw = this.#raw;
    if (!raw) return;
    this.detach();
    for (const clientId of this.#outcomes.keys()) {
      this.#settle(clientId, { ok: false, clientId, error: new Error('inbox-realtime: store destroyed') });
    }
    for (const id of this.#ids) raw.unsubscribe(id);
    this.#ids.clear();
    this.#view.clear();
    this.#raw = null;
    raw.free();
  }
}
