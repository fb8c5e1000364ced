// SocketClient: the socket.io-client-like face of the wasm Socket.IO client.
import { WasmSocketClient } from '../wasm/inbox_realtime.js';
import { logClientEvents, logRoom } from './debug.js';
import { inboxError, type InboxRealtimeError } from './errors.js';
import { assertReady } from './init.js';
import { Manager } from './manager.js';
import { authFunction, type AuthOption, type ClientOptions, type Listener, type ReservedEvents } from './options.js';
import { encodeQuery } from './preconnect.js';
import type { ConnectionStatus } from './generated/boundary.js';

interface Registration {
  readonly fn: Function;
  readonly id: number;
}

/** The raw wasm objects behind the wrappers, for `MessageStore.attach` (not exported from the package's index). */
export const rawClients = new WeakMap<SocketClient, WasmSocketClient>();

/**
 * What {@link SocketClient.on}, {@link SocketClient.once} and {@link SocketClient.onAny} return: the function that
 * removes exactly that listener (the easy clean-up for a React effect), which also carries the socket's own
 * methods, so socket.io-style chaining (`socket.on('a', f).on('b', g)`) works too.
 */
export type Subscription<T> = (() => void) & T;

/** `off`, carrying `owner`'s methods for chaining. */
export function subscription<T extends object>(owner: T, off: () => void): Subscription<T> {
  return new Proxy(off, {
    get: (target, key) => {
      if (key in target) return Reflect.get(target, key);
      const value = Reflect.get(owner, key);
      return typeof value === 'function' ? value.bind(owner) : value;
    },
  }) as Subscription<T>;
}

/** socket.io-client's `hasBinary`: this client speaks JSON only, so binary is refused instead of sent as `{}`. */
function hasBinary(value: unknown, depth = 0): boolean {
  if (value === null || typeof value !== 'object' || depth > 32) return false;
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return true;
  if (typeof Blob !== 'undefined' && value instanceof Blob) return true;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false; // JSON.stringify calls it
  const items = Array.isArray(value) ? value : Object.values(value);
  return items.some((item) => hasBinary(item, depth + 1));
}

/** Emits with an explicit ack timeout; see {@link SocketClient.timeout}. */
export interface TimedEmitter {
  /** Like {@link SocketClient.emitWithAck}, failing with code `ack_timeout` after the chosen delay. */
  emitWithAck<T = unknown>(event: string, ...args: unknown[]): Promise<T>;
  /** socket.io style: the last argument is called as `(err, response)`. */
  emit(event: string, ...args: unknown[]): void;
}

/**
 * A {@link TimedEmitter} over a socket's plain emit and its emit-with-ack that fails after the chosen delay: `emit`
 * with a function last waits for the ack and calls it as `(err, response)`, as socket.io-client does.
 */
export function timedEmitter(
  emit: (event: string, args: unknown[]) => void,
  withAck: <T>(event: string, args: unknown[]) => Promise<T>,
): TimedEmitter {
  return {
    emitWithAck: <T = unknown>(event: string, ...args: unknown[]) => withAck<T>(event, args),
    emit: (event: string, ...args: unknown[]) => {
      const last = args[args.length - 1];
      if (typeof last !== 'function') return emit(event, args);
      const callback = last as (error: Error | null, response?: unknown) => void;
      withAck(event, args.slice(0, -1)).then((response) => callback(null, response), (error: Error) => callback(error));
    },
  };
}

/**
 * A Socket.IO v4 client (the protocol, reconnects and buffering run in WebAssembly), with a socket.io-client-like
 * API. Listen with `on`, which returns the function that removes exactly that listener.
 *
 * In the browser the client also follows `online`/`offline` and page visibility: going offline reports
 * `disconnected` at once, coming back (or the tab becoming visible again) reconnects without waiting out the
 * backoff and checks the heartbeat. Call {@link destroy} when done: it disconnects and frees the wasm memory.
 */
export class SocketClient {
  /** The URL the client was created with. */
  readonly url: string;
  #raw: WasmSocketClient | null;
  #listeners = new Map<string, Registration[]>();
  #any: Registration[] = [];
  #outgoing: Function[] = [];
  #browserHooks: (() => void) | null = null;
  #onDestroy = new Set<() => void>();
  /** The manager: given (`manager.socket()`), or made on first use of {@link io} around this client's own. */
  #manager: Manager | null;
  /** Whether the manager is this client's alone (then destroying the client destroys it). */
  readonly #ownsManager: boolean;
  /** socket.io-client: callbacks are error-first once `ackTimeout` is set. */
  readonly #errorFirstAcks: boolean;
  /** The options given, for the Manager made on first use of {@link io} (the defaults of its other sockets). */
  readonly #options: ClientOptions;
  #debug: boolean;

  /**
   * A client with its own connection (its own {@link Manager}: a `new SocketClient` is never shared; see
   * {@link Manager.socket} and {@link io} for sockets sharing one). Throws if {@link init} has not completed.
   */
  constructor(url: string, options: ClientOptions = {}, /** @internal */ from?: { raw: WasmSocketClient; manager: Manager }) {
    assertReady('SocketClient');
    this.url = url;
    const { autoConnect = true, debug = false, query, auth, ...wasmOptions } = options;
    this.#errorFirstAcks = options.ackTimeout !== undefined;
    this.#manager = from?.manager ?? null;
    this.#ownsManager = !from;
    this.#options = options;
    this.#raw = from?.raw ?? new WasmSocketClient(url, { ...wasmOptions, auth: authFunction(auth), query: encodeQuery(query) });
    rawClients.set(this, this.#raw);
    this.#debug = debug === true;
    if (this.#debug) logClientEvents(this.#raw, url);
    if (autoConnect) this.connect();
  }

  #client(): WasmSocketClient {
    if (!this.#raw) throw new Error('inbox-realtime: this SocketClient was destroyed');
    return this.#raw;
  }

  /** Starts connecting (or retries now if waiting out the backoff). */
  connect(): this {
    this.#addBrowserHooks();
    this.#client().connect();
    return this;
  }

  /** Closes the connection; no reconnect follows until {@link connect}. */
  disconnect(): this {
    this.#removeBrowserHooks();
    this.#client().disconnect();
    return this;
  }

  /** Replaces the `auth` option for the next (re)connects, e.g. after a token refresh. */
  setAuth(auth: AuthOption | null): void {
    this.#client().setAuth(authFunction(auth));
  }

  /**
   * Adds a listener for `event` (a server event, or one of the {@link ReservedEvents}). Returns a function that
   * removes exactly this listener — the easy way to clean up in a React effect.
   */
  on<E extends string>(event: E, listener: Listener<E>): Subscription<this> {
    const id = this.#client().on(event, listener as Function);
    const list = this.#listeners.get(event) ?? [];
    list.push({ fn: listener as Function, id });
    this.#listeners.set(event, list);
    return this.#subscription(() => this.#remove(event, (r) => r.id === id));
  }

  /** Like {@link on}, but the listener runs once at most. `off(event, listener)` also removes it. */
  once<E extends string>(event: E, listener: Listener<E>): Subscription<this> {
    let id = 0;
    const wrapper = (...args: unknown[]) => {
      this.#remove(event, (r) => r.id === id);
      (listener as Function)(...args);
    };
    id = this.#client().on(event, wrapper);
    const list = this.#listeners.get(event) ?? [];
    list.push({ fn: listener as Function, id });
    this.#listeners.set(event, list);
    return this.#subscription(() => this.#remove(event, (r) => r.id === id));
  }

  /** The unsubscribe function, carrying this socket's methods for chaining. */
  #subscription(off: () => void): Subscription<this> {
    return subscription(this, off);
  }

  /** Adds a listener of every server event, called as `(event, ...args)` (socket.io-client's `onAny`). */
  onAny(listener: (event: string, ...args: any[]) => void): Subscription<this> {
    const id = this.#client().onAny(listener, false);
    this.#any.push({ fn: listener, id });
    return this.#subscription(() => this.offAny(listener));
  }

  /** Like {@link onAny}, but the listener runs before those already added. */
  prependAny(listener: (event: string, ...args: any[]) => void): Subscription<this> {
    const id = this.#client().onAny(listener, true);
    this.#any.unshift({ fn: listener, id });
    return this.#subscription(() => this.offAny(listener));
  }

  /**
   * Removes `listener` from the `onAny` listeners. Without a listener it removes nothing and warns, as
   * {@link off} does (in a shared socket it would silence other components).
   */
  offAny(listener?: (event: string, ...args: any[]) => void): this {
    if (typeof listener !== 'function') {
      console.warn('inbox-realtime: offAny() without a listener removes nothing; pass the listener');
      return this;
    }
    this.#any = this.#any.filter((r) => r.fn !== listener || (this.#raw?.off(r.id), false));
    return this;
  }

  /** The `onAny` listeners. */
  listenersAny(): Function[] {
    return this.#any.map((r) => r.fn);
  }

  /**
   * Adds a listener of every event this client emits, called as `(event, ...args)` when the emit is made (a
   * buffered emit is reported then, not when it leaves; socket.io-client reports it when it leaves).
   */
  onAnyOutgoing(listener: (event: string, ...args: any[]) => void): Subscription<this> {
    this.#outgoing.push(listener);
    return this.#subscription(() => this.offAnyOutgoing(listener));
  }

  /** Like {@link onAnyOutgoing}, but the listener runs before those already added. */
  prependAnyOutgoing(listener: (event: string, ...args: any[]) => void): Subscription<this> {
    this.#outgoing.unshift(listener);
    return this.#subscription(() => this.offAnyOutgoing(listener));
  }

  /** Removes `listener` from the outgoing listeners (all of them without an argument: they are this socket's). */
  offAnyOutgoing(listener?: (event: string, ...args: any[]) => void): this {
    this.#outgoing = listener ? this.#outgoing.filter((f) => f !== listener) : [];
    return this;
  }

  /** The `onAnyOutgoing` listeners. */
  listenersAnyOutgoing(): Function[] {
    return [...this.#outgoing];
  }

  /** Checks and reports an outgoing emit; throws on binary arguments. */
  #outgo(event: string, args: unknown[]): void {
    if (hasBinary(args)) {
      throw inboxError('binary_unsupported', `"${event}": binary arguments are not supported (this client speaks JSON)`);
    }
    for (const listener of [...this.#outgoing]) listener(event, ...args);
  }

  /**
   * Removes `listener` from `event` (every time it was added). Unlike socket.io-client, `off(event)` without a
   * listener removes NOTHING and warns: in a shared socket it would also silence other components' listeners.
   * Use {@link removeAllListeners} when that is really meant.
   */
  off<E extends string>(event: E, listener: Listener<E>): this {
    if (typeof listener !== 'function') {
      console.warn(
        `inbox-realtime: off("${event}") without a listener removes nothing; pass the listener, use the function ` +
          'returned by on(), or call removeAllListeners(event)',
      );
      return this;
    }
    this.#remove(event, (r) => r.fn === listener);
    return this;
  }

  /** Removes every listener added through this object for `event`, or for every event (and `onAny`) without one. */
  removeAllListeners(event?: string): this {
    const events = event === undefined ? [...this.#listeners.keys()] : [event];
    for (const e of events) this.#remove(e, () => true);
    if (event === undefined) {
      for (const r of this.#any) this.#raw?.off(r.id);
      this.#any = [];
    }
    return this;
  }

  #remove(event: string, match: (r: Registration) => boolean): void {
    const list = this.#listeners.get(event);
    if (!list) return;
    const keep: Registration[] = [];
    for (const r of list) {
      if (match(r)) this.#raw?.off(r.id);
      else keep.push(r);
    }
    if (keep.length) this.#listeners.set(event, keep);
    else this.#listeners.delete(event);
  }

  /**
   * Emits `event` with `args` (JSON values). Buffered while disconnected. socket.io style: if the last argument
   * is a function it is called with the server's ack response — `callback(response)`, only when the server
   * answers; or, with the `ackTimeout` option set, error-first `callback(err, response)`, also on timeout or
   * disconnect. Throws an {@link InboxRealtimeError} on a reserved event name, an oversized packet or a binary
   * argument (`binary_unsupported`).
   */
  emit(event: string, ...args: unknown[]): this {
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      const callback = last as (...a: unknown[]) => void;
      const sent = this.#emitWithAck(event, args.slice(0, -1), undefined);
      if (this.#errorFirstAcks) sent.then((response) => callback(null, response), (error) => callback(error));
      else sent.then((response) => callback(response), () => {});
      return this;
    }
    this.#outgo(event, args);
    this.#client().emit(event, args);
    return this;
  }

  /**
   * socket.io-client's `volatile`: `socket.volatile.emit(...)` sends only if connected now, and drops the emit
   * otherwise instead of buffering it (for what is stale by the time a connection returns: typing, presence).
   */
  get volatile(): { emit(event: string, ...args: unknown[]): SocketClient } {
    return {
      emit: (event: string, ...args: unknown[]) => {
        if (typeof args[args.length - 1] === 'function') {
          // With an ack callback: the ordinary emit, which sends at once when connected.
          if (this.connected) this.emit(event, ...args);
          return this;
        }
        this.#outgo(event, args);
        this.#client().emitVolatile(event, args);
        return this;
      },
    };
  }

  /** socket.io-client's `compress(flag)`: accepted for compatibility; the browser's WebSocket decides. */
  compress(_flag: boolean): this {
    return this;
  }

  /**
   * socket.io-client's Manager `reconnection()`: with no argument, whether automatic reconnection is on; with one,
   * turns it on or off from now on (off during a backoff wait stops the wait).
   */
  reconnection(): boolean;
  reconnection(on: boolean): this;
  reconnection(on?: boolean): boolean | this {
    if (on === undefined) return this.#client().reconnection;
    this.#client().setReconnection(on);
    return this;
  }

  /**
   * socket.io-client's `socket.io`: the {@link Manager} (the Engine.IO connection) this socket uses, with the
   * manager's events (`reconnect_attempt`, `reconnect`, `reconnect_error`, `reconnect_failed`, `error`) and
   * `reconnection()`. The reconnect events also reach the socket's own listeners, as they always did here.
   */
  get io(): Manager {
    this.#manager ??= Manager._adopt(this.#client().manager(), this.url, this.#options);
    return this.#manager;
  }

  /**
   * Emits and resolves with the server's first ack argument. Rejects with an {@link InboxRealtimeError}: code
   * `ack_timeout` after `ackTimeout`, `ack_disconnected` when the connection is lost first, `ack_dropped` when the
   * send buffer overflowed.
   */
  emitWithAck<T = unknown>(event: string, ...args: unknown[]): Promise<T> {
    return this.#emitWithAck<T>(event, args, undefined);
  }

  #emitWithAck<T>(event: string, args: unknown[], timeoutMs: number | undefined): Promise<T> {
    try {
      this.#outgo(event, args);
      return this.#client().emitWithAck(event, args, timeoutMs) as Promise<T>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** socket.io style `socket.timeout(5000).emitWithAck('event', data)`. */
  timeout(ms: number): TimedEmitter {
    return timedEmitter(
      (event, args) => void this.emit(event, ...args),
      (event, args) => this.#emitWithAck(event, args, ms),
    );
  }

  /** Joins `room` on the server (emits `join_room`); it is joined again after every reconnect. */
  joinRoom(room: string): void {
    if (this.#debug) logRoom('join', room);
    this.#client().joinRoom(room);
  }

  /** Leaves `room` (emits `leave_room`) and stops re-joining it. */
  leaveRoom(room: string): void {
    if (this.#debug) logRoom('leave', room);
    this.#client().leaveRoom(room);
  }

  /** Calls `listener` on every status change. Returns the unsubscribe function. */
  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    return this.on('status', listener);
  }

  /** The current connection state. */
  get status(): ConnectionStatus {
    return this.#client().status as ConnectionStatus;
  }

  /** Whether the namespace is connected. */
  get connected(): boolean {
    return this.#client().connected;
  }

  /** The Socket.IO session id while connected. */
  get id(): string | undefined {
    return this.#client().id;
  }

  /** Rooms this client is in (or will re-join), in join order. */
  get rooms(): string[] {
    return this.#client().rooms;
  }

  /** Number of listeners registered on the wasm client (for leak checks). */
  get listenerCount(): number {
    return this.#raw ? this.#raw.listenerCount : 0;
  }

  /** Whether {@link destroy} was called. */
  get destroyed(): boolean {
    return this.#raw === null;
  }

  /**
   * Disconnects, removes every listener (including the browser's online/offline/visibility ones), detaches any
   * attached {@link MessageStore} and frees the wasm object. Idempotent; any other call afterwards throws.
   */
  destroy(): void {
    const raw = this.#raw;
    if (!raw) return;
    for (const hook of [...this.#onDestroy]) hook();
    this.#onDestroy.clear();
    this.#removeBrowserHooks();
    this.removeAllListeners();
    raw.disconnect();
    this.#raw = null;
    rawClients.delete(this);
    raw.free();
    if (this.#ownsManager) this.#manager?._free();
    else this.#manager?._forget(this);
  }

  /** @internal The network is probably back (another tab saw it): a waiting reconnect goes now. */
  _wake(): void {
    this.#raw?.notifyWake();
  }

  /** @internal Used by MessageStore.attach so that destroying the client detaches the store first. */
  _onDestroy(hook: () => void): () => void {
    this.#onDestroy.add(hook);
    return () => this.#onDestroy.delete(hook);
  }

  #addBrowserHooks(): void {
    if (this.#browserHooks || typeof window === 'undefined' || typeof window.addEventListener !== 'function') return;
    const wake = () => this.#raw?.notifyWake();
    const offline = () => this.#raw?.notifyOffline();
    const visibility = () => {
      if (typeof document !== 'undefined' && document.visibilityState === 'visible') wake();
    };
    window.addEventListener('online', wake);
    window.addEventListener('offline', offline);
    if (typeof document !== 'undefined') document.addEventListener('visibilitychange', visibility);
    this.#browserHooks = () => {
      window.removeEventListener('online', wake);
      window.removeEventListener('offline', offline);
      if (typeof document !== 'undefined') document.removeEventListener('visibilitychange', visibility);
    };
  }

  #removeBrowserHooks(): void {
    this.#browserHooks?.();
    this.#browserHooks = null;
  }
}
