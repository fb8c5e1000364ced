//! The outbox through the store's entry points, on a virtual clock: nothing is lost, order per room, idempotent.

use super::outbox::{classify_error, classify_status, retry_after_ms, Handled, OutboxState, SendResult};
use super::{MessageStore, Status, StoreEvent, StoreOptions};

const T0: f64 = 1_700_000_000_000.0;

fn store(keep_failed: bool) -> MessageStore {
    MessageStore::new(StoreOptions { keep_failed, ..StoreOptions::default() })
}

fn transient(reason: &str) -> SendResult {
    SendResult::Transient { reason: reason.into(), retry_after_ms: None }
}

fn ok() -> SendResult {
    SendResult::Ok { server_id: None }
}

fn status(s: &MessageStore, room: &str, cid: &str) -> (Status, Option<String>) {
    let m = s.message(room, cid).expect("message shown");
    (m.status, m.error().map(str::to_owned))
}

#[test]
fn a_transient_failure_waits_with_backoff_and_the_same_client_id_goes_again() {
    let mut s = store(true);
    let c = s.queue_send("r", "hola", Some("agent"), T0).unwrap();
    let first = s.poll_send(T0).expect("due at once");
    assert_eq!((first.client_id.as_str(), first.attempt, first.text.as_str()), (c.as_str(), 1, "hola"));
    assert_eq!(s.poll_send(T0), None, "one attempt at a time");
    let mut now = T0;
    let mut attempt = first.attempt;
    // Ten network failures: never failed, pending with the reason (waiting for the network), delays within
    // min(1 s·2ⁿ, 30 s) × (1 ± 0.5).
    for n in 1..=10u32 {
        let h = s.handle_send_result(&c, attempt, transient("network error"), now).unwrap();
        let Handled::WillRetry { next_attempt, .. } = h else { panic!("{h:?}") };
        let capped = (1000.0 * 2f64.powi(n as i32 - 1)).min(30_000.0);
        let delay = next_attempt - now;
        assert!(delay >= capped * 0.5 && delay <= capped * 1.5, "attempt {n}: {delay} vs {capped}");
        assert_eq!(status(&s, "r", &c), (Status::Pending, Some("network error".into())));
        assert!(s.outbox_entries()[0].is_waiting_for_network());
        assert_eq!(s.poll_send(next_attempt - 1.0), None, "not before its time");
        assert_eq!(s.poll_timeout(), Some(next_attempt));
        now = next_attempt;
        s.handle_timeout(now);
        let again = s.poll_send(now).expect("due");
        assert_eq!(again.client_id, c, "same client id every attempt");
        attempt = again.attempt;
    }
    s.drain_events();
    s.handle_send_result(&c, attempt, SendResult::Ok { server_id: Some("wamid.1".into()) }, now).unwrap();
    assert_eq!(status(&s, "r", &c), (Status::Sent, None));
    assert!(s.outbox_entries().is_empty());
    assert!(s.drain_events().contains(&StoreEvent::Sent { room_id: "r".into(), client_id: c.clone() }));
    // The echo merges into it: one message.
    let echo = crate::json::from_str(&format!(
        r#"{{"id":"wamid.1","room_id":"r","text":"hola","user_id":"agent","client_id":"{c}","timestamp":{now}}}"#
    ))
    .unwrap();
    s.ingest_message(&echo, now).unwrap();
    assert_eq!(s.message_count("r"), 1);
}

#[test]
fn sends_go_out_in_order_per_room_and_rooms_do_not_wait_for_each_other() {
    let mut s = store(true);
    let a = s.queue_send("r", "1", None, T0).unwrap();
    let b = s.queue_send("r", "2", None, T0 + 1.0).unwrap();
    let x = s.queue_send("other", "x", None, T0 + 2.0).unwrap();
    let c = s.queue_send("r", "3", None, T0 + 3.0).unwrap();
    let now = T0 + 10.0;
    let first = s.poll_send(now).unwrap();
    let second = s.poll_send(now).unwrap();
    assert_eq!((first.client_id.as_str(), second.client_id.as_str()), (a.as_str(), x.as_str()));
    assert_eq!(s.poll_send(now), None, "b waits behind a");
    // a waits for the network: b and c stay behind it, even when their time has long come.
    let Handled::WillRetry { next_attempt, .. } = s.handle_send_result(&a, 1, transient("offline"), now).unwrap()
    else {
        panic!()
    };
    assert_eq!(s.poll_send(next_attempt - 1.0), None, "a later send never overtakes a waiting one");
    let mut sent = Vec::new();
    let mut t = next_attempt;
    while let Some(req) = s.poll_send(t) {
        sent.push(req.text.clone());
        s.handle_send_result(&req.client_id, req.attempt, ok(), t).unwrap();
        t += 1.0;
    }
    assert_eq!(sent, ["1", "2", "3"]);
    for cid in [&a, &b, &c] {
        assert_eq!(status(&s, "r", cid).0, Status::Sent);
    }
}

#[test]
fn a_permanent_failure_is_kept_with_its_text_and_the_ones_behind_proceed() {
    let mut s = store(true);
    let a = s.queue_send("r", "refused", None, T0).unwrap();
    let b = s.queue_send("r", "next", None, T0).unwrap();
    let req = s.poll_send(T0).unwrap();
    let h = s.handle_send_result(&a, req.attempt, SendResult::Permanent { reason: "HTTP 422".into() }, T0).unwrap();
    assert_eq!(h, Handled::Failed { room_id: "r".into(), reason: "HTTP 422".into() });
    assert_eq!(status(&s, "r", &a), (Status::Failed, Some("HTTP 422".into())));
    assert_eq!(s.message("r", &a).unwrap().text(), "refused");
    assert_eq!(s.outbox_entries()[0].state, OutboxState::Failed);
    assert!(s.drain_events().iter().any(|e| matches!(e, StoreEvent::SendFailed { client_id, .. } if *client_id == a)));
    assert_eq!(s.poll_send(T0).unwrap().client_id, b, "the next one proceeds");
    assert_eq!(s.poll_timeout(), Some(T0 + 30_000.0), "only b's attempt timeout: a failed one waits for the user");
    s.handle_send_result(&b, 1, ok(), T0).unwrap();
    // Retry: back in the outbox, same client id, sent.
    s.retry(&a, T0 + 5.0).unwrap();
    assert_eq!(status(&s, "r", &a), (Status::Pending, None));
    let again = s.poll_send(T0 + 5.0).unwrap();
    assert_eq!((again.client_id.as_str(), again.attempt), (a.as_str(), 1));
    s.handle_send_result(&a, again.attempt, ok(), T0 + 6.0).unwrap();
    assert_eq!(status(&s, "r", &a).0, Status::Sent);
    // Discard of a failed one removes message and entry.
    let d = s.queue_send("r", "gone", None, T0 + 7.0).unwrap();
    let req = s.poll_send(T0 + 7.0).unwrap();
    s.handle_send_result(&d, req.attempt, SendResult::Permanent { reason: "HTTP 400".into() }, T0 + 7.0).unwrap();
    assert!(s.discard(&d));
    assert!(s.outbox_entries().is_empty() && s.message("r", &d).is_none());
}

#[test]
fn without_keep_failed_a_permanent_failure_removes_the_message() {
    let mut s = store(false);
    let a = s.queue_send("r", "x", None, T0).unwrap();
    s.poll_send(T0).unwrap();
    s.handle_send_result(&a, 1, SendResult::Permanent { reason: "HTTP 403".into() }, T0).unwrap();
    assert!(s.message("r", &a).is_none() && s.outbox_entries().is_empty());
}

#[test]
fn retry_after_is_a_lower_bound_and_wake_makes_waiting_sends_due_at_once() {
    let mut s = store(true);
    let a = s.queue_send("r", "x", None, T0).unwrap();
    s.poll_send(T0).unwrap();
    let h = s
        .handle_send_result(
            &a,
            1,
            SendResult::Transient { reason: "HTTP 429".into(), retry_after_ms: Some(120_000.0) },
            T0,
        )
        .unwrap();
    assert_eq!(h, Handled::WillRetry { room_id: "r".into(), next_attempt: T0 + 120_000.0 });
    assert_eq!(s.poll_send(T0 + 119_999.0), None);
    // Back online (or the socket reconnected, or the tab became visible): at once.
    s.wake_sends(T0 + 10.0);
    assert_eq!(s.poll_send(T0 + 10.0).unwrap().attempt, 2);
}

#[test]
fn an_unanswered_attempt_times_out_and_a_late_answer_still_counts_if_it_is_a_success() {
    let mut s = store(true);
    let a = s.queue_send("r", "x", None, T0).unwrap();
    s.poll_send(T0).unwrap();
    assert_eq!(s.poll_timeout(), Some(T0 + 30_000.0));
    s.handle_timeout(T0 + 30_000.0);
    assert_eq!(status(&s, "r", &a), (Status::Pending, Some("timeout".into())));
    let t = s.poll_timeout().unwrap();
    s.handle_timeout(t);
    let second = s.poll_send(t).unwrap();
    assert_eq!(second.attempt, 2);
    // The first attempt's failure comes late: stale, ignored; the second is still in flight.
    assert_eq!(s.handle_send_result(&a, 1, transient("late"), t).unwrap(), Handled::Stale);
    assert_eq!(s.outbox_entries()[0].state, OutboxState::Sending);
    // The first attempt's success comes late: the server has it, taken.
    s.handle_send_result(&a, 1, ok(), t).unwrap();
    assert_eq!(status(&s, "r", &a).0, Status::Sent);
    assert_eq!(s.handle_send_result(&a, 2, ok(), t).unwrap(), Handled::Stale);
}

#[test]
fn after_the_give_up_bound_a_waiting_send_fails_with_its_text_kept() {
    let mut s = store(true);
    let a = s.queue_send("r", "long outage", None, T0).unwrap();
    let b = s.queue_send("r", "behind", None, T0 + 1.0).unwrap();
    let mut now = T0;
    let mut attempts = 0;
    // The network stays down: attempt after attempt, about every 30 s at most, for a day.
    loop {
        s.handle_timeout(now);
        if let Some(req) = s.poll_send(now) {
            attempts += 1;
            s.handle_send_result(&req.client_id, req.attempt, transient("network error"), now).unwrap();
        }
        if s.message("r", &a).unwrap().status == Status::Failed {
            break;
        }
        now = s.poll_timeout().expect("something scheduled");
        assert!(now <= T0 + 86_400_000.0 + 1.0);
    }
    assert_eq!(status(&s, "r", &a), (Status::Failed, Some("gave up: network error".into())));
    assert_eq!(s.message("r", &a).unwrap().text(), "long outage");
    assert!(attempts > 2_000 && attempts < 6_000, "{attempts} attempts in 24 h");
    // b was made 1 ms later and never got a turn: it gives up too, a moment later.
    s.handle_timeout(T0 + 86_400_001.0);
    assert_eq!(s.message("r", &b).unwrap().status, Status::Failed);
}

#[test]
fn an_echo_of_an_earlier_attempt_confirms_a_waiting_send() {
    let mut s = store(true);
    let a = s.queue_send("r", "hola", Some("agent"), T0).unwrap();
    s.poll_send(T0).unwrap();
    // The server got it but the answer was lost.
    s.handle_send_result(&a, 1, transient("network error"), T0 + 5.0).unwrap();
    s.drain_events();
    let echo = crate::json::from_str(&format!(
        r#"{{"id":"wamid.7","room_id":"r","text":"hola","user_id":"agent","client_id":"{a}","timestamp":{T0}}}"#
    ))
    .unwrap();
    s.ingest_message(&echo, T0 + 6.0).unwrap();
    assert!(s.outbox_entries().is_empty(), "no more attempts");
    assert!(s.drain_events().contains(&StoreEvent::Sent { room_id: "r".into(), client_id: a.clone() }));
    assert_eq!(s.poll_send(T0 + 1e9), None);
    assert_eq!(s.message_count("r"), 1);
}

#[test]
fn http_statuses_and_retry_after_are_classified() {
    for (code, retryable) in [(200, None), (204, None), (408, Some(true)), (429, Some(true)), (500, Some(true))] {
        assert_eq!(classify_status(code), retryable, "{code}");
    }
    for code in [503, 599] {
        assert_eq!(classify_status(code), Some(true), "{code}");
    }
    for code in [400, 401, 403, 404, 409, 413, 422] {
        assert_eq!(classify_status(code), Some(false), "{code}");
    }
    // A sender's error: its flag wins, then its status; neither (network failure) is transient.
    assert!(!classify_error(Some(false), Some(503)));
    assert!(classify_error(Some(true), Some(400)));
    assert!(!classify_error(None, Some(422)));
    assert!(classify_error(None, Some(502)));
    assert!(classify_error(None, None));
    assert_eq!(retry_after_ms(Some(" 7 "), None, T0), Some(7000.0));
    assert_eq!(retry_after_ms(Some("Wed, 21 Oct 2015 07:28:00 GMT"), Some(T0 + 3000.0), T0), Some(3000.0));
    assert_eq!(retry_after_ms(Some("soon"), None, T0), None);
    assert_eq!(retry_after_ms(None, Some(T0), T0), None);
}

#[test]
fn entries_restored_from_storage_reappear_and_resume_with_their_client_id() {
    use super::outbox::OutboxEntry;
    let entry = |cid: &str, state| {
        OutboxEntry::new(cid.into(), "r".into(), format!("text {cid}"), Some("agent".into()), T0, 3, state, None)
    };
    let mut s = store(true);
    // Sending when the page went away: its answer was lost, so it goes again.
    assert!(s.restore_send(entry("tab1-1", OutboxState::Sending), T0 + 100.0).unwrap());
    assert!(s.restore_send(entry("tab1-2", OutboxState::Failed), T0 + 100.0).unwrap());
    assert_eq!(s.message("r", "tab1-1").unwrap().status, Status::Pending);
    assert_eq!(s.message("r", "tab1-2").unwrap().status, Status::Failed);
    // Already known: ignored (no second copy).
    s.restore_send(entry("tab1-1", OutboxState::Waiting), T0 + 100.0).unwrap();
    assert_eq!(s.message_count("r"), 2);
    let req = s.poll_send(T0 + 100.0).expect("resumes at once");
    assert_eq!((req.client_id.as_str(), req.attempt), ("tab1-1", 4));
    assert_eq!(s.poll_send(T0 + 100.0), None, "a failed one waits for Retry");
    s.handle_send_result("tab1-1", 4, ok(), T0 + 101.0).unwrap();
    assert_eq!(s.message("r", "tab1-1").unwrap().status, Status::Sent);
    // History came first with the server's copy of a saved send: delivered, not restored (no duplicate).
    let delivered = crate::json::from_str(&format!(
        r#"{{"id":"wamid.3","room_id":"r","text":"text tab1-3","user_id":"agent","client_id":"tab1-3","timestamp":{T0}}}"#
    ))
    .unwrap();
    s.merge_history("r", &[delivered], false, T0 + 102.0).unwrap();
    assert!(!s.restore_send(entry("tab1-3", OutboxState::Waiting), T0 + 103.0).unwrap());
    assert_eq!(s.message_count("r"), 3);
    assert_eq!(s.poll_send(T0 + 103.0), None);
    // A record that is not one changes nothing.
    let before = s.clone();
    let bad = OutboxEntry::new("x".into(), "".into(), "t".into(), None, T0, 0, OutboxState::Waiting, None);
    assert!(s.restore_send(bad, T0).is_err());
    assert_eq!(s, before);
}

#[test]
fn states_read_back_what_they_write() {
    for state in [OutboxState::Waiting, OutboxState::Sending, OutboxState::Failed] {
        assert_eq!(OutboxState::parse(state.as_str()), Some(state));
    }
    assert_eq!(OutboxState::parse("sent"), None);
}

#[test]
fn a_restored_entry_keeps_its_attempt_count_and_backoff() {
    use super::outbox::OutboxEntry;
    let mut s = store(true);
    let c = s.queue_send("r", "hola", Some("agent"), T0).unwrap();
    let mut now = T0;
    for _ in 0..3 {
        let req = s.poll_send(now).expect("due");
        s.handle_send_result(&c, req.attempt, transient("network error"), now).unwrap();
        now = s.outbox_entries()[0].next_attempt;
    }
    // What the page saved after the third failure, read back by the next page.
    let saved = s.outbox_entries()[0].clone();
    assert_eq!(saved.attempts, 3);
    let mut entry = OutboxEntry::new(
        saved.client_id.clone(),
        saved.room_id.clone(),
        saved.text.clone(),
        saved.user_id.clone(),
        saved.created,
        saved.attempts,
        saved.state,
        saved.last_error.clone(),
    );
    entry.next_attempt = saved.next_attempt;
    let reload = saved.next_attempt - 500.0;
    let mut next = store(true);
    next.restore_send(entry, reload).unwrap();
    assert_eq!(next.poll_send(reload), None, "the backoff outlives the reload");
    let req = next.poll_send(saved.next_attempt).expect("due when it was");
    assert_eq!(req.attempt, 4, "the count goes on (the give-up bound and the backoff grow from it)");
}
