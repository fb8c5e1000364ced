//! Token rules shared by the parser and the validating scanner (numbers, `\u` escapes), so both accept exactly
//! the same texts and report the same errors.

use super::number;
use super::parse::{ParseError, ParseErrorKind};

/// Scans the number starting at byte `start` of `s` and returns the byte where it ends. Errors carry the offset where
/// the text stopped being a number, or the number's start when it is out of f64's range.
pub(crate) fn scan_number(s: &str, start: usize) -> Result<usize, ParseError> {
    let b = s.as_bytes();
    let mut i = start;
    let digits = |i: &mut usize| {
        let from = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - from
    };
    let invalid = |i: usize| ParseError { kind: ParseErrorKind::InvalidNumber, offset: i };
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(&mut i);
        }
        _ => return Err(invalid(i)),
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return Err(invalid(i));
        }
    }
    let mut exponent = false;
    if let Some(b'e' | b'E') = b.get(i) {
        exponent = true;
        i += 1;
        if let Some(b'+' | b'-') = b.get(i) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return Err(invalid(i));
        }
    }
    let text = &s[start..i];
    // Only an exponent or 300+ digits can exceed f64's range (1.8e308).
    if (exponent || text.len() > 300) && number::parse_decimal(text).is_some_and(f64::is_infinite) {
        return Err(ParseError { kind: ParseErrorKind::NumberOutOfRange, offset: start });
    }
    Ok(i)
}

/// Reads the escape after `\u` at byte `*i` of `b` (four hex digits, and a second `\uXXXX` when the first is a high
/// surrogate), leaving `*i` after it. Lone surrogates are errors at the escape's backslash.
pub(crate) fn unicode_escape(b: &[u8], i: &mut usize) -> Result<char, ParseError> {
    let lone = ParseError { kind: ParseErrorKind::LoneSurrogate, offset: *i - 2 };
    let hi = hex4(b, i)?;
    let code = match hi {
        0xD800..=0xDBFF => {
            if b.get(*i) != Some(&b'\\') || b.get(*i + 1) != Some(&b'u') {
                return Err(lone);
            }
            *i += 2;
            let lo = hex4(b, i)?;
            if !(0xDC00..=0xDFFF).contains(&lo) {
                return Err(lone);
            }
            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
        }
        0xDC00..=0xDFFF => return Err(lone),
        _ => hi,
    };
    char::from_u32(code).ok_or(lone)
}

fn hex4(b: &[u8], i: &mut usize) -> Result<u32, ParseError> {
    let mut v = 0u32;
    for _ in 0..4 {
        let c = *b.get(*i).ok_or(ParseError { kind: ParseErrorKind::UnexpectedEnd, offset: *i })?;
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => return Err(ParseError { kind: ParseErrorKind::InvalidEscape, offset: *i }),
        };
        v = v * 16 + u32::from(d);
        *i += 1;
    }
    Ok(v)
}
