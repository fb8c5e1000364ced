//! The message model: [`Message`], [`Status`], [`Direction`], and tolerant parsing of server payloads.

use std::borrow::Cow;
use std::sync::Arc;

use crate::json::{write_str, write_value, Value};

use super::error::{clip, StoreError};
use super::extra::Extra;
use super::fields::{id_field, lookup, object};
use super::options::StoreOptions;
use super::strings::{Part, Strings};
use super::timestamp::parse_timestamp;

/// Who wrote a message, seen from the inbox: the customer (`incoming`) or an agent/the business (`outgoing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From the customer.
    Incoming,
    /// From an agent or the business.
    Outgoing,
}

impl Direction {
    /// `"incoming"` or `"outgoing"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Incoming => "incoming",
            Direction::Outgoing => "outgoing",
        }
    }

    /// Parses `incoming`/`outgoing` (also `inbound`/`outbound`, `in`/`out`), ignoring ASCII case.
    pub fn parse(s: &str) -> Option<Direction> {
        match s.to_ascii_lowercase().as_str() {
            "incoming" | "inbound" | "in" => Some(Direction::Incoming),
            "outgoing" | "outbound" | "out" => Some(Direction::Outgoing),
            _ => None,
        }
    }
}

/// Delivery status ("ticks"). Forward order: `pending < sent < delivered < read`; `failed` is apart (see
/// [`Status::advanced_by`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Not yet accepted by the server (optimistic, or queued on the server).
    Pending,
    /// Accepted by the server / sent to WhatsApp (one tick).
    Sent,
    /// Delivered to the recipient's device (two ticks).
    Delivered,
    /// Read by the recipient (blue ticks).
    Read,
    /// Could not be sent.
    Failed,
}

impl Status {
    /// `"pending" | "sent" | "delivered" | "read" | "failed"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Sent => "sent",
            Status::Delivered => "delivered",
            Status::Read => "read",
            Status::Failed => "failed",
        }
    }

    /// Parses a status, ignoring ASCII case. Aliases seen in real back ends (Twilio, WhatsApp): `queued`,
    /// `accepted`, `sending` → pending; `seen`, `played` → read; `undelivered`, `error` → failed.
    pub fn parse(s: &str) -> Option<Status> {
        match s.to_ascii_lowercase().as_str() {
            "pending" | "queued" | "accepted" | "sending" => Some(Status::Pending),
            "sent" => Some(Status::Sent),
            "delivered" | "received" => Some(Status::Delivered),
            "read" | "seen" | "played" => Some(Status::Read),
            "failed" | "undelivered" | "error" => Some(Status::Failed),
            _ => None,
        }
    }

    fn rank(self) -> u8 {
        match self {
            Status::Pending => 0,
            Status::Sent => 1,
            Status::Delivered => 2,
            Status::Read => 3,
            Status::Failed => 4,
        }
    }

    /// The status after `next` is reported on a message currently in `self`. Statuses only move forward:
    /// - `pending < sent < delivered < read`: the higher one wins, so `read` then `delivered` stays `read`;
    /// - `failed` is applied only while the message is `pending` or `sent` (WhatsApp may report a failure after
    ///   "sent"; once delivered or read, a late `failed` is stale and ignored);
    /// - `failed` is terminal: nothing moves a failed message (only a local `retry` of an optimistic one does).
    pub fn advanced_by(self, next: Status) -> Status {
        match (self, next) {
            (Status::Failed, _) => Status::Failed,
            (Status::Pending | Status::Sent, Status::Failed) => Status::Failed,
            (_, Status::Failed) => self,
            _ if next.rank() > self.rank() => next,
            _ => self,
        }
    }
}

/// One chat message as the store holds it.
///
/// Ordering inside a room is by `(timestamp, id)`. [`key`](Message::key) is stable for the whole life of the message (use it as the
/// React key): the client id for a message that started optimistic, the server id otherwise.
#[derive(Debug, Clone)]
pub struct Message {
    /// Id, text, sender, client id, failure reason, UI key and unknown fields, in one allocation (read through
    /// the accessors: [`id`](Message::id), [`text`](Message::text), …).
    strings: Strings,
    /// Room (conversation) id (shared with the room and its other messages).
    pub room_id: Arc<str>,
    /// Incoming (customer) or outgoing (agent).
    pub direction: Direction,
    /// Delivery status.
    pub status: Status,
    /// Milliseconds since the Unix epoch.
    pub timestamp: f64,
    /// Shown from this device's copy of the room ([`restore_cached`](super::MessageStore::restore_cached)) and
    /// not sent again by the server since (a resync or live update clears it).
    pub cached: bool,
}

/// Canonical field names and aliases the parser consumes; everything else goes to `extra`.
pub(crate) const ID_NAMES: &[&str] = &["id", "message_id", "messageId", "wamid"];
pub(crate) const ROOM_NAMES: &[&str] = &["room_id", "roomId"];
const TS_NAMES: &[&str] = &["timestamp", "created_at", "createdAt"];

/// The canonical fields of a message payload, as slots of [`Fields`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    Id,
    Room,
    Text,
    User,
    Timestamp,
    Client,
    Direction,
    Status,
}

/// Which canonical field `key` names, and its rank among that field's aliases (the lowest present wins).
/// Every key of every incoming message goes through here, most of them unknown (`from`, `type`, …): a `match` on
/// the length first leaves at most six candidates to compare, where a `match` on the string compares them all.
pub(super) fn classify(key: &str) -> Option<(Field, u8)> {
    use Field::*;
    let candidates: &[(&str, Field, u8)] = match key.len() {
        2 => &[("id", Id, 0)],
        4 => &[("text", Text, 0), ("body", Text, 2)],
        5 => &[("wamid", Id, 3)],
        6 => &[("roomId", Room, 1), ("userId", User, 1), ("status", Status, 0)],
        7 => &[("room_id", Room, 0), ("user_id", User, 0), ("content", Text, 1)],
        8 => &[("senderId", User, 3), ("clientId", Client, 1)],
        9 => &[
            ("timestamp", Timestamp, 0),
            ("messageId", Id, 2),
            ("sender_id", User, 2),
            ("createdAt", Timestamp, 2),
            ("client_id", Client, 0),
            ("direction", Direction, 0),
        ],
        10 => &[("message_id", Id, 1), ("created_at", Timestamp, 1)],
        _ => return None,
    };
    candidates.iter().find(|(name, ..)| *name == key).map(|&(_, field, rank)| (field, rank))
}

/// Equal when every field is; the unknown fields compare as fields ([`Extra`]'s equality), not as text.
impl PartialEq for Message {
    fn eq(&self, other: &Message) -> bool {
        let (a, b) = (self.strings.parts(), other.strings.parts());
        let extra = Part::Extra as usize;
        a[..extra] == b[..extra]
            && (a[extra] == b[extra] || self.extra() == other.extra())
            && (&self.room_id, self.direction, self.status, self.timestamp, self.cached)
                == (&other.room_id, other.direction, other.status, other.timestamp, other.cached)
    }
}

/// What a [`Message`] is built from (borrowed: the message copies it into one allocation).
#[derive(Debug)]
pub(crate) struct NewMessage<'a> {
    pub(crate) id: &'a str,
    /// The UI key when it is not `id` (a message that started optimistic: its client id).
    pub(crate) key: Option<&'a str>,
    pub(crate) room_id: Arc<str>,
    pub(crate) text: &'a str,
    pub(crate) user_id: Option<&'a str>,
    pub(crate) direction: Direction,
    pub(crate) status: Status,
    pub(crate) timestamp: f64,
    pub(crate) client_id: Option<&'a str>,
    pub(crate) error: Option<&'a str>,
    pub(crate) extra: &'a Extra,
}

impl NewMessage<'_> {
    pub(crate) fn build(self) -> Message {
        let extra = Some(self.extra.as_text()).filter(|e| !e.is_empty());
        Message {
            strings: Strings::new([
                Some(self.id),
                Some(self.text),
                self.user_id,
                self.client_id,
                self.error,
                self.key.filter(|k| *k != self.id),
                extra,
            ]),
            room_id: self.room_id,
            direction: self.direction,
            status: self.status,
            timestamp: self.timestamp,
            cached: false,
        }
    }
}

impl Message {
    /// Server id, or the client id while an optimistic message is unconfirmed.
    pub fn id(&self) -> &str {
        self.strings.get(Part::Id).unwrap_or_default()
    }

    /// Text; empty for messages without text (media).
    pub fn text(&self) -> &str {
        self.strings.get(Part::Text).unwrap_or_default()
    }

    /// The agent who sent it; `None` for the customer.
    pub fn user_id(&self) -> Option<&str> {
        self.strings.get(Part::User)
    }

    /// The client id of the optimistic send this message is (or confirms), if any.
    pub fn client_id(&self) -> Option<&str> {
        self.strings.get(Part::Client)
    }

    /// Failure reason of a failed optimistic send kept with `keep_failed`.
    pub fn error(&self) -> Option<&str> {
        self.strings.get(Part::Error)
    }

    /// Stable UI key (never changes, unique within the room): the client id for a message that started
    /// optimistic, the server id otherwise.
    pub fn key(&self) -> &str {
        self.strings.get(Part::Key).unwrap_or_else(|| self.id())
    }

    /// Every field the server sent that the store does not interpret, kept verbatim (see [`Extra::to_map`]).
    pub fn extra(&self) -> Extra {
        Extra::from_text(self.strings.get(Part::Extra).unwrap_or_default())
    }

    /// Setters return whether anything changed.
    pub(crate) fn set_text(&mut self, text: &str) -> bool {
        self.strings.set(Part::Text, Some(text))
    }

    pub(crate) fn set_user_id(&mut self, user_id: Option<&str>) -> bool {
        self.strings.set(Part::User, user_id)
    }

    pub(crate) fn set_client_id(&mut self, client_id: Option<&str>) -> bool {
        self.strings.set(Part::Client, client_id)
    }

    pub(crate) fn set_error(&mut self, error: Option<&str>) -> bool {
        self.strings.set(Part::Error, error)
    }

    /// Merges `other` into the unknown fields (see [`Extra::merge`]).
    pub(crate) fn merge_extra(&mut self, other: Extra) -> bool {
        let mut extra = self.extra();
        extra.merge(other) && self.strings.set(Part::Extra, Some(extra.as_text()).filter(|e| !e.is_empty()))
    }

    /// Memory accounting (tests): drops the unknown fields, or every string.
    #[cfg(test)]
    pub(crate) fn drop_strings(&mut self, all: bool) {
        if all {
            self.strings = Strings::default();
        } else {
            self.strings.set(Part::Extra, None);
        }
    }

    /// The message as a JSON object: every field the server sent (`extra`), then the canonical fields on top:
    /// `id, key, room_id, text, user_id (string|null), direction, status, timestamp (ms), client_id (string|null),
    /// error (string|null)`, and `cached: true` on a message shown from the device's copy. A server field with a canonical name is shadowed by the canonical value.
    pub fn to_json(&self) -> Value {
        let mut m = self.extra().to_map();
        let opt = |o: Option<&str>| o.map_or(Value::Null, Value::from);
        m.insert("id".into(), Value::from(self.id()));
        m.insert("key".into(), Value::from(self.key()));
        m.insert("room_id".into(), Value::String(self.room_id.to_string()));
        m.insert("text".into(), Value::from(self.text()));
        m.insert("user_id".into(), opt(self.user_id()));
        m.insert("direction".into(), Value::String(self.direction.as_str().into()));
        m.insert("status".into(), Value::String(self.status.as_str().into()));
        m.insert("timestamp".into(), Value::from(self.timestamp));
        m.insert("client_id".into(), opt(self.client_id()));
        m.insert("error".into(), opt(self.error()));
        if self.cached {
            m.insert("cached".into(), Value::Bool(true));
        }
        Value::Object(m)
    }

    /// Appends [`to_json`](Self::to_json) as compact JSON text, the same text, written straight from the fields (the
    /// per-message path of the change stream: no map of the fields is built). A server field with a canonical name
    /// (rare) takes the map path, which shadows it.
    /// About how long [`write_json`](Self::write_json)'s text is (its field names, the strings it holds, the
    /// room id), for sizing a buffer up front; escapes can make it longer.
    pub(crate) fn json_len_hint(&self) -> usize {
        const FIELDS: usize = 160;
        FIELDS + self.strings.len() + self.room_id.len()
    }

    pub(crate) fn write_json(&self, out: &mut String) {
        const CANONICAL: [&str; 11] = [
            "id",
            "key",
            "room_id",
            "text",
            "user_id",
            "direction",
            "status",
            "timestamp",
            "client_id",
            "error",
            "cached",
        ];
        let extra = self.strings.get(Part::Extra).unwrap_or_default();
        // In compact object text a key is preceded by `{` or `,` and a quote inside a string value by `\`: one pass
        // over the keys (a search per canonical name cost 11 searcher set-ups per message, ~2 % of store ingest).
        let b = extra.as_bytes();
        let shadowed = (1..b.len()).any(|i| {
            b[i] == b'"' && matches!(b[i - 1], b'{' | b',') && {
                let key = &b[i + 1..];
                let end = key.iter().position(|&c| c == b'"').unwrap_or(key.len());
                key.get(end + 1) == Some(&b':') && CANONICAL.iter().any(|n| n.as_bytes() == &key[..end])
            }
        });
        if shadowed {
            write_value(out, &self.to_json());
            return;
        }
        let opt = |out: &mut String, s: Option<&str>| match s {
            Some(s) => write_str(out, s),
            None => out.push_str("null"),
        };
        match extra.strip_suffix('}') {
            Some(fields) if fields.len() > 1 => {
                out.push_str(fields);
                out.push_str(",\"id\":");
            }
            _ => out.push_str("{\"id\":"),
        }
        write_str(out, self.id());
        out.push_str(",\"key\":");
        write_str(out, self.key());
        out.push_str(",\"room_id\":");
        write_str(out, &self.room_id);
        out.push_str(",\"text\":");
        write_str(out, self.text());
        out.push_str(",\"user_id\":");
        opt(out, self.user_id());
        out.push_str(",\"direction\":\"");
        out.push_str(self.direction.as_str());
        out.push_str("\",\"status\":\"");
        out.push_str(self.status.as_str());
        out.push_str("\",\"timestamp\":");
        write_value(out, &Value::from(self.timestamp));
        out.push_str(",\"client_id\":");
        opt(out, self.client_id());
        out.push_str(",\"error\":");
        opt(out, self.error());
        if self.cached {
            out.push_str(",\"cached\":true");
        }
        out.push('}');
    }
}

/// A validated `new_message` payload or history item. `None` means "absent", so a re-delivery only overwrites what
/// it actually carries.
///
/// Its strings borrow from the payload where they can (no escapes, string ids): a message's strings are copied
/// once, into the stored [`Message`], not first into the parse result.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ParsedMessage<'a> {
    pub(crate) id: Cow<'a, str>,
    pub(crate) room_id: Option<Cow<'a, str>>,
    pub(crate) text: Option<Cow<'a, str>>,
    pub(crate) user_id: Option<Cow<'a, str>>,
    pub(crate) direction: Option<Direction>,
    pub(crate) status: Option<Status>,
    pub(crate) timestamp: Option<f64>,
    pub(crate) client_id: Option<Cow<'a, str>>,
    pub(crate) extra: Extra,
}

impl ParsedMessage<'_> {
    /// The same message owning its strings (tests: to compare results from temporaries).
    #[cfg(all(test, not(target_arch = "wasm32")))] // used by the proptest suite only
    pub(crate) fn into_owned(self) -> ParsedMessage<'static> {
        let own = |s: Option<Cow<'_, str>>| s.map(|s| Cow::Owned(s.into_owned()));
        ParsedMessage {
            id: Cow::Owned(self.id.into_owned()),
            room_id: own(self.room_id),
            text: own(self.text),
            user_id: own(self.user_id),
            client_id: own(self.client_id),
            ..self
        }
    }

    /// Direction as sent, or inferred: outgoing when a user (agent) id is present, incoming otherwise.
    pub(crate) fn direction(&self) -> Direction {
        self.direction.unwrap_or(if self.user_id.is_some() { Direction::Outgoing } else { Direction::Incoming })
    }
}

/// Parses a status string field.
pub(crate) fn parse_status(v: &Value) -> Result<Status, StoreError> {
    let s = v.as_str().ok_or(StoreError::WrongType { field: "status", expected: "string" })?;
    Status::parse(s).ok_or_else(|| StoreError::UnknownStatus(clip(s)))
}

/// A validated `message_status_update`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StatusUpdate {
    pub(crate) id: String,
    pub(crate) status: Status,
    pub(crate) room_id: Option<String>,
}

/// Validates a status update: `id`/`message_id`/`wamid`, `status`, optional `room_id`/`roomId` and `timestamp`
/// (validated like a message timestamp, otherwise unused).
pub(crate) fn parse_status_update(v: &Value, opts: &StoreOptions, now: f64) -> Result<StatusUpdate, StoreError> {
    let obj = object(v)?;
    let id = id_field(obj, ID_NAMES, "id", opts.max_id_chars)?.ok_or(StoreError::MissingField("id"))?;
    let status = parse_status(lookup(obj, &["status"]).ok_or(StoreError::MissingField("status"))?)?;
    let room_id = id_field(obj, ROOM_NAMES, "room_id", opts.max_id_chars)?;
    if let Some(t) = lookup(obj, TS_NAMES) {
        parse_timestamp(t, now, opts.max_future_ms)?;
    }
    Ok(StatusUpdate { id, status, room_id })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_only_moves_forward() {
        use Status::*;
        assert_eq!(Read.advanced_by(Delivered), Read);
        assert_eq!(Delivered.advanced_by(Read), Read);
        assert_eq!(Pending.advanced_by(Sent), Sent);
        assert_eq!(Sent.advanced_by(Pending), Sent);
        assert_eq!(Sent.advanced_by(Failed), Failed);
        assert_eq!(Pending.advanced_by(Failed), Failed);
        assert_eq!(Delivered.advanced_by(Failed), Delivered);
        assert_eq!(Read.advanced_by(Failed), Read);
        assert_eq!(Failed.advanced_by(Read), Failed);
    }

    #[test]
    fn status_and_direction_aliases() {
        assert_eq!(Status::parse("SEEN"), Some(Status::Read));
        assert_eq!(Status::parse("queued"), Some(Status::Pending));
        // The dev server (like many WhatsApp back ends) marks every incoming message `received`.
        assert_eq!(Status::parse("received"), Some(Status::Delivered));
        assert_eq!(Status::parse("bogus"), None);
        assert_eq!(Direction::parse("Inbound"), Some(Direction::Incoming));
        assert_eq!(Direction::parse("sideways"), None);
    }
}
