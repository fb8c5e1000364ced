//! One Engine.IO session: transport, handshake, heartbeat, upgrade probe and the reconnect backoff. What happens
//! inside it per Socket.IO namespace is [`NamespaceSocket`](super::namespace_socket::NamespaceSocket)'s; the
//! [`Manager`](super::Manager) ties the two together.

use crate::protocol::{EnginePacket, OpenInfo};
use std::collections::VecDeque;

use super::backoff::{Backoff, Jitter};
use super::event::Action;
use super::timer::{Timer, TimerTable};
use super::{Config, TransportKind};

/// How long an upgrade probe may take before we give up and stay on polling.
const PROBE_TIMEOUT_MS: f64 = 10_000.0;

/// Before the handshake tells us `maxPayload` (what the server accepts from us), assume the server default.
pub(super) const DEFAULT_MAX_PAYLOAD: usize = 1_000_000;

/// Where the session is. What is valid only while open lives in [`Session`], so it cannot outlive the session;
/// each phase's deadline is a [`Timer`], and entering a phase stops the others'.
#[derive(Debug)]
pub(super) enum EnginePhase {
    /// No transport, not trying.
    Idle,
    /// Gave up: the configured reconnect attempts failed.
    Failed,
    /// Waiting out the backoff before the next attempt ([`Timer::Reconnect`]).
    Backoff,
    /// Transport requested; waiting for the Engine.IO OPEN ([`Timer::ConnectTimeout`]).
    Opening,
    /// Engine.IO open: namespaces may connect over it ([`Timer::Heartbeat`], and [`Timer::Probe`] while probing).
    Open(Session),
}

/// What the server's OPEN told us, for as long as that session lives.
#[derive(Debug)]
pub(super) struct Session {
    sid: String,
    /// `pingInterval + pingTimeout`.
    heartbeat_window: f64,
    /// The server offers a WebSocket upgrade (when on polling).
    upgrade_offered: bool,
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
    phase: EnginePhase,
    pub(super) timers: TimerTable,
    /// Failed attempts since the last successful open.
    pub(super) attempts: u32,
    pub(super) max_payload: usize,
    /// A probe failed once: do not try again in this manager's life (a proxy blocking WebSocket will keep
    /// blocking it).
    probe_failed: bool,
    /// The transport of the current or next attempt.
    pub(super) transport: TransportKind,
    pub(super) actions: VecDeque<Action>,
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
            timers: TimerTable::default(),
            attempts: 0,
            max_payload: DEFAULT_MAX_PAYLOAD,
            probe_failed: false,
            transport,
            actions: VecDeque::new(),
        }
    }

    pub(super) fn phase(&self) -> &EnginePhase {
        &self.phase
    }

    /// The only way to change phase: the timers of the phase left stop with it.
    fn enter(&mut self, phase: EnginePhase) {
        self.phase = phase;
        self.timers = TimerTable::default();
    }

    /// A transport is open or being opened.
    pub(super) fn active(&self) -> bool {
        matches!(self.phase, EnginePhase::Opening | EnginePhase::Open(_))
    }

    /// Reconnection was turned off during a backoff wait: stop waiting.
    pub(super) fn stop_waiting(&mut self) {
        if matches!(self.phase, EnginePhase::Backoff) {
            self.enter(EnginePhase::Idle);
            self.attempts = 0;
        }
    }

    pub(super) fn open_transport(&mut self, now: f64) {
        self.enter(EnginePhase::Opening);
        self.timers.set(Timer::ConnectTimeout, now + self.config.connect_timeout_ms);
        let transport = self.transport;
        self.actions.push_back(Action::Open { url: self.config.transport_url(transport), transport });
    }

    /// The server's OPEN: the session is up.
    pub(super) fn opened(&mut self, info: OpenInfo, now: f64) {
        let heartbeat_window = (info.ping_interval + info.ping_timeout) as f64;
        self.max_payload = usize::try_from(info.max_payload).unwrap_or(usize::MAX);
        let upgrade_offered = info.upgrades.iter().any(|u| u == "websocket");
        self.enter(EnginePhase::Open(Session { sid: info.sid, heartbeat_window, upgrade_offered }));
        self.timers.set(Timer::Heartbeat, now + heartbeat_window);
    }

    pub(super) fn ping(&mut self, data: String, now: f64) {
        if let EnginePhase::Open(session) = &self.phase {
            self.timers.set(Timer::Heartbeat, now + session.heartbeat_window);
        }
        self.actions.push_back(Action::Send(EnginePacket::Pong(data).encode()));
    }

    /// Whether the heartbeat expired (checked on emit too: after a laptop sleep the socket may look open while the
    /// heartbeat long expired).
    pub(super) fn heartbeat_expired(&self, now: f64) -> bool {
        self.timers.is_expired(Timer::Heartbeat, now)
    }

    /// On polling with a server offering WebSocket: try the upgrade (Engine.IO probe), unless one failed before or
    /// is under way.
    pub(super) fn maybe_probe_upgrade(&mut self, now: f64) {
        let EnginePhase::Open(session) = &self.phase else { return };
        let allowed = self.config.transports.contains(&TransportKind::WebSocket);
        if self.transport != TransportKind::Polling || !allowed || !session.upgrade_offered || self.probe_failed {
            return;
        }
        if self.probing() {
            return;
        }
        let mut url = self.config.websocket_url();
        url.push_str("&sid=");
        url.push_str(&session.sid);
        self.timers.set(Timer::Probe, now + PROBE_TIMEOUT_MS);
        self.actions.push_back(Action::OpenProbe { url });
    }

    /// A probe is under way: its timer runs until it succeeds or fails.
    pub(super) fn probing(&self) -> bool {
        self.timers.is_armed(Timer::Probe)
    }

    pub(super) fn fail_probe(&mut self) {
        self.timers.stop(Timer::Probe);
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
                self.timers.stop(Timer::Probe);
                self.transport = TransportKind::WebSocket;
                self.actions.push_back(Action::Upgrade);
            }
            _ => self.fail_probe(),
        }
    }

    /// Drops the transport (and any probe). Callers set the next phase.
    pub(super) fn close(&mut self) {
        if self.probing() {
            self.actions.push_back(Action::CloseProbe);
        }
        if self.active() {
            self.actions.push_back(Action::Close);
        }
        self.enter(EnginePhase::Idle);
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
            self.enter(EnginePhase::Idle);
            return AfterLoss::Stopped;
        }
        self.attempts += 1;
        if self.config.reconnection_attempts.is_some_and(|max| self.attempts > max) {
            self.enter(EnginePhase::Failed);
            self.attempts = 0;
            return AfterLoss::GaveUp;
        }
        let delay = self.backoff.delay(self.attempts, self.jitter.next());
        self.enter(EnginePhase::Backoff);
        self.timers.set(Timer::Reconnect, now + delay);
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
