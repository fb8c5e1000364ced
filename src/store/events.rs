//! Change notifications, queued during a mutation and drained afterwards (Rust never calls JS mid-mutation).

use crate::fifo::Fifo;
use crate::index_map::FastSet;

/// Something a subscriber may want to react to. Drain with
/// [`MessageStore::poll_event`](super::MessageStore::poll_event) after each call into the store.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StoreEvent {
    /// The room's messages, unread count or `has_more` changed (its `version` was bumped). Coalesced: at most one
    /// per room is queued until drained.
    RoomChanged {
        /// The room.
        room_id: String,
    },
    /// The set of users typing in the room changed (its `version` was bumped). Coalesced like `RoomChanged`.
    TypingChanged {
        /// The room.
        room_id: String,
    },
    /// An optimistic send failed: by `mark_failed`, or because it was not confirmed within `pending_timeout_ms`
    /// (reason `"timeout"`). The message was removed, or kept as `failed` with `keep_failed`.
    SendFailed {
        /// The room.
        room_id: String,
        /// The optimistic message's client id (= its `key`).
        client_id: String,
        /// Why.
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct EventQueue {
    queue: Fifo<StoreEvent>,
    /// Coalescable events currently queued.
    queued: FastSet<StoreEvent>,
}

impl EventQueue {
    pub(crate) fn push(&mut self, e: StoreEvent) {
        let coalesce = !matches!(e, StoreEvent::SendFailed { .. });
        if coalesce {
            if self.queued.contains(&e) {
                return;
            }
            self.queued.insert(e.clone());
        }
        self.queue.push_back(e);
    }

    pub(crate) fn pop(&mut self) -> Option<StoreEvent> {
        let e = self.queue.pop_front()?;
        self.queued.remove(&e);
        Some(e)
    }

    pub(crate) fn len(&self) -> usize {
        self.queue.len()
    }
}
