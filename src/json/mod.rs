//! A small JSON library for the crate: [`Value`] (insertion-ordered objects), a strict reader, and a compact writer.
//!
//! Written for this crate's needs instead of `serde_json`: no reflective (de)serialiser, no float formatting
//! machinery in the wasm. Numbers keep their source text ([`Number`]), so re-serialising a parsed payload never
//! formats a float; integers are read exactly without going through float parsing, and other numbers convert to
//! the nearest `f64` (as `JSON.parse`) when asked.
//!
//! One reading path: [`scan`](self::scan)'s validating scanner, which also builds the tree ([`from_str`]); the
//! store's message parser walks the same scanner. There used to be a second, tree-building parser that had to
//! agree with the scanner token for token.

mod lex;
mod number;
mod parse;
mod scan;
mod value;
mod write;

#[cfg(all(test, not(target_arch = "wasm32")))] // proptest is a native-only dev-dependency
mod tests;

pub use number::Number;
pub use parse::{from_str, ParseError, ParseErrorKind, MAX_DEPTH};
pub use scan::{array_elements, validate};
pub use value::{Map, Value};
pub use write::to_string;

pub(crate) use lex::replace_lone_surrogates;
pub(crate) use number::{parse_decimal, write_u64};
pub(crate) use scan::{array_elements_flagged, Scanner};
pub(crate) use write::{write_list, write_str, write_value};

/// Test helper: a `serde_json` value as ours, through its text.
#[cfg(test)]
pub(crate) fn from_serde(v: serde_json::Value) -> Value {
    from_str(&v.to_string()).expect("serde_json output parses")
}
