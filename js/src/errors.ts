// The package's one error type: made here, thrown or reported by the client, the store, the outbox and the cache.
import type { ErrorCode } from './generated/boundary.js';

/** The errors this package throws and reports: real `Error`s with a `code` to branch on. */
export interface InboxRealtimeError extends Error {
  readonly name: 'InboxRealtimeError';
  readonly code: ErrorCode;
  /** On `connect_error`: the data the server's middleware attached to the error. */
  readonly data?: unknown;
}

/** Whether `value` is an {@link InboxRealtimeError}. */
export function isInboxRealtimeError(value: unknown): value is InboxRealtimeError {
  return value instanceof Error && value.name === 'InboxRealtimeError';
}

/** An {@link InboxRealtimeError} with `code`. */
export function inboxError(code: ErrorCode, message: string): InboxRealtimeError {
  return Object.assign(new Error(message), { name: 'InboxRealtimeError' as const, code });
}
