//! The JSON-text ingest path (`handle_event_json`) against the `Value` path (`handle_event(&from_str(text)?)`):
//! for random payloads (aliases, nulls, wrong types, duplicate and escaped keys, unknown fields, whitespace) both
//! give the same result, the same change events and the same store.
#![cfg(not(target_arch = "wasm32"))] // native: proptest

use inbox_realtime::json::from_str;
use inbox_realtime::store::{MessageStore, StoreOptions};
use proptest::prelude::*;

const T0: f64 = 1_700_000_000_000.0;

/// Keys: every canonical name and alias, unknown ones, and escaped spellings of both.
const KEYS: &[&str] = &[
    "id",
    "message_id",
    "messageId",
    "wamid",
    "room_id",
    "roomId",
    "text",
    "content",
    "body",
    "user_id",
    "userId",
    "sender_id",
    "senderId",
    "timestamp",
    "created_at",
    "createdAt",
    "client_id",
    "clientId",
    "direction",
    "status",
    "from",
    "type",
    "meta",
    "a b",
    "\\u0069d",
    "fr\\u006fm",
    "t\\u00e9",
    "\\\"q\\\"",
];

/// Value texts: ids, strings with escapes, numbers of every kind, timestamps, statuses, directions, containers.
const VALUES: &[&str] = &[
    "\"m1\"",
    "\"m2\"",
    "\"r1\"",
    "\"r2\"",
    "\"\"",
    "\"a\\\"b\\n\"",
    "\"\\u00e9t\\u00e9\"",
    "\"long text here\"",
    "7",
    "-3",
    "1.5",
    "1e2",
    "-0",
    "18446744073709551616",
    "1700000000",
    "1700000000000",
    "1800000000000",
    "\"1700000000\"",
    "\"2023-11-14T22:13:20Z\"",
    "\"soon\"",
    "null",
    "true",
    "false",
    "\"read\"",
    "\"SENT\"",
    "\"seen\"",
    "\"bogus\"",
    "\"in\"",
    "\"outbound\"",
    "\"sideways\"",
    "[1, {\"a\" : null}]",
    "{ \"k\" : [ 1 , 2 ] }",
    "{}",
    "[]",
    "\"u1\"",
    "\"c1\"",
];

const WS: &[&str] = &["", "", " ", "\n\t "];

fn ws() -> impl Strategy<Value = &'static str> {
    prop::sample::select(WS)
}

fn pair() -> impl Strategy<Value = String> {
    (prop::sample::select(KEYS), prop::sample::select(VALUES), ws(), ws())
        .prop_map(|(k, v, a, b)| format!("{a}\"{k}\"{b}:{a}{v}{b}"))
}

/// A payload text: usually an object with an id and a room (so most land), sometimes not an object.
fn payload() -> impl Strategy<Value = String> {
    let object = (
        prop::option::weighted(0.8, prop::sample::select(&["\"m1\"", "\"m2\"", "\"m3\"", "5", "\"\""][..])),
        prop::option::weighted(0.8, prop::sample::select(&["\"r1\"", "\"r2\""][..])),
        prop::collection::vec(pair(), 0..8),
        ws(),
    )
        .prop_map(|(id, room, rest, w)| {
            let mut fields: Vec<String> = Vec::new();
            fields.extend(id.map(|v| format!("\"id\":{v}")));
            fields.extend(room.map(|v| format!("\"room_id\":{w}{v}")));
            fields.extend(rest);
            format!("{w}{{{w}{}{w}}}{w}", fields.join(&format!("{w},")))
        });
    prop_oneof![8 => object, 1 => prop::sample::select(VALUES).prop_map(str::to_owned)]
}

fn event() -> impl Strategy<Value = (&'static str, String)> {
    let name =
        prop::sample::select(&["new_message", "new_message", "new_message", "message_status_update", "nope"][..]);
    (name, payload())
}

fn options() -> StoreOptions {
    // Small limits, so "too long" is reachable.
    StoreOptions { max_id_chars: 4, max_text_chars: 12, ..StoreOptions::default() }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn json_path_matches_value_path(events in prop::collection::vec(event(), 1..8)) {
        let mut by_value = MessageStore::new(options());
        let mut by_text = MessageStore::new(options());
        for (i, (name, text)) in events.iter().enumerate() {
            let now = T0 + i as f64 * 1_000.0;
            let value = from_str(text).unwrap_or_else(|e| panic!("generated invalid JSON {text}: {e}"));
            let expected = by_value.handle_event(name, &value, now);
            let got = by_text.handle_event_json(name, text, now);
            prop_assert_eq!(&got, &expected, "{} {}", name, text);
            prop_assert!(by_text == by_value, "stores differ after {} {}", name, text);
            prop_assert_eq!(by_text.drain_events(), by_value.drain_events(), "{} {}", name, text);
        }
        prop_assert_eq!(by_text.rooms(), by_value.rooms());
        for room in by_value.room_ids() {
            let a: Vec<_> = by_value.messages(room).collect();
            let b: Vec<_> = by_text.messages(room).collect();
            prop_assert_eq!(b, a);
        }
    }
}

#[test]
fn invalid_json_is_not_an_object() {
    let mut store = MessageStore::default();
    for text in ["", "{", "{\"id\":\"m\",}", "[1"] {
        assert_eq!(
            store.handle_event_json("new_message", text, T0),
            Err(inbox_realtime::store::StoreError::NotAnObject),
            "{text:?}"
        );
    }
}

#[test]
fn unknown_fields_are_kept_as_sent() {
    let mut store = MessageStore::default();
    let text = r#"{"id":"m1","room_id":"r","text":"hi","from":"551199","meta":{ "a" : [1, "x y"] },"type":"text"}"#;
    store.handle_event_json("new_message", text, T0).unwrap();
    let m = store.message("r", "m1").unwrap();
    assert_eq!(m.extra().get("meta"), Some(from_str(r#"{"a":[1,"x y"]}"#).unwrap()));
    assert_eq!(m.extra().to_map().keys().collect::<Vec<_>>(), ["from", "meta", "type"]);
}
