//! The one error type of the store: every rejected input says why, and a rejected input never changes the store.

use thiserror::Error;

/// Why the store rejected an event, a history item or a call.
///
/// Whenever a method returns `Err(StoreError)`, the store is exactly as it was before the call.
/// Strings copied from the payload into an error are cut to 64 characters.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StoreError {
    /// The payload (or a history item) is not a JSON object.
    #[error("payload is not a JSON object")]
    NotAnObject,
    /// A required field is absent or `null`. The name is the canonical one (`id`, `room_id`, `status`, ...).
    #[error("missing field `{0}`")]
    MissingField(&'static str),
    /// A field has a JSON type the store cannot use.
    #[error("field `{field}` has the wrong type (expected {expected})")]
    WrongType {
        /// Canonical field name.
        field: &'static str,
        /// What was expected, e.g. `"string"`.
        expected: &'static str,
    },
    /// An identifier field is the empty string.
    #[error("field `{0}` is empty")]
    EmptyField(&'static str),
    /// A field is longer than the configured limit (lengths are counted in Unicode scalar values).
    #[error("field `{field}` is too large ({len} > {max} characters)")]
    TooLarge {
        /// Canonical field name.
        field: &'static str,
        /// Actual length.
        len: usize,
        /// Configured maximum.
        max: usize,
    },
    /// A `status` string that is not one of the known statuses or their aliases.
    #[error("unknown status `{0}`")]
    UnknownStatus(String),
    /// A `direction` string other than `incoming`/`outgoing` (or `inbound`/`outbound`).
    #[error("unknown direction `{0}`")]
    UnknownDirection(String),
    /// A timestamp that is not a usable point in time (NaN, negative, unparsable, or too far in the future).
    #[error("invalid timestamp: {0}")]
    InvalidTimestamp(&'static str),
    /// The `now` argument is not a finite, non-negative number of milliseconds.
    #[error("`now` must be a finite, non-negative number of milliseconds")]
    InvalidNow,
    /// A history item names a different room than the page it came with.
    #[error("item belongs to room `{found}`, not `{expected}`")]
    RoomMismatch {
        /// The room passed to `merge_history`.
        expected: String,
        /// The room named by the item.
        found: String,
    },
    /// `handle_event` got an event name it does not know.
    #[error("unknown event `{0}`")]
    UnknownEvent(String),
    /// No optimistic message with this client id is known (never created, already removed, or forgotten).
    #[error("unknown client id `{0}`")]
    UnknownClientId(String),
    /// `retry` was called on an optimistic message that is not in the `failed` state.
    #[error("message `{0}` is not failed")]
    NotFailed(String),
}

/// Cuts a payload-derived string for inclusion in an error, so errors stay small whatever the input.
pub(crate) fn clip(s: &str) -> String {
    s.chars().take(64).collect()
}
