//! Engine.IO v4 and Socket.IO v5 packet codec: pure functions from text frames to packets and back.
//!
//! A Socket.IO packet travels inside an Engine.IO MESSAGE packet, so a received WebSocket frame is decoded in two
//! steps: [`EnginePacket::decode`], then [`SocketPacket::decode`] on the message text.

mod engine;
mod error;
mod raw_args;
mod socket;

pub use engine::{join_payload, split_payload, EnginePacket, OpenInfo, RECORD_SEPARATOR};
pub use error::DecodeError;
pub use raw_args::RawArgs;
pub use socket::SocketPacket;

/// Encodes a Socket.IO packet as a complete WebSocket text frame (Engine.IO MESSAGE + Socket.IO packet).
pub fn encode_frame(packet: &SocketPacket) -> String {
    let mut out = String::from("4");
    out.push_str(&packet.encode());
    out
}
