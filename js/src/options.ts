// The options and callback types of the client and the store, and the small helpers that read them.
import type { InboxRealtimeError } from './errors.js';
import type { ConnectInfo, ConnectionStatus, DisconnectReason, Message, SendPayload } from './generated/boundary.js';

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
