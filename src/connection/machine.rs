use crate::json::{Map, Value};

use super::event::{Action, EmitError, Event, Status};
use super::manager::{Manager, SocketId};
use super::{Config, TransportKind};

/// One namespace over its own Engine.IO session: a [`Manager`] with one socket, the namespace of `config`.
///
/// Call order for a driver:
/// 1. feed inputs: [`connect`](Self::connect) / app commands, [`handle_transport_open`](Self::handle_transport_open),
///    [`handle_frame`](Self::handle_frame), [`handle_transport_close`](Self::handle_transport_close),
///    [`handle_auth`](Self::handle_auth), and [`handle_timeout`](Self::handle_timeout) when the deadline from
///    [`poll_timeout`](Self::poll_timeout) passes — each with the current time in ms;
/// 2. drain [`poll_action`](Self::poll_action) (transport work) and [`poll_event`](Self::poll_event) (app events);
/// 3. re-arm the single timer with [`poll_timeout`](Self::poll_timeout).
#[derive(Debug)]
pub struct Connection {
    manager: Manager,
    socket: SocketId,
}

impl Connection {
    /// A new, idle connection. `seed` feeds the reconnect jitter (the browser driver passes `Math.random()` bits).
    pub fn new(config: Config, seed: u64) -> Self {
        let namespace = config.namespace.clone();
        let mut manager = Manager::new(config.clone(), seed);
        let socket = manager.add_socket(&namespace, &config);
        Connection { manager, socket }
    }

    // ---- getters ----

    /// Current status.
    pub fn status(&self) -> Status {
        self.manager.status(self.socket)
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        self.manager.config()
    }

    /// The Socket.IO session id while connected.
    pub fn sid(&self) -> Option<&str> {
        self.manager.sid(self.socket)
    }

    /// Rooms this client wants to be in, in join order; re-joined after every reconnect.
    pub fn rooms(&self) -> &[String] {
        self.manager.rooms(self.socket)
    }

    /// Emits waiting for a connection.
    pub fn buffered(&self) -> usize {
        self.manager.buffered(self.socket)
    }

    /// Emits waiting their turn (with `retries`), the one on the wire included.
    pub fn queued(&self) -> usize {
        self.manager.queued(self.socket)
    }

    /// The transport of the current or next attempt.
    pub fn transport(&self) -> TransportKind {
        self.manager.transport()
    }

    // ---- outputs ----

    /// Next transport action for the driver.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.manager.poll_action()
    }

    /// Next event for the app: the socket's and the manager's, minus the manager's `ConnectError` (the socket
    /// reports its own) and the session's open and close (its status says it).
    pub fn poll_event(&mut self) -> Option<Event> {
        loop {
            match self.manager.poll_event()? {
                (None, Event::ConnectError { .. } | Event::SessionOpen | Event::SessionClose { .. }) => continue,
                (_, event) => return Some(event),
            }
        }
    }

    /// The earliest time (ms) at which [`handle_timeout`](Self::handle_timeout) must be called, if any.
    pub fn poll_timeout(&self) -> Option<f64> {
        self.manager.poll_timeout()
    }

    // ---- app commands ----

    /// Starts connecting (or skips the remaining backoff). No-op while connecting or connected.
    pub fn connect(&mut self, now: f64) {
        self.manager.connect(self.socket, now)
    }

    /// Leaves the namespace and closes the transport. No reconnect follows; pending acks fail, buffered emits stay
    /// buffered for a later [`connect`](Self::connect).
    pub fn disconnect(&mut self, now: f64) {
        self.manager.disconnect(self.socket, now)
    }

    /// Emits an event. Buffered while disconnected (unless buffering is off); with `retries`, queued (see
    /// [`Config::retries`]).
    pub fn emit(&mut self, name: &str, args: Vec<Value>, now: f64) -> Result<(), EmitError> {
        self.manager.emit(self.socket, name, args, now)
    }

    /// Emits an event only if it can go out now (socket.io-client's `volatile`): while not connected it is dropped,
    /// not buffered — for what is stale by the time a connection returns (typing, presence). Returns whether it was
    /// sent.
    pub fn emit_volatile(&mut self, name: &str, args: Vec<Value>, now: f64) -> Result<bool, EmitError> {
        self.manager.emit_volatile(self.socket, name, args, now)
    }

    /// Turns automatic reconnection on or off from now on (socket.io-client's `socket.io.reconnection(v)`). Off
    /// during a backoff wait stops the wait.
    pub fn set_reconnection(&mut self, on: bool, now: f64) {
        self.manager.set_reconnection(on, now)
    }

    /// Emits an event that asks for an ack. Returns the ack id; the outcome arrives as [`Event::AckResult`] within
    /// `timeout_ms` (default from the config), or fails early if the connection is lost after sending.
    pub fn emit_with_ack(
        &mut self,
        name: &str,
        args: Vec<Value>,
        timeout_ms: Option<f64>,
        now: f64,
    ) -> Result<u64, EmitError> {
        self.manager.emit_with_ack(self.socket, name, args, timeout_ms, now)
    }

    /// Answers a server event that asked for an ack. Dropped if the connection was lost meanwhile.
    pub fn ack(&mut self, id: u64, args: Vec<Value>) {
        self.manager.ack(self.socket, id, args)
    }

    /// Joins a room (emits `join_room`) and remembers it, so it is joined again after every reconnect.
    pub fn join_room(&mut self, room: &str, now: f64) {
        self.manager.join_room(self.socket, room, now)
    }

    /// Leaves a room (emits `leave_room`) and forgets it.
    pub fn leave_room(&mut self, room: &str, now: f64) {
        self.manager.leave_room(self.socket, room, now)
    }

    // ---- inputs ----

    /// The transport opened. Engine.IO's OPEN packet follows as a frame.
    pub fn handle_transport_open(&mut self, now: f64) {
        self.manager.handle_transport_open(now)
    }

    /// The transport closed or failed on its own (not after an [`Action::Close`]).
    pub fn handle_transport_close(&mut self, error: bool, now: f64) {
        self.manager.handle_transport_close(error, now)
    }

    /// The browser went offline: report it at once instead of waiting for the heartbeat to expire.
    pub fn handle_offline(&mut self, now: f64) {
        self.manager.handle_offline(now)
    }

    /// The network is back, or a hidden tab became visible: retry now instead of waiting out the backoff, and
    /// notice an expired heartbeat at once.
    pub fn handle_wake(&mut self, now: f64) {
        self.manager.handle_wake(now)
    }

    /// The app's auth payload for the pending CONNECT (answer to [`Action::RequestAuth`]).
    pub fn handle_auth(&mut self, auth: Option<Map>, now: f64) {
        self.manager.handle_auth(self.socket, auth, now)
    }

    /// The app's auth callback threw or its promise rejected: connecting without the credentials the app meant to
    /// send would be wrong, so the attempt stops with a `ConnectError` carrying `message` (no automatic retry).
    pub fn handle_auth_error(&mut self, message: String, now: f64) {
        self.manager.handle_auth_error(self.socket, message, now)
    }

    /// One text frame from the transport.
    pub fn handle_frame(&mut self, frame: &str, now: f64) {
        self.manager.handle_frame(frame, now)
    }

    /// Call when the deadline from [`poll_timeout`](Self::poll_timeout) has passed (early calls are harmless).
    pub fn handle_timeout(&mut self, now: f64) {
        self.manager.handle_timeout(now)
    }

    /// The probe WebSocket opened: send the probe ping.
    pub fn handle_probe_open(&mut self, now: f64) {
        self.manager.handle_probe_open(now)
    }

    /// A frame on the probe WebSocket: `3probe` completes the probe and starts the upgrade.
    pub fn handle_probe_frame(&mut self, frame: &str, now: f64) {
        self.manager.handle_probe_frame(frame, now)
    }

    /// The probe WebSocket closed or failed before the upgrade: stay on polling.
    pub fn handle_probe_close(&mut self, now: f64) {
        self.manager.handle_probe_close(now)
    }
}
