//! The crate's one JSON reading path: a validating cursor over JSON text (RFC 8259, typed errors, a nesting limit)
//! that skips a value, hands out the byte ranges of an array's elements or an object's members, or builds the
//! [`Value`] tree as it goes ([`from_str`](super::from_str)).
//!
//! One grammar for every use, so the tree and the hot ingest path (which only needs to know that a frame is valid
//! and where its pieces are, not an allocation per key and string) cannot disagree on what is JSON. Building is a
//! mode of the same functions (`Some(out)`), not a second parser: measured against the two-parser code (a tree
//! parser mirroring this scanner), see `mod.rs`.

use std::ops::Range;

use super::lex;
use super::number::Number;
use super::parse::{ParseError, ParseErrorKind, MAX_DEPTH};
use super::value::{Map, Value};

/// Checks one JSON text like [`from_str`](super::from_str) does, building nothing.
pub fn validate(s: &str) -> Result<(), ParseError> {
    let mut sc = Scanner::new(s);
    sc.value(None)?;
    sc.end()
}

/// Validates a JSON text and, when it is an array, returns the byte ranges of its top-level elements (`None`
/// for any other valid value).
pub fn array_elements(s: &str) -> Result<Option<Vec<Range<usize>>>, ParseError> {
    array_elements_flagged(s).map(|(items, _)| items)
}

/// The byte ranges of an array's top-level elements (`None`: not an array).
pub(crate) type Elements = Option<Vec<Range<usize>>>;

/// [`array_elements`], and whether the text holds a lone-surrogate escape (see [`lex::unicode_escape`]).
pub(crate) fn array_elements_flagged(s: &str) -> Result<(Elements, bool), ParseError> {
    let mut sc = Scanner::new(s);
    sc.ws();
    if sc.peek()? != b'[' {
        sc.value(None)?;
        sc.end()?;
        return Ok((None, sc.lone_surrogate));
    }
    let mut items = Vec::new();
    sc.array(None, &mut |range| items.push(range))?;
    sc.end()?;
    Ok((Some(items), sc.lone_surrogate))
}

/// One object member as [`Scanner::object`] hands it out: texts borrowed from the input.
pub(crate) struct Member<'a> {
    /// The key's JSON string text, quotes included.
    pub(crate) key: &'a str,
    /// Whether the key holds an escape (otherwise its name is the text between the quotes).
    pub(crate) key_escaped: bool,
    /// The value's JSON text.
    pub(crate) value: &'a str,
}

/// A cursor over JSON text that validates as it reads. Crate-visible so other readers (the store's message
/// parser) can walk an object's members themselves and skip the values.
pub(crate) struct Scanner<'a> {
    s: &'a str,
    b: &'a [u8],
    /// Current byte offset.
    pub(crate) i: usize,
    depth: usize,
    /// A lone-surrogate escape was read (it decodes to U+FFFD).
    pub(crate) lone_surrogate: bool,
}

impl<'a> Scanner<'a> {
    pub(crate) fn new(s: &'a str) -> Scanner<'a> {
        Scanner { s, b: s.as_bytes(), i: 0, depth: 0, lone_surrogate: false }
    }

    pub(crate) fn err(&self, kind: ParseErrorKind) -> ParseError {
        ParseError { kind, offset: self.i }
    }

    #[inline(always)] // called between every two tokens, and tiny: `opt-level = "z"` would not inline it
    pub(crate) fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    #[inline(always)]
    pub(crate) fn peek(&self) -> Result<u8, ParseError> {
        self.b.get(self.i).copied().ok_or(self.err(ParseErrorKind::UnexpectedEnd))
    }

    /// After the top-level value: only whitespace may follow.
    pub(crate) fn end(&mut self) -> Result<(), ParseError> {
        self.ws();
        if self.i != self.b.len() {
            return Err(self.err(ParseErrorKind::TrailingCharacters));
        }
        Ok(())
    }

    /// Reads one value (leading whitespace included); with `Some(out)`, builds it there.
    pub(crate) fn value(&mut self, out: Option<&mut Value>) -> Result<(), ParseError> {
        self.ws();
        let start = self.i;
        let build = out.is_some();
        let v = match self.peek()? {
            b'{' => {
                let mut map = Map::new();
                self.object(build.then_some(&mut map), |_| true)?;
                Value::Object(map)
            }
            b'[' => {
                let mut items = Vec::new();
                self.array(build.then_some(&mut items), &mut |_| ())?;
                Value::Array(items)
            }
            b'"' => {
                let mut text = String::new();
                self.string(build.then_some(&mut text))?;
                Value::String(text)
            }
            b't' => self.literal("true", Value::Bool(true))?,
            b'f' => self.literal("false", Value::Bool(false))?,
            b'n' => self.literal("null", Value::Null)?,
            b'-' | b'0'..=b'9' => {
                self.i = lex::scan_number(self.s, start)?;
                if !build {
                    return Ok(());
                }
                Value::Number(Number::from_json_text(&self.s[start..self.i]))
            }
            _ => return Err(self.err(ParseErrorKind::UnexpectedChar)),
        };
        if let Some(out) = out {
            *out = v;
        }
        Ok(())
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

    /// Consumes an opening bracket, one level deeper.
    fn enter(&mut self) -> Result<(), ParseError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.err(ParseErrorKind::TooDeep));
        }
        self.depth += 1;
        self.i += 1;
        Ok(())
    }

    /// Consumes a closing bracket.
    fn leave(&mut self) {
        self.i += 1;
        self.depth -= 1;
    }

    /// Reads an array starting at its `[`, telling `element` the byte range of each element; with `Some(items)`,
    /// builds the elements there.
    pub(crate) fn array(
        &mut self,
        mut items: Option<&mut Vec<Value>>,
        element: &mut dyn FnMut(Range<usize>),
    ) -> Result<(), ParseError> {
        self.enter()?;
        self.ws();
        if self.peek()? == b']' {
            self.leave();
            return Ok(());
        }
        loop {
            self.ws();
            let start = self.i;
            match items.as_deref_mut() {
                Some(items) => {
                    items.push(Value::Null);
                    self.value(items.last_mut())?;
                }
                None => self.value(None)?,
            }
            element(start..self.i);
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.leave();
                    return Ok(());
                }
                _ => return Err(self.err(ParseErrorKind::UnexpectedChar)),
            }
        }
    }

    /// Reads an object starting at its `{`, handing each member to `member`; when it returns `false` the walk
    /// stops there and this returns `Ok(false)` (the rest is left unread and unchecked). With `Some(map)`, builds
    /// the members there (a repeated key: the last value, in the first position).
    ///
    /// Generic in `member` (two copies: the tree's and the message parser's), unlike [`Scanner::array`]: with the
    /// message parser's callback inlined, ingest ran ~5 % fewer instructions than through a `dyn` call.
    pub(crate) fn object(
        &mut self,
        mut map: Option<&mut Map>,
        mut member: impl FnMut(Member<'a>) -> bool,
    ) -> Result<bool, ParseError> {
        self.enter()?;
        self.ws();
        if self.peek()? == b'}' {
            self.leave();
            return Ok(true);
        }
        loop {
            self.ws();
            if self.peek()? != b'"' {
                return Err(self.err(ParseErrorKind::UnexpectedChar));
            }
            let key_start = self.i;
            let mut name = String::new();
            let key_escaped = self.string(map.is_some().then_some(&mut name))?;
            let key = &self.s[key_start..self.i];
            self.ws();
            if self.peek()? != b':' {
                return Err(self.err(ParseErrorKind::UnexpectedChar));
            }
            self.i += 1;
            self.ws();
            let value_start = self.i;
            match map.as_deref_mut() {
                Some(map) => self.value(Some(map.push_unique(name)))?,
                None => self.value(None)?,
            }
            if !member(Member { key, key_escaped, value: &self.s[value_start..self.i] }) {
                return Ok(false);
            }
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.leave();
                    if let Some(map) = map {
                        map.dedup_keys();
                    }
                    return Ok(true);
                }
                _ => return Err(self.err(ParseErrorKind::UnexpectedChar)),
            }
        }
    }

    /// Reads a string starting at the opening quote, decoding it into `out` when given; returns whether it holds
    /// an escape (when it does not, its text between the quotes is its value).
    pub(crate) fn string(&mut self, mut out: Option<&mut String>) -> Result<bool, ParseError> {
        self.i += 1;
        let mut escaped = false;
        loop {
            let run = self.i;
            self.i = plain_run(self.b, self.i);
            if let Some(out) = out.as_deref_mut() {
                out.push_str(&self.s[run..self.i]);
            }
            match self.peek()? {
                b'"' => {
                    self.i += 1;
                    return Ok(escaped);
                }
                b'\\' => {
                    escaped = true;
                    self.i += 1;
                    let e = self.peek()?;
                    self.i += 1;
                    let c = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let (c, lone) = lex::unicode_escape(self.b, &mut self.i)?;
                            self.lone_surrogate |= lone;
                            c
                        }
                        _ => {
                            self.i -= 1;
                            return Err(self.err(ParseErrorKind::InvalidEscape));
                        }
                    };
                    if let Some(out) = out.as_deref_mut() {
                        out.push(c);
                    }
                }
                _ => return Err(self.err(ParseErrorKind::ControlCharacter)),
            }
        }
    }
}
/// Where the run of string bytes that need no attention (not `"`, `\` or a control character) starting at `i`
/// ends. Eight bytes per step: most of a message is string text.
#[inline]
fn plain_run(b: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Marks bytes below `n` (n <= 0x80); the lowest mark is exact, which is all we read.
    let below = |w: u64, n: u64| w.wrapping_sub(ONES * n) & !w & HIGH;
    while let Some(chunk) = b.get(i..i + 8) {
        let w = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        let hits = below(w ^ (ONES * u64::from(b'"')), 1) | below(w ^ (ONES * u64::from(b'\\')), 1) | below(w, 0x20);
        if hits != 0 {
            return i + (hits.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while b.get(i).is_some_and(|&c| c != b'"' && c != b'\\' && c >= 0x20) {
        i += 1;
    }
    i
}
