'use client';
// The connections the hooks share, one per URL and identity (reference-counted), and the store each one feeds.
import { MessageStore, SocketClient, type ClientOptions, type ResyncFunction, type RoomSummary, type StoreOptions } from '../index.js';
import { DurableOutbox } from '../durable.js';
import { RoomCache } from '../cache.js';
import type { RemoteStore } from '../tabs/remote.js';
import { SharedConnection } from '../tabs/shared.js';
import { TabSocket } from '../tabs/socket.js';
import { restResyncLoader, restSender, type SendFunction } from './rest.js';
import type { UseSocketOptions } from './use-socket.js';

// Next.js inlines `process.env.NEXT_PUBLIC_*` at build time; elsewhere `process` may not exist at all.
declare const process: { env: Record<string, string | undefined> };

/** Default URL: `NEXT_PUBLIC_SOCKET_URL`, else `http://localhost:8080`. */
export function defaultUrl(): string {
  let url: string | undefined;
  try {
    // Written out in full (no optional chaining) so bundlers can replace it with the literal.
    url = process.env.NEXT_PUBLIC_SOCKET_URL;
  } catch {
    url = undefined;
  }
  return url || 'http://localhost:8080';
}


/** How long a client nobody uses stays open, so StrictMode's unmount→mount and page switches reuse it. */
const TEARDOWN_DELAY_MS = 250;

interface SharedEntry {
  /** A connection of this tab's own, or this tab's part of the browser's one (`shareAcrossTabs`). */
  readonly client: SocketClient | TabSocket;
  refs: number;
  teardown: ReturnType<typeof setTimeout> | null;
}

/** Keyed by URL and identity: another agent signing in gets a client and store of its own. */
export const shared = new Map<string, SharedEntry>();
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

export const sharedKey = (url: string, identity: string, tabs = false) => `${identity}\u0000${url}${tabs ? '\u0000tabs' : ''}`;

export function acquire(url: string, options: ClientOptions | undefined, identity: string, cache: UseSocketOptions['cache'], tabs: boolean): SharedEntry {
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

export function release(key: string, entry: SharedEntry): void {
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

/** A mounted hook's resync loader for its room (it changes with the hook's options, hence a box). */
export interface ResyncSlot {
  current: ResyncFunction | null;
}

export interface StoreEntry {
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
export const live = new Set<StoreEntry>();

export function storeEntry(socket: SocketClient): StoreEntry {
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

export function addResyncSlot(entry: StoreEntry, roomId: string, slot: ResyncSlot): () => void {
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

export function joinShared(socket: SocketClient, entry: StoreEntry, roomId: string): () => void {
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

/** What a hook reads without a store: nothing, and a subscription that never fires. */
export const EMPTY_ROOMS: readonly RoomSummary[] = Object.freeze([]);
export const noopUnsubscribe = () => () => {};
