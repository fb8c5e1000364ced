//! [`RawArgs`]: the arguments of an EVENT or ACK as validated JSON text, not a [`Value`] tree.
//!
//! Why text: the store reads one argument with its own scanner, and JS listeners get theirs from one `JSON.parse`;
//! a `Value` tree in between costs an allocation per key and per string, and freeing them again.

use std::fmt;
use std::ops::Range;

use crate::json::{self, Value};

/// Event/ack arguments: the JSON array text `[a,b,...]` (validated) and where each element is in it.
#[derive(Clone)]
pub struct RawArgs {
    json: String,
    items: Vec<Range<usize>>,
}

impl RawArgs {
    /// No arguments.
    pub fn new() -> RawArgs {
        RawArgs { json: "[]".to_owned(), items: Vec::new() }
    }

    /// The arguments `values`, written as compact JSON.
    pub fn from_values(values: &[Value]) -> RawArgs {
        let mut json = String::from("[");
        let mut items = Vec::with_capacity(values.len());
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                json.push(',');
            }
            let start = json.len();
            json::write_value(&mut json, v);
            items.push(start..json.len());
        }
        json.push(']');
        RawArgs { json, items }
    }

    /// The elements of a validated array text from element `skip` on; `items` are the ranges
    /// [`json::array_elements`] found in `array`.
    pub(crate) fn from_elements(array: &str, mut items: Vec<Range<usize>>, skip: usize) -> RawArgs {
        let (Some(first), Some(last)) = (items.get(skip), items.last()) else {
            return RawArgs::new();
        };
        let (start, end) = (first.start, last.end);
        // One copy of the argument span (separators and all), between fresh brackets.
        let mut json = String::with_capacity(end - start + 2);
        json.push('[');
        json.push_str(&array[start..end]);
        json.push(']');
        items.drain(..skip);
        let shift = start - 1;
        items.iter_mut().for_each(|r| *r = r.start - shift..r.end - shift);
        RawArgs { json, items }
    }

    /// How many arguments.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The JSON text of argument `i`.
    pub fn get(&self, i: usize) -> Option<&str> {
        self.items.get(i).map(|r| &self.json[r.clone()])
    }

    /// The JSON text of each argument, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.items.iter().map(|r| &self.json[r.clone()])
    }

    /// The arguments as one JSON array text.
    pub fn array_json(&self) -> &str {
        &self.json
    }

    /// The arguments parsed (for tests and rare paths).
    pub fn values(&self) -> Vec<Value> {
        // The text was validated when it was made, so parsing cannot fail.
        self.iter().map(|s| json::from_str(s).unwrap_or(Value::Null)).collect()
    }

    /// Argument `i` parsed.
    pub fn value(&self, i: usize) -> Option<Value> {
        self.get(i).and_then(|s| json::from_str(s).ok())
    }
}

impl Default for RawArgs {
    fn default() -> RawArgs {
        RawArgs::new()
    }
}

/// Equal arguments, however they were spaced (like comparing the parsed values).
impl PartialEq for RawArgs {
    fn eq(&self, other: &RawArgs) -> bool {
        self.json == other.json || self.values() == other.values()
    }
}

impl From<Vec<Value>> for RawArgs {
    fn from(values: Vec<Value>) -> RawArgs {
        RawArgs::from_values(&values)
    }
}

impl fmt::Debug for RawArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawArgs({})", self.json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_after_skip_keep_their_text() {
        let text = r#" [ "name" , 1 ,{"a": [true]} ] "#;
        let items = json::array_elements(text).unwrap().unwrap();
        let args = RawArgs::from_elements(text, items.clone(), 1);
        assert_eq!(args.len(), 2);
        assert_eq!(args.get(0), Some("1"));
        assert_eq!(args.get(1), Some(r#"{"a": [true]}"#));
        assert_eq!(args.get(2), None);
        assert_eq!(args.array_json(), r#"[1 ,{"a": [true]}]"#);
        assert_eq!(args, RawArgs::from_values(&[Value::from(1), json!({"a": [true]})]));
        let none = RawArgs::from_elements(text, items, 3);
        assert!(none.is_empty());
        assert_eq!(none.array_json(), "[]");
    }
}
