//! Rule-by-rule tests of the store, on a virtual clock.

use crate::json::Value;

use super::*;

const T0: f64 = 1_700_000_000_000.0;
const S: f64 = 1_000.0;

fn store() -> MessageStore {
    MessageStore::default()
}

fn store_with(f: impl FnOnce(&mut StoreOptions)) -> MessageStore {
    let mut o = StoreOptions::default();
    f(&mut o);
    MessageStore::new(o)
}

/// A confirmed outgoing message from agent `u1`.
fn echo(id: &str, text: &str, ts: f64) -> Value {
    json!({"id": id, "room_id": "r", "text": text, "user_id": "u1", "timestamp": ts})
}

fn incoming(id: &str, ts: f64) -> Value {
    json!({"id": id, "room_id": "r", "text": "hi", "timestamp": ts, "from": "5511999"})
}

fn ids(s: &MessageStore, room: &str) -> Vec<String> {
    s.messages(room).map(|m| m.id().to_string()).collect()
}

fn keys(s: &MessageStore, room: &str) -> Vec<String> {
    s.messages(room).map(|m| m.key().to_owned()).collect()
}

fn statuses(s: &MessageStore, room: &str) -> Vec<Status> {
    s.messages(room).map(|m| m.status).collect()
}

#[test]
fn identical_texts_sent_twice_become_two_confirmations() {
    let mut s = store();
    let a = s.add_optimistic("r", "ok", Some("u1"), T0).unwrap();
    let b = s.add_optimistic("r", "ok", Some("u1"), T0 + S).unwrap();
    assert_ne!(a, b);
    let r1 = s.ingest_message(&echo("m1", "ok", T0 + 100.0), T0 + 2.0 * S).unwrap();
    assert_eq!(r1, Ingested::ReplacedOptimistic { client_id: a.clone() });
    let r2 = s.ingest_message(&echo("m2", "ok", T0 + S + 100.0), T0 + 3.0 * S).unwrap();
    assert_eq!(r2, Ingested::ReplacedOptimistic { client_id: b.clone() });
    assert_eq!(ids(&s, "r"), ["m1", "m2"]);
    assert_eq!(keys(&s, "r"), [a.clone(), b.clone()]);
    assert_eq!(statuses(&s, "r"), [Status::Sent, Status::Sent]);
    // A third identical echo has nothing left to confirm.
    assert_eq!(s.ingest_message(&echo("m3", "ok", T0 + 2.0 * S), T0 + 4.0 * S), Ok(Ingested::Inserted));
    assert_eq!(keys(&s, "r"), [a, b, "m3".to_string()]);
}

#[test]
fn oldest_optimistic_matches_first_even_if_echoes_swap() {
    let mut s = store();
    let a = s.add_optimistic("r", "ok", Some("u1"), T0).unwrap();
    let _b = s.add_optimistic("r", "ok", Some("u1"), T0 + S).unwrap();
    // The second send's echo arrives first: FIFO still gives it to the oldest optimistic message.
    let r = s.ingest_message(&echo("m2", "ok", T0 + S + 100.0), T0 + 2.0 * S).unwrap();
    assert_eq!(r, Ingested::ReplacedOptimistic { client_id: a });
    assert_eq!(s.message_count("r"), 2);
}

#[test]
fn echo_before_rest_success_does_not_duplicate_or_regress() {
    let mut s = store();
    let c = s.add_optimistic("r", "hello", Some("u1"), T0).unwrap();
    let mut e = echo("m1", "hello", T0 + 200.0);
    e["status"] = json!("delivered");
    s.ingest_message(&e, T0 + 300.0).unwrap();
    s.mark_sent(&c, Some("m1"), T0 + 400.0).unwrap();
    assert_eq!(ids(&s, "r"), ["m1"]);
    assert_eq!(keys(&s, "r"), std::slice::from_ref(&c));
    assert_eq!(statuses(&s, "r"), [Status::Delivered]);
    // The send is done: later calls about it are harmless.
    assert!(s.mark_sent(&c, Some("m1"), T0 + 500.0).is_err());
    assert_eq!(ids(&s, "r"), ["m1"]);
}

#[test]
fn unmatched_echo_then_mark_sent_with_its_id_removes_the_optimistic_copy() {
    let mut s = store();
    let c = s.add_optimistic("r", "hello", Some("u1"), T0).unwrap();
    // The server normalised the text, so the echo does not text-match.
    s.ingest_message(&echo("m1", "hello ", T0 + 200.0), T0 + 300.0).unwrap();
    assert_eq!(s.message_count("r"), 2);
    s.mark_sent(&c, Some("m1"), T0 + 400.0).unwrap();
    assert_eq!(ids(&s, "r"), ["m1"]);
    assert_eq!(s.message("r", "m1").unwrap().client_id(), Some(c.as_str()));
    // No pending timeout fires for it any more.
    s.handle_timeout(T0 + 120.0 * S);
    assert!(!s.drain_events().iter().any(|e| matches!(e, StoreEvent::SendFailed { .. })));
}

#[test]
fn mark_sent_with_server_id_then_echo_merges_and_status_updates_apply_meanwhile() {
    let mut s = store();
    let c = s.add_optimistic("r", "hello", Some("u1"), T0).unwrap();
    // WhatsApp's "sent" webhook can beat the REST response: held, then applied by mark_sent.
    let st = s.apply_status_update(&json!({"id": "m1", "status": "sent"}), T0 + 100.0).unwrap();
    assert_eq!(st, StatusOutcome::Held);
    s.mark_sent(&c, Some("m1"), T0 + 200.0).unwrap();
    assert_eq!(s.held_update_count(), 0);
    assert_eq!(statuses(&s, "r"), [Status::Sent]);
    let st = s.apply_status_update(&json!({"id": "m1", "status": "delivered"}), T0 + 300.0).unwrap();
    assert_eq!(st, StatusOutcome::Applied);
    assert_eq!(statuses(&s, "r"), [Status::Delivered]);
    // The echo (different text, no client id) still merges: by the server id.
    let r = s.ingest_message(&echo("m1", "hello!", T0 + 150.0), T0 + 400.0).unwrap();
    assert_eq!(r, Ingested::ReplacedOptimistic { client_id: c.clone() });
    assert_eq!(ids(&s, "r"), ["m1"]);
    assert_eq!(keys(&s, "r"), [c]);
    assert_eq!(statuses(&s, "r"), [Status::Delivered]);
}

#[test]
fn match_window_59s_merges_61s_does_not() {
    for (offset, merged) in [(59.0 * S, true), (60.0 * S, true), (61.0 * S, false), (-61.0 * S, false)] {
        let mut s = store();
        let c = s.add_optimistic("r", "ok", Some("u1"), T0).unwrap();
        s.mark_sent(&c, None, T0 + 100.0).unwrap();
        let r = s.ingest_message(&echo("m1", "ok", T0 + offset), T0 + 200.0).unwrap();
        if merged {
            assert_eq!(r, Ingested::ReplacedOptimistic { client_id: c }, "offset {offset}");
            assert_eq!(s.message_count("r"), 1);
        } else {
            assert_eq!(r, Ingested::Inserted, "offset {offset}");
            assert_eq!(s.message_count("r"), 2);
        }
    }
}

#[test]
fn text_match_needs_same_user_and_room() {
    let mut s = store();
    s.add_optimistic("r", "ok", Some("u1"), T0).unwrap();
    let other_user = json!({"id": "m1", "room_id": "r", "text": "ok", "user_id": "u2", "timestamp": T0});
    assert_eq!(s.ingest_message(&other_user, T0), Ok(Ingested::Inserted));
    let other_room = json!({"id": "m2", "room_id": "q", "text": "ok", "user_id": "u1", "timestamp": T0});
    assert_eq!(s.ingest_message(&other_room, T0), Ok(Ingested::Inserted));
    let customer = json!({"id": "m3", "room_id": "r", "text": "ok", "timestamp": T0});
    assert_eq!(s.ingest_message(&customer, T0), Ok(Ingested::Inserted));
    assert_eq!(s.message_count("r"), 3);
}

#[test]
fn client_id_exact_match_beats_text_match() {
    let mut s = store();
    let a = s.add_optimistic("r", "ok", Some("u1"), T0).unwrap();
    let b = s.add_optimistic("r", "ok", Some("u1"), T0 + S).unwrap();
    let mut e = echo("m2", "ok", T0 + S);
    e["client_id"] = json!(b);
    assert_eq!(s.ingest_message(&e, T0 + 2.0 * S), Ok(Ingested::ReplacedOptimistic { client_id: b.clone() }));
    // The older one is still pending and gets the next text echo.
    assert_eq!(s.message("r", &a).map(|m| m.status), Some(Status::Pending));
    assert_eq!(
        s.ingest_message(&echo("m1", "ok", T0), T0 + 3.0 * S),
        Ok(Ingested::ReplacedOptimistic { client_id: a.clone() })
    );
    assert_eq!(keys(&s, "r"), [a, b]);
    // Exact match works even when the text differs and far outside the window.
    let c = s.add_optimistic("r", "draft", Some("u1"), T0 + 4.0 * S).unwrap();
    let e = json!({"id": "m3", "roomId": "r", "body": "edited", "userId": "u1", "clientId": c, "timestamp": T0 + 3600.0 * S});
    assert_eq!(s.ingest_message(&e, T0 + 3600.0 * S), Ok(Ingested::ReplacedOptimistic { client_id: c.clone() }));
    assert_eq!(s.message("r", "m3").unwrap().text(), "edited");
    assert_eq!(s.message("r", "m3").unwrap().key(), c);
}

#[test]
fn unknown_client_id_in_echo_never_text_matches() {
    let mut s = store();
    s.add_optimistic("r", "ok", Some("u1"), T0).unwrap();
    let mut e = echo("m1", "ok", T0);
    e["client_id"] = json!("other-tab-7");
    assert_eq!(s.ingest_message(&e, T0), Ok(Ingested::Inserted));
    assert_eq!(s.message_count("r"), 2);
}

#[test]
fn read_before_delivered_stays_read() {
    let mut s = store();
    s.ingest_message(&echo("m1", "x", T0), T0).unwrap();
    let up = |st: &str| json!({"message_id": "m1", "status": st, "room_id": "r"});
    assert_eq!(s.apply_status_update(&up("read"), T0), Ok(StatusOutcome::Applied));
    assert_eq!(s.apply_status_update(&up("delivered"), T0), Ok(StatusOutcome::Unchanged));
    assert_eq!(s.apply_status_update(&up("sent"), T0), Ok(StatusOutcome::Unchanged));
    assert_eq!(s.apply_status_update(&up("failed"), T0), Ok(StatusOutcome::Unchanged));
    assert_eq!(statuses(&s, "r"), [Status::Read]);
    // A redelivery with an older status does not regress either.
    let mut e = echo("m1", "x", T0);
    e["status"] = json!("sent");
    assert_eq!(s.ingest_message(&e, T0), Ok(Ingested::Duplicate));
    assert_eq!(statuses(&s, "r"), [Status::Read]);
}

#[test]
fn failed_after_sent_applies_but_not_after_delivered() {
    let mut s = store();
    s.ingest_message(&echo("m1", "x", T0), T0).unwrap();
    s.ingest_message(&echo("m2", "y", T0 + 1.0), T0).unwrap();
    s.apply_status_update(&json!({"wamid": "m2", "status": "delivered"}), T0).unwrap();
    s.apply_status_update(&json!({"wamid": "m1", "status": "failed"}), T0).unwrap();
    s.apply_status_update(&json!({"wamid": "m2", "status": "failed"}), T0).unwrap();
    assert_eq!(statuses(&s, "r"), [Status::Failed, Status::Delivered]);
    // Failed is terminal.
    s.apply_status_update(&json!({"wamid": "m1", "status": "read"}), T0).unwrap();
    assert_eq!(statuses(&s, "r"), [Status::Failed, Status::Delivered]);
}

#[test]
fn status_before_message_is_applied_on_arrival() {
    let mut s = store();
    let up = |st: &str| json!({"id": "m1", "status": st});
    assert_eq!(s.apply_status_update(&up("delivered"), T0), Ok(StatusOutcome::Held));
    assert_eq!(s.apply_status_update(&up("read"), T0), Ok(StatusOutcome::Held));
    assert_eq!(s.apply_status_update(&up("delivered"), T0), Ok(StatusOutcome::Held));
    assert_eq!(s.held_update_count(), 1);
    assert_eq!(s.version("r"), 0, "a held update changes nothing visible");
    s.ingest_message(&echo("m1", "x", T0), T0 + S).unwrap();
    assert_eq!(statuses(&s, "r"), [Status::Read]);
    assert_eq!(s.held_update_count(), 0);
}

#[test]
fn held_updates_are_bounded_and_expire() {
    let mut s = store_with(|o| o.max_held_updates = 3);
    for i in 0..5 {
        s.apply_status_update(&json!({"id": format!("m{i}"), "status": "read"}), T0 + f64::from(i)).unwrap();
    }
    assert_eq!(s.held_update_count(), 3);
    // m0 and m1 were evicted (oldest first).
    s.ingest_message(&echo("m0", "x", T0), T0).unwrap();
    s.ingest_message(&echo("m2", "x", T0), T0).unwrap();
    assert_eq!(s.message("r", "m0").unwrap().status, Status::Sent);
    assert_eq!(s.message("r", "m2").unwrap().status, Status::Read);
    // The rest expire after 5 minutes.
    assert_eq!(s.poll_timeout(), Some(T0 + 3.0 + 300.0 * S));
    s.handle_timeout(T0 + 3.0 + 300.0 * S);
    assert_eq!(s.held_update_count(), 1);
    s.handle_timeout(T0 + 4.0 + 300.0 * S);
    assert_eq!(s.held_update_count(), 0);
    assert_eq!(s.poll_timeout(), None);
}

#[test]
fn duplicate_delivery_keeps_one_message() {
    let mut s = store();
    let e = incoming("m1", T0);
    assert_eq!(s.ingest_message(&e, T0), Ok(Ingested::Inserted));
    let v = s.version("r");
    assert_eq!(s.ingest_message(&e, T0 + S), Ok(Ingested::Duplicate));
    assert_eq!(s.version("r"), v, "a no-op does not bump the version");
    assert_eq!(s.message_count("r"), 1);
    // A redelivery with a change merges in place.
    let mut e2 = e.clone();
    e2["text"] = json!("hi (edited)");
    e2["edited"] = json!(true);
    assert_eq!(s.ingest_message(&e2, T0 + S), Ok(Ingested::Updated));
    let m = s.message("r", "m1").unwrap();
    assert_eq!(m.text(), "hi (edited)");
    assert_eq!(m.extra().get("edited"), Some(json!(true)));
    assert!(s.version("r") > v);
    assert_eq!(s.message_count("r"), 1);
}

#[test]
fn ordering_is_by_timestamp_then_id() {
    let mut s = store();
    for (id, ts) in [("b", T0), ("a", T0), ("c", T0 - S), ("d", T0 + S)] {
        s.ingest_message(&incoming(id, ts), T0 + 2.0 * S).unwrap();
    }
    assert_eq!(ids(&s, "r"), ["c", "a", "b", "d"]);
    // A redelivery with a corrected timestamp moves the message.
    s.ingest_message(&incoming("c", T0 + 2.0 * S), T0 + 2.0 * S).unwrap();
    assert_eq!(ids(&s, "r"), ["a", "b", "d", "c"]);
}

#[test]
fn typing_restart_and_expiry_on_a_virtual_clock() {
    let mut s = store();
    let ev = json!({"room_id": "r", "is_typing": true, "user": {"id": "5511999", "name": "Ana"}});
    assert_eq!(s.apply_typing(&ev, T0), Ok(true));
    assert_eq!(s.typing("r"), [TypingUser { id: "5511999".into(), name: Some("Ana".into()) }]);
    assert_eq!(s.poll_timeout(), Some(T0 + 3.0 * S));
    // A repeat at 2 s restarts the 3 s without a visible change.
    assert_eq!(s.apply_typing(&ev, T0 + 2.0 * S), Ok(false));
    assert_eq!(s.poll_timeout(), Some(T0 + 5.0 * S));
    s.handle_timeout(T0 + 3.0 * S);
    assert_eq!(s.typing("r").len(), 1);
    s.handle_timeout(T0 + 4.999 * S);
    assert_eq!(s.typing("r").len(), 1);
    let v = s.version("r");
    s.drain_events();
    s.handle_timeout(T0 + 5.0 * S);
    assert!(s.typing("r").is_empty());
    assert_eq!(s.version("r"), v + 1);
    assert_eq!(s.drain_events(), [StoreEvent::TypingChanged { room_id: "r".into() }]);
    assert_eq!(s.poll_timeout(), None);
}

#[test]
fn typing_false_hides_at_once_and_aliases_work() {
    let mut s = store();
    s.apply_typing(&json!({"roomId": "r", "isTyping": true, "user": "ana"}), T0).unwrap();
    s.apply_typing(&json!({"roomId": "r", "isTyping": true, "user": {"name": "Bob"}}), T0).unwrap();
    assert_eq!(s.typing("r").len(), 2);
    assert_eq!(s.apply_typing(&json!({"room_id": "r", "is_typing": false, "user": "ana"}), T0 + 1.0), Ok(true));
    assert_eq!(s.typing("r").iter().map(|u| u.id.as_str()).collect::<Vec<_>>(), ["Bob"]);
    // Hiding someone not shown is a no-op.
    assert_eq!(s.apply_typing(&json!({"room_id": "r", "is_typing": false, "user": "ana"}), T0 + 1.0), Ok(false));
}

#[test]
fn new_message_hides_the_senders_typing() {
    let mut s = store();
    s.apply_typing(&json!({"room_id": "r", "is_typing": true, "user": "5511999"}), T0).unwrap();
    s.apply_typing(&json!({"room_id": "r", "is_typing": true, "user": "u1"}), T0).unwrap();
    // Customer message: matched through its `from` field.
    s.ingest_message(&incoming("m1", T0), T0 + 1.0).unwrap();
    assert_eq!(s.typing("r").iter().map(|u| u.id.as_str()).collect::<Vec<_>>(), ["u1"]);
    // Agent message: matched through `user_id`.
    s.ingest_message(&echo("m2", "hey", T0), T0 + 2.0).unwrap();
    assert!(s.typing("r").is_empty());
    // History does not touch typing.
    s.apply_typing(&json!({"room_id": "r", "is_typing": true, "user": "5511999"}), T0 + 3.0).unwrap();
    s.merge_history("r", &[incoming("m0", T0 - S)], true, T0 + 4.0).unwrap();
    assert_eq!(s.typing("r").len(), 1);
}

#[test]
fn pending_timeout_fails_and_removes_by_default() {
    let mut s = store();
    let c = s.add_optimistic("r", "hello", Some("u1"), T0).unwrap();
    s.drain_events();
    assert_eq!(s.poll_timeout(), Some(T0 + 60.0 * S));
    s.handle_timeout(T0 + 59.0 * S);
    assert_eq!(s.message_count("r"), 1);
    s.handle_timeout(T0 + 60.0 * S);
    assert_eq!(s.message_count("r"), 0);
    let ev = s.drain_events();
    assert!(ev.contains(&StoreEvent::SendFailed {
        room_id: "r".into(),
        client_id: c.clone(),
        reason: "timeout".into()
    }));
    assert!(ev.contains(&StoreEvent::RoomChanged { room_id: "r".into() }));
    assert_eq!(s.retry(&c, T0 + 61.0 * S), Err(StoreError::UnknownClientId(c.clone())));
    // A late echo is simply a new message.
    assert_eq!(s.ingest_message(&echo("m1", "hello", T0 + 61.0 * S), T0 + 61.0 * S), Ok(Ingested::Inserted));
}

#[test]
fn pending_timeout_keeps_failed_with_option_and_retry_revives() {
    let mut s = store_with(|o| o.keep_failed = true);
    let c = s.add_optimistic("r", "hello", Some("u1"), T0).unwrap();
    s.handle_timeout(T0 + 60.0 * S);
    let m = s.message("r", &c).unwrap();
    assert_eq!((m.status, m.error()), (Status::Failed, Some("timeout")));
    assert!(s.drain_events().iter().any(|e| matches!(e, StoreEvent::SendFailed { client_id, .. } if *client_id == c)));
    // No more deadlines: a failed message waits for the user.
    assert_eq!(s.poll_timeout(), None);
    let info = s.retry(&c, T0 + 100.0 * S).unwrap();
    assert_eq!(
        info,
        RetryInfo { room_id: "r".into(), text: "hello".into(), user_id: Some("u1".into()), client_id: c.clone() }
    );
    let m = s.message("r", &c).unwrap();
    assert_eq!((m.status, m.error(), m.timestamp), (Status::Pending, None, T0 + 100.0 * S));
    assert_eq!(s.retry(&c, T0 + 100.0 * S), Err(StoreError::NotFailed(c.clone())));
    assert_eq!(s.poll_timeout(), Some(T0 + 160.0 * S));
    // The retried send is matched by its new timestamp.
    let r = s.ingest_message(&echo("m1", "hello", T0 + 101.0 * S), T0 + 101.0 * S).unwrap();
    assert_eq!(r, Ingested::ReplacedOptimistic { client_id: c.clone() });
    assert_eq!(keys(&s, "r"), [c]);
}

#[test]
fn mark_failed_removes_or_keeps_and_is_a_noop_after_echo() {
    let mut s = store();
    let c = s.add_optimistic("r", "a", Some("u1"), T0).unwrap();
    s.mark_failed(&c, "HTTP 500", T0 + 1.0).unwrap();
    assert_eq!(s.message_count("r"), 0);
    assert!(s
        .drain_events()
        .iter()
        .any(|e| matches!(e, StoreEvent::SendFailed { reason, .. } if reason == "HTTP 500")));

    let mut s = store_with(|o| o.keep_failed = true);
    let c = s.add_optimistic("r", "a", Some("u1"), T0).unwrap();
    s.mark_failed(&c, "HTTP 500", T0 + 1.0).unwrap();
    assert_eq!(s.message("r", &c).unwrap().error(), Some("HTTP 500"));
    assert!(s.discard(&c));
    assert_eq!(s.message_count("r"), 0);

    let mut s = store();
    let c = s.add_optimistic("r", "a", Some("u1"), T0).unwrap();
    s.ingest_message(&echo("m1", "a", T0), T0 + 1.0).unwrap();
    s.mark_failed(&c, "timeout", T0 + 2.0).unwrap();
    assert_eq!(ids(&s, "r"), ["m1"]);
    assert_eq!(statuses(&s, "r"), [Status::Sent]);
}

#[test]
fn a_confirmed_send_answers_late_rest_results_until_forgotten() {
    let mut s = store();
    let a = s.add_optimistic("r", "a", Some("u1"), T0).unwrap();
    let b = s.add_optimistic("r", "b", Some("u1"), T0).unwrap();
    s.ingest_message(&echo("m1", "a", T0), T0 + 1.0).unwrap();
    s.ingest_message(&echo("m2", "b", T0), T0 + 1.0).unwrap();
    assert_eq!(s.tracked_send_count(), 2);
    assert_eq!(s.retry(&a, T0 + 2.0), Err(StoreError::NotFailed(a.clone())));
    // REST results after the echo: no-ops, and the first one settles the send.
    s.mark_sent(&a, Some("m1"), T0 + 2.0).unwrap();
    assert_eq!(s.mark_sent(&a, None, T0 + 3.0), Err(StoreError::UnknownClientId(a.clone())));
    assert_eq!(s.tracked_send_count(), 1);
    // Unreported, `b` is remembered for `pending_timeout_ms`, then forgotten.
    assert_eq!(s.poll_timeout(), Some(T0 + 1.0 + 60.0 * S));
    s.handle_timeout(T0 + 61.0 * S);
    assert_eq!((s.tracked_send_count(), s.poll_timeout()), (0, None));
    assert_eq!(s.mark_failed(&b, "x", T0 + 62.0 * S), Err(StoreError::UnknownClientId(b.clone())));
    assert_eq!(ids(&s, "r"), ["m1", "m2"]);
    assert_eq!(statuses(&s, "r"), [Status::Sent, Status::Sent]);
}

#[test]
fn mark_sent_stops_the_timeout_and_stays_sent_without_echo() {
    let mut s = store();
    let c = s.add_optimistic("r", "a", Some("u1"), T0).unwrap();
    s.mark_sent(&c, None, T0 + 1.0).unwrap();
    assert_eq!(s.poll_timeout(), None);
    s.handle_timeout(T0 + 3600.0 * S);
    let m = s.message("r", &c).unwrap();
    assert_eq!((m.status, m.key()), (Status::Sent, c.as_str()));
    assert_eq!(s.mark_sent("nope", None, T0), Err(StoreError::UnknownClientId("nope".into())));
}

#[test]
fn history_merge_dedups_and_tracks_has_more() {
    let mut s = store();
    s.ingest_message(&incoming("m3", T0), T0).unwrap();
    assert!(s.has_more("r"));
    let page = vec![
        incoming("m1", T0 - 2.0 * S),
        incoming("m2", T0 - S),
        incoming("m3", T0),
        json!({"id": "m4", "text": 5}),
        json!({"id": "m5", "room_id": "other", "text": "x"}),
        json!({"id": "m2", "room_id": "r", "text": "hi", "status": "read", "timestamp": T0 - S}),
    ];
    let rep = s.merge_history("r", &page, false, T0 + S).unwrap();
    assert_eq!((rep.added, rep.updated, rep.unchanged), (2, 1, 1));
    assert_eq!(rep.rejected.len(), 2);
    assert_eq!(rep.rejected[0].0, 3);
    assert!(matches!(rep.rejected[0].1, StoreError::WrongType { field: "text", .. }));
    assert!(matches!(rep.rejected[1].1, StoreError::RoomMismatch { .. }));
    assert_eq!(ids(&s, "r"), ["m1", "m2", "m3"]);
    assert!(!s.has_more("r"));
    // Merging the same page again changes nothing.
    let v = s.version("r");
    let rep = s.merge_history("r", &page[..3], false, T0 + S).unwrap();
    assert_eq!((rep.added, rep.updated, rep.unchanged), (0, 0, 3));
    assert_eq!(s.version("r"), v);
    // Items without timestamp default to now; an empty page for an unknown room creates it.
    s.merge_history("q", &[], false, T0).unwrap();
    assert_eq!(s.room_ids(), ["q", "r"]);
    assert!(s.merge_history("", &[], false, T0).is_err());
}

#[test]
fn history_page_confirms_a_pending_send_after_a_missed_echo() {
    let mut s = store();
    let c = s.add_optimistic("r", "are you there?", Some("u1"), T0).unwrap();
    let page = vec![echo("m1", "are you there?", T0 + 500.0)];
    let rep = s.merge_history("r", &page, true, T0 + 10.0 * S).unwrap();
    assert_eq!(rep.added, 1);
    assert_eq!(keys(&s, "r"), [c]);
    assert_eq!(ids(&s, "r"), ["m1"]);
}

/// The chaos soak's lost message: a customer's whole-second stamp (emitted, then the link dropped) is older than an
/// agent reply stamped in ms that arrived first, so a resync from the newest timestamp alone skipped it.
#[test]
fn a_resync_reaches_back_past_messages_stamped_out_of_arrival_order() {
    let mut s = store();
    s.ingest_message(&incoming("m1", T0 - 10.0 * S), T0).unwrap();
    s.ingest_message(&echo("reply", "on it", T0 + 433.0), T0 + 433.0).unwrap();
    let lost = incoming("whole-second", T0);
    let since = s.resync_since("r");
    assert!(since <= T0 - 59.0 * S, "starts a full overlap before the newest ({since})");
    // The server's page (timestamp >= since) holds the lost message and what we have; the merge adds only it.
    let page = [incoming("m1", T0 - 10.0 * S), lost, echo("reply", "on it", T0 + 433.0)];
    let page: Vec<Value> = page.into_iter().filter(|m| m["timestamp"].as_f64().unwrap() >= since).collect();
    let rep = s.merge_history("r", &page, true, T0 + S).unwrap();
    assert_eq!((rep.added, rep.unchanged), (1, 2));
    assert_eq!(ids(&s, "r"), ["m1", "whole-second", "reply"]);
}

#[test]
fn a_resync_ignores_unechoed_sends_and_reaches_back_for_unsettled_ticks() {
    let mut s = store_with(|o| o.resync_overlap_ms = 0.0);
    assert_eq!(s.resync_since("r"), 0.0, "nothing from the server yet: everything");
    s.add_optimistic("r", "pending", Some("u1"), T0 + 100.0 * S).unwrap();
    assert_eq!(s.resync_since("r"), 0.0, "an unechoed send carries our clock, not the server's");
    s.ingest_message(&echo("sent", "old reply", T0), T0).unwrap();
    s.ingest_message(&incoming("in", T0 + 50.0 * S), T0 + 50.0 * S).unwrap();
    assert_eq!(s.resync_since("r"), T0, "our sent-but-unread reply may get ticks while we are away");
    s.apply_status_update(&json!({"id": "sent", "room_id": "r", "status": "read"}), T0 + 51.0 * S).unwrap();
    assert_eq!(s.resync_since("r"), T0 + 50.0 * S, "settled: the newest server message, no overlap asked");
    let mut s = store_with(|o| o.resync_overlap_ms = 5.0 * S);
    s.ingest_message(&incoming("in", T0), T0).unwrap();
    assert_eq!(s.resync_since("r"), T0 - 5.0 * S);
}

#[test]
fn unread_counts_and_mark_read() {
    let mut s = store();
    s.ingest_message(&incoming("m1", T0), T0).unwrap();
    s.ingest_message(&incoming("m2", T0 + S), T0 + S).unwrap();
    s.ingest_message(&echo("m3", "reply", T0 + 2.0 * S), T0 + 2.0 * S).unwrap();
    assert_eq!(s.unread("r"), 2, "never read: every incoming counts, outgoing never");
    s.mark_read("r", T0 + 3.0 * S).unwrap();
    assert_eq!(s.unread("r"), 0);
    s.ingest_message(&incoming("m4", T0 + 4.0 * S), T0 + 4.0 * S).unwrap();
    assert_eq!(s.unread("r"), 1);
    // Older history merged after mark_read does not count.
    s.merge_history("r", &[incoming("m0", T0 - 10.0 * S)], true, T0 + 5.0 * S).unwrap();
    assert_eq!(s.unread("r"), 1);
    // Server clock ahead of ours: mark_read covers the newest message anyway.
    s.ingest_message(&incoming("m5", T0 + 3600.0 * S), T0 + 5.0 * S).unwrap();
    assert_eq!(s.unread("r"), 2);
    s.mark_read("r", T0 + 6.0 * S).unwrap();
    assert_eq!(s.unread("r"), 0);
    let summary = &s.rooms()[0];
    assert_eq!((summary.room_id.as_str(), summary.unread), ("r", 0));
    assert_eq!(summary.last_message.as_ref().map(|m| m.id()), Some("m5"));
    assert_eq!(s.unread("nowhere"), 0);
}

#[test]
fn rooms_are_listed_most_recent_first() {
    let mut s = store();
    s.ingest_message(&json!({"id": "a", "room_id": "old", "timestamp": T0}), T0).unwrap();
    s.ingest_message(&json!({"id": "b", "room_id": "new", "timestamp": T0 + S}), T0 + S).unwrap();
    s.apply_typing(&json!({"room_id": "empty", "user": "x"}), T0).unwrap();
    let order: Vec<String> = s.rooms().into_iter().map(|r| r.room_id).collect();
    assert_eq!(order, ["new", "old", "empty"]);
    assert_eq!(s.rooms()[2].typing.len(), 1);
}

#[test]
fn a_room_keeps_its_contact_name_while_the_agent_writes() {
    let name =
        |s: &MessageStore, room: &str| s.rooms().into_iter().find(|r| r.room_id == room).and_then(|r| r.contact_name);
    let mut s = store_with(|o| o.keep_failed = true);
    let named = |id: &str, n: Option<&str>, ts: f64| json!({"id": id, "room_id": "r", "text": "hi", "timestamp": ts, "contact_name": n});
    s.ingest_message(&named("m1", Some("Test Customer"), T0), T0).unwrap();
    assert_eq!(name(&s, "r").as_deref(), Some("Test Customer"));

    // An optimistic send is the newest message and carries no name: the room keeps it, pending and failed.
    let cid = s.add_optimistic("r", "Hello!", Some("u1"), T0 + S).unwrap();
    assert_eq!(s.rooms()[0].last_message.as_ref().map(|m| m.key()), Some(cid.as_str()));
    assert_eq!(name(&s, "r").as_deref(), Some("Test Customer"));
    s.mark_failed(&cid, "HTTP 500", T0 + 2.0 * S).unwrap();
    assert_eq!(s.rooms()[0].last_message.as_ref().map(|m| m.status), Some(Status::Failed));
    assert_eq!(name(&s, "r").as_deref(), Some("Test Customer"));
    // Neither does an agent's echo without a name, or with a null or empty one.
    s.ingest_message(&echo("e1", "Hi there", T0 + 3.0 * S), T0 + 3.0 * S).unwrap();
    s.ingest_message(&named("m2", None, T0 + 4.0 * S), T0 + 4.0 * S).unwrap();
    s.ingest_message(&named("m3", Some("  "), T0 + 5.0 * S), T0 + 5.0 * S).unwrap();
    assert_eq!(name(&s, "r").as_deref(), Some("Test Customer"));

    // History: an older message's old name does not win over a newer one; a newer one renames.
    s.merge_history("r", &[named("h0", Some("Old Name"), T0 - 60.0 * S)], true, T0 + 6.0 * S).unwrap();
    assert_eq!(name(&s, "r").as_deref(), Some("Test Customer"));
    let before = s.version("r");
    s.ingest_message(&named("m1", Some("Ana"), T0 + 7.0 * S), T0 + 7.0 * S).unwrap();
    assert_eq!(name(&s, "r").as_deref(), Some("Ana"));
    assert!(s.version("r") > before, "a rename changes the room");

    // A room known only from a history page is named by it; a room without names has none.
    s.merge_history("h", &[json!({"id": "x", "text": "hola", "timestamp": T0, "contact_name": "Bea"})], false, T0)
        .unwrap();
    assert_eq!(name(&s, "h").as_deref(), Some("Bea"));
    s.ingest_message(&json!({"id": "y", "room_id": "anon", "timestamp": T0}), T0).unwrap();
    assert_eq!(name(&s, "anon"), None);
}

#[test]
fn cap_eviction_never_evicts_pending() {
    let mut s = store_with(|o| o.max_messages_per_room = Some(3));
    let c1 = s.add_optimistic("r", "p1", Some("u1"), T0).unwrap();
    let c2 = s.add_optimistic("r", "p2", Some("u1"), T0 + 1.0).unwrap();
    s.merge_history("r", &[], false, T0).unwrap();
    for i in 0..5 {
        s.ingest_message(&incoming(&format!("m{i}"), T0 + 10.0 + f64::from(i)), T0 + S).unwrap();
    }
    assert_eq!(s.message_count("r"), 3);
    assert_eq!(ids(&s, "r"), [c1.clone(), c2.clone(), "m4".to_string()]);
    assert!(s.has_more("r"), "evicting makes older history available again");
    // Once confirmed, they are ordinary messages and can go.
    s.mark_sent(&c1, Some("s1"), T0 + S).unwrap();
    s.ingest_message(&echo("s1", "p1", T0), T0 + S).unwrap();
    s.ingest_message(&incoming("m5", T0 + 20.0), T0 + S).unwrap();
    assert_eq!(ids(&s, "r"), [c2, "m4".to_string(), "m5".to_string()]);
}

#[test]
fn aliases_and_whatsapp_string_timestamp() {
    let mut s = store();
    let wa = json!({
        "wamid": "wamid.HBgM", "roomId": "r", "body": "Olá", "createdAt": "1698048000",
        "from": "5511999", "type": "text"
    });
    s.ingest_message(&wa, T0).unwrap();
    let m = s.message("r", "wamid.HBgM").unwrap();
    assert_eq!(m.timestamp, 1_698_048_000_000.0);
    assert_eq!((m.text(), m.direction, m.status), ("Olá", Direction::Incoming, Status::Sent));
    assert_eq!(m.user_id(), None);
    let agent = json!({
        "message_id": 42, "room_id": 7, "content": "hi", "sender_id": "agent-1",
        "created_at": "2023-10-23T08:00:01.500Z", "status": "DELIVERED"
    });
    s.ingest_message(&agent, T0).unwrap();
    let m = s.message("7", "42").unwrap();
    assert_eq!(m.timestamp, 1_698_048_001_500.0);
    assert_eq!((m.direction, m.status, m.user_id()), (Direction::Outgoing, Status::Delivered, Some("agent-1")));
    // An explicit direction wins over the inference.
    let e = json!({"id": "x", "room_id": "r", "text": "t", "userId": "bot", "direction": "incoming", "timestamp": 1_698_048_000});
    s.ingest_message(&e, T0).unwrap();
    assert_eq!(s.message("r", "x").unwrap().direction, Direction::Incoming);
    assert_eq!(s.message("r", "x").unwrap().timestamp, 1_698_048_000_000.0);
}

#[test]
fn unknown_fields_are_kept_in_to_json() {
    let mut s = store();
    let e = json!({
        "id": "m1", "room_id": "r", "content": "photo", "timestamp": T0,
        "media": {"url": "https://x/y.jpg", "mime": "image/jpeg"}, "from": "5511999", "key": "server-key"
    });
    s.ingest_message(&e, T0).unwrap();
    let j = s.message("r", "m1").unwrap().to_json();
    assert_eq!(j["media"]["mime"], "image/jpeg");
    assert_eq!(j["from"], "5511999");
    assert_eq!(j["text"], "photo");
    assert_eq!(j["key"], "m1", "canonical fields shadow server fields");
    assert_eq!(j["direction"], "incoming");
    assert_eq!(j["status"], "sent");
    assert_eq!(j["user_id"], Value::Null);
    assert_eq!(j["timestamp"], json!(T0));
    assert!(j.get("content").is_none(), "aliases are consumed");
    assert!(j.get("rev").is_none(), "rev is internal");
    // The JS-visible shape: server fields in their order, canonical ones on top (a shadowed one keeps its place);
    // a redelivery overwrites in place and appends new fields.
    let keys = |j: &Value| j.as_object().unwrap().keys().cloned().collect::<Vec<_>>().join(",");
    let canonical = "id,room_id,text,user_id,direction,status,timestamp,client_id,error";
    assert_eq!(keys(&j), format!("media,from,key,{canonical}"));
    let again = json!({"id": "m1", "room_id": "r", "edited": true, "from": "5511000"});
    assert_eq!(s.ingest_message(&again, T0).unwrap(), Ingested::Updated);
    let j = s.message("r", "m1").unwrap().to_json();
    assert_eq!(keys(&j), format!("media,from,key,edited,{canonical}"));
    assert_eq!((&j["from"], &j["edited"]), (&json!("5511000"), &json!(true)));
    assert_eq!(s.ingest_message(&again, T0).unwrap(), Ingested::Duplicate);
}

#[test]
fn a_text_over_the_limit_is_kept_cut_with_its_length_never_dropped() {
    let mut s = store_with(|o| o.max_text_chars = 10);
    let long = "0123456789é€😀"; // 13 characters, multi-byte at the cut
                                 // The tree path (a `Value`) and the scanner path (JSON text) agree.
    s.ingest_message(&json!({"id": "m1", "room_id": "r", "text": long, "text_truncated": "spoofed"}), T0).unwrap();
    let payload = json!({"id": "m2", "room_id": "r", "text": long, "timestamp": T0}).to_string();
    s.ingest_message_json(&payload, T0).unwrap();
    let fits = json!({"id": "m3", "room_id": "r", "text": "0123456789", "timestamp": T0}).to_string();
    s.ingest_message_json(&fits, T0).unwrap();
    for id in ["m1", "m2"] {
        let m = s.message("r", id).unwrap();
        assert_eq!(m.text(), "0123456789", "{id}");
        assert_eq!(m.to_json()["text_truncated"], json!(13), "{id}");
    }
    assert_eq!(s.message("r", "m3").unwrap().to_json().get("text_truncated"), None);
    // The agent's own over-long text is refused at once instead (the composer still holds it).
    assert!(matches!(s.add_optimistic("r", "0123456789A", None, T0), Err(StoreError::TooLarge { .. })));
}

#[test]
fn invalid_inputs_are_rejected_and_leave_the_store_unchanged() {
    let mut s = store_with(|o| o.max_text_chars = 10);
    s.ingest_message(&incoming("m1", T0), T0).unwrap();
    s.add_optimistic("r", "p", Some("u1"), T0).unwrap();
    s.apply_typing(&json!({"room_id": "r", "user": "ana"}), T0).unwrap();
    s.drain_events();
    let long_id = "x".repeat(257);
    let cases: Vec<(&str, Value)> = vec![
        ("new_message", json!("not an object")),
        ("new_message", json!(null)),
        ("new_message", json!({"room_id": "r", "text": "no id"})),
        ("new_message", json!({"id": "", "room_id": "r"})),
        ("new_message", json!({"id": 1.5, "room_id": "r"})),
        ("new_message", json!({"id": "m9", "text": "no room"})),
        ("new_message", json!({"id": "m9", "room_id": ["r"]})),
        ("new_message", json!({"id": "m9", "room_id": "r", "text": 12})),
        ("new_message", json!({"id": "m9", "room_id": "r", "text": {"t": 1}})),
        ("new_message", json!({"id": long_id, "room_id": "r"})),
        ("new_message", json!({"id": "m9", "room_id": "r", "user_id": true})),
        ("new_message", json!({"id": "m9", "room_id": "r", "status": "teleported"})),
        ("new_message", json!({"id": "m9", "room_id": "r", "status": 3})),
        ("new_message", json!({"id": "m9", "room_id": "r", "direction": "up"})),
        ("new_message", json!({"id": "m9", "room_id": "r", "timestamp": -5})),
        ("new_message", json!({"id": "m9", "room_id": "r", "timestamp": "NaN"})),
        ("new_message", json!({"id": "m9", "room_id": "r", "timestamp": "tomorrow"})),
        ("new_message", json!({"id": "m9", "room_id": "r", "timestamp": T0 + 2.0 * 86_400_000.0})),
        ("new_message", json!({"id": "m9", "room_id": "r", "timestamp": "3023-01-01T00:00:00Z"})),
        ("new_message", json!({"id": "m9", "room_id": "r", "timestamp": true})),
        ("new_message", json!({"id": "m1", "room_id": "r", "timestamp": -1})),
        ("message_status_update", json!({"status": "read"})),
        ("message_status_update", json!({"id": "m1"})),
        ("message_status_update", json!({"id": "m1", "status": "seen-twice"})),
        ("message_status_update", json!({"id": "m1", "status": "read", "timestamp": "junk"})),
        ("message_status_update", json!({"id": "m1", "status": "read", "room_id": {}})),
        ("typing_indicator", json!({"is_typing": true, "user": "ana"})),
        ("typing_indicator", json!({"room_id": "r", "is_typing": "yes", "user": "ana"})),
        ("typing_indicator", json!({"room_id": "r", "is_typing": false})),
        ("typing_indicator", json!({"room_id": "r", "is_typing": false, "user": {}})),
        ("typing_indicator", json!({"room_id": "r", "is_typing": false, "user": [1]})),
        ("bogus_event", json!({})),
    ];
    for (name, payload) in cases {
        let before = s.clone();
        let r = s.handle_event(name, &payload, T0 + S);
        assert!(r.is_err(), "{name} {payload} accepted: {r:?}");
        assert_eq!(s, before, "{name} {payload} changed the store");
    }
    // Invalid `now` and invalid calls.
    let before = s.clone();
    assert_eq!(s.ingest_message(&incoming("m2", T0), f64::NAN), Err(StoreError::InvalidNow));
    assert_eq!(s.add_optimistic("r", "x", None, -1.0), Err(StoreError::InvalidNow));
    assert!(matches!(s.add_optimistic("r", "0123456789A", None, T0), Err(StoreError::TooLarge { .. })));
    assert_eq!(s.add_optimistic("", "x", None, T0), Err(StoreError::EmptyField("room_id")));
    assert!(s.mark_sent("nope", None, T0).is_err());
    assert!(s.mark_failed("nope", "x", T0).is_err());
    assert!(s.retry("nope", T0).is_err());
    assert!(s.mark_read("r", f64::INFINITY).is_err());
    assert_eq!(s, before);
    assert_eq!(s.handle_event("bogus_event", &json!({}), T0), Err(StoreError::UnknownEvent("bogus_event".into())));
}

#[test]
fn version_changes_and_events() {
    let mut s = store();
    assert_eq!(s.version("r"), 0);
    s.ingest_message(&incoming("m1", T0), T0).unwrap();
    s.ingest_message(&incoming("m2", T0 + 1.0), T0).unwrap();
    let v = s.version("r");
    assert!(v >= 2);
    // Coalesced: one RoomChanged for the room until drained.
    assert_eq!(s.poll_event(), Some(StoreEvent::RoomChanged { room_id: "r".into() }));
    assert_eq!(s.poll_event(), None);
    s.watch("r");
    s.take_changes();
    s.apply_status_update(&json!({"id": "m2", "status": "read", "room_id": "r"}), T0).unwrap();
    // Only the changed message is sent to the view, at its place.
    let batch = s.take_changes();
    assert_eq!(batch.rooms.len(), 1);
    assert!(matches!(&batch.rooms[0].ops[..], [ListOp::Update(1, m)] if m.id() == "m2" && m.status == Status::Read));
    assert_eq!(s.version("r"), v + 1);
    assert_eq!(s.drain_events(), [StoreEvent::RoomChanged { room_id: "r".into() }]);
    let h = s.handle_event("typing_indicator", &json!({"room_id": "r", "user": "u"}), T0).unwrap();
    assert_eq!(h, Handled::Typing { changed: true });
    assert_eq!(s.version("r"), v + 2);
    assert_eq!(s.drain_events(), [StoreEvent::TypingChanged { room_id: "r".into() }]);
    let h = s.handle_event("new_message", &incoming("m3", T0 + 2.0), T0).unwrap();
    assert_eq!(h, Handled::Message(Ingested::Inserted));
    let h = s.handle_event("message_status_update", &json!({"id": "zz", "status": "read"}), T0).unwrap();
    assert_eq!(h, Handled::Status(StatusOutcome::Held));
}

#[test]
fn keys_are_unique_and_stable_across_confirmation() {
    let mut s = store();
    let c = s.add_optimistic("r", "x", Some("u1"), T0).unwrap();
    s.ingest_message(&echo("m1", "x", T0 + 5.0 * S), T0 + S).unwrap();
    let m = s.message("r", "m1").unwrap();
    assert_eq!(m.key(), c);
    assert_eq!(m.timestamp, T0 + 5.0 * S, "server time wins");
    assert!(s.message("r", &c).is_none());
    // Client ids never collide with a server id already in the store.
    let mut s = store();
    s.ingest_message(&json!({"id": "local-1", "room_id": "r"}), T0).unwrap();
    let c = s.add_optimistic("r", "x", None, T0).unwrap();
    assert_eq!(c, "local-2");
}

#[test]
fn every_field_alias_is_classified_and_nothing_else() {
    use super::model::{classify, Field::*};
    let aliases = [
        ("id", Id, 0),
        ("message_id", Id, 1),
        ("messageId", Id, 2),
        ("wamid", Id, 3),
        ("room_id", Room, 0),
        ("roomId", Room, 1),
        ("text", Text, 0),
        ("content", Text, 1),
        ("body", Text, 2),
        ("user_id", User, 0),
        ("userId", User, 1),
        ("sender_id", User, 2),
        ("senderId", User, 3),
        ("timestamp", Timestamp, 0),
        ("created_at", Timestamp, 1),
        ("createdAt", Timestamp, 2),
        ("client_id", Client, 0),
        ("clientId", Client, 1),
        ("direction", Direction, 0),
        ("status", Status, 0),
    ];
    for (key, field, rank) in aliases {
        assert_eq!(classify(key), Some((field, rank)), "{key}");
    }
    for key in ["", "i", "ID", "from", "type", "sender", "text ", "room_idx", "statuses", "created_at_", "wamids"] {
        assert!(classify(key).is_none(), "{key}");
    }
}
