//! One room: messages ordered by `(timestamp, id)` with an id index, plus the room's inbox bookkeeping.
//!
//! Messages are boxed in a slab (`slots`, freed slots reused), so a message never moves once stored; `order` lists
//! the slots in display order (4 bytes per message, binary-searched by `(timestamp, id)`), and `index` maps a hash
//! of the id to its slot. Appending live messages is an O(log n) search plus a push; an insert or removal in the
//! middle shifts `order` (a memmove of 4 bytes per later message); a history page is placed in one merge (see
//! [`Room::begin_batch`]). While a view watches the room, each change is also recorded by position in its
//! [`Journal`].

use std::cmp::Ordering;
use std::sync::Arc;

use crate::index_map::{FastMap, HashKeyed};

use super::changes::{room_changes, Journal, ListOp, RoomChanges};
use super::contact::ContactName;
use super::model::{Direction, Message};

/// The message in a slot known to hold one.
fn message_at(slots: &[Option<Box<Message>>], slot: u32) -> &Message {
    slots[slot as usize].as_deref().expect("placed slot holds a message")
}

fn ts_bits(ts: f64) -> u64 {
    let b = (ts + 0.0).to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | (1 << 63)
    }
}

/// The `(timestamp, id)` order of two messages (`-0.0` counts as `0.0`).
fn cmp_key(ts: f64, id: &str, m: &Message) -> Ordering {
    ts_bits(ts).cmp(&ts_bits(m.timestamp)).then_with(|| id.cmp(m.id()))
}

/// A fixed, fast hash of an id: 8 bytes per step, then a final mix so high and low bits both vary (the hash map
/// uses them as they are). Deterministic; collisions only cost a trip to `Room::overflow`, never a wrong answer.
pub(crate) fn id_hash(id: &str) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let bytes = id.as_bytes();
    let mut h = (bytes.len() as u64).wrapping_mul(K);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().expect("8-byte chunk"));
        h = (h.rotate_left(23) ^ w).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut buf = [0u8; 8];
        buf[..rest.len()].copy_from_slice(rest);
        h = (h.rotate_left(23) ^ u64::from_le_bytes(buf)).wrapping_mul(K);
    }
    h ^= h >> 32;
    h = h.wrapping_mul(0xd6e8_feb8_6659_fd93);
    h ^ (h >> 29)
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Room {
    /// The room's id, shared by its messages' `room_id`.
    pub(crate) name: Arc<str>,
    /// Message storage; `None` marks a free slot (listed in `free`).
    slots: Vec<Option<Box<Message>>>,
    free: Vec<u32>,
    /// Slots in display order `(timestamp, id)`.
    order: Vec<u32>,
    /// While a batch is open: slots inserted but not yet placed in `order` (see [`begin_batch`](Self::begin_batch)).
    pending: Vec<u32>,
    batching: bool,
    /// `id_hash(id)` → slot, for every message whose hash is not taken by another id.
    index: HashKeyed<u32>,
    /// Ids whose hash was taken by another id when inserted (almost always empty).
    overflow: FastMap<Box<str>, u32>,
    /// While a view watches the room: its changes since the view was last told.
    pub(crate) journal: Option<Box<Journal>>,
    /// Changed since the store's changes were last taken (listed in the store's `changed`).
    pub(crate) dirty: bool,
    /// Incoming messages with `timestamp > last_read_at`, maintained on every insert/remove.
    unread: u32,
    pub(crate) last_read_at: f64,
    pub(crate) has_more: bool,
    pub(crate) version: u64,
    /// The customer's display name, from the messages that carry one.
    pub(crate) contact: ContactName,
}

/// The messages of a room (or a range of them) in display order.
/// Returned by [`MessageStore::messages`](super::MessageStore::messages).
#[derive(Debug, Clone)]
pub struct Messages<'a> {
    slots: &'a [Option<Box<Message>>],
    order: std::slice::Iter<'a, u32>,
}

impl<'a> Messages<'a> {
    pub(crate) fn empty() -> Messages<'static> {
        Messages { slots: &[], order: [].iter() }
    }

    fn get(&self, slot: u32) -> &'a Message {
        self.slots[slot as usize].as_deref().expect("ordered slot holds a message")
    }
}

impl<'a> Iterator for Messages<'a> {
    type Item = &'a Message;

    fn next(&mut self) -> Option<&'a Message> {
        self.order.next().map(|s| self.get(*s))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.order.size_hint()
    }

    fn nth(&mut self, n: usize) -> Option<&'a Message> {
        self.order.nth(n).map(|s| self.get(*s))
    }
}

impl DoubleEndedIterator for Messages<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.order.next_back().map(|s| self.get(*s))
    }
}

impl ExactSizeIterator for Messages<'_> {}

impl Room {
    /// An empty room; until a history page says otherwise, the server may hold older messages.
    pub(crate) fn new(name: Arc<str>) -> Room {
        Room {
            name,
            slots: Vec::new(),
            free: Vec::new(),
            order: Vec::new(),
            pending: Vec::new(),
            batching: false,
            index: HashKeyed::default(),
            overflow: FastMap::default(),
            journal: None,
            dirty: false,
            unread: 0,
            last_read_at: 0.0,
            has_more: true,
            version: 0,
            contact: ContactName::default(),
        }
    }

    fn counts_unread(&self, m: &Message) -> bool {
        m.direction == Direction::Incoming && m.timestamp > self.last_read_at
    }

    fn at(&self, slot: u32) -> &Message {
        self.slots[slot as usize].as_deref().expect("indexed slot holds a message")
    }

    fn slot_of(&self, id: &str) -> Option<u32> {
        self.slot_of_hashed(id_hash(id), id)
    }

    fn slot_of_hashed(&self, h: u64, id: &str) -> Option<u32> {
        if let Some(&s) = self.index.get(&h) {
            if self.at(s).id() == id {
                return Some(s);
            }
        }
        if self.overflow.is_empty() {
            None
        } else {
            self.overflow.get(id).copied()
        }
    }

    /// Where a message with this key is, or would go, in `order`.
    fn position(&self, ts: f64, id: &str) -> usize {
        // Live messages arrive newest last: one comparison with the last message spares the binary search's ~log n
        // dereferences (each a likely cache miss) in the common case.
        match self.order.last() {
            None => return 0,
            Some(&last) if cmp_key(ts, id, self.at(last)) == Ordering::Greater => return self.order.len(),
            Some(_) => {}
        }
        self.order.partition_point(|s| cmp_key(ts, id, self.at(*s)) == Ordering::Greater)
    }

    /// Records a list operation for the watching view, if any (`len`: the list's length after it).
    fn note(&mut self, op: impl FnOnce(&[Option<Box<Message>>]) -> ListOp) {
        let len = self.order.len();
        let slots = &self.slots;
        if let Some(j) = self.journal.as_deref_mut() {
            j.push(|| op(slots), len);
        }
    }

    pub(crate) fn get(&self, id: &str) -> Option<&Message> {
        self.slot_of(id).map(|s| self.at(s))
    }

    pub(crate) fn contains(&self, id: &str) -> bool {
        self.slot_of(id).is_some()
    }

    /// [`contains`](Self::contains) with `id_hash(id)` already computed (asking many rooms about one id).
    pub(crate) fn contains_hashed(&self, h: u64, id: &str) -> bool {
        self.slot_of_hashed(h, id).is_some()
    }

    fn index_insert(&mut self, id: &str, slot: u32) {
        let h = id_hash(id);
        match self.index.get(&h) {
            None => {
                self.index.insert(h, slot);
            }
            Some(_) => {
                self.overflow.insert(id.into(), slot);
            }
        }
    }

    fn index_remove(&mut self, id: &str, slot: u32) {
        let h = id_hash(id);
        if self.index.get(&h) == Some(&slot) {
            self.index.remove(&h);
            // Promote an overflowed id with the same hash, if any.
            if let Some(k) = self.overflow.keys().find(|k| id_hash(k) == h).cloned() {
                let s = self.overflow.remove(&k).expect("key just found");
                self.index.insert(h, s);
            }
        } else {
            self.overflow.remove(id);
        }
    }

    /// Opens a batch (a history page): until [`end_batch`](Self::end_batch), inserted messages are only indexed,
    /// and are placed in the order all at once (one sort of the page and one merge, instead of one shift of the
    /// later messages per insert). Anything else that needs the order places them first.
    pub(crate) fn begin_batch(&mut self) {
        self.batching = true;
    }

    /// Closes the batch and places its messages.
    pub(crate) fn end_batch(&mut self) {
        self.batching = false;
        self.settle();
    }

    /// Places the pending slots: sorts them, moves the messages after the last one up once, and merges from the
    /// back.
    fn settle(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let mut pending = std::mem::take(&mut self.pending);
        let slots = &self.slots;
        let at = |s: u32| slots[s as usize].as_deref().expect("pending slot holds a message");
        pending.sort_unstable_by(|a, b| {
            let (ma, mb) = (at(*a), at(*b));
            cmp_key(ma.timestamp, ma.id(), mb)
        });
        let before = |p: &Message, o: u32| cmp_key(p.timestamp, p.id(), at(o)) == Ordering::Less;
        let (first, last) = (at(pending[0]), at(pending[pending.len() - 1]));
        let head = self.order.partition_point(|o| !before(first, *o));
        let tail_start = self.order.partition_point(|o| !before(last, *o));
        let (old_len, n) = (self.order.len(), pending.len());
        self.order.resize(old_len + n, 0);
        self.order.copy_within(tail_start..old_len, tail_start + n);
        let (mut i, mut j, mut k) = (tail_start, n, tail_start + n);
        // Where each pending message lands, for the watching view (newest first).
        let mut placed = Vec::with_capacity(if self.journal.is_some() { n } else { 0 });
        while j > 0 {
            k -= 1;
            if i > head && !before(at(self.order[i - 1]), pending[j - 1]) {
                self.order[k] = self.order[i - 1];
                i -= 1;
            } else {
                self.order[k] = pending[j - 1];
                if self.journal.is_some() {
                    placed.push(k);
                }
                j -= 1;
            }
        }
        // In ascending order, each insert lands at its final position.
        for k in placed.into_iter().rev() {
            let slot = self.order[k];
            self.note(|slots| ListOp::Insert(k, message_at(slots, slot).clone()));
        }
    }

    /// Inserts a message; an existing one with the same id is replaced.
    pub(crate) fn insert(&mut self, m: Message) {
        if self.contains(m.id()) {
            // A replacement (rare): the id is copied because `m` still holds it.
            let id: Box<str> = m.id().into();
            self.remove(&id);
        }
        if self.counts_unread(&m) {
            self.unread = self.unread.saturating_add(1);
        }
        let pos = if self.batching { 0 } else { self.position(m.timestamp, m.id()) };
        let slot = match self.free.pop() {
            Some(s) => s,
            None => u32::try_from(self.slots.len()).expect("fewer than 2^32 messages in a room"),
        };
        self.index_insert(m.id(), slot);
        let m = Some(Box::new(m));
        match self.slots.get_mut(slot as usize) {
            Some(free) => *free = m,
            None => self.slots.push(m),
        }
        if self.batching {
            self.pending.push(slot);
            return;
        }
        self.order.insert(pos, slot);
        self.note(|slots| ListOp::Insert(pos, message_at(slots, slot).clone()));
    }

    /// Takes a slot out of the order and the index; returns its position.
    fn unlink(&mut self, slot: u32) -> usize {
        let m = self.at(slot);
        let pos = self.position(m.timestamp, m.id());
        debug_assert_eq!(self.order.get(pos), Some(&slot));
        self.order.remove(pos);
        pos
    }

    pub(crate) fn remove(&mut self, id: &str) -> Option<Message> {
        let slot = self.slot_of(id)?;
        self.settle();
        let pos = self.unlink(slot);
        self.index_remove(id, slot);
        let m = *self.slots[slot as usize].take().expect("indexed slot holds a message");
        self.free.push(slot);
        if self.counts_unread(&m) {
            self.unread = self.unread.saturating_sub(1);
        }
        self.note(|_| ListOp::Remove(pos));
        if self.order.is_empty() {
            // Nothing left to point into: give the slab back.
            self.slots = Vec::new();
            self.free = Vec::new();
        }
        Some(m)
    }

    /// Changes a message in place (re-sorting it if its timestamp changed); `f` tells whether it changed anything.
    /// Returns that, or `false` if `id` is unknown. The closure must not change `id`.
    pub(crate) fn update(&mut self, id: &str, f: impl FnOnce(&mut Message) -> bool) -> bool {
        let Some(slot) = self.slot_of(id) else { return false };
        self.settle();
        let m = self.at(slot);
        let (ts, was_unread) = (m.timestamp, self.counts_unread(m));
        let pos = self.position(ts, id);
        let m = self.slots[slot as usize].as_deref_mut().expect("indexed slot holds a message");
        let changed = f(m);
        debug_assert_eq!(m.id(), id, "update must not change the id");
        let new_ts = m.timestamp;
        let now_unread = self.counts_unread(self.at(slot));
        if was_unread != now_unread {
            self.unread = if now_unread { self.unread.saturating_add(1) } else { self.unread.saturating_sub(1) };
        }
        if ts_bits(ts) == ts_bits(new_ts) {
            if changed {
                self.note(|slots| ListOp::Update(pos, message_at(slots, slot).clone()));
            }
            return changed;
        }
        self.order.remove(pos);
        self.note(|_| ListOp::Remove(pos));
        let to = self.position(new_ts, id);
        self.order.insert(to, slot);
        self.note(|slots| ListOp::Insert(to, message_at(slots, slot).clone()));
        true
    }

    /// Starts recording changes for a view that was just shown the room as it is (`typing`: who it was shown typing).
    pub(crate) fn watch(&mut self, typing: Vec<String>) {
        self.journal = Some(Box::new(Journal::new(typing, self.has_more, self.unread)));
    }

    /// The watching view's changes since the last take (`typing`: who types now), `None` when unwatched or unchanged.
    pub(crate) fn take_changes(&mut self, typing: impl FnOnce() -> Vec<String>) -> Option<RoomChanges> {
        let mut journal = self.journal.take()?;
        let ops = journal.take_ops(self.iter());
        let changes = room_changes(&mut journal, &self.name, ops, typing(), self.has_more, self.unread);
        self.journal = Some(journal);
        changes
    }

    pub(crate) fn len(&self) -> usize {
        self.order.len() + self.pending.len()
    }

    pub(crate) fn iter(&self) -> Messages<'_> {
        debug_assert!(self.pending.is_empty(), "order read inside a batch");
        Messages { slots: &self.slots, order: self.order.iter() }
    }

    /// The messages at positions `range` (clamped to the room).
    pub(crate) fn range(&self, range: std::ops::Range<usize>) -> Messages<'_> {
        debug_assert!(self.pending.is_empty(), "order read inside a batch");
        let end = range.end.min(self.order.len());
        let start = range.start.min(end);
        Messages { slots: &self.slots, order: self.order[start..end].iter() }
    }

    pub(crate) fn last(&self) -> Option<&Message> {
        debug_assert!(self.pending.is_empty(), "order read inside a batch");
        self.order.last().map(|s| self.at(*s))
    }

    pub(crate) fn unread(&self) -> u32 {
        self.unread
    }

    /// Moves the read marker to `at` (never backwards) and recounts what is still unread (only messages after
    /// the marker are visited).
    pub(crate) fn mark_read(&mut self, at: f64) {
        self.settle();
        if at > self.last_read_at {
            self.last_read_at = at;
        }
        let marker = ts_bits(self.last_read_at);
        let from = self.order.partition_point(|s| ts_bits(self.at(*s).timestamp) <= marker);
        let n = self.range(from..self.order.len()).filter(|m| m.direction == Direction::Incoming).count();
        self.unread = u32::try_from(n).unwrap_or(u32::MAX);
    }

    /// Id of the oldest message that `protected` does not protect, for cap eviction.
    pub(crate) fn oldest_evictable(&mut self, protected: impl Fn(&Message) -> bool) -> Option<String> {
        self.settle();
        self.iter().find(|m| !protected(m)).map(|m| m.id().to_owned())
    }
}

#[cfg(test)]
impl Room {
    pub(crate) fn drop_extras(&mut self) {
        for m in self.slots.iter_mut().flatten() {
            m.drop_strings(false);
        }
    }

    pub(crate) fn drop_strings(&mut self) {
        for m in self.slots.iter_mut().flatten() {
            m.drop_strings(true);
            m.room_id = Arc::from("");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::model::{NewMessage, Status};

    #[test]
    fn timestamp_bits_keep_numeric_order() {
        let xs = [-1.5, -0.0, 0.0, 1e-300, 1.0, 1_698_048_000_000.0, 1e300];
        for w in xs.windows(2) {
            assert!(ts_bits(w[0]) <= ts_bits(w[1]), "{} vs {}", w[0], w[1]);
        }
        assert_eq!(ts_bits(-0.0), ts_bits(0.0));
    }

    fn msg(id: &str, ts: f64) -> Message {
        NewMessage {
            id,
            key: None,
            room_id: Arc::from("r"),
            text: "",
            user_id: None,
            direction: Direction::Incoming,
            status: Status::Sent,
            timestamp: ts,
            client_id: None,
            error: None,
            extra: &Default::default(),
        }
        .build()
    }

    fn ids(r: &Room) -> Vec<&str> {
        r.iter().map(|m| m.id()).collect()
    }

    /// Every message is findable by id, and `order` is sorted with no stale slot.
    fn check(r: &Room) {
        let v: Vec<&Message> = r.iter().collect();
        for w in v.windows(2) {
            assert_eq!(cmp_key(w[0].timestamp, w[0].id(), w[1]), Ordering::Less);
        }
        for m in &v {
            assert_eq!(r.get(m.id()).map(|g| g.id()), Some(m.id()));
        }
        assert_eq!(r.slots.iter().flatten().count(), v.len());
        assert_eq!(r.slots.len(), v.len() + r.free.len());
    }

    #[test]
    fn positions_after_middle_insert_retime_and_removal() {
        let mut r = Room::new(Arc::from("r"));
        for (id, ts) in [("a", 1.0), ("c", 3.0), ("e", 5.0)] {
            r.insert(msg(id, ts));
        }
        r.insert(msg("b", 2.0));
        assert_eq!(ids(&r), ["a", "b", "c", "e"]);
        check(&r);

        // Same timestamp: the id breaks the tie; -0.0 sorts with 0.0.
        r.insert(msg("0b", -0.0));
        r.insert(msg("0a", 0.0));
        assert_eq!(ids(&r), ["0a", "0b", "a", "b", "c", "e"]);

        // Re-time "a" to the end; everything from its old place moved.
        assert!(r.update("a", |m| {
            m.timestamp = 9.0;
            true
        }));
        assert_eq!(ids(&r), ["0a", "0b", "b", "c", "e", "a"]);
        check(&r);

        // An in-place change touches one position.
        r.update("c", |m| {
            m.status = Status::Read;
            true
        });

        assert_eq!(r.remove("b").map(|m| m.id().to_owned()), Some("b".into()));
        assert_eq!(ids(&r), ["0a", "0b", "c", "e", "a"]);
        assert!(r.remove("b").is_none());
        check(&r);

        // A freed slot is reused.
        let slots = r.slots.len();
        r.insert(msg("d", 4.0));
        assert_eq!(r.slots.len(), slots);
        assert_eq!(ids(&r), ["0a", "0b", "c", "d", "e", "a"]);
        check(&r);
    }

    #[test]
    fn history_batch_prepends() {
        let mut r = Room::new(Arc::from("r"));
        for i in 0..100 {
            r.insert(msg(&format!("live{i:03}"), 1_000.0 + f64::from(i)));
        }
        // A page of older history, newest first as servers send it.
        for i in (0..150).rev() {
            r.insert(msg(&format!("old{i:03}"), f64::from(i)));
        }
        check(&r);
        assert_eq!(r.len(), 250);
        assert_eq!(r.iter().next().map(|m| m.id()), Some("old000"));
        assert_eq!(r.last().map(|m| m.id()), Some("live099"));
        for i in 0..20 {
            r.insert(msg(&format!("older{i:03}"), -1.0 - f64::from(i)));
        }
        // The same page as a batch, interleaved with what a history merge may do to the room meanwhile.
        let mut b = Room::new(Arc::from("r"));
        for i in 0..100 {
            b.insert(msg(&format!("live{i:03}"), 1_000.0 + f64::from(i)));
        }
        b.begin_batch();
        for i in (0..150).rev() {
            b.insert(msg(&format!("old{i:03}"), f64::from(i)));
            match i {
                // A duplicate inside the page, a removal, a re-time and a live-range insert mid-batch.
                120 => {
                    b.insert(msg("old130", 130.0));
                }
                100 => assert_eq!(b.remove("old140").map(|m| m.id().to_owned()), Some("old140".into())),
                90 => assert!(b.update("old110", |m| {
                    m.timestamp = 110.5;
                    true
                })),
                80 => {
                    b.insert(msg("live050b", 1_050.0));
                }
                _ => {}
            }
        }
        assert_eq!(b.len(), 250);
        b.end_batch();
        check(&b);
        let mut want: Vec<String> = (0..150).filter(|i| *i != 140).map(|i| format!("old{i:03}")).collect();
        want.extend((0..100).map(|i| format!("live{i:03}")));
        want.insert(want.iter().position(|x| x == "live051").unwrap(), "live050b".into());
        assert_eq!(ids(&b), want);
        assert!(b.pending.is_empty());
        b.begin_batch();
        for i in 0..10 {
            b.insert(msg(&format!("older{i}"), -10.0 + f64::from(i)));
        }
        b.end_batch();
        check(&b);

        // Replacing an id re-sorts it and keeps one copy.
        r.insert(msg("old000", 2_000.0));
        assert_eq!(r.len(), 270);
        assert_eq!(r.last().map(|m| m.id()), Some("old000"));
        check(&r);
    }

    #[test]
    fn id_hash_spreads_similar_ids() {
        let mut seen = std::collections::HashSet::new();
        let mut low = std::collections::HashSet::new();
        for j in 0..100_000 {
            let h = id_hash(&format!("wamid.{j}"));
            assert!(seen.insert(h));
            low.insert(h & 0xffff);
            seen.insert(id_hash(&format!("c1a2b3-{j}")));
        }
        // 100 000 ids over 65 536 low-bit buckets: close to the ~51 000 a random hash fills.
        assert!(low.len() > 48_000, "{}", low.len());
        assert_ne!(id_hash(""), id_hash("\0"));
        assert_ne!(id_hash("abcdefgh"), id_hash("abcdefgh\0"));
    }

    #[test]
    fn hash_collisions_fall_back_to_the_overflow_map() {
        let mut r = Room::new(Arc::from("r"));
        r.insert(msg("a", 1.0));
        r.insert(msg("b", 2.0));
        // Force "b" into the overflow map as if its hash collided with "a"'s.
        let sb = r.slot_of("b").unwrap();
        r.index.remove(&id_hash("b"));
        r.overflow.insert("b".into(), sb);
        assert_eq!(r.get("b").map(|m| m.timestamp), Some(2.0));
        r.update("b", |m| {
            m.timestamp = 0.5;
            true
        });
        assert_eq!(ids(&r), ["b", "a"]);
        assert_eq!(r.remove("b").map(|m| m.id().to_owned()), Some("b".into()));
        assert!(r.overflow.is_empty());
        assert_eq!(ids(&r), ["a"]);
        check(&r);
    }
}
