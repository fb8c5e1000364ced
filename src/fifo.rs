//! A first-in first-out queue made of two `Vec`s, for the crate's queues (actions, events, buffered emits).
//!
//! Why not `VecDeque`: its ring-buffer wrap-around handling is instantiated per element type and costs several KB
//! of wasm; these queues need only push, pop, peek and retain, which two stacks do in O(1) amortized.

/// Elements are pushed onto `back`; `front` holds older elements in reverse order, so popping is `Vec::pop`. When
/// `front` runs empty, `back` is reversed into it (each element moves once).
#[derive(Debug, Clone)]
pub(crate) struct Fifo<T> {
    front: Vec<T>,
    back: Vec<T>,
}

impl<T> Default for Fifo<T> {
    fn default() -> Self {
        Fifo { front: Vec::new(), back: Vec::new() }
    }
}

impl<T> Fifo<T> {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn push_back(&mut self, item: T) {
        self.back.push(item);
    }

    pub(crate) fn pop_front(&mut self) -> Option<T> {
        if self.front.is_empty() {
            std::mem::swap(&mut self.front, &mut self.back);
            self.front.reverse();
        }
        self.front.pop()
    }

    pub(crate) fn front(&self) -> Option<&T> {
        self.front.last().or_else(|| self.back.first())
    }

    pub(crate) fn len(&self) -> usize {
        self.front.len() + self.back.len()
    }

    /// Keeps the elements for which `keep` is true, in order.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        self.front.retain(&mut keep);
        self.back.retain(keep);
    }

    /// Oldest first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> {
        self.front.iter().rev().chain(&self.back)
    }
}

/// Equal when they hold the same elements in the same order, however split between the two stacks.
impl<T: PartialEq> PartialEq for Fifo<T> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
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
