//! Validating JSON without building it: the hot ingest path only needs to know that a frame is valid JSON and
//! where its pieces are, not a [`Value`](super::Value) tree (one allocation per key and string, freed again).
//!
//! [`Scanner`] mirrors the parser in `parse.rs` step by step, so it accepts and rejects exactly the same texts, with
//! the same [`ParseError`] (kind and offset). The property tests in `tests.rs` hold the two together.

use std::ops::Range;

use super::lex;
use super::parse::{ParseError, ParseErrorKind, MAX_DEPTH};

/// Checks one JSON text like [`from_str`](super::from_str) does, building nothing.
pub fn validate(s: &str) -> Result<(), ParseError> {
    let mut sc = Scanner::new(s);
    sc.value()?;
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
        sc.value()?;
        sc.end()?;
        return Ok((None, sc.lone_surrogate));
    }
    let mut items = Vec::new();
    sc.array_with(|range| items.push(range))?;
    sc.end()?;
    Ok((Some(items), sc.lone_surrogate))
}

/// One object member as [`Scanner::object_with`] sees it: texts borrowed from the input.
pub(crate) struct Member<'a> {
    /// The key's JSON string text, quotes included.
    pub(crate) key: &'a str,
    /// Whether the key holds an escape (otherwise its name is the text between the quotes).
    pub(crate) key_escaped: bool,
    /// The value's JSON text.
    pub(crate) value: &'a str,
}

/// A cursor over JSON text that validates as it skips. Crate-visible so other scanners (the store's message
/// scanner) can walk an object's members themselves and skip the values.
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

    /// Skips one value (leading whitespace included).
    pub(crate) fn value(&mut self) -> Result<(), ParseError> {
        self.ws();
        match self.peek()? {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' => self.string().map(|_| ()),
            b't' => self.literal("true"),
            b'f' => self.literal("false"),
            b'n' => self.literal("null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(self.err(ParseErrorKind::UnexpectedChar)),
        }
    }

    fn literal(&mut self, word: &str) -> Result<(), ParseError> {
        for &c in word.as_bytes() {
            if self.peek()? != c {
                return Err(self.err(ParseErrorKind::UnexpectedChar));
            }
            self.i += 1;
        }
        Ok(())
    }

    /// Consumes an opening bracket, one level deeper.
    pub(crate) fn enter(&mut self) -> Result<(), ParseError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.err(ParseErrorKind::TooDeep));
        }
        self.depth += 1;
        self.i += 1;
        Ok(())
    }

    /// Consumes a closing bracket.
    pub(crate) fn leave(&mut self) {
        self.i += 1;
        self.depth -= 1;
    }

    fn array(&mut self) -> Result<(), ParseError> {
        self.array_with(|_| ())
    }

    /// Skips an array starting at its `[`, telling `element` the byte range of each element.
    pub(crate) fn array_with(&mut self, mut element: impl FnMut(Range<usize>)) -> Result<(), ParseError> {
        self.enter()?;
        self.ws();
        if self.peek()? == b']' {
            self.leave();
            return Ok(());
        }
        loop {
            self.ws();
            let start = self.i;
            self.value()?;
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

    fn object(&mut self) -> Result<(), ParseError> {
        self.object_with(|_| true).map(|_| ())
    }

    /// Skips an object starting at its `{`, handing each member to `member`; when it returns `false` the walk stops
    /// there and this returns `Ok(false)` (the rest is left unread and unchecked).
    pub(crate) fn object_with(&mut self, mut member: impl FnMut(Member<'a>) -> bool) -> Result<bool, ParseError> {
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
            let key_escaped = self.string()?;
            let key = &self.s[key_start..self.i];
            self.ws();
            if self.peek()? != b':' {
                return Err(self.err(ParseErrorKind::UnexpectedChar));
            }
            self.i += 1;
            self.ws();
            let value_start = self.i;
            self.value()?;
            if !member(Member { key, key_escaped, value: &self.s[value_start..self.i] }) {
                return Ok(false);
            }
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.leave();
                    return Ok(true);
                }
                _ => return Err(self.err(ParseErrorKind::UnexpectedChar)),
            }
        }
    }

    /// Skips a string starting at the opening quote; returns whether it holds an escape (when it does not, its
    /// text between the quotes is its value).
    pub(crate) fn string(&mut self) -> Result<bool, ParseError> {
        self.i += 1;
        let mut escaped = false;
        loop {
            self.i = plain_run(self.b, self.i);
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
                    match e {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                        b'u' => self.unicode_escape()?,
                        _ => {
                            self.i -= 1;
                            return Err(self.err(ParseErrorKind::InvalidEscape));
                        }
                    }
                }
                _ => return Err(self.err(ParseErrorKind::ControlCharacter)),
            }
        }
    }

    fn unicode_escape(&mut self) -> Result<(), ParseError> {
        let (_, lone) = lex::unicode_escape(self.b, &mut self.i)?;
        self.lone_surrogate |= lone;
        Ok(())
    }

    fn number(&mut self) -> Result<(), ParseError> {
        self.i = lex::scan_number(self.s, self.i)?;
        Ok(())
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
