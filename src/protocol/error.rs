use thiserror::Error;

/// Why a frame could not be decoded. Decoding never panics: every malformed input maps to one of these.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    /// The frame was empty (Engine.IO needs at least the packet type character).
    #[error("empty packet")]
    Empty,
    /// The first character is not an Engine.IO packet type (`0`–`6`).
    #[error("unknown Engine.IO packet type {0:?}")]
    UnknownEngineType(char),
    /// The first character is not a Socket.IO packet type (`0`–`6`).
    #[error("unknown Socket.IO packet type {0:?}")]
    UnknownSocketType(char),
    /// Binary packets (BINARY_EVENT / BINARY_ACK, or binary frames) are not supported by this client.
    #[error("binary packets are not supported")]
    BinaryUnsupported,
    /// The JSON part of a packet did not parse.
    #[error("invalid JSON payload: {0}")]
    InvalidJson(String),
    /// The JSON parsed but has the wrong shape for this packet type.
    #[error("invalid {packet} packet: {reason}")]
    InvalidShape {
        /// Which packet type was being decoded.
        packet: &'static str,
        /// What was wrong with it.
        reason: &'static str,
    },
    /// A namespace that is not terminated by `,`.
    #[error("unterminated namespace")]
    BadNamespace,
    /// An ack id that is not a non-negative integer that fits in 53 bits (JS safe integer).
    #[error("invalid ack id")]
    BadAckId,
}
