//! When a room resyncs through the app's history loader, and from when: a sans-IO state machine next to the
//! [`MessageStore`] (it reads the store's [`resync_since`](MessageStore::resync_since) and merges the pages).
//!
//! A room resyncs once:
//! - after a reconnect the server did not recover (restart, long outage, no recovery support): every room the
//!   server re-joins, from where the store stood AT THE RECONNECT. Live events of the new session (an
//!   `inbox_message` reaches every socket before its joins are acked) would move a later start past the gap;
//! - after it was shown from the device's copy: from its newest cached server message.
//!
//! Both wait for the server to ack the room's join: a page fetched before it could miss a message published
//! between the fetch and the join. A resync owed stays owed until that ack: a second reconnect before it (or before
//! a page came back, which the lost connection may have taken with it) only moves the start earlier, never later.
//!
//! Drive it like the store: feed [`handle_connected`](Resync::handle_connected),
//! [`handle_rooms_rejoined`](Resync::handle_rooms_rejoined) and [`resync_cached`](Resync::resync_cached), then
//! drain [`poll_resync`](Resync::poll_resync): run the loader for each request and hand its page back with
//! [`handle_resync_page`](Resync::handle_resync_page).

use thiserror::Error;

use crate::index_map::FastMap;
use crate::json::Value;

use super::error::StoreError;
use super::outcome::HistoryReport;
use super::store::MessageStore;

/// One call of the app's loader: `room_id`'s messages from `since` (ms) on.
#[derive(Debug, Clone, PartialEq)]
pub struct ResyncRequest {
    /// The room to fetch.
    pub room_id: String,
    /// Where the page starts (ms); early on purpose, the merge drops what the store already has.
    pub since: f64,
}

/// Why a resync left a room possibly short of what was sent during the outage: report it to the app.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ResyncError {
    /// The loader threw or rejected (`reason` says which, and with what); nothing was merged.
    #[error("resync({room_id}) {reason}")]
    LoaderFailed {
        /// The room of the request.
        room_id: String,
        /// How it failed, as the binding saw it.
        reason: String,
    },
    /// Items of the page were not messages of the room; they were skipped, the rest was merged.
    #[error("resync({room_id}): {count} invalid messages skipped")]
    InvalidItems {
        /// The room of the request.
        room_id: String,
        /// How many were skipped.
        count: usize,
    },
    /// The store refused the page as a whole (an invalid room id or `now`); nothing was merged.
    #[error("resync({room_id}): {error}")]
    Store {
        /// The room of the request.
        room_id: String,
        /// The store's reason.
        error: StoreError,
    },
}

/// The resync lifecycle of one store attached to one client.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Resync {
    /// The attached client connected before: its next connect is a reconnect.
    connected_before: bool,
    /// An unrecovered reconnect's resync waits for the re-join: then every re-joined room resyncs, those not in
    /// `after_rejoin` (nothing in the store at the reconnect) from 0.
    every_room: bool,
    /// Per room, where its resync starts once the server acked its join.
    after_rejoin: FastMap<String, f64>,
    /// Requests to hand out, one per room, in the order the rooms came.
    ready: Vec<ResyncRequest>,
    /// Requests handed out whose page has not come back.
    in_flight: Vec<ResyncRequest>,
}

impl Resync {
    /// Attached to a client; `connected`: it is connected already, so its next connect is a reconnect.
    pub fn handle_attached(&mut self, connected: bool) {
        self.connected_before = connected;
    }

    /// The client (re)connected; `recovered`: the server replayed what was missed, so nothing new is owed. Call it
    /// before the new session's events reach the store (the starts are taken from the store as it is now).
    pub fn handle_connected(&mut self, recovered: bool, store: &MessageStore) {
        let reconnect = std::mem::replace(&mut self.connected_before, true);
        // Not handed out yet: they go after this session's joins instead.
        for request in std::mem::take(&mut self.ready) {
            owe(&mut self.after_rejoin, &request.room_id, request.since);
        }
        if !reconnect || recovered {
            return;
        }
        self.every_room = true;
        // A page still on its way may be lost with the connection: the next one reaches back as far.
        for request in &self.in_flight {
            owe(&mut self.after_rejoin, &request.room_id, request.since);
        }
        for room in store.room_ids() {
            owe(&mut self.after_rejoin, room, store.resync_since(room));
        }
    }

    /// The server acked the joins of `rooms` (every room the client is in) after a (re)connect: each one owed a
    /// resync gets it now, in this order. What was owed to rooms not among them is dropped: they were left (a room
    /// joined again is loaded, or `resync_cached` again, by whoever joins it).
    pub fn handle_rooms_rejoined(&mut self, rooms: &[String]) {
        let every_room = std::mem::take(&mut self.every_room);
        let mut owed = std::mem::take(&mut self.after_rejoin);
        for room in rooms {
            if let Some(since) = owed.remove(room.as_str()).or(every_room.then_some(0.0)) {
                self.push_ready(room, since);
            }
        }
    }

    /// `room` was just shown from the device's copy: it resyncs once from the store's `resync_since` now (its newest
    /// cached server message, less the overlap). At once when `connected` (its join was acked already), else once
    /// the server acks it. At once and again after the re-join when an unrecovered reconnect's re-join is still to
    /// come: the first page may have been fetched before the server had us in the room.
    pub fn resync_cached(&mut self, room: &str, connected: bool, store: &MessageStore) {
        let mut since = store.resync_since(room);
        if !connected || self.every_room {
            owe(&mut self.after_rejoin, room, since);
        } else if let Some(owed) = self.after_rejoin.remove(room) {
            // This request covers what was left waiting for a join ack, from the earlier start.
            since = since.min(owed);
        }
        if connected {
            self.push_ready(room, since);
        }
    }

    /// The next request for the loader, now counted in flight: answer it with
    /// [`handle_resync_page`](Self::handle_resync_page). `None` when nothing is ready; ask again after every input.
    pub fn poll_resync(&mut self) -> Option<ResyncRequest> {
        if self.ready.is_empty() {
            return None;
        }
        let request = self.ready.remove(0);
        self.in_flight.push(request.clone());
        Some(request)
    }

    /// No loader to run them: the requests ready are dropped (resync is off), not kept for a loader set later.
    pub fn discard_ready(&mut self) {
        self.ready.clear();
    }

    /// The loader's answer to `request`: the page's messages (any order), or why it failed. The page is merged with
    /// dedup; the room's `has_more` stays as it was (a resync fills the newest end, not older history). `Err` is
    /// what to report to the app.
    pub fn handle_resync_page(
        &mut self,
        request: &ResyncRequest,
        page: Result<&[Value], String>,
        store: &mut MessageStore,
        now: f64,
    ) -> Result<HistoryReport, ResyncError> {
        if let Some(index) = self.in_flight.iter().position(|r| r == request) {
            self.in_flight.remove(index);
        }
        let room_id = &request.room_id;
        let items = page.map_err(|reason| ResyncError::LoaderFailed { room_id: room_id.clone(), reason })?;
        let has_more = store.has_more(room_id);
        let report = store
            .merge_history(room_id, items, has_more, now)
            .map_err(|error| ResyncError::Store { room_id: room_id.clone(), error })?;
        match report.rejected.len() {
            0 => Ok(report),
            count => Err(ResyncError::InvalidItems { room_id: room_id.clone(), count }),
        }
    }

    /// Requests handed out whose page has not come back (diagnostics).
    pub fn in_flight_count(&self) -> usize {
        self.in_flight.len()
    }

    /// One request per room: a second reason to resync a room before the loader ran only moves its start earlier.
    fn push_ready(&mut self, room: &str, since: f64) {
        match self.ready.iter_mut().find(|r| r.room_id == room) {
            Some(ready) => ready.since = ready.since.min(since),
            None => self.ready.push(ResyncRequest { room_id: room.to_owned(), since }),
        }
    }
}

/// `room` resyncs after its next join ack (`after_rejoin`), from `since` or earlier.
fn owe(after_rejoin: &mut FastMap<String, f64>, room: &str, since: f64) {
    let owed = after_rejoin.get_or_insert_with(room.to_owned(), || since);
    *owed = owed.min(since);
}
