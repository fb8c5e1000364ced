//! Result types of the store's entry points.

use super::error::StoreError;
use super::model::Message;
use super::typing::TypingUser;

/// What [`ingest_message`](super::MessageStore::ingest_message) did with a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ingested {
    /// A new message was added.
    Inserted,
    /// A message with the same id existed and changed (merged; status never regresses).
    Updated,
    /// The message confirmed the optimistic send `client_id`, which it replaced (same `key`).
    ReplacedOptimistic {
        /// The optimistic message's client id (= the `key` the message keeps).
        client_id: String,
    },
    /// A message with the same id existed and nothing changed.
    Duplicate,
}

/// What [`apply_status_update`](super::MessageStore::apply_status_update) did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusOutcome {
    /// The message's status changed.
    Applied,
    /// The message is there but the update does not move its status forward.
    Unchanged,
    /// The message is not in the store yet; the update is held and applied when it arrives.
    Held,
}

/// What [`handle_event`](super::MessageStore::handle_event) did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled {
    /// A `new_message`.
    Message(Ingested),
    /// A `message_status_update`.
    Status(StatusOutcome),
    /// A `typing_indicator`; `changed` tells whether the visible typing set changed.
    Typing {
        /// Whether the room's typing users changed.
        changed: bool,
    },
}

/// Result of [`merge_history`](super::MessageStore::merge_history).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HistoryReport {
    /// Items that were new (including ones that confirmed an optimistic send).
    pub added: usize,
    /// Items that updated a message already there.
    pub updated: usize,
    /// Items already there unchanged.
    pub unchanged: usize,
    /// Rejected items: (index in the page, why). They are skipped; the rest of the page is merged.
    pub rejected: Vec<(usize, StoreError)>,
}

/// What the app needs to send a failed message again, from [`retry`](super::MessageStore::retry).
/// The client id is the same as before, so a server that deduplicates by client id stays correct.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryInfo {
    /// The room.
    pub room_id: String,
    /// The text.
    pub text: String,
    /// The sending agent.
    pub user_id: Option<String>,
    /// The client id (unchanged).
    pub client_id: String,
}

/// One room as the inbox list shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct RoomSummary {
    /// The room.
    pub room_id: String,
    /// The customer's display name: the `contact_name` of the newest message that carried one (live or history).
    /// Kept while the agent writes: sends and replies carry no name and never reset it.
    pub contact_name: Option<String>,
    /// The newest message (by `(timestamp, id)`), if any.
    pub last_message: Option<Message>,
    /// Incoming messages with `timestamp > last_read_at` (see [`mark_read`](super::MessageStore::mark_read)).
    pub unread: u32,
    /// The room's version (see [`version`](super::MessageStore::version)).
    pub version: u64,
    /// Whether older history may exist on the server.
    pub has_more: bool,
    /// Users typing now.
    pub typing: Vec<TypingUser>,
}
