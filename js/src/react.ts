'use client';
/**
 * React hooks for inbox-realtime (React ≥ 18; Next.js app router: this file is a client module).
 *
 * ```tsx
 * const { socket, isConnected } = useSocket();
 * const { messages, isTyping, sendMessage } = useRealtimeMessages({ socket, roomId, isConnected,
 *   sendMessage: ApiService.sendMessage });
 * ```
 *
 * One connection per URL and identity is shared by every component (reference-counted; closed shortly after the
 * last user unmounts) and, by default, by every tab of the browser: one tab holds the socket, store and outbox and
 * serves the others (`inbox-realtime/tabs`; `shareAcrossTabs: false` gives a tab its own).
 *
 * @module
 */
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import {
  init,
  isReady,
  MessageStore,
  preconnect,
  SocketClient,
  type ClientOptions,
  type ConnectionStatus,
  type InitInput,
  type Message,
  type SendOutcome,
  type ResyncFunction,
  type ResyncResult,
  type RoomSummary,
  type StoreOptions,
} from './index.js';
import { clearLocalData as clearSavedData, DurableOutbox, type OutboxDurability } from './durable.js';
import { RoomCache } from './cache.js';
import type { RoomView } from './view.js';
import type { RemoteStore } from './tabs/remote.js';
import { SharedConnection } from './tabs/shared.js';
import { TabSocket } from './tabs/socket.js';
export { TabSocket } from './tabs/socket.js';
export { isWaitingForNetwork } from './index.js';
export type { OutboxDurability } from './durable.js';
export type { OutboxEntry, SendOutcome } from './index.js';

// Next.js inlines `process.env.NEXT_PUBLIC_*` at build time; elsewhere `process` may not exist at all.
declare const process: { env: Record<string, string | undefined> };

/** Default URL: `NEXT_PUBLIC_SOCKET_URL`, else `http://localhost:8080`. */
function defaultUrl(): string {
  let url: string | undefined;
  try {
    // Written out in full (no optional chaining) so bundlers can replace it with the literal.
    url = process.env.NEXT_PUBLIC_SOCKET_URL;
  } catch {
    url = undefined;
  }
  return url || 'http://localhost:8080';
}

// ---------------------------------------------------------------------------------------------------------------
// Shared clients: one per URL, reference-counted
// ---------------------------------------------------------------------------------------------------------------

/** How long a client nobody uses stays open, so StrictMode's unmount→mount and page switches reuse it. */
const TEARDOWN_DELAY_MS = 250;

interface SharedEntry {
  /** A connection of this tab's own, or this tab's part of the browser's one (`shareAcrossTabs`). */
  readonly client: SocketClient | TabSocket;
  refs: number;
  teardown: ReturnType<typeof setTimeout> | null;
}

/** Keyed by URL and identity: another agent signing in gets a client and store of its own. */
const shared = new Map<string, SharedEntry>();
/** What each shared client was made with that its store needs: the identity (signed-in agent) naming what is
 * saved on the device, and the saved conversations' bounds. */
interface DeviceSettings {
  identity: string;
  cache: UseSocketOptions['cache'];
}
const settings = new WeakMap<SocketClient, DeviceSettings>();

/** The store options for `useSocket`'s `cache` (`false`: nothing saved or read). */
function cacheBounds(cache: UseSocketOptions['cache']): StoreOptions {
  return cache === false ? { cacheMessagesPerRoom: 0 } : { cacheMessagesPerRoom: cache?.messagesPerRoom, cacheMaxMessages: cache?.maxMessages };
}

const sharedKey = (url: string, identity: string, tabs = false) => `${identity}\u0000${url}${tabs ? '\u0000tabs' : ''}`;

function acquire(url: string, options: ClientOptions | undefined, identity: string, cache: UseSocketOptions['cache'], tabs: boolean): SharedEntry {
  const key = sharedKey(url, identity, tabs);
  let entry = shared.get(key);
  if (!entry || entry.client.destroyed) {
    if (tabs) {
      const connection = new SharedConnection({
        url,
        identity,
        clientOptions: options,
        storeOptions: cacheBounds(cache),
        sender: restSender(url),
        resync: restResyncLoader(url),
      });
      entry = { client: new TabSocket(connection, url), refs: 0, teardown: null };
    } else {
      const client = new SocketClient(url, { ...options, autoConnect: true });
      settings.set(client, { identity, cache });
      entry = { client, refs: 0, teardown: null };
    }
    shared.set(key, entry);
  }
  if (entry.teardown !== null) {
    clearTimeout(entry.teardown);
    entry.teardown = null;
  }
  entry.refs += 1;
  return entry;
}

function release(key: string, entry: SharedEntry): void {
  entry.refs -= 1;
  if (entry.refs > 0 || entry.teardown !== null) return;
  entry.teardown = setTimeout(() => {
    entry.teardown = null;
    if (entry.refs > 0) return;
    if (shared.get(key) === entry) shared.delete(key);
    if (entry.client instanceof TabSocket) {
      entry.client.destroy();
      return;
    }
    const storeEntry = stores.get(entry.client);
    if (storeEntry) {
      // The copies due are read from the store now, before it goes.
      void storeEntry.cache.flush();
      storeEntry.cache.close();
      storeEntry.durable.close();
      storeEntry.store.destroy();
      live.delete(storeEntry);
    }
    stores.delete(entry.client);
    entry.client.destroy();
  }, TEARDOWN_DELAY_MS);
}

/**
 * The socket a mounted {@link useSocket} holds for `url` (and `identity`), else `null` (e.g. to call `setAuth`): a
 * {@link TabSocket} (shared across tabs, the default), or a `SocketClient` (`shareAcrossTabs: false`).
 */
export function getSharedSocket(url: string = defaultUrl(), identity = ''): SocketClient | TabSocket | null {
  for (const tabs of [true, false]) {
    const entry = shared.get(sharedKey(url, identity, tabs));
    if (entry && !entry.client.destroyed) return entry.client;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// Shared stores: one per socket
// ---------------------------------------------------------------------------------------------------------------

/** A mounted hook's resync loader for its room (it changes with the hook's options, hence a box). */
interface ResyncSlot {
  current: ResyncFunction | null;
}

interface StoreEntry {
  readonly store: MessageStore;
  /** How many mounted hooks joined each room; the room is left when the last one goes. */
  readonly roomRefs: Map<string, number>;
  /** Per room, the resync loaders of the mounted hooks showing it; the most recently mounted one is used. */
  readonly resyncSlots: Map<string, ResyncSlot[]>;
  /**
   * Per room, the send of the hook that last showed it (kept after unmount: a queued send still goes out with the
   * app's function when the agent has switched conversation); the default REST send otherwise.
   */
  readonly senders: Map<string, SendFunction>;
  /** The app's send most recently given to a hook: for restored sends of rooms no hook shows. */
  lastSender: SendFunction | null;
  /** The outbox's copy in IndexedDB (memory only where it is unavailable). */
  readonly durable: DurableOutbox;
  /** The opened rooms' copies in IndexedDB. */
  readonly cache: RoomCache;
  readonly identity: string;
}

const stores = new WeakMap<SocketClient, StoreEntry>();
/** The stores alive now (for {@link clearLocalData}). */
const live = new Set<StoreEntry>();

function storeEntry(socket: SocketClient): StoreEntry {
  let entry = stores.get(socket);
  if (!entry || entry.store.destroyed) {
    if (entry) live.delete(entry);
    // Failed sends are kept in the shared store; each hook discards them unless it asked for `keepFailed`.
    const { identity, cache } = settings.get(socket) ?? { identity: '', cache: undefined };
    const store = new MessageStore({ keepFailed: true, ...cacheBounds(cache) });
    store.attach(socket);
    // Rejected server events leave the store unchanged; say so, or a contract mismatch is invisible.
    store.onError((error) =>
      error.code === 'resync_failed'
        ? console.warn('inbox-realtime: resync after reconnect failed:', error.message)
        : console.warn('inbox-realtime: ignored a server event:', error.message),
    );
    const durable = new DurableOutbox(store, socket.url, identity);
    const created: StoreEntry = {
      store,
      roomRefs: new Map(),
      resyncSlots: new Map(),
      senders: new Map(),
      lastSender: null,
      durable,
      // `cache: false`: nothing is saved or read (a shared computer, say).
      cache: new RoomCache(store, socket.url, identity, cache === false ? Promise.resolve(null) : durable.database),
      identity,
    };
    live.add(created);
    // The outbox's "send now" requests: each with its room's send (see `senders`), once the entry is on disk
    // (the microtask lets `sendMessage` register the write of a send queued a moment ago).
    store.setSender(durable.sender((payload) => (created.senders.get(payload.to) ?? created.lastSender ?? restSender(socket.url))(payload)));
    // Sends saved by an earlier page (reload, crash) reappear at once and resume.
    void durable.restore();
    // One dispatcher per shared store: after a reconnect the server did not recover, each joined room is resynced
    // by the loader of the hook showing it. Rooms no hook shows (joined by hand) get nothing.
    store.setResync((roomId, sinceMs) => {
      const slots = created.resyncSlots.get(roomId);
      const resync = slots?.[slots.length - 1]?.current;
      return resync ? resync(roomId, sinceMs) : [];
    });
    entry = created;
    stores.set(socket, entry);
  }
  return entry;
}

function addResyncSlot(entry: StoreEntry, roomId: string, slot: ResyncSlot): () => void {
  const slots = entry.resyncSlots.get(roomId) ?? [];
  slots.push(slot);
  entry.resyncSlots.set(roomId, slots);
  return () => {
    const i = slots.indexOf(slot);
    if (i >= 0) slots.splice(i, 1);
    if (slots.length === 0 && entry.resyncSlots.get(roomId) === slots) entry.resyncSlots.delete(roomId);
  };
}

/**
 * The {@link MessageStore} the hooks share for `socket` (created and attached on first use), for code outside
 * components. It lives as long as the socket (for shared sockets: until the last {@link useSocket} unmounts).
 */
export function getMessageStore(socket: SocketClient): MessageStore;
/** With a shared connection: this tab's rooms and requests ({@link RemoteStore}). */
export function getMessageStore(socket: TabSocket): RemoteStore;
export function getMessageStore(socket: SocketClient | TabSocket): MessageStore | RemoteStore;
export function getMessageStore(socket: SocketClient | TabSocket): MessageStore | RemoteStore {
  return socket instanceof TabSocket ? socket.connection.store : storeEntry(socket).store;
}

function joinShared(socket: SocketClient, entry: StoreEntry, roomId: string): () => void {
  const n = entry.roomRefs.get(roomId) ?? 0;
  entry.roomRefs.set(roomId, n + 1);
  if (n === 0) socket.joinRoom(roomId);
  return () => {
    const left = (entry.roomRefs.get(roomId) ?? 1) - 1;
    if (left > 0) {
      entry.roomRefs.set(roomId, left);
      return;
    }
    entry.roomRefs.delete(roomId);
    if (!socket.destroyed) socket.leaveRoom(roomId);
  };
}

// ---------------------------------------------------------------------------------------------------------------
// useSocket
// ---------------------------------------------------------------------------------------------------------------

/** Options of {@link useSocket}. */
export interface UseSocketOptions {
  /** Server URL. Default `process.env.NEXT_PUBLIC_SOCKET_URL`, else `http://localhost:8080`. */
  url?: string;
  /**
   * Client options (auth, reconnection, …). Used only by the component that creates the shared client for this
   * URL; later changes are ignored (use `socket.setAuth()` to change credentials).
   */
  clientOptions?: ClientOptions;
  /** Passed to {@link init} (e.g. the URL of a copy of the `.wasm` in `public/`). */
  wasm?: InitInput;
  /** `false` keeps the hook idle (no socket), e.g. until the user is logged in. Default `true`. */
  enabled?: boolean;
  /**
   * Who is signed in (e.g. the agent's id). What the device saves (unsent messages, opened conversations) is kept
   * per identity: another identity never restores or sends it, and {@link clearLocalData} deletes it at logout. A
   * change of identity gives a client and store of its own. Default `''` (one identity per browser profile).
   */
  identity?: string;
  /**
   * The conversations saved on the device (a room opened before shows at once after a reload): the newest
   * `messagesPerRoom` (50) messages of each opened room, `maxMessages` (1000) in all, the least recently opened
   * rooms dropped first; `false` saves none. Used by the component that creates the shared client.
   */
  cache?: { messagesPerRoom?: number; maxMessages?: number } | false;
  /**
   * Default `true`: every tab of this browser profile with the same URL and identity shares one connection, store
   * and outbox (`inbox-realtime/tabs`), held by one of them; `socket` is a {@link TabSocket} (its `mode` says
   * whether this tab holds the connection, another does, or, without Web Locks or `BroadcastChannel`, it is this
   * tab's own). `false`: this tab's own connection, and `socket` is the full {@link SocketClient}.
   */
  shareAcrossTabs?: boolean;
}

/** What {@link useSocket} returns. */
export interface UseSocketResult<S extends SocketClient | TabSocket = TabSocket> {
  /** The shared client; `null` until the wasm module is loaded (and on the server). */
  socket: S | null;
  isConnected: boolean;
  status: ConnectionStatus;
  /** The last `connect_error` or `error` (cleared on connect), or a failure to load the wasm module. */
  error: Error | null;
}

/**
 * Connects to the inbox server. Every component using the same URL shares one connection; it stays open while
 * any of them is mounted. Loads the wasm module itself. StrictMode-safe.
 */
export function useSocket(options: UseSocketOptions & { shareAcrossTabs: false }): UseSocketResult<SocketClient>;
export function useSocket(options?: UseSocketOptions & { shareAcrossTabs?: true }): UseSocketResult<TabSocket>;
export function useSocket(options?: UseSocketOptions): UseSocketResult<SocketClient | TabSocket>;
export function useSocket(options: UseSocketOptions = {}): UseSocketResult<SocketClient | TabSocket> {
  const url = options.url ?? defaultUrl();
  const enabled = options.enabled ?? true;
  const identity = options.identity ?? '';
  const tabs = options.shareAcrossTabs !== false;
  const latest = useRef(options);
  latest.current = options;

  const [socket, setSocket] = useState<SocketClient | TabSocket | null>(null);
  const [status, setStatus] = useState<ConnectionStatus>('disconnected');
  const [error, setError] = useState<Error | null>(null);

  useEffect(() => {
    if (!enabled) return;
    let active = true;
    let cleanup: (() => void) | null = null;

    const start = () => {
      const entry = acquire(url, latest.current.clientOptions, identity, latest.current.cache, tabs);
      const client = entry.client;
      const offs = [
        client.onStatus((s) => setStatus(s)),
        client.on('connect', () => setError(null)),
        client.on('connect_error', (e) => setError(e)),
        client.on('error', (e) => setError(e)),
      ];
      setStatus(client.status);
      setSocket(client);
      cleanup = () => {
        for (const off of offs) off();
        release(sharedKey(url, identity, tabs), entry);
      };
    };

    if (isReady()) {
      // Synchronous when already loaded: StrictMode's mount→unmount→mount then reuses the same client.
      start();
    } else {
      const loading = init(latest.current.wasm);
      // Open the WebSocket while the wasm loads (after its request went out); the client start() creates adopts it.
      // Not when shared: another tab may hold the connection already.
      const { path, query, transports } = latest.current.clientOptions ?? {};
      if (!tabs && (!transports || transports[0] === 'websocket')) preconnect(url, { path, query });
      loading.then(
        () => {
          if (active) start();
        },
        (e: unknown) => {
          if (active) setError(e instanceof Error ? e : new Error(String(e)));
        },
      );
    }
    return () => {
      active = false;
      cleanup?.();
      cleanup = null;
      setSocket(null);
      setStatus('disconnected');
    };
  }, [url, enabled, identity, tabs]);

  return { socket, isConnected: status === 'connected', status, error };
}

/**
 * Logout: deletes what this device keeps for `identity` (its unsent messages and saved conversations, for every
 * socket URL of this origin; everything of every identity without one) and discards the unsent messages of its
 * live stores, so nothing of it is sent or shown after. Resolves once deleted.
 */
export async function clearLocalData(identity?: string): Promise<void> {
  for (const entry of live) {
    if (identity !== undefined && entry.identity !== identity) continue;
    entry.cache.clear();
    await entry.durable.clear();
  }
  // Shared across tabs: the tab holding the connection (this one or another) discards and deletes them.
  for (const { client } of shared.values()) {
    if (!(client instanceof TabSocket) || client.destroyed) continue;
    if (identity === undefined || client.connection.identity === identity) await client.connection.clearLocalData().catch(() => {});
  }
  await clearSavedData(identity);
}

// ---------------------------------------------------------------------------------------------------------------
// REST helpers (the dev server's contract)
// ---------------------------------------------------------------------------------------------------------------

/** Body of the REST send; `client_id` lets the server echo it so the store can match the echo exactly. */
export interface SendPayload {
  to: string;
  text: string;
  user_id: string | null;
  client_id: string;
}

/** A page of history: messages in any order, and whether older ones exist. */
export interface HistoryPage {
  messages: unknown[];
  has_more: boolean;
}

export type SendFunction = (payload: SendPayload) => Promise<unknown>;
export type HistoryLoader = (roomId: string, beforeMs?: number) => Promise<HistoryPage>;
export type { ResyncFunction, ResyncResult };

/** Options of {@link restResyncLoader}. */
export interface ResyncLoaderOptions {
  /** Page size asked for (the dev server allows 1..500). Default 200. */
  limit?: number;
  /** Stop after this many pages even if the server says there is more (a bound on one resync). Default 20. */
  maxPages?: number;
  /** Extra `fetch` options (headers, credentials, …). */
  init?: RequestInit;
}

/** The REST base of a socket URL: without its query string (the socket's `query`), fragment and trailing slash. */
function trimSlash(url: string): string {
  return url.replace(/[?#].*$/, '').replace(/\/+$/, '');
}

/** A hook's send for the outbox: its `sendMessage` option as it is when the attempt starts, else the REST send. */
function hookSend(latest: { current: { sendMessage?: SendFunction } }, socket: SocketClient): SendFunction {
  return (payload) => (latest.current.sendMessage ?? restSender(socket.url))(payload);
}

/** An HTTP failure: `status` tells the outbox whether to retry (408/429/5xx) or fail for good (other 4xx). */
export class HttpError extends Error {
  readonly status: number;
  /** The `Retry-After` header (seconds or an HTTP date), if the server sent one; the outbox reads it. */
  readonly retryAfter?: string;
  constructor(message: string, status: number, retryAfter?: string) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    if (retryAfter) this.retryAfter = retryAfter;
  }
}

async function json(response: Response): Promise<any> {
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const reason = body && typeof body.error === 'string' ? body.error : `HTTP ${response.status}`;
    throw new HttpError(reason, response.status, response.headers?.get?.('retry-after') ?? undefined);
  }
  return body;
}

/**
 * `POST {baseUrl}/api/messages` with `{to, text, user_id, client_id}`; resolves with `{id, status, …}`, rejects
 * with an {@link HttpError} (its `status` classifies it for the outbox) or `fetch`'s network error (retried).
 */
export function restSender(baseUrl: string, init?: RequestInit): SendFunction {
  return async (payload) =>
    json(
      await fetch(`${trimSlash(baseUrl)}/api/messages`, {
        ...init,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(init?.headers as Record<string, string> | undefined) },
        body: JSON.stringify(payload),
      }),
    );
}

/** `GET {baseUrl}/api/messages?room=…&before=…&limit=…`; resolves with `{messages, has_more}`. */
export function restHistoryLoader(baseUrl: string, limit = 50, init?: RequestInit): HistoryLoader {
  return async (roomId, beforeMs) => {
    const query = new URLSearchParams({ room: roomId, limit: String(limit) });
    if (beforeMs !== undefined) query.set('before', String(beforeMs));
    const body = await json(await fetch(`${trimSlash(baseUrl)}/api/messages?${query}`, init));
    return { messages: Array.isArray(body?.messages) ? body.messages : [], has_more: Boolean(body?.has_more) };
  };
}

/**
 * A {@link ResyncFunction} for the dev server's contract: `GET {baseUrl}/api/messages?room=…&since=…&limit=…`
 * (messages with `timestamp >= since`, ascending, and `has_more`), following `has_more` page by page (the next
 * page starts at the last timestamp seen; overlaps are dropped by id) for at most `maxPages` pages. Resolves with
 * `{messages, has_more}`, `has_more` telling whether it stopped before the end. Rejects on an HTTP or network
 * error (the store reports it as `resync_failed`).
 */
export function restResyncLoader(
  baseUrl: string,
  options: ResyncLoaderOptions = {},
): (roomId: string, sinceMs: number) => Promise<HistoryPage> {
  const { limit = 200, maxPages = 20, init } = options;
  return async (roomId, sinceMs) => {
    const seen = new Set<string>();
    const messages: unknown[] = [];
    let since = Number.isFinite(sinceMs) ? sinceMs : 0;
    let more = true;
    for (let page = 0; page < maxPages && more; page++) {
      const query = new URLSearchParams({ room: roomId, since: String(since), limit: String(limit) });
      const body = await json(await fetch(`${trimSlash(baseUrl)}/api/messages?${query}`, init));
      const items: unknown[] = Array.isArray(body?.messages) ? body.messages : [];
      more = Boolean(body?.has_more);
      let fresh = 0;
      let last = since;
      for (const item of items) {
        const m = item as { id?: unknown; timestamp?: unknown } | null;
        const id = m && (typeof m.id === 'string' || typeof m.id === 'number') ? String(m.id) : null;
        if (typeof m?.timestamp === 'number' && m.timestamp > last) last = m.timestamp;
        if (id !== null) {
          if (seen.has(id)) continue;
          seen.add(id);
        }
        fresh += 1;
        messages.push(item);
      }
      // No progress (a page of timestamps we already had): asking again would loop.
      if (fresh === 0 || last === since) break;
      since = last;
    }
    return { messages, has_more: more };
  };
}

/** A history loader's newest page as a resync: enough for short outages, a gap longer than a page stays a gap. */
function newestPageResync(load: HistoryLoader): ResyncFunction {
  return (roomId) => load(roomId);
}

// ---------------------------------------------------------------------------------------------------------------
// useRealtimeMessages
// ---------------------------------------------------------------------------------------------------------------

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
const EMPTY_ROOMS: readonly RoomSummary[] = Object.freeze([]);
const NO_ROOM: RoomView = Object.freeze({ messages: EMPTY_MESSAGES, typing: EMPTY_USERS, hasMore: false, unread: 0 });
const noopUnsubscribe = () => () => {};

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
  const tab = socket instanceof TabSocket ? socket : null;
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

// ---------------------------------------------------------------------------------------------------------------
// useInbox
// ---------------------------------------------------------------------------------------------------------------

/** What {@link useInbox} returns. */
export interface UseInboxResult {
  /** Newest activity first; the same array until something changes. */
  rooms: readonly RoomSummary[];
  /** Sets the room's unread count to 0. */
  markRead: (roomId: string) => void;
}

/** The inbox sidebar: every room the store knows, with its last message and unread count. */
export function useInbox({ socket }: { socket: SocketClient | TabSocket | null }): UseInboxResult {
  const store = useMemo(() => (socket && !socket.destroyed ? getMessageStore(socket) : null), [socket]);
  const subscribe = useMemo(
    () => (store ? (cb: () => void) => store.subscribe('*', cb) : noopUnsubscribe),
    [store],
  );
  const rooms = useSyncExternalStore(
    subscribe,
    () => (store && !store.destroyed ? store.rooms() : EMPTY_ROOMS),
    () => EMPTY_ROOMS,
  );
  const markRead = useCallback(
    (roomId: string) => {
      if (store && !store.destroyed) store.markRead(roomId);
    },
    [store],
  );
  return { rooms, markRead };
}
