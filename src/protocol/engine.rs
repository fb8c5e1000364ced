//! Engine.IO v4 packets: one text frame of the WebSocket transport, or one record of a polling payload.

use super::DecodeError;
use crate::json::{self, Value};

/// Polling payloads separate packets with the ASCII record separator.
pub const RECORD_SEPARATOR: char = '\u{1e}';

/// The handshake the server sends first (`0{...}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenInfo {
    /// Engine.IO session id.
    pub sid: String,
    /// Transports the server would upgrade to (`["websocket"]` when polling).
    pub upgrades: Vec<String>,
    /// Milliseconds between server pings.
    pub ping_interval: u64,
    /// Milliseconds the server waits for our pong.
    pub ping_timeout: u64,
    /// Largest payload the server accepts, in bytes.
    pub max_payload: u64,
}

impl OpenInfo {
    /// Reads `{sid, upgrades?, pingInterval, pingTimeout, maxPayload?}` (other fields ignored). A field that is
    /// present must have the right type (`upgrades` an array of strings, the numbers non-negative integers);
    /// absent `upgrades` is `[]` and absent `maxPayload` is 1 000 000.
    fn from_json(text: &str) -> Option<OpenInfo> {
        let value = json::from_str(text).ok()?;
        let obj = value.as_object()?;
        let int = |name: &str| obj.get(name).map(Value::as_u64);
        let upgrades = match obj.get("upgrades") {
            None => Vec::new(),
            Some(v) => v.as_array()?.iter().map(|u| u.as_str().map(str::to_owned)).collect::<Option<_>>()?,
        };
        Some(OpenInfo {
            sid: obj.get("sid")?.as_str()?.to_owned(),
            upgrades,
            ping_interval: int("pingInterval")??,
            ping_timeout: int("pingTimeout")??,
            max_payload: int("maxPayload").unwrap_or(Some(1_000_000))?,
        })
    }
}

/// One Engine.IO packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnginePacket {
    /// `0`: handshake.
    Open(OpenInfo),
    /// `1`: the transport is closing.
    Close,
    /// `2`: heartbeat request (server → client), or `2probe` during an upgrade.
    Ping(String),
    /// `3`: heartbeat answer, or `3probe`.
    Pong(String),
    /// `4`: a Socket.IO packet (text).
    Message(String),
    /// `5`: completes a transport upgrade.
    Upgrade,
    /// `6`: no operation (flushes a pending poll during an upgrade).
    Noop,
}

impl EnginePacket {
    /// Decodes one text frame. Its size is not limited: the handshake's `maxPayload` bounds what the *server*
    /// accepts, and engine.io-client never applies it to what it receives.
    pub fn decode(frame: &str) -> Result<Self, DecodeError> {
        let mut chars = frame.chars();
        let kind = chars.next().ok_or(DecodeError::Empty)?;
        let rest = chars.as_str();
        Ok(match kind {
            '0' => {
                let info = OpenInfo::from_json(rest).ok_or(DecodeError::InvalidShape {
                    packet: "OPEN",
                    reason: "expected {sid, pingInterval, pingTimeout}",
                })?;
                EnginePacket::Open(info)
            }
            '1' => EnginePacket::Close,
            '2' => EnginePacket::Ping(rest.to_owned()),
            '3' => EnginePacket::Pong(rest.to_owned()),
            '4' => EnginePacket::Message(rest.to_owned()),
            '5' => EnginePacket::Upgrade,
            '6' => EnginePacket::Noop,
            'b' => return Err(DecodeError::BinaryUnsupported),
            other => return Err(DecodeError::UnknownEngineType(other)),
        })
    }

    /// Encodes the packet as one text frame.
    pub fn encode(&self) -> String {
        match self {
            EnginePacket::Open(_) => "0".to_owned(), // clients never send OPEN; kept total for round-trip tests
            EnginePacket::Close => "1".to_owned(),
            EnginePacket::Ping(data) => prefixed('2', data),
            EnginePacket::Pong(data) => prefixed('3', data),
            EnginePacket::Message(data) => prefixed('4', data),
            EnginePacket::Upgrade => "5".to_owned(),
            EnginePacket::Noop => "6".to_owned(),
        }
    }
}

/// `kind` followed by `data` (no `format!`: less code).
fn prefixed(kind: char, data: &str) -> String {
    let mut out = String::with_capacity(data.len() + 1);
    out.push(kind);
    out.push_str(data);
    out
}

/// Splits a polling payload into its packets' frames.
pub fn split_payload(payload: &str) -> impl Iterator<Item = &str> {
    payload.split(RECORD_SEPARATOR).filter(|frame| !frame.is_empty())
}

/// Joins frames into one polling payload.
pub fn join_payload<'a>(frames: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for (i, frame) in frames.into_iter().enumerate() {
        if i > 0 {
            out.push(RECORD_SEPARATOR);
        }
        out.push_str(frame);
    }
    out
}
