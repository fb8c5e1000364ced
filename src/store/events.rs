//! Change notifications, queued during a mutation and drained afterwards (Rust never calls JS mid-mutation).

use std::sync::Arc;

use std::collections::VecDeque;

/// Something a subscriber may want to react to. Drain with
/// [`MessageStore::poll_event`](super::MessageStore::poll_event) after each call into the store.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StoreEvent {
    /// The room's messages, unread count or `has_more` changed (its `version` was bumped). Coalesced: at most one
    /// per room is queued until drained.
    RoomChanged {
        /// The room (the store's shared copy of its id).
        room_id: Arc<str>,
    },
    /// The set of users typing in the room changed (its `version` was bumped). Coalesced like `RoomChanged`.
    TypingChanged {
        /// The room (the store's shared copy of its id).
        room_id: Arc<str>,
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
    /// An outbox send was accepted by the server (its result, `mark_sent`, or its echo): it left the outbox.
    Sent {
        /// The room.
        room_id: String,
        /// The send's client id.
        client_id: String,
    },
}

#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct EventQueue {
    queue: VecDeque<StoreEvent>,
}

impl EventQueue {
    /// Queues `e`, unless it is a room or typing change already queued. Coalescing scans the queue: it is drained
    /// after every call into the store, so it holds a few events, and room ids are each room's one shared `Arc`,
    /// so a match is found by pointer (`Arc`'s equality checks that first). A set beside it cost an id copy and
    /// two hashes per event. The price: a single call that changes `n` rooms (a timeout sweep) scans O(n²).
    pub(crate) fn push(&mut self, e: StoreEvent) {
        let coalesce = !matches!(e, StoreEvent::SendFailed { .. } | StoreEvent::Sent { .. });
        if coalesce && self.queue.iter().any(|queued| *queued == e) {
            return;
        }
        self.queue.push_back(e);
    }

    pub(crate) fn pop(&mut self) -> Option<StoreEvent> {
        self.queue.pop_front()
    }

    pub(crate) fn len(&self) -> usize {
        self.queue.len()
    }
}
