'use client';
// useSocket: the shared connection for a URL and identity, its status, and logout (`clearLocalData`).
import { useEffect, useRef, useState } from 'react';
import { init, isReady, preconnect, type ClientOptions, type ConnectionStatus, type InitInput, type SocketClient } from '../index.js';
import { clearLocalData as clearSavedData } from '../durable.js';
import { TabSocket } from '../tabs/socket.js';
import { acquire, defaultUrl, live, release, shared, sharedKey } from './shared.js';

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
