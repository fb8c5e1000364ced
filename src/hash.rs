//! A small, fast, non-cryptographic hasher for the crate's hash maps (the multiply-rotate scheme popularised by
//! Firefox and rustc as "FxHash").
//!
//! The standard library's default, SipHash-1-3 with random keys, resists hash-flooding by an attacker who picks
//! the keys. Here the keys are room, message and client ids coming from our own back end over an authenticated
//! socket (or generated locally), and maps are per browser tab: there is no untrusted party who could flood one,
//! and the worst case would only slow that one tab. SipHash showed up among the top functions of ingest profiles,
//! so the cheaper hash is the better trade.
//!
//! Re-measured (issue 20, nightly build-std + `wasm-opt -Os`, gzip -9 of the .wasm): std's `DefaultHasher`
//! (SipHash-1-3) in its place makes the wasm 115 002 B against 114 605 B (+397 B), and `frame_ingest` 5 % slower
//! (2 365 against 2 245 ns/frame, median of 5 interleaved runs on the shared 2-core machine).

use std::hash::Hasher;

/// Fx-style hasher: for each word, `hash = (hash.rotl(5) ^ word) * K`.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(K);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut buf = [0u8; 8];
            buf[..rest.len()].copy_from_slice(rest);
            // Mix in the length so "a" and "a\0" differ.
            self.add(u64::from_le_bytes(buf) ^ ((rest.len() as u64) << 59));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index_map::FastMap;
    use std::collections::HashSet;
    use std::hash::{BuildHasher, BuildHasherDefault};

    fn h(s: &str) -> u64 {
        BuildHasherDefault::<FxHasher>::default().hash_one(s)
    }

    #[test]
    fn distinguishes_close_keys() {
        let keys = ["", "a", "b", "a\0", "ab", "ba", "room-1", "room-2", "12345678", "123456789"];
        let hashes: HashSet<u64> = keys.iter().map(|k| h(k)).collect();
        assert_eq!(hashes.len(), keys.len());
        let mut m: FastMap<String, usize> = FastMap::default();
        for i in 0..1000 {
            m.insert(format!("m{i}"), i);
        }
        assert!((0..1000).all(|i| m.get(&format!("m{i}")) == Some(&i)));
    }
}
