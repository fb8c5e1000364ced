//! One Engine.IO session: transport, handshake, heartbeat, upgrade probe and the reconnect backoff. What happens
//! inside it per Socket.IO namespace is [`NamespaceSocket`](super::namespace_socket::NamespaceSocket)'s; the
//! [`Manager`](super::Manager) ties the two together.

use crate::fifo::Fifo;
use crate::protocol::{EnginePacket, OpenInfo};

use super::backoff::{Backoff, Jitter};
use super::event::Action;
use super::{Config, TransportKind};

/// How long an upgrade probe may take before we give up and stay on polling.
const PROBE_TIMEOUT_MS: f64 = 10_000.0;

/// Before the handshake tells us `maxPayload` (what the server accepts from us), assume the server default.
pub(super) const DEFAULT_MAX_PAYLOAD: usize = 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum EnginePhase {
    /// No transport, not trying.
    Idle,
    /// Gave up: the configured reconnect attempts failed.
    Failed,
    /// Waiting out the backoff before the next attempt.
    Backoff { at: f64 },
    /// Transport requested; waiting for the Engine.IO OPEN until `deadline`.
    Opening { deadline: f64 },
    /// Engine.IO open: namespaces may connect over it.
    Open,
}

/// What the manager must do after the session was lost.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum AfterLoss {
    /// The failed transport's fallback was opened at once (same attempt).
    FellBack,
    /// No automatic reconnect (off, or a reason that does not reconnect).
    Stopped,
    /// The configured attempts are used up.
    GaveUp,
    /// A reconnect waits out the backoff.
    Retrying,
}

/// The Engine.IO session state (sans-IO): the manager feeds it and reads its actions.
#[derive(Debug)]
pub(super) struct Engine {
    pub(super) config: Config,
    backoff: Backoff,
    jitter: Jitter,
    pub(super) phase: EnginePhase,
    /// Failed attempts since the last successful open.
    pub(super) attempts: u32,
    /// `pingInterval + pingTimeout` from the handshake.
    heartbeat_window: f64,
    heartbeat_deadline: Option<f64>,
    pub(super) max_payload: usize,
    /// Engine.IO session id and whether the server offers a WebSocket upgrade (when on polling).
    sid: Option<String>,
    upgrade_offered: bool,
    /// Deadline of the upgrade probe in progress.
    probe_deadline: Option<f64>,
    /// A probe failed once: do not try again (a proxy blocking WebSocket will keep blocking it).
    probe_failed: bool,
    /// The transport of the current or next attempt.
    pub(super) transport: TransportKind,
    pub(super) actions: Fifo<Action>,
}

impl Engine {
    pub(super) fn new(config: Config, seed: u64) -> Self {
        let backoff = Backoff {
            initial_ms: config.reconnection_delay_ms,
            max_ms: config.reconnection_delay_max_ms,
            randomization_factor: config.randomization_factor,
        };
        let transport = config.transports.first().copied().unwrap_or(TransportKind::WebSocket);
        Engine {
            config,
            backoff,
            jitter: Jitter::new(seed),
            phase: EnginePhase::Idle,
            attempts: 0,
            heartbeat_window: 0.0,
            heartbeat_deadline: None,
            max_payload: DEFAULT_MAX_PAYLOAD,
            sid: None,
            upgrade_offered: false,
            probe_deadline: None,
            probe_failed: false,
            transport,
            actions: Fifo::new(),
        }
    }

    /// A transport is open or being opened.
    pub(super) fn active(&self) -> bool {
        matches!(self.phase, EnginePhase::Opening { .. } | EnginePhase::Open)
    }

    /// The deadlines of the session itself.
    pub(super) fn poll_timeout(&self) -> Option<f64> {
        let phase = match self.phase {
            EnginePhase::Backoff { at } => Some(at),
            EnginePhase::Opening { deadline } => Some(deadline),
            _ => None,
        };
        [phase, self.heartbeat_deadline, self.probe_deadline].into_iter().flatten().reduce(f64::min)
    }

    pub(super) fn open_transport(&mut self, now: f64) {
        self.phase = EnginePhase::Opening { deadline: now + self.config.connect_timeout_ms };
        let transport = self.transport;
        self.actions.push_back(Action::Open { url: self.config.transport_url(transport), transport });
    }

    /// The server's OPEN: the session is up.
    pub(super) fn opened(&mut self, info: OpenInfo, now: f64) {
        self.heartbeat_window = (info.ping_interval + info.ping_timeout) as f64;
        self.heartbeat_deadline = Some(now + self.heartbeat_window);
        self.max_payload = usize::try_from(info.max_payload).unwrap_or(usize::MAX);
        self.upgrade_offered = info.upgrades.iter().any(|u| u == "websocket");
        self.sid = Some(info.sid);
        self.phase = EnginePhase::Open;
    }

    pub(super) fn ping(&mut self, data: String, now: f64) {
        self.heartbeat_deadline = Some(now + self.heartbeat_window);
        self.actions.push_back(Action::Send(EnginePacket::Pong(data).encode()));
    }

    /// Whether the heartbeat expired on an active transport (checked on emit too: after a laptop sleep the socket
    /// may look open while the heartbeat long expired).
    pub(super) fn heartbeat_expired(&self, now: f64) -> bool {
        self.heartbeat_deadline.is_some_and(|deadline| now >= deadline) && self.active()
    }

    /// On polling with a server offering WebSocket: try the upgrade (Engine.IO probe), unless one failed before or
    /// is under way.
    pub(super) fn maybe_probe_upgrade(&mut self, now: f64) {
        let allowed = self.config.transports.contains(&TransportKind::WebSocket);
        if self.transport != TransportKind::Polling || !allowed || !self.upgrade_offered || self.probe_failed {
            return;
        }
        if self.probe_deadline.is_some() {
            return;
        }
        let Some(sid) = &self.sid else { return };
        let mut url = self.config.websocket_url();
        url.push_str("&sid=");
        url.push_str(sid);
        self.probe_deadline = Some(now + PROBE_TIMEOUT_MS);
        self.actions.push_back(Action::OpenProbe { url });
    }

    pub(super) fn probing(&self) -> bool {
        self.probe_deadline.is_some()
    }

    pub(super) fn probe_expired(&self, now: f64) -> bool {
        self.probe_deadline.is_some_and(|at| now >= at)
    }

    pub(super) fn fail_probe(&mut self) {
        self.probe_deadline = None;
        self.probe_failed = true;
        self.actions.push_back(Action::CloseProbe);
    }

    pub(super) fn probe_open(&mut self) {
        if self.probing() {
            self.actions.push_back(Action::SendProbe(EnginePacket::Ping("probe".into()).encode()));
        }
    }

    /// A frame on the probe WebSocket: `3probe` completes the probe and starts the upgrade.
    pub(super) fn probe_frame(&mut self, frame: &str) {
        if !self.probing() {
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

    /// Drops the transport (and any probe). Callers set the next phase.
    pub(super) fn close(&mut self) {
        if self.probe_deadline.take().is_some() {
            self.actions.push_back(Action::CloseProbe);
        }
        if self.active() {
            self.actions.push_back(Action::Close);
        }
        self.phase = EnginePhase::Idle;
        self.heartbeat_deadline = None;
    }

    /// The `connect_error` message of a transport failure.
    pub(super) fn failure(&self, offline: bool) -> &'static str {
        match () {
            _ if offline => "offline",
            _ if self.transport == TransportKind::WebSocket => "websocket error",
            _ => "xhr poll error", // socket.io-client's name, though this client polls with `fetch`
        }
    }

    /// The session was lost without either side asking (the transport is closed already): fall back to the next
    /// transport, schedule a reconnect, or stop.
    pub(super) fn after_loss(&mut self, was_opening: bool, reconnects: bool, now: f64) -> AfterLoss {
        if was_opening && self.fall_back_from_failed_transport() && self.attempts == 0 {
            // On a first connect the next transport is part of the same attempt, tried at once: a first connect
            // through a proxy that blocks WebSocket is still `connecting`, not a reconnect.
            self.open_transport(now);
            return AfterLoss::FellBack;
        }
        if !self.config.reconnection || !reconnects {
            self.phase = EnginePhase::Idle;
            return AfterLoss::Stopped;
        }
        self.attempts += 1;
        if self.config.reconnection_attempts.is_some_and(|max| self.attempts > max) {
            self.phase = EnginePhase::Failed;
            self.attempts = 0;
            return AfterLoss::GaveUp;
        }
        let delay = self.backoff.delay(self.attempts, self.jitter.next());
        self.phase = EnginePhase::Backoff { at: now + delay };
        AfterLoss::Retrying
    }

    /// A transport that cannot even complete the Engine.IO handshake is likely blocked (a proxy refusing WebSocket
    /// upgrades): move on to the next allowed transport, for the rest of this manager's life. Returns whether it
    /// did.
    fn fall_back_from_failed_transport(&mut self) -> bool {
        // Polling is the transport that gets through the most networks; once there, stay.
        let fall_back =
            self.transport == TransportKind::WebSocket && self.config.transports.contains(&TransportKind::Polling);
        if fall_back {
            self.transport = TransportKind::Polling;
        }
        fall_back
    }
}
