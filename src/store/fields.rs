//! Tolerant field access on JSON objects: aliases, `null` as absent, ids as strings or integers, size limits.

use std::borrow::Cow;

use crate::json::{Map, Value};

use super::error::StoreError;

/// The payload as an object, or [`StoreError::NotAnObject`].
pub(crate) fn object(v: &Value) -> Result<&Map, StoreError> {
    v.as_object().ok_or(StoreError::NotAnObject)
}

/// The first of `names` that is present and not `null`.
pub(crate) fn lookup<'a>(obj: &'a Map, names: &[&str]) -> Option<&'a Value> {
    names.iter().find_map(|n| obj.get(n).filter(|v| !v.is_null()))
}

/// An identifier: a non-empty string, or an integer (SQL back ends send numeric ids), at most `max` chars.
pub(crate) fn id_value(v: &Value, field: &'static str, max: usize) -> Result<String, StoreError> {
    id_borrowed(v, field, max).map(Cow::into_owned)
}

/// [`id_value`], borrowing a string id from `v` instead of copying it.
pub(crate) fn id_borrowed<'a>(v: &'a Value, field: &'static str, max: usize) -> Result<Cow<'a, str>, StoreError> {
    let s = match v {
        Value::String(s) => Cow::Borrowed(s.as_str()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Cow::Owned(n.to_json_text()),
        _ => return Err(StoreError::WrongType { field, expected: "string or integer" }),
    };
    check_id(&s, field, max)?;
    Ok(s)
}

/// Looks up an identifier under any of `names`.
pub(crate) fn id_field(
    obj: &Map,
    names: &[&str],
    field: &'static str,
    max: usize,
) -> Result<Option<String>, StoreError> {
    lookup(obj, names).map(|v| id_value(v, field, max)).transpose()
}

/// Rejects empty or over-long identifiers.
pub(crate) fn check_id(s: &str, field: &'static str, max: usize) -> Result<(), StoreError> {
    if s.is_empty() {
        return Err(StoreError::EmptyField(field));
    }
    check_len(s, field, max)
}

/// Rejects strings longer than `max` Unicode scalar values (cheap byte check first).
pub(crate) fn check_len(s: &str, field: &'static str, max: usize) -> Result<(), StoreError> {
    if s.len() > max {
        let len = s.chars().count();
        if len > max {
            return Err(StoreError::TooLarge { field, len, max });
        }
    }
    Ok(())
}

/// The unknown-fields key that marks a received text cut to `max_text_chars`; its value is the original length in
/// Unicode scalar values. Set by the store, it wins over a server field of the same name.
pub(crate) const TEXT_TRUNCATED: &str = "text_truncated";

/// A received text longer than `max` Unicode scalar values, cut to its first `max` — kept rather than dropped, so
/// the conversation shows it and the app can see [`TEXT_TRUNCATED`] — with its original length; `None` if it fits.
pub(crate) fn truncate_text(text: Cow<'_, str>, max: usize) -> (Cow<'_, str>, Option<usize>) {
    if text.len() <= max {
        return (text, None); // cheap byte check first: a char is at least one byte
    }
    let Some((cut, _)) = text.char_indices().nth(max) else { return (text, None) };
    let len = max + text[cut..].chars().count();
    let kept = match text {
        Cow::Borrowed(s) => Cow::Borrowed(&s[..cut]),
        Cow::Owned(mut s) => {
            s.truncate(cut);
            Cow::Owned(s)
        }
    };
    (kept, Some(len))
}
