//! The device copy of opened rooms through the store: shown at once, marked cached, and never winning over what the
//! server sent in this session.

use super::{rooms_to_evict, CacheConfig, CachedRoom, MessageStore, Status, StoreError, StoreOptions};

const T0: f64 = 1_700_000_000_000.0;

fn store(per_room: usize) -> MessageStore {
    MessageStore::new(StoreOptions {
        cache: CacheConfig { max_messages_per_room: per_room, max_messages: 1_000 },
        ..StoreOptions::default()
    })
}

/// A page that showed `n` customer messages in room `r` and saved its copy.
fn saved_copy(n: usize, per_room: usize) -> Vec<crate::json::Value> {
    let mut s = store(per_room);
    for i in 0..n {
        let m = json!({"id": format!("m{i}"), "room_id": "r", "text": format!("text {i}"), "timestamp": T0 + i as f64});
        s.ingest_message(&m, T0 + n as f64).unwrap();
    }
    s.cached_messages("r")
}

fn texts(s: &MessageStore) -> Vec<(String, bool)> {
    s.messages("r").map(|m| (m.text().to_owned(), m.cached)).collect()
}

#[test]
fn the_copy_holds_the_newest_messages_and_shows_them_at_once_marked_cached() {
    let copy = saved_copy(8, 5);
    assert_eq!(copy.len(), 5, "bounded per room");
    assert_eq!(copy[0]["id"], json!("m3"), "the newest, oldest first");
    assert!(copy[0].as_object().unwrap().get("key").is_none(), "no local bookkeeping saved");

    let mut s = store(5);
    let report = s.restore_cached("r", &copy, T0 + 100.0).unwrap();
    assert_eq!(report.added, 5);
    let shown = texts(&s);
    assert_eq!(shown.len(), 5);
    assert!(shown.iter().all(|(_, cached)| *cached));
    assert_eq!(s.messages("r").next().unwrap().to_json()["cached"], json!(true));
    assert!(s.has_more("r"), "older history stays on the server");
    // The resync starts from the newest cached server message, with its overlap.
    assert_eq!(s.resync_since("r"), T0 + 7.0 - 60_000.0);
}

#[test]
fn a_resync_after_the_copy_shows_nothing_twice_and_its_edits_and_ticks_win() {
    let mut s = store(50);
    let copy = vec![
        json!({"id": "a", "room_id": "r", "text": "hi", "timestamp": T0, "user_id": "agent", "status": "delivered"}),
        json!({"id": "b", "room_id": "r", "text": "typo", "timestamp": T0 + 1.0}),
    ];
    s.restore_cached("r", &copy, T0 + 10.0).unwrap();
    // The resync page overlaps the copy: a tick and an edit arrived while the page was closed, and a new message.
    let page = [
        json!({"id": "a", "room_id": "r", "text": "hi", "timestamp": T0, "user_id": "agent", "status": "read"}),
        json!({"id": "b", "room_id": "r", "text": "fixed", "timestamp": T0 + 1.0}),
        json!({"id": "c", "room_id": "r", "text": "new", "timestamp": T0 + 5.0}),
    ];
    s.merge_history("r", &page, true, T0 + 20.0).unwrap();
    assert_eq!(
        texts(&s),
        [("hi".into(), false), ("fixed".into(), false), ("new".into(), false)],
        "each once, the server's version, no longer marked cached"
    );
    assert_eq!(s.message("r", "a").unwrap().status, Status::Read);
}

#[test]
fn what_arrived_before_the_copy_was_read_wins_over_it() {
    let mut s = store(50);
    // The socket was quicker than IndexedDB: an edit of `b` and a tick for `a` (not in the store yet: held).
    s.ingest_message(&json!({"id": "b", "room_id": "r", "text": "fixed", "timestamp": T0 + 1.0}), T0 + 5.0).unwrap();
    s.apply_status_update(&json!({"id": "a", "room_id": "r", "status": "read"}), T0 + 5.0).unwrap();
    let copy = vec![
        json!({"id": "a", "room_id": "r", "text": "hi", "timestamp": T0, "user_id": "agent", "status": "delivered"}),
        json!({"id": "b", "room_id": "r", "text": "typo", "timestamp": T0 + 1.0}),
    ];
    let report = s.restore_cached("r", &copy, T0 + 10.0).unwrap();
    assert_eq!((report.added, report.unchanged), (1, 1));
    assert_eq!(texts(&s), [("hi".into(), true), ("fixed".into(), false)]);
    assert_eq!(s.message("r", "a").unwrap().status, Status::Read, "the held tick applies to the cached copy");
}

#[test]
fn a_corrupt_or_foreign_item_is_skipped_with_a_typed_error() {
    let mut s = store(50);
    let copy = vec![
        json!("not an object"),
        json!({"room_id": "r", "text": "no id"}),
        json!({"id": "x", "room_id": "other", "text": "foreign"}),
        json!({"id": "ok", "room_id": "r", "text": "fine", "timestamp": T0}),
    ];
    let report = s.restore_cached("r", &copy, T0).unwrap();
    assert_eq!(report.added, 1);
    let errors: Vec<_> = report.rejected.iter().map(|(i, e)| (*i, e.clone())).collect();
    assert_eq!(errors[0], (0, StoreError::NotAnObject));
    assert_eq!(errors[1], (1, StoreError::MissingField("id")));
    assert!(matches!(errors[2], (2, StoreError::RoomMismatch { .. })));
    assert_eq!(s.message_count("other"), 0);
    assert!(s.restore_cached("", &copy, T0).is_err(), "a bad room id changes nothing");
}

#[test]
fn unconfirmed_sends_stay_out_of_the_copy_and_a_copy_item_delivers_a_restored_send() {
    let mut s = store(50);
    s.ingest_message(&json!({"id": "m1", "room_id": "r", "text": "hello", "timestamp": T0}), T0).unwrap();
    let cid = s.queue_send("r", "waiting", Some("agent"), T0 + 1.0).unwrap();
    let copy = s.cached_messages("r");
    assert_eq!(copy.len(), 1, "the outbox keeps the unsent one");

    // Another load: its restored send was delivered by a page whose copy holds the server's message.
    let mut next = store(50);
    let entry = s.outbox_entries()[0].clone();
    next.restore_send(entry, T0 + 2.0).unwrap();
    let delivered = json!({"id": "srv-9", "room_id": "r", "text": "waiting", "user_id": "agent", "client_id": cid,
        "timestamp": T0 + 1.5});
    next.restore_cached("r", &[copy[0].clone(), delivered], T0 + 3.0).unwrap();
    assert_eq!(next.message_count("r"), 2, "shown once");
    assert!(next.outbox_entries().is_empty(), "no longer waiting to be sent");
}

#[test]
fn eviction_bounds_the_total_by_least_recently_opened() {
    let config = CacheConfig { max_messages_per_room: 50, max_messages: 120 };
    let rooms: Vec<CachedRoom> =
        (0..5).map(|i| CachedRoom { room_id: format!("r{i}"), opened_at: T0 + f64::from(i), messages: 50 }).collect();
    // The room being written (opened first) is kept; the next-oldest go until two rooms' worth is left.
    assert_eq!(rooms_to_evict(&rooms, &config, Some("r0")), ["r1", "r2", "r3"]);
}
