'use client';
// useInbox: the conversations, newest activity first, with unread counts.
import { useCallback, useMemo, useSyncExternalStore } from 'react';
import type { RoomSummary, SocketClient } from '../index.js';
import type { TabSocket } from '../tabs/socket.js';
import { EMPTY_ROOMS, getMessageStore, noopUnsubscribe } from './shared.js';

/** What {@link useInbox} returns. */
export interface UseInboxResult {
  /** Newest activity first; the same array until something changes. */
  rooms: readonly RoomSummary[];
  /** Sets the room's unread count to 0. */
  markRead: (roomId: string) => void;
}

/** The inbox sidebar: every room the store knows, with its last message and unread count. */
export function useInbox({ socket }: { socket: SocketClient | TabSocket | null }): UseInboxResult {
  const store = useMemo(() => (socket && !socket.destroyed ? getMessageStore(socket) : null), [socket]);
  const subscribe = useMemo(
    () => (store ? (cb: () => void) => store.subscribe('*', cb) : noopUnsubscribe),
    [store],
  );
  const rooms = useSyncExternalStore(
    subscribe,
    () => (store && !store.destroyed ? store.rooms() : EMPTY_ROOMS),
    () => EMPTY_ROOMS,
  );
  const markRead = useCallback(
    (roomId: string) => {
      if (store && !store.destroyed) store.markRead(roomId);
    },
    [store],
  );
  return { rooms, markRead };
}
