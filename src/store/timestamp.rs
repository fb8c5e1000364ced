//! Timestamp parsing: every accepted form becomes milliseconds since the Unix epoch, as `f64`.
//!
//! Accepted: a JSON number (milliseconds, or seconds when below [`SECONDS_THRESHOLD`]); a string of digits with an
//! optional fraction, read like a number (WhatsApp sends `"1698048000"`); an ISO-8601 / RFC 3339 string
//! `YYYY-MM-DD[(T| )HH:MM[:SS[.fff]]][Z|±HH:MM|±HHMM|±HH]`, read as UTC when it has no offset (servers send UTC;
//! guessing the browser's zone would make the order depend on the viewer).
//! Rejected: NaN/infinite, negative, unparsable, and anything later than `now + max_future_ms`.

use crate::json::{parse_decimal, Value};

use super::error::StoreError;

/// Numbers below this are seconds, not milliseconds: 1e11 ms is March 1973, 1e11 s is the year 5138.
pub const SECONDS_THRESHOLD: f64 = 1e11;

/// Parses and validates a timestamp value into milliseconds since the epoch; `now` bounds how far in the future it
/// may be (`max_future_ms`). Errors: [`StoreError::WrongType`] for non-number/non-string values,
/// [`StoreError::InvalidTimestamp`] otherwise.
pub fn parse_timestamp(v: &Value, now: f64, max_future_ms: f64) -> Result<f64, StoreError> {
    let ms = match v {
        Value::Number(n) => {
            number_to_ms(n.as_f64().ok_or(StoreError::InvalidTimestamp("not a representable number"))?)?
        }
        Value::String(s) => parse_str(s)?,
        _ => return Err(StoreError::WrongType { field: "timestamp", expected: "number or string" }),
    };
    not_in_future(ms, now, max_future_ms)
}

/// [`parse_timestamp`] of a string value, without making a [`Value`] of it (the JSON ingest path).
pub(crate) fn parse_timestamp_str(s: &str, now: f64, max_future_ms: f64) -> Result<f64, StoreError> {
    not_in_future(parse_str(s)?, now, max_future_ms)
}

fn not_in_future(ms: f64, now: f64, max_future_ms: f64) -> Result<f64, StoreError> {
    if ms > now + max_future_ms {
        return Err(StoreError::InvalidTimestamp("too far in the future"));
    }
    Ok(ms)
}

fn number_to_ms(x: f64) -> Result<f64, StoreError> {
    if !x.is_finite() {
        return Err(StoreError::InvalidTimestamp("not finite"));
    }
    if x < 0.0 {
        return Err(StoreError::InvalidTimestamp("negative"));
    }
    Ok(if x < SECONDS_THRESHOLD { x * 1000.0 } else { x })
}

fn parse_str(s: &str) -> Result<f64, StoreError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(StoreError::InvalidTimestamp("empty string"));
    }
    let numeric = s.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && s.bytes().filter(|&b| b == b'.').count() <= 1
        && s.bytes().any(|b| b.is_ascii_digit());
    if numeric {
        let x = parse_decimal(s).ok_or(StoreError::InvalidTimestamp("unparsable number"))?;
        return number_to_ms(x);
    }
    let ms = parse_iso(s.as_bytes()).ok_or(StoreError::InvalidTimestamp("not a number or ISO-8601 date"))?;
    number_to_ms(ms)
}

/// A tiny cursor over ASCII bytes; every step returns `None` on anything unexpected.
struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn digits(&mut self, n: usize) -> Option<u32> {
        let mut v = 0u32;
        for _ in 0..n {
            let c = *self.b.get(self.i)?;
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + u32::from(c - b'0');
            self.i += 1;
        }
        Some(v)
    }
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn done(&self) -> bool {
        self.i >= self.b.len()
    }
}

fn parse_iso(b: &[u8]) -> Option<f64> {
    let mut c = Cursor { b, i: 0 };
    let year = c.digits(4)?;
    if !c.eat(b'-') {
        return None;
    }
    let month = c.digits(2)?;
    if !c.eat(b'-') {
        return None;
    }
    let day = c.digits(2)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let (mut hour, mut minute, mut second, mut frac_ms) = (0u32, 0u32, 0u32, 0f64);
    let mut offset_min: i64 = 0;
    if !c.done() {
        if !(c.eat(b'T') || c.eat(b't') || c.eat(b' ')) {
            return None;
        }
        hour = c.digits(2)?;
        if !c.eat(b':') {
            return None;
        }
        minute = c.digits(2)?;
        if c.eat(b':') {
            second = c.digits(2)?;
            if c.eat(b'.') || c.eat(b',') {
                let start = c.i;
                while c.peek().is_some_and(|d| d.is_ascii_digit()) {
                    c.i += 1;
                }
                let digits = &b[start..c.i];
                if digits.is_empty() {
                    return None;
                }
                // Only milliseconds matter; extra precision is dropped.
                let mut v = 0f64;
                let mut scale = 100f64;
                for d in digits.iter().take(3) {
                    v += f64::from(d - b'0') * scale;
                    scale /= 10.0;
                }
                frac_ms = v;
            }
        }
        if hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        if !c.done() {
            if c.eat(b'Z') || c.eat(b'z') {
            } else {
                let sign: i64 = if c.eat(b'+') {
                    1
                } else if c.eat(b'-') {
                    -1
                } else {
                    return None;
                };
                let oh = c.digits(2)?;
                let om = if c.done() {
                    0
                } else {
                    c.eat(b':');
                    c.digits(2)?
                };
                if oh > 23 || om > 59 {
                    return None;
                }
                offset_min = sign * i64::from(oh * 60 + om);
            }
        }
        if !c.done() {
            return None;
        }
    }
    let days = days_from_civil(i64::from(year), month, day);
    let secs = days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second) - offset_min * 60;
    // |secs| < 1e12 here, exactly representable in f64.
    Some(secs as f64 * 1000.0 + frac_ms)
}

fn is_leap(y: u32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: f64 = 1_700_000_000_000.0;
    const DAY: f64 = 86_400_000.0;

    fn p(v: Value) -> Result<f64, StoreError> {
        parse_timestamp(&v, NOW, DAY)
    }

    #[test]
    fn numbers_ms_and_seconds() {
        assert_eq!(p(json!(1_698_048_000_000u64)), Ok(1_698_048_000_000.0));
        assert_eq!(p(json!(1_698_048_000u64)), Ok(1_698_048_000_000.0));
        assert_eq!(p(json!(1_698_048_000.5)), Ok(1_698_048_000_500.0));
        assert_eq!(p(json!(0)), Ok(0.0));
    }

    #[test]
    fn whatsapp_string_seconds() {
        assert_eq!(p(json!("1698048000")), Ok(1_698_048_000_000.0));
        assert_eq!(p(json!("1698048000000")), Ok(1_698_048_000_000.0));
    }

    #[test]
    fn iso_forms() {
        let t = 1_698_048_000_000.0; // 2023-10-23T08:00:00Z
        assert_eq!(p(json!("2023-10-23T08:00:00Z")), Ok(t));
        assert_eq!(p(json!("2023-10-23T08:00:00.250Z")), Ok(t + 250.0));
        assert_eq!(p(json!("2023-10-23T08:00:00.123456789Z")), Ok(t + 123.0));
        assert_eq!(p(json!("2023-10-23T10:00:00+02:00")), Ok(t));
        assert_eq!(p(json!("2023-10-23T05:00:00-0300")), Ok(t));
        assert_eq!(p(json!("2023-10-23 08:00:00")), Ok(t));
        assert_eq!(p(json!("2023-10-23T08:00Z")), Ok(t));
        assert_eq!(p(json!("2023-10-23")), Ok(t - 8.0 * 3_600_000.0));
        assert_eq!(p(json!("2020-02-29T00:00:00Z")), Ok(1_582_934_400_000.0));
    }

    #[test]
    fn rejects() {
        for bad in [
            json!(-1),
            json!(-1.5),
            json!(""),
            json!("  "),
            json!("yesterday"),
            json!("NaN"),
            json!("1.2.3"),
            json!("2023-13-01T00:00:00Z"),
            json!("2023-02-29T00:00:00Z"),
            json!("2023-10-23T24:00:00Z"),
            json!("2023-10-23T08:00:00Zjunk"),
            json!("2023-10-23T08:00:00+25:00"),
            json!("1960-01-01T00:00:00Z"),
            json!(NOW + 2.0 * DAY),
            json!("9999-12-31T23:59:59Z"),
            json!(true),
            json!(null),
            json!([1]),
        ] {
            assert!(p(bad.clone()).is_err(), "{bad} accepted");
        }
        // One day ahead is still accepted (clock skew), a bit more is not.
        assert!(p(json!(NOW + DAY)).is_ok());
        assert!(p(json!(NOW + DAY + 1.0)).is_err());
    }
}
