//! The JSON number grammar (RFC 8259), shared by the parser and the validating scanner so both accept exactly the
//! same numbers and report the same errors.

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
