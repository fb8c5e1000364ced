/**
 * socket.io-client's `Manager` and `io()`: several namespace sockets over one Engine.IO connection. The
 * multiplexing itself (routing by namespace, one CONNECT per namespace with its own auth, reconnecting every socket
 * in use) runs in WebAssembly, in the sans-IO core's `Manager`.
 *
 * @module
 */
import { WasmManager } from '../wasm/inbox_realtime.js';
import { SocketClient, subscription, type Subscription } from './client.js';
import type { InboxRealtimeError } from './errors.js';
import { assertReady } from './init.js';
import { authFunction, type ClientOptions } from './options.js';
import { encodeQuery } from './preconnect.js';

/** Options of a {@link Manager}: the connection's (socket.io-client's ManagerOptions) and the sockets' defaults. */
export type ManagerOptions = Omit<ClientOptions, 'namespace' | 'auth' | 'debug'>;

/** Options of {@link Manager.socket}: per namespace, over the manager's. */
export type SocketOptions = Pick<
  ClientOptions,
  'auth' | 'ackTimeout' | 'retries' | 'bufferWhenDisconnected' | 'maxBuffered' | 'debug'
>;

/** The manager's own events (socket.io-client's `socket.io.on(...)`). */
export interface ManagerEvents {
  /** The Engine.IO connection opened. */
  open: () => void;
  /** It closed: `'forced close'` (no socket uses it any more, or {@link Manager.close}), or why it was lost. */
  close: (reason: string) => void;
  reconnect_attempt: (attempt: number) => void;
  reconnect: (attempts: number) => void;
  reconnect_error: (error: InboxRealtimeError) => void;
  reconnect_failed: () => void;
  /** The connection could not open (each socket trying to connect also gets `connect_error`). */
  error: (error: InboxRealtimeError) => void;
}

/**
 * One Engine.IO connection shared by namespace sockets, like socket.io-client's `Manager`:
 *
 * ```ts
 * const manager = new Manager('https://api.example.com');
 * const inbox = manager.socket('/');
 * const admin = manager.socket('/admin', { auth: { token } });  // same WebSocket, its own CONNECT and auth
 * ```
 *
 * The connection opens when a socket connects (or on {@link open}) and closes once no socket uses it. After a lost
 * connection every socket in use reconnects with its own auth and re-joins its rooms; a `connect_error` or a
 * disconnect of one namespace leaves the others alone.
 */
export class Manager {
  /** The URL the manager was created with. */
  readonly url: string;
  #raw: WasmManager | null;
  readonly #options: ManagerOptions;
  #sockets = new Map<string, SocketClient>();
  #listeners: { event: string; fn: Function; id: number }[] = [];

  /** With `autoConnect` (default `true`) the connection opens now, and sockets made later connect at once. */
  constructor(url: string, options: ManagerOptions = {}, /** @internal */ raw?: WasmManager) {
    assertReady('Manager');
    this.url = url;
    this.#options = options;
    const { autoConnect: _, query, ...wasmOptions } = options;
    this.#raw = raw ?? new WasmManager(url, { ...wasmOptions, query: encodeQuery(query) });
    if (!raw && options.autoConnect !== false) this.open();
  }

  /** @internal The manager behind a `new SocketClient(...)`. */
  static _adopt(raw: WasmManager, url: string, options: ClientOptions): Manager {
    const { namespace: _, auth: __, debug: ___, ...managerOptions } = options;
    return new Manager(url, managerOptions, raw);
  }

  #manager(): WasmManager {
    if (!this.#raw) throw new Error('inbox-realtime: this Manager was destroyed');
    return this.#raw;
  }

  /**
   * The socket of namespace `nsp` (default `/`): one per namespace, returned again while not destroyed. Its options
   * are the manager's with `options` over them; it connects at once unless the manager's `autoConnect` is `false`.
   */
  socket(nsp = '/', options: SocketOptions = {}): SocketClient {
    const namespace = nsp.startsWith('/') ? nsp : `/${nsp}`;
    const cached = this.#sockets.get(namespace);
    if (cached && !cached.destroyed) {
      // socket.io-client reopens a cached socket that is not active (disconnected) when the manager auto-connects.
      const active = cached.status === 'connecting' || cached.status === 'connected' || cached.status === 'reconnecting';
      if (this.#options.autoConnect !== false && !active) cached.connect();
      return cached;
    }
    const merged: ClientOptions = { ...this.#options, ...options, namespace };
    const { autoConnect: _, debug: __, query: ___, auth, ...wasmOptions } = merged;
    const raw = this.#manager().socket(namespace, { ...wasmOptions, auth: authFunction(auth) });
    const socket = new SocketClient(this.url, { ...merged, autoConnect: this.#options.autoConnect }, { raw, manager: this });
    this.#sockets.set(namespace, socket);
    return socket;
  }

  /** Opens the connection (socket.io-client's `open()` / `connect()`). */
  open(): this {
    this.#manager().open();
    return this;
  }

  /** Alias of {@link open}. */
  connect(): this {
    return this.open();
  }

  /** Closes the connection and disconnects every socket; no reconnect follows (socket.io-client's `close()`). */
  close(): this {
    this.#manager().close();
    return this;
  }

  /** Alias of {@link close}. */
  disconnect(): this {
    return this.close();
  }

  /** Whether the Engine.IO connection is open. */
  get isOpen(): boolean {
    return this.#manager().isOpen;
  }

  /** With no argument, whether automatic reconnection is on; with one, turns it on or off from now on. */
  reconnection(): boolean;
  reconnection(on: boolean): this;
  reconnection(on?: boolean): boolean | this {
    if (on === undefined) return this.#manager().reconnection;
    this.#manager().setReconnection(on);
    return this;
  }

  /** Adds a listener of a manager event; returns the function removing it (which also chains). */
  on<E extends keyof ManagerEvents>(event: E, listener: ManagerEvents[E]): Subscription<this> {
    const id = this.#manager().on(event, listener);
    this.#listeners.push({ event, fn: listener, id });
    return subscription(this, () => this.#remove((l) => l.id === id));
  }

  /** Like {@link on}, but the listener runs once at most. */
  once<E extends keyof ManagerEvents>(event: E, listener: ManagerEvents[E]): Subscription<this> {
    let id = 0;
    const wrapper = (...args: unknown[]) => {
      this.#remove((l) => l.id === id);
      (listener as Function)(...args);
    };
    id = this.#manager().on(event, wrapper);
    this.#listeners.push({ event, fn: listener, id });
    return subscription(this, () => this.#remove((l) => l.id === id));
  }

  /** Removes `listener` from `event`. */
  off<E extends keyof ManagerEvents>(event: E, listener: ManagerEvents[E]): this {
    this.#remove((l) => l.event === event && l.fn === listener);
    return this;
  }

  #remove(match: (l: { event: string; fn: Function; id: number }) => boolean): void {
    this.#listeners = this.#listeners.filter((l) => !match(l) || (this.#raw?.off(l.id), false));
  }

  /** Destroys every socket made by {@link socket}, closes the connection and frees the wasm object. Idempotent. */
  destroy(): void {
    for (const socket of [...this.#sockets.values()]) socket.destroy();
    if (!this.#raw) return;
    this.#raw.close();
    this._free();
  }

  /** Whether {@link destroy} was called. */
  get destroyed(): boolean {
    return this.#raw === null;
  }

  /** @internal Frees the wasm handle (the connection lives on while one of its sockets does). */
  _free(): void {
    this.#remove(() => true);
    this.#raw?.free();
    this.#raw = null;
  }

  /** @internal A socket of this manager was destroyed. */
  _forget(socket: SocketClient): void {
    for (const [nsp, s] of this.#sockets) if (s === socket) this.#sockets.delete(nsp);
  }

  /** @internal Whether a live socket of `nsp` exists (for {@link io}'s cache). */
  _has(nsp: string): boolean {
    return this.#sockets.get(nsp)?.destroyed === false;
  }
}

/** Options of {@link io}: a socket's and its manager's, and socket.io-client's cache switches. */
export interface IoOptions extends ClientOptions {
  /** A new connection, not the cached one. Default `false`. */
  forceNew?: boolean;
  /** Share a cached connection per URL and path. Default `true`. */
  multiplex?: boolean;
}

const managers = new Map<string, Manager>();

/**
 * socket.io-client's `io(url, options)`: a socket of the URL's namespace (or `options.namespace`) on the cached
 * manager of the same origin, path and query, so sockets of several namespaces share one connection. A new manager
 * is made with `forceNew: true`, `multiplex: false`, or when the cached one already has that namespace.
 */
export function io(url: string, options: IoOptions = {}): SocketClient {
  const { forceNew = false, multiplex = true, namespace: given, ...rest } = options;
  const at = url.indexOf('://');
  const afterScheme = at >= 0 ? at + 3 : 0;
  const hostEnd = url.slice(afterScheme).search(/[/?#]/);
  const origin = hostEnd < 0 ? url : url.slice(0, afterScheme + hostEnd);
  const tail = hostEnd < 0 ? '' : url.slice(afterScheme + hostEnd).split('#')[0]!;
  const [pathPart = '', query = ''] = tail.split('?');
  const namespace = given ?? (pathPart === '' ? '/' : pathPart);
  const base = query ? `${origin}?${query}` : origin;
  const key = `${base}|${rest.path ?? '/socket.io/'}`;
  const cached = managers.get(key);
  const fresh = forceNew || !multiplex || (cached !== undefined && !cached.destroyed && cached._has(namespace));
  let manager: Manager;
  if (fresh) {
    manager = new Manager(base, rest);
  } else if (cached && !cached.destroyed) {
    manager = cached;
  } else {
    manager = new Manager(base, rest);
    managers.set(key, manager);
  }
  return manager.socket(namespace, rest);
}
