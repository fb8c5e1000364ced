//! Token rules of the scanner (numbers, `\u` escapes), also used on their own (`replace_lone_surrogates`).

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
/// surrogate), leaving `*i` after it. Returns the character and whether the escape was a lone surrogate.
///
/// A lone surrogate (`"\ud800"`: a JS string cut inside an emoji, as Node's `JSON.stringify` and Python's
/// `json.dumps` write it) is valid to `JSON.parse`, but a Rust string cannot hold it: it becomes U+FFFD, as
/// `TextEncoder` does with such a JS string. A following escape that is not its other half is read on its own.
pub(crate) fn unicode_escape(b: &[u8], i: &mut usize) -> Result<(char, bool), ParseError> {
    let hi = hex4(b, i)?;
    match hi {
        0xD800..=0xDBFF => {
            let after_hi = *i;
            if b.get(*i) == Some(&b'\\') && b.get(*i + 1) == Some(&b'u') {
                *i += 2;
                let lo = hex4(b, i)?;
                if (0xDC00..=0xDFFF).contains(&lo) {
                    let pair = char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00));
                    return Ok((pair.unwrap_or(char::REPLACEMENT_CHARACTER), false));
                }
                *i = after_hi;
            }
            Ok((char::REPLACEMENT_CHARACTER, true))
        }
        0xDC00..=0xDFFF => Ok((char::REPLACEMENT_CHARACTER, true)),
        _ => Ok((char::from_u32(hi).unwrap_or(char::REPLACEMENT_CHARACTER), false)),
    }
}

/// Rewrites every lone-surrogate escape in valid JSON text `s` as `\ufffd` (the same length, so byte ranges into
/// `s` stay valid): then a JS `JSON.parse` of the text gives the same string the Rust side decoded.
pub(crate) fn replace_lone_surrogates(s: &str) -> String {
    let b = s.as_bytes();
    let mut hex_at = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            i += 1;
            continue;
        }
        i += 2; // the backslash and the escape letter (an escaped backslash is skipped whole)
        if b.get(i - 1) == Some(&b'u') {
            let start = i;
            match unicode_escape(b, &mut i) {
                Ok((_, true)) => hex_at.push(start),
                Ok(_) => {}
                Err(_) => break, // not reached on validated text
            }
        }
    }
    let mut out = s.to_owned();
    for at in hex_at {
        out.replace_range(at..at + 4, "fffd");
    }
    out
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
