use crate::json::Value;
use thiserror::Error;

use super::TransportKind;
use crate::protocol::{DecodeError, RawArgs};

/// What the driver must do with the transport. Drained with [`Connection::poll_action`](super::Connection::poll_action).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Open a new transport to `url`, dropping any previous one.
    Open {
        /// Engine.IO endpoint URL for this transport.
        url: String,
        /// Which transport to open.
        transport: TransportKind,
    },
    /// Send one text frame on the current transport.
    Send(String),
    /// Drop the current transport. Its later close/error must not be reported back.
    Close,
    /// Open a second WebSocket to probe an upgrade from long-polling (Engine.IO upgrade). Its events go to
    /// [`Connection::handle_probe_open`](super::Connection::handle_probe_open) / `handle_probe_frame` /
    /// `handle_probe_close`.
    OpenProbe {
        /// WebSocket URL carrying the session id.
        url: String,
    },
    /// Send one frame on the probe WebSocket.
    SendProbe(String),
    /// Drop the probe WebSocket: the upgrade failed; stay on polling.
    CloseProbe,
    /// The probe succeeded: let the polling transport finish its requests in flight (their frames still count),
    /// then send `5` (UPGRADE) on the probe, make it the transport, and send everything queued since on it.
    Upgrade,
    /// Ask the app for the auth payload (its callback runs on every connect, so tokens can be refreshed), then call
    /// [`Manager::handle_auth`](super::Manager::handle_auth) for that socket.
    RequestAuth(super::SocketId),
}

/// Connection status for the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Not connected and not trying (never started, or closed by either side on purpose).
    Disconnected,
    /// First connection attempt in progress.
    Connecting,
    /// Connected to the namespace.
    Connected,
    /// Lost the connection; waiting for or running a reconnect attempt.
    Reconnecting,
    /// Stopped on an error the app must act on (auth rejected, reconnect attempts exhausted).
    Error,
}

impl Status {
    /// The string the JS side sees.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Disconnected => "disconnected",
            Status::Connecting => "connecting",
            Status::Connected => "connected",
            Status::Reconnecting => "reconnecting",
            Status::Error => "error",
        }
    }
}

/// Why a connection ended. The strings match socket.io-client's `disconnect` reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisconnectReason {
    /// The app called `disconnect()`. No reconnect.
    ClientDisconnect,
    /// The server disconnected the socket. No reconnect: the app decides.
    ServerDisconnect,
    /// No ping within `pingInterval + pingTimeout`.
    PingTimeout,
    /// The transport closed (server restart, network cut with a close frame).
    TransportClose,
    /// The transport failed.
    TransportError,
    /// The browser reported going offline.
    Offline,
}

impl DisconnectReason {
    /// The socket.io-client reason string.
    pub fn as_str(self) -> &'static str {
        match self {
            DisconnectReason::ClientDisconnect => "io client disconnect",
            DisconnectReason::ServerDisconnect => "io server disconnect",
            DisconnectReason::PingTimeout => "ping timeout",
            DisconnectReason::TransportClose => "transport close",
            DisconnectReason::TransportError => "transport error",
            DisconnectReason::Offline => "offline",
        }
    }

    /// Whether the machine reconnects on its own after this reason.
    pub fn reconnects(self) -> bool {
        !matches!(self, DisconnectReason::ClientDisconnect | DisconnectReason::ServerDisconnect)
    }
}

/// Why an ack never came.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum AckError {
    /// No ack within the timeout.
    #[error("operation has timed out")]
    Timeout,
    /// The connection was lost after the emit was sent; the server may or may not have handled it.
    #[error("disconnected before the ack arrived")]
    Disconnected,
    /// The emit was dropped from the offline buffer (buffer full).
    #[error("dropped from the offline buffer")]
    Dropped,
}

/// Why an emit was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EmitError {
    /// The event name is reserved by Socket.IO.
    #[error("\"{0}\" is a reserved event name")]
    ReservedName(String),
    /// The encoded packet exceeds the server's `maxPayload`.
    #[error("packet of {len} bytes exceeds the server's maxPayload of {max} bytes")]
    TooLarge {
        /// Encoded size in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Not connected and buffering is off.
    #[error("not connected")]
    NotConnected,
}

/// A problem that did not end the connection, reported so the app can see it.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ConnectionError {
    /// A frame could not be decoded; it was ignored.
    #[error("malformed packet: {0}")]
    Decode(#[from] DecodeError),
    /// A packet for a namespace this connection did not join; ignored.
    #[error("packet for unexpected namespace {0}")]
    WrongNamespace(String),
    /// An ack for an id that is not pending (already timed out, or never sent); ignored.
    #[error("ack for unknown id {0}")]
    UnknownAck(u64),
    /// A packet that makes no sense in the current state; ignored.
    #[error("unexpected {0} packet")]
    Unexpected(&'static str),
    /// The offline buffer was full; the oldest emit was dropped.
    #[error("offline buffer full: dropped the oldest emit")]
    BufferOverflow,
}

/// Something the app should know. Drained with [`Connection::poll_event`](super::Connection::poll_event).
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The status changed.
    Status(Status),
    /// Connected to the namespace. `recovered` is true when the server restored the session (no events missed).
    Connect {
        /// Socket.IO session id.
        sid: String,
        /// Whether connection state recovery succeeded.
        recovered: bool,
    },
    /// The connection ended.
    Disconnect {
        /// Why.
        reason: DisconnectReason,
    },
    /// A connection attempt failed, as socket.io-client's `connect_error`: the server refused the namespace
    /// (middleware/auth: `data` is its error data), the app's auth callback failed, or the server is an
    /// incompatible (v2) one — no automatic retry follows these, the status becomes `Error` — or the transport
    /// failed or timed out before the server accepted us (`"websocket error"`, `"xhr poll error"`, `"timeout"`,
    /// `"offline"`), which is retried with backoff.
    ConnectError {
        /// The server's error message, or what failed.
        message: String,
        /// The server's error data.
        data: Option<Value>,
    },
    /// A server event.
    Message {
        /// Event name.
        name: String,
        /// Arguments, as validated JSON text (parse what you need: see [`RawArgs`]).
        args: RawArgs,
        /// Set when the server asked for an ack; answer with [`Connection::ack`](super::Connection::ack).
        ack_id: Option<u64>,
    },
    /// The outcome of an `emit_with_ack`.
    AckResult {
        /// The id `emit_with_ack` returned.
        id: u64,
        /// The server's ack arguments, or why there are none.
        result: Result<Vec<Value>, AckError>,
    },
    /// A reconnect attempt starts (1-based).
    ReconnectAttempt {
        /// Attempt number.
        attempt: u32,
    },
    /// Reconnected after `attempts` attempts.
    Reconnect {
        /// How many attempts it took.
        attempts: u32,
    },
    /// A reconnect attempt failed (after its `ConnectError`); another follows unless attempts are exhausted.
    ReconnectError {
        /// What failed, as in `ConnectError`.
        message: String,
    },
    /// The configured number of attempts failed; the machine stopped.
    ReconnectFailed,
    /// The manager's Engine.IO connection opened (socket.io-client's manager `open`). Manager-level only.
    SessionOpen,
    /// The manager's Engine.IO connection closed (socket.io-client's manager `close`). Manager-level only.
    SessionClose {
        /// socket.io-client's reason: `"forced close"` (no socket uses it any more, or `close()`), or the
        /// disconnect reason of a lost connection (`"transport close"`, `"ping timeout"`, …).
        reason: &'static str,
    },
    /// Rooms were joined again after a (re)connect, in join order.
    RoomsRejoined {
        /// The rooms.
        rooms: Vec<String>,
    },
    /// A non-fatal problem.
    Error(ConnectionError),
}
