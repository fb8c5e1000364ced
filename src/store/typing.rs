//! Incoming typing indicators: who is typing in which room, each entry expiring on its own deadline.

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

/// One user typing in one room, until `expires_at`.
#[derive(Debug, Clone, PartialEq)]
struct Typer {
    room: String,
    user: String,
    name: Option<String>,
    expires_at: f64,
}

/// Everyone typing, sorted by (room, user id), so a room's typers are adjacent and in user order. One sorted Vec
/// rather than a map of maps (less code): only users typing right now are in it, a handful across the inbox.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Typing {
    typers: Vec<Typer>,
}

impl Typing {
    /// Where (`room`, `user`) is (`Ok`) or would go (`Err`).
    fn slot(&self, room: &str, user: &str) -> Result<usize, usize> {
        self.typers.binary_search_by(|t| (t.room.as_str(), t.user.as_str()).cmp(&(room, user)))
    }

    /// Shows (or keeps showing) `user` until `expires_at`. Returns `true` if the visible set changed.
    pub(crate) fn start(&mut self, room: &str, user: TypingUser, expires_at: f64) -> bool {
        match self.slot(room, &user.id) {
            Ok(i) => {
                let t = &mut self.typers[i];
                t.expires_at = expires_at;
                let changed = user.name.is_some() && t.name != user.name;
                if changed {
                    t.name = user.name;
                }
                changed
            }
            Err(i) => {
                self.typers.insert(i, Typer { room: room.to_owned(), user: user.id, name: user.name, expires_at });
                true
            }
        }
    }

    /// Hides `user` in `room`. Returns `true` if it was shown.
    /// Whether nobody is typing in any room.
    pub(crate) fn is_empty(&self) -> bool {
        self.typers.is_empty()
    }

    pub(crate) fn stop(&mut self, room: &str, user: &str) -> bool {
        self.slot(room, user).map(|i| self.typers.remove(i)).is_ok()
    }

    pub(crate) fn users(&self, room: &str) -> Vec<TypingUser> {
        let first = self.typers.partition_point(|t| t.room.as_str() < room);
        self.typers[first..]
            .iter()
            .take_while(|t| t.room == room)
            .map(|t| TypingUser { id: t.user.clone(), name: t.name.clone() })
            .collect()
    }

    pub(crate) fn next_deadline(&self) -> Option<f64> {
        self.typers.iter().map(|t| t.expires_at).filter(|d| !d.is_nan()).min_by(f64::total_cmp)
    }

    /// Removes every entry due at `now`; returns the rooms whose typing set changed, sorted.
    pub(crate) fn expire(&mut self, now: f64) -> Vec<String> {
        // Typers are sorted by room, so the changed rooms come out sorted, each once after its last predecessor.
        let mut changed: Vec<String> = Vec::new();
        self.typers.retain(|t| {
            let keep = t.expires_at > now;
            if !keep && changed.last() != Some(&t.room) {
                changed.push(t.room.clone());
            }
            keep
        });
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::{Typing, TypingUser};

    fn user(id: &str) -> TypingUser {
        TypingUser { id: id.into(), name: None }
    }

    #[test]
    fn users_in_id_order_and_expired_rooms_sorted_once() {
        let mut t = Typing::default();
        for (room, id, until) in
            [("r2", "b", 5.0), ("r1", "z", 5.0), ("r2", "a", 9.0), ("r1", "y", 5.0), ("r3", "c", 9.0)]
        {
            assert!(t.start(room, user(id), until));
        }
        assert!(!t.start("r2", user("a"), 5.0));
        let ids = |t: &Typing, room| t.users(room).into_iter().map(|u| u.id).collect::<Vec<_>>();
        assert_eq!(ids(&t, "r1"), ["y", "z"]);
        assert_eq!(ids(&t, "r2"), ["a", "b"]);
        assert_eq!(t.next_deadline(), Some(5.0));
        assert_eq!(t.expire(5.0), ["r1", "r2"]);
        assert!(ids(&t, "r1").is_empty() && ids(&t, "r2").is_empty());
        assert!(t.stop("r3", "c") && !t.stop("r3", "c"));
        assert_eq!(t.next_deadline(), None);
    }
}
