//! The crate's first-in first-out queues (actions, events, buffered emits): `VecDeque` behind the small API they
//! use (push, pop, peek, retain, iterate).
//!
//! This was a hand-written queue of two `Vec`s, kept because `VecDeque`'s ring-buffer code "cost several KB of
//! wasm". Re-measured (issue 20, nightly build-std + `wasm-opt -Os`, gzip -9 of the .wasm): `VecDeque` costs
//! 500 B (115 105 B against 114 605 B), and is faster: `frame_ingest` (10 000 frames) ran 222.5 M instructions
//! against 229.1 M (callgrind, −2.9 %), 2 188 against 2 245 ns/frame (median of 5 interleaved runs on the shared
//! 2-core machine; −2.5 % to −4 % at 1 k, 10 k and 100 k frames). The two-stack queue paid a reversal on every
//! refill, which a queue that is pushed once and popped once per event does all the time.

use std::collections::VecDeque;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fifo<T>(VecDeque<T>);

impl<T> Default for Fifo<T> {
    fn default() -> Self {
        Fifo(VecDeque::new())
    }
}

impl<T> Fifo<T> {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn push_back(&mut self, item: T) {
        self.0.push_back(item);
    }

    pub(crate) fn pop_front(&mut self) -> Option<T> {
        self.0.pop_front()
    }

    pub(crate) fn front(&self) -> Option<&T> {
        self.0.front()
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// Keeps the elements for which `keep` is true, in order.
    pub(crate) fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        self.0.retain(keep);
    }

    /// Oldest first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::Fifo;

    #[test]
    fn first_in_first_out_across_refills() {
        let mut q = Fifo::new();
        q.push_back(1);
        q.push_back(2);
        assert_eq!(q.pop_front(), Some(1));
        q.push_back(3);
        assert_eq!(q.front(), Some(&2));
        assert_eq!(q.len(), 2);
        assert_eq!(q.pop_front(), Some(2));
        assert_eq!(q.pop_front(), Some(3));
        assert_eq!(q.pop_front(), None);
        assert_eq!(q.front(), None);
    }

    #[test]
    fn retain_and_equality_keep_order() {
        let mut a = Fifo::new();
        for i in 0..6 {
            a.push_back(i);
        }
        a.pop_front();
        a.push_back(6);
        a.retain(|&i| i % 2 == 0);
        assert_eq!(a.iter().copied().collect::<Vec<_>>(), [2, 4, 6]);
        let mut b = Fifo::new();
        for i in [2, 4, 6] {
            b.push_back(i);
        }
        assert_eq!(a, b);
        b.pop_front();
        assert_ne!(a, b);
    }
}
