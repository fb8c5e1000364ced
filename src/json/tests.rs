//! The JSON module against hand-written tables and against `serde_json` as an oracle.

use proptest::prelude::*;

use super::number::{parse_decimal, write_f64};
use super::*;

fn parse(s: &str) -> Value {
    from_str(s).unwrap_or_else(|e| panic!("{s:?}: {e}"))
}

fn kind(s: &str) -> ParseErrorKind {
    from_str(s).expect_err(s).kind
}

#[test]
fn valid_inputs_write_back_canonically() {
    let rows = [
        ("null", "null"),
        (" true ", "true"),
        ("false", "false"),
        ("0", "0"),
        ("-0", "-0"),
        ("-12", "-12"),
        ("1.50", "1.50"),
        ("1e2", "1e2"),
        ("-1.5E-3", "-1.5E-3"),
        ("123456789012345678901234567890", "123456789012345678901234567890"),
        ("\"\"", "\"\""),
        (r#""a\"b\\c\/d""#, r#""a\"b\\c/d""#),
        (r#""\b\f\n\r\t\u0001\u001f""#, r#""\b\f\n\r\t\u0001\u001f""#),
        (r#""\u00e9\u20ac\ud83d\ude00""#, "\"é€😀\""),
        ("\"é€😀\u{7f}\"", "\"é€😀\u{7f}\""),
        ("[]", "[]"),
        ("{}", "{}"),
        (" [ 1 , [ ] , { } , \"x\" ] ", "[1,[],{},\"x\"]"),
        ("{\"b\":1,\"a\":{\"c\":[true,null]}}", "{\"b\":1,\"a\":{\"c\":[true,null]}}"),
        ("{\"a\":1,\"b\":2,\"a\":3}", "{\"a\":3,\"b\":2}"),
        ("\t\r\n[\n]\n", "[]"),
    ];
    for (input, expected) in rows {
        let v = parse(input);
        assert_eq!(to_string(&v), expected, "{input}");
        assert_eq!(parse(&to_string(&v)), v, "round trip of {input}");
    }
}

#[test]
fn invalid_inputs_are_typed_errors() {
    use ParseErrorKind::*;
    let rows = [
        ("", UnexpectedEnd),
        ("   ", UnexpectedEnd),
        ("[", UnexpectedEnd),
        ("[1,", UnexpectedEnd),
        ("{\"a\"", UnexpectedEnd),
        ("\"abc", UnexpectedEnd),
        ("\"\\u12", UnexpectedEnd),
        ("[1,]", UnexpectedChar),
        ("{\"a\":1,}", UnexpectedChar),
        ("{a:1}", UnexpectedChar),
        ("{\"a\" 1}", UnexpectedChar),
        ("[1 2]", UnexpectedChar),
        ("tru", UnexpectedEnd),
        ("trux", UnexpectedChar),
        ("nul", UnexpectedEnd),
        ("NaN", UnexpectedChar),
        ("'a'", UnexpectedChar),
        ("01", TrailingCharacters),
        ("1 2", TrailingCharacters),
        ("{}x", TrailingCharacters),
        ("-", InvalidNumber),
        ("-a", InvalidNumber),
        ("1.", InvalidNumber),
        ("1.e3", InvalidNumber),
        ("1e", InvalidNumber),
        ("1e+", InvalidNumber),
        (".5", UnexpectedChar),
        ("+1", UnexpectedChar),
        ("1e400", NumberOutOfRange),
        ("[-1.5E+309]", NumberOutOfRange),
        ("\"\\x\"", InvalidEscape),
        ("\"\\u12g4\"", InvalidEscape),
        ("\"a\u{1}b\"", ControlCharacter),
        ("\"a\nb\"", ControlCharacter),
    ];
    for (input, expected) in rows {
        assert_eq!(kind(input), expected, "{input:?}");
        assert!(serde_json::from_str::<serde_json::Value>(input).is_err(), "oracle accepts {input:?}");
    }
    let e = from_str("[1,]").unwrap_err();
    assert_eq!(e.offset, 3);
    assert_eq!(e.to_string(), "unexpected character at byte 3");
}

#[test]
fn depth_limit_matches_serde_json() {
    for (depth, ok) in [(MAX_DEPTH, true), (MAX_DEPTH + 1, false), (10_000, false)] {
        let arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let objects = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
        for text in [arrays, objects] {
            assert_eq!(from_str(&text).is_ok(), ok, "depth {depth}");
            assert_eq!(serde_json::from_str::<serde_json::Value>(&text).is_ok(), ok, "oracle at depth {depth}");
            if !ok {
                assert_eq!(kind(&text), ParseErrorKind::TooDeep);
            }
        }
    }
}

#[test]
fn numbers_keep_their_text_and_convert_exactly() {
    for text in ["1.0", "1e2", "1E+2", "-0", "0.1", "1.5e-7", "18446744073709551616", "-9223372036854775809"] {
        assert_eq!(to_string(&parse(text)), text);
    }
    let n = |s: &str| match parse(s) {
        Value::Number(n) => n,
        other => panic!("{other:?}"),
    };
    assert_eq!(n("42").as_i64(), Some(42));
    assert_eq!(n("-42").as_u64(), None);
    assert_eq!(n("9223372036854775807").as_i64(), Some(i64::MAX));
    assert_eq!(n("-9223372036854775808").as_i64(), Some(i64::MIN));
    assert_eq!(n("18446744073709551615").as_u64(), Some(u64::MAX));
    assert_eq!(n("18446744073709551615").as_i64(), None);
    assert_eq!(n("18446744073709551616").as_u64(), None);
    assert_eq!(n("1.0").as_i64(), None);
    assert_eq!(n("1e2").as_u64(), None);
    assert_eq!(n("-0").as_i64(), None); // a float, as in serde_json
    assert_eq!(n("-0").as_f64(), Some(-0.0));
    assert_eq!(n("1e-400").as_f64(), Some(0.0)); // underflow is not an error (nor in serde_json)
    assert_eq!(n("1698048000.5").as_f64(), Some(1_698_048_000.5));
    assert_eq!(n("1e2"), n("100"));
    assert_eq!(n("1.0"), n("1"));
    assert_ne!(n("0.1"), n("0.2"));
    // The fast path is exact: the same f64 as the standard library's correctly rounded parse.
    for s in ["0.1", "0.3", "3.14159", "1e22", "1e-22", "123456789012345e-10", "9007199254740993", "2.5e-5"] {
        assert_eq!(parse_decimal(s), Some(s.parse::<f64>().unwrap()), "{s}");
    }
    // Slow path (long mantissas, large exponents, subnormals): still correctly rounded.
    for s in ["1e300", "1.7976931348623157e308", "5e-324", "2.2250738585072014e-308", "1.23456789123456789e-200"] {
        assert_eq!(parse_decimal(s), Some(s.parse::<f64>().unwrap()), "{s}");
    }
    assert_eq!(parse_decimal("1e999"), Some(f64::INFINITY));
    assert_eq!(parse_decimal("1e-999"), Some(0.0));
    for bad in ["", "-", ".", "e5", "1e", "1x", "1.2.3"] {
        assert_eq!(parse_decimal(bad), None, "{bad:?}");
    }
    assert_eq!(parse_decimal("5."), Some(5.0));
    assert_eq!(parse_decimal(".5"), Some(0.5));
}

#[test]
fn numbers_made_in_rust() {
    let w = |v: Value| to_string(&v);
    assert_eq!(w(Value::from(1_700_000_000_000.0)), "1700000000000");
    assert_eq!(w(Value::from(-3.0)), "-3");
    assert_eq!(w(Value::from(0.5)), "0.5");
    assert_eq!(w(Value::from(1_700_000_000_000.25)), "1700000000000.25");
    assert_eq!(w(Value::from(0.1 + 0.2)), "0.30000000000000004");
    assert_eq!(w(Value::from(1e-7)), "1e-7");
    assert_eq!(w(Value::from(1.5e300)), "15e299");
    assert_eq!(w(Value::from(5e-324)), "5e-324");
    assert_eq!(w(Value::from(f64::NAN)), "null");
    assert_eq!(w(Value::from(f64::INFINITY)), "null");
    assert_eq!(w(Value::from(u64::MAX)), "18446744073709551615");
    assert_eq!(w(Value::from(i64::MIN)), "-9223372036854775808");
}

#[test]
fn strings_escape_like_serde_json() {
    let s: String = (0u8..0x80).map(char::from).chain("é€😀\u{2028}".chars()).collect();
    assert_eq!(to_string(&Value::String(s.clone())), serde_json::Value::String(s.clone()).to_string());
    assert_eq!(parse(&to_string(&Value::String(s.clone()))), Value::String(s));
}

#[test]
fn map_keeps_insertion_order_and_value_api() {
    let mut v = parse(r#"{"z":1,"a":"x","m":[1,{"k":true}]}"#);
    assert_eq!(v.as_object().unwrap().keys().map(String::as_str).collect::<Vec<_>>(), ["z", "a", "m"]);
    assert_eq!(v["a"], "x");
    assert_eq!(v["m"][1]["k"], true);
    assert!(v["missing"].is_null() && v["m"][9].is_null() && v["a"]["x"].is_null());
    v["a"] = Value::from(2);
    v["new"] = Value::Null;
    let obj = v.as_object_mut().unwrap();
    assert_eq!(obj.remove("z"), Some(Value::from(1)));
    assert_eq!(to_string(&v), r#"{"a":2,"m":[1,{"k":true}],"new":null}"#);
    // Equality ignores order, like serde_json's.
    assert_eq!(parse(r#"{"a":1,"b":2}"#), parse(r#"{"b":2,"a":1}"#));
    assert_ne!(parse(r#"{"a":1,"b":2}"#), parse(r#"{"a":1}"#));
    // Many keys with duplicates: the sorting dedup path.
    let mut text: String = (0..40).map(|i| format!("\"k{i}\":{i},")).collect();
    text.push_str("\"k3\":\"last\",\"k39\":0");
    let big = parse(&format!("{{{text}}}"));
    let m = big.as_object().unwrap();
    assert_eq!(m.len(), 40);
    assert_eq!(m.keys().nth(3).map(String::as_str), Some("k3"));
    assert_eq!(m.get("k3"), Some(&Value::from("last")));
    assert_eq!(m.get("k39"), Some(&Value::from(0)));
}

/// Arbitrary JSON as the oracle's values: strings with any characters, integers, finite floats.
fn arb_serde() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value as S;
    let leaf = prop_oneof![
        Just(S::Null),
        any::<bool>().prop_map(S::Bool),
        any::<i64>().prop_map(S::from),
        any::<u64>().prop_map(S::from),
        any::<f64>().prop_filter("finite", |x| x.is_finite()).prop_map(S::from),
        (-1e6f64..1e6).prop_map(S::from),
        any::<String>().prop_map(S::String),
        "[\"\\\\a-z\u{0}-\u{1f}é😀]{0,8}".prop_map(S::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(S::Array),
            prop::collection::vec(("[a-e]{0,3}", inner), 0..6).prop_map(|kv| S::Object(kv.into_iter().collect())),
        ]
    })
}

/// Ours and the oracle's agree on structure; numbers agree exactly when integral, closely otherwise.
fn same(ours: &Value, theirs: &serde_json::Value) -> bool {
    use serde_json::Value as S;
    match (ours, theirs) {
        (Value::Null, S::Null) => true,
        (Value::Bool(a), S::Bool(b)) => a == b,
        (Value::String(a), S::String(b)) => a == b,
        (Value::Number(a), S::Number(b)) => {
            a.as_i64() == b.as_i64() && a.as_u64() == b.as_u64() && {
                let (x, y) = (a.as_f64().unwrap(), b.as_f64().unwrap());
                x == y || (x - y).abs() <= y.abs() * 1e-14
            }
        }
        (Value::Array(a), S::Array(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y)),
        (Value::Object(a), S::Object(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|((k, x), (l, y))| k == l && same(x, y))
        }
        _ => false,
    }
}

proptest! {
    #[test]
    fn agrees_with_serde_json(v in arb_serde()) {
        let text = v.to_string();
        let ours = from_str(&text).unwrap();
        prop_assert!(same(&ours, &v), "{text}");
        // Strings escape the same way and numbers keep their text: the output is byte-identical.
        prop_assert_eq!(to_string(&ours), text.clone());
        let pretty = serde_json::to_string_pretty(&v).unwrap();
        prop_assert_eq!(from_str(&pretty).unwrap(), ours);
    }

    #[test]
    fn accepts_exactly_what_serde_json_accepts(s in "[\\[\\]{}\",:0-9eE.+\\-a-z\\\\ ]{0,16}") {
        prop_assert_eq!(from_str(&s).is_ok(), serde_json::from_str::<serde_json::Value>(&s).is_ok(), "{:?}", s);
    }

    #[test]
    fn f64_written_in_rust_round_trips(x in any::<f64>().prop_filter("finite", |x| x.is_finite())) {
        let mut text = String::new();
        write_f64(&mut text, x);
        prop_assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok(), "{}", text);
        prop_assert_eq!(parse_decimal(&text), Some(x), "{}", text);
        prop_assert_eq!(text.parse::<f64>().unwrap(), x, "{}", text);
    }

    #[test]
    fn short_decimals_written_in_rust_are_exact(m in -10_000_000_000_000i64..10_000_000_000_000, e in 0u32..8) {
        let x = m as f64 / 10f64.powi(e as i32);
        let mut text = String::new();
        write_f64(&mut text, x);
        prop_assert_eq!(text.parse::<f64>().unwrap(), x, "{}", text);
    }
}

proptest! {
    #[test]
    fn decimal_parse_matches_std_on_shortest_text(x in any::<f64>().prop_filter("finite", |x| x.is_finite())) {
        for text in [format!("{x:e}"), format!("{x}"), format!("{x:.20e}")] {
            prop_assert_eq!(parse_decimal(&text), Some(text.parse::<f64>().unwrap()), "{}", text);
        }
    }
}

/// The scanner against the parser: same verdict (and error) on any input, element ranges that re-parse to the
/// array's elements.
fn scan_agrees(s: &str) -> Result<(), TestCaseError> {
    let parsed = from_str(s);
    prop_assert_eq!(validate(s), parsed.as_ref().map(|_| ()).map_err(|e| *e), "{:?}", s);
    match (array_elements(s), parsed) {
        (Ok(Some(ranges)), Ok(Value::Array(items))) => {
            let again: Vec<Value> = ranges.into_iter().map(|r| from_str(&s[r]).unwrap()).collect();
            prop_assert_eq!(again, items, "{:?}", s);
        }
        (Ok(None), Ok(v)) => prop_assert!(!v.is_array(), "{:?}", s),
        (Err(a), Err(b)) => prop_assert_eq!(a, b, "{:?}", s),
        (a, b) => prop_assert!(false, "{:?}: scan {:?}, parse {:?}", s, a, b),
    }
    Ok(())
}

/// `JSON.parse` accepts lone surrogate escapes; a Rust string cannot hold one, so each becomes U+FFFD (what
/// `TextEncoder` makes of such a JS string), and the escape after a lone high surrogate is read on its own.
#[test]
fn lone_surrogates_become_replacement_characters() {
    for (input, expected) in [
        (r#""\ud800""#, "\u{FFFD}"),
        (r#""\udc00""#, "\u{FFFD}"),
        (r#""a\ud83dz""#, "a\u{FFFD}z"),
        (r#""\ud800\u0041""#, "\u{FFFD}A"),
        (r#""\ud800\ud800""#, "\u{FFFD}\u{FFFD}"),
        (r#""\ud800\ud83d\ude00""#, "\u{FFFD}\u{1F600}"),
        (r#""\udc00\ud800""#, "\u{FFFD}\u{FFFD}"),
        (r#""\ud83d\ude00""#, "\u{1F600}"),
    ] {
        assert_eq!(from_str(input), Ok(Value::String(expected.into())), "{input}");
        validate(input).unwrap();
        let text = format!("[{input}]");
        let (_, lone) = super::array_elements_flagged(&text).unwrap();
        assert_eq!(lone, expected.contains('\u{FFFD}'), "{input}");
        // The rewritten text has no lone escape left, decodes to the same string, and keeps its length.
        let rewritten = super::replace_lone_surrogates(&text);
        assert_eq!(rewritten.len(), text.len());
        assert!(!super::array_elements_flagged(&rewritten).unwrap().1, "{rewritten}");
        assert_eq!(from_str(&rewritten), from_str(&text));
    }
    // An escaped backslash before `ud800` is not an escape.
    assert_eq!(super::replace_lone_surrogates(r#"["\\ud800"]"#), r#"["\\ud800"]"#);
    assert_eq!(from_str(r#""\ud800\uZZZZ""#).unwrap_err().kind, ParseErrorKind::InvalidEscape);
}

#[test]
fn scanner_agrees_on_the_tables() {
    let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    for s in [
        "",
        " ",
        "[",
        "[1,",
        "[1,]",
        "[]",
        " [ ] ",
        "[1, \"a\" ,{\"b\":[null]} ]x",
        "[1] ",
        "{\"a\":1,\"a\":2}",
        "\"\\ud800\"",
        "\"\\udc00\"",
        "\"\\ud83d\\ude00\"",
        "\"\\ud83d\\u0041\"",
        "\"\\x\"",
        "\"\\u12g4\"",
        "\"a\u{1}\"",
        "1e400",
        "-",
        "01",
        "1.",
        "1e",
        "[1e400]",
        "tru",
        "nul",
        "[true,false,null]",
        "{\"a\" 1}",
        "{1:2}",
        "[1 2]",
    ] {
        scan_agrees(s).unwrap();
    }
    for n in [126, 127, 128, 200] {
        scan_agrees(&deep(n)).unwrap();
        scan_agrees(&format!("[1,{}]", deep(n))).unwrap();
    }
}

proptest! {
    #[test]
    fn scanner_agrees_with_parser_on_json(v in arb_serde()) {
        scan_agrees(&v.to_string())?;
        scan_agrees(&serde_json::to_string_pretty(&v).unwrap())?;
        scan_agrees(&format!(" [ {v} , {v}]"))?;
    }

    #[test]
    fn scanner_agrees_with_parser_on_junk(s in "[\\[\\]{}\",:0-9eE.+\\-a-z\\\\ \u{1}]{0,24}") {
        scan_agrees(&s)?;
    }
}

/// `parse_decimal` and the standard library's correctly rounded parser give the same bits.
fn same_as_std(s: &str) -> Result<(), TestCaseError> {
    let std = s.parse::<f64>().unwrap();
    let ours = parse_decimal(s).unwrap();
    prop_assert_eq!(ours.to_bits(), std.to_bits(), "{}: {:e} against std's {:e}", s, ours, std);
    Ok(())
}

/// The exact decimal text of the point halfway between finite `x ≥ 0` and the next `f64` up:
/// `(2m + 1) × 2^(k-1)` for `x = m × 2^k`, its digits multiplied out.
fn halfway_above(x: f64) -> (Vec<u8>, i64) {
    let bits = x.to_bits();
    let biased = (bits >> 52) as i64;
    let (m, k) = if biased == 0 { (bits, -1074) } else { ((bits & ((1 << 52) - 1)) | (1 << 52), biased - 1075) };
    let mut digits: Vec<u8> = (2 * m + 1).to_string().bytes().map(|c| c - b'0').collect();
    let (factor, times, exp10) = if k > 0 { (2, k - 1, 0) } else { (5, 1 - k, k - 1) };
    for _ in 0..times {
        let mut carry = 0;
        for d in digits.iter_mut().rev() {
            let v = *d * factor + carry;
            (*d, carry) = (v % 10, v / 10);
        }
        if carry > 0 {
            digits.insert(0, carry);
        }
    }
    (digits, exp10)
}

fn text_of(digits: &[u8], exp10: i64) -> String {
    let d: String = digits.iter().map(|&d| char::from(b'0' + d)).collect();
    format!("{d}e{exp10}")
}

/// The halfway point itself (ties to even), a hair above it and a hair below it (digits past the 768th).
fn halfway_cases(x: f64) -> Result<(), TestCaseError> {
    let (digits, e) = halfway_above(x);
    same_as_std(&text_of(&digits, e))?;
    let mut above = digits.clone();
    above.extend(std::iter::repeat_n(0, 800).chain([1]));
    same_as_std(&text_of(&above, e - 801))?;
    let mut below = digits;
    let last = below.iter().rposition(|&d| d != 0).unwrap();
    below[last] -= 1;
    below[last + 1..].iter_mut().for_each(|d| *d = 9);
    below.extend(std::iter::repeat_n(9, 800));
    same_as_std(&text_of(&below, e - 800))
}

#[test]
fn decimals_round_like_std_on_hard_cases() {
    let thirty = |d: &str| format!("0.{}", d.repeat(30));
    let rows = [
        "2.2250738585072011e-308",
        "2.2250738585072012e-308",
        "2.2250738585072014e-308",
        "9007199254740993",
        "9007199254740995",
        "9007199254740993.0000000000000000000001",
        "18446744073709551615",
        "123456789012345678901234567890",
        "1e23",
        "8.9884656743115795e307",
        "1.7976931348623157e308",
        "1.7976931348623158e308",
        "1.7976931348623159e308",
        "4.9406564584124654e-324",
        "2.4703282292062327e-324",
        "2.4703282292062328e-324",
        "0.30000000000000004",
        "0.1000000000000000055511151231257827021181583404541015625",
        "1.00000000000000011102230246251565404236316680908203125",
        "1.000000000000000111022302462515654042363166809082031250000000000000000000001",
        "-0",
        "-0.0e-5",
        "0e999999",
        "00000.00000e5",
        "1e400",
        "-1e400",
        "1e-400",
        "1e99999999999",
        "1e-99999999999",
        "123.456e-2",
        "5e-324",
        "3e-324",
        "2e-324",
    ];
    for s in rows.iter().map(|s| s.to_string()).chain([
        thirty("1"),
        thirty("3"),
        thirty("9"),
        format!("0.1{}", "0".repeat(29)),
    ]) {
        same_as_std(&s).unwrap();
    }
    // 800-digit mantissas: all digits count (a non-zero 800th digit can decide a tie).
    for s in [
        format!("{}e-800", "9".repeat(800)),
        format!("{}e-1100", "1".repeat(800)),
        format!("0.{}1", "0".repeat(799)),
        "7".repeat(320),
    ] {
        same_as_std(&s).unwrap();
    }
    // Exact halfway points (up to 767 significant digits), with digits far past them.
    for x in [0.0, 5e-324, 1e-320, f64::MIN_POSITIVE, 1.0, 0.1, 9007199254740992.0, 1e23, f64::MAX / 2.0] {
        halfway_cases(x).unwrap();
    }
    // The largest f64's halfway point to 2^1024: ties to even is up, to infinity.
    let (digits, e) = halfway_above(f64::MAX);
    assert_eq!(parse_decimal(&text_of(&digits, e)), Some(f64::INFINITY));
    assert_eq!(kind(&text_of(&digits, e)), ParseErrorKind::NumberOutOfRange);
    assert_eq!(parse_decimal("-0").map(f64::to_bits), Some((-0.0f64).to_bits()));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn halfway_points_round_like_std(bits in 0u64..0x7fef_ffff_ffff_ffff) {
        halfway_cases(f64::from_bits(bits))?;
    }
}

proptest! {
    #[test]
    fn long_decimals_round_like_std(int in "[0-9]{0,40}", frac in "[0-9]{1,800}", exp in -400i32..400) {
        same_as_std(&format!("{int}.{frac}e{exp}"))?;
        same_as_std(&format!("{int}{frac}"))?;
    }

    #[test]
    fn short_decimals_round_like_std(mant in any::<u64>(), exp in -340i32..320) {
        same_as_std(&format!("{mant}e{exp}"))?;
    }
}

/// The one reading path on one text: building and skipping agree (verdict and error), element ranges re-read as
/// the elements, an accepted value writes back to text that reads back the same, and the verdict is the oracle's
/// (`serde_json` refuses lone-surrogate escapes that `JSON.parse` accepts: those texts are left out of that check).
fn reads_soundly(s: &str) -> Result<(), TestCaseError> {
    scan_agrees(s)?;
    let ours = from_str(s);
    if let Ok(v) = &ours {
        prop_assert_eq!(&from_str(&to_string(v)).unwrap(), v, "{:?}", s);
    }
    if !s.contains("\\u") {
        let theirs = serde_json::from_str::<serde_json::Value>(s);
        prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "{:?}: {:?}", s, theirs);
    }
    Ok(())
}

proptest! {
    #[test]
    fn reading_path_on_truncated_and_mutated_json(
        v in arb_serde(),
        cut in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, "[\\[\\]{}\",:0-9eE.+\\-a-z\\\\ \u{1}]"), 1..4),
    ) {
        let text = v.to_string();
        let chars: Vec<char> = text.chars().collect();
        reads_soundly(&chars[..cut.index(chars.len() + 1)].iter().collect::<String>())?;
        let mut mutated = chars.clone();
        for (at, how, junk) in edits {
            let i = at.index(mutated.len() + 1);
            let c = junk.chars().next().unwrap_or(' ');
            match how {
                0 => mutated.insert(i, c),
                1 if i < mutated.len() => { mutated.remove(i); }
                _ if i < mutated.len() => mutated[i] = c,
                _ => mutated.push(c),
            }
        }
        reads_soundly(&mutated.iter().collect::<String>())?;
    }

    #[test]
    fn reading_path_on_random_text(s in "[\\[\\]{}\",:0-9eE.+\\-a-z\\\\ \u{1}é]{0,40}") {
        reads_soundly(&s)?;
    }
}

/// Huge and deep inputs stay bounded: a typed error (or a value) without recursing past the limit.
#[test]
fn huge_and_deep_inputs_are_bounded() {
    let deep_mixed = "[{\"a\":".repeat(100_000);
    assert_eq!(kind(&deep_mixed), ParseErrorKind::TooDeep);
    assert_eq!(validate(&deep_mixed).unwrap_err().kind, ParseErrorKind::TooDeep);
    let long_number = "9".repeat(100_000);
    assert_eq!(kind(&long_number), ParseErrorKind::NumberOutOfRange);
    let long_fraction = format!("0.{}", "9".repeat(100_000));
    assert_eq!(from_str(&long_fraction).unwrap().as_f64(), Some(1.0));
    let many: String = format!("[{}1]", "1,".repeat(100_000));
    assert_eq!(from_str(&many).unwrap().as_array().map(Vec::len), Some(100_001));
}
