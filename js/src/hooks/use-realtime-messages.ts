'use client';
// useRealtimeMessages: one conversation: its messages, typing, history, and sends through the outbox.
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { MessageStore, SocketClient, type Message, type ResyncFunction, type SendOutcome } from '../index.js';
import type { OutboxDurability } from '../durable.js';
import type { RoomView } from '../view.js';
import type { RemoteStore } from '../tabs/remote.js';
import { TabSocket } from '../tabs/socket.js';
import { addResyncSlot, getMessageStore, joinShared, noopUnsubscribe, storeEntry, type ResyncSlot } from './shared.js';
import { hookSend, newestPageResync, restResyncLoader, type HistoryLoader, type SendFunction } from './rest.js';

/** Options of {@link useRealtimeMessages}. */
export interface UseRealtimeMessagesOptions {
  /** From {@link useSocket} (a {@link TabSocket} with `shareAcrossTabs`). */
  socket: SocketClient | TabSocket | null;
  /** The open conversation; `null`/`undefined`/`''` = none (nothing joined). */
  roomId: string | null | undefined;
  /**
   * From {@link useSocket}. No longer needed: the store itself notices reconnects (see `resync`). Accepted for
   * compatibility.
   */
  isConnected?: boolean;
  /**
   * The app's REST send, e.g. `ApiService.sendMessage`; receives `{to, text, user_id, client_id}` and may resolve
   * with `{id}`. Default: {@link restSender} on the socket's URL.
   */
  sendMessage?: SendFunction;
  /** Loads a page of history older than `beforeMs` (newest page without it). Without it, no history is loaded. */
  loadHistory?: HistoryLoader;
  /**
   * Keep sends that failed for good in the list (status `failed`, `error` set, text intact) for `retry` /
   * `discard`. Default `true`; `false` removes them (the old behaviour). Transient failures never fail a send:
   * it waits in the outbox and is retried.
   */
  keepFailed?: boolean;
  /**
   * Loads what the room got since `sinceMs` after a reconnect the server did not recover (restart, long outage,
   * no connection state recovery); the store merges it with dedup. Default: {@link restResyncLoader} on the
   * socket's URL when the default REST sender is used (no `sendMessage`), else the newest page of `loadHistory`
   * if given, else none. `null` turns it off.
   */
  resync?: ResyncFunction | null;
}

/**
 * What `sendMessage`/`retry` of {@link useRealtimeMessages} resolve with (they never reject): `ok: true` once the
 * send is safely in the outbox (then `outcome` settles when the server accepted it, or it failed for good), or
 * `ok: false` when it could not be queued (keep the text then).
 */
export type SendResult =
  | { ok: true; queued: true; clientId: string; outcome: Promise<SendOutcome> }
  | { ok: false; queued: false; clientId: string; error: Error };

/** What {@link useRealtimeMessages} returns. */
export interface UseRealtimeMessagesResult {
  /** Oldest first; the same array until the room changes. Use `message.key` as the React key. */
  messages: readonly Message[];
  isTyping: boolean;
  typingUsers: readonly string[];
  /**
   * True until the room's saved copy is shown (a room opened before on this device: at once after a reload, its
   * messages `cached: true` until the resync brings them again), else until the first history page arrived (with
   * `loadHistory`), or until the room is joined.
   */
  loading: boolean;
  /** Whether older history may exist (`loadOlder`); always `false` without `loadHistory`. */
  hasMore: boolean;
  /**
   * Shows the message at once as pending and queues it in the outbox, which sends it (retrying transient failures
   * until accepted). Resolves once queued; `outcome` reports the end.
   */
  sendMessage: (text: string, sender?: string | null) => Promise<SendResult>;
  /** Queues a failed message again (same client id). */
  retry: (clientId: string) => Promise<SendResult>;
  /** Drops a failed (or waiting) send for good. */
  discard: (clientId: string) => boolean;
  /** Where the outbox is kept: `'indexeddb'` (survives a reload), or `'memory'` where IndexedDB is unavailable. */
  outboxDurability: OutboxDurability;
  /** Loads the page before the oldest message shown. */
  loadOlder: () => Promise<void>;
}

/** Merges a history page (in the tab holding a shared connection: once there), warning about items the store rejected (they are skipped). */
async function merge(store: MessageStore | RemoteStore, roomId: string, messages: unknown[], hasMore: boolean): Promise<void> {
  const report = await store.mergeHistory(roomId, messages, hasMore);
  if (report.rejected.length) {
    console.warn(
      `inbox-realtime: skipped ${report.rejected.length} invalid history item(s) in room ${roomId}:`,
      report.rejected.map((r) => `#${r.index}: ${r.error}`).join('; '),
    );
  }
}

const EMPTY_MESSAGES: readonly Message[] = Object.freeze([]);
const EMPTY_USERS: readonly string[] = Object.freeze([]);
const NO_ROOM: RoomView = Object.freeze({ messages: EMPTY_MESSAGES, typing: EMPTY_USERS, hasMore: false, unread: 0 });

function toError(e: unknown): Error {
  return e instanceof Error ? e : new Error(typeof e === 'string' ? e : 'send failed');
}

/** The resync a hook uses: its `resync` option, else the REST default or `loadHistory`'s newest page (see docs). */
function effectiveResync(options: UseRealtimeMessagesOptions, socket: SocketClient | TabSocket | null): ResyncFunction | null {
  if (options.resync !== undefined) return options.resync;
  if (!options.sendMessage && socket) return restResyncLoader(socket.url);
  return options.loadHistory ? newestPageResync(options.loadHistory) : null;
}

/**
 * The join effect of {@link useRealtimeMessages} on a shared connection: this tab shows the room (the holder joins
 * it, opens its device copy and resyncs it), runs the hook's resync if it has one of its own, and loads the first
 * history page into the shared store.
 */
function joinThroughHolder(
  store: RemoteStore,
  roomId: string,
  latest: { current: UseRealtimeMessagesOptions },
  resync: ResyncSlot,
  setLoadedRoom: (room: string) => void,
): () => void {
  let active = true;
  store.joinRoom(roomId);
  // The app's own resync runs here (`resync: null`: none, so nothing); the REST default runs in the holder.
  const own = latest.current.resync !== undefined || latest.current.sendMessage !== undefined;
  if (own) store.setResync(roomId, (room, since) => (resync.current ? resync.current(room, since) : []));
  const load = latest.current.loadHistory;
  if (!load) setLoadedRoom(roomId);
  else {
    load(roomId).then(
      async (page) => {
        if (!active || store.destroyed) return;
        await merge(store, roomId, page.messages, page.has_more).catch(() => {});
        if (active) setLoadedRoom(roomId);
      },
      (e: unknown) => {
        console.warn('inbox-realtime: loading history failed', e);
        if (active) setLoadedRoom(roomId);
      },
    );
  }
  return () => {
    active = false;
    if (own) store.setResync(roomId, null);
    store.leaveRoom(roomId);
  };
}

/**
 * Live messages of one conversation: joins the room while mounted, keeps the list in the shared store (optimistic
 * sends, confirmations, ticks, typing) and re-renders only when this room changes.
 */
export function useRealtimeMessages(options: UseRealtimeMessagesOptions): UseRealtimeMessagesResult {
  const { socket } = options;
  const roomId = options.roomId || null;
  const latest = useRef(options);
  latest.current = options;

  // A shared connection's tab: its rooms come from the tab holding the connection, which also keeps the outbox
  // and the device copies; this tab runs only the app's functions it was given (send, resync).
  const store = useMemo(() => (socket && !socket.destroyed ? getMessageStore(socket) : null), [socket]);

  const subscribe = useMemo(
    () => (store && roomId ? (cb: () => void) => store.subscribe(roomId, cb) : noopUnsubscribe),
    [store, roomId],
  );
  // One subscription: the view replaces the room's object (messages, typing, hasMore) only when the room changes.
  const room = useSyncExternalStore(
    subscribe,
    () => (store !== null && !store.destroyed && roomId ? store._room(roomId) : NO_ROOM),
    () => NO_ROOM,
  );
  const { messages, typing: typingUsers } = room;
  const hasMore = options.loadHistory !== undefined && room.hasMore;

  const [loadedRoom, setLoadedRoom] = useState<string | null>(null);

  // Where the outbox is kept, once known (the database opens asynchronously).
  const [outboxDurability, setOutboxDurability] = useState<OutboxDurability>('memory');
  useEffect(() => {
    if (!socket || !store || socket.destroyed) return;
    if (socket instanceof TabSocket) {
      // Kept by the tab holding the connection, in IndexedDB where it opens.
      setOutboxDurability(typeof indexedDB === 'undefined' ? 'memory' : 'indexeddb');
      return;
    }
    let active = true;
    void storeEntry(socket).durable.ready.then((d) => {
      if (active) setOutboxDurability(d);
    });
    return () => {
      active = false;
    };
  }, [socket, store]);

  // This hook's resync loader, read by the shared store's dispatcher when a reconnect needs one.
  const resyncSlot = useRef<ResyncSlot>({ current: null });
  resyncSlot.current.current = effectiveResync(options, socket);

  // Join while mounted (shared: two components on one room join it once), load the first page.
  useEffect(() => {
    if (!socket || !store || !roomId || socket.destroyed) return;
    if (socket instanceof TabSocket) return joinThroughHolder(socket.connection.store, roomId, latest, resyncSlot.current, setLoadedRoom);
    if (!(store instanceof MessageStore)) return;
    let active = true;
    const entry = storeEntry(socket);
    const removeSlot = addResyncSlot(entry, roomId, resyncSlot.current);
    const leave = joinShared(socket, entry, roomId);
    // The room's saved copy is kept up to date while it is open.
    const unsubscribe = store.subscribe(roomId, () => entry.cache.save(roomId));
    const firstPage = () => {
      const load = latest.current.loadHistory;
      if (!load) {
        setLoadedRoom(roomId);
        return;
      }
      load(roomId).then(
        (page) => {
          if (!active || store.destroyed) return;
          merge(store, roomId, page.messages, page.has_more);
          setLoadedRoom(roomId);
        },
        (e: unknown) => {
          console.warn('inbox-realtime: loading history failed', e);
          if (active) setLoadedRoom(roomId);
        },
      );
    };
    // Shown at once from the device's copy, then brought up to date by the resync (from its newest message, with
    // the overlap) once the server has us in the room; without a copy, the newest page as before.
    void entry.cache.open(roomId).then((saved) => {
      if (!active || store.destroyed) return;
      if (saved > 0 && resyncSlot.current.current) {
        setLoadedRoom(roomId);
        store.resyncCached(roomId);
      } else {
        firstPage();
      }
    });
    return () => {
      active = false;
      unsubscribe();
      leave();
      removeSlot();
    };
  }, [socket, store, roomId]);

  // Sends that fail for good stay (Retry / Discard) unless `keepFailed: false`.
  useEffect(() => {
    if (!store || !roomId) return;
    return store.onSendFailed((failure) => {
      if (failure.room_id === roomId && latest.current.keepFailed === false && !store.destroyed) {
        store.discard(failure.client_id);
      }
    });
  }, [store, roomId]);

  // The outbox sends this room's messages with this hook's send (read when each attempt starts).
  useEffect(() => {
    if (!socket || !store || !roomId || socket.destroyed) return;
    if (socket instanceof TabSocket) {
      // The app's send, run here for this tab's sends; without one, the holder's REST send.
      if (!latest.current.sendMessage) return;
      const remote = socket.connection.store;
      remote.setSender((payload) => latest.current.sendMessage!(payload));
      return () => remote.setSender(null);
    }
    const entry = storeEntry(socket);
    const send = hookSend(latest, socket);
    entry.senders.set(roomId, send);
    if (latest.current.sendMessage) entry.lastSender = send;
  }, [socket, store, roomId]);

  const queued = useCallback(
    (target: MessageStore | RemoteStore, clientId: string): SendResult => ({
      ok: true,
      queued: true,
      clientId,
      outcome: target.outcome(clientId),
    }),
    [],
  );

  const sendMessage = useCallback(
    async (text: string, sender?: string | null): Promise<SendResult> => {
      if (!store || store.destroyed || !roomId || !socket) {
        return { ok: false, queued: false, clientId: '', error: new Error('inbox-realtime: not connected to a room yet') };
      }
      if (!(store instanceof MessageStore)) {
        // Queued in the holder's outbox (and saved there); refused there only for bad input.
        let clientId: string;
        try {
          clientId = store.queueSend(roomId, text, sender ?? null);
          const result = queued(store, clientId);
          await store.sendRefused(clientId);
          return result;
        } catch (e) {
          return { ok: false, queued: false, clientId: '', error: toError(e) };
        }
      }
      if (!(socket instanceof SocketClient)) throw new Error('unreachable: a MessageStore comes with a SocketClient');
      // Before the first send of a room mounted a moment ago: its send must be known when the outbox runs it.
      const entry = storeEntry(socket);
      if (!entry.senders.has(roomId)) {
        entry.senders.set(roomId, hookSend(latest, socket));
      }
      let clientId: string;
      try {
        clientId = store.queueSend(roomId, text, sender ?? null);
      } catch (e) {
        return { ok: false, queued: false, clientId: '', error: toError(e) };
      }
      const result = queued(store, clientId);
      // Safely queued = on disk too (where IndexedDB works).
      await entry.durable.save(clientId);
      return result;
    },
    [socket, store, roomId, queued],
  );

  const retry = useCallback(
    async (clientId: string): Promise<SendResult> => {
      if (!store || store.destroyed) {
        return { ok: false, queued: false, clientId, error: new Error('inbox-realtime: no store') };
      }
      try {
        store.retry(clientId);
      } catch (e) {
        return { ok: false, queued: false, clientId, error: toError(e) };
      }
      const result = queued(store, clientId);
      if (socket instanceof SocketClient && !socket.destroyed) await storeEntry(socket).durable.save(clientId);
      return result;
    },
    [socket, store, queued],
  );

  const discard = useCallback(
    (clientId: string): boolean => {
      if (!store || store.destroyed) return false;
      if (!(store instanceof MessageStore)) {
        store.discard(clientId);
        return true;
      }
      const existed = store.discard(clientId);
      if (socket instanceof SocketClient && !socket.destroyed) void storeEntry(socket).durable.forget(clientId);
      return existed;
    },
    [socket, store],
  );

  const loadingOlder = useRef(false);
  const loadOlder = useCallback(async (): Promise<void> => {
    const load = latest.current.loadHistory;
    if (!load || !store || store.destroyed || !roomId || loadingOlder.current || !store.hasMore(roomId)) return;
    const current = store.snapshot(roomId);
    const before = current.length ? current[0]!.timestamp : undefined;
    loadingOlder.current = true;
    try {
      const page = await load(roomId, before);
      if (!store.destroyed) await merge(store, roomId, page.messages, page.has_more);
    } finally {
      loadingOlder.current = false;
    }
  }, [store, roomId]);

  return {
    messages,
    isTyping: typingUsers.length > 0,
    typingUsers,
    loading: roomId !== null && loadedRoom !== roomId,
    hasMore,
    sendMessage,
    retry,
    discard,
    outboxDurability,
    loadOlder,
  };
}
