//! Conversations kept on the device, so a room the agent opened shows at once after a reload: which messages a
//! room's copy holds, and which rooms' copies go when the total is over its bound (least recently opened first).
//! The browser glue only reads and writes the copies; what goes in them and what is dropped is decided here.
//! Merging a copy back into the store is [`MessageStore::restore_cached`](super::MessageStore::restore_cached).

/// Bounds of the device copy. A chat inbox reopens the few conversations an agent is working on: 50 messages
/// fill a screen or two, and 1 000 in all (20 full rooms) keep the database small (a few hundred KB) while
/// covering a shift's open conversations.
#[derive(Debug, Clone, PartialEq)]
pub struct CacheConfig {
    /// Newest messages kept per room. Default 50.
    pub max_messages_per_room: usize,
    /// Messages kept in all rooms together; least recently opened rooms are dropped whole past it. Default 1 000.
    pub max_messages: usize,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig { max_messages_per_room: 50, max_messages: 1_000 }
    }
}

/// What the device holds of one room: for the eviction choice.
#[derive(Debug, Clone, PartialEq)]
pub struct CachedRoom {
    /// The room.
    pub room_id: String,
    /// When the agent last opened the room (ms).
    pub opened_at: f64,
    /// Messages in its copy.
    pub messages: usize,
}

/// The rooms whose copies to drop so the rest fits in `max_messages`: least recently opened first (ties by room
/// id, so every tab chooses the same), never `keep` (the room being written now).
pub fn rooms_to_evict(rooms: &[CachedRoom], config: &CacheConfig, keep: Option<&str>) -> Vec<String> {
    let mut total: usize = rooms.iter().map(|r| r.messages).sum();
    let mut left: Vec<&CachedRoom> = rooms.iter().filter(|r| Some(r.room_id.as_str()) != keep).collect();
    let mut out = Vec::new();
    // A few dozen rooms at most: picking the oldest each time is cheaper in .wasm than a sort.
    while total > config.max_messages {
        let older = |a: &CachedRoom, b: &CachedRoom| (a.opened_at, &a.room_id) < (b.opened_at, &b.room_id);
        let Some(i) = (0..left.len()).reduce(|i, j| if older(left[j], left[i]) { j } else { i }) else { break };
        let r = left.swap_remove(i);
        total -= r.messages;
        out.push(r.room_id.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room(id: &str, opened_at: f64, messages: usize) -> CachedRoom {
        CachedRoom { room_id: id.into(), opened_at, messages }
    }

    #[test]
    fn the_least_recently_opened_rooms_go_until_the_rest_fits() {
        let config = CacheConfig { max_messages_per_room: 50, max_messages: 110 };
        let rooms = [room("a", 3.0, 50), room("b", 1.0, 50), room("c", 2.0, 50), room("d", 4.0, 10)];
        assert_eq!(rooms_to_evict(&rooms, &config, None), ["b"]);
        let rooms = [room("a", 3.0, 50), room("b", 1.0, 50), room("c", 2.0, 50), room("d", 4.0, 50)];
        assert_eq!(rooms_to_evict(&rooms, &config, None), ["b", "c"]);
    }

    #[test]
    fn the_room_being_written_is_never_dropped() {
        let config = CacheConfig { max_messages_per_room: 50, max_messages: 60 };
        let rooms = [room("old", 1.0, 50), room("new", 2.0, 50)];
        assert_eq!(rooms_to_evict(&rooms, &config, Some("old")), ["new"]);
        assert_eq!(rooms_to_evict(&rooms, &config, None), ["old"]);
    }

    #[test]
    fn within_bounds_nothing_goes() {
        let config = CacheConfig::default();
        assert!(rooms_to_evict(&[room("a", 1.0, 1_000)], &config, None).is_empty());
        assert!(rooms_to_evict(&[], &config, None).is_empty());
    }
}
