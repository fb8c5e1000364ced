//! `new_message` payloads parsed straight from their JSON text: the per-message ingest path.
//!
//! [`parse_message`] needs a [`Value`] tree: an allocation per key and per string, freed right after. Here one
//! validating pass over the text picks out the canonical fields as slices and copies the unknown fields into the
//! [`Extra`](super::Extra) text as they are. The result is exactly `parse_message(&from_str(text)?)`'s; the rare
//! shapes where matching it by hand would be subtle (escaped or duplicate unknown keys, very many fields) take the
//! tree path instead.

use std::borrow::Cow;

use crate::json::{from_str, ParseError, Scanner, Value};

use super::error::{clip, StoreError};
use super::extra::ExtraBuilder;
use super::fields::{check_id, id_value};
use super::model::{classify, parse_message, parse_status, Direction, Field, ParsedMessage, Status};
use super::options::StoreOptions;
use super::timestamp::{parse_timestamp, parse_timestamp_str};

/// Aliases per canonical field at most (`id` has four): slots are `field * ALIASES + rank`.
const ALIASES: usize = 4;
/// Unknown fields beyond this take the tree path (its duplicate check is O(n log n), ours O(n²)).
const MAX_EXTRA: usize = 16;

/// Validates a `new_message` payload given as JSON text. Text that is not valid JSON is [`StoreError::NotAnObject`].
pub(crate) fn parse_message_json<'a>(
    text: &'a str,
    opts: &StoreOptions,
    now: f64,
) -> Result<ParsedMessage<'a>, StoreError> {
    let mut scanned = Scanned { slots: [None; 8 * ALIASES], extra: ExtraBuilder::default() };
    match scanned.scan(text) {
        Ok(true) => scanned.finish(opts, now),
        // Not an object, or a shape left to the tree path.
        Ok(false) => {
            let tree = from_str(text).map_err(|_| StoreError::NotAnObject)?;
            parse_message(&tree, opts, now).map(ParsedMessage::into_owned)
        }
        Err(_) => Err(StoreError::NotAnObject),
    }
}

/// One pass over a payload object: each alias's value text (the last one, when a key repeats: JSON objects keep
/// the last duplicate) and the unknown fields, already written out.
struct Scanned<'a> {
    slots: [Option<&'a str>; 8 * ALIASES],
    extra: ExtraBuilder,
}

impl<'a> Scanned<'a> {
    /// Fills `self` in from `text`; `Ok(false)`: valid or not, the text is for the tree path to judge.
    fn scan(&mut self, text: &'a str) -> Result<bool, ParseError> {
        let mut sc = Scanner::new(text);
        sc.ws();
        if sc.peek()? != b'{' {
            return Ok(false);
        }
        let mut extra_keys: [&str; MAX_EXTRA] = [""; MAX_EXTRA];
        let mut n_extra = 0;
        let complete = sc.object_with(|m| {
            if m.key_escaped {
                // Its decoded name may be canonical or repeat another key: the tree path compares decoded keys.
                return false;
            }
            match classify(&m.key[1..m.key.len() - 1]) {
                Some((field, rank)) => self.slots[field as usize * ALIASES + usize::from(rank)] = Some(m.value),
                None => {
                    if n_extra == MAX_EXTRA || extra_keys[..n_extra].contains(&m.key) {
                        return false; // a repeated unknown key keeps its first position: the tree path does that
                    }
                    extra_keys[n_extra] = m.key;
                    n_extra += 1;
                    self.extra.push_raw(m.key, m.value);
                }
            }
            true
        })?;
        if complete {
            sc.end()?;
        }
        Ok(complete)
    }
}

/// The contents of a JSON string text without escapes (then its value is exactly the text between the quotes).
fn plain(json: &str) -> Option<&str> {
    json.strip_prefix('"')?.strip_suffix('"').filter(|s| !s.contains('\\'))
}

/// A value text parsed (small: one field); the text was validated by the scan, so this cannot fail.
fn value(json: &str) -> Value {
    from_str(json).unwrap_or(Value::Null)
}

/// An identifier, as [`id_value`] reads it.
fn id<'a>(json: &'a str, field: &'static str, max: usize) -> Result<Cow<'a, str>, StoreError> {
    match plain(json) {
        Some(s) => check_id(s, field, max).map(|()| Cow::Borrowed(s)),
        None => id_value(&value(json), field, max).map(Cow::Owned),
    }
}

/// A string field (`WrongType` otherwise), borrowed from the text unless it has escapes.
fn string<'a>(json: &'a str, field: &'static str) -> Result<Cow<'a, str>, StoreError> {
    if let Some(s) = plain(json) {
        return Ok(Cow::Borrowed(s));
    }
    match value(json) {
        Value::String(s) => Ok(Cow::Owned(s)),
        _ => Err(StoreError::WrongType { field, expected: "string" }),
    }
}

impl<'a> Scanned<'a> {
    /// The value of the lowest-ranked alias present and not `null` (as [`parse_message`]'s `Fields` chooses).
    fn get(&self, field: Field) -> Option<&'a str> {
        let base = field as usize * ALIASES;
        self.slots[base..base + ALIASES].iter().flatten().copied().find(|v| *v != "null")
    }

    /// The checks and errors of [`parse_message`], in its order.
    fn finish(&mut self, opts: &StoreOptions, now: f64) -> Result<ParsedMessage<'a>, StoreError> {
        let max_id = opts.max_id_chars;
        let id_of = |field, name| self.get(field).map(|v| id(v, name, max_id)).transpose();
        let id = id_of(Field::Id, "id")?.ok_or(StoreError::MissingField("id"))?;
        let room_id = id_of(Field::Room, "room_id")?;
        let text = self.get(Field::Text).map(|v| string(v, "text")).transpose()?;
        let user_id = id_of(Field::User, "user_id")?;
        let client_id = id_of(Field::Client, "client_id")?;
        let direction = match self.get(Field::Direction).map(|v| string(v, "direction")).transpose()? {
            Some(s) => Some(Direction::parse(&s).ok_or_else(|| StoreError::UnknownDirection(clip(&s)))?),
            None => None,
        };
        let status = match self.get(Field::Status) {
            Some(v) => Some(match plain(v) {
                Some(s) => Status::parse(s).ok_or_else(|| StoreError::UnknownStatus(clip(s)))?,
                None => parse_status(&value(v))?,
            }),
            None => None,
        };
        let timestamp = match self.get(Field::Timestamp) {
            Some(v) => Some(match plain(v) {
                Some(s) => parse_timestamp_str(s, now, opts.max_future_ms)?,
                None => parse_timestamp(&value(v), now, opts.max_future_ms)?,
            }),
            None => None,
        };
        let text = text.map(|t| self.extra.text(t, opts.max_text_chars));
        Ok(ParsedMessage {
            id,
            room_id,
            text,
            user_id,
            direction,
            status,
            timestamp,
            client_id,
            extra: std::mem::take(&mut self.extra).finish(),
        })
    }
}
