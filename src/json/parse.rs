//! Parse errors, the nesting limit, and [`from_str`]: the tree built by the one reading path in `scan.rs`.

use std::fmt;

use super::scan::Scanner;
use super::value::Value;

/// How deep arrays and objects may nest. Deeper input is refused with [`ParseErrorKind::TooDeep`] instead of
/// recursing further (the same limit `serde_json` applied: 127 nested containers parse, 128 do not).
pub const MAX_DEPTH: usize = 127;

/// What was wrong with the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// The input ended inside a value.
    UnexpectedEnd,
    /// A character that cannot start or continue a value here.
    UnexpectedChar,
    /// A malformed number (e.g. `01`, `1.`, `-`, `1e`).
    InvalidNumber,
    /// A number too large for an `f64` (e.g. `1e400`), refused like `serde_json` does.
    NumberOutOfRange,
    /// An unknown escape, or `\u` without four hex digits.
    InvalidEscape,
    /// An unescaped control character (U+0000–U+001F) inside a string.
    ControlCharacter,
    /// Something other than whitespace after the value.
    TrailingCharacters,
    /// Arrays/objects nested deeper than [`MAX_DEPTH`].
    TooDeep,
}

/// A parse failure: what, and at which byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseError {
    /// What was wrong.
    pub kind: ParseErrorKind,
    /// Byte offset in the input where it was noticed.
    pub offset: usize,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            ParseErrorKind::UnexpectedEnd => "unexpected end of input",
            ParseErrorKind::UnexpectedChar => "unexpected character",
            ParseErrorKind::InvalidNumber => "invalid number",
            ParseErrorKind::NumberOutOfRange => "number out of range",
            ParseErrorKind::InvalidEscape => "invalid escape",
            ParseErrorKind::ControlCharacter => "control character in string",
            ParseErrorKind::TrailingCharacters => "trailing characters",
            ParseErrorKind::TooDeep => "nesting too deep",
        };
        write!(f, "{what} at byte {}", self.offset)
    }
}

impl std::error::Error for ParseError {}

/// Parses one JSON text (surrounding whitespace allowed) into a [`Value`] tree: the scanner's building mode.
pub fn from_str(s: &str) -> Result<Value, ParseError> {
    let mut sc = Scanner::new(s);
    let mut v = Value::Null;
    sc.value(Some(&mut v))?;
    sc.end()?;
    Ok(v)
}
