//! Throttle for the agent's own typing indicator: keystrokes in, at most one "start" per interval and one "stop"
//! after an idle period out. Time is an input, like everywhere in the store.

use crate::json::{Map, Value};

/// A typing signal to send to the server for one room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypingSignal {
    /// The room.
    pub room_id: String,
    /// `true` = started (or still) typing, `false` = stopped.
    pub is_typing: bool,
}

impl TypingSignal {
    /// `{"room_id": ..., "is_typing": ...}`, the payload of a `typing` emit.
    pub fn to_json(&self) -> Value {
        let mut m = Map::with_capacity(2);
        m.insert("room_id".into(), Value::String(self.room_id.clone()));
        m.insert("is_typing".into(), Value::Bool(self.is_typing));
        Value::Object(m)
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Active {
    last_start: f64,
    last_key: f64,
}

/// Outgoing typing throttle, one state per room.
///
/// Contract: call [`notify_typing`](Self::notify_typing) on every keystroke and send what it returns; after every
/// call, arm a timer for [`poll_timeout`](Self::poll_timeout) and call [`handle_timeout`](Self::handle_timeout) when it
/// fires; call [`stop`](Self::stop) when the message is sent or the input is cleared.
/// A "start" is emitted on the first keystroke and then at most once per `start_interval_ms` while typing goes on
/// (the server's indicator expires, so it is refreshed); a "stop" is emitted `idle_ms` after the last keystroke.
#[derive(Debug, Clone, PartialEq)]
pub struct OutgoingTyping {
    start_interval_ms: f64,
    idle_ms: f64,
    /// (room, state) sorted by room. A sorted Vec, not a B-tree (smaller code): the agent types in a room or two.
    rooms: Vec<(String, Active)>,
}

impl Default for OutgoingTyping {
    /// Start at most every 2 000 ms, stop after 3 000 ms idle.
    fn default() -> Self {
        OutgoingTyping::new(2_000.0, 3_000.0)
    }
}

impl OutgoingTyping {
    /// A throttle with the given start interval and idle delay (milliseconds).
    pub fn new(start_interval_ms: f64, idle_ms: f64) -> Self {
        OutgoingTyping { start_interval_ms, idle_ms, rooms: Vec::new() }
    }

    /// A keystroke in `room` at `now`. Returns a "start" signal to send, or `None` when one was sent less than
    /// `start_interval_ms` ago.
    pub fn notify_typing(&mut self, room: &str, now: f64) -> Option<TypingSignal> {
        let start = |a: &mut Active| {
            a.last_start = now;
            Some(TypingSignal { room_id: room.to_owned(), is_typing: true })
        };
        match self.slot(room) {
            Ok(i) => {
                let a = &mut self.rooms[i].1;
                a.last_key = now;
                if now - a.last_start >= self.start_interval_ms {
                    start(a)
                } else {
                    None
                }
            }
            Err(i) => {
                let mut a = Active { last_start: now, last_key: now };
                let sig = start(&mut a);
                self.rooms.insert(i, (room.to_owned(), a));
                sig
            }
        }
    }

    /// Where `room` is (`Ok`) or would go (`Err`) in `rooms`.
    fn slot(&self, room: &str) -> Result<usize, usize> {
        self.rooms.binary_search_by(|(r, _)| r.as_str().cmp(room))
    }

    /// Typing in `room` ended (message sent, input cleared, room left). Returns a "stop" if a "start" was sent.
    pub fn stop(&mut self, room: &str) -> Option<TypingSignal> {
        let i = self.slot(room).ok()?;
        self.rooms.remove(i);
        Some(TypingSignal { room_id: room.to_owned(), is_typing: false })
    }

    /// The earliest time a "stop" is due, if any room is typing.
    pub fn poll_timeout(&self) -> Option<f64> {
        self.rooms.iter().map(|(_, a)| a.last_key + self.idle_ms).filter(|d| !d.is_nan()).min_by(f64::total_cmp)
    }

    /// Emits a "stop" for every room idle for `idle_ms` at `now`, in room order.
    pub fn handle_timeout(&mut self, now: f64) -> Vec<TypingSignal> {
        let idle = self.idle_ms;
        let due: Vec<String> =
            self.rooms.iter().filter(|(_, a)| a.last_key + idle <= now).map(|(r, _)| r.clone()).collect();
        due.into_iter().filter_map(|r| self.stop(&r)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start(r: &str) -> Option<TypingSignal> {
        Some(TypingSignal { room_id: r.into(), is_typing: true })
    }

    #[test]
    fn start_is_throttled_to_every_two_seconds() {
        let mut t = OutgoingTyping::default();
        assert_eq!(t.notify_typing("r", 0.0), start("r"));
        assert_eq!(t.notify_typing("r", 500.0), None);
        assert_eq!(t.notify_typing("r", 1_999.0), None);
        assert_eq!(t.notify_typing("r", 2_000.0), start("r"));
        assert_eq!(t.notify_typing("r", 2_100.0), None);
        // Other rooms are independent.
        assert_eq!(t.notify_typing("s", 2_100.0), start("s"));
    }

    #[test]
    fn stop_after_three_seconds_idle() {
        let mut t = OutgoingTyping::default();
        t.notify_typing("r", 0.0);
        t.notify_typing("r", 1_000.0);
        assert_eq!(t.poll_timeout(), Some(4_000.0));
        assert!(t.handle_timeout(3_999.0).is_empty());
        let out = t.handle_timeout(4_000.0);
        assert_eq!(out, vec![TypingSignal { room_id: "r".into(), is_typing: false }]);
        assert_eq!(t.poll_timeout(), None);
        // Typing again after a stop starts at once.
        assert_eq!(t.notify_typing("r", 4_100.0), start("r"));
    }

    #[test]
    fn explicit_stop() {
        let mut t = OutgoingTyping::default();
        assert_eq!(t.stop("r"), None);
        t.notify_typing("r", 0.0);
        assert_eq!(t.stop("r").map(|s| s.is_typing), Some(false));
        assert_eq!(t.poll_timeout(), None);
        let sig = TypingSignal { room_id: "x".into(), is_typing: true };
        assert_eq!(sig.to_json(), json!({"room_id": "x", "is_typing": true}));
    }
}
