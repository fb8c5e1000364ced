//! The [`MessageStore`] facade: every entry point the wasm layer calls, built from the per-concept parts.

use std::sync::Arc;

use crate::index_map::FastMap;
use crate::json::Value;

use super::changes::{typing_names, write_room_state, write_summaries, ChangeBatch, RoomState};
use super::error::StoreError;
use super::events::{EventQueue, StoreEvent};
use super::extra::Extra;
use super::fields::{check_id, check_len, id_value};
use super::held::HeldUpdates;
use super::message_json::parse_message;
use super::message_json::parse_message_json;
use super::model::{parse_status_update, Direction, Message, NewMessage, ParsedMessage, Status};
use super::optimistic::{Entry, Optimistic, SendState};
use super::options::StoreOptions;
use super::outbox::{Handled as OutboxHandled, Outbox, OutboxEntry, SendRequest, SendResult};
use super::outcome::{Handled, HistoryReport, Ingested, RetryInfo, RoomSummary, StatusOutcome};
use super::room::{id_hash, Messages, Room};
use super::typing::{parse_typing, Typing, TypingUser};

/// The client-side message store of the inbox: rooms of ordered messages, optimistic sends, delivery ticks,
/// typing indicators, unread counts and change notifications.
///
/// Sans-IO: no clock, no randomness, no JS calls. `now` (milliseconds since the Unix epoch, non-decreasing) is an
/// argument of every method that needs time; after any call, drain [`poll_event`](Self::poll_event) and re-arm a timer
/// for [`poll_timeout`](Self::poll_timeout), calling [`handle_timeout`](Self::handle_timeout) when it fires.
///
/// Contracts shared by all entry points:
/// - a method returning `Err` leaves the store exactly as it was (no partial change, no event);
/// - an event for a room never seen creates that room (the server decides what this client receives);
/// - message ids are unique per room; a status update without `room_id` is applied in the first room holding
///   its id (each room's index is asked), which assumes ids are globally unique (true of WhatsApp `wamid`s and
///   database keys).
#[derive(Debug, Clone, PartialEq)]
pub struct MessageStore {
    opts: StoreOptions,
    rooms: FastMap<String, Room>,
    optimistic: Optimistic,
    /// Sends not yet accepted by the server (made with `queue_send`), retried until they are.
    outbox: Outbox,
    held: HeldUpdates,
    typing: Typing,
    events: EventQueue,
    /// Rooms changed since [`take_changes`](Self::take_changes) last ran, in the order they first changed.
    changed: Vec<Arc<str>>,
    /// Rooms a view watches that do not exist yet: watched from the moment they appear.
    watch_later: Vec<String>,
    /// Whether a view shows the inbox list (then changed rooms' summaries are in each batch).
    inbox_watched: bool,
}

impl Default for MessageStore {
    fn default() -> Self {
        MessageStore::new(StoreOptions::default())
    }
}

fn check_now(now: f64) -> Result<(), StoreError> {
    if now.is_finite() && now >= 0.0 {
        Ok(())
    } else {
        Err(StoreError::InvalidNow)
    }
}

/// Identities a message's sender may have in a typing indicator: `user_id` (agents), or the server's `from` /
/// `sender` fields (string, integer, or object with `id`/`name`), which is how customer messages name the customer.
fn sender_ids(m: &Message) -> Vec<String> {
    let mut ids: Vec<String> = m.user_id().iter().map(|u| u.to_string()).collect();
    // Parsed once for both fields.
    let extra = m.extra().to_map();
    for k in ["from", "sender"] {
        match extra.get(k) {
            Some(Value::Object(o)) => {
                for f in ["id", "name"] {
                    if let Some(s) = o.get(f).and_then(|v| id_value(v, "user", usize::MAX).ok()) {
                        ids.push(s);
                    }
                }
            }
            Some(v) => ids.extend(id_value(v, "user", usize::MAX).ok()),
            None => {}
        }
    }
    ids
}

/// A history or saved item of `room_id`: a valid message that names no other room. Not inlined: one copy of the
/// parser serves history and the device copy (96 B of .wasm gzip).
#[inline(never)]
fn parse_page_item<'a>(
    item: &'a Value,
    room_id: &str,
    opts: &StoreOptions,
    now: f64,
) -> Result<ParsedMessage<'a>, StoreError> {
    let p = parse_message(item, opts, now)?;
    match p.room_id.as_deref() {
        Some(r) if r != room_id => Err(StoreError::RoomMismatch { expected: room_id.to_owned(), found: r.to_owned() }),
        _ => Ok(p),
    }
}

impl MessageStore {
    /// An empty store.
    pub fn new(opts: StoreOptions) -> Self {
        MessageStore {
            outbox: Outbox::new(opts.outbox.clone(), opts.outbox_seed),
            opts,
            rooms: FastMap::default(),
            optimistic: Optimistic::default(),
            held: HeldUpdates::default(),
            typing: Typing::default(),
            events: EventQueue::default(),
            changed: Vec::new(),
            watch_later: Vec::new(),
            inbox_watched: false,
        }
    }

    /// The options the store was built with.
    pub fn options(&self) -> &StoreOptions {
        &self.opts
    }

    // ---- internal helpers -------------------------------------------------------------------------------------

    fn room_mut(&mut self, room: &str) -> &mut Room {
        // Not `entry(room.to_owned())`: that allocates on every call, and rooms are created once.
        let watch_later = &mut self.watch_later;
        self.rooms.get_mut_or_insert(room, || {
            let mut r = Room::new(Arc::from(room));
            if let Some(i) = watch_later.iter().position(|w| w == room) {
                watch_later.swap_remove(i);
                // The view was shown an empty room, with nobody typing (typing creates the room first).
                r.watch(Vec::new());
            }
            (room.to_owned(), r)
        })
    }

    /// The room's shared id string (creating the room), for a message's `room_id`.
    fn room_name(&mut self, room: &str) -> Arc<str> {
        self.room_mut(room).name.clone()
    }

    /// The room holding a message with this id (the first found if several do), for the rare status update that
    /// does not name its room: one probe of each room's index. No store-wide id index is kept for it; that index
    /// cost 39 bytes per message (native, counting allocator) to speed up a case the server avoids by sending
    /// `room_id`.
    fn room_of(&self, id: &str) -> Option<&Arc<str>> {
        let h = id_hash(id);
        self.rooms.iter().find(|(_, r)| r.contains_hashed(h, id)).map(|(_, r)| &r.name)
    }

    /// Bumps the room's version and lists it among the changed ones (once until the changes are taken); returns
    /// its shared id.
    fn bump(&mut self, room: &str) -> Arc<str> {
        let r = self.room_mut(room);
        r.version += 1;
        let name = r.name.clone();
        if !std::mem::replace(&mut r.dirty, true) {
            self.changed.push(name.clone());
        }
        name
    }

    /// Bumps the room's version and queues `RoomChanged`.
    fn touch(&mut self, room: &str) {
        let room_id = self.bump(room);
        self.events.push(StoreEvent::RoomChanged { room_id });
    }

    fn touch_typing(&mut self, room: &str) {
        let room_id = self.bump(room);
        self.events.push(StoreEvent::TypingChanged { room_id });
    }

    fn room_insert(&mut self, m: Message) {
        let room_id = m.room_id.clone();
        self.room_mut(&room_id).insert(m);
        self.evict(&room_id);
    }

    fn room_remove(&mut self, room: &str, id: &str) -> Option<Message> {
        self.rooms.get_mut(room)?.remove(id)
    }

    /// Applies `f` to a message; `f` tells whether it changed anything, and so does the result.
    fn room_update(&mut self, room: &str, id: &str, f: impl FnOnce(&mut Message) -> bool) -> bool {
        self.rooms.get_mut(room).is_some_and(|r| r.update(id, f))
    }

    /// Enforces `max_messages_per_room`: evicts the oldest messages, never an unconfirmed optimistic one.
    fn evict(&mut self, room: &str) {
        let Some(cap) = self.opts.max_messages_per_room else { return };
        loop {
            let Some(r) = self.rooms.get_mut(room) else { return };
            if r.len() <= cap {
                return;
            }
            let opt = &self.optimistic;
            let Some(id) = r.oldest_evictable(|m| opt.is_unconfirmed(m.id())) else { return };
            self.room_remove(room, &id);
            self.room_mut(room).has_more = true;
        }
    }

    /// Hides the typing indicator of whoever sent `m`.
    fn hide_typing_of_sender(&mut self, room: &str, m: &Message) {
        // Nobody typing (the common case): no need to work out who the sender is.
        if self.typing.is_empty() {
            return;
        }
        let mut changed = false;
        for id in sender_ids(m) {
            changed |= self.typing.stop(room, &id);
        }
        if changed {
            self.touch_typing(room);
        }
    }

    // ---- messages ---------------------------------------------------------------------------------------------

    /// Ingests a `new_message` payload (see the crate docs of [`store`](super) for accepted fields and aliases).
    ///
    /// Resolution order: a message with the same `id` in the room is merged (fields it carries overwrite, `extra` is
    /// merged, status never regresses); otherwise it replaces an unconfirmed optimistic send identified by its
    /// `client_id`, else by the server id given to [`mark_sent`](Self::mark_sent), else (only when it has no
    /// `client_id` and is outgoing) by the oldest send with the same room, user and text within `match_window_ms`;
    /// otherwise it is inserted. A held status update for its id is applied. A live message hides its sender's
    /// typing indicator.
    ///
    /// Defaults: `status` = `sent`; `direction` = outgoing if `user_id` present else incoming; `timestamp` = `now`;
    /// `text` = `""`.
    pub fn ingest_message(&mut self, payload: &Value, now: f64) -> Result<Ingested, StoreError> {
        check_now(now)?;
        let p = parse_message(payload, &self.opts, now)?;
        let room = p.room_id.clone().ok_or(StoreError::MissingField("room_id"))?;
        Ok(self.ingest_parsed(&room, p, now, true))
    }

    /// [`ingest_message`](Self::ingest_message) of a payload given as JSON text, without building a [`Value`] of
    /// it: the per-message path. Text that is not valid JSON is [`StoreError::NotAnObject`].
    pub fn ingest_message_json(&mut self, payload_json: &str, now: f64) -> Result<Ingested, StoreError> {
        check_now(now)?;
        let p = parse_message_json(payload_json, &self.opts, now)?;
        let room = p.room_id.clone().ok_or(StoreError::MissingField("room_id"))?;
        Ok(self.ingest_parsed(&room, p, now, true))
    }

    fn ingest_parsed(&mut self, room: &str, p: ParsedMessage, now: f64, live: bool) -> Ingested {
        if self.room_mut(room).contact.offer(&p.extra, p.timestamp.unwrap_or(now)) {
            // Usually the message changes the room too; a renamed contact alone must also reach the inbox list.
            self.touch(room);
        }
        if let Some(existing) = self.rooms.get(room).and_then(|r| r.get(&p.id)) {
            if existing.key() == p.id && self.optimistic.is_unconfirmed(&p.id) {
                // The server uses our client id as its id.
                let cid = p.id.clone();
                return self.replace_optimistic(room, &cid, p, now, live);
            }
            return self.merge_existing(room, p, now);
        }
        let cid = self.optimistic.find_confirmed(room, &p, now, self.opts.match_window_ms);
        if let Some(cid) = cid {
            return self.replace_optimistic(room, &cid, p, now, live);
        }
        let status = p.status.unwrap_or(Status::Sent);
        let status = self.held.take(&p.id).map_or(status, |h| status.advanced_by(h));
        let direction = p.direction();
        let m = NewMessage {
            id: &p.id,
            key: None,
            room_id: self.room_name(room),
            text: p.text.as_deref().unwrap_or_default(),
            user_id: p.user_id.as_deref(),
            direction,
            status,
            timestamp: p.timestamp.unwrap_or(now),
            client_id: p.client_id.as_deref(),
            error: None,
            extra: &p.extra,
        }
        .build();
        if live {
            self.hide_typing_of_sender(room, &m);
        }
        self.room_insert(m);
        self.touch(room);
        Ingested::Inserted
    }

    fn replace_optimistic(&mut self, room: &str, cid: &str, p: ParsedMessage, now: f64, live: bool) -> Ingested {
        let old = self.room_remove(room, cid);
        // What the server already told us about this send (mark_sent, status updates by server id) is kept; a
        // local `failed` is only our guess and the echo proves it wrong.
        let base = match old.as_ref().map(|o| o.status) {
            Some(s @ (Status::Sent | Status::Delivered | Status::Read)) => s,
            _ => Status::Pending,
        };
        let mut status = base.advanced_by(p.status.unwrap_or(Status::Sent));
        if let Some(h) = self.held.take(&p.id) {
            status = status.advanced_by(h);
        }
        let (old_text, old_user, old_ts, mut extra) = match &old {
            Some(o) => (o.text(), o.user_id(), o.timestamp, o.extra()),
            None => ("", None, now, Extra::new()),
        };
        let direction = p.direction.unwrap_or(Direction::Outgoing);
        extra.merge(p.extra);
        let m = NewMessage {
            // The server may use our client id as its id.
            id: &p.id,
            key: Some(cid),
            room_id: self.room_name(room),
            text: p.text.as_deref().unwrap_or(old_text),
            user_id: p.user_id.as_deref().or(old_user),
            direction,
            status,
            // Server time wins; without one, keep the optimistic position.
            timestamp: p.timestamp.unwrap_or(old_ts),
            client_id: Some(cid),
            error: None,
            extra: &extra,
        }
        .build();
        self.optimistic.confirm(cid, now + self.opts.pending_timeout_ms);
        self.outbox_delivered(room, cid);
        if live {
            self.hide_typing_of_sender(room, &m);
        }
        self.room_insert(m);
        self.touch(room);
        Ingested::ReplacedOptimistic { client_id: cid.to_owned() }
    }

    fn merge_existing(&mut self, room: &str, p: ParsedMessage, now: f64) -> Ingested {
        let held = self.held.take(&p.id);
        // A redelivery that carries the client id of a still-unconfirmed send (its first delivery did not match):
        // the optimistic copy is a duplicate and goes.
        let resolves =
            p.client_id.clone().filter(|c| *c != p.id && self.optimistic.get(c).is_some_and(|e| &*e.room_id == room));
        let id = p.id.clone();
        let changed = self.room_update(room, &id, |m| {
            let mut changed = false;
            if let Some(t) = p.text {
                changed |= m.set_text(&t);
            }
            if let Some(u) = p.user_id {
                changed |= m.set_user_id(Some(&u));
            }
            if let Some(d) = p.direction {
                if m.direction != d {
                    m.direction = d;
                    changed = true;
                }
            }
            let mut s = m.status;
            if let Some(ps) = p.status {
                s = s.advanced_by(ps);
            }
            if let Some(h) = held {
                s = s.advanced_by(h);
            }
            if s != m.status {
                m.status = s;
                changed = true;
            }
            if let Some(ts) = p.timestamp {
                if m.timestamp != ts {
                    m.timestamp = ts;
                    changed = true;
                }
            }
            if p.client_id.is_some() && m.client_id().is_none() {
                changed |= m.set_client_id(p.client_id.as_deref());
            }
            changed |= m.merge_extra(p.extra);
            // The server sent it again: no longer only the device's copy.
            if m.cached {
                m.cached = false;
                changed = true;
            }
            changed
        });
        if let Some(cid) = resolves {
            self.room_remove(room, &cid);
            self.optimistic.confirm(&cid, now + self.opts.pending_timeout_ms);
            self.outbox_delivered(room, &cid);
            self.touch(room);
            return Ingested::ReplacedOptimistic { client_id: cid.into_owned() };
        }
        if changed {
            self.touch(room);
            Ingested::Updated
        } else {
            Ingested::Duplicate
        }
    }

    // ---- status -----------------------------------------------------------------------------------------------

    /// Applies a `message_status_update` `{id|message_id|wamid, status, room_id?, timestamp?}`.
    ///
    /// The status moves only forward (see [`Status::advanced_by`]). An update for a message not in the store is
    /// held (at most `max_held_updates`, each for `held_max_age_ms`, keeping the highest status) and applied when
    /// the message arrives. Updates naming the server id given to [`mark_sent`](Self::mark_sent) apply to the
    /// optimistic message awaiting its echo.
    pub fn apply_status_update(&mut self, payload: &Value, now: f64) -> Result<StatusOutcome, StoreError> {
        check_now(now)?;
        let u = parse_status_update(payload, &self.opts, now)?;
        let in_named_room =
            u.room_id.as_ref().filter(|r| self.rooms.get(r.as_str()).is_some_and(|room| room.contains(&u.id)));
        let target = match in_named_room {
            Some(r) => Some((r.clone(), u.id.clone())),
            None => match self.room_of(&u.id) {
                Some(room) => Some((room.to_string(), u.id.clone())),
                None => self
                    .optimistic
                    .by_server_id(&u.id)
                    .and_then(|cid| self.optimistic.get(cid).map(|e| (e.room_id.to_string(), cid.to_owned()))),
            },
        };
        let Some((room, id)) = target else {
            self.held.hold(&u.id, u.status, now, self.opts.max_held_updates);
            return Ok(StatusOutcome::Held);
        };
        let changed = self.room_update(&room, &id, |m| {
            let s = m.status.advanced_by(u.status);
            let changed = s != m.status;
            m.status = s;
            changed
        });
        if changed {
            self.touch(&room);
            Ok(StatusOutcome::Applied)
        } else {
            Ok(StatusOutcome::Unchanged)
        }
    }

    // ---- optimistic sends -------------------------------------------------------------------------------------

    /// Adds an optimistic outgoing message (`pending`, timestamp `now`) and returns its fresh client id, which is
    /// also its `id` until confirmed and its `key` forever. Send the client id with the REST call, then report the
    /// result with [`mark_sent`](Self::mark_sent) or [`mark_failed`](Self::mark_failed). Without either (and without
    /// an echo) the send fails after `pending_timeout_ms` with a [`StoreEvent::SendFailed`].
    pub fn add_optimistic(
        &mut self,
        room_id: &str,
        text: &str,
        user_id: Option<&str>,
        now: f64,
    ) -> Result<String, StoreError> {
        self.insert_optimistic(room_id, text, user_id, now, now + self.opts.pending_timeout_ms)
    }

    /// Adds an optimistic message (see [`add_optimistic`](Self::add_optimistic)) failing at `deadline` (infinite:
    /// never by time).
    fn insert_optimistic(
        &mut self,
        room_id: &str,
        text: &str,
        user_id: Option<&str>,
        now: f64,
        deadline: f64,
    ) -> Result<String, StoreError> {
        check_now(now)?;
        check_id(room_id, "room_id", self.opts.max_id_chars)?;
        check_len(text, "text", self.opts.max_text_chars)?;
        if let Some(u) = user_id {
            check_id(u, "user_id", self.opts.max_id_chars)?;
        }
        let cid = loop {
            self.optimistic.counter += 1;
            let c = format!("{}-{}", self.opts.client_id_prefix, self.optimistic.counter);
            if !self.optimistic.contains(&c) && self.room_of(&c).is_none() {
                break c;
            }
        };
        let room_name = self.room_name(room_id);
        let entry = Entry::new(room_name.clone(), user_id, text, now);
        self.optimistic.insert(cid.as_str().into(), entry, deadline);
        self.room_insert(
            NewMessage {
                id: &cid,
                key: None,
                room_id: room_name,
                text,
                user_id,
                direction: Direction::Outgoing,
                status: Status::Pending,
                timestamp: now,
                client_id: Some(&cid),
                error: None,
                extra: &Extra::new(),
            }
            .build(),
        );
        self.touch(room_id);
        Ok(cid)
    }

    /// The REST send succeeded. The optimistic message becomes `sent` and no longer times out; it stays `sent`
    /// until its echo arrives (or forever, if the server never echoes: REST already confirmed it).
    ///
    /// With `server_id`, the echo is expected under that id and merges into this message (status updates for it
    /// apply here meanwhile). If the echo already arrived under `server_id` without matching, the optimistic copy
    /// is removed (no duplicate). If the echo already replaced the optimistic message, this is a no-op.
    /// `Err(UnknownClientId)` when the client id is unknown or was forgotten (removed after failing, or confirmed
    /// more than `pending_timeout_ms` ago); safe to ignore.
    pub fn mark_sent(&mut self, client_id: &str, server_id: Option<&str>, now: f64) -> Result<(), StoreError> {
        check_now(now)?;
        if let Some(s) = server_id {
            check_id(s, "id", self.opts.max_id_chars)?;
        }
        if self.optimistic.forget_confirmed(client_id) {
            // The echo came first; REST is done, nothing more is expected.
            return Ok(());
        }
        let entry =
            self.optimistic.get(client_id).ok_or_else(|| StoreError::UnknownClientId(super::error::clip(client_id)))?;
        let room = entry.room_id.to_string();
        let mut sid = server_id.map(str::to_owned);
        if let Some(s) = sid.clone() {
            if let Some(existing) = self.rooms.get(&room).and_then(|r| r.get(&s)) {
                sid = None;
                if existing.key() == s {
                    // The echo arrived before the REST result and did not match: it is this message.
                    self.room_remove(&room, client_id);
                    self.optimistic.confirm(client_id, now + self.opts.pending_timeout_ms);
                    self.outbox_delivered(&room, client_id);
                    let cid = client_id.to_owned();
                    self.room_update(&room, &s, |m| {
                        m.status = m.status.advanced_by(Status::Sent);
                        if m.client_id().is_none() {
                            m.set_client_id(Some(&cid));
                        }
                        true
                    });
                    self.touch(&room);
                    return Ok(());
                }
                // Otherwise that id already confirmed another send (FIFO matched it); keep text matching for this one.
            } else if self.optimistic.by_server_id(&s).is_some_and(|c| c != client_id) {
                sid = None;
            }
        }
        let held = sid.as_deref().and_then(|s| self.held.take(s));
        self.optimistic.mark_sent(client_id, sid.as_deref());
        self.outbox_delivered(&room, client_id);
        let changed = self.room_update(&room, client_id, |m| {
            let mut s = if m.status == Status::Failed { Status::Sent } else { m.status.advanced_by(Status::Sent) };
            if let Some(h) = held {
                s = s.advanced_by(h);
            }
            let changed = s != m.status || m.error().is_some();
            m.status = s;
            m.set_error(None);
            changed
        });
        if changed {
            self.touch(&room);
        }
        Ok(())
    }

    /// The REST send failed. The optimistic message is removed, or kept as `failed` with `error = reason` when
    /// `keep_failed`; a [`StoreEvent::SendFailed`] is queued either way. A no-op if the echo already confirmed it
    /// (the server has the message, whatever the REST call said). `Err(UnknownClientId)` if unknown.
    pub fn mark_failed(&mut self, client_id: &str, reason: &str, now: f64) -> Result<(), StoreError> {
        check_now(now)?;
        if self.optimistic.forget_confirmed(client_id) {
            return Ok(());
        }
        let entry =
            self.optimistic.get(client_id).ok_or_else(|| StoreError::UnknownClientId(super::error::clip(client_id)))?;
        match entry.state {
            SendState::Failed => {}
            SendState::Pending | SendState::Sent => self.fail(client_id, reason),
        }
        Ok(())
    }

    fn fail(&mut self, cid: &str, reason: &str) {
        let Some(room) = self.optimistic.get(cid).map(|e| e.room_id.to_string()) else { return };
        if self.opts.keep_failed {
            self.outbox.mark_failed(cid, reason);
            self.optimistic.mark_failed(cid);
            self.room_update(&room, cid, |m| {
                m.status = Status::Failed;
                m.set_error(Some(reason));
                true
            });
        } else {
            self.outbox.remove(cid);
            self.optimistic.remove(cid);
            self.room_remove(&room, cid);
        }
        self.touch(&room);
        self.events.push(StoreEvent::SendFailed {
            room_id: room,
            client_id: cid.to_owned(),
            reason: reason.to_owned(),
        });
    }

    /// Puts a failed optimistic message (kept with `keep_failed`) back to `pending` with timestamp `now` and a new
    /// timeout, and returns what to send again (same client id). `Err(UnknownClientId)` if unknown (e.g. removed
    /// because `keep_failed` is off: send it anew with [`add_optimistic`](Self::add_optimistic)),
    /// `Err(NotFailed)` if it is not failed.
    pub fn retry(&mut self, client_id: &str, now: f64) -> Result<RetryInfo, StoreError> {
        check_now(now)?;
        if self.optimistic.is_confirmed(client_id) {
            return Err(StoreError::NotFailed(super::error::clip(client_id)));
        }
        let entry =
            self.optimistic.get(client_id).ok_or_else(|| StoreError::UnknownClientId(super::error::clip(client_id)))?;
        if entry.state != SendState::Failed {
            return Err(StoreError::NotFailed(super::error::clip(client_id)));
        }
        let info = RetryInfo {
            room_id: entry.room_id.to_string(),
            text: entry.text.to_string(),
            user_id: entry.user_id.as_deref().map(str::to_owned),
            client_id: client_id.to_owned(),
        };
        // An outbox send goes back to the outbox (retried until accepted); others time out as before.
        let deadline =
            if self.outbox.retry(client_id, now) { f64::INFINITY } else { now + self.opts.pending_timeout_ms };
        self.optimistic.retry(client_id, now, deadline);
        self.room_update(&info.room_id, client_id, |m| {
            m.status = Status::Pending;
            m.set_error(None);
            m.timestamp = now;
            true
        });
        self.touch(&info.room_id);
        Ok(info)
    }

    /// Removes an unconfirmed optimistic message (e.g. the user dismissed a failed one). Returns whether it existed.
    pub fn discard(&mut self, client_id: &str) -> bool {
        let Some(e) = self.optimistic.get(client_id) else { return false };
        let room = e.room_id.to_string();
        self.outbox.remove(client_id);
        self.optimistic.remove(client_id);
        self.room_remove(&room, client_id);
        self.touch(&room);
        true
    }

    // ---- the outbox -------------------------------------------------------------------------------------------

    /// Queues a send that is never lost: shown at once as `pending` (like [`add_optimistic`](Self::add_optimistic),
    /// but without the pending timeout) and kept in the outbox until the server accepts it. Returns its client id.
    /// Drain [`poll_send`](Self::poll_send) after every call and report each attempt with
    /// [`handle_send_result`](Self::handle_send_result).
    pub fn queue_send(
        &mut self,
        room_id: &str,
        text: &str,
        user_id: Option<&str>,
        now: f64,
    ) -> Result<String, StoreError> {
        let cid = self.insert_optimistic(room_id, text, user_id, now, f64::INFINITY)?;
        self.outbox.push(&cid, room_id, text, user_id, now);
        Ok(cid)
    }

    /// The next send to run now ("send now" request), marked in flight; `None` when none is due. See
    /// [`poll_timeout`](Self::poll_timeout) for when to ask again.
    pub fn poll_send(&mut self, now: f64) -> Option<SendRequest> {
        self.outbox.poll_send(now)
    }

    /// The result of attempt `attempt` of `client_id`: accepted (→ `sent`, a [`StoreEvent::Sent`]), transient
    /// (stays `pending` with `error` = the reason, i.e. waiting for the network, and is retried) or permanent
    /// (→ `failed`, kept or removed per `keep_failed`, a [`StoreEvent::SendFailed`]).
    pub fn handle_send_result(
        &mut self,
        client_id: &str,
        attempt: u32,
        result: SendResult,
        now: f64,
    ) -> Result<OutboxHandled, StoreError> {
        check_now(now)?;
        if let SendResult::Ok { server_id: Some(s) } = &result {
            check_id(s, "id", self.opts.max_id_chars)?;
        }
        let Some(handled) = self.outbox.handle_result(client_id, attempt, result, now) else {
            // Not in the outbox (the echo confirmed it, or it was discarded): nothing to do.
            return Ok(OutboxHandled::Stale);
        };
        self.apply_outbox(client_id, handled.clone());
        if let OutboxHandled::Sent { room_id, server_id } = &handled {
            // Unknown = the echo confirmed it already, or the user discarded it: the server has it either way.
            let _ = self.mark_sent(client_id, server_id.as_deref(), now);
            self.events.push(StoreEvent::Sent { room_id: room_id.clone(), client_id: client_id.to_owned() });
        }
        Ok(handled)
    }

    /// The network is probably back (`online`, the socket reconnected, the tab became visible): every waiting
    /// send is due at once instead of after its backoff.
    pub fn wake_sends(&mut self, now: f64) {
        for room in self.outbox.wake(now) {
            self.touch(&room);
        }
    }

    /// The outbox's entries (sends the server has not accepted), in the order made.
    pub fn outbox_entries(&self) -> &[OutboxEntry] {
        self.outbox.entries()
    }

    /// Restores an entry from durable storage: shown as `pending` (or `failed`) again and resumed with the same
    /// client id. Ignored if that client id is already tracked here. `Ok(false)` when the room already holds the
    /// server's message with that client id (history came first): it was delivered, drop the record.
    pub fn restore_send(&mut self, entry: OutboxEntry, now: f64) -> Result<bool, StoreError> {
        check_now(now)?;
        check_id(&entry.client_id, "client_id", self.opts.max_id_chars)?;
        check_id(&entry.room_id, "room_id", self.opts.max_id_chars)?;
        check_len(&entry.text, "text", self.opts.max_text_chars)?;
        if self.optimistic.contains(&entry.client_id) || self.room_of(&entry.client_id).is_some() {
            return Ok(true);
        }
        if self.messages(&entry.room_id).any(|m| m.client_id() == Some(entry.client_id.as_str())) {
            return Ok(false);
        }
        let room_name = self.room_name(&entry.room_id);
        let failed = entry.state == super::outbox::OutboxState::Failed;
        let mut e = Entry::new(room_name.clone(), entry.user_id.as_deref(), &entry.text, entry.created);
        if failed {
            e.state = SendState::Failed;
        }
        self.optimistic.insert(entry.client_id.as_str().into(), e, f64::INFINITY);
        if failed {
            self.optimistic.mark_failed(&entry.client_id);
        }
        self.room_insert(
            NewMessage {
                id: &entry.client_id,
                key: None,
                room_id: room_name,
                text: &entry.text,
                user_id: entry.user_id.as_deref(),
                direction: Direction::Outgoing,
                status: if failed { Status::Failed } else { Status::Pending },
                timestamp: entry.created,
                client_id: Some(&entry.client_id),
                error: entry.last_error.as_deref(),
                extra: &Extra::new(),
            }
            .build(),
        );
        self.touch(&entry.room_id);
        self.outbox.restore(entry);
        Ok(true)
    }

    /// The send left the outbox by another path than its result (the echo, or `mark_sent`).
    fn outbox_delivered(&mut self, room: &str, cid: &str) {
        if self.outbox.remove(cid).is_some() {
            self.events.push(StoreEvent::Sent { room_id: room.to_owned(), client_id: cid.to_owned() });
        }
    }

    /// Shows what the outbox did on the message: waiting (pending, `error` = why) or failed.
    fn apply_outbox(&mut self, cid: &str, handled: OutboxHandled) {
        match handled {
            OutboxHandled::WillRetry { room_id, .. } => {
                let reason = self.outbox.get(cid).and_then(|e| e.last_error.clone());
                if self.room_update(&room_id, cid, |m| {
                    let changed = m.error() != reason.as_deref();
                    m.set_error(reason.as_deref());
                    changed
                }) {
                    self.touch(&room_id);
                }
            }
            OutboxHandled::Failed { reason, .. } => self.fail(cid, &reason),
            OutboxHandled::Sent { .. } | OutboxHandled::Stale => {}
        }
    }

    // ---- typing -----------------------------------------------------------------------------------------------

    /// Applies a `typing_indicator` `{room_id|roomId, is_typing|isTyping, user}` (`user`: string, or object with
    /// `id` and/or `name`). `is_typing: true` shows the user for `typing_timeout_ms` (a repeat restarts it),
    /// `false` hides at once. Returns whether the room's typing set changed (then `TypingChanged` is queued).
    pub fn apply_typing(&mut self, payload: &Value, now: f64) -> Result<bool, StoreError> {
        check_now(now)?;
        let ev = parse_typing(payload, self.opts.max_id_chars)?;
        let changed = if ev.is_typing {
            self.typing.start(&ev.room_id, ev.user, now + self.opts.typing_timeout_ms)
        } else {
            self.typing.stop(&ev.room_id, &ev.user.id)
        };
        if changed {
            self.touch_typing(&ev.room_id);
        }
        Ok(changed)
    }

    /// Users typing in `room` now, sorted by id.
    pub fn typing(&self, room_id: &str) -> Vec<TypingUser> {
        self.typing.users(room_id)
    }

    // ---- events and time --------------------------------------------------------------------------------------

    /// Dispatches a server event by name: `new_message`, `message_status_update`, `typing_indicator`.
    /// Other names → `Err(UnknownEvent)`.
    pub fn handle_event(&mut self, name: &str, payload: &Value, now: f64) -> Result<Handled, StoreError> {
        match name {
            "new_message" => self.ingest_message(payload, now).map(Handled::Message),
            "message_status_update" => self.apply_status_update(payload, now).map(Handled::Status),
            "typing_indicator" => self.apply_typing(payload, now).map(|changed| Handled::Typing { changed }),
            other => Err(StoreError::UnknownEvent(super::error::clip(other))),
        }
    }

    /// [`handle_event`](Self::handle_event) of a payload given as JSON text (as it came off the wire):
    /// `new_message` goes through [`ingest_message_json`](Self::ingest_message_json); the rarer events are parsed.
    /// Text that is not valid JSON is [`StoreError::NotAnObject`].
    pub fn handle_event_json(&mut self, name: &str, payload_json: &str, now: f64) -> Result<Handled, StoreError> {
        match name {
            "new_message" => self.ingest_message_json(payload_json, now).map(Handled::Message),
            "message_status_update" | "typing_indicator" => {
                let payload = crate::json::from_str(payload_json).map_err(|_| StoreError::NotAnObject)?;
                self.handle_event(name, &payload, now)
            }
            other => Err(StoreError::UnknownEvent(super::error::clip(other))),
        }
    }

    /// The next queued change notification, oldest first.
    pub fn poll_event(&mut self) -> Option<StoreEvent> {
        self.events.pop()
    }

    /// All queued change notifications, oldest first.
    pub fn drain_events(&mut self) -> Vec<StoreEvent> {
        std::iter::from_fn(|| self.events.pop()).collect()
    }

    /// The earliest deadline (ms) at which [`handle_timeout`](Self::handle_timeout) has work: a typing indicator
    /// expiring, an optimistic send timing out, a held status update expiring, or bookkeeping of a confirmed send
    /// being forgotten. `None` when nothing is scheduled.
    pub fn poll_timeout(&self) -> Option<f64> {
        [
            self.typing.next_deadline(),
            self.optimistic.next_deadline(),
            self.outbox.next_deadline(),
            self.held.next_deadline(self.opts.held_max_age_ms),
        ]
        .into_iter()
        .flatten()
        .filter(|d| !d.is_nan())
        .min_by(f64::total_cmp)
    }

    /// Applies every expiry due at `now`: hides stale typing indicators, fails unconfirmed sends past
    /// `pending_timeout_ms` (reason `"timeout"`, queues `SendFailed`), drops old held updates.
    pub fn handle_timeout(&mut self, now: f64) {
        for room in self.typing.expire(now) {
            self.touch_typing(&room);
        }
        for cid in self.optimistic.take_due(now) {
            if self.optimistic.get(&cid).is_some_and(|e| e.state == SendState::Pending) {
                self.fail(&cid, "timeout");
            }
        }
        self.held.expire(now, self.opts.held_max_age_ms);
        for (cid, handled) in self.outbox.handle_timeout(now) {
            self.apply_outbox(&cid, handled);
        }
    }

    // ---- history and inbox ------------------------------------------------------------------------------------

    /// Merges a page of history for `room_id`: each item is ingested like a message (dedup by id, optimistic
    /// matching, status never regresses) but does not touch typing. Items without `room_id` belong to `room_id`;
    /// an item naming another room is rejected. Invalid items are reported in `rejected` and skipped; the rest is
    /// merged. Sets the room's `has_more`. `Err` only for an invalid `room_id` or `now` (nothing merged then).
    pub fn merge_history(
        &mut self,
        room_id: &str,
        items: &[Value],
        has_more: bool,
        now: f64,
    ) -> Result<HistoryReport, StoreError> {
        check_now(now)?;
        check_id(room_id, "room_id", self.opts.max_id_chars)?;
        if !self.rooms.contains_key(room_id) {
            self.touch(room_id);
        }
        let report = self.merge_page(room_id, items, now, false);
        let r = self.room_mut(room_id);
        if r.has_more != has_more {
            r.has_more = has_more;
            self.touch(room_id);
        }
        Ok(report)
    }

    /// Whether older history may exist on the server for `room_id`: `true` until a history page says otherwise
    /// (and again after cap eviction dropped old messages); `true` for an unknown room.
    pub fn has_more(&self, room_id: &str) -> bool {
        self.rooms.get(room_id).is_none_or(|r| r.has_more)
    }

    /// Where a resync of `room_id` after an outage should start, in ms (0 for a room without server messages).
    ///
    /// The newest message the server sent, minus [`resync_overlap_ms`](StoreOptions::resync_overlap_ms): message
    /// timestamps are not arrival order (WhatsApp's are whole seconds and a webhook can land after an agent's
    /// later-stamped reply), so a message emitted during the outage can be older than the newest one we saw. An
    /// unechoed optimistic send does not count (it carries our clock). It reaches further back, to the oldest of our
    /// recent sent messages not yet `read`, so delivered/read ticks emitted while we were away come back with the
    /// page. The overlap costs only a re-download: the merge drops what the store already has.
    pub fn resync_since(&self, room_id: &str) -> f64 {
        /// How far back a resync reaches for status ticks missed during an outage.
        const UNSETTLED_LOOKBACK_MS: f64 = 24.0 * 3_600_000.0;
        let from_server = |m: &&Message| m.client_id() != Some(m.id());
        let Some(newest) = self.messages(room_id).rev().find(from_server).map(|m| m.timestamp) else { return 0.0 };
        let unsettled = self
            .messages(room_id)
            .filter(from_server)
            .filter(|m| m.direction == Direction::Outgoing && matches!(m.status, Status::Sent | Status::Delivered))
            .map(|m| m.timestamp)
            .find(|ts| *ts >= newest - UNSETTLED_LOOKBACK_MS);
        let overlap = self.opts.resync_overlap_ms.max(0.0);
        unsettled.unwrap_or(newest).min(newest - overlap).max(0.0)
    }

    // ---- the device copy ---------------------------------------------------------------------------------------

    /// What the device keeps of `room_id` for the next load: its newest messages from the server (at most
    /// [`cache.max_messages_per_room`](super::CacheConfig::max_messages_per_room)), oldest first, as JSON objects to
    /// store. Unconfirmed sends are left out: the outbox keeps those.
    pub fn cached_messages(&self, room_id: &str) -> Vec<Value> {
        let max = self.opts.cache.max_messages_per_room;
        let mut out: Vec<Value> = self
            .messages(room_id)
            .rev()
            .filter(|m| !self.optimistic.is_unconfirmed(m.id()))
            .take(max)
            .map(|m| {
                let mut v = m.to_json();
                if let Value::Object(o) = &mut v {
                    // Local bookkeeping, not the server's message: the next load works these out again.
                    for k in ["key", "cached", "error"] {
                        o.remove(k);
                    }
                }
                v
            })
            .collect();
        out.reverse();
        out
    }

    /// Shows a room's device copy (what [`cached_messages`](Self::cached_messages) gave on an earlier load) at once,
    /// each message marked [`cached`](Message::cached) until the server sends it again. What the store already has
    /// wins: a message the server sent in this session (live, an edit, a resync page) is not overwritten by the
    /// older copy, and a status update held for a cached message applies to it. An item confirming a restored send
    /// (its `client_id`) delivers it. Only the newest `max_messages_per_room` items count; invalid ones (corrupt, of
    /// another room) are reported in `rejected` and skipped. `has_more` is left as it is (older history stays on the
    /// server). Bring the room up to date afterwards with a resync from [`resync_since`](Self::resync_since).
    pub fn restore_cached(&mut self, room_id: &str, items: &[Value], now: f64) -> Result<HistoryReport, StoreError> {
        check_now(now)?;
        check_id(room_id, "room_id", self.opts.max_id_chars)?;
        let skip = items.len().saturating_sub(self.opts.cache.max_messages_per_room);
        let mut report = self.merge_page(room_id, &items[skip..], now, true);
        for (i, _) in &mut report.rejected {
            *i += skip;
        }
        self.touch(room_id);
        Ok(report)
    }

    /// Merges a page of `room_id`'s messages (history, or with `from_copy` the device's copy) in one placement.
    /// Invalid items are reported and skipped. From the copy, a message the store already holds is left as it is
    /// (the server's version wins) and the ones added are marked `cached`. One loop for both: the ingest it calls
    /// is inlined once in the `.wasm`.
    fn merge_page(&mut self, room_id: &str, items: &[Value], now: f64, from_copy: bool) -> HistoryReport {
        let mut report = HistoryReport::default();
        let mut inserted = Vec::new();
        self.room_mut(room_id).begin_batch();
        for (i, item) in items.iter().enumerate() {
            let p = match parse_page_item(item, room_id, &self.opts, now) {
                Ok(p) => p,
                Err(e) => {
                    report.rejected.push((i, e));
                    continue;
                }
            };
            if from_copy {
                if self.rooms.get(room_id).is_some_and(|r| r.contains(&p.id)) {
                    report.unchanged += 1;
                    continue;
                }
                inserted.push(p.id.to_string());
            }
            match self.ingest_parsed(room_id, p, now, false) {
                Ingested::Inserted | Ingested::ReplacedOptimistic { .. } => report.added += 1,
                Ingested::Updated => report.updated += 1,
                Ingested::Duplicate => report.unchanged += 1,
            }
        }
        self.room_mut(room_id).end_batch();
        for id in inserted {
            self.room_update(room_id, &id, |m| {
                m.cached = true;
                true
            });
        }
        report
    }

    /// Marks the room read up to `max(now, newest message timestamp)` (so server clock skew cannot leave a
    /// message unread). The read marker never moves back. A no-op for an unknown room.
    pub fn mark_read(&mut self, room_id: &str, now: f64) -> Result<(), StoreError> {
        check_now(now)?;
        let Some(r) = self.rooms.get_mut(room_id) else { return Ok(()) };
        let at = r.last().map_or(now, |m| m.timestamp.max(now));
        let before = (r.last_read_at, r.unread());
        r.mark_read(at);
        if (r.last_read_at, r.unread()) != before {
            self.touch(room_id);
        }
        Ok(())
    }

    /// Number of incoming messages with `timestamp > last_read_at`. A room never marked read has
    /// `last_read_at = 0`, so all its incoming messages count, history included; after `mark_read`, only newer
    /// messages count, so older history merged later does not. 0 for an unknown room.
    pub fn unread(&self, room_id: &str) -> u32 {
        self.rooms.get(room_id).map_or(0, Room::unread)
    }

    /// The inbox: one summary per room, the most recent activity first (newest last message; rooms without
    /// messages last), ties by room id.
    pub fn rooms(&self) -> Vec<RoomSummary> {
        self.inbox_order().into_iter().map(|r| self.summary(r)).collect()
    }

    /// The rooms in inbox order: newest last message first, rooms without messages last, then by room id.
    fn inbox_order(&self) -> Vec<&Room> {
        let mut order: Vec<&Room> = self.rooms.iter().map(|(_, r)| r).collect();
        let newest = |r: &Room| r.last().map_or(f64::NEG_INFINITY, |m| m.timestamp);
        // Room ids are unique, so the tie-break makes the order total and an unstable sort gives the same result.
        order.sort_unstable_by(|a, b| newest(b).total_cmp(&newest(a)).then_with(|| a.name.cmp(&b.name)));
        order
    }

    fn summary(&self, r: &Room) -> RoomSummary {
        RoomSummary {
            room_id: r.name.to_string(),
            contact_name: r.contact.get().map(str::to_owned),
            last_message: r.last().cloned(),
            unread: r.unread(),
            version: r.version,
            has_more: r.has_more,
            typing: self.typing.users(&r.name),
        }
    }

    // ---- the change stream ------------------------------------------------------------------------------------

    /// Starts recording `room_id`'s changes for a view and returns the state they apply to: from now on,
    /// [`take_changes`](Self::take_changes) carries the room's list operations and its typing, unread and
    /// `has_more` changes. An unknown room is watched from the moment it appears (shown empty until then).
    /// Watching a watched room starts it over from the state returned.
    pub fn watch(&mut self, room_id: &str) -> RoomState {
        match self.start_watching(room_id) {
            (typing, Some(r)) => {
                RoomState { messages: r.iter().cloned().collect(), typing, has_more: r.has_more, unread: r.unread() }
            }
            (typing, None) => RoomState { messages: Vec::new(), typing, has_more: true, unread: 0 },
        }
    }

    /// [`watch`](Self::watch) as JSON text ([`RoomState::to_json`]) handed to `emit` in pieces, written from the
    /// room's messages as they are held (see `Pieces` in `changes.rs` for why).
    pub fn watch_in_pieces(&mut self, room_id: &str, emit: &mut dyn FnMut(&str)) {
        match self.start_watching(room_id) {
            (typing, Some(r)) => write_room_state(r.iter(), &typing, r.has_more, r.unread(), emit),
            (typing, None) => write_room_state(Messages::empty(), &typing, true, 0, emit),
        }
    }

    /// Starts recording the room's changes (or notes it, to watch when it appears); who types there, and the room.
    fn start_watching(&mut self, room_id: &str) -> (Vec<String>, Option<&Room>) {
        let typing = typing_names(self.typing.users(room_id));
        let Some(r) = self.rooms.get_mut(room_id) else {
            if !self.watch_later.iter().any(|w| w == room_id) {
                self.watch_later.push(room_id.to_owned());
            }
            return (typing, None);
        };
        r.watch(typing.clone());
        (typing, Some(r))
    }

    /// Stops recording `room_id`'s changes.
    pub fn unwatch(&mut self, room_id: &str) {
        self.watch_later.retain(|w| w != room_id);
        if let Some(r) = self.rooms.get_mut(room_id) {
            r.journal = None;
        }
    }

    /// Starts sending the summaries of changed rooms with each batch; returns the inbox as it is now
    /// ([`rooms`](Self::rooms) order).
    pub fn watch_inbox(&mut self) -> Vec<RoomSummary> {
        self.inbox_watched = true;
        self.rooms()
    }

    /// [`watch_inbox`](Self::watch_inbox) as JSON text (summaries as in [`ChangeBatch::to_json`]) handed to `emit`
    /// in pieces, one summary made at a time (see `Pieces` in `changes.rs` for why).
    pub fn watch_inbox_in_pieces(&mut self, emit: &mut dyn FnMut(&str)) {
        self.inbox_watched = true;
        write_summaries(self.inbox_order().into_iter().map(|r| self.summary(r)), emit);
    }

    /// Stops sending summaries.
    pub fn unwatch_inbox(&mut self) {
        self.inbox_watched = false;
    }

    /// What changed since the last call, for the views: each watched room's list operations (replayed in order,
    /// they turn the list the view had into [`messages`](Self::messages)) and typing / unread / `has_more`
    /// changes, and while the inbox is watched the summary of every room that changed. Call after every input.
    pub fn take_changes(&mut self) -> ChangeBatch {
        let mut batch = ChangeBatch::default();
        for name in std::mem::take(&mut self.changed) {
            let Some(r) = self.rooms.get_mut(&*name) else { continue };
            r.dirty = false;
            let typing = &self.typing;
            batch.rooms.extend(r.take_changes(|| typing_names(typing.users(&name))));
            if self.inbox_watched {
                let r = self.rooms.get(&*name).expect("room just seen");
                batch.inbox.push(self.summary(r));
            }
        }
        batch
    }

    /// The room's version: bumped on every change to what the room shows (messages, statuses, typing, unread,
    /// `has_more`). 0 for an unknown room. Compare with the last rendered value to skip re-rendering.
    pub fn version(&self, room_id: &str) -> u64 {
        self.rooms.get(room_id).map_or(0, |r| r.version)
    }

    /// The room's messages in display order `(timestamp, id)`, oldest first. Empty for an unknown room.
    pub fn messages(&self, room_id: &str) -> Messages<'_> {
        self.rooms.get(room_id).map_or(Messages::empty(), Room::iter)
    }

    /// The room's messages at display positions `range` (clamped to the room's length).
    pub fn messages_in(&self, room_id: &str, range: std::ops::Range<usize>) -> Messages<'_> {
        self.rooms.get(room_id).map_or(Messages::empty(), |r| r.range(range))
    }

    /// Number of messages in the room.
    pub fn message_count(&self, room_id: &str) -> usize {
        self.rooms.get(room_id).map_or(0, Room::len)
    }

    /// The message with this id (server id, or client id while unconfirmed) in the room.
    pub fn message(&self, room_id: &str, id: &str) -> Option<&Message> {
        self.rooms.get(room_id)?.get(id)
    }

    /// Ids of all known rooms, sorted.
    pub fn room_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self.rooms.keys().map(String::as_str).collect();
        ids.sort_unstable();
        ids
    }

    /// Number of status updates currently held for messages not yet in the store (diagnostics).
    pub fn held_update_count(&self) -> usize {
        self.held.len()
    }

    /// Number of optimistic sends tracked (unconfirmed, or confirmed but not yet forgotten) (diagnostics).
    pub fn tracked_send_count(&self) -> usize {
        self.optimistic.len()
    }

    /// Number of queued events (diagnostics).
    pub fn queued_event_count(&self) -> usize {
        self.events.len()
    }

    /// Bytes freed by dropping each part of the store in turn (`measure` runs a closure and returns the bytes it
    /// freed); the store is left empty. For the memory measurement in `memory_tests`.
    #[cfg(test)]
    pub(crate) fn memory_breakdown(
        &mut self,
        measure: &dyn Fn(&mut dyn FnMut()) -> usize,
    ) -> Vec<(&'static str, usize)> {
        let mut out = vec![
            ("optimistic", measure(&mut || drop(std::mem::take(&mut self.optimistic)))),
            ("held", measure(&mut || drop(std::mem::take(&mut self.held)))),
            ("events", measure(&mut || drop(std::mem::take(&mut self.events)))),
            ("typing", measure(&mut || drop(std::mem::take(&mut self.typing)))),
        ];
        let rooms = &mut self.rooms;
        out.push(("messages: extra", measure(&mut || rooms.values_mut().for_each(Room::drop_extras))));
        out.push(("messages: strings", measure(&mut || rooms.values_mut().for_each(Room::drop_strings))));
        out.push(("rooms (order, index, structs)", measure(&mut || drop(std::mem::take(rooms)))));
        out
    }
}

#[cfg(test)]
mod room_of_tests {
    use super::*;

    #[test]
    fn a_status_update_without_its_room_finds_it_among_many() {
        let mut s = MessageStore::default();
        for r in 0..50 {
            let room = format!("r{r}");
            s.ingest_message(&json!({"id": format!("m{r}"), "room_id": room, "text": "x", "timestamp": 1.0}), 1.0)
                .unwrap();
        }
        let outcome = s.apply_status_update(&json!({"id": "m37", "status": "read"}), 2.0).unwrap();
        assert_eq!(outcome, StatusOutcome::Applied);
        assert_eq!(s.message("r37", "m37").map(|m| m.status), Some(Status::Read));
        assert_eq!(s.room_of("m0").map(|r| &**r), Some("r0"));
        // Gone from its room: held, not applied elsewhere.
        assert!(s.room_remove("r37", "m37").is_some());
        assert_eq!(s.room_of("m37"), None);
        let outcome = s.apply_status_update(&json!({"id": "m37", "status": "read"}), 3.0).unwrap();
        assert_eq!(outcome, StatusOutcome::Held);
    }
}
