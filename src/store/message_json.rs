//! The message parser: a `new_message` payload, history item or saved copy, read straight from its JSON text.
//!
//! One validating pass over the text (the crate's one JSON reading path, [`Scanner`]) picks out the canonical
//! fields as slices, borrowed when they hold no escape, and copies the unknown fields into the
//! [`Extra`](super::Extra) text as they are: no [`Value`] tree (an allocation per key and per string, freed right
//! after). A payload that is already a tree ([`parse_message`]: history pages, saved copies, the `Value` API) is
//! walked member by member into the same slots, and the same checks run on them.
//!
//! The object means what a JSON object means: a repeated key has its last value, an escaped key is its decoded
//! name.

use std::borrow::Cow;

use crate::json::{from_str, write_str, Scanner, Value};

use super::error::{clip, StoreError};
use super::extra::ExtraBuilder;
use super::fields::{check_id, id_value, object};
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
    let mut scanned = Scanned::default();
    scanned.scan(text).ok_or(StoreError::NotAnObject)?;
    scanned.finish(opts, now)
}

/// [`parse_message_json`] of a payload that is already a tree (its keys are unique, as a [`Map`](crate::json::Map)'s
/// are), borrowing its strings.
pub(crate) fn parse_message<'a>(v: &'a Value, opts: &StoreOptions, now: f64) -> Result<ParsedMessage<'a>, StoreError> {
    let mut scanned = Scanned::default();
    for (k, v) in object(v)?.iter() {
        match classify(k) {
            Some((field, rank)) => scanned.slots[field as usize * ALIASES + usize::from(rank)] = Some(Raw::Tree(v)),
            None => scanned.extra.push(k, v),
        }
    }
    scanned.finish(opts, now)
}

/// A canonical field's value as the payload holds it: its JSON text, or a tree node.
#[derive(Clone, Copy)]
enum Raw<'a> {
    Text(&'a str),
    Tree(&'a Value),
}

impl<'a> Raw<'a> {
    fn is_null(self) -> bool {
        match self {
            Raw::Text(t) => t == "null",
            Raw::Tree(v) => v.is_null(),
        }
    }

    /// The value when it is a string that can be borrowed as it is (in text: one without escapes).
    fn plain(self) -> Option<&'a str> {
        match self {
            Raw::Text(t) => t.strip_prefix('"')?.strip_suffix('"').filter(|s| !s.contains('\\')),
            Raw::Tree(v) => v.as_str(),
        }
    }

    /// The value as a tree node (a text is small here, one field, and was validated by the scan).
    fn value(self) -> Cow<'a, Value> {
        match self {
            Raw::Text(t) => Cow::Owned(from_str(t).unwrap_or(Value::Null)),
            Raw::Tree(v) => Cow::Borrowed(v),
        }
    }
}

/// One pass over a payload object: each alias's value text (the last one, when a key repeats) and the unknown
/// fields, already written out. A repeated unknown key is written each time: reading the fields back
/// ([`Extra::to_map`](super::Extra::to_map), or `JSON.parse` in JS) keeps its last value in its first position,
/// what a JSON object means, so checking for repeats here would only cost time.
#[derive(Default)]
struct Scanned<'a> {
    slots: [Option<Raw<'a>>; 8 * ALIASES],
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
                Some((field, rank)) => {
                    self.slots[field as usize * ALIASES + usize::from(rank)] = Some(Raw::Text(m.value));
                }
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

/// An identifier, as [`id_value`] reads it.
fn id<'a>(raw: Raw<'a>, field: &'static str, max: usize) -> Result<Cow<'a, str>, StoreError> {
    match raw.plain() {
        Some(s) => check_id(s, field, max).map(|()| Cow::Borrowed(s)),
        None => id_value(&raw.value(), field, max).map(Cow::Owned),
    }
}

/// A string field (`WrongType` otherwise), borrowed unless it has escapes.
fn string<'a>(raw: Raw<'a>, field: &'static str) -> Result<Cow<'a, str>, StoreError> {
    if let Some(s) = raw.plain() {
        return Ok(Cow::Borrowed(s));
    }
    match raw.value().into_owned() {
        Value::String(s) => Ok(Cow::Owned(s)),
        _ => Err(StoreError::WrongType { field, expected: "string" }),
    }
}

impl<'a> Scanned<'a> {
    /// The value of the lowest-ranked alias present and not `null`.
    fn get(&self, field: Field) -> Option<Raw<'a>> {
        let base = field as usize * ALIASES;
        self.slots[base..base + ALIASES].iter().flatten().copied().find(|v| !v.is_null())
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
            Some(v) => Some(match v.plain() {
                Some(s) => Status::parse(s).ok_or_else(|| StoreError::UnknownStatus(clip(s)))?,
                None => parse_status(&v.value())?,
            }),
            None => None,
        };
        let timestamp = match self.get(Field::Timestamp) {
            Some(v) => Some(match v.plain() {
                Some(s) => parse_timestamp_str(s, now, opts.max_future_ms)?,
                None => parse_timestamp(&v.value(), now, opts.max_future_ms)?,
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
