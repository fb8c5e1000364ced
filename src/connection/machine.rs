use crate::fifo::Fifo;
use crate::json::{self, Map, Value};

use super::backoff::{Backoff, Jitter};
use super::event::{AckError, Action, ConnectionError, DisconnectReason, EmitError, Event, Status};
use super::retry_queue::{RetryQueue, Settled};
use super::{Config, TransportKind};
use crate::protocol::{encode_frame, EnginePacket, RawArgs, SocketPacket};

/// Names the Socket.IO client API reserves for its own events.
const RESERVED: [&str; 6] =
    ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"];

/// How long a re-join waits for the server's ack before counting the room as joined anyway (a server whose
/// `join_room` handler ignores acks).
const REJOIN_ACK_TIMEOUT_MS: f64 = 2000.0;

/// How long an upgrade probe may take before we give up and stay on polling.
const PROBE_TIMEOUT_MS: f64 = 10_000.0;

/// socket.io-client's `connect_error` message for a v2 server, whose CONNECT reply carries no `sid`.
const INCOMPATIBLE_SERVER: &str = "It seems you are trying to reach a Socket.IO server in v2.x with a v3.x client, \
     but they are not compatible (more information here: https://socket.io/docs/v3/migrating-from-2-x-to-3-0/)";

/// Before the handshake tells us `maxPayload` (what the server accepts from us), assume the server default.
const DEFAULT_MAX_PAYLOAD: usize = 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    /// Not connected, not trying.
    Idle,
    /// Stopped on an error the app must handle.
    Failed,
    /// Waiting out the backoff before attempt `attempts`.
    Backoff { at: f64 },
    /// Transport requested; waiting for the Engine.IO OPEN.
    Opening { deadline: f64 },
    /// Engine.IO open; waiting for the app's auth payload.
    Authenticating { deadline: f64 },
    /// Socket.IO CONNECT sent; waiting for the reply.
    Joining { deadline: f64 },
    /// Connected to the namespace.
    Connected,
}

#[derive(Debug, Clone)]
struct PendingAck {
    id: u64,
    deadline: f64,
    sent: bool,
}

#[derive(Debug, Clone)]
struct Buffered {
    frame: String,
    ack_id: Option<u64>,
}

/// The Socket.IO client connection as a pure state machine (quinn-proto style).
///
/// It does no I/O and reads no clock. Call order for a driver:
/// 1. feed inputs: [`connect`](Self::connect) / app commands, [`handle_transport_open`](Self::handle_transport_open),
///    [`handle_frame`](Self::handle_frame), [`handle_transport_close`](Self::handle_transport_close),
///    [`handle_auth`](Self::handle_auth), and [`handle_timeout`](Self::handle_timeout) when the deadline from
///    [`poll_timeout`](Self::poll_timeout) passes — each with the current time in ms;
/// 2. drain [`poll_action`](Self::poll_action) (transport work) and [`poll_event`](Self::poll_event) (app events);
/// 3. re-arm the single timer with [`poll_timeout`](Self::poll_timeout).
#[derive(Debug)]
pub struct Connection {
    config: Config,
    backoff: Backoff,
    jitter: Jitter,
    phase: Phase,
    status: Status,
    /// Failed attempts since the last successful connect.
    attempts: u32,
    /// `pingInterval + pingTimeout` from the handshake.
    heartbeat_window: f64,
    heartbeat_deadline: Option<f64>,
    max_payload: usize,
    /// Engine.IO session id and whether the server offers a WebSocket upgrade (when on polling).
    engine_sid: Option<String>,
    upgrade_offered: bool,
    /// Deadline of the upgrade probe in progress.
    probe_deadline: Option<f64>,
    /// A probe failed once: do not try again (a proxy blocking WebSocket will keep blocking it).
    probe_failed: bool,
    sid: Option<String>,
    /// Connection state recovery: the private session id and the offset of the last event seen.
    pid: Option<String>,
    last_offset: Option<String>,
    recovery_requested: bool,
    rooms: Vec<String>,
    /// Ack ids of the `join_room`s sent on (re)connect: `RoomsRejoined` waits for all of them. A Vec: one per room.
    rejoining: Vec<u64>,
    /// Events that arrived between our CONNECT and the server's reply (a recovered session replays missed events
    /// first); delivered right after `Connect`.
    early_events: Vec<Event>,
    /// The transport of the current or next attempt.
    transport: TransportKind,
    next_ack_id: u64,
    /// Acks awaited, in id order (ids only grow and removal keeps order). A Vec: only a few are in flight, and a
    /// linear scan of them is smaller than a B-tree and as fast.
    acks: Vec<PendingAck>,
    buffer: Fifo<Buffered>,
    /// Emits waiting their turn when `retries` is on.
    queue: RetryQueue,
    actions: Fifo<Action>,
    events: Fifo<Event>,
}

impl Connection {
    /// A new, idle connection. `seed` feeds the reconnect jitter (the browser driver passes `Math.random()` bits).
    pub fn new(config: Config, seed: u64) -> Self {
        let backoff = Backoff {
            initial_ms: config.reconnection_delay_ms,
            max_ms: config.reconnection_delay_max_ms,
            randomization_factor: config.randomization_factor,
        };
        let transport = config.transports.first().copied().unwrap_or(TransportKind::WebSocket);
        Connection {
            config,
            backoff,
            jitter: Jitter::new(seed),
            phase: Phase::Idle,
            status: Status::Disconnected,
            attempts: 0,
            heartbeat_window: 0.0,
            heartbeat_deadline: None,
            max_payload: DEFAULT_MAX_PAYLOAD,
            engine_sid: None,
            upgrade_offered: false,
            probe_deadline: None,
            probe_failed: false,
            sid: None,
            pid: None,
            last_offset: None,
            recovery_requested: false,
            rooms: Vec::new(),
            rejoining: Vec::new(),
            early_events: Vec::new(),
            transport,
            next_ack_id: 0,
            acks: Vec::new(),
            buffer: Fifo::new(),
            queue: RetryQueue::default(),
            actions: Fifo::new(),
            events: Fifo::new(),
        }
    }

    // ---- getters ----

    /// Current status.
    pub fn status(&self) -> Status {
        self.status
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The Socket.IO session id while connected.
    pub fn sid(&self) -> Option<&str> {
        self.sid.as_deref()
    }

    /// Rooms this client wants to be in, in join order; re-joined after every reconnect.
    pub fn rooms(&self) -> &[String] {
        &self.rooms
    }

    /// Emits waiting for a connection.
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    // ---- outputs ----

    /// Next transport action for the driver.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// Next event for the app.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The earliest time (ms) at which [`handle_timeout`](Self::handle_timeout) must be called, if any.
    pub fn poll_timeout(&self) -> Option<f64> {
        let phase = match self.phase {
            Phase::Backoff { at } => Some(at),
            Phase::Opening { deadline } | Phase::Authenticating { deadline } | Phase::Joining { deadline } => {
                Some(deadline)
            }
            Phase::Idle | Phase::Failed | Phase::Connected => None,
        };
        let acks = self.acks.iter().map(|a| a.deadline).reduce(f64::min);
        [phase, self.heartbeat_deadline, acks, self.probe_deadline].into_iter().flatten().reduce(f64::min)
    }

    // ---- app commands ----

    /// Starts connecting (or skips the remaining backoff). No-op while connecting or connected.
    pub fn connect(&mut self, now: f64) {
        match self.phase {
            Phase::Idle | Phase::Failed => {
                self.attempts = 0;
                self.start_attempt(now);
            }
            Phase::Backoff { .. } => self.start_attempt(now),
            _ => {}
        }
        self.sync_status();
    }

    /// Leaves the namespace and closes the transport. No reconnect follows; pending acks fail, buffered emits stay
    /// buffered for a later [`connect`](Self::connect).
    pub fn disconnect(&mut self, now: f64) {
        let _ = now;
        if self.phase == Phase::Connected {
            self.actions.push_back(Action::Send(encode_frame(&SocketPacket::Disconnect {
                namespace: self.config.namespace.clone(),
            })));
        }
        self.end_transport(DisconnectReason::ClientDisconnect);
        self.phase = Phase::Idle;
        self.attempts = 0;
        self.sync_status();
    }

    /// Emits an event. Buffered while disconnected (unless buffering is off); with `retries`, queued (see
    /// [`Config::retries`]).
    pub fn emit(&mut self, name: &str, args: Vec<Value>, now: f64) -> Result<(), EmitError> {
        if self.config.retries > 0 {
            return self.enqueue(name, args, None, None, now);
        }
        self.send_event(name, args, None, now).map(|_| ())
    }

    /// Emits waiting their turn (with `retries`), the one on the wire included.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// Emits an event only if it can go out now (socket.io-client's `volatile`): while not connected it is dropped,
    /// not buffered — for what is stale by the time a connection returns (typing, presence). Returns whether it was
    /// sent.
    pub fn emit_volatile(&mut self, name: &str, args: Vec<Value>, now: f64) -> Result<bool, EmitError> {
        self.check_heartbeat(now);
        self.sync_status();
        if self.phase != Phase::Connected {
            return Ok(false);
        }
        self.send_event(name, args, None, now).map(|_| true)
    }

    /// Turns automatic reconnection on or off from now on (socket.io-client's `socket.io.reconnection(v)`). Off
    /// during a backoff wait stops the wait.
    pub fn set_reconnection(&mut self, on: bool, now: f64) {
        let _ = now;
        self.config.reconnection = on;
        if !on && matches!(self.phase, Phase::Backoff { .. }) {
            self.phase = Phase::Idle;
            self.attempts = 0;
        }
        self.sync_status();
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
        if self.phase != Phase::Connected {
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

    /// Answers a server event that asked for an ack. Dropped if the connection was lost meanwhile.
    pub fn ack(&mut self, id: u64, args: Vec<Value>) {
        if self.phase == Phase::Connected {
            let namespace = self.config.namespace.clone();
            self.actions.push_back(Action::Send(encode_frame(&SocketPacket::Ack { namespace, id, args: args.into() })));
        }
    }

    /// Joins a room (emits `join_room`) and remembers it, so it is joined again after every reconnect.
    pub fn join_room(&mut self, room: &str, now: f64) {
        if self.rooms.iter().any(|r| r == room) {
            return;
        }
        self.rooms.push(room.to_owned());
        if self.phase == Phase::Connected {
            let _ = self.send_event("join_room", vec![Value::String(room.to_owned())], None, now);
        }
    }

    /// Leaves a room (emits `leave_room`) and forgets it.
    pub fn leave_room(&mut self, room: &str, now: f64) {
        let Some(index) = self.rooms.iter().position(|r| r == room) else {
            return;
        };
        self.rooms.remove(index);
        if self.phase == Phase::Connected {
            let _ = self.send_event("leave_room", vec![Value::String(room.to_owned())], None, now);
        }
    }

    // ---- inputs ----

    /// The transport opened. Engine.IO's OPEN packet follows as a frame.
    pub fn handle_transport_open(&mut self, now: f64) {
        let _ = now;
    }

    /// The transport closed or failed on its own (not after an [`Action::Close`]).
    pub fn handle_transport_close(&mut self, error: bool, now: f64) {
        if self.transport_active() {
            let reason = if error { DisconnectReason::TransportError } else { DisconnectReason::TransportClose };
            self.lose(reason, now);
        }
        self.sync_status();
    }

    /// The browser went offline: report it at once instead of waiting for the heartbeat to expire.
    pub fn handle_offline(&mut self, now: f64) {
        if self.transport_active() {
            self.lose(DisconnectReason::Offline, now);
        }
        self.sync_status();
    }

    /// The network is back, or a hidden tab became visible: retry now instead of waiting out the backoff, and
    /// notice an expired heartbeat at once.
    pub fn handle_wake(&mut self, now: f64) {
        self.check_heartbeat(now);
        if matches!(self.phase, Phase::Backoff { .. }) {
            self.start_attempt(now);
        }
        self.sync_status();
    }

    /// The app's auth payload for the pending CONNECT (answer to [`Action::RequestAuth`]).
    pub fn handle_auth(&mut self, auth: Option<Map>, now: f64) {
        let _ = now;
        let Phase::Authenticating { deadline } = self.phase else {
            return;
        };
        let mut payload = auth.unwrap_or_default();
        self.recovery_requested = false;
        if let (Some(pid), Some(offset)) = (&self.pid, &self.last_offset) {
            payload.insert("pid".into(), Value::String(pid.clone()));
            payload.insert("offset".into(), Value::String(offset.clone()));
            self.recovery_requested = true;
        }
        let payload = if payload.is_empty() { None } else { Some(Value::Object(payload)) };
        let namespace = self.config.namespace.clone();
        self.actions.push_back(Action::Send(encode_frame(&SocketPacket::Connect { namespace, payload })));
        self.phase = Phase::Joining { deadline };
    }

    /// The app's auth callback threw or its promise rejected: connecting without the credentials the app meant to
    /// send would be wrong, so the attempt stops with a `ConnectError` carrying `message` (no automatic retry).
    pub fn handle_auth_error(&mut self, message: String, now: f64) {
        let _ = now;
        if matches!(self.phase, Phase::Authenticating { .. }) {
            self.refuse(message, None);
        }
        self.sync_status();
    }

    /// One text frame from the transport.
    pub fn handle_frame(&mut self, frame: &str, now: f64) {
        if !self.transport_active() {
            return;
        }
        // Nearly every frame is a MESSAGE: decode its Socket.IO packet straight from the frame, without copying the
        // text into an `EnginePacket::Message` first. Anything else takes the general path.
        if let Some(text) = frame.strip_prefix('4') {
            match SocketPacket::decode(text) {
                Ok(packet) => self.handle_packet(packet, now),
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
                let Phase::Opening { deadline } = self.phase else {
                    return self.report(ConnectionError::Unexpected("OPEN"));
                };
                self.heartbeat_window = (info.ping_interval + info.ping_timeout) as f64;
                self.heartbeat_deadline = Some(now + self.heartbeat_window);
                self.max_payload = usize::try_from(info.max_payload).unwrap_or(usize::MAX);
                self.upgrade_offered = info.upgrades.iter().any(|u| u == "websocket");
                self.engine_sid = Some(info.sid);
                self.phase = Phase::Authenticating { deadline };
                self.actions.push_back(Action::RequestAuth);
            }
            EnginePacket::Ping(data) => {
                self.heartbeat_deadline = Some(now + self.heartbeat_window);
                self.actions.push_back(Action::Send(EnginePacket::Pong(data).encode()));
            }
            EnginePacket::Close => self.lose(DisconnectReason::TransportClose, now),
            EnginePacket::Message(text) => match SocketPacket::decode(&text) {
                Ok(packet) => self.handle_packet(packet, now),
                Err(e) => self.report(ConnectionError::Decode(e)),
            },
            EnginePacket::Pong(_) | EnginePacket::Upgrade | EnginePacket::Noop => {}
        }
        self.sync_status();
    }

    /// Call when the deadline from [`poll_timeout`](Self::poll_timeout) has passed (early calls are harmless).
    pub fn handle_timeout(&mut self, now: f64) {
        match self.phase {
            Phase::Backoff { at } if now >= at => self.start_attempt(now),
            Phase::Opening { deadline } | Phase::Authenticating { deadline } | Phase::Joining { deadline }
                if now >= deadline =>
            {
                // A handshake that never finishes is a failed attempt, retried with backoff.
                self.lose_with(DisconnectReason::TransportError, "timeout", now)
            }
            _ => {}
        }
        if self.probe_deadline.is_some_and(|at| now >= at) {
            self.fail_probe();
        }
        self.check_heartbeat(now);
        let expired: Vec<u64> = self.acks.iter().filter(|a| now >= a.deadline).map(|a| a.id).collect();
        for id in expired {
            self.take_ack(id);
            if self.rejoining.contains(&id) {
                self.rejoined(id);
                continue;
            }
            self.buffer.retain(|b| b.ack_id != Some(id));
            self.settle_ack(id, Err(AckError::Timeout), now);
        }
        self.sync_status();
    }

    /// The probe WebSocket opened: send the probe ping.
    pub fn handle_probe_open(&mut self, now: f64) {
        let _ = now;
        if self.probe_deadline.is_some() {
            self.actions.push_back(Action::SendProbe(EnginePacket::Ping("probe".into()).encode()));
        }
    }

    /// A frame on the probe WebSocket: `3probe` completes the probe and starts the upgrade.
    pub fn handle_probe_frame(&mut self, frame: &str, now: f64) {
        let _ = now;
        if self.probe_deadline.is_none() {
            return;
        }
        match EnginePacket::decode(frame) {
            Ok(EnginePacket::Pong(data)) if data == "probe" => {
                self.probe_deadline = None;
                self.transport = TransportKind::WebSocket;
                self.actions.push_back(Action::Upgrade);
            }
            _ => self.fail_probe(),
        }
    }

    /// The probe WebSocket closed or failed before the upgrade: stay on polling.
    pub fn handle_probe_close(&mut self, now: f64) {
        let _ = now;
        if self.probe_deadline.is_some() {
            self.fail_probe();
        }
    }

    // ---- internals ----

    /// On polling with a server offering WebSocket: try the upgrade (Engine.IO probe), unless one failed before.
    fn maybe_probe_upgrade(&mut self, now: f64) {
        let allowed = self.config.transports.contains(&TransportKind::WebSocket);
        if self.transport != TransportKind::Polling || !allowed || !self.upgrade_offered || self.probe_failed {
            return;
        }
        let Some(sid) = &self.engine_sid else { return };
        let mut url = self.config.websocket_url();
        url.push_str("&sid=");
        url.push_str(sid);
        self.probe_deadline = Some(now + PROBE_TIMEOUT_MS);
        self.actions.push_back(Action::OpenProbe { url });
    }

    fn fail_probe(&mut self) {
        self.probe_deadline = None;
        self.probe_failed = true;
        self.actions.push_back(Action::CloseProbe);
    }

    fn transport_active(&self) -> bool {
        matches!(
            self.phase,
            Phase::Opening { .. } | Phase::Authenticating { .. } | Phase::Joining { .. } | Phase::Connected
        )
    }

    fn report(&mut self, error: ConnectionError) {
        self.events.push_back(Event::Error(error));
    }

    fn handle_packet(&mut self, packet: SocketPacket, now: f64) {
        if packet.namespace() != self.config.namespace {
            return self.report(ConnectionError::WrongNamespace(packet.namespace().to_owned()));
        }
        match packet {
            SocketPacket::Connect { payload, .. } => {
                if !matches!(self.phase, Phase::Joining { .. }) {
                    return self.report(ConnectionError::Unexpected("CONNECT"));
                }
                let field = |name: &str| match &payload {
                    Some(Value::Object(obj)) => obj.get(name).and_then(Value::as_str).map(str::to_owned),
                    _ => None,
                };
                let Some(sid) = field("sid") else {
                    // A v2 server: retrying cannot help.
                    return self.refuse(INCOMPATIBLE_SERVER.to_owned(), None);
                };
                let pid = field("pid");
                let recovered = self.recovery_requested && pid.is_some() && pid == self.pid;
                if !recovered {
                    // A new session: offsets of the old one mean nothing to the server now.
                    self.last_offset = None;
                }
                self.pid = pid;
                self.sid = Some(sid.clone());
                self.phase = Phase::Connected;
                // socket.io-client order: `reconnect` (the manager's) before the socket's `connect`.
                if self.attempts > 0 {
                    self.events.push_back(Event::Reconnect { attempts: self.attempts });
                }
                self.events.push_back(Event::Connect { sid, recovered });
                for event in std::mem::take(&mut self.early_events) {
                    self.events.push_back(event);
                }
                self.attempts = 0;
                self.rejoin_rooms(now);
                self.maybe_probe_upgrade(now);
                self.flush_buffer();
                self.drain_queue(now);
            }
            SocketPacket::ConnectError { message, data, .. } => {
                if !matches!(self.phase, Phase::Joining { .. }) {
                    return self.report(ConnectionError::Unexpected("CONNECT_ERROR"));
                }
                // Auth was refused: retrying with the same credentials would loop. The app decides.
                self.refuse(message, data);
            }
            SocketPacket::Disconnect { .. } => {
                if self.phase == Phase::Connected {
                    self.end_transport(DisconnectReason::ServerDisconnect);
                    self.phase = Phase::Idle;
                }
            }
            SocketPacket::Event { id, name, args, .. } => {
                let joining = matches!(self.phase, Phase::Joining { .. });
                if self.phase != Phase::Connected && !joining {
                    return self.report(ConnectionError::Unexpected("EVENT"));
                }
                if self.pid.is_some() {
                    // With state recovery on, the server appends the event's offset as the last argument.
                    if let Some(offset) = last_string(&args) {
                        self.last_offset = Some(offset);
                    }
                }
                let event = Event::Message { name, args, ack_id: id };
                if joining {
                    self.early_events.push(event);
                } else {
                    self.events.push_back(event);
                }
            }
            SocketPacket::Ack { id, args, .. } => match self.take_ack(id) {
                Some(_) if self.rejoining.contains(&id) => self.rejoined(id),
                Some(_) => self.settle_ack(id, Ok(args.values()), now),
                None => self.report(ConnectionError::UnknownAck(id)),
            },
        }
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
        // After a laptop sleep the socket may look open while the heartbeat long expired: buffer, don't lose.
        self.check_heartbeat(now);
        self.sync_status();
        if self.phase == Phase::Connected {
            if let Some((id, deadline)) = ack {
                self.acks.push(PendingAck { id, deadline, sent: true });
            }
            self.actions.push_back(Action::Send(frame));
            return Ok(());
        }
        if !self.config.buffer_when_disconnected {
            return Err(EmitError::NotConnected);
        }
        if let Some((id, deadline)) = ack {
            self.acks.push(PendingAck { id, deadline, sent: false });
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
                self.rejoining.push(id);
            }
        }
    }

    /// One re-join was acked (or its ack timed out); after the last one, report the rooms re-joined.
    fn rejoined(&mut self, id: u64) {
        if self.take_rejoin(id) && self.rejoining.is_empty() {
            self.events.push_back(Event::RoomsRejoined { rooms: self.rooms.clone() });
        }
    }

    /// Removes the pending ack `id`, keeping the others in id order.
    fn take_ack(&mut self, id: u64) -> Option<PendingAck> {
        let index = self.acks.iter().position(|a| a.id == id)?;
        Some(self.acks.remove(index))
    }

    /// Removes `id` from the re-joins awaited; `false` if it was not one.
    fn take_rejoin(&mut self, id: u64) -> bool {
        let Some(index) = self.rejoining.iter().position(|&r| r == id) else { return false };
        self.rejoining.remove(index);
        true
    }

    fn flush_buffer(&mut self) {
        while let Some(buffered) = self.buffer.pop_front() {
            if let Some(ack) = buffered.ack_id.and_then(|id| self.acks.iter_mut().find(|a| a.id == id)) {
                ack.sent = true;
            }
            self.actions.push_back(Action::Send(buffered.frame));
        }
    }

    fn check_heartbeat(&mut self, now: f64) {
        if let Some(deadline) = self.heartbeat_deadline {
            if now >= deadline && self.transport_active() {
                self.lose(DisconnectReason::PingTimeout, now);
            }
        }
    }

    fn start_attempt(&mut self, now: f64) {
        if self.attempts > 0 {
            self.events.push_back(Event::ReconnectAttempt { attempt: self.attempts });
        }
        self.open_transport(now);
    }

    fn open_transport(&mut self, now: f64) {
        self.phase = Phase::Opening { deadline: now + self.config.connect_timeout_ms };
        let transport = self.transport;
        self.actions.push_back(Action::Open { url: self.config.transport_url(transport), transport });
    }

    /// Drops the transport and reports the disconnect if the app saw a connect. Pending (sent) acks fail: the
    /// server may or may not have handled them, and a new session will never answer.
    fn end_transport(&mut self, reason: DisconnectReason) {
        if self.probe_deadline.take().is_some() {
            self.actions.push_back(Action::CloseProbe);
        }
        let was_connected = self.phase == Phase::Connected;
        if self.transport_active() {
            self.actions.push_back(Action::Close);
        }
        // Callers set the next phase; until then nothing may be sent (a retried emit below waits for a connect).
        self.phase = Phase::Idle;
        self.heartbeat_deadline = None;
        self.sid = None;
        self.early_events.clear();
        let failed: Vec<u64> = self.acks.iter().filter(|a| a.sent).map(|a| a.id).collect();
        for id in failed {
            self.take_ack(id);
            if !self.take_rejoin(id) {
                self.settle_ack(id, Err(AckError::Disconnected), 0.0);
            }
        }
        self.rejoining.clear();
        if was_connected {
            self.events.push_back(Event::Disconnect { reason });
        }
    }

    /// The attempt in progress cannot succeed (the server refused us, the app's auth failed, an incompatible
    /// server): close, report, and stop — the app decides what next.
    fn refuse(&mut self, message: String, data: Option<Value>) {
        self.end_transport(DisconnectReason::TransportClose);
        self.phase = Phase::Failed;
        self.attempts = 0;
        self.events.push_back(Event::ConnectError { message, data });
    }

    /// The connection was lost without either side asking: retry with backoff if configured.
    fn lose(&mut self, reason: DisconnectReason, now: f64) {
        let failure = match reason {
            DisconnectReason::Offline => "offline",
            _ if self.transport == TransportKind::WebSocket => "websocket error",
            _ => "xhr poll error", // socket.io-client's name, though this client polls with `fetch`
        };
        self.lose_with(reason, failure, now)
    }

    /// [`lose`](Self::lose); `failure` is the `connect_error` message if an attempt was in progress.
    fn lose_with(&mut self, reason: DisconnectReason, failure: &str, now: f64) {
        let attempt_failed = self.transport_active() && self.phase != Phase::Connected;
        let fell_back = matches!(self.phase, Phase::Opening { .. }) && self.fall_back_from_failed_transport();
        self.end_transport(reason);
        if fell_back && self.attempts == 0 {
            // On a first connect the next transport is part of the same attempt, tried at once: a first connect
            // through a proxy that blocks WebSocket is still `connecting`, not a reconnect.
            return self.open_transport(now);
        }
        if attempt_failed {
            self.events.push_back(Event::ConnectError { message: failure.to_owned(), data: None });
            if self.attempts > 0 {
                self.events.push_back(Event::ReconnectError { message: failure.to_owned() });
            }
        }
        if !self.config.reconnection || !reason.reconnects() {
            self.phase = Phase::Idle;
            return;
        }
        self.attempts += 1;
        if self.config.reconnection_attempts.is_some_and(|max| self.attempts > max) {
            self.phase = Phase::Failed;
            self.attempts = 0;
            self.events.push_back(Event::ReconnectFailed);
            return;
        }
        let delay = self.backoff.delay(self.attempts, self.jitter.next());
        self.phase = Phase::Backoff { at: now + delay };
    }

    /// A transport that cannot even complete the Engine.IO handshake is likely blocked (a proxy refusing WebSocket
    /// upgrades): move on to the next allowed transport, for the rest of this connection's life. Returns whether
    /// it did.
    fn fall_back_from_failed_transport(&mut self) -> bool {
        // Polling is the transport that gets through the most networks; once there, stay.
        let fall_back =
            self.transport == TransportKind::WebSocket && self.config.transports.contains(&TransportKind::Polling);
        if fall_back {
            self.transport = TransportKind::Polling;
        }
        fall_back
    }

    /// The transport of the current or next attempt.
    pub fn transport(&self) -> TransportKind {
        self.transport
    }

    fn sync_status(&mut self) {
        let status = match self.phase {
            Phase::Idle => Status::Disconnected,
            Phase::Failed => Status::Error,
            Phase::Connected => Status::Connected,
            Phase::Backoff { .. } => Status::Reconnecting,
            Phase::Opening { .. } | Phase::Authenticating { .. } | Phase::Joining { .. } => {
                if self.attempts > 0 {
                    Status::Reconnecting
                } else {
                    Status::Connecting
                }
            }
        };
        if status != self.status {
            self.status = status;
            self.events.push_back(Event::Status(status));
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
