//! The resync lifecycle on a virtual clock: which rooms resync after which (re)connect, from when, and what a page
//! does to the store.

use super::{MessageStore, Resync, ResyncError, ResyncRequest, StoreOptions};
use crate::json::Value;

const T0: f64 = 1_700_000_000_000.0;
/// The default `resync_overlap_ms`.
const OVERLAP: f64 = 60_000.0;

/// A store with its resync lifecycle, attached to a client that is not connected yet, and the clock.
struct Inbox {
    store: MessageStore,
    resync: Resync,
    now: f64,
}

fn message(room: &str, id: &str, ts: f64) -> Value {
    json!({"id": id, "room_id": room, "text": id, "timestamp": ts})
}

fn requests(list: &[(&str, f64)]) -> Vec<ResyncRequest> {
    list.iter().map(|(room, since)| ResyncRequest { room_id: (*room).to_owned(), since: *since }).collect()
}

impl Inbox {
    fn new() -> Inbox {
        let mut resync = Resync::default();
        resync.handle_attached(false);
        Inbox { store: MessageStore::new(StoreOptions::default()), resync, now: T0 + 1_000.0 }
    }

    /// A live message stamped `ts`, arriving one second later on the clock.
    fn live(&mut self, room: &str, id: &str, ts: f64) {
        self.now += 1_000.0;
        self.store.ingest_message(&message(room, id, ts), self.now).unwrap();
    }

    fn connected(&mut self, recovered: bool) {
        self.now += 1_000.0;
        self.resync.handle_connected(recovered, &self.store);
    }

    fn rejoined(&mut self, rooms: &[&str]) {
        self.now += 100.0;
        let rooms: Vec<String> = rooms.iter().map(|r| (*r).to_owned()).collect();
        self.resync.handle_rooms_rejoined(&rooms);
    }

    /// A (re)connect whose joins of `rooms` the server acked at once: the requests it made.
    fn connect_and_rejoin(&mut self, recovered: bool, rooms: &[&str]) -> Vec<ResyncRequest> {
        self.connected(recovered);
        self.rejoined(rooms);
        self.poll()
    }

    /// Every request ready now, as the binding drains them.
    fn poll(&mut self) -> Vec<ResyncRequest> {
        std::iter::from_fn(|| self.resync.poll_resync()).collect()
    }

    fn page(&mut self, request: &ResyncRequest, page: Result<&[Value], &str>) -> Result<usize, ResyncError> {
        self.now += 500.0;
        let page = page.map_err(str::to_owned);
        self.resync.handle_resync_page(request, page, &mut self.store, self.now).map(|report| report.added)
    }

    fn ids(&self, room: &str) -> Vec<String> {
        self.store.messages(room).map(|m| m.id().to_owned()).collect()
    }

    /// A room shown from the device's copy (as the hooks do on a reload: before or after the socket connected).
    fn restore(&mut self, room: &str, copy: &[Value], connected: bool) {
        self.store.restore_cached(room, copy, self.now).unwrap();
        self.resync.resync_cached(room, connected, &self.store);
    }
}

/// An inbox connected once, in rooms a (newest message T0 + 1) and b (T0 + 2).
fn connected_inbox() -> Inbox {
    let mut inbox = Inbox::new();
    inbox.connected(false);
    inbox.rejoined(&["a", "b"]);
    inbox.live("a", "a1", T0 + 1.0);
    inbox.live("b", "b1", T0 + 2.0);
    inbox
}

#[test]
fn the_first_connect_never_resyncs() {
    let mut inbox = Inbox::new();
    inbox.live("a", "a1", T0);
    assert_eq!(inbox.connect_and_rejoin(false, &["a"]), []);
    // Attached to a client that was connected already: its next connect is a reconnect.
    let mut late = Inbox::new();
    late.resync.handle_attached(true);
    late.live("a", "a1", T0);
    assert_eq!(late.connect_and_rejoin(false, &["a"]), requests(&[("a", T0 - OVERLAP)]));
}

#[test]
fn an_unrecovered_reconnect_resyncs_every_rejoined_room_once_from_where_it_stood_at_the_connect_and_rejoin() {
    let mut inbox = connected_inbox();
    inbox.live("inbox-only", "x1", T0 + 3.0); // in the store (an inbox_message) but never joined
    inbox.connected(false);
    assert_eq!(inbox.poll(), [], "nothing before the server acked the joins");
    // A live event of the new session between the reconnect and the acks (an `inbox_message` reaches every socket):
    // it does not move a's start past the gap.
    inbox.live("a", "a-live", T0 + 300_000.0);
    inbox.rejoined(&["a", "b", "empty"]);
    let due = inbox.poll();
    assert_eq!(due, requests(&[("a", T0 + 1.0 - OVERLAP), ("b", T0 + 2.0 - OVERLAP), ("empty", 0.0)]));
    // The pages: overlapping what the store has, and what was sent during the outage.
    let page_a = [message("a", "a1", T0 + 1.0), message("a", "a-missed", T0 + 100.0)];
    assert_eq!(inbox.page(&due[0], Ok(&page_a)), Ok(1));
    assert_eq!(inbox.page(&due[1], Ok(&[])), Ok(0));
    assert_eq!(inbox.page(&due[2], Ok(&[message("empty", "e1", T0)])), Ok(1));
    assert_eq!(inbox.ids("a"), ["a1", "a-missed", "a-live"], "merged with dedup, in order");
    assert_eq!(inbox.ids("empty"), ["e1"]);
    assert_eq!(inbox.resync.in_flight_count(), 0);
    // Once: a later ack of the same joins owes nothing.
    inbox.rejoined(&["a", "b", "empty"]);
    assert_eq!(inbox.poll(), []);
}

#[test]
fn a_recovered_reconnect_owes_nothing() {
    let mut inbox = connected_inbox();
    assert_eq!(inbox.connect_and_rejoin(true, &["a", "b"]), []);
}

#[test]
fn a_room_shown_from_the_copy_resyncs_once_from_its_newest_cached_message_after_its_join() {
    let copy = [message("r", "c1", T0), message("r", "c2", T0 + 7.0)];
    let mut inbox = Inbox::new();
    // A reload: the copy is shown before the socket connected.
    inbox.restore("r", &copy, false);
    assert_eq!(inbox.poll(), [], "not before the join is acked");
    inbox.connected(false);
    // Live news before the ack does not move the start either.
    inbox.live("r", "live", T0 + 900_000.0);
    inbox.rejoined(&["r"]);
    let due = inbox.poll();
    assert_eq!(due, requests(&[("r", T0 + 7.0 - OVERLAP)]));
    assert_eq!(inbox.page(&due[0], Ok(&[message("r", "c2", T0 + 7.0), message("r", "meanwhile", T0 + 8.0)])), Ok(1));
    assert_eq!(inbox.ids("r"), ["c1", "c2", "meanwhile", "live"]);
    assert!(inbox.store.messages("r").all(|m| !m.cached || m.id() == "c1"), "sent again: no longer only the copy");
    inbox.rejoined(&["r"]);
    assert_eq!(inbox.poll(), [], "once");
}

#[test]
fn a_room_shown_from_the_copy_while_connected_resyncs_at_once_and_not_again() {
    let mut inbox = connected_inbox();
    inbox.restore("r", &[message("r", "c1", T0 + 5.0)], true);
    let due = inbox.poll();
    assert_eq!(due, requests(&[("r", T0 + 5.0 - OVERLAP)]));
    assert_eq!(inbox.page(&due[0], Ok(&[])), Ok(0));
    // A recovered reconnect re-joins it: nothing more was owed.
    assert_eq!(inbox.connect_and_rejoin(true, &["a", "b", "r"]), []);
}

#[test]
fn a_room_shown_from_the_copy_between_a_reconnect_and_its_rejoin_resyncs_again_after_it() {
    let mut inbox = connected_inbox();
    inbox.connected(false);
    // Connected, but the server has not acked the re-joins yet: the page asked now may miss what is published
    // before the join, so the room resyncs once more after the ack, from the same point (not from 0).
    inbox.restore("r", &[message("r", "c1", T0 + 5.0)], true);
    assert_eq!(inbox.poll(), requests(&[("r", T0 + 5.0 - OVERLAP)]));
    inbox.rejoined(&["a", "r"]);
    assert_eq!(inbox.poll(), requests(&[("a", T0 + 1.0 - OVERLAP), ("r", T0 + 5.0 - OVERLAP)]));
}

#[test]
fn a_second_reconnect_before_the_first_page_came_back_resyncs_from_the_first_start() {
    let mut inbox = connected_inbox();
    let first = inbox.connect_and_rejoin(false, &["a", "b"]);
    assert_eq!(first.len(), 2);
    // The pages are still on their way when news arrives and the connection is lost again.
    inbox.live("a", "a-live", T0 + 500_000.0);
    let second = inbox.connect_and_rejoin(false, &["a", "b"]);
    // The first pages may be lost with the connection: the second resync reaches back as far.
    assert_eq!(second, requests(&[("a", T0 + 1.0 - OVERLAP), ("b", T0 + 2.0 - OVERLAP)]));
    assert_eq!(inbox.resync.in_flight_count(), 4);
    // The first page of a failed; the second brings what was missed; b's first page comes late and adds nothing.
    assert!(matches!(inbox.page(&first[0], Err("rejected: TypeError: Failed to fetch")),
        Err(ResyncError::LoaderFailed { room_id, .. }) if room_id == "a"));
    assert_eq!(inbox.page(&second[0], Ok(&[message("a", "a-missed", T0 + 9.0)])), Ok(1));
    assert_eq!(inbox.page(&second[1], Ok(&[message("b", "b-missed", T0 + 9.0)])), Ok(1));
    assert_eq!(inbox.page(&first[1], Ok(&[message("b", "b-missed", T0 + 9.0)])), Ok(0));
    assert_eq!(inbox.ids("a"), ["a1", "a-missed", "a-live"]);
    assert_eq!(inbox.resync.in_flight_count(), 0);
}

#[test]
fn reconnects_before_the_rejoin_keep_the_first_start_recovered_or_not() {
    let mut inbox = connected_inbox();
    inbox.connected(false);
    // Lost again before the acks, twice; each session's news moved a's newest message.
    inbox.live("a", "a-live", T0 + 500_000.0);
    inbox.connected(false);
    inbox.live("a", "a-later", T0 + 600_000.0);
    assert_eq!(
        inbox.connect_and_rejoin(true, &["a", "b"]),
        requests(&[("a", T0 + 1.0 - OVERLAP), ("b", T0 + 2.0 - OVERLAP)])
    );
}

#[test]
fn a_failed_page_is_reported_and_changes_nothing() {
    let mut inbox = connected_inbox();
    let due = inbox.connect_and_rejoin(false, &["a"]);
    let before = inbox.store.clone();
    let failed = inbox.page(&due[0], Err("threw: Error: HTTP 503")).unwrap_err();
    assert_eq!(failed.to_string(), "resync(a) threw: Error: HTTP 503");
    assert_eq!(inbox.store, before);
    assert_eq!(inbox.resync.in_flight_count(), 0);
}

#[test]
fn invalid_items_of_a_page_are_reported_and_the_rest_merged() {
    let mut inbox = connected_inbox();
    let due = inbox.connect_and_rejoin(false, &["a"]);
    let page = [json!("not a message"), message("b", "other-room", T0), message("a", "a2", T0 + 5.0)];
    let report = inbox.page(&due[0], Ok(&page));
    assert_eq!(report, Err(ResyncError::InvalidItems { room_id: "a".into(), count: 2 }));
    assert_eq!(inbox.ids("a"), ["a1", "a2"]);
    assert!(inbox.store.has_more("a"), "a resync leaves has_more as it was");
    // A request the store refuses as a whole (an invalid room id) is reported too.
    let bad = ResyncRequest { room_id: String::new(), since: 0.0 };
    assert!(matches!(inbox.page(&bad, Ok(&[])), Err(ResyncError::Store { .. })));
}

#[test]
fn rooms_left_before_the_rejoin_are_not_resynced() {
    let mut inbox = connected_inbox();
    inbox.restore("cached", &[message("cached", "c1", T0)], false);
    inbox.connected(false);
    // b and the cached room were left before the server acked the joins.
    inbox.rejoined(&["a"]);
    assert_eq!(inbox.poll(), requests(&[("a", T0 + 1.0 - OVERLAP)]));
    // Joined again later: what they were owed was dropped (whoever joins them loads them).
    assert_eq!(inbox.connect_and_rejoin(true, &["a", "b", "cached"]), []);
}

#[test]
fn without_a_loader_ready_requests_are_dropped() {
    let mut inbox = connected_inbox();
    inbox.connected(false);
    inbox.rejoined(&["a", "b"]);
    inbox.resync.discard_ready();
    assert_eq!(inbox.poll(), []);
    assert_eq!(inbox.resync.in_flight_count(), 0);
    assert_eq!(inbox.connect_and_rejoin(true, &["a", "b"]), []);
}

#[test]
fn requests_not_handed_out_before_a_reconnect_wait_for_its_rejoin() {
    let mut inbox = connected_inbox();
    inbox.connected(false);
    inbox.rejoined(&["a"]);
    // Lost again before the binding ran the loader: the request must follow the new session's join ack.
    inbox.connected(true);
    assert_eq!(inbox.poll(), []);
    inbox.rejoined(&["a"]);
    assert_eq!(inbox.poll(), requests(&[("a", T0 + 1.0 - OVERLAP)]));
}
