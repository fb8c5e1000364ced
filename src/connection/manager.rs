//! Several Socket.IO namespaces over one Engine.IO session, like socket.io-client's `Manager`: the
//! [`Engine`] owns the session, each [`NamespaceSocket`] its namespace; packets are routed by their namespace.

use crate::json::{Map, Value};
use crate::protocol::{EnginePacket, SocketPacket};
use std::collections::VecDeque;

use super::engine::{AfterLoss, Engine, EnginePhase};
use super::event::{Action, ConnectionError, DisconnectReason, EmitError, Event, Status};
use super::namespace_socket::{Change, NamespaceSocket, SocketConfig, SocketPhase};
use super::timer::Timer;
use super::{Config, TransportKind};

/// A namespace socket of a [`Manager`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SocketId(pub u32);

/// The Socket.IO client manager as a pure state machine (quinn-proto style): one Engine.IO session shared by
/// namespace sockets.
///
/// It does no I/O and reads no clock. A driver feeds transport inputs and time ([`handle_frame`](Self::handle_frame),
/// [`handle_transport_close`](Self::handle_transport_close), [`handle_timeout`](Self::handle_timeout), …) and app
/// commands per socket, then drains [`poll_action`](Self::poll_action) and [`poll_event`](Self::poll_event) and
/// re-arms its one timer with [`poll_timeout`](Self::poll_timeout).
///
/// The session opens when a socket connects and closes when the last socket leaves (socket.io-client does the
/// same). A lost session is reconnected with backoff, then every socket that was in use connects again with its
/// own auth and re-joins its rooms. A namespace's `connect_error` or DISCONNECT concerns it alone.
#[derive(Debug)]
pub struct Manager {
    engine: Engine,
    /// By [`SocketId`]; `None` once removed.
    sockets: Vec<Option<NamespaceSocket>>,
    /// Events in the order they happened, with the socket they concern (`None`: the manager's own).
    events: VecDeque<(Option<SocketId>, Event)>,
}

impl Manager {
    /// A manager with no sockets. `config` holds the session options (URL, path, query, reconnection, timeout,
    /// transports); its per-namespace options are the defaults of [`add_socket`](Self::add_socket).
    /// `seed` feeds the reconnect jitter.
    pub fn new(config: Config, seed: u64) -> Self {
        Manager { engine: Engine::new(config, seed), sockets: Vec::new(), events: VecDeque::new() }
    }

    /// The socket of `namespace`, added if new: `ack_timeout_ms`, `buffer_when_disconnected`, `max_buffered` and
    /// `retries` come from `options` (its session fields are ignored). One socket per namespace, as the server
    /// keeps one per namespace and connection: an existing one is returned as it is.
    pub fn add_socket(&mut self, namespace: &str, options: &Config) -> SocketId {
        if let Some(id) = self.find(namespace) {
            return id;
        }
        let mut config = SocketConfig::of(options);
        config.namespace = namespace.to_owned();
        let id = SocketId(self.sockets.len() as u32);
        self.sockets.push(Some(NamespaceSocket::new(config, self.engine.max_payload)));
        id
    }

    /// Disconnects the socket (if connected) and forgets it.
    pub fn remove_socket(&mut self, id: SocketId, now: f64) {
        self.disconnect(id, now);
        if let Some(slot) = self.sockets.get_mut(id.0 as usize) {
            *slot = None;
        }
    }

    // ---- getters ----

    /// The session configuration.
    pub fn config(&self) -> &Config {
        &self.engine.config
    }

    /// The socket's status (`Disconnected` for an unknown one).
    pub fn status(&self, id: SocketId) -> Status {
        self.socket(id).map_or(Status::Disconnected, |s| s.status)
    }

    /// The socket's namespace.
    pub fn namespace(&self, id: SocketId) -> Option<&str> {
        self.socket(id).map(|s| s.config.namespace.as_str())
    }

    /// The socket's Socket.IO session id while connected.
    pub fn sid(&self, id: SocketId) -> Option<&str> {
        self.socket(id).and_then(NamespaceSocket::sid)
    }

    /// Rooms the socket wants to be in, in join order; re-joined after every reconnect.
    pub fn rooms(&self, id: SocketId) -> &[String] {
        self.socket(id).map_or(&[], NamespaceSocket::rooms)
    }

    /// The socket's emits waiting for a connection.
    pub fn buffered(&self, id: SocketId) -> usize {
        self.socket(id).map_or(0, NamespaceSocket::buffered)
    }

    /// The socket's emits waiting their turn (with `retries`), the one on the wire included.
    pub fn queued(&self, id: SocketId) -> usize {
        self.socket(id).map_or(0, NamespaceSocket::queued)
    }

    /// The transport of the current or next attempt.
    pub fn transport(&self) -> TransportKind {
        self.engine.transport
    }

    /// Whether the Engine.IO session is open.
    pub fn is_open(&self) -> bool {
        matches!(self.engine.phase(), EnginePhase::Open(_))
    }

    // ---- outputs ----

    /// Next transport action for the driver.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.engine.actions.pop_front()
    }

    /// Next event: for a socket, or (`None`) the manager's own: `SessionOpen`, `SessionClose`, `ReconnectAttempt`,
    /// `Reconnect`, `ReconnectError`, `ReconnectFailed`, `ConnectError` (the session could not open:
    /// socket.io-client's manager `error`) and `Error` (a frame no socket could take).
    pub fn poll_event(&mut self) -> Option<(Option<SocketId>, Event)> {
        self.events.pop_front()
    }

    /// The earliest time (ms) at which [`handle_timeout`](Self::handle_timeout) must be called, if any.
    pub fn poll_timeout(&self) -> Option<f64> {
        let sockets = self.live().filter_map(|(_, s)| s.poll_timeout());
        sockets.chain(self.engine.timers.next()).reduce(f64::min)
    }

    // ---- app commands ----

    /// Opens the session without a socket (socket.io-client's `manager.open()`); sockets connecting later use it.
    pub fn open(&mut self, now: f64) {
        if matches!(self.engine.phase(), EnginePhase::Idle | EnginePhase::Failed) {
            self.engine.attempts = 0;
            self.start_attempt(now);
        }
        self.sync_status();
    }

    /// Closes the session and every socket (socket.io-client's `manager.close()`); no reconnect follows.
    pub fn close(&mut self, now: f64) {
        let ids: Vec<SocketId> = self.live().map(|(id, _)| id).collect();
        for id in ids {
            self.on_socket(id, |s| s.disconnect());
        }
        self.stop_engine(now);
        self.sync_status();
    }

    /// Connects the socket: opens the session if needed (or skips the remaining backoff), else sends its CONNECT
    /// after asking for its auth. No-op while connecting or connected.
    pub fn connect(&mut self, id: SocketId, now: f64) {
        let Some(socket) = self.socket_mut(id) else { return };
        if !socket.phase.active() {
            socket.phase = SocketPhase::Waiting { reconnecting: false };
        }
        match self.engine.phase() {
            EnginePhase::Idle | EnginePhase::Failed => {
                self.engine.attempts = 0;
                self.start_attempt(now);
            }
            EnginePhase::Backoff => self.start_attempt(now),
            // (A socket already joining or connected keeps its attempt: no second CONNECT.)
            EnginePhase::Open(_) if self.socket(id).is_some_and(|s| s.phase.is_waiting()) => {
                // A session that already serves a namespace works: no connect timeout for this one.
                let deadline = (!self.any_connected()).then_some(now + self.engine.config.connect_timeout_ms);
                self.begin_auth(id, deadline);
            }
            EnginePhase::Open(_) | EnginePhase::Opening => {}
        }
        self.sync_status();
    }

    /// Leaves the socket's namespace (a DISCONNECT for it only). The session closes when no socket is left in use.
    /// Pending acks fail; buffered emits stay for a later [`connect`](Self::connect).
    pub fn disconnect(&mut self, id: SocketId, now: f64) {
        self.on_socket(id, |s| s.disconnect());
        self.close_if_unused(now);
        self.sync_status();
    }

    /// Emits an event on the socket; see [`Connection::emit`](super::Connection::emit).
    pub fn emit(&mut self, id: SocketId, name: &str, args: Vec<Value>, now: f64) -> Result<(), EmitError> {
        self.check_heartbeat(now);
        let result = self.on_socket(id, |s| s.emit(name, args, now)).unwrap_or(Err(EmitError::NotConnected));
        self.sync_status();
        result
    }

    /// Emits only if the socket is connected now; returns whether it was sent.
    pub fn emit_volatile(&mut self, id: SocketId, name: &str, args: Vec<Value>, now: f64) -> Result<bool, EmitError> {
        self.check_heartbeat(now);
        let result = self.on_socket(id, |s| s.emit_volatile(name, args, now)).unwrap_or(Ok(false));
        self.sync_status();
        result
    }

    /// Emits an event asking for an ack; returns the ack id (per socket).
    pub fn emit_with_ack(
        &mut self,
        id: SocketId,
        name: &str,
        args: Vec<Value>,
        timeout_ms: Option<f64>,
        now: f64,
    ) -> Result<u64, EmitError> {
        self.check_heartbeat(now);
        let result = self
            .on_socket(id, |s| s.emit_with_ack(name, args, timeout_ms, now))
            .unwrap_or(Err(EmitError::NotConnected));
        self.sync_status();
        result
    }

    /// Answers a server event of the socket that asked for an ack.
    pub fn ack(&mut self, id: SocketId, ack_id: u64, args: Vec<Value>) {
        self.on_socket(id, |s| s.ack(ack_id, args));
    }

    /// Joins a room on the socket's namespace (emits `join_room`), re-joined after every reconnect.
    pub fn join_room(&mut self, id: SocketId, room: &str, now: f64) {
        self.on_socket(id, |s| s.join_room(room, now));
    }

    /// Leaves a room (emits `leave_room`) and forgets it.
    pub fn leave_room(&mut self, id: SocketId, room: &str, now: f64) {
        self.on_socket(id, |s| s.leave_room(room, now));
    }

    /// Turns automatic reconnection on or off from now on. Off during a backoff wait stops the wait.
    pub fn set_reconnection(&mut self, on: bool, now: f64) {
        let _ = now;
        self.engine.config.reconnection = on;
        if !on && matches!(self.engine.phase(), EnginePhase::Backoff) {
            self.engine.stop_waiting();
            self.for_each_socket(|s| {
                if s.phase.active() {
                    s.phase = SocketPhase::Idle;
                }
            });
        }
        self.sync_status();
    }

    // ---- inputs ----

    /// The transport opened. Engine.IO's OPEN packet follows as a frame.
    pub fn handle_transport_open(&mut self, now: f64) {
        let _ = now;
    }

    /// The transport closed or failed on its own (not after an [`Action::Close`]).
    pub fn handle_transport_close(&mut self, error: bool, now: f64) {
        if self.engine.active() {
            let reason = if error { DisconnectReason::TransportError } else { DisconnectReason::TransportClose };
            self.lose(reason, now);
        }
        self.sync_status();
    }

    /// The browser went offline: report it at once instead of waiting for the heartbeat to expire.
    pub fn handle_offline(&mut self, now: f64) {
        if self.engine.active() {
            self.lose(DisconnectReason::Offline, now);
        }
        self.sync_status();
    }

    /// The network is back, or a hidden tab became visible: retry now instead of waiting out the backoff, and
    /// notice an expired heartbeat at once.
    pub fn handle_wake(&mut self, now: f64) {
        self.check_heartbeat(now);
        if matches!(self.engine.phase(), EnginePhase::Backoff) {
            self.start_attempt(now);
        }
        self.sync_status();
    }

    /// The app's auth payload for the socket's pending CONNECT (answer to [`Action::RequestAuth`]).
    pub fn handle_auth(&mut self, id: SocketId, auth: Option<Map>, now: f64) {
        let _ = now;
        self.on_socket(id, |s| s.handle_auth(auth));
        self.sync_status();
    }

    /// The socket's auth callback failed: its attempt stops with a `ConnectError` (no automatic retry).
    pub fn handle_auth_error(&mut self, id: SocketId, message: String, now: f64) {
        if let Some(Some(change)) = self.on_socket(id, |s| s.handle_auth_error(message)) {
            self.changed(change, now);
        }
        self.sync_status();
    }

    /// One text frame from the transport.
    pub fn handle_frame(&mut self, frame: &str, now: f64) {
        if !self.engine.active() {
            return;
        }
        // Nearly every frame is a MESSAGE: decode its Socket.IO packet straight from the frame, without copying the
        // text into an `EnginePacket::Message` first. Anything else takes the general path.
        if let Some(text) = frame.strip_prefix('4') {
            match SocketPacket::decode(text) {
                Ok(packet) => self.route(packet, now),
                Err(e) => self.report(ConnectionError::Decode(e)),
            }
            return self.sync_status();
        }
        let packet = match EnginePacket::decode(frame) {
            Ok(packet) => packet,
            Err(e) => return self.report(ConnectionError::Decode(e)),
        };
        match packet {
            EnginePacket::Open(info) => {
                if !matches!(self.engine.phase(), EnginePhase::Opening) {
                    return self.report(ConnectionError::Unexpected("OPEN"));
                }
                // The sockets' join deadline is what is left of the attempt's.
                let deadline = self.engine.timers.get(Timer::ConnectTimeout);
                self.engine.opened(info, now);
                let max_payload = self.engine.max_payload;
                self.for_each_socket(|s| s.max_payload = max_payload);
                self.events.push_back((None, Event::SessionOpen));
                // socket.io-client order: the manager's `reconnect` when the session is back, before any `connect`.
                if self.engine.attempts > 0 {
                    let attempts = std::mem::take(&mut self.engine.attempts);
                    self.events.push_back((None, Event::Reconnect { attempts }));
                }
                let waiting: Vec<SocketId> =
                    self.live().filter(|(_, s)| s.phase.is_waiting()).map(|(id, _)| id).collect();
                for id in waiting {
                    self.begin_auth(id, deadline);
                }
            }
            EnginePacket::Ping(data) => self.engine.ping(data, now),
            EnginePacket::Close => self.lose(DisconnectReason::TransportClose, now),
            EnginePacket::Message(text) => match SocketPacket::decode(&text) {
                Ok(packet) => self.route(packet, now),
                Err(e) => self.report(ConnectionError::Decode(e)),
            },
            EnginePacket::Pong(_) | EnginePacket::Upgrade | EnginePacket::Noop => {}
        }
        self.sync_status();
    }

    /// Call when the deadline from [`poll_timeout`](Self::poll_timeout) has passed (early calls are harmless).
    pub fn handle_timeout(&mut self, now: f64) {
        for timer in Timer::ALL {
            if !self.engine.timers.is_expired(timer, now) {
                continue;
            }
            match timer {
                Timer::Probe => {
                    self.engine.fail_probe();
                    continue;
                }
                Timer::Reconnect => self.start_attempt(now),
                // A handshake that never finishes is a failed attempt, retried with backoff.
                Timer::ConnectTimeout => self.lose_with(DisconnectReason::TransportError, "timeout", now),
                Timer::Heartbeat => self.lose(DisconnectReason::PingTimeout, now),
            }
            // The others changed phase, which stopped the old phase's timers; one they armed (a new attempt's
            // connect timeout, a backoff of 0) waits for the next call.
            break;
        }
        let ids: Vec<SocketId> = self.live().map(|(id, _)| id).collect();
        let mut join_timed_out = false;
        for id in ids {
            join_timed_out |= self.on_socket(id, |s| s.handle_timeout(now)).unwrap_or(false);
        }
        if join_timed_out && self.engine.active() && !self.any_connected() {
            // No namespace got an answer in time: the session is as good as dead.
            self.lose_with(DisconnectReason::TransportError, "timeout", now);
        }
        self.sync_status();
    }

    /// The probe WebSocket opened: send the probe ping.
    pub fn handle_probe_open(&mut self, now: f64) {
        let _ = now;
        self.engine.probe_open();
    }

    /// A frame on the probe WebSocket: `3probe` completes the probe and starts the upgrade.
    pub fn handle_probe_frame(&mut self, frame: &str, now: f64) {
        let _ = now;
        self.engine.probe_frame(frame);
    }

    /// The probe WebSocket closed or failed before the upgrade: stay on polling.
    pub fn handle_probe_close(&mut self, now: f64) {
        let _ = now;
        if self.engine.probing() {
            self.engine.fail_probe();
        }
    }

    // ---- internals ----

    fn socket(&self, id: SocketId) -> Option<&NamespaceSocket> {
        self.sockets.get(id.0 as usize).and_then(Option::as_ref)
    }

    fn socket_mut(&mut self, id: SocketId) -> Option<&mut NamespaceSocket> {
        self.sockets.get_mut(id.0 as usize).and_then(Option::as_mut)
    }

    fn live(&self) -> impl Iterator<Item = (SocketId, &NamespaceSocket)> {
        self.sockets.iter().enumerate().filter_map(|(i, s)| Some((SocketId(i as u32), s.as_ref()?)))
    }

    fn find(&self, namespace: &str) -> Option<SocketId> {
        self.live().find(|(_, s)| s.config.namespace == namespace).map(|(id, _)| id)
    }

    fn any_connected(&self) -> bool {
        self.live().any(|(_, s)| s.phase.is_connected())
    }

    fn for_each_socket(&mut self, mut f: impl FnMut(&mut NamespaceSocket)) {
        self.sockets.iter_mut().flatten().for_each(&mut f);
    }

    /// Runs `f` on the socket, then moves its frames to the transport and its events out, in order.
    fn on_socket<R>(&mut self, id: SocketId, f: impl FnOnce(&mut NamespaceSocket) -> R) -> Option<R> {
        let result = f(self.socket_mut(id)?);
        self.collect(id);
        Some(result)
    }

    /// Not generic, so the many `on_socket` instances stay small in the wasm.
    fn collect(&mut self, id: SocketId) {
        let Some(socket) = self.sockets.get_mut(id.0 as usize).and_then(Option::as_mut) else { return };
        while let Some(frame) = socket.frames.pop_front() {
            self.engine.actions.push_back(Action::Send(frame));
        }
        while let Some(event) = socket.events.pop_front() {
            self.events.push_back((Some(id), event));
        }
    }

    fn report(&mut self, error: ConnectionError) {
        self.events.push_back((None, Event::Error(error)));
    }

    /// Hands a packet to the socket of its namespace.
    fn route(&mut self, packet: SocketPacket, now: f64) {
        let target = self.live().find(|(_, s)| s.phase.active() && s.config.namespace == packet.namespace());
        let Some((id, _)) = target else {
            return self.report(ConnectionError::WrongNamespace(packet.namespace().to_owned()));
        };
        if let Some(Some(change)) = self.on_socket(id, |s| s.handle_packet(packet, now)) {
            self.changed(change, now);
        }
    }

    fn changed(&mut self, change: Change, now: f64) {
        match change {
            Change::Connected => {
                self.for_each_socket(NamespaceSocket::drop_deadline);
                self.engine.maybe_probe_upgrade(now);
            }
            Change::Closed => self.close_if_unused(now),
        }
    }

    fn begin_auth(&mut self, id: SocketId, deadline: Option<f64>) {
        if self.on_socket(id, |s| s.begin_auth(deadline)).is_some() {
            self.engine.actions.push_back(Action::RequestAuth(id));
        }
    }

    /// socket.io-client closes the session once no socket uses it.
    fn close_if_unused(&mut self, now: f64) {
        if !self.live().any(|(_, s)| s.phase.active()) {
            self.stop_engine(now);
        }
    }

    fn stop_engine(&mut self, now: f64) {
        let _ = now;
        if self.is_open() {
            self.events.push_back((None, Event::SessionClose { reason: "forced close" }));
        }
        self.engine.close();
        self.engine.attempts = 0;
    }

    fn check_heartbeat(&mut self, now: f64) {
        if self.engine.heartbeat_expired(now) {
            self.lose(DisconnectReason::PingTimeout, now);
        }
    }

    fn start_attempt(&mut self, now: f64) {
        if self.engine.attempts > 0 {
            self.events.push_back((None, Event::ReconnectAttempt { attempt: self.engine.attempts }));
        }
        self.engine.open_transport(now);
    }

    /// The session was lost without either side asking: retry with backoff if configured.
    fn lose(&mut self, reason: DisconnectReason, now: f64) {
        let failure = self.engine.failure(reason == DisconnectReason::Offline);
        self.lose_with(reason, failure, now)
    }

    /// [`lose`](Self::lose); `failure` is the `connect_error` message for the sockets that were connecting.
    fn lose_with(&mut self, reason: DisconnectReason, failure: &str, now: f64) {
        let was_opening = matches!(self.engine.phase(), EnginePhase::Opening);
        // An attempt: the transport was opening, or open with namespaces joining and none connected yet (a session
        // opened by `open()` alone that drops was no attempt of anyone's).
        let joining = self.live().any(|(_, s)| s.phase.active());
        let attempt_failed = was_opening || (self.engine.active() && joining && !self.any_connected());
        let was_reconnecting = self.engine.attempts > 0;
        if self.is_open() {
            self.events.push_back((None, Event::SessionClose { reason: reason.as_str() }));
        }
        self.engine.close();
        let mut attempting = Vec::new();
        let ids: Vec<SocketId> = self.live().filter(|(_, s)| s.phase.active()).map(|(id, _)| id).collect();
        for &id in &ids {
            if self.on_socket(id, |s| s.end(reason)) == Some(false) {
                attempting.push(id);
            }
        }
        let after = self.engine.after_loss(was_opening, reason.reconnects(), now);
        if after != AfterLoss::FellBack && attempt_failed {
            for &id in &attempting {
                let error = Event::ConnectError { message: failure.to_owned(), data: None };
                self.events.push_back((Some(id), error));
            }
            self.events.push_back((None, Event::ConnectError { message: failure.to_owned(), data: None }));
            if was_reconnecting {
                self.events.push_back((None, Event::ReconnectError { message: failure.to_owned() }));
            }
        }
        if after == AfterLoss::GaveUp {
            self.events.push_back((None, Event::ReconnectFailed));
        }
        for id in ids {
            if let Some(s) = self.socket_mut(id) {
                s.phase = match after {
                    AfterLoss::FellBack => SocketPhase::Waiting { reconnecting: false },
                    AfterLoss::Retrying => SocketPhase::Waiting { reconnecting: true },
                    AfterLoss::Stopped => SocketPhase::Idle,
                    AfterLoss::GaveUp => SocketPhase::Failed,
                };
            }
        }
    }

    /// Reports every socket's status change.
    fn sync_status(&mut self) {
        let engine_retrying = self.engine.attempts > 0 || matches!(self.engine.phase(), EnginePhase::Backoff);
        for (i, slot) in self.sockets.iter_mut().enumerate() {
            let Some(s) = slot else { continue };
            let status = match s.phase {
                SocketPhase::Idle => Status::Disconnected,
                SocketPhase::Failed => Status::Error,
                SocketPhase::Connected(_) => Status::Connected,
                _ if s.phase.reconnecting() || engine_retrying => Status::Reconnecting,
                _ => Status::Connecting,
            };
            if status != s.status {
                s.status = status;
                self.events.push_back((Some(SocketId(i as u32)), Event::Status(status)));
            }
        }
    }
}
