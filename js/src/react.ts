'use client';
/**
 * React hooks for inbox-realtime (React ≥ 18; Next.js app router: this file is a client module).
 *
 * ```tsx
 * const { socket, isConnected } = useSocket();
 * const { messages, isTyping, sendMessage } = useRealtimeMessages({ socket, roomId, isConnected,
 *   sendMessage: ApiService.sendMessage });
 * ```
 *
 * One connection per URL and identity is shared by every component (reference-counted; closed shortly after the
 * last user unmounts) and, by default, by every tab of the browser: one tab holds the socket, store and outbox and
 * serves the others (`inbox-realtime/tabs`; `shareAcrossTabs: false` gives a tab its own).
 *
 * @module
 */
export { getSharedSocket, getMessageStore } from './hooks/shared.js';
export { useSocket, clearLocalData, type UseSocketOptions, type UseSocketResult } from './hooks/use-socket.js';
export {
  HttpError,
  restSender,
  restHistoryLoader,
  restResyncLoader,
  type SendPayload,
  type HistoryPage,
  type SendFunction,
  type HistoryLoader,
  type ResyncFunction,
  type ResyncResult,
  type ResyncLoaderOptions,
} from './hooks/rest.js';
export {
  useRealtimeMessages,
  type UseRealtimeMessagesOptions,
  type UseRealtimeMessagesResult,
  type SendResult,
} from './hooks/use-realtime-messages.js';
export { useInbox, type UseInboxResult } from './hooks/use-inbox.js';
export { TabSocket } from './tabs/socket.js';
export { isWaitingForNetwork } from './index.js';
export type { OutboxDurability } from './durable.js';
export type { OutboxEntry, SendOutcome } from './index.js';
