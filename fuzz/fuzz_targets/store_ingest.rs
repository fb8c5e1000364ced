//! Arbitrary JSON events (and non-JSON) fed to the store: no panic, a rejected event leaves the store unchanged, and
//! rooms never hold duplicate ids or go out of order. A twin store fed the same events as text
//! (`handle_event_json`) stays equal to it.
#![no_main]

use inbox_realtime::store::{MessageStore, StoreOptions};
use libfuzzer_sys::fuzz_target;

const EVENTS: [&str; 3] = ["new_message", "message_status_update", "typing_indicator"];

fuzz_target!(|data: &[u8]| {
    let mut store = MessageStore::new(StoreOptions::default());
    let _ = store.add_optimistic("r", "ok", Some("agent"), 1_700_000_000_000.0);
    let mut twin = store.clone();
    let mut now = 1_700_000_000_000.0;
    // Each line is one event: first byte picks the event, the rest is its JSON payload.
    for line in data.split(|b| *b == b'\n') {
        let Some((kind, payload)) = line.split_first() else { continue };
        let Ok(text) = std::str::from_utf8(payload) else { continue };
        let Ok(value) = inbox_realtime::json::from_str(text) else { continue };
        let before = store.clone();
        let name = EVENTS[*kind as usize % EVENTS.len()];
        let result = store.handle_event(name, &value, now);
        if result.is_err() {
            assert!(store == before, "a rejected {name} changed the store");
        }
        assert_eq!(twin.handle_event_json(name, text, now), result, "{name} {text}");
        now += f64::from(*kind) * 100.0;
        store.handle_timeout(now);
        twin.handle_timeout(now);
        assert!(twin == store, "the text path diverged after {name} {text}");
        for room in store.room_ids() {
            let keys: Vec<(f64, &str)> = store.messages(room).map(|m| (m.timestamp, m.id())).collect();
            assert!(keys.windows(2).all(|w| w[0] < w[1]), "room {room} out of order or duplicated: {keys:?}");
        }
    }
});
