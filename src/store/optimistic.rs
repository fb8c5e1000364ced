//! Bookkeeping of optimistic sends: state per client id, the FIFO text-matching queues and deadlines, and the
//! rules of which send an echo confirms ([`Optimistic::find_confirmed`]).
//!
//! A confirmed message without our `client_id` is matched by (room, user, text) to the OLDEST unconfirmed
//! optimistic send whose timestamp is within the match window, so two identical "ok" sends are confirmed by two
//! echoes, in order. Queues are keyed by a hash of (room, user, text); candidates are compared field by field, so a
//! hash collision only costs a comparison.
//!
//! Memory: a send's client id is allocated once (`Arc<str>`) and shared by the map key, its queue and its deadline.
//! A confirmed send leaves the map: all that is left of it is the id's hash (so a late `mark_sent` is recognised
//! as a no-op) and its forget time, kept for `pending_timeout_ms`, instead of the whole entry (native, the bench's
//! workload: 31 → 3 bytes per message of optimistic bookkeeping). A forgotten send's `forget` item stays until
//! due, so `next_deadline` may name a time with nothing left to do (one idle timer wake-up).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use crate::hash::FxHasher;
use crate::index_map::{FastMap, HashKeyed};
use std::collections::VecDeque;

use super::model::{Direction, ParsedMessage};
use super::room::id_hash;

/// Lifecycle of one unconfirmed optimistic send (a confirmed one is only remembered, see [`Optimistic`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum SendState {
    /// Waiting for the REST result or the echo; fails at its deadline.
    Pending,
    /// The REST call succeeded (`mark_sent`) but the echo has not arrived; no deadline, stays `sent`.
    Sent,
    /// Failed and kept in the room (`keep_failed`); waits for `retry`.
    Failed,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    /// The room's shared id.
    pub(crate) room_id: Arc<str>,
    pub(crate) user_id: Option<Box<str>>,
    pub(crate) text: Box<str>,
    /// Timestamp of the optimistic message (the `now` of `add_optimistic`/`retry`).
    pub(crate) ts: f64,
    pub(crate) state: SendState,
    /// Server id reported by `mark_sent`.
    server_id: Option<Box<str>>,
    deadline: Option<f64>,
    in_fifo: bool,
}

impl Entry {
    pub(crate) fn new(room_id: Arc<str>, user_id: Option<&str>, text: &str, ts: f64) -> Entry {
        Entry {
            room_id,
            user_id: user_id.map(Into::into),
            text: text.into(),
            ts,
            state: SendState::Pending,
            server_id: None,
            deadline: None,
            in_fifo: false,
        }
    }
}

fn match_hash(room: &str, user: Option<&str>, text: &str) -> u64 {
    // The maps' Fx hasher: deterministic, and SipHash (`DefaultHasher`) would be linked in for this one use.
    let mut h = FxHasher::default();
    room.hash(&mut h);
    user.hash(&mut h);
    text.hash(&mut h);
    h.finish()
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Optimistic {
    /// Unconfirmed sends by client id.
    entries: FastMap<Arc<str>, Entry>,
    /// Text-match queues, oldest first (a Vec: sends are appended and leave from anywhere, never popped in order).
    fifo: HashKeyed<Vec<Arc<str>>>,
    /// Server id (from `mark_sent`) → client id, while the echo is awaited.
    server_ids: FastMap<Box<str>, Arc<str>>,
    /// (deadline bits, client id), earliest on top; deadlines are finite and non-negative, so bit order is numeric
    /// order. A min-heap, not a B-tree (~7 KB less wasm), with lazy removal: an item whose entry no longer has
    /// that deadline is stale and dropped when it reaches the top, so the top is always live (see `purge`).
    deadlines: BinaryHeap<Reverse<(u64, Arc<str>)>>,
    /// `id_hash` of confirmed sends' client ids, remembered so that a late `mark_sent`/`mark_failed` is a no-op
    /// rather than an unknown id (a 64-bit hash collision would turn an unknown id's error into that no-op).
    confirmed: HashKeyed<()>,
    /// (forget time, id hash) of `confirmed`, oldest first: forget times are `now` + a constant, so they arrive in
    /// order (a `now` that goes backwards only keeps an entry a little longer).
    forget: VecDeque<(f64, u64)>,
    pub(crate) counter: u64,
}

impl Optimistic {
    /// The unconfirmed send with this client id.
    pub(crate) fn get(&self, cid: &str) -> Option<&Entry> {
        self.entries.get(cid)
    }

    /// Whether this client id is in use: an unconfirmed send, or a confirmed one not yet forgotten.
    pub(crate) fn contains(&self, cid: &str) -> bool {
        self.entries.contains_key(cid) || self.is_confirmed(cid)
    }

    /// Whether a send with this client id was confirmed less than its forget time ago.
    pub(crate) fn is_confirmed(&self, cid: &str) -> bool {
        self.confirmed.get(&id_hash(cid)).is_some()
    }

    /// Registers a new pending send (eligible for text matching) with its failure deadline.
    pub(crate) fn insert(&mut self, cid: Arc<str>, entry: Entry, deadline: f64) {
        self.entries.insert(cid.clone(), entry);
        self.set_fifo(&cid, true);
        self.set_deadline(&cid, Some(deadline));
    }

    /// Whether an unconfirmed optimistic message with this id (a client id) exists.
    pub(crate) fn is_unconfirmed(&self, cid: &str) -> bool {
        self.entries.contains_key(cid)
    }

    /// The client id awaiting an echo with this server id.
    pub(crate) fn by_server_id(&self, id: &str) -> Option<&str> {
        self.server_ids.get(id).map(|c| &**c)
    }

    /// The oldest text-matchable send for this (room, user, text) whose timestamp is within `window` of `ts`.
    fn find_text_match(&self, room: &str, user: Option<&str>, text: &str, ts: f64, window: f64) -> Option<&str> {
        let q = self.fifo.get(&match_hash(room, user, text))?;
        q.iter()
            .find(|cid| {
                self.entries.get(&***cid).is_some_and(|e| {
                    &*e.room_id == room
                        && e.user_id.as_deref() == user
                        && &*e.text == text
                        && (e.ts - ts).abs() <= window
                })
            })
            .map(|c| &**c)
    }

    /// The unconfirmed optimistic send `p` confirms, if any (client id, then server id, then FIFO text match
    /// within `match_window_ms`).
    pub(crate) fn find_confirmed(
        &self,
        room: &str,
        p: &ParsedMessage,
        now: f64,
        match_window_ms: f64,
    ) -> Option<String> {
        let usable = |cid: &str| self.get(cid).is_some_and(|e| &*e.room_id == room);
        if let Some(cid) = &p.client_id {
            return usable(cid).then(|| cid.to_string());
        }
        if let Some(cid) = self.by_server_id(&p.id) {
            if usable(cid) {
                return Some(cid.to_owned());
            }
        }
        if p.direction() != Direction::Outgoing {
            return None;
        }
        let ts = p.timestamp.unwrap_or(now);
        self.find_text_match(room, p.user_id.as_deref(), p.text.as_deref().unwrap_or(""), ts, match_window_ms)
            .map(str::to_owned)
    }

    /// The map's shared copy of a client id.
    fn shared_id(&self, cid: &str) -> Option<Arc<str>> {
        self.entries.get_key_value(cid).map(|(k, _)| k.clone())
    }

    fn set_fifo(&mut self, cid: &str, on: bool) {
        let Some(e) = self.entries.get_mut(cid) else { return };
        if e.in_fifo == on {
            return;
        }
        e.in_fifo = on;
        let h = match_hash(&e.room_id, e.user_id.as_deref(), &e.text);
        if on {
            let Some(key) = self.shared_id(cid) else { return };
            // Queues stay in timestamp order as long as `now` does not go backwards; retries re-enter at the back.
            self.fifo.get_or_insert_with(h, Vec::new).push(key);
        } else if let Some(q) = self.fifo.get_mut(&h) {
            q.retain(|c| &**c != cid);
            if q.is_empty() {
                self.fifo.remove(&h);
            }
        }
    }

    fn set_deadline(&mut self, cid: &str, deadline: Option<f64>) {
        let Some(e) = self.entries.get_mut(cid) else { return };
        // The old deadline's heap item (if any) goes stale here.
        let old = e.deadline.take();
        // A NaN/negative deadline (bad options) never fires instead of corrupting the order.
        if let Some(d) = deadline.filter(|d| d.is_finite() && *d >= 0.0) {
            e.deadline = Some(d);
            if old.map(f64::to_bits) != Some(d.to_bits()) {
                let key = self.shared_id(cid).expect("entry just found");
                self.deadlines.push(Reverse((d.to_bits(), key)));
            }
        }
        self.purge();
    }

    /// Pops stale deadlines off the top, so the top is the earliest live one; rebuilds the heap when stale items
    /// outnumber the entries (they pile up below the top when deadlines move).
    fn purge(&mut self) {
        let entries = &self.entries;
        let live =
            |bits: u64, cid: &str| entries.get(cid).and_then(|e| e.deadline).is_some_and(|d| d.to_bits() == bits);
        while let Some(Reverse((bits, cid))) = self.deadlines.peek() {
            if live(*bits, cid) {
                break;
            }
            self.deadlines.pop();
        }
        if self.deadlines.len() > 2 * entries.len() + 16 {
            self.deadlines.retain(|Reverse((bits, cid))| live(*bits, cid));
        }
    }

    fn set_server_id(&mut self, cid: &str, sid: Option<&str>) {
        let Some(e) = self.entries.get_mut(cid) else { return };
        let old = e.server_id.take();
        e.server_id = sid.map(Into::into);
        if let Some(old) = old {
            self.server_ids.remove(&*old);
        }
        if let Some(s) = sid {
            let key = self.shared_id(cid).expect("entry just found");
            self.server_ids.insert(s.into(), key);
        }
    }

    /// REST success: `sent`, no failure deadline. With a server id the echo is expected under that id, so the
    /// send leaves text matching (it must not swallow a different message).
    pub(crate) fn mark_sent(&mut self, cid: &str, server_id: Option<&str>) {
        let Some(e) = self.entries.get_mut(cid) else { return };
        e.state = SendState::Sent;
        self.set_deadline(cid, None);
        if server_id.is_some() {
            self.set_fifo(cid, false);
            self.set_server_id(cid, server_id);
        }
    }

    /// Kept as failed: out of text matching, no deadline. A known server id stays mapped, so a late echo still
    /// replaces it.
    pub(crate) fn mark_failed(&mut self, cid: &str) {
        let Some(e) = self.entries.get_mut(cid) else { return };
        e.state = SendState::Failed;
        self.set_fifo(cid, false);
        self.set_deadline(cid, None);
    }

    /// Back to pending with a new timestamp and deadline, at the back of its FIFO queue.
    pub(crate) fn retry(&mut self, cid: &str, now: f64, deadline: f64) {
        let Some(e) = self.entries.get_mut(cid) else { return };
        e.state = SendState::Pending;
        e.ts = now;
        self.set_fifo(cid, false);
        self.set_fifo(cid, true);
        self.set_deadline(cid, Some(deadline));
    }

    /// Replaced by its confirmed message: the entry goes, the client id is remembered until `forget_at`.
    pub(crate) fn confirm(&mut self, cid: &str, forget_at: f64) {
        if self.remove(cid).is_none() {
            return;
        }
        let h = id_hash(cid);
        self.confirmed.insert(h, ());
        self.forget.push_back((forget_at, h));
    }

    /// Forgets a confirmed send (REST reported after the echo: nothing more is expected). Whether it was one.
    pub(crate) fn forget_confirmed(&mut self, cid: &str) -> bool {
        // Its `forget` item stays and finds nothing when due.
        self.confirmed.remove(&id_hash(cid)).is_some()
    }

    pub(crate) fn remove(&mut self, cid: &str) -> Option<Entry> {
        self.set_fifo(cid, false);
        self.set_deadline(cid, None);
        self.set_server_id(cid, None);
        let e = self.entries.remove(cid);
        if self.entries.is_empty() {
            // All sends settled (the usual state between bursts): give the tables' memory back.
            self.entries = FastMap::default();
            self.fifo = HashKeyed::default();
            self.server_ids = FastMap::default();
            self.deadlines = BinaryHeap::new();
        }
        e
    }

    pub(crate) fn next_deadline(&self) -> Option<f64> {
        let send = self.deadlines.peek().map(|Reverse((bits, _))| f64::from_bits(*bits));
        let forget = self.forget.front().map(|(t, _)| *t);
        match (send, forget) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Client ids of unconfirmed sends whose deadline is `<= now`, earliest first (their deadlines are cleared);
    /// confirmed sends due are forgotten.
    pub(crate) fn take_due(&mut self, now: f64) -> Vec<String> {
        while let Some(&(t, h)) = self.forget.front() {
            if t > now {
                break;
            }
            self.forget.pop_front();
            self.confirmed.remove(&h);
        }
        if self.confirmed.len() == 0 {
            self.confirmed = HashKeyed::default();
        }
        let mut due = Vec::new();
        // The top is live (see `purge`): take it and clear its entry's deadline (duplicates then go stale).
        while let Some(Reverse((bits, _))) = self.deadlines.peek() {
            if f64::from_bits(*bits) > now {
                break;
            }
            let Some(Reverse((_, cid))) = self.deadlines.pop() else { break };
            self.set_deadline(&cid, None);
            due.push(cid.to_string());
        }
        due
    }

    /// Sends tracked: unconfirmed, or confirmed and not yet forgotten.
    pub(crate) fn len(&self) -> usize {
        self.entries.len() + self.confirmed.len()
    }
}

/// Equal when the sends are: `deadlines` and `forget` are indexes whose stale items depend on history.
impl PartialEq for Optimistic {
    fn eq(&self, other: &Self) -> bool {
        self.entries == other.entries
            && self.fifo == other.fifo
            && self.server_ids == other.server_ids
            && self.confirmed == other.confirmed
            && self.counter == other.counter
    }
}

#[cfg(test)]
mod tests {
    use super::{Entry, Optimistic};

    fn add(o: &mut Optimistic, cid: &str, deadline: f64) {
        o.insert(cid.into(), Entry::new("r".into(), None, cid, 0.0), deadline);
    }

    #[test]
    fn deadlines_fire_earliest_first_after_moves_and_removals() {
        let mut o = Optimistic::default();
        for (cid, d) in [("c", 30.0), ("a", 10.0), ("b", 10.0), ("d", 40.0), ("e", 50.0)] {
            add(&mut o, cid, d);
        }
        o.mark_sent("a", None); // cleared
        o.confirm("c", 5.0); // out of the sends, remembered until 5
        o.retry("d", 1.0, 60.0); // moved later
        assert!(o.remove("e").is_some());
        assert_eq!(o.next_deadline(), Some(5.0));
        assert!(o.is_confirmed("c"));
        assert_eq!(o.take_due(30.0), ["b"]);
        assert!(!o.is_confirmed("c") && !o.contains("c"));
        assert_eq!(o.next_deadline(), Some(60.0));
        o.retry("a", 2.0, 60.0); // same deadline as "d": ties by client id
        o.retry("a", 3.0, 60.0); // unchanged deadline: still fires once
        assert_eq!(o.take_due(100.0), ["a", "d"]);
        assert_eq!(o.next_deadline(), None);
        assert!(o.take_due(1e9).is_empty());
    }

    #[test]
    fn a_confirmed_send_is_remembered_apart_and_forgotten_once() {
        let mut o = Optimistic::default();
        add(&mut o, "x", 10.0);
        add(&mut o, "y", 10.0);
        o.confirm("x", 50.0);
        assert!(o.get("x").is_none() && o.is_confirmed("x") && o.contains("x"));
        assert_eq!(o.len(), 2);
        // Text matching no longer offers it.
        assert_eq!(o.find_text_match("r", None, "x", 0.0, 1.0), None);
        assert_eq!(o.find_text_match("r", None, "y", 0.0, 1.0), Some("y"));
        assert!(o.forget_confirmed("x"));
        assert!(!o.forget_confirmed("x"));
        assert_eq!(o.len(), 1);
        // Its forget time still comes due, finding nothing.
        assert_eq!(o.take_due(60.0), ["y"]);
        assert_eq!(o.next_deadline(), None);
    }

    #[test]
    fn stale_deadlines_do_not_pile_up() {
        let mut o = Optimistic::default();
        add(&mut o, "x", 1.0);
        for i in 0..1000 {
            o.retry("x", 0.0, 2.0 + f64::from(i));
        }
        assert!(o.deadlines.len() <= 2 * o.len() + 17);
        assert_eq!(o.take_due(1e9), ["x"]);
    }
}
