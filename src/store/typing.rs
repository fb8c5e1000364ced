//! Incoming typing indicators: who is typing in which room, each entry expiring on its own deadline.

use crate::hash::FastMap;

use crate::json::{Map, Value};

use super::error::StoreError;
use super::fields::{id_field, id_value, lookup, object};
use super::model::ROOM_NAMES;

/// Someone typing in a room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypingUser {
    /// The user's id (or, when the server sent only a name, the name). Unique per room.
    pub id: String,
    /// Display name, when the server sent one.
    pub name: Option<String>,
}

/// A validated `typing_indicator`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TypingEvent {
    pub(crate) room_id: String,
    pub(crate) user: TypingUser,
    pub(crate) is_typing: bool,
}

/// Parses `{room_id|roomId, is_typing|isTyping (bool, default true), user}` where `user` is a string, an integer, or
/// an object with `id` and/or `name` (`user_id`/`userId` accepted when `user` is absent).
pub(crate) fn parse_typing(v: &Value, max_id: usize) -> Result<TypingEvent, StoreError> {
    let obj = object(v)?;
    let room_id = id_field(obj, ROOM_NAMES, "room_id", max_id)?.ok_or(StoreError::MissingField("room_id"))?;
    let is_typing = match lookup(obj, &["is_typing", "isTyping", "typing"]) {
        None => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(StoreError::WrongType { field: "is_typing", expected: "boolean" }),
    };
    let user = match lookup(obj, &["user", "user_id", "userId"]) {
        None => return Err(StoreError::MissingField("user")),
        Some(Value::Object(u)) => user_object(u, max_id)?,
        Some(v) => TypingUser { id: id_value(v, "user", max_id)?, name: None },
    };
    Ok(TypingEvent { room_id, user, is_typing })
}

fn user_object(u: &Map, max_id: usize) -> Result<TypingUser, StoreError> {
    let id = id_field(u, &["id", "user_id", "userId"], "user", max_id)?;
    let name = id_field(u, &["name"], "user", max_id)?;
    match (id, name) {
        (Some(id), name) => Ok(TypingUser { id, name }),
        (None, Some(name)) => Ok(TypingUser { id: name.clone(), name: Some(name) }),
        (None, None) => Err(StoreError::MissingField("user")),
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Entry {
    name: Option<String>,
    expires_at: f64,
}

/// Room → (user id, entry) sorted by user id. Only rooms with someone typing have an entry, so scans are over active
/// typers only. A sorted Vec, not a B-tree (smaller code): a room has a handful of typers at most.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Typing {
    rooms: FastMap<String, Vec<(String, Entry)>>,
}

impl Typing {
    /// Shows (or keeps showing) `user` until `expires_at`. Returns `true` if the visible set changed.
    pub(crate) fn start(&mut self, room: &str, user: TypingUser, expires_at: f64) -> bool {
        let users = self.rooms.entry(room.to_owned()).or_default();
        match users.binary_search_by(|(id, _)| id.as_str().cmp(&user.id)) {
            Ok(i) => {
                let e = &mut users[i].1;
                e.expires_at = expires_at;
                let changed = user.name.is_some() && e.name != user.name;
                if changed {
                    e.name = user.name;
                }
                changed
            }
            Err(i) => {
                users.insert(i, (user.id, Entry { name: user.name, expires_at }));
                true
            }
        }
    }

    /// Hides `user` in `room`. Returns `true` if it was shown.
    pub(crate) fn stop(&mut self, room: &str, user: &str) -> bool {
        let Some(users) = self.rooms.get_mut(room) else { return false };
        let found = users.binary_search_by(|(id, _)| id.as_str().cmp(user));
        let removed = found.map(|i| users.remove(i)).is_ok();
        if users.is_empty() {
            self.rooms.remove(room);
        }
        removed
    }

    pub(crate) fn users(&self, room: &str) -> Vec<TypingUser> {
        self.rooms.get(room).map_or_else(Vec::new, |users| {
            users.iter().map(|(id, e)| TypingUser { id: id.clone(), name: e.name.clone() }).collect()
        })
    }

    pub(crate) fn next_deadline(&self) -> Option<f64> {
        self.rooms
            .values()
            .flat_map(|u| u.iter().map(|(_, e)| e.expires_at))
            .filter(|d| !d.is_nan())
            .min_by(f64::total_cmp)
    }

    /// Removes every entry due at `now`; returns the rooms whose typing set changed, sorted.
    pub(crate) fn expire(&mut self, now: f64) -> Vec<String> {
        let mut changed = Vec::new();
        self.rooms.retain(|room, users| {
            let before = users.len();
            users.retain(|(_, e)| e.expires_at > now);
            if users.len() != before {
                changed.push(room.clone());
            }
            !users.is_empty()
        });
        // Room ids are unique: an unstable sort gives the same order, with less code.
        changed.sort_unstable();
        changed
    }
}
