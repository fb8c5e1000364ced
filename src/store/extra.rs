//! [`Extra`]: the fields of a message payload the store does not interpret, kept as one JSON object text.
//!
//! Why text: a [`Map`] allocates every key and every value separately (≈ 220 B per message for two short fields),
//! while the store reads these fields rarely (a sender match for typing, a merge on redelivery, `to_json`). One
//! string is one allocation; reading it parses on demand.

use std::borrow::Cow;
use std::fmt;

use crate::json::{from_str, write_str, write_value, Map, Value};

use super::fields::{truncate_text, TEXT_TRUNCATED};

/// The uninterpreted fields of a message, in the order the server sent them: `""` for none, otherwise the compact
/// JSON text of an object (written by [`crate::json`], so it always parses back to the same fields).
#[derive(Clone, Default)]
pub struct Extra(Box<str>);

impl Extra {
    /// No fields.
    pub fn new() -> Extra {
        Extra::default()
    }

    /// The fields of `entries`, in order (keys must be unique, as a [`Map`]'s are).
    pub(crate) fn from_entries<'a>(entries: impl IntoIterator<Item = (&'a String, &'a Value)>) -> Extra {
        let mut b = ExtraBuilder::default();
        entries.into_iter().for_each(|(k, v)| b.push(k, v));
        b.finish()
    }

    /// Fields from their text as [`as_text`](Self::as_text) gave it.
    pub(crate) fn from_text(text: &str) -> Extra {
        Extra(text.into())
    }

    /// The fields' compact JSON object text, `""` for none.
    pub(crate) fn as_text(&self) -> &str {
        &self.0
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The fields as a map, in order.
    pub fn to_map(&self) -> Map {
        if self.is_empty() {
            return Map::new();
        }
        match from_str(&self.0) {
            Ok(Value::Object(m)) => m,
            // Unreachable: the text was written from an object by the crate's own writer.
            _ => Map::new(),
        }
    }

    /// The value of field `key` (parses the fields: for rare reads).
    pub fn get(&self, key: &str) -> Option<Value> {
        if self.is_empty() {
            return None;
        }
        self.to_map().remove(key)
    }

    /// Merges `other` in: its fields overwrite, new ones are appended, existing ones keep their position (as
    /// [`Map::insert`] does). Returns whether anything changed.
    pub(crate) fn merge(&mut self, other: Extra) -> bool {
        if other.is_empty() || *self == other {
            return false;
        }
        if self.is_empty() {
            *self = other;
            return true;
        }
        let mut m = self.to_map();
        let mut changed = false;
        for (k, v) in other.to_map() {
            if m.get(&k) != Some(&v) {
                m.insert(k, v);
                changed = true;
            }
        }
        if changed {
            *self = Extra::from(&m);
        }
        changed
    }
}

/// Writes an [`Extra`] field by field, straight from a payload (no copy of the values on the way).
#[derive(Default)]
pub(crate) struct ExtraBuilder(String);

impl ExtraBuilder {
    /// Appends a field; the caller keeps keys unique.
    pub(crate) fn push(&mut self, k: &str, v: &Value) {
        self.open();
        let out = &mut self.0;
        write_str(out, k);
        out.push(':');
        write_value(out, v);
    }

    /// Appends a field from a payload's own text: `key` is a JSON string without escapes (so it is already how
    /// [`write_str`] writes it), `value` valid JSON text, copied through without a parse/write round trip. The
    /// caller keeps keys unique.
    pub(crate) fn push_raw(&mut self, key: &str, value: &str) {
        self.open();
        self.0.push_str(key);
        self.0.push(':');
        if value.starts_with(['{', '[']) {
            push_compact(&mut self.0, value);
        } else {
            self.0.push_str(value);
        }
    }

    /// A received text, cut to `max` characters with the cut recorded as [`TEXT_TRUNCATED`] (pushed after the
    /// payload's own fields, so it wins over one of the same name).
    pub(crate) fn text<'a>(&mut self, text: Cow<'a, str>, max: usize) -> Cow<'a, str> {
        let (text, cut_from) = truncate_text(text, max);
        if let Some(len) = cut_from {
            self.push(TEXT_TRUNCATED, &Value::from(len));
        }
        text
    }

    fn open(&mut self) {
        let out = &mut self.0;
        if out.is_empty() {
            // Typical extras are a few short fields: one allocation, trimmed by `finish`.
            out.reserve(64);
            out.push('{');
        } else {
            out.push(',');
        }
    }

    pub(crate) fn finish(mut self) -> Extra {
        if self.0.is_empty() {
            return Extra::new();
        }
        self.0.push('}');
        Extra(self.0.into_boxed_str())
    }
}

/// Appends valid JSON text without the whitespace between tokens, so a copied container stays compact like the
/// rest of the text.
fn push_compact(out: &mut String, json: &str) {
    let (mut in_string, mut escaped) = (false, false);
    let mut start = 0;
    for (i, b) in json.bytes().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
        } else if b == b'"' {
            in_string = true;
        } else if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
            out.push_str(&json[start..i]);
            start = i + 1;
        }
    }
    out.push_str(&json[start..]);
}

impl From<&Map> for Extra {
    fn from(m: &Map) -> Extra {
        Extra::from_entries(m)
    }
}

/// Same fields with equal values, in any order (like [`Map`]'s equality).
impl PartialEq for Extra {
    fn eq(&self, other: &Extra) -> bool {
        self.0 == other.0 || (!self.is_empty() && !other.is_empty() && self.to_map() == other.to_map())
    }
}

impl fmt::Debug for Extra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_map(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extra(v: Value) -> Extra {
        Extra::from(v.as_object().unwrap())
    }

    #[test]
    fn round_trips_in_order() {
        let v = json!({"b": 1, "a": {"x": [true, null, "é\n"]}, "n": 1.50});
        let e = extra(v.clone());
        assert_eq!(Value::Object(e.to_map()), v);
        assert_eq!(e.to_map().keys().collect::<Vec<_>>(), ["b", "a", "n"]);
        assert_eq!(e.get("a"), Some(json!({"x": [true, null, "é\n"]})));
        assert_eq!(e.get("zz"), None);
        assert!(Extra::from(&Map::new()).is_empty());
        assert_eq!(Extra::new().to_map(), Map::new());
    }

    #[test]
    fn merge_overwrites_in_place_and_appends() {
        let mut e = extra(json!({"a": 1, "b": 2}));
        assert!(!e.merge(extra(json!({"b": 2}))));
        assert!(!e.merge(Extra::new()));
        assert!(e.merge(extra(json!({"c": 3, "a": 4}))));
        assert_eq!(e.to_map().iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>(), ["a=4", "b=2", "c=3"]);
        let mut empty = Extra::new();
        assert!(empty.merge(extra(json!({"x": 1}))));
        assert_eq!(empty.get("x"), Some(json!(1)));
    }

    #[test]
    fn raw_fields_are_copied_compact() {
        let mut b = ExtraBuilder::default();
        b.push_raw(r#""m""#, r#"{ "a" : [1, "x y\" ,"] }"#);
        b.push_raw(r#""s""#, r#""a b""#);
        let e = b.finish();
        assert_eq!(&*e.0, r#"{"m":{"a":[1,"x y\" ,"]},"s":"a b"}"#);
        assert_eq!(e.get("m"), Some(json!({"a": [1, "x y\" ,"]})));
    }

    #[test]
    fn equality_ignores_order() {
        assert_eq!(extra(json!({"a": 1, "b": 2})), extra(json!({"b": 2, "a": 1})));
        assert_ne!(extra(json!({"a": 1})), extra(json!({"a": 2})));
        assert_ne!(extra(json!({"a": 1})), Extra::new());
    }
}
