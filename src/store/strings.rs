//! [`Strings`]: all of one message's own strings in a single allocation.
//!
//! Why: a message carries up to seven strings (id, text, sender, client id, failure reason, UI key, unknown
//! fields). As separate `Box<str>`s each costs an allocation with its own header and size rounding, and a pointer
//! and length in the message; a 10 000-message room held ≈ 3 of them per message. Packed, a message is one
//! allocation for its text and a fixed 33-byte table of offsets. The strings are written when the message is
//! built and seldom after (a confirmation, a failure): a change rebuilds the buffer.

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
    buf: Box<str>,
    /// End offset in `buf` of each part (part `i` spans `ends[i - 1]..ends[i]`). Payloads are bounded by the
    /// transport's `maxPayload` (1 MB by default), far below `u32::MAX`.
    ends: [u32; PARTS],
    /// Bit `i` set: part `i` is present, so an absent part and an empty one stay different.
    present: u8,
}

impl Strings {
    pub(crate) fn new(parts: Parts<'_>) -> Strings {
        let mut buf = String::with_capacity(parts.iter().flatten().map(|s| s.len()).sum());
        let mut ends = [0; PARTS];
        let mut present = 0;
        for (i, part) in parts.iter().enumerate() {
            if let Some(s) = part {
                buf.push_str(s);
                present |= 1 << i;
            }
            ends[i] = buf.len() as u32;
        }
        Strings { buf: buf.into_boxed_str(), ends, present }
    }

    pub(crate) fn get(&self, part: Part) -> Option<&str> {
        let i = part as usize;
        if self.present & (1 << i) == 0 {
            return None;
        }
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        self.buf.get(start..self.ends[i] as usize)
    }

    pub(crate) fn parts(&self) -> Parts<'_> {
        let all = [Part::Id, Part::Text, Part::User, Part::Client, Part::Error, Part::Key, Part::Extra];
        all.map(|p| self.get(p))
    }

    /// Replaces one part (rebuilds the buffer); returns whether it changed.
    pub(crate) fn set(&mut self, part: Part, value: Option<&str>) -> bool {
        if self.get(part) == value {
            return false;
        }
        let mut parts = self.parts();
        parts[part as usize] = value;
        let rebuilt = Strings::new(parts);
        *self = rebuilt;
        true
    }

    /// Bytes of text held.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.buf.len()
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
        assert_eq!(s.len(), "wamid.1c-1{\"a\":1}".len());
        assert_eq!(Strings::default().parts(), [None; PARTS]);
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
}
