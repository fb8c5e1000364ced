//! One room: messages ordered by `(timestamp, id)` with an id index, plus the room's inbox bookkeeping.
//!
//! Messages live in a `BTreeMap` keyed by `(timestamp, id)`, and `index` maps id → timestamp, so a lookup is a hash
//! probe plus a B-tree descent and an insert or move anywhere is O(log n): live messages at the end, history pages
//! at the front, and late or re-timed messages in the middle all cost the same.

use std::collections::{BTreeMap, HashMap};

use super::model::{Direction, Message};

/// A `(timestamp, id)` sort key. Timestamps map to `u64` preserving numeric order (`-0.0` counts as `0.0`).
type SortKey = (u64, String);

fn ts_bits(ts: f64) -> u64 {
    let b = (ts + 0.0).to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | (1 << 63)
    }
}

fn key_of(ts: f64, id: &str) -> SortKey {
    (ts_bits(ts), id.to_owned())
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Room {
    messages: BTreeMap<SortKey, Message>,
    index: HashMap<String, f64>,
    /// Incoming messages with `timestamp > last_read_at`, maintained on every insert/remove.
    unread: u32,
    pub(crate) last_read_at: f64,
    pub(crate) has_more: bool,
    pub(crate) version: u64,
}

impl Room {
    /// An empty room; until a history page says otherwise, the server may hold older messages.
    pub(crate) fn new() -> Room {
        Room {
            messages: BTreeMap::new(),
            index: HashMap::new(),
            unread: 0,
            last_read_at: 0.0,
            has_more: true,
            version: 0,
        }
    }

    fn counts_unread(&self, m: &Message) -> bool {
        m.direction == Direction::Incoming && m.timestamp > self.last_read_at
    }

    fn key(&self, id: &str) -> Option<SortKey> {
        self.index.get(id).map(|ts| key_of(*ts, id))
    }

    pub(crate) fn get(&self, id: &str) -> Option<&Message> {
        self.messages.get(&self.key(id)?)
    }

    pub(crate) fn contains(&self, id: &str) -> bool {
        self.index.contains_key(id)
    }

    /// Inserts a message; an existing one with the same id is replaced.
    pub(crate) fn insert(&mut self, m: Message) {
        if self.index.contains_key(&m.id) {
            let id = m.id.clone();
            self.remove(&id);
        }
        if self.counts_unread(&m) {
            self.unread = self.unread.saturating_add(1);
        }
        self.index.insert(m.id.clone(), m.timestamp);
        self.messages.insert(key_of(m.timestamp, &m.id), m);
    }

    pub(crate) fn remove(&mut self, id: &str) -> Option<Message> {
        let m = self.messages.remove(&self.key(id)?)?;
        self.index.remove(id);
        if self.counts_unread(&m) {
            self.unread = self.unread.saturating_sub(1);
        }
        Some(m)
    }

    /// Changes a message in place (re-sorting it if its timestamp changed). Returns `false` if `id` is unknown.
    /// The closure must not change `id`.
    pub(crate) fn update(&mut self, id: &str, f: impl FnOnce(&mut Message)) -> bool {
        let Some(mut m) = self.remove(id) else { return false };
        // Remove + insert keeps the order and the unread count right whatever the closure changed; both are
        // O(log n).
        f(&mut m);
        self.insert(m);
        true
    }

    pub(crate) fn len(&self) -> usize {
        self.messages.len()
    }

    pub(crate) fn iter(&self) -> std::collections::btree_map::Values<'_, SortKey, Message> {
        self.messages.values()
    }

    pub(crate) fn last(&self) -> Option<&Message> {
        self.messages.last_key_value().map(|(_, m)| m)
    }

    pub(crate) fn unread(&self) -> u32 {
        self.unread
    }

    /// Moves the read marker to `at` (never backwards) and recounts what is still unread (only messages after
    /// the marker are visited).
    pub(crate) fn mark_read(&mut self, at: f64) {
        if at > self.last_read_at {
            self.last_read_at = at;
        }
        // Every key with these timestamp bits or more sorts after all keys at `last_read_at`.
        let from = (ts_bits(self.last_read_at).saturating_add(1), String::new());
        let n = self.messages.range(from..).filter(|(_, m)| m.direction == Direction::Incoming).count();
        self.unread = u32::try_from(n).unwrap_or(u32::MAX);
    }

    /// Id of the oldest message that `protected` does not protect, for cap eviction.
    pub(crate) fn oldest_evictable(&self, protected: impl Fn(&Message) -> bool) -> Option<String> {
        self.messages.values().find(|m| !protected(m)).map(|m| m.id.clone())
    }
}

#[cfg(test)]
impl Room {
    pub(crate) fn drop_extras(&mut self) {
        for m in self.messages.values_mut() {
            m.extra = Default::default();
        }
    }

    pub(crate) fn drop_strings(&mut self) {
        for m in self.messages.values_mut() {
            let Message { id, key, room_id, text, user_id, client_id, error, .. } = m;
            for s in [id, key, room_id, text] {
                *s = String::new();
            }
            for s in [user_id, client_id, error] {
                *s = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ts_bits;

    #[test]
    fn timestamp_bits_keep_numeric_order() {
        let xs = [-1.5, -0.0, 0.0, 1e-300, 1.0, 1_698_048_000_000.0, 1e300];
        for w in xs.windows(2) {
            assert!(ts_bits(w[0]) <= ts_bits(w[1]), "{} vs {}", w[0], w[1]);
        }
        assert_eq!(ts_bits(-0.0), ts_bits(0.0));
    }
}
