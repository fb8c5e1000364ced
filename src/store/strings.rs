//! [`Strings`]: all of one message's own strings in a single allocation.
//!
//! Why: a message carries up to seven strings (id, text, sender, client id, failure reason, UI key, unknown
//! fields). As separate `Box<str>`s each costs an allocation with its own header and size rounding, and a pointer
//! and length in the message; a 10 000-message room held ≈ 3 of them per message. Packed, a message holds one
//! pointer: the buffer starts with the present parts' lengths (a few ASCII digits each, see [`push_len`]) and
//! then their bytes. The strings are written when the message is built and seldom after (a confirmation, a
//! failure): a change rebuilds the buffer.

use std::fmt;

/// One of a message's strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    Id,
    Text,
    User,
    Client,
    Error,
    /// The UI key when it is not the id.
    Key,
    /// The unknown fields' JSON text (see [`super::Extra`]).
    Extra,
}

const PARTS: usize = 7;

/// The parts of a [`Strings`], in [`Part`] order; `None` = absent.
pub(crate) type Parts<'a> = [Option<&'a str>; PARTS];

#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct Strings {
    /// The present parts' lengths, then their bytes, in [`Part`] order.
    buf: Box<str>,
    /// Bit `i` set: part `i` is present, so an absent part and an empty one stay different.
    present: u8,
}

/// Appends `n` as ASCII digits, most significant first: `0x40..=0x7F` carry 6 bits each and mean "more follow",
/// the last digit (`0x20..=0x3F`) carries 5 bits. ASCII keeps the buffer a `str`; lengths below 32 take one
/// byte, below 2 048 two.
fn push_len(buf: &mut String, mut n: usize) {
    let mut digits = [0u8; 12];
    digits[0] = 0x20 | (n & 0x1f) as u8;
    n >>= 5;
    let mut k = 1;
    while n > 0 {
        digits[k] = 0x40 | (n & 0x3f) as u8;
        n >>= 6;
        k += 1;
    }
    digits[..k].iter().rev().for_each(|&d| buf.push(char::from(d)));
}

/// Reads a length written by [`push_len`] at `*pos`, advancing it.
fn read_len(bytes: &[u8], pos: &mut usize) -> usize {
    let mut n = 0;
    while let Some(&d) = bytes.get(*pos) {
        *pos += 1;
        if d < 0x40 {
            return (n << 5) | usize::from(d & 0x1f);
        }
        n = (n << 6) | usize::from(d & 0x3f);
    }
    n
}

impl Strings {
    pub(crate) fn new(parts: Parts<'_>) -> Strings {
        let total: usize = parts.iter().flatten().map(|s| s.len()).sum();
        let mut buf = String::with_capacity(total + 2 * PARTS);
        let mut present = 0;
        for (i, part) in parts.iter().enumerate() {
            if let Some(s) = part {
                push_len(&mut buf, s.len());
                present |= 1 << i;
            }
        }
        parts.iter().flatten().for_each(|s| buf.push_str(s));
        Strings { buf: buf.into_boxed_str(), present }
    }

    /// Byte range of each part in `buf` (empty for absent ones).
    fn spans(&self) -> [(usize, usize); PARTS] {
        let bytes = self.buf.as_bytes();
        let mut lens = [0; PARTS];
        let mut pos = 0;
        for (i, len) in lens.iter_mut().enumerate() {
            if self.present & (1 << i) != 0 {
                *len = read_len(bytes, &mut pos);
            }
        }
        lens.map(|len| {
            let span = (pos, pos + len);
            pos += len;
            span
        })
    }

    /// One part. The hot accessor (a message's id is read on every index probe and order comparison): one walk
    /// over the length header, no span table.
    /// Bytes held: the parts and their lengths.
    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }

    pub(crate) fn get(&self, part: Part) -> Option<&str> {
        let i = part as u32;
        if self.present & (1 << i) == 0 {
            return None;
        }
        let bytes = self.buf.as_bytes();
        let (mut pos, mut start, mut len) = (0, 0, 0);
        let mut bits = self.present;
        while bits != 0 {
            let k = bits.trailing_zeros();
            bits &= bits - 1;
            let n = read_len(bytes, &mut pos);
            if k < i {
                start += n;
            } else if k == i {
                len = n;
            }
        }
        self.buf.get(pos + start..pos + start + len)
    }

    pub(crate) fn parts(&self) -> Parts<'_> {
        let spans = self.spans();
        let mut parts = [None; PARTS];
        for (i, (part, (start, end))) in parts.iter_mut().zip(spans).enumerate() {
            if self.present & (1 << i) != 0 {
                *part = self.buf.get(start..end);
            }
        }
        parts
    }

    /// Replaces one part (rebuilds the buffer); returns whether it changed.
    pub(crate) fn set(&mut self, part: Part, value: Option<&str>) -> bool {
        let mut parts = self.parts();
        if parts[part as usize] == value {
            return false;
        }
        parts[part as usize] = value;
        let rebuilt = Strings::new(parts);
        *self = rebuilt;
        true
    }
}

impl fmt::Debug for Strings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.parts()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_round_trip_and_absent_differs_from_empty() {
        let s = Strings::new([Some("wamid.1"), Some(""), None, Some("c-1"), None, None, Some(r#"{"a":1}"#)]);
        assert_eq!(s.parts(), [Some("wamid.1"), Some(""), None, Some("c-1"), None, None, Some(r#"{"a":1}"#)]);
        assert_eq!(s.get(Part::Client), Some("c-1"));
        assert_eq!(s.get(Part::User), None);
        assert_eq!(Strings::default().parts(), [None; PARTS]);
    }

    #[test]
    fn lengths_of_every_size_round_trip() {
        for len in [0, 1, 31, 32, 2_047, 2_048, 131_071, 131_072, 1_000_000] {
            let text = "é".repeat(len / 2) + &"x".repeat(len % 2);
            let s = Strings::new([Some("id"), Some(&text), Some("agent"), None, None, Some("key"), None]);
            assert_eq!(s.parts(), [Some("id"), Some(text.as_str()), Some("agent"), None, None, Some("key"), None]);
        }
    }

    #[test]
    fn set_replaces_one_part_only() {
        let mut s = Strings::new([Some("id"), Some("olá"), Some("agent"), None, None, None, None]);
        assert!(s.set(Part::Error, Some("boom")));
        assert!(!s.set(Part::Error, Some("boom")));
        assert!(s.set(Part::Text, Some("a longer text")));
        assert!(s.set(Part::User, None));
        assert_eq!(s.parts(), [Some("id"), Some("a longer text"), None, None, Some("boom"), None, None]);
        assert_eq!(s, Strings::new([Some("id"), Some("a longer text"), None, None, Some("boom"), None, None]));
    }

    #[test]
    fn a_message_holds_one_pointer_for_its_strings() {
        assert_eq!(std::mem::size_of::<Strings>(), std::mem::size_of::<Box<str>>() + std::mem::size_of::<usize>());
    }
}
