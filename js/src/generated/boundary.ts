// Generated from src/boundary and src/error_code.rs by `cargo test` (it fails when this file is stale;
// `UPDATE_GENERATED=1 cargo test boundary` rewrites it). Do not edit.

/** Connection state of a `SocketClient`. */
export type ConnectionStatus =
  | 'connecting'
  | 'connected'
  | 'reconnecting'
  | 'disconnected'
  | 'error';

/** Why a connection ended (`disconnect`), in socket.io-client's words. */
export type DisconnectReason =
  | 'io client disconnect'
  | 'io server disconnect'
  | 'ping timeout'
  | 'transport close'
  | 'transport error'
  | 'offline';

/** Delivery state, WhatsApp style: clock, one tick, two grey ticks, two blue ticks, or failed. */
export type MessageStatus =
  | 'pending'
  | 'sent'
  | 'delivered'
  | 'read'
  | 'failed';

/** `incoming` = from the customer, `outgoing` = from an agent. */
export type MessageDirection =
  | 'incoming'
  | 'outgoing';

/** Where an outbox send is: `waiting` (its turn or next attempt), `sending`, `failed` (Retry/Discard). */
export type OutboxState =
  | 'waiting'
  | 'sending'
  | 'failed';

/** Codes carried by `InboxRealtimeError`. */
export type ErrorCode =
  /** `emitWithAck`: no ack within the timeout. */
  | 'ack_timeout'
  /** `emitWithAck`: the connection was lost after the emit was sent; the server may or may not have handled it. */
  | 'ack_disconnected'
  /** `emitWithAck`: the emit was dropped from the full offline buffer. */
  | 'ack_dropped'
  /** A connection attempt failed (`connect_error`, `reconnect_error`); `data` holds the server's error data. */
  | 'connect_error'
  /**
   * An emit was refused: reserved event name, packet over the server's `maxPayload`, or not connected without
   * buffering.
   */
  | 'emit'
  /** An emit argument cannot be sent as JSON (a BigInt, a cycle). */
  | 'invalid_argument'
  /** A store event, history item or call argument is invalid; the store is unchanged. */
  | 'invalid_event'
  /** `handleEvent` got an event name the store does not know. */
  | 'unknown_event'
  /** No optimistic message with this client id is known. */
  | 'unknown_client_id'
  /** `retry` of a message that is not `failed`. */
  | 'not_failed'
  /** A text or id longer than the store's `maxTextChars` / `maxIdChars`. */
  | 'too_large'
  /** A frame from the server could not be decoded; it was ignored. */
  | 'malformed_packet'
  /** A packet for a namespace this connection did not join; ignored. */
  | 'wrong_namespace'
  /** An ack for an id that is not pending (timed out, or never sent); ignored. */
  | 'unknown_ack'
  /** A packet that makes no sense in the connection's state; ignored. */
  | 'unexpected_packet'
  /** The offline buffer was full; the oldest emit was dropped. */
  | 'buffer_overflow'
  /** An emit with binary arguments (this client speaks JSON only); set by the TS layer. */
  | 'binary_unsupported'
  /** The app's `resync` threw or rejected; the room may miss what was sent during the outage. */
  | 'resync_failed'
  /** A durable outbox record is not one (`restoreSend`, the IndexedDB outbox); nothing changed. */
  | 'outbox_record_invalid'
  /**
   * A saved conversation (the IndexedDB copy of a room) this version cannot read; skipped and dropped. Set by the TS
   * layer.
   */
  | 'cache_record_invalid';

/**
 * A chat message as the store hands it out. Objects are frozen in practice: never mutate them; the store returns the
 * same object until that message changes, so `React.memo` on a message row works.
 */
export interface Message {
  /** Stable across the optimistic → confirmed replacement: use it as the React `key`. */
  readonly key: string;
  /** The server's id; for a message not yet confirmed, its client id. */
  readonly id: string;
  readonly room_id: string;
  readonly text: string;
  /** The agent who sent it; `null` for the customer. */
  readonly user_id: string | null;
  readonly direction: MessageDirection;
  readonly status: MessageStatus;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  /** The client id of the send this message is or confirms (sent from this client); `null` otherwise. */
  readonly client_id: string | null;
  /** Why a send failed (`status === 'failed'`, or a retry is waiting); `null` otherwise. */
  readonly error: string | null;
  /** Set when the text was longer than the store's `maxTextChars`: `text` holds its start, this its full length. */
  readonly text_truncated?: number;
  /**
   * `true` on a message shown from this device's saved copy of the room (a reload opens it at once) that the server has
   * not sent again since; absent otherwise.
   */
  readonly cached?: boolean;
  /** Any other field the server sent (`contact_name`, `from`, …) is kept. */
  readonly [field: string]: unknown;
}

/** One line of the inbox sidebar. */
export interface RoomSummary {
  readonly room_id: string;
  /**
   * The customer's name: the `contact_name` of the newest message (live or history) that carried one, `null` if none
   * did. Agent sends carry no name and leave it as it is, so the sidebar does not flip to the phone number.
   */
  readonly contact_name: string | null;
  readonly last_message: Message | null;
  readonly unread: number;
  /** Changes whenever the room changes. */
  readonly version: number;
  /** Whether older history may exist. */
  readonly has_more: boolean;
  /** Who is typing in the room now (names, else ids). */
  readonly typing: ReadonlyArray<string>;
}

/** What `WasmMessageStore.watch` returns: a room as it is; its `RoomChanges` apply from there. */
export interface RoomState {
  /** Oldest first. */
  readonly messages: ReadonlyArray<Message>;
  /** Who is typing (names, else ids). */
  readonly typing: ReadonlyArray<string>;
  /** Whether older history may exist. */
  readonly has_more: boolean;
  readonly unread: number;
}

/** What changed in one watched room during one input. */
export interface RoomChanges {
  readonly room_id: string;
  /**
   * List operations in order; each position is a display position in the list as it stands after the previous
   * operations.
   */
  readonly ops: ReadonlyArray<readonly ['insert', number, Message] | readonly ['update', number, Message] | readonly ['remove', number] | readonly ['reset', ReadonlyArray<Message>]>;
  /** Who is typing now, when that changed. */
  readonly typing?: ReadonlyArray<string>;
  /** When it changed. */
  readonly has_more?: boolean;
  /** When it changed. */
  readonly unread?: number;
}

/**
 * The one batch the wasm store pushes to its view after an input that changed something watched (plain data: a worker
 * or another tab could receive it as it is).
 */
export interface ChangeBatch {
  /** Watched rooms that changed. */
  readonly rooms: ReadonlyArray<RoomChanges>;
  /** Summaries of the rooms that changed, while the inbox is watched. */
  readonly inbox: ReadonlyArray<RoomSummary>;
}

/** A history item `mergeHistory` skipped: its index in the page, and why. */
export interface HistoryRejection {
  readonly index: number;
  readonly error: string;
}

/** What `MessageStore.mergeHistory` did with a page. */
export interface HistoryReport {
  readonly added: number;
  readonly updated: number;
  readonly unchanged: number;
  /** Items skipped because they were invalid; the rest of the page was merged. */
  readonly rejected: ReadonlyArray<HistoryRejection>;
}

/** What `MessageStore.retry` hands back to send again (same `client_id`: servers can deduplicate). */
export interface RetryInfo {
  readonly room_id: string;
  readonly text: string;
  readonly user_id: string | null;
  readonly client_id: string;
}

/** Passed to `MessageStore.onSendFailed` listeners. */
export interface SendFailure {
  readonly room_id: string;
  readonly client_id: string;
  readonly reason: string;
}

/** Passed to `MessageStore.onSent` listeners: an outbox send the server accepted. */
export interface SendAccepted {
  readonly room_id: string;
  readonly client_id: string;
  /** What the sender resolved with (`undefined` when the echo arrived first). */
  readonly response: unknown;
}

/** A send the server has not accepted yet (`MessageStore.outbox`). */
export interface OutboxEntry {
  readonly client_id: string;
  readonly room_id: string;
  readonly text: string;
  readonly user_id: string | null;
  /** When it was made (or retried), ms. */
  readonly created: number;
  readonly attempts: number;
  /** Earliest next attempt, ms (while `waiting`). */
  readonly next_attempt: number;
  readonly state: OutboxState;
  /** Why the last attempt failed. */
  readonly last_error: string | null;
  /** `waiting` after a failed attempt: retried automatically, at once when the network comes back. */
  readonly waiting_for_network: boolean;
}

/** What the outbox hands the app's `OutboxSender`: the same `client_id` on every attempt. */
export interface SendPayload {
  /** The room. */
  readonly to: string;
  readonly text: string;
  readonly user_id: string | null;
  readonly client_id: string;
}

/** Passed to `connect` listeners. `recovered`: the server restored the session (no events missed). */
export interface ConnectInfo {
  /** Socket.IO session id. */
  readonly sid: string;
  readonly recovered: boolean;
}
