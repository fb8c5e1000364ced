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
export { isInboxRealtimeError, type InboxRealtimeError } from './errors.js';
export { Manager, io, type ManagerOptions, type SocketOptions, type ManagerEvents, type IoOptions } from './manager.js';
export { init, isReady, assertReady, type InitInput } from './init.js';
export { preconnect, encodeQuery, type PreconnectOptions } from './preconnect.js';
export {
  authFunction,
  isWaitingForNetwork,
  type AuthOption,
  type CachedRoomInfo,
  type ClientOptions,
  type Listener,
  type OutboxSender,
  type ReservedEvents,
  type ResyncFunction,
  type ResyncResult,
  type SendOutcome,
  type StoreOptions,
} from './options.js';
export { SocketClient, subscription, type Subscription, type TimedEmitter } from './client.js';
export { MessageStore } from './store.js';

// What crosses the wasm boundary: generated from the Rust definitions (src/boundary, src/error_code.rs).
export type * from './generated/boundary.js';
