//! Status updates that arrived before their message: held (bounded in count and age) and applied on arrival.

use crate::index_map::FastMap;
use std::collections::VecDeque;

use super::model::Status;

#[derive(Debug, Clone, PartialEq)]
struct Held {
    status: Status,
    /// When the first update for this id was held; the age limit counts from here.
    since: f64,
    seq: u64,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct HeldUpdates {
    by_id: FastMap<String, Held>,
    /// Arrival order (`seq`, id); entries whose `seq` no longer matches `by_id` are stale and skipped.
    order: VecDeque<(u64, String)>,
    next_seq: u64,
}

impl HeldUpdates {
    /// Holds `status` for `id`, combining with an already held one by the forward rule. Evicts the oldest entry
    /// when more than `max` are held.
    pub(crate) fn hold(&mut self, id: &str, status: Status, now: f64, max: usize) {
        if let Some(h) = self.by_id.get_mut(id) {
            h.status = h.status.advanced_by(status);
            return;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.by_id.insert(id.to_owned(), Held { status, since: now, seq });
        self.order.push_back((seq, id.to_owned()));
        while self.by_id.len() > max {
            let Some((s, old)) = self.order.pop_front() else { break };
            if self.by_id.get(&old).is_some_and(|h| h.seq == s) {
                self.by_id.remove(&old);
            }
        }
        self.compact();
    }

    /// Removes and returns the held status for `id`.
    pub(crate) fn take(&mut self, id: &str) -> Option<Status> {
        let s = self.by_id.remove(id).map(|h| h.status);
        self.compact();
        s
    }

    /// Drops stale queue entries at the front so `order` stays proportional to `by_id`.
    fn compact(&mut self) {
        while let Some((s, id)) = self.order.front() {
            if self.by_id.get(id).is_some_and(|h| h.seq == *s) {
                break;
            }
            self.order.pop_front();
        }
        if self.order.len() > 2 * self.by_id.len() + 16 {
            let by_id = &self.by_id;
            self.order.retain(|(s, id)| by_id.get(id).is_some_and(|h| h.seq == *s));
        }
    }

    /// When the oldest held update expires.
    pub(crate) fn next_deadline(&self, max_age: f64) -> Option<f64> {
        let (_, id) = self.order.front()?;
        self.by_id.get(id).map(|h| h.since + max_age)
    }

    /// Drops every held update older than `max_age`.
    pub(crate) fn expire(&mut self, now: f64, max_age: f64) {
        while let Some((s, id)) = self.order.front() {
            match self.by_id.get(id) {
                Some(h) if h.seq == *s && h.since + max_age > now => break,
                Some(h) if h.seq == *s => {
                    let id = id.clone();
                    self.by_id.remove(&id);
                }
                _ => {}
            }
            self.order.pop_front();
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.by_id.len()
    }
}
