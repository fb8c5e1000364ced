//! The crate's hash maps: one small open-addressing table whose probing code is compiled once.
//!
//! Why not `std::collections::HashMap`: its table (hashbrown) is generic over the entry type, so each map type
//! got its own copy of find / insert / rehash / remove: 30.5 KB of the 288 KB release wasm (before wasm-opt).
//! Here the table proper, [`RawIndex`], is not generic: it maps a `u64` hash to an entry number by linear
//! probing over `Vec<u32>` slots, with the entries' hashes in a parallel `Vec<u64>` (so growing never rehashes
//! a key), and asks about keys through a `&mut dyn FnMut(usize) -> bool`, called only when the full 64-bit hash
//! matches. Removal shifts the rest of the probe run back (no tombstones). The generic layers are thin:
//! - `Keys<K>`: the keys in a dense `Vec`, hashed with [`FxHasher`]; code per key type only (most maps have
//!   `String` keys, and share it);
//! - [`FastMap`]: `Keys<K>` plus the values in a parallel `Vec`; removal is a `swap_remove` of both, the core
//!   re-pointing the slot of the entry that moved;
//! - [`HashKeyed`]: keys that are already well-mixed hashes (`id_hash` values, Fx hashes) are their own hash,
//!   stored once in the core's hash list.
//!
//! Measured when introduced (`scripts/wasm-size.sh`): the wasm went from 288.5 KB to 264.4 KB before wasm-opt
//! (this module 7.5 KB in place of hashbrown's 30.5 KB; std's SipHash went too: two maps used `RandomState`),
//! and from 112.1 KB to 103.6 KB after `wasm-opt -Os` and gzip -9. The price is speed: the probe loop is a
//! call, not inlined, and compares keys through a dyn call; ingest ran ~4 % more instructions (callgrind,
//! `frame_ingest`).
//!
//! Re-measured (issue 20, nightly build-std + `wasm-opt -Os`, gzip -9 of the .wasm): std's `HashMap` (same
//! `FxHasher`) behind this API makes the wasm 120 836 B against 114 605 B: this table still saves 6.2 KB. And it
//! is not slower here: `frame_ingest` ran 2 245 ns/frame with it against 2 331 with `HashMap` (median of 5
//! interleaved runs on the shared 2-core machine; +3 % to +6 % for `HashMap` at 1 k, 10 k and 100 k frames).
//!
//! Iteration is in insertion order, except that a removal moves the last entry into the removed one's place.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{BuildHasher, BuildHasherDefault, Hash};

use crate::hash::FxHasher;

/// An empty slot.
const EMPTY: u32 = u32::MAX;
/// Fewest slots in a table that has any.
const MIN_SLOTS: usize = 8;

/// The non-generic core: entry number by hash. Entries are numbered `0..len` in the caller's `Vec`.
#[derive(Clone, Default)]
struct RawIndex {
    /// Empty, or a power of two long (at least [`MIN_SLOTS`]): entry number, or [`EMPTY`]. At most 3/4
    /// full: probe runs stay short (the hashes are compared first), and at half full the slots of a 10 000-message
    /// room's index were 128 KiB instead of 64.
    slots: Vec<u32>,
    /// The hash of each entry.
    hashes: Vec<u64>,
}

impl RawIndex {
    fn len(&self) -> usize {
        self.hashes.len()
    }

    /// The slot where a probe for `hash` starts in a table of `n` slots: the hash's top bits (Fx hashes end with a
    /// multiply, whose high bits depend on all the input bits).
    fn home(hash: u64, n: usize) -> usize {
        (hash >> (64 - n.trailing_zeros())) as usize
    }

    // The loops index slices, not the `Vec`s: slice indexing is a built-in operation, while `Vec`'s `Index` is a
    // call that opt-level "z" leaves out of line.

    /// `Ok((slot, entry))` of the entry whose hash is `hash` and for which `eq(entry)` holds, or `Err(slot)` of
    /// the empty slot where such an entry would go. The table must have slots.
    fn probe(&self, hash: u64, eq: &mut dyn FnMut(usize) -> bool) -> Result<(usize, usize), usize> {
        let (slots, hashes) = (self.slots.as_slice(), self.hashes.as_slice());
        let mask = slots.len() - 1;
        let mut p = Self::home(hash, slots.len());
        loop {
            let e = slots[p];
            if e == EMPTY {
                return Err(p);
            }
            if hashes[e as usize] == hash && eq(e as usize) {
                return Ok((p, e as usize));
            }
            p = (p + 1) & mask;
        }
    }

    fn find(&self, hash: u64, eq: &mut dyn FnMut(usize) -> bool) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        self.probe(hash, eq).ok().map(|(_, e)| e)
    }

    /// The existing entry (`Ok`), or a new entry number `len` (`Err`) that the caller must push.
    fn insert(&mut self, hash: u64, eq: &mut dyn FnMut(usize) -> bool) -> Result<usize, usize> {
        if 4 * (self.len() + 1) > 3 * self.slots.len() {
            self.grow();
        }
        match self.probe(hash, eq) {
            Ok((_, e)) => Ok(e),
            Err(p) => {
                let e = self.len();
                self.slots.as_mut_slice()[p] = e as u32;
                self.hashes.push(hash);
                Err(e)
            }
        }
    }

    /// Removes the matching entry's slot and hash; returns its number. The caller `swap_remove`s it: the last
    /// entry takes that number, and its slot is updated here.
    fn remove(&mut self, hash: u64, eq: &mut dyn FnMut(usize) -> bool) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        let (p, e) = self.probe(hash, eq).ok()?;
        let (slots, hashes) = (self.slots.as_mut_slice(), self.hashes.as_slice());
        Self::clear_slot(slots, hashes, p);
        let last = hashes.len() - 1;
        if e != last {
            let mask = slots.len() - 1;
            let mut q = Self::home(hashes[last], slots.len());
            while slots[q] as usize != last {
                q = (q + 1) & mask;
            }
            slots[q] = e as u32;
        }
        self.hashes.swap_remove(e);
        Some(e)
    }

    /// Empties slot `hole`, moving later entries of its probe run back so that no run has a gap (no tombstones).
    fn clear_slot(slots: &mut [u32], hashes: &[u64], mut hole: usize) {
        let mask = slots.len() - 1;
        let mut j = hole;
        loop {
            j = (j + 1) & mask;
            let e = slots[j];
            if e == EMPTY {
                break;
            }
            // The entry at `j` may move to `hole` if `hole` lies on its probe path, i.e. between its home and `j`.
            let home = Self::home(hashes[e as usize], slots.len());
            if (j.wrapping_sub(home) & mask) >= (j.wrapping_sub(hole) & mask) {
                slots[hole] = e;
                hole = j;
            }
        }
        slots[hole] = EMPTY;
    }

    fn grow(&mut self) {
        assert!(self.len() < EMPTY as usize, "hash table full");
        self.rebuild((2 * self.slots.len()).max(MIN_SLOTS));
    }

    /// Re-places every entry in `n` slots.
    fn rebuild(&mut self, n: usize) {
        self.slots.clear();
        self.slots.resize(n, EMPTY);
        let slots = self.slots.as_mut_slice();
        let mask = n - 1;
        for (e, &h) in self.hashes.iter().enumerate() {
            let mut p = Self::home(h, n);
            while slots[p] != EMPTY {
                p = (p + 1) & mask;
            }
            slots[p] = e as u32;
        }
    }
}

type Fx = BuildHasherDefault<FxHasher>;

fn fx_hash<Q: Hash + ?Sized>(key: &Q) -> u64 {
    Fx::default().hash_one(key)
}

/// Keys and their index: the part of a [`FastMap`] that depends on the key type only, so maps with the same key
/// type (most have `String` keys) share its code.
#[derive(Clone)]
struct Keys<K> {
    keys: Vec<K>,
    index: RawIndex,
}

impl<K> Default for Keys<K> {
    fn default() -> Self {
        Keys { keys: Vec::new(), index: RawIndex::default() }
    }
}

impl<K: Hash + Eq> Keys<K> {
    fn find<Q: Hash + Eq + ?Sized>(&self, key: &Q) -> Option<usize>
    where
        K: Borrow<Q>,
    {
        // Not even hashing the key when there is nothing to find (as std): maps are often empty (queued events,
        // held updates), and hashing a string is the larger part of a lookup.
        if self.keys.is_empty() {
            return None;
        }
        let keys = &self.keys;
        self.index.find(fx_hash(key), &mut |e| keys[e].borrow() == key)
    }

    /// The entry number of `key`: `Ok` if it was there, `Err` if it was added (the caller pushes its value).
    fn insert(&mut self, key: K) -> Result<usize, usize> {
        let keys = &self.keys;
        let r = self.index.insert(fx_hash(&key), &mut |e| keys[e] == key);
        if r.is_err() {
            self.keys.push(key);
        }
        r
    }

    /// Removes `key`; returns its entry number, which the caller `swap_remove`s from its values.
    fn remove<Q: Hash + Eq + ?Sized>(&mut self, key: &Q) -> Option<usize>
    where
        K: Borrow<Q>,
    {
        if self.keys.is_empty() {
            return None;
        }
        let keys = &self.keys;
        let e = self.index.remove(fx_hash(key), &mut |e| keys[e].borrow() == key)?;
        self.keys.swap_remove(e);
        Some(e)
    }
}

/// A hash map with [`FxHasher`]; the subset of `std::collections::HashMap`'s API the crate uses. Keys and values
/// are in two dense `Vec`s, entry `e` at index `e` of both.
#[derive(Clone)]
pub(crate) struct FastMap<K, V> {
    keys: Keys<K>,
    values: Vec<V>,
}

impl<K, V> Default for FastMap<K, V> {
    fn default() -> Self {
        FastMap { keys: Keys::default(), values: Vec::new() }
    }
}

impl<K: Hash + Eq, V> FastMap<K, V> {
    pub(crate) fn get<Q: Hash + Eq + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.keys.find(key).map(|e| &self.values[e])
    }

    /// The stored key (e.g. a shared `Arc<str>` to clone) and its value.
    pub(crate) fn get_key_value<Q: Hash + Eq + ?Sized>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
    {
        self.keys.find(key).map(|e| (&self.keys.keys[e], &self.values[e]))
    }

    pub(crate) fn get_mut<Q: Hash + Eq + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        self.keys.find(key).map(|e| &mut self.values[e])
    }

    pub(crate) fn contains_key<Q: Hash + Eq + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.keys.find(key).is_some()
    }

    /// Inserts or replaces; returns the replaced value (the old key is kept, as in std).
    pub(crate) fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.keys.insert(key) {
            Ok(e) => Some(std::mem::replace(&mut self.values[e], value)),
            Err(_) => {
                self.values.push(value);
                None
            }
        }
    }

    /// The value of `key`, or, when absent, `new()`'s key (equal to `key`) and value inserted: one probe when
    /// present (not `contains_key` + `get_mut`), and no owned key made unless inserting.
    pub(crate) fn get_mut_or_insert<Q: Hash + Eq + ?Sized>(&mut self, key: &Q, new: impl FnOnce() -> (K, V)) -> &mut V
    where
        K: Borrow<Q>,
    {
        if let Some(e) = self.keys.find(key) {
            return &mut self.values[e];
        }
        let (k, v) = new();
        self.get_or_insert_with(k, || v)
    }

    /// `entry(key).or_insert_with(value)`.
    pub(crate) fn get_or_insert_with(&mut self, key: K, value: impl FnOnce() -> V) -> &mut V {
        let e = match self.keys.insert(key) {
            Ok(e) => e,
            Err(e) => {
                self.values.push(value());
                e
            }
        };
        &mut self.values[e]
    }

    pub(crate) fn remove<Q: Hash + Eq + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let e = self.keys.remove(key)?;
        Some(self.values.swap_remove(e))
    }
}

impl<K, V> FastMap<K, V> {
    pub(crate) fn len(&self) -> usize {
        self.values.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    // Concrete iterator types, not `impl Iterator`: the borrow checker then knows that they have no destructor,
    // so `if let Some(k) = m.keys().find(..).cloned() { m.remove(&k); }` compiles, as with std.
    pub(crate) fn iter(&self) -> std::iter::Zip<std::slice::Iter<'_, K>, std::slice::Iter<'_, V>> {
        self.keys.keys.iter().zip(&self.values)
    }

    pub(crate) fn keys(&self) -> std::slice::Iter<'_, K> {
        self.keys.keys.iter()
    }

    #[cfg(test)] // for `MessageStore::memory_breakdown`
    pub(crate) fn values_mut(&mut self) -> std::slice::IterMut<'_, V> {
        self.values.iter_mut()
    }

    #[cfg(test)]
    fn index(&self) -> &RawIndex {
        &self.keys.index
    }
}

impl<K: Hash + Eq, V> FromIterator<(K, V)> for FastMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut m = FastMap::default();
        for (k, v) in iter {
            m.insert(k, v);
        }
        m
    }
}

/// Equal when they hold the same keys with equal values, in any order (as std's).
impl<K: Hash + Eq, V: PartialEq> PartialEq for FastMap<K, V> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for FastMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// A map keyed by `u64`s that are already well-mixed hashes (`id_hash` values, Fx hashes): the key is used as
/// its own hash and is stored once, in the core's hash list.
#[derive(Clone)]
pub(crate) struct HashKeyed<V> {
    values: Vec<V>,
    index: RawIndex,
}

impl<V> Default for HashKeyed<V> {
    fn default() -> Self {
        HashKeyed { values: Vec::new(), index: RawIndex::default() }
    }
}

/// The core compares hashes before asking; here the hash is the key.
fn same(_: usize) -> bool {
    true
}

impl<V> HashKeyed<V> {
    pub(crate) fn get(&self, key: &u64) -> Option<&V> {
        self.index.find(*key, &mut same).map(|e| &self.values[e])
    }

    pub(crate) fn get_mut(&mut self, key: &u64) -> Option<&mut V> {
        self.index.find(*key, &mut same).map(|e| &mut self.values[e])
    }

    /// Inserts or replaces; returns the replaced value.
    pub(crate) fn insert(&mut self, key: u64, value: V) -> Option<V> {
        match self.index.insert(key, &mut same) {
            Ok(e) => Some(std::mem::replace(&mut self.values[e], value)),
            Err(_) => {
                self.values.push(value);
                None
            }
        }
    }

    /// `entry(key).or_insert_with(value)`.
    pub(crate) fn get_or_insert_with(&mut self, key: u64, value: impl FnOnce() -> V) -> &mut V {
        match self.index.insert(key, &mut same) {
            Ok(e) => &mut self.values[e],
            Err(_) => {
                self.values.push(value());
                self.values.last_mut().expect("just pushed")
            }
        }
    }

    pub(crate) fn remove(&mut self, key: &u64) -> Option<V> {
        let e = self.index.remove(*key, &mut same)?;
        Some(self.values.swap_remove(e))
    }

    pub(crate) fn len(&self) -> usize {
        self.values.len()
    }

    fn iter(&self) -> impl Iterator<Item = (u64, &V)> {
        self.index.hashes.iter().copied().zip(&self.values)
    }

    #[cfg(test)]
    fn index(&self) -> &RawIndex {
        &self.index
    }
}

impl<V: PartialEq> PartialEq for HashKeyed<V> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(&k) == Some(v))
    }
}

impl<V: fmt::Debug> fmt::Debug for HashKeyed<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every entry is reachable from its home slot without crossing an empty slot, and the slots list each
    /// entry exactly once; the table is at most 3/4 full.
    pub(super) fn check(ix: &RawIndex) {
        if ix.slots.is_empty() {
            assert!(ix.hashes.is_empty());
            return;
        }
        assert!(ix.slots.len().is_power_of_two() && ix.slots.len() >= MIN_SLOTS);
        assert!(4 * ix.len() <= 3 * ix.slots.len());
        let mask = ix.slots.len() - 1;
        let mut seen = vec![false; ix.len()];
        for (p, &e) in ix.slots.iter().enumerate() {
            if e == EMPTY {
                continue;
            }
            assert!(!std::mem::replace(&mut seen[e as usize], true), "entry {e} in two slots");
            let mut q = RawIndex::home(ix.hashes[e as usize], ix.slots.len());
            while q != p {
                assert_ne!(ix.slots[q], EMPTY, "gap before entry {e}");
                q = (q + 1) & mask;
            }
        }
        assert!(seen.iter().all(|s| *s), "an entry without a slot");
    }

    /// A key whose hash is always the same: every lookup compares keys.
    #[derive(Debug, Clone, PartialEq, Eq)]
    struct Bad(u32);

    impl Hash for Bad {
        fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
            h.write_u8(7);
        }
    }

    #[test]
    fn insert_get_replace_remove() {
        let mut m: FastMap<String, u32> = FastMap::default();
        assert!(m.is_empty() && m.get("a").is_none() && m.remove("a").is_none());
        assert_eq!(m.insert("a".into(), 1), None);
        assert_eq!(m.insert("b".into(), 2), None);
        assert_eq!(m.insert("a".into(), 3), Some(1));
        assert_eq!((m.len(), m.get("a"), m.get("b"), m.get("c")), (2, Some(&3), Some(&2), None));
        *m.get_mut("b").unwrap() += 10;
        assert_eq!(*m.get_or_insert_with("b".into(), || 99), 12);
        assert_eq!(*m.get_or_insert_with("c".into(), || 99), 99);
        assert!(m.contains_key("c"));
        assert_eq!(m.remove("a"), Some(3));
        assert_eq!(m.remove("a"), None);
        assert_eq!(m.get("c"), Some(&99));
        assert_eq!(m.len(), 2);
        check(m.index());
        let mut keys: Vec<&str> = m.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["b", "c"]);
    }

    #[test]
    fn grows_and_shrinks_through_many_entries() {
        let mut m: FastMap<u64, u64> = FastMap::default();
        for i in 0..10_000 {
            assert_eq!(m.insert(i, i * 2), None);
        }
        check(m.index());
        assert_eq!(m.index().slots.len(), 16_384);
        assert!((0..10_000).all(|i| m.get(&i) == Some(&(i * 2))));
        for i in (0..10_000).step_by(3) {
            assert_eq!(m.remove(&i), Some(i * 2));
        }
        check(m.index());
        assert!((0..10_000).all(|i| m.get(&i) == (i % 3 != 0).then_some(&(i * 2))));
        // Removed keys come back.
        for i in (0..10_000).step_by(3) {
            assert_eq!(m.insert(i, i), None);
        }
        check(m.index());
        assert_eq!(m.len(), 10_000);
        assert!((0..10_000).all(|i| m.get(&i) == Some(&if i % 3 == 0 { i } else { i * 2 })));
    }

    #[test]
    fn equal_hashes_compare_keys() {
        let mut m: FastMap<Bad, u32> = FastMap::default();
        for i in 0..100 {
            m.insert(Bad(i), i);
        }
        check(m.index());
        assert!((0..100).all(|i| m.get(&Bad(i)) == Some(&i)));
        assert_eq!(m.get(&Bad(100)), None);
        for i in (0..100).rev().step_by(2) {
            assert_eq!(m.remove(&Bad(i)), Some(i));
            check(m.index());
        }
        assert!((0..100).all(|i| m.get(&Bad(i)) == (i % 2 == 0).then_some(&i)));
    }

    #[test]
    fn one_long_probe_run_survives_removals_in_the_middle() {
        // Small keys all start probing at slot 0 (the home is the top bits): one run of collisions.
        let mut m: HashKeyed<u64> = HashKeyed::default();
        for k in 0..40 {
            m.insert(k, k + 1);
        }
        // A key whose home is inside the run, and two whose home is the last slot (the second wraps around).
        m.insert(5 << 58, 0);
        m.insert(u64::MAX - 1, 0);
        m.insert(u64::MAX, 0);
        assert_eq!(m.index().slots.len(), 64);
        check(m.index());
        for k in [7, u64::MAX - 1, 0, 39, 20, 5 << 58, 21, u64::MAX] {
            assert!(m.remove(&k).is_some());
            check(m.index());
            assert_eq!(m.get(&k), None);
        }
        assert!((0..40).filter(|k| ![7, 0, 39, 20, 21].contains(k)).all(|k| m.get(&k) == Some(&(k + 1))));
        assert_eq!(m.len(), 35);
        *m.get_or_insert_with(7, || 0) += 5;
        *m.get_mut(&8).unwrap() += 5;
        assert_eq!((m.get(&7), m.get(&8)), (Some(&5), Some(&14)));
    }

    #[test]
    fn equality_ignores_order() {
        let a: FastMap<u32, u32> = (0..50).map(|i| (i, i)).collect();
        let mut b: FastMap<u32, u32> = (0..50).rev().map(|i| (i, i)).collect();
        assert_eq!(a, b);
        b.insert(3, 4);
        assert_ne!(a, b);
        b.insert(3, 3);
        b.insert(50, 50);
        assert_ne!(a, b);
        b.remove(&50);
        assert_eq!(a, b);
        let one: FastMap<&str, u32> = [("k", 1)].into_iter().collect();
        assert_eq!(format!("{one:?}"), r#"{"k": 1}"#);
    }

    #[test]
    fn get_mut_or_insert_makes_the_entry_only_when_absent() {
        let mut m: FastMap<String, u32> = FastMap::default();
        *m.get_mut_or_insert("a", || ("a".to_owned(), 1)) += 10;
        *m.get_mut_or_insert("a", || unreachable!("present: no new entry")) += 100;
        *m.get_mut_or_insert("b", || ("b".to_owned(), 2)) += 20;
        assert_eq!((m.get("a"), m.get("b"), m.len()), (Some(&111), Some(&22), 2));
    }

    #[test]
    fn a_cleared_table_is_equal_to_a_new_one() {
        let mut m: HashKeyed<()> = HashKeyed::default();
        for k in 0..20u64 {
            m.insert(k.wrapping_mul(0x9e37_79b9_7f4a_7c15), ());
        }
        for k in 0..20u64 {
            assert_eq!(m.remove(&k.wrapping_mul(0x9e37_79b9_7f4a_7c15)), Some(()));
        }
        check(m.index());
        assert!(m.index().slots.iter().all(|&s| s == EMPTY));
        assert_eq!(m, HashKeyed::default());
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))] // proptest is a native-only dev-dependency
mod proptests {
    use super::tests::check;
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u64, u32),
        GetOrInsert(u64, u32),
        Remove(u64),
        Bump(u64),
    }

    /// Keys from a small range (so operations hit existing keys), spread so that some share their top bits.
    fn key() -> impl Strategy<Value = u64> {
        prop_oneof![0..64u64, (0..64u64).prop_map(|k| k << 58), (0..64u64).prop_map(|k| (k << 58) | 1)]
    }

    fn ops() -> impl Strategy<Value = Vec<Op>> {
        let op = prop_oneof![
            4 => (key(), any::<u32>()).prop_map(|(k, v)| Op::Insert(k, v)),
            1 => (key(), any::<u32>()).prop_map(|(k, v)| Op::GetOrInsert(k, v)),
            3 => key().prop_map(Op::Remove),
            1 => key().prop_map(Op::Bump),
        ];
        proptest::collection::vec(op, 0..400)
    }

    /// The operations under test, on one of our maps.
    trait Map: Default {
        fn insert(&mut self, k: u64, v: u32) -> Option<u32>;
        fn get_or_insert(&mut self, k: u64, v: u32) -> &mut u32;
        fn remove(&mut self, k: u64) -> Option<u32>;
        fn get(&self, k: u64) -> Option<u32>;
        fn len(&self) -> usize;
        fn index(&self) -> &RawIndex;
    }

    impl Map for FastMap<u64, u32> {
        fn insert(&mut self, k: u64, v: u32) -> Option<u32> {
            FastMap::insert(self, k, v)
        }
        fn get_or_insert(&mut self, k: u64, v: u32) -> &mut u32 {
            self.get_or_insert_with(k, || v)
        }
        fn remove(&mut self, k: u64) -> Option<u32> {
            FastMap::remove(self, &k)
        }
        fn get(&self, k: u64) -> Option<u32> {
            FastMap::get(self, &k).copied()
        }
        fn len(&self) -> usize {
            FastMap::len(self)
        }
        fn index(&self) -> &RawIndex {
            self.index()
        }
    }

    impl Map for HashKeyed<u32> {
        fn insert(&mut self, k: u64, v: u32) -> Option<u32> {
            HashKeyed::insert(self, k, v)
        }
        fn get_or_insert(&mut self, k: u64, v: u32) -> &mut u32 {
            self.get_or_insert_with(k, || v)
        }
        fn remove(&mut self, k: u64) -> Option<u32> {
            HashKeyed::remove(self, &k)
        }
        fn get(&self, k: u64) -> Option<u32> {
            HashKeyed::get(self, &k).copied()
        }
        fn len(&self) -> usize {
            HashKeyed::len(self)
        }
        fn index(&self) -> &RawIndex {
            self.index()
        }
    }

    impl Map for FastMap<Collide, u32> {
        fn insert(&mut self, k: u64, v: u32) -> Option<u32> {
            FastMap::insert(self, Collide(k), v)
        }
        fn get_or_insert(&mut self, k: u64, v: u32) -> &mut u32 {
            self.get_or_insert_with(Collide(k), || v)
        }
        fn remove(&mut self, k: u64) -> Option<u32> {
            FastMap::remove(self, &Collide(k))
        }
        fn get(&self, k: u64) -> Option<u32> {
            FastMap::get(self, &Collide(k)).copied()
        }
        fn len(&self) -> usize {
            FastMap::len(self)
        }
        fn index(&self) -> &RawIndex {
            self.index()
        }
    }

    /// Runs `ops` on one of our maps and on std's, comparing every answer and checking the table after each.
    fn agree<M: Map>(ops: &[Op]) -> Result<(), TestCaseError> {
        let mut ours = M::default();
        let mut std: HashMap<u64, u32> = HashMap::new();
        for op in ops {
            match *op {
                Op::Insert(k, v) => prop_assert_eq!(ours.insert(k, v), std.insert(k, v)),
                Op::GetOrInsert(k, v) => prop_assert_eq!(*ours.get_or_insert(k, v), *std.entry(k).or_insert(v)),
                Op::Remove(k) => prop_assert_eq!(ours.remove(k), std.remove(&k)),
                Op::Bump(k) => {
                    let o = ours.get_or_insert(k, 0);
                    *o = o.wrapping_add(1);
                    let s = std.entry(k).or_insert(0);
                    *s = s.wrapping_add(1);
                }
            }
            prop_assert_eq!(ours.len(), std.len());
            check(ours.index());
        }
        for k in (0..64).chain((0..64).map(|k| k << 58)).chain((0..64).map(|k| (k << 58) | 1)) {
            prop_assert_eq!(ours.get(k), std.get(&k).copied());
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn fast_map_agrees_with_std(ops in ops()) {
            agree::<FastMap<u64, u32>>(&ops)?;
        }

        #[test]
        fn hash_keyed_agrees_with_std(ops in ops()) {
            agree::<HashKeyed<u32>>(&ops)?;
        }

        /// Two hashes for all keys: correctness rests on the key comparison alone.
        #[test]
        fn colliding_keys_agree_with_std(ops in ops()) {
            agree::<FastMap<Collide, u32>>(&ops)?;
        }
    }

    /// A key that hashes by its low bit only: two hashes for all keys.
    #[derive(Debug, Clone, PartialEq, Eq)]
    struct Collide(u64);

    impl Hash for Collide {
        fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
            h.write_u64(self.0 & 1);
        }
    }
}
