//! JSON numbers: integers held exactly, everything else as its source text (so writing never formats a float).

use std::fmt;

/// A JSON number.
///
/// Parsed integers that fit in `i64` are held as integers; every other parsed number keeps its source text
/// verbatim and is converted lazily by [`Number::as_f64`]. Numbers made in Rust from an `f64` keep the `f64`.
/// Equality is numeric: `1`, `1.0` and `1e0` are equal.
#[derive(Clone)]
pub struct Number(Repr);

#[derive(Clone)]
enum Repr {
    /// An integer that fits in `i64`.
    Int(i64),
    /// Validated JSON number text (big integers, fractions, exponents, `-0`).
    Text(Box<str>),
    /// A finite, non-integral (or huge) `f64` made in Rust.
    Float(f64),
}

/// 2^53: integers up to this are exact in an `f64`.
const EXACT_F64_INT: u64 = 1 << 53;

/// Powers of ten exactly representable as `f64`.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
    1e21, 1e22,
];

impl Number {
    /// A number from validated JSON number text (the parser's output).
    pub(crate) fn from_json_text(text: &str) -> Number {
        match parse_int(text) {
            Some(Int::I(i)) => Number(Repr::Int(i)),
            _ => Number(Repr::Text(text.into())),
        }
    }

    /// A number from an `f64`; `None` for NaN and infinities (JSON cannot express them).
    pub fn from_f64(x: f64) -> Option<Number> {
        if !x.is_finite() {
            return None;
        }
        if x == x.trunc() && x.abs() < EXACT_F64_INT as f64 {
            return Some(Number(Repr::Int(x as i64)));
        }
        Some(Number(Repr::Float(x)))
    }

    /// The value as `i64`, when it is an integer in range (no fraction or exponent in its text).
    pub fn as_i64(&self) -> Option<i64> {
        match &self.0 {
            Repr::Int(i) => Some(*i),
            Repr::Text(t) => match parse_int(t)? {
                Int::I(i) => Some(i),
                Int::U(_) => None,
            },
            Repr::Float(_) => None,
        }
    }

    /// The value as `u64`, when it is a non-negative integer in range.
    pub fn as_u64(&self) -> Option<u64> {
        match &self.0 {
            Repr::Int(i) => u64::try_from(*i).ok(),
            Repr::Text(t) => match parse_int(t)? {
                Int::I(i) => u64::try_from(i).ok(),
                Int::U(u) => Some(u),
            },
            Repr::Float(_) => None,
        }
    }

    /// Whether [`Number::as_i64`] is `Some`.
    pub fn is_i64(&self) -> bool {
        self.as_i64().is_some()
    }

    /// Whether [`Number::as_u64`] is `Some`.
    pub fn is_u64(&self) -> bool {
        self.as_u64().is_some()
    }

    /// Whether the number is not an integer in `i64`/`u64` range.
    pub fn is_f64(&self) -> bool {
        !self.is_i64() && !self.is_u64()
    }

    /// The value as `f64` (the nearest or a very close one for long or extreme numbers; exact for integers up
    /// to 2^53 and for decimals of up to 15 significant digits with a moderate exponent). Always `Some`.
    pub fn as_f64(&self) -> Option<f64> {
        match &self.0 {
            Repr::Int(i) => Some(*i as f64),
            Repr::Text(t) => parse_decimal(t),
            Repr::Float(x) => Some(*x),
        }
    }

    /// Appends the number's JSON text.
    pub(crate) fn write_to(&self, out: &mut String) {
        match &self.0 {
            Repr::Int(i) => write_i64(out, *i),
            Repr::Text(t) => out.push_str(t),
            Repr::Float(x) => write_f64(out, *x),
        }
    }

    /// The number's JSON text.
    pub fn to_json_text(&self) -> String {
        let mut s = String::new();
        self.write_to(&mut s);
        s
    }
}

impl PartialEq for Number {
    fn eq(&self, other: &Number) -> bool {
        match (&self.0, &other.0) {
            (Repr::Int(a), Repr::Int(b)) => a == b,
            (Repr::Text(a), Repr::Text(b)) if a == b => true,
            _ => match (self.as_i64(), other.as_i64(), self.as_u64(), other.as_u64()) {
                (Some(a), Some(b), _, _) => a == b,
                (_, _, Some(a), Some(b)) => a == b,
                _ => self.as_f64() == other.as_f64(),
            },
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_json_text())
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Number(")?;
        f.write_str(&self.to_json_text())?;
        f.write_str(")")
    }
}

macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Number {
            fn from(n: $t) -> Number {
                Number(Repr::Int(i64::from(n)))
            }
        }
    )*};
}
from_int!(i8, i16, i32, i64, u8, u16, u32);

impl From<u64> for Number {
    fn from(n: u64) -> Number {
        match i64::try_from(n) {
            Ok(i) => Number(Repr::Int(i)),
            Err(_) => {
                let mut s = String::new();
                write_u64(&mut s, n);
                Number(Repr::Text(s.into()))
            }
        }
    }
}

impl From<usize> for Number {
    fn from(n: usize) -> Number {
        Number::from(n as u64)
    }
}

enum Int {
    I(i64),
    U(u64),
}

/// `-?[0-9]+` as an integer, `None` if anything else is in the text or it overflows `u64`/`i64`.
fn parse_int(text: &str) -> Option<Int> {
    let (neg, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if digits.is_empty() || digits.len() > 20 {
        return None;
    }
    let mut v: u64 = 0;
    for b in digits.bytes() {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    if neg {
        if v == 0 {
            None // `-0` is a float, as in serde_json and JS
        } else if v <= i64::MAX as u64 {
            Some(Int::I(-(v as i64)))
        } else if v == i64::MAX as u64 + 1 {
            Some(Int::I(i64::MIN))
        } else {
            None
        }
    } else {
        Some(i64::try_from(v).map_or(Int::U(v), Int::I))
    }
}

/// Parses a decimal `-?digits[.digits][(e|E)[+-]digits]` (leading `.5` and trailing `5.` accepted, at least one
/// digit required) into an `f64`. Digits past the 19th are dropped; the rest is rounded correctly: exactly by
/// the classic fast path (mantissa ≤ 2^53, |exponent| ≤ 22), otherwise through a 128-bit power of ten, which
/// can only misround a decimal lying within ~2^-100 of a halfway point. Keeps the standard library's float
/// parser (and its tables) out of the wasm.
pub(crate) fn parse_decimal(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = 0;
    let neg = b.first() == Some(&b'-');
    if neg {
        i = 1;
    }
    let mut mant: u64 = 0;
    let mut exp: i64 = 0;
    let mut any = false;
    while i < b.len() && b[i].is_ascii_digit() {
        any = true;
        if mant < 1_000_000_000_000_000_000 {
            mant = mant * 10 + u64::from(b[i] - b'0');
        } else {
            exp += 1;
        }
        i += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            any = true;
            if mant < 1_000_000_000_000_000_000 {
                mant = mant * 10 + u64::from(b[i] - b'0');
                exp -= 1;
            }
            i += 1;
        }
    }
    if !any {
        return None;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        let eneg = match b.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let start = i;
        let mut e: i64 = 0;
        while i < b.len() && b[i].is_ascii_digit() {
            e = (e * 10 + i64::from(b[i] - b'0')).min(100_000);
            i += 1;
        }
        if i == start {
            return None;
        }
        exp += if eneg { -e } else { e };
    }
    if i != b.len() {
        return None;
    }
    let x = scale(mant, exp);
    Some(if neg { -x } else { x })
}

/// `mant × 10^exp` as `f64`: exact (one rounding) on the fast path; otherwise through a 64-bit-mantissa power of
/// ten, which is correctly rounded except within a small fraction of an ULP of a halfway case.
fn scale(mant: u64, exp: i64) -> f64 {
    if mant == 0 {
        return 0.0;
    }
    if mant <= EXACT_F64_INT && (-22..=22).contains(&exp) {
        let m = mant as f64;
        return if exp >= 0 { m * POW10[exp as usize] } else { m / POW10[(-exp) as usize] };
    }
    scale_bin(mant, 0, exp)
}

/// `x × 10^e` for a finite `x > 0`.
fn mul_pow10(x: f64, e: i64) -> f64 {
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i64;
    let frac = bits & ((1 << 52) - 1);
    if biased == 0 {
        scale_bin(frac, -1074, e) // subnormal
    } else {
        scale_bin(frac | (1 << 52), biased - 1075, e)
    }
}

/// `mant × 2^bin × 10^exp10` as `f64` (`mant > 0`).
fn scale_bin(mant: u64, bin: i64, exp10: i64) -> f64 {
    let (pm, pb) = pow10_ext(exp10.clamp(-800, 800));
    let lz = mant.leading_zeros();
    let (hi, lo) = mul_192(pm, mant << lz);
    let lz2 = hi.leading_zeros();
    let hi = if lz2 == 0 { hi } else { (hi << lz2) | u128::from(lo >> (64 - lz2)) };
    // Top 64 bits, with a sticky bit for what is below so the conversion rounds correctly.
    let top = (hi >> 64) as u64 | u64::from(hi as u64 != 0 || lo << lz2 != 0);
    // value = top × 2^e, top ∈ [2^63, 2^64)
    let e = 128 - i64::from(lz2) + pb - i64::from(lz) + bin;
    if e + 63 < -1022 {
        return subnormal(top, e);
    }
    ldexp(top as f64, e)
}

/// `m × p` as a 192-bit number `(high 128 bits, low 64 bits)`.
fn mul_192(m: u128, p: u64) -> (u128, u64) {
    let hi = (m >> 64) * u128::from(p);
    let lo = (m & u128::from(u64::MAX)) * u128::from(p);
    (hi + (lo >> 64), lo as u64)
}

/// 10^e as `(m, b)` with `10^e ≈ m × 2^b`, `m` normalised (top bit set); relative error below 2^-120.
fn pow10_ext(e: i64) -> (u128, i64) {
    let (mut m, mut b) = (1u128 << 127, -127i64);
    let mut k = e;
    while k > 0 {
        let step = k.min(19);
        let (hi, lo) = mul_192(m, 10u64.pow(step as u32));
        let lz = hi.leading_zeros();
        m = if lz == 0 { hi } else { (hi << lz) | u128::from(lo >> (64 - lz)) };
        b += 64 - i64::from(lz);
        k -= step;
    }
    while k < 0 {
        let step = (-k).min(19);
        let p = u128::from(10u64.pow(step as u32));
        let (q_hi, r) = (m / p, m % p);
        let q_lo = ((r << 64) / p) as u64;
        let lz = q_hi.leading_zeros();
        m = if lz == 0 { q_hi } else { (q_hi << lz) | u128::from(q_lo >> (64 - lz)) };
        b -= i64::from(lz);
        k += step;
    }
    (m, b)
}

/// `top × 2^e` below the normal range, rounded once (half to even) to a multiple of 2^-1074.
fn subnormal(top: u64, e: i64) -> f64 {
    let shift = -(e + 1074); // > 0 here
    if shift > 64 {
        return 0.0;
    }
    let (q, rem, half) = if shift == 64 {
        (0, u128::from(top), 1u128 << 63)
    } else {
        (top >> shift, u128::from(top & ((1u64 << shift) - 1)), 1u128 << (shift - 1))
    };
    let n = if rem > half || (rem == half && q & 1 == 1) { q + 1 } else { q };
    f64::from_bits(n) // n ≤ 2^52: the subnormal n × 2^-1074 (or the smallest normal)
}

/// `f × 2^b` for `f ∈ [2^63, 2^64]` and a normal (or infinite) result.
fn ldexp(f: f64, b: i64) -> f64 {
    let x = f * pow2(-63); // ∈ [1, 2], exact
    let e = b + 63;
    if e > 1023 {
        f64::INFINITY
    } else {
        x * pow2(e) // callers send results below the normal range to `subnormal`
    }
}

/// 2^b for -1022 ≤ b ≤ 1023.
fn pow2(b: i64) -> f64 {
    f64::from_bits(((b + 1023) as u64) << 52)
}

/// Appends `n` in decimal.
pub(crate) fn write_u64(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &buf[i..] {
        out.push(char::from(d));
    }
}

/// Appends `n` in decimal.
pub(crate) fn write_i64(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    write_u64(out, n.unsigned_abs());
}

/// Appends a finite `f64` as JSON: integers in ±2^53 exactly; otherwise the fewest significant digits (up to 17)
/// that [`parse_decimal`] reads back as the same `f64` (found by trying each length: small and slow, which is
/// fine: only numbers made in Rust that are not integers come here; parsed numbers keep their text).
pub(crate) fn write_f64(out: &mut String, x: f64) {
    if !x.is_finite() {
        out.push_str("null");
        return;
    }
    if x == x.trunc() && x.abs() < EXACT_F64_INT as f64 {
        write_i64(out, x as i64);
        return;
    }
    let v = x.abs();
    // Decimal exponent of the leading digit: 10^e10 ≤ v < 10^(e10+1) (approximately; checked by the round trip).
    let mut e10: i64 = 0;
    let mut s = v;
    while s >= 10.0 {
        s /= 10.0;
        e10 += 1;
    }
    while s < 1.0 {
        s *= 10.0;
        e10 -= 1;
    }
    let mut text = String::new();
    'lengths: for n in 1..=17i64 {
        let exp = e10 - (n - 1);
        let digits = (mul_pow10(v, -exp) + 0.5) as u64;
        // Above 2^53 the scaled f64 is itself rounded (by up to 8 units at 17 digits): try the neighbours too.
        let spread = if n >= 16 { 8 } else { 0 };
        for d in (0..=spread).flat_map(|d| [digits.wrapping_add(d), digits.wrapping_sub(d)]) {
            text.clear();
            if x < 0.0 {
                text.push('-');
            }
            push_scaled(&mut text, d, exp);
            if parse_decimal(&text) == Some(x) {
                break 'lengths;
            }
        }
    }
    out.push_str(&text);
}

/// Appends `digits × 10^exp` as plain decimal when short, `<digits>e<exp>` otherwise.
fn push_scaled(out: &mut String, mut digits: u64, mut exp: i64) {
    while digits != 0 && digits % 10 == 0 {
        digits /= 10;
        exp += 1;
    }
    let mut ds = String::new();
    write_u64(&mut ds, digits);
    let point = ds.len() as i64 + exp; // digits before the decimal point
    if exp >= 0 && point <= 21 {
        out.push_str(&ds);
        (0..exp).for_each(|_| out.push('0'));
    } else if exp < 0 && point > 0 {
        out.push_str(&ds[..point as usize]);
        out.push('.');
        out.push_str(&ds[point as usize..]);
    } else if exp < 0 && point > -6 {
        out.push_str("0.");
        (0..-point).for_each(|_| out.push('0'));
        out.push_str(&ds);
    } else {
        out.push_str(&ds);
        out.push('e');
        write_i64(out, exp);
    }
}
