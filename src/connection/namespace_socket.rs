//! One Socket.IO namespace over a shared Engine.IO session: its CONNECT (with its own auth), `connect_error`,
//! acks both ways, send buffer, retries, recovery and rooms. It writes frames and events into its own queues; the
//! [`Manager`](super::Manager) moves them out after every call, in order.

use crate::json::{self, Map, Value};
use crate::protocol::{encode_frame, RawArgs, SocketPacket};
use std::collections::VecDeque;

use super::event::{AckError, ConnectionError, DisconnectReason, EmitError, Event};
use super::retry_queue::{RetryQueue, Settled};
use super::Config;

/// Names the Socket.IO client API reserves for its own events.
const RESERVED: [&str; 6] =
    ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"];

/// How long a re-join waits for the server's ack before counting the room as joined anyway (a server whose
/// `join_room` handler ignores acks).
const REJOIN_ACK_TIMEOUT_MS: f64 = 2000.0;

/// socket.io-client's `connect_error` message for a v2 server, whose CONNECT reply carries no `sid`.
const INCOMPATIBLE_SERVER: &str = "It seems you are trying to reach a Socket.IO server in v2.x with a v3.x client, \
     but they are not compatible (more information here: https://socket.io/docs/v3/migrating-from-2-x-to-3-0/)";

/// Where the namespace is. What is valid only in one phase travels in its variant, so it is gone once the phase
/// is left: nothing has to be cleared by hand.
#[derive(Debug)]
pub(super) enum SocketPhase {
    /// Not connected, not trying.
    Idle,
    /// Stopped on an error the app must handle (refused, or the manager gave up).
    Failed,
    /// Wants a connection; waiting for the Engine.IO session to open. `reconnecting` (here and while joining):
    /// the namespace was lost with the session, so its status says `reconnecting` until it is connected again.
    Waiting { reconnecting: bool },
    /// Waiting for the app's auth payload. `deadline`: when no namespace is connected yet, the attempt's.
    Authenticating { deadline: Option<f64>, reconnecting: bool },
    /// CONNECT sent; waiting for the reply.
    Joining(Joining),
    /// Connected to the namespace.
    Connected(Connected),
}

#[derive(Debug)]
pub(super) struct Joining {
    deadline: Option<f64>,
    reconnecting: bool,
    /// The CONNECT asked to recover the previous session.
    recovery_requested: bool,
    /// Events that arrived before the server's reply (a recovered session replays missed events first);
    /// delivered right after `Connect`.
    early_events: Vec<Event>,
}

#[derive(Debug)]
pub(super) struct Connected {
    sid: String,
}

/// Connection state recovery: the server's private session id and the offset of the last event seen. Outlives
/// the connection: the next CONNECT presents it.
#[derive(Debug)]
struct Recovery {
    pid: String,
    offset: Option<String>,
}

impl SocketPhase {
    /// Wants the session: keeps the Engine.IO connection open.
    pub(super) fn active(&self) -> bool {
        !matches!(self, SocketPhase::Idle | SocketPhase::Failed)
    }

    pub(super) fn is_waiting(&self) -> bool {
        matches!(self, SocketPhase::Waiting { .. })
    }

    /// Lost with the session and trying again: the status says `reconnecting` until connected.
    pub(super) fn reconnecting(&self) -> bool {
        match self {
            SocketPhase::Waiting { reconnecting }
            | SocketPhase::Authenticating { reconnecting, .. }
            | SocketPhase::Joining(Joining { reconnecting, .. }) => *reconnecting,
            _ => false,
        }
    }

    pub(super) fn is_connected(&self) -> bool {
        matches!(self, SocketPhase::Connected(_))
    }

    fn deadline(&self) -> Option<f64> {
        match self {
            SocketPhase::Authenticating { deadline, .. } | SocketPhase::Joining(Joining { deadline, .. }) => *deadline,
            _ => None,
        }
    }
}

/// What a namespace packet changed, for the manager.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Change {
    Connected,
    /// The namespace closed (refused, or the server disconnected it): the session may no longer be needed.
    Closed,
}

/// The per-namespace options of a [`Config`].
#[derive(Debug, Clone, PartialEq)]
pub(super) struct SocketConfig {
    pub(super) namespace: String,
    pub(super) ack_timeout_ms: f64,
    pub(super) buffer_when_disconnected: bool,
    pub(super) max_buffered: usize,
    pub(super) retries: u32,
}

impl SocketConfig {
    pub(super) fn of(config: &Config) -> Self {
        SocketConfig {
            namespace: config.namespace.clone(),
            ack_timeout_ms: config.ack_timeout_ms,
            buffer_when_disconnected: config.buffer_when_disconnected,
            max_buffered: config.max_buffered,
            retries: config.retries,
        }
    }
}

#[derive(Debug, Clone)]
struct PendingAck {
    id: u64,
    deadline: f64,
    sent: bool,
    /// A `join_room` sent on connect: `RoomsRejoined` waits for all of them. Always sent, so the session's end
    /// removes it with the others.
    rejoin: bool,
}

#[derive(Debug, Clone)]
struct Buffered {
    frame: String,
    ack_id: Option<u64>,
}

/// One namespace's state machine (sans-IO).
#[derive(Debug)]
pub(super) struct NamespaceSocket {
    pub(super) config: SocketConfig,
    pub(super) phase: SocketPhase,
    /// The status last reported.
    pub(super) status: super::Status,
    /// What the server accepts from us (from the session's handshake).
    pub(super) max_payload: usize,
    recovery: Option<Recovery>,
    rooms: Vec<String>,
    next_ack_id: u64,
    /// Acks awaited, in id order (ids only grow and removal keeps order). A Vec: only a few are in flight, and a
    /// linear scan of them is smaller than a B-tree and as fast.
    acks: Vec<PendingAck>,
    buffer: VecDeque<Buffered>,
    /// Emits waiting their turn when `retries` is on.
    queue: RetryQueue,
    /// Frames to send and events for the app; the manager drains both after every call.
    pub(super) frames: VecDeque<String>,
    pub(super) events: VecDeque<Event>,
}

impl NamespaceSocket {
    pub(super) fn new(config: SocketConfig, max_payload: usize) -> Self {
        NamespaceSocket {
            config,
            phase: SocketPhase::Idle,
            status: super::Status::Disconnected,
            max_payload,
            recovery: None,
            rooms: Vec::new(),
            next_ack_id: 0,
            acks: Vec::new(),
            buffer: VecDeque::new(),
            queue: RetryQueue::default(),
            frames: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    pub(super) fn sid(&self) -> Option<&str> {
        match &self.phase {
            SocketPhase::Connected(connected) => Some(&connected.sid),
            _ => None,
        }
    }

    pub(super) fn rooms(&self) -> &[String] {
        &self.rooms
    }

    pub(super) fn buffered(&self) -> usize {
        self.buffer.len()
    }

    pub(super) fn queued(&self) -> usize {
        self.queue.len()
    }

    /// The earliest ack or join deadline.
    pub(super) fn poll_timeout(&self) -> Option<f64> {
        let acks = self.acks.iter().map(|a| a.deadline).reduce(f64::min);
        [acks, self.phase.deadline()].into_iter().flatten().reduce(f64::min)
    }

    // ---- app commands ----

    pub(super) fn emit(&mut self, name: &str, args: Vec<Value>, now: f64) -> Result<(), EmitError> {
        if self.config.retries > 0 {
            return self.enqueue(name, args, None, None, now);
        }
        self.send_event(name, args, None, now)
    }

    /// Sends only if connected now; returns whether it was sent.
    pub(super) fn emit_volatile(&mut self, name: &str, args: Vec<Value>, now: f64) -> Result<bool, EmitError> {
        if !self.phase.is_connected() {
            return Ok(false);
        }
        self.send_event(name, args, None, now).map(|_| true)
    }

    pub(super) fn emit_with_ack(
        &mut self,
        name: &str,
        args: Vec<Value>,
        timeout_ms: Option<f64>,
        now: f64,
    ) -> Result<u64, EmitError> {
        if self.config.retries > 0 {
            let id = self.next_ack_id;
            self.next_ack_id += 1;
            return self.enqueue(name, args, Some(id), timeout_ms, now).map(|()| id);
        }
        self.send_with_ack(name, args, timeout_ms, now)
    }

    fn send_with_ack(
        &mut self,
        name: &str,
        args: Vec<Value>,
        timeout_ms: Option<f64>,
        now: f64,
    ) -> Result<u64, EmitError> {
        let timeout = timeout_ms.unwrap_or(self.config.ack_timeout_ms);
        let id = self.next_ack_id;
        self.send_event(name, args, Some((id, now + timeout)), now)?;
        self.next_ack_id += 1;
        Ok(id)
    }

    /// Checks an emit as sending it would, queues it, and sends the head if it can go.
    fn enqueue(
        &mut self,
        name: &str,
        args: Vec<Value>,
        app_ack: Option<u64>,
        timeout_ms: Option<f64>,
        now: f64,
    ) -> Result<(), EmitError> {
        if RESERVED.contains(&name) {
            return Err(EmitError::ReservedName(name.to_owned()));
        }
        self.queue.push(name, args, app_ack, timeout_ms.unwrap_or(self.config.ack_timeout_ms));
        self.drain_queue(now);
        Ok(())
    }

    /// Sends the queue's head when connected and nothing of it is on the wire.
    fn drain_queue(&mut self, now: f64) {
        if !self.phase.is_connected() {
            return;
        }
        let id = self.next_ack_id;
        let Some(head) = self.queue.next_to_send(id) else { return };
        let (name, args, timeout) = (head.name.clone(), head.args.clone(), head.timeout_ms);
        self.next_ack_id += 1;
        if self.send_event(&name, args, Some((id, now + timeout)), now).is_err() {
            // Too large for the server: give it up now (each try would fail the same way).
            self.settle_ack(id, Err(AckError::Dropped), now);
        }
    }

    /// An ack arrived or failed: a queued emit's try is retried or finished; any other is the app's.
    fn settle_ack(&mut self, id: u64, result: Result<Vec<Value>, AckError>, now: f64) {
        match self.queue.settle(id, result, self.config.retries) {
            Settled::NotQueued(result) => self.events.push_back(Event::AckResult { id, result }),
            Settled::Retry => self.drain_queue(now),
            Settled::Done(app_ack, result) => {
                if let Some(id) = app_ack {
                    self.events.push_back(Event::AckResult { id, result });
                }
                self.drain_queue(now);
            }
        }
    }

    /// Answers a server event that asked for an ack. Dropped if the namespace was lost meanwhile.
    pub(super) fn ack(&mut self, id: u64, args: Vec<Value>) {
        if self.phase.is_connected() {
            let namespace = self.config.namespace.clone();
            self.frames.push_back(encode_frame(&SocketPacket::Ack { namespace, id, args: args.into() }));
        }
    }

    pub(super) fn join_room(&mut self, room: &str, now: f64) {
        if self.rooms.iter().any(|r| r == room) {
            return;
        }
        self.rooms.push(room.to_owned());
        if self.phase.is_connected() {
            let _ = self.send_event("join_room", vec![Value::String(room.to_owned())], None, now);
        }
    }

    pub(super) fn leave_room(&mut self, room: &str, now: f64) {
        let Some(index) = self.rooms.iter().position(|r| r == room) else {
            return;
        };
        self.rooms.remove(index);
        if self.phase.is_connected() {
            let _ = self.send_event("leave_room", vec![Value::String(room.to_owned())], None, now);
        }
    }

    /// Leaves the namespace (DISCONNECT for it only). Buffered emits stay for a later connect.
    pub(super) fn disconnect(&mut self) {
        if self.phase.is_connected() {
            let namespace = self.config.namespace.clone();
            self.frames.push_back(encode_frame(&SocketPacket::Disconnect { namespace }));
        }
        self.end(DisconnectReason::ClientDisconnect);
        self.phase = SocketPhase::Idle;
    }

    // ---- inputs ----

    /// The session is open: ask the app for this namespace's auth (the manager sends `RequestAuth`).
    pub(super) fn begin_auth(&mut self, deadline: Option<f64>) {
        let reconnecting = self.phase.reconnecting();
        self.phase = SocketPhase::Authenticating { deadline, reconnecting };
    }

    /// The app's auth payload: send CONNECT, with the recovery pid and offset when there are.
    pub(super) fn handle_auth(&mut self, auth: Option<Map>) {
        let SocketPhase::Authenticating { deadline, reconnecting } = self.phase else {
            return;
        };
        let mut payload = auth.unwrap_or_default();
        let mut recovery_requested = false;
        if let Some(Recovery { pid, offset: Some(offset) }) = &self.recovery {
            payload.insert("pid".into(), Value::String(pid.clone()));
            payload.insert("offset".into(), Value::String(offset.clone()));
            recovery_requested = true;
        }
        let payload = if payload.is_empty() { None } else { Some(Value::Object(payload)) };
        let namespace = self.config.namespace.clone();
        self.frames.push_back(encode_frame(&SocketPacket::Connect { namespace, payload }));
        self.phase =
            SocketPhase::Joining(Joining { deadline, reconnecting, recovery_requested, early_events: Vec::new() });
    }

    /// The app's auth callback failed: no CONNECT without the credentials the app meant to send.
    pub(super) fn handle_auth_error(&mut self, message: String) -> Option<Change> {
        if !matches!(self.phase, SocketPhase::Authenticating { .. }) {
            return None;
        }
        self.refuse(message, None);
        Some(Change::Closed)
    }

    /// A packet of this namespace. Errors are reported as events; the return says what changed for the session.
    pub(super) fn handle_packet(&mut self, packet: SocketPacket, now: f64) -> Option<Change> {
        match packet {
            SocketPacket::Connect { payload, .. } => {
                let SocketPhase::Joining(joining) = &mut self.phase else {
                    self.report(ConnectionError::Unexpected("CONNECT"));
                    return None;
                };
                let recovery_requested = joining.recovery_requested;
                let early_events = std::mem::take(&mut joining.early_events);
                let field = |name: &str| match &payload {
                    Some(Value::Object(obj)) => obj.get(name).and_then(Value::as_str).map(str::to_owned),
                    _ => None,
                };
                let Some(sid) = field("sid") else {
                    // A v2 server: retrying cannot help.
                    self.refuse(INCOMPATIBLE_SERVER.to_owned(), None);
                    return Some(Change::Closed);
                };
                self.phase = SocketPhase::Connected(Connected { sid: sid.clone() });
                let pid = field("pid");
                let old = self.recovery.take();
                let recovered = recovery_requested && matches!((&pid, &old), (Some(pid), Some(old)) if *pid == old.pid);
                // A new session: offsets of the old one mean nothing to the server now.
                let offset = if recovered { old.and_then(|r| r.offset) } else { None };
                self.recovery = pid.map(|pid| Recovery { pid, offset });
                self.events.push_back(Event::Connect { sid, recovered });
                for event in early_events {
                    self.events.push_back(event);
                }
                self.rejoin_rooms(now);
                self.flush_buffer();
                self.drain_queue(now);
                Some(Change::Connected)
            }
            SocketPacket::ConnectError { message, data, .. } => {
                if !matches!(self.phase, SocketPhase::Joining(_)) {
                    self.report(ConnectionError::Unexpected("CONNECT_ERROR"));
                    return None;
                }
                // Auth was refused: retrying with the same credentials would loop. The app decides.
                self.refuse(message, data);
                Some(Change::Closed)
            }
            SocketPacket::Disconnect { .. } => {
                if !self.phase.is_connected() {
                    return None;
                }
                self.end(DisconnectReason::ServerDisconnect);
                self.phase = SocketPhase::Idle;
                Some(Change::Closed)
            }
            SocketPacket::Event { id, name, args, .. } => {
                if !self.phase.is_connected() && !matches!(self.phase, SocketPhase::Joining(_)) {
                    self.report(ConnectionError::Unexpected("EVENT"));
                    return None;
                }
                if let Some(recovery) = &mut self.recovery {
                    // With state recovery on, the server appends the event's offset as the last argument.
                    if let Some(offset) = last_string(&args) {
                        recovery.offset = Some(offset);
                    }
                }
                let event = Event::Message { name, args, ack_id: id };
                match &mut self.phase {
                    SocketPhase::Joining(joining) => joining.early_events.push(event),
                    _ => self.events.push_back(event),
                }
                None
            }
            SocketPacket::Ack { id, args, .. } => {
                match self.take_ack(id) {
                    Some(ack) if ack.rejoin => self.rejoined(),
                    Some(_) => self.settle_ack(id, Ok(args.values()), now),
                    None => self.report(ConnectionError::UnknownAck(id)),
                }
                None
            }
        }
    }

    /// Fails acks past their deadline. Returns whether this namespace's connect attempt timed out.
    pub(super) fn handle_timeout(&mut self, now: f64) -> bool {
        let expired: Vec<u64> = self.acks.iter().filter(|a| now >= a.deadline).map(|a| a.id).collect();
        for id in expired {
            if self.take_ack(id).is_some_and(|ack| ack.rejoin) {
                self.rejoined();
                continue;
            }
            self.buffer.retain(|b| b.ack_id != Some(id));
            self.settle_ack(id, Err(AckError::Timeout), now);
        }
        self.phase.deadline().is_some_and(|deadline| now >= deadline)
    }

    /// Another namespace connected: the session works, so this one waits for its reply as long as it takes (as
    /// socket.io-client's sockets do).
    pub(super) fn drop_deadline(&mut self) {
        match &mut self.phase {
            SocketPhase::Authenticating { deadline, .. } | SocketPhase::Joining(Joining { deadline, .. }) => {
                *deadline = None
            }
            _ => {}
        }
    }

    /// The session is gone. Pending (sent) acks fail: the server may or may not have handled them, and a new
    /// session will never answer. Reports the disconnect if the app saw a connect; returns whether it had.
    /// Callers set the next phase.
    pub(super) fn end(&mut self, reason: DisconnectReason) -> bool {
        // Until the caller sets the next phase nothing may be sent (a retried emit below waits for a connect).
        let was_connected = self.phase.is_connected();
        self.phase = SocketPhase::Idle;
        let failed: Vec<u64> = self.acks.iter().filter(|a| a.sent && !a.rejoin).map(|a| a.id).collect();
        self.acks.retain(|a| !a.sent);
        for id in failed {
            self.settle_ack(id, Err(AckError::Disconnected), 0.0);
        }
        if was_connected {
            self.events.push_back(Event::Disconnect { reason });
        }
        was_connected
    }

    /// This namespace's attempt cannot succeed (refused, the auth callback failed, an incompatible server): report
    /// and stop — the app decides what next.
    fn refuse(&mut self, message: String, data: Option<Value>) {
        self.end(DisconnectReason::TransportClose);
        self.phase = SocketPhase::Failed;
        self.events.push_back(Event::ConnectError { message, data });
    }

    // ---- internals ----

    fn report(&mut self, error: ConnectionError) {
        self.events.push_back(Event::Error(error));
    }

    fn send_event(&mut self, name: &str, args: Vec<Value>, ack: Option<(u64, f64)>, now: f64) -> Result<(), EmitError> {
        if RESERVED.contains(&name) {
            return Err(EmitError::ReservedName(name.to_owned()));
        }
        let namespace = self.config.namespace.clone();
        let id = ack.map(|(id, _)| id);
        let frame = encode_frame(&SocketPacket::Event { namespace, id, name: name.to_owned(), args: args.into() });
        if frame.len() > self.max_payload {
            return Err(EmitError::TooLarge { len: frame.len(), max: self.max_payload });
        }
        if self.phase.is_connected() {
            if let Some((id, deadline)) = ack {
                self.acks.push(PendingAck { id, deadline, sent: true, rejoin: false });
            }
            self.frames.push_back(frame);
            return Ok(());
        }
        if !self.config.buffer_when_disconnected {
            return Err(EmitError::NotConnected);
        }
        if let Some((id, deadline)) = ack {
            self.acks.push(PendingAck { id, deadline, sent: false, rejoin: false });
        }
        self.buffer.push_back(Buffered { frame, ack_id: id });
        if self.buffer.len() > self.config.max_buffered.max(1) {
            if let Some(dropped) = self.buffer.pop_front() {
                self.report(ConnectionError::BufferOverflow);
                if let Some(id) = dropped.ack_id {
                    self.take_ack(id);
                    self.settle_ack(id, Err(AckError::Dropped), now);
                }
            }
        }
        Ok(())
    }

    fn rejoin_rooms(&mut self, now: f64) {
        // With acks, so `RoomsRejoined` means the server has us in the rooms again: a resync fetched after it
        // cannot miss a message published between the fetch and the join.
        for room in self.rooms.clone() {
            let joined = vec![Value::String(room.clone())];
            if let Ok(id) = self.send_with_ack("join_room", joined, Some(REJOIN_ACK_TIMEOUT_MS), now) {
                if let Some(ack) = self.acks.iter_mut().find(|a| a.id == id) {
                    ack.rejoin = true;
                }
            }
        }
    }

    /// A re-join's ack came (or timed out); after the last one, report the rooms re-joined.
    fn rejoined(&mut self) {
        if !self.acks.iter().any(|a| a.rejoin) {
            self.events.push_back(Event::RoomsRejoined { rooms: self.rooms.clone() });
        }
    }

    /// Removes the pending ack `id`, keeping the others in id order.
    fn take_ack(&mut self, id: u64) -> Option<PendingAck> {
        let index = self.acks.iter().position(|a| a.id == id)?;
        Some(self.acks.remove(index))
    }

    fn flush_buffer(&mut self) {
        while let Some(buffered) = self.buffer.pop_front() {
            if let Some(ack) = buffered.ack_id.and_then(|id| self.acks.iter_mut().find(|a| a.id == id)) {
                ack.sent = true;
            }
            self.frames.push_back(buffered.frame);
        }
    }
}

/// The last argument when it is a string (parsed alone: the other arguments stay text).
fn last_string(args: &RawArgs) -> Option<String> {
    let last = args.get(args.len().checked_sub(1)?)?.trim_start();
    if !last.starts_with('"') {
        return None; // not a string: don't parse a whole payload to find out
    }
    match json::from_str(last) {
        Ok(Value::String(s)) => Some(s),
        _ => None,
    }
}
