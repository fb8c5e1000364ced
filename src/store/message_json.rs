//! The message parser: a `new_message` payload, history item or saved copy, read straight from its JSON text.
//!
//! One validating pass over the text (the crate's one JSON reading path, [`Scanner`]) picks out the canonical
//! fields as slices, borrowed when they hold no escape, and copies the unknown fields into the
//! [`Extra`](super::Extra) text as they are: no [`Value`] tree (an allocation per key and per string, freed right
//! after). A payload that is already a tree goes through here as text ([`parse_message`](super::model::parse_message)).
//!
//! The object means what a JSON object means: a repeated key has its last value, an escaped key is its decoded
//! name.

use std::borrow::Cow;

use crate::json::{from_str, write_str, Scanner, Value};

use super::error::{clip, StoreError};
use super::extra::ExtraBuilder;
use super::fields::{check_id, id_value};
use super::model::{classify, parse_status, Direction, Field, ParsedMessage, Status};
use super::options::StoreOptions;
use super::timestamp::{parse_timestamp, parse_timestamp_str};

/// Aliases per canonical field at most (`id` has four): slots are `field * ALIASES + rank`.
const ALIASES: usize = 4;

/// Validates a message payload given as JSON text. Nothing is defaulted here except `extra`; see
/// [`ParsedMessage`]. Text that is not a valid JSON object is [`StoreError::NotAnObject`].
pub(crate) fn parse_message_json<'a>(
    text: &'a str,
    opts: &StoreOptions,
    now: f64,
) -> Result<ParsedMessage<'a>, StoreError> {
    let mut scanned = Scanned { slots: [None; 8 * ALIASES], extra: ExtraBuilder::default() };
    scanned.scan(text).ok_or(StoreError::NotAnObject)?;
    scanned.finish(opts, now)
}

/// One pass over a payload object: each alias's value text (the last one, when a key repeats) and the unknown
/// fields, already written out. A repeated unknown key is written each time: reading the fields back
/// ([`Extra::to_map`](super::Extra::to_map), or `JSON.parse` in JS) keeps its last value in its first position,
/// what a JSON object means, so checking for repeats here would only cost time.
struct Scanned<'a> {
    slots: [Option<&'a str>; 8 * ALIASES],
    extra: ExtraBuilder,
}

impl<'a> Scanned<'a> {
    /// Fills `self` in from `text`; `None` when it is not a valid JSON object.
    fn scan(&mut self, text: &'a str) -> Option<()> {
        let mut sc = Scanner::new(text);
        sc.ws();
        if sc.peek().ok()? != b'{' {
            return None;
        }
        sc.object(None, |m| {
            let name = match m.key_escaped {
                false => Cow::Borrowed(&m.key[1..m.key.len() - 1]),
                // Decoded: `"\u0069d"` is `id`.
                true => match from_str(m.key) {
                    Ok(Value::String(name)) => Cow::Owned(name),
                    _ => return false, // not reached: the scanner validated the key
                },
            };
            match classify(&name) {
                Some((field, rank)) => self.slots[field as usize * ALIASES + usize::from(rank)] = Some(m.value),
                None if m.key_escaped => {
                    // Written the way the writer writes it (a key without escapes is already).
                    let mut key = String::new();
                    write_str(&mut key, &name);
                    self.extra.push_raw(&key, m.value);
                }
                None => self.extra.push_raw(m.key, m.value),
            }
            true
        })
        .ok()
        .filter(|complete| *complete)?;
        sc.end().ok()
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
    /// The value of the lowest-ranked alias present and not `null`.
    fn get(&self, field: Field) -> Option<&'a str> {
        let base = field as usize * ALIASES;
        self.slots[base..base + ALIASES].iter().flatten().copied().find(|v| *v != "null")
    }

    /// The checks, in the order that decides which error a payload with several faults gets.
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
