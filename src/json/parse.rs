//! A strict JSON parser (RFC 8259) with typed errors and a nesting limit.

use std::fmt;

use super::lex;
use super::number::Number;
use super::value::{Map, Value};

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

/// Parses one JSON text (surrounding whitespace allowed).
pub fn from_str(s: &str) -> Result<Value, ParseError> {
    let mut p = Parser { s, b: s.as_bytes(), i: 0, depth: 0 };
    let v = p.value()?;
    p.ws();
    if p.i != p.b.len() {
        return Err(p.err(ParseErrorKind::TrailingCharacters));
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    depth: usize,
}

impl Parser<'_> {
    fn err(&self, kind: ParseErrorKind) -> ParseError {
        ParseError { kind, offset: self.i }
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    fn peek(&self) -> Result<u8, ParseError> {
        self.b.get(self.i).copied().ok_or(self.err(ParseErrorKind::UnexpectedEnd))
    }

    fn value(&mut self) -> Result<Value, ParseError> {
        self.ws();
        match self.peek()? {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' => Ok(Value::String(self.string()?)),
            b't' => self.literal("true", Value::Bool(true)),
            b'f' => self.literal("false", Value::Bool(false)),
            b'n' => self.literal("null", Value::Null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(self.err(ParseErrorKind::UnexpectedChar)),
        }
    }

    fn literal(&mut self, word: &str, v: Value) -> Result<Value, ParseError> {
        for &c in word.as_bytes() {
            if self.peek()? != c {
                return Err(self.err(ParseErrorKind::UnexpectedChar));
            }
            self.i += 1;
        }
        Ok(v)
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.err(ParseErrorKind::TooDeep));
        }
        self.depth += 1;
        self.i += 1; // the opening bracket
        Ok(())
    }

    fn array(&mut self) -> Result<Value, ParseError> {
        self.enter()?;
        let mut items = Vec::new();
        self.ws();
        if self.peek()? == b']' {
            self.i += 1;
            self.depth -= 1;
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value()?);
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    self.depth -= 1;
                    return Ok(Value::Array(items));
                }
                _ => return Err(self.err(ParseErrorKind::UnexpectedChar)),
            }
        }
    }

    fn object(&mut self) -> Result<Value, ParseError> {
        self.enter()?;
        let mut map = Map::new();
        self.ws();
        if self.peek()? == b'}' {
            self.i += 1;
            self.depth -= 1;
            return Ok(Value::Object(map));
        }
        loop {
            self.ws();
            if self.peek()? != b'"' {
                return Err(self.err(ParseErrorKind::UnexpectedChar));
            }
            let key = self.string()?;
            self.ws();
            if self.peek()? != b':' {
                return Err(self.err(ParseErrorKind::UnexpectedChar));
            }
            self.i += 1;
            let v = self.value()?;
            map.push_unique(key, v);
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    self.depth -= 1;
                    map.dedup_keys();
                    return Ok(Value::Object(map));
                }
                _ => return Err(self.err(ParseErrorKind::UnexpectedChar)),
            }
        }
    }

    /// A string starting at the opening quote.
    fn string(&mut self) -> Result<String, ParseError> {
        self.i += 1;
        let mut start = self.i;
        let mut out: Option<String> = None;
        loop {
            let c = self.peek()?;
            match c {
                b'"' => {
                    let tail = &self.s[start..self.i];
                    self.i += 1;
                    return Ok(match out {
                        None => tail.to_owned(),
                        Some(mut o) => {
                            o.push_str(tail);
                            o
                        }
                    });
                }
                b'\\' => {
                    let o = out.get_or_insert_with(String::new);
                    o.push_str(&self.s[start..self.i]);
                    self.i += 1;
                    let e = self.peek()?;
                    self.i += 1;
                    match e {
                        b'"' => o.push('"'),
                        b'\\' => o.push('\\'),
                        b'/' => o.push('/'),
                        b'b' => o.push('\u{8}'),
                        b'f' => o.push('\u{c}'),
                        b'n' => o.push('\n'),
                        b'r' => o.push('\r'),
                        b't' => o.push('\t'),
                        b'u' => o.push(self.unicode_escape()?),
                        _ => {
                            self.i -= 1;
                            return Err(self.err(ParseErrorKind::InvalidEscape));
                        }
                    }
                    start = self.i;
                }
                0..=0x1f => return Err(self.err(ParseErrorKind::ControlCharacter)),
                _ => self.i += 1,
            }
        }
    }

    fn unicode_escape(&mut self) -> Result<char, ParseError> {
        lex::unicode_escape(self.b, &mut self.i).map(|(c, _)| c)
    }

    fn number(&mut self) -> Result<Value, ParseError> {
        let start = self.i;
        self.i = lex::scan_number(self.s, start)?;
        Ok(Value::Number(Number::from_json_text(&self.s[start..self.i])))
    }
}
