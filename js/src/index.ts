/**
 * inbox-realtime: a Socket.IO v4 client and a chat message store, written in Rust and compiled to WebAssembly.
 *
 * ```ts
 * import { init, SocketClient, MessageStore } from 'inbox-realtime';
 * await init();                       // once; memoized, safe to call from every component
 * const socket = new SocketClient('https://api.example.com');
 * const store = new MessageStore();
 * store.attach(socket);               // new_message / message_status_update / typing_indicator → store
 * socket.joinRoom('15550001111');
 * ```
 *
 * Importing this module has no side effects: it touches no `window`, `document` or `WebSocket` until a client is
 * created, so it is safe to import from server-rendered code. Create clients only in the browser (an effect).
 *
 * @module
 */
import wasmInit, { WasmMessageStore, WasmSocketClient } from '../wasm/inbox_realtime.js';
import { logClientEvents, logRoom } from './debug.js';
import { inboxError, type InboxRealtimeError } from './errors.js';
import { Manager } from './manager.js';
import { StoreView, type RoomView } from './view.js';
import { Waiters } from './waiters.js';

export { isInboxRealtimeError, type InboxRealtimeError } from './errors.js';
export { Manager, io, type ManagerOptions, type SocketOptions, type ManagerEvents, type IoOptions } from './manager.js';
import type {
  ChangeBatch,
  ConnectInfo,
  ConnectionStatus,
  DisconnectReason,
  ErrorCode,
  HistoryReport,
  Message,
  OutboxEntry,
  RetryInfo,
  RoomSummary,
  SendAccepted,
  SendFailure,
  SendPayload,
} from './generated/boundary.js';

// What crosses the wasm boundary: generated from the Rust definitions (src/boundary, src/error_code.rs).
export type * from './generated/boundary.js';

// ---------------------------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------------------------

/** What `init()` accepts: the URL of `inbox_realtime_bg.wasm`, its bytes, a `fetch` response or a compiled module. */
export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

/**
 * What a {@link ResyncFunction} hands back: the messages (any order), or a page `{messages, has_more}` (its
 * `has_more` is informational: the store keeps its own "older history" flag).
 */
export type ResyncResult = readonly unknown[] | { readonly messages: readonly unknown[]; readonly has_more?: boolean };

/**
 * Called by the store after a reconnect the server did not recover, once per joined room: load what the room got
 * since `sinceMs`: the newest server message's timestamp minus `resyncOverlapMs` (0 if none; earlier while a sent
 * message is not yet read, for its ticks). Return everything with `timestamp >= sinceMs`; the merge drops what it has.
 */
export type ResyncFunction = (roomId: string, sinceMs: number) => ResyncResult | Promise<ResyncResult>;

/** The final outcome of a queued send ({@link MessageStore.outcome}); never rejects. */
export type SendOutcome =
  | { ok: true; clientId: string; response: unknown }
  | { ok: false; clientId: string; error: Error; discarded?: boolean };

/**
 * The app's send for the outbox: receives `{to, text, user_id, client_id}` (the same `client_id` on every attempt)
 * and resolves (accepted, optionally with `{id}`) or rejects. A rejection is retried unless the error says
 * `retryable: false` or has an HTTP `status` (or `response.status`) that is a 4xx other than 408/429;
 * `retryAfterMs` on the error delays the next attempt.
 */
export type OutboxSender = (payload: SendPayload) => Promise<unknown>;

/** Whether a message is an outbox send waiting for the network: still `pending`, its last attempt failed. */
export function isWaitingForNetwork(message: Message): boolean {
  return message.status === 'pending' && message.error != null;
}

/** `auth` of the CONNECT packet: an object, or a function (sync or async) run on every (re)connect. */
export type AuthOption =
  | Record<string, unknown>
  | ((
      callback: (auth: Record<string, unknown>) => void,
    ) => Record<string, unknown> | null | undefined | void | Promise<Record<string, unknown> | null | undefined>);

/**
 * The `auth` function in both styles: socket.io-client's `(cb) => cb({...})`, and returning the payload (or a
 * promise of it). A thrown error or rejection stops the attempt with `connect_error`.
 */
export function authFunction(auth: AuthOption | null | undefined): AuthOption | null | undefined {
  if (typeof auth !== 'function') return auth;
  return () =>
    new Promise((resolve) => {
      const returned = auth(resolve);
      if (returned !== undefined) resolve(returned as Record<string, unknown>);
    });
}

/** Options of {@link SocketClient}; defaults follow socket.io-client 4.8. */
export interface ClientOptions {
  /** Engine.IO path. Default `/socket.io/`. */
  path?: string;
  /** Socket.IO namespace. Default: the URL's path (`http://host/admin` → `/admin`), else `/`. */
  namespace?: string;
  /**
   * Query parameters sent with every Engine.IO request (the server's `socket.handshake.query`), added to the URL's
   * own query string.
   */
  query?: Record<string, string | number | boolean>;
  /** Sent in the CONNECT packet (browsers cannot set WebSocket headers). Re-read on every connect. */
  auth?: AuthOption;
  /** Reconnect after a lost connection. Default `true`. */
  reconnection?: boolean;
  /** Give up after this many attempts (then `reconnect_failed`). Default unlimited. */
  reconnectionAttempts?: number;
  /** First backoff delay, ms. Default 1000. */
  reconnectionDelay?: number;
  /** Backoff cap, ms. Default 5000. */
  reconnectionDelayMax?: number;
  /** Jitter, 0..1. Default 0.5. */
  randomizationFactor?: number;
  /** Connect timeout, ms. Default 20000. */
  timeout?: number;
  /**
   * Default timeout of acks, ms (10000 when not set). As in socket.io-client, setting it makes the callback of
   * `emit(event, ...args, callback)` error-first — `callback(err, response)`, called with an error on timeout or
   * disconnect; without it the callback gets `(response)` only when the server answers.
   */
  ackTimeout?: number;
  /** Buffer emits while disconnected and flush them on connect. */
  bufferWhenDisconnected?: boolean;
  /** Most packets buffered while disconnected. */
  maxBuffered?: number;
  /**
   * socket.io-client's `retries`: when above 0, emits go out one at a time, in order, each waiting for the
   * server's ack (every event handler must ack), and one not acked within `ackTimeout` or lost with the
   * connection is sent again, up to this many more times. Default 0 (off).
   */
  retries?: number;
  /** Transports in order of preference. Default `['websocket', 'polling']`. */
  transports?: ('websocket' | 'polling')[];
  /**
   * Connect in the constructor, like socket.io-client's `io()`. Default `true`. With `false`, call `connect()`.
   * Only the JS face reads this option.
   */
  autoConnect?: boolean;
  /**
   * Log the connection and the chat events to the console, in the original inbox's words: `✅ Socket connected:
   * <id>`, `❌ Socket connection error: …`, `🔌 Socket disconnected: <reason>`, `📨 Joining room: <room>`,
   * `📩 New message: {…}` (also status updates and typing). For development; default `false` (silent).
   */
  debug?: boolean;
}

/** Options of {@link MessageStore}. */
export interface StoreOptions {
  /** An echo without `client_id` confirms a pending send with the same room, user and text within this window. Default 60000. */
  matchWindowMs?: number;
  /** Keep failed sends in the list (status `failed`, with `error`) instead of removing them. Default `false`. */
  keepFailed?: boolean;
  /** A send neither confirmed nor failed after this long is marked failed. Default 60000. */
  pendingTimeoutMs?: number;
  /** A typing indicator without a stop expires after this long. Default 3000. */
  typingTimeoutMs?: number;
  /** Keep at most this many messages per room (oldest dropped). Default unbounded. */
  maxMessagesPerRoom?: number;
  /** Prefix of generated client ids. Default random per store. */
  clientIdPrefix?: string;
  /**
   * A resync after an outage asks for history from this long before the newest server message held, because
   * timestamps are not arrival order (whole-second WhatsApp stamps, late webhooks). Default 60000.
   */
  resyncOverlapMs?: number;
  /**
   * Longest text held, in Unicode code points. A received message with a longer text is kept, its text cut to
   * this length and its original length in `text_truncated`; a `sendMessage` with a longer text is refused
   * (`too_large`). Default 1000000 (a stock socket.io server accepts at most 1 MB from a sender).
   */
  maxTextChars?: number;
  /** Longest id (message, room, user, client id) accepted; a message with a longer one is refused (`too_large`). Default 256. */
  maxIdChars?: number;
  /** Timestamps further in the future than this are refused (clock skew tolerance). Default 86400000 (1 day). */
  maxFutureMs?: number;
  /** Status updates for messages not yet received are held (at most this many, oldest evicted) until they arrive. Default 1000. */
  maxHeldUpdates?: number;
  /** A held status update is dropped after this long. Default 300000 (5 min). */
  heldMaxAgeMs?: number;
  /** An outbox send not accepted this long after it was made becomes `failed` (text kept). Default 86400000 (24 h). */
  sendGiveUpMs?: number;
  /** An outbox attempt without an answer after this long is retried. Default 30000. */
  sendAttemptTimeoutMs?: number;
  /** First delay after a transient send failure; doubles up to `sendRetryDelayMaxMs`, then ±50 % jitter. Default 1000. */
  sendRetryDelayMs?: number;
  /** Cap of the retry delay (before jitter). Default 30000. */
  sendRetryDelayMaxMs?: number;
  /** The device copy of an opened room keeps its newest this many messages. Default 50. */
  cacheMessagesPerRoom?: number;
  /** The device copies of all rooms hold at most this many messages; least recently opened rooms go first. Default 1000. */
  cacheMaxMessages?: number;
}

/** A saved room copy, as {@link MessageStore.cacheEvictions} weighs it. */
export interface CachedRoomInfo {
  room_id: string;
  /** When the agent last opened it (ms). */
  opened_at: number;
  /** Messages in the copy. */
  messages: number;
}

/** Listener signatures of the client's own events; server events take `(...args: any[])`. */
export interface ReservedEvents {
  status: (status: ConnectionStatus) => void;
  connect: (info: ConnectInfo) => void;
  disconnect: (reason: DisconnectReason) => void;
  connect_error: (error: InboxRealtimeError) => void;
  reconnect_attempt: (attempt: number) => void;
  reconnect: (attempts: number) => void;
  reconnect_error: (error: InboxRealtimeError) => void;
  reconnect_failed: () => void;
  rooms_rejoined: (rooms: string[]) => void;
  error: (error: InboxRealtimeError) => void;
}

/** A listener for `event`: typed for the reserved events, `(...args: any[]) => void` for server events. */
export type Listener<E extends string> = E extends keyof ReservedEvents ? ReservedEvents[E] : (...args: any[]) => void;

// ---------------------------------------------------------------------------------------------------------------
// init
// ---------------------------------------------------------------------------------------------------------------

let initPromise: Promise<void> | undefined;
let ready = false;

/**
 * Loads the WebAssembly module. Call (and await) it before creating a {@link SocketClient} or {@link MessageStore}.
 * Memoized: every call returns the same promise, so components may call it in their effects freely (React
 * StrictMode's double effects instantiate once). Only the first call's `input` is used; a failed load may be
 * retried by calling again.
 *
 * Without `input`, the `.wasm` file next to the package's glue code is fetched via
 * `new URL('inbox_realtime_bg.wasm', import.meta.url)`, which webpack 5 and Turbopack resolve at build time. Pass
 * a URL (e.g. a copy in `public/`), the bytes (Node: `readFileSync(...)`), a `Response` or a compiled module to
 * override.
 */
export function init(input?: InitInput | Promise<InitInput>): Promise<void> {
  if (!initPromise) {
    // No argument at all, so the glue's own single-level `new URL(..., import.meta.url)` is what bundlers see.
    const loading = input === undefined ? wasmInit() : wasmInit({ module_or_path: input });
    initPromise = loading.then(
      () => {
        ready = true;
      },
      (error: unknown) => {
        initPromise = undefined;
        throw error;
      },
    );
  }
  return initPromise;
}

// ---------------------------------------------------------------------------------------------------------------
// Preconnect
// ---------------------------------------------------------------------------------------------------------------

/** Options of {@link preconnect}: the `path` must be the one the client will use. */
export interface PreconnectOptions {
  /** Engine.IO path. Default `/socket.io/`. */
  path?: string;
  /** The client's `query` option (the socket is adopted only by a client whose Engine.IO URL is the same). */
  query?: ClientOptions['query'];
  /** Close the socket if no client adopted it by then. Default 10 000 ms. */
  timeoutMs?: number;
}

/** What the wasm transport looks for (by exact Engine.IO URL) when it opens: see `src/web/transport.rs`. */
interface EarlySocket {
  ws: WebSocket;
  /** What happened before adoption, in order: `['open']`, `['message', data]`, `['error']`, `['close']`. */
  events: unknown[][];
}

const PRECONNECT = Symbol.for('inbox-realtime.preconnect');

function earlySockets(): Map<string, EarlySocket> {
  const g = globalThis as { [PRECONNECT]?: Map<string, EarlySocket> };
  return (g[PRECONNECT] ??= new Map());
}

/** The WebSocket URL the client opens for `url` and `path` (mirrors `Config::endpoint_url` in Rust). */
function engineUrl(url: string, path = '/socket.io/', query = ''): string {
  const trimmed = url.trim();
  const at = trimmed.indexOf('://');
  const scheme = at >= 0 ? trimmed.slice(0, at) : 'http';
  const rest = at >= 0 ? trimmed.slice(at + 3) : trimmed;
  const secure = /^(https|wss)$/i.test(scheme);
  let out = `${secure ? 'wss' : 'ws'}://${rest.split(/[/?#]/)[0]}${path.startsWith('/') ? '' : '/'}${path}`;
  if (!out.endsWith('/')) out += '/';
  const beforeHash = rest.split('#')[0] ?? '';
  const q = beforeHash.indexOf('?');
  const queries = [q >= 0 ? beforeHash.slice(q + 1) : '', query].filter((s) => s !== '');
  return `${out}?EIO=4&transport=websocket${queries.map((s) => `&${s}`).join('')}`;
}

/** The `query` option as URL-encoded text. */
export function encodeQuery(query: ClientOptions['query']): string {
  if (!query) return '';
  return Object.entries(query)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
}

/**
 * Opens the client's WebSocket now, while the wasm module loads, so the connection's slowest part (TCP, the HTTP
 * upgrade, Engine.IO's open packet) overlaps the download and compile instead of following them. The first
 * {@link SocketClient} created for the same URL and `path` adopts the socket and replays what it received in
 * order; unadopted, it is closed after `timeoutMs`. Needs no {@link init}. `useSocket` calls it for you.
 */
export function preconnect(url: string, options: PreconnectOptions = {}): void {
  if (typeof WebSocket === 'undefined') return;
  const key = engineUrl(url, options.path, encodeQuery(options.query));
  const sockets = earlySockets();
  if (sockets.has(key)) return;
  let ws: WebSocket;
  try {
    ws = new WebSocket(key);
  } catch {
    return; // an invalid URL: the client will report it
  }
  ws.binaryType = 'arraybuffer';
  const early: EarlySocket = { ws, events: [] };
  // Properties, not listeners: the adopting transport sets its own, which replaces these.
  ws.onopen = () => early.events.push(['open']);
  ws.onmessage = (e: MessageEvent) => early.events.push(['message', e.data]);
  ws.onerror = () => early.events.push(['error']);
  ws.onclose = () => early.events.push(['close']);
  sockets.set(key, early);
  setTimeout(() => {
    if (sockets.get(key) !== early) return; // adopted
    sockets.delete(key);
    ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
    ws.close();
  }, options.timeoutMs ?? 10_000);
}

/** Whether {@link init} has completed. */
export function isReady(): boolean {
  return ready;
}

export function assertReady(what: string): void {
  if (!ready) {
    throw new Error(`inbox-realtime: call await init() before creating a ${what}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// SocketClient
// ---------------------------------------------------------------------------------------------------------------

interface Registration {
  readonly fn: Function;
  readonly id: number;
}

/** The raw wasm objects behind the wrappers, for `MessageStore.attach` (kept out of the public surface). */
const rawClients = new WeakMap<SocketClient, WasmSocketClient>();

/** Emits with an explicit ack timeout; see {@link SocketClient.timeout}. */
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

export interface TimedEmitter {
  /** Like {@link SocketClient.emitWithAck}, failing with code `ack_timeout` after the chosen delay. */
  emitWithAck<T = unknown>(event: string, ...args: unknown[]): Promise<T>;
  /** socket.io style: the last argument is called as `(err, response)`. */
  emit(event: string, ...args: unknown[]): void;
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
    return {
      emitWithAck: <T = unknown>(event: string, ...args: unknown[]) => this.#emitWithAck<T>(event, args, ms),
      emit: (event: string, ...args: unknown[]) => {
        const last = args[args.length - 1];
        if (typeof last !== 'function') {
          this.emit(event, ...args);
          return;
        }
        const callback = last as (error: Error | null, response?: unknown) => void;
        this.#emitWithAck(event, args.slice(0, -1), ms).then(
          (response) => callback(null, response),
          (error: Error) => callback(error),
        );
      },
    };
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

// ---------------------------------------------------------------------------------------------------------------
// MessageStore
// ---------------------------------------------------------------------------------------------------------------

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
