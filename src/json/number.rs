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

    /// The value as `f64`: the nearest one, ties to even (as `JSON.parse` gives it; see [`parse_decimal`]).
    /// Always `Some`.
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
/// digit required) into the nearest `f64`, ties to even: the value `JSON.parse` and `str::parse::<f64>` give, for
/// any number of digits and any exponent (beyond ±1e5 the exponent saturates, which cannot change the result:
/// such a number is 0 or infinite). Exactly by the classic fast path (at most 19 digits, mantissa ≤ 2^53,
/// |exponent| ≤ 22); otherwise a 128-bit estimate is checked against the halfway points next to it with exact
/// big-integer arithmetic ([`nearest`]); only digits past the 768th are not read one by one (whether any is
/// non-zero is all that can matter). Tested against `str::parse::<f64>` (`json/tests.rs`).
///
/// Why not `str::parse::<f64>`: measured (issue 20, nightly build-std + `wasm-opt -Os`, gzip -9 of the .wasm), it
/// makes the wasm 126 782 B against 114 605 B: +12.2 KB, mostly its 10 KB table of powers of five. This code is
/// ~2 KB of wasm before wasm-opt (the exact check ~1 KB of it). Speed: the fast path covers what chat payloads
/// carry (timestamps, counters, short decimals); the exact check allocates a few small big integers.
pub(crate) fn parse_decimal(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let neg = b.first() == Some(&b'-');
    let digits_from = |i: usize| i + b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    let int_start = usize::from(neg);
    let int_end = digits_from(int_start);
    let (frac_start, frac_end) = match b.get(int_end) {
        Some(b'.') => (int_end + 1, digits_from(int_end + 1)),
        _ => (int_end, int_end),
    };
    let (int, frac) = (&b[int_start..int_end], &b[frac_start..frac_end]);
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut i = frac_end;
    let mut exp: i64 = 0;
    if let Some(b'e' | b'E') = b.get(i) {
        i += 1;
        let eneg = b.get(i) == Some(&b'-');
        if let Some(b'+' | b'-') = b.get(i) {
            i += 1;
        }
        let end = digits_from(i);
        if end == i {
            return None;
        }
        for &c in &b[i..end] {
            exp = (exp * 10 + i64::from(c - b'0')).min(100_000);
        }
        exp = if eneg { -exp } else { exp };
        i = end;
    }
    if i != b.len() {
        return None;
    }
    let x = Decimal { int, frac, exp }.to_f64();
    Some(if neg { -x } else { x })
}

/// `digits(int ++ frac) × 10^(exp - frac.len())`, the digits as ASCII.
struct Decimal<'a> {
    int: &'a [u8],
    frac: &'a [u8],
    exp: i64,
}

/// Significant digits a halfway point between two `f64`s can have at most (767): reading 768 and whether any
/// digit after them is non-zero decides every comparison with one.
const MAX_DIGITS: usize = 768;

impl Decimal<'_> {
    fn digits(&self) -> impl Iterator<Item = u8> + '_ {
        self.int.iter().chain(self.frac).map(|c| c - b'0')
    }

    fn to_f64(&self) -> f64 {
        // The first 19 significant digits, and what the dropped ones weigh.
        let mut mant: u64 = 0;
        let mut exp = self.exp - self.frac.len() as i64;
        let mut truncated = false;
        for part in [self.int, self.frac] {
            for &c in part {
                let d = c - b'0';
                if mant < 1_000_000_000_000_000_000 {
                    mant = mant * 10 + u64::from(d);
                } else {
                    exp += 1;
                    truncated |= d != 0;
                }
            }
        }
        if mant == 0 {
            return 0.0;
        }
        if !truncated && mant <= EXACT_F64_INT && (-22..=22).contains(&exp) {
            // Both exact in an f64: one rounding.
            let m = mant as f64;
            return if exp >= 0 { m * POW10[exp as usize] } else { m / POW10[(-exp) as usize] };
        }
        // The leading digit's power of ten: far outside f64's range, no arithmetic is needed.
        let lead = exp + i64::from(mant.ilog10());
        if lead > 309 {
            return f64::INFINITY;
        }
        if lead < -325 {
            return 0.0; // below 10^-325, under half the smallest subnormal (2^-1075 ≈ 2.5e-324)
        }
        nearest(&self.exact(), scale_bin(mant, 0, exp))
    }

    /// The decimal as `(d, e)`, value = d × 10^e: at most [`MAX_DIGITS`] significant digits, and a last digit 1
    /// standing for any non-zero digits after them (so it compares with every halfway point as the full value).
    fn exact(&self) -> (Big, i64) {
        let mut d = Big::default();
        let (mut n, mut chunk, mut chunk_len) = (0, 0u32, 0);
        let mut e = self.exp - self.frac.len() as i64;
        let mut sticky = false;
        for digit in self.digits().skip_while(|&c| c == 0) {
            if n == MAX_DIGITS {
                e += 1;
                sticky |= digit != 0;
                continue;
            }
            n += 1;
            chunk = chunk * 10 + u32::from(digit);
            chunk_len += 1;
            if chunk_len == 9 {
                d.mul_add(1_000_000_000, chunk);
                (chunk, chunk_len) = (0, 0);
            }
        }
        d.mul_add(10u64.pow(chunk_len), chunk);
        if sticky {
            d.mul_add(10, 1);
            e -= 1;
        }
        (d, e)
    }
}

/// The `f64` nearest to `d × 10^e` (ties to even), from an estimate `x ≥ 0` that may be some ULPs off: `x` moves
/// up while the value lies above the halfway point to the next `f64`, and down while it lies below the one to
/// the previous, each compared exactly.
fn nearest((d, e): &(Big, i64), mut x: f64) -> f64 {
    use std::cmp::Ordering::*;
    if x.is_infinite() {
        x = f64::MAX;
    }
    loop {
        // x = m × 2^k; the halfway point to the next f64 is (2m + 1) × 2^(k-1).
        let bits = x.to_bits();
        let biased = (bits >> 52) as i64;
        let (m, k) = if biased == 0 { (bits, -1074) } else { ((bits & ((1 << 52) - 1)) | (1 << 52), biased - 1075) };
        let up = f64::from_bits(bits + 1); // infinity after f64::MAX
        match compare(d, *e, 2 * m + 1, k - 1) {
            Greater => {
                if up.is_infinite() {
                    return up;
                }
                x = up;
                continue;
            }
            Equal => return if m & 1 == 1 { up } else { x },
            Less => {}
        }
        if x == 0.0 {
            return x;
        }
        let down = f64::from_bits(bits - 1);
        // The previous f64 is half as far below a power of two (a normal one above the smallest).
        let (h, hk) = if m == 1 << 52 && k > -1074 { (4 * m - 1, k - 2) } else { (2 * m - 1, k - 1) };
        match compare(d, *e, h, hk) {
            Less => x = down,
            Equal => return if m & 1 == 1 { down } else { x },
            Greater => return x,
        }
    }
}

/// `d × 10^e` against `h × 2^k`, exactly.
fn compare(d: &Big, e: i64, h: u64, k: i64) -> std::cmp::Ordering {
    // d × 5^e × 2^e against h × 2^k: each negative power moves to the other side as a positive one.
    let mut left = d.clone();
    let mut right = Big::default();
    right.mul_add(1 << 32, (h >> 32) as u32);
    right.mul_add(1 << 32, h as u32);
    if e >= 0 {
        left.mul_pow5(e as u32);
    } else {
        right.mul_pow5(e.unsigned_abs() as u32);
    }
    let twos = e - k;
    if twos >= 0 {
        left.shl(twos as u32);
    } else {
        right.shl(twos.unsigned_abs() as u32);
    }
    left.cmp(&right)
}

/// A non-negative big integer: 32-bit words, least significant first, no zero words on top.
#[derive(Clone, Default, PartialEq, Eq)]
struct Big(Vec<u32>);

impl Big {
    /// `self = self × m + add` (`m ≤ 2^32`).
    fn mul_add(&mut self, m: u64, add: u32) {
        let mut carry = u64::from(add);
        for w in &mut self.0 {
            let v = u64::from(*w) * m + carry;
            *w = v as u32;
            carry = v >> 32;
        }
        while carry != 0 {
            self.0.push(carry as u32);
            carry >>= 32;
        }
    }

    fn mul_pow5(&mut self, mut n: u32) {
        while n > 0 {
            let step = n.min(13); // 5^13 < 2^32
            self.mul_add(5u64.pow(step), 0);
            n -= step;
        }
    }

    fn shl(&mut self, n: u32) {
        self.mul_add(1 << (n % 32), 0);
        if !self.0.is_empty() {
            self.0.splice(0..0, std::iter::repeat_n(0, (n / 32) as usize));
        }
    }
}

impl PartialOrd for Big {
    fn partial_cmp(&self, other: &Big) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Big {
    fn cmp(&self, other: &Big) -> std::cmp::Ordering {
        self.0.len().cmp(&other.0.len()).then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }
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
