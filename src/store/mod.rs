//! Per-room message store: ordered, deduplicated messages, optimistic sends, delivery ticks, typing indicators,
//! unread counts and change notifications, as a sans-IO state machine (time is an argument, never read).
//!
//! # Accepted payloads
//! `new_message` and history items are JSON objects; canonical names first, aliases after:
//! - `id` | `message_id` | `messageId` | `wamid` — required; string or integer; at most `max_id_chars`;
//! - `room_id` | `roomId` — required for live messages (history items default to the page's room);
//! - `text` | `content` | `body` — string, at most `max_text_chars`; absent = `""` (media);
//! - `user_id` | `userId` | `sender_id` | `senderId` — the agent; absent/`null` = the customer;
//! - `direction` — `incoming`/`outgoing`; absent = outgoing if a user id is present, else incoming;
//! - `status` — `pending|sent|delivered|read|failed` (+ aliases, see [`Status::parse`]); absent = `sent`;
//! - `timestamp` | `created_at` | `createdAt` — ms, seconds (number or digit string), or ISO-8601 (see
//!   [`timestamp`]); absent = `now`; rejected beyond `now + max_future_ms`;
//! - `client_id` | `clientId` — the optimistic send this message confirms.
//!
//! Every other field is kept in [`Message::extra`] and returned by [`Message::to_json`]. A non-empty string
//! `contact_name` also names the room's contact ([`RoomSummary::contact_name`]; the newest message carrying one wins).
//! Typing matches a message's sender by `user_id`, or by the `from`/`sender` extra fields for customers.

mod cache;
#[cfg(test)]
mod cache_tests;
mod changes;
#[cfg(test)]
mod changes_tests;
mod contact;
mod error;
mod events;
mod extra;
mod fields;
mod held;
mod message_json;
#[cfg(all(test, not(target_arch = "wasm32")))] // proptest is a native-only dev-dependency
mod message_json_tests;
mod model;
mod optimistic;
mod options;
mod outbox;
#[cfg(test)]
mod outbox_tests;
mod outcome;
mod outgoing_typing;
mod resync;
#[cfg(test)]
mod resync_tests;
mod room;
#[allow(clippy::module_inception)]
mod store;
mod strings;
pub mod timestamp;
mod typing;

#[cfg(test)]
mod memory_tests;
#[cfg(test)]
mod tests;

pub use cache::{rooms_to_evict, CacheConfig, CachedRoom};
pub use changes::{ChangeBatch, ListOp, RoomChanges, RoomState};
pub use error::StoreError;
pub use events::StoreEvent;
pub use extra::Extra;
pub use model::{Direction, Message, Status};
pub use options::StoreOptions;
pub use outbox::{
    classify_error, classify_status, retry_after_ms, Handled as OutboxHandled, Outbox, OutboxConfig, OutboxEntry,
    OutboxState, SendRequest, SendResult,
};
pub use outcome::{Handled, HistoryReport, Ingested, RetryInfo, RoomSummary, StatusOutcome};
pub use outgoing_typing::{OutgoingTyping, TypingSignal};
pub use resync::{Resync, ResyncError, ResyncRequest};
pub use room::Messages;
pub use store::MessageStore;
pub use typing::TypingUser;
