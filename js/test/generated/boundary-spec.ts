// Generated from src/boundary and src/error_code.rs by `cargo test` (it fails when this file is stale;
// `UPDATE_GENERATED=1 cargo test boundary` rewrites it). Do not edit.

export const UNIONS: Record<string, readonly string[]> = {
  ConnectionStatus: ['connecting', 'connected', 'reconnecting', 'disconnected', 'error'],
  DisconnectReason: ['io client disconnect', 'io server disconnect', 'ping timeout', 'transport close', 'transport error', 'offline'],
  MessageStatus: ['pending', 'sent', 'delivered', 'read', 'failed'],
  MessageDirection: ['incoming', 'outgoing'],
  OutboxState: ['waiting', 'sending', 'failed'],
  ErrorCode: ['ack_timeout', 'ack_disconnected', 'ack_dropped', 'connect_error', 'emit', 'invalid_argument', 'invalid_event', 'unknown_event', 'unknown_client_id', 'not_failed', 'too_large', 'malformed_packet', 'wrong_namespace', 'unknown_ack', 'unexpected_packet', 'buffer_overflow', 'binary_unsupported', 'resync_failed', 'outbox_record_invalid', 'cache_record_invalid'],
};

/** Per shape: `open` (keeps unknown fields) and each field's TS type, `?` when optional. */
export const SHAPES: Record<string, { open: boolean; fields: Record<string, string> }> = {
  Message: {
    open: true,
    fields: {
      key: 'string',
      id: 'string',
      room_id: 'string',
      text: 'string',
      user_id: 'string | null',
      direction: 'MessageDirection',
      status: 'MessageStatus',
      timestamp: 'number',
      client_id: 'string | null',
      error: 'string | null',
      text_truncated: 'number?',
      cached: 'boolean?',
    },
  },
  RoomSummary: {
    open: false,
    fields: {
      room_id: 'string',
      contact_name: 'string | null',
      last_message: 'Message | null',
      unread: 'number',
      version: 'number',
      has_more: 'boolean',
      typing: 'ReadonlyArray<string>',
    },
  },
  RoomState: {
    open: false,
    fields: {
      messages: 'ReadonlyArray<Message>',
      typing: 'ReadonlyArray<string>',
      has_more: 'boolean',
      unread: 'number',
    },
  },
  RoomChanges: {
    open: false,
    fields: {
      room_id: 'string',
      ops: 'ReadonlyArray<readonly [\'insert\', number, Message] | readonly [\'update\', number, Message] | readonly [\'remove\', number] | readonly [\'reset\', ReadonlyArray<Message>]>',
      typing: 'ReadonlyArray<string>?',
      has_more: 'boolean?',
      unread: 'number?',
    },
  },
  ChangeBatch: {
    open: false,
    fields: {
      rooms: 'ReadonlyArray<RoomChanges>',
      inbox: 'ReadonlyArray<RoomSummary>',
    },
  },
  HistoryRejection: {
    open: false,
    fields: {
      index: 'number',
      error: 'string',
    },
  },
  HistoryReport: {
    open: false,
    fields: {
      added: 'number',
      updated: 'number',
      unchanged: 'number',
      rejected: 'ReadonlyArray<HistoryRejection>',
    },
  },
  RetryInfo: {
    open: false,
    fields: {
      room_id: 'string',
      text: 'string',
      user_id: 'string | null',
      client_id: 'string',
    },
  },
  SendFailure: {
    open: false,
    fields: {
      room_id: 'string',
      client_id: 'string',
      reason: 'string',
    },
  },
  SendAccepted: {
    open: false,
    fields: {
      room_id: 'string',
      client_id: 'string',
      response: 'unknown',
    },
  },
  OutboxEntry: {
    open: false,
    fields: {
      client_id: 'string',
      room_id: 'string',
      text: 'string',
      user_id: 'string | null',
      created: 'number',
      attempts: 'number',
      next_attempt: 'number',
      state: 'OutboxState',
      last_error: 'string | null',
      waiting_for_network: 'boolean',
    },
  },
  SendPayload: {
    open: false,
    fields: {
      to: 'string',
      text: 'string',
      user_id: 'string | null',
      client_id: 'string',
    },
  },
  ConnectInfo: {
    open: false,
    fields: {
      sid: 'string',
      recovered: 'boolean',
    },
  },
};
