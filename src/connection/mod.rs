//! The Socket.IO client connection as a sans-IO state machine: frames, transport events and time go in; frames to
//! send, the next deadline and app events come out. The browser driver in `web` only moves bytes and ticks a timer.

mod backoff;
mod config;
mod engine;
mod event;
mod machine;
mod manager;
mod namespace_socket;
mod retry_queue;
mod timer;

pub use crate::protocol::RawArgs;
pub use backoff::Backoff;
pub(crate) use backoff::Jitter;
pub use config::{Config, TransportKind};
pub use event::{AckError, Action, ConnectionError, DisconnectReason, EmitError, Event, Status};
pub use machine::Connection;
pub use manager::{Manager, SocketId};
