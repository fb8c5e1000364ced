//! Tuning knobs of the store. Every default is chosen for a WhatsApp-style inbox and documented on its field.

use super::cache::CacheConfig;
use super::outbox::OutboxConfig;

/// Options of a [`MessageStore`](super::MessageStore). Build with `StoreOptions::default()` and override fields.
///
/// Durations are milliseconds. A non-finite or negative duration makes the matching deadline never fire; keep them
/// positive.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreOptions {
    /// Prefix of generated client ids (`"{prefix}-{counter}"`). Give each store instance (browser tab) a distinct,
    /// random prefix (e.g. `crypto.randomUUID()`), since the server may use client ids to deduplicate sends.
    /// Default `"local"`.
    pub client_id_prefix: String,
    /// A confirmed message without a matching `client_id` replaces an optimistic one when room, text and user are
    /// equal and the timestamps differ by at most this much (inclusive). Default 60 000 (60 s).
    pub match_window_ms: f64,
    /// An optimistic message that is neither echoed by the server nor marked sent within this time fails
    /// (a [`StoreEvent::SendFailed`](super::StoreEvent::SendFailed) is queued). Default 60 000 (60 s).
    pub pending_timeout_ms: f64,
    /// `false` (default): a failed optimistic message is removed from its room.
    /// `true`: it stays with status `failed` and `error` = the reason, and can be [`retry`](super::MessageStore::retry)-ed.
    pub keep_failed: bool,
    /// An incoming typing indicator is hidden this long after the last `is_typing: true` for that user. Default 3 000.
    pub typing_timeout_ms: f64,
    /// Longest message text held, in Unicode scalar values. A received message with a longer text is kept with
    /// its text cut to this length and its original length in the unknown field `text_truncated` (never dropped);
    /// an optimistic send with a longer text is refused (`TooLarge`), so the agent is told at once. Default
    /// 1 000 000: a stock socket.io server accepts at most a 1 MB frame from a sender (a WhatsApp text is at most
    /// 4 096 characters).
    pub max_text_chars: usize,
    /// Longest accepted identifier (message, room, user, client id). Default 256.
    pub max_id_chars: usize,
    /// Timestamps later than `now + max_future_ms` are rejected (clock skew tolerance). Default 86 400 000 (1 day).
    pub max_future_ms: f64,
    /// Status updates for unknown messages are held until the message arrives; at most this many (oldest evicted).
    /// Default 1 000.
    pub max_held_updates: usize,
    /// A held status update is dropped after this long. Default 300 000 (5 min).
    pub held_max_age_ms: f64,
    /// Keep at most this many messages per room, evicting the oldest (never an unconfirmed optimistic one).
    /// Evicting sets the room's `has_more` to `true`. Default `None` (unbounded).
    pub max_messages_per_room: Option<usize>,
    /// A resync after an outage starts this long before the newest server message the store holds (see
    /// [`resync_since`](super::MessageStore::resync_since)), because timestamps are not arrival order. Default
    /// 60 000 (60 s: whole-second WhatsApp stamps, and webhooks that arrive late).
    pub resync_overlap_ms: f64,
    /// Retry timing and give-up bound of [`queue_send`](super::MessageStore::queue_send)'s outbox.
    pub outbox: OutboxConfig,
    /// Seed of the outbox's retry jitter (the browser passes random bits; tests a constant). Default 1.
    pub outbox_seed: u64,
    /// Bounds of the device copy of opened rooms ([`cached_messages`](super::MessageStore::cached_messages)).
    pub cache: CacheConfig,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            client_id_prefix: "local".to_owned(),
            match_window_ms: 60_000.0,
            pending_timeout_ms: 60_000.0,
            keep_failed: false,
            typing_timeout_ms: 3_000.0,
            max_text_chars: 1_000_000,
            max_id_chars: 256,
            max_future_ms: 86_400_000.0,
            max_held_updates: 1_000,
            held_max_age_ms: 300_000.0,
            max_messages_per_room: None,
            resync_overlap_ms: 60_000.0,
            outbox: OutboxConfig::default(),
            outbox_seed: 1,
            cache: CacheConfig::default(),
        }
    }
}
