//! Socket.IO v5 packets, carried in Engine.IO MESSAGE packets.
//!
//! Wire form: `<type>[<namespace>,][<ack id>][<JSON>]`; the namespace is written only when it is not `/`.

use std::ops::Range;

use crate::json::{self, Map, Value};

use super::{DecodeError, RawArgs};

/// Largest ack id we accept: ids cross into JS as numbers, so they must stay exact there.
const MAX_ACK_ID: u64 = (1 << 53) - 1;

/// One Socket.IO packet.
#[derive(Debug, Clone, PartialEq)]
pub enum SocketPacket {
    /// `0`: client → server with the auth payload; server → client with `{sid, pid?}`.
    Connect {
        /// Namespace, `/` by default.
        namespace: String,
        /// Auth payload (client → server) or `{sid, pid}` (server → client).
        payload: Option<Value>,
    },
    /// `1`: leave the namespace.
    Disconnect {
        /// Namespace, `/` by default.
        namespace: String,
    },
    /// `2`: an event `[name, ...args]`, optionally asking for an ack.
    Event {
        /// Namespace, `/` by default.
        namespace: String,
        /// Set when the sender wants an ack.
        id: Option<u64>,
        /// The event name (first array element).
        name: String,
        /// The remaining array elements, as JSON text.
        args: RawArgs,
    },
    /// `3`: the answer to an event that carried an ack id.
    Ack {
        /// Namespace, `/` by default.
        namespace: String,
        /// The ack id being answered.
        id: u64,
        /// The ack arguments, as JSON text.
        args: RawArgs,
    },
    /// `4`: the server refused the namespace connection (e.g. auth middleware rejected the token).
    ConnectError {
        /// Namespace, `/` by default.
        namespace: String,
        /// Human-readable reason from the server's `Error`.
        message: String,
        /// The error's `data` field, if the server attached one.
        data: Option<Value>,
    },
}

impl SocketPacket {
    /// The namespace the packet belongs to.
    pub fn namespace(&self) -> &str {
        match self {
            SocketPacket::Connect { namespace, .. }
            | SocketPacket::Disconnect { namespace }
            | SocketPacket::Event { namespace, .. }
            | SocketPacket::Ack { namespace, .. }
            | SocketPacket::ConnectError { namespace, .. } => namespace,
        }
    }

    /// Decodes the text of an Engine.IO MESSAGE packet.
    pub fn decode(text: &str) -> Result<Self, DecodeError> {
        let mut chars = text.chars();
        let kind = chars.next().ok_or(DecodeError::Empty)?;
        let rest = chars.as_str();
        if matches!(kind, '5' | '6') {
            return Err(DecodeError::BinaryUnsupported);
        }
        if !matches!(kind, '0'..='4') {
            return Err(DecodeError::UnknownSocketType(kind));
        }
        let (namespace, rest) = split_namespace(rest)?;
        let (id, json) = split_ack_id(rest)?;
        let invalid = |e: json::ParseError| DecodeError::InvalidJson(e.to_string());
        if matches!(kind, '2' | '3') {
            // The hot path: validate and locate the arguments, build no Value tree.
            let (items, lone) =
                if json.is_empty() { (None, false) } else { json::array_elements_flagged(json).map_err(invalid)? };
            if lone {
                // Listeners (one JS `JSON.parse`) and the store must read the same text: U+FFFD for each.
                return decode_args(kind, namespace, id, &json::replace_lone_surrogates(json), items);
            }
            return decode_args(kind, namespace, id, json, items);
        }
        let data = if json.is_empty() { None } else { Some(json::from_str(json).map_err(invalid)?) };
        match kind {
            '0' => Ok(SocketPacket::Connect { namespace, payload: data }),
            '1' => Ok(SocketPacket::Disconnect { namespace }),
            _ => {
                // v5 sends `{message, data?}`; older servers sent a bare string.
                let (message, data) = match data {
                    Some(Value::Object(mut obj)) => {
                        let message = match obj.remove("message") {
                            Some(Value::String(s)) => s,
                            _ => {
                                return Err(DecodeError::InvalidShape {
                                    packet: "CONNECT_ERROR",
                                    reason: "missing message",
                                })
                            }
                        };
                        (message, obj.remove("data"))
                    }
                    Some(Value::String(s)) => (s, None),
                    _ => {
                        return Err(DecodeError::InvalidShape {
                            packet: "CONNECT_ERROR",
                            reason: "expected {message, data}",
                        })
                    }
                };
                Ok(SocketPacket::ConnectError { namespace, message, data })
            }
        }
    }

    /// Encodes the packet as the text of an Engine.IO MESSAGE packet.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        let (kind, namespace) = match self {
            SocketPacket::Connect { namespace, .. } => ('0', namespace),
            SocketPacket::Disconnect { namespace } => ('1', namespace),
            SocketPacket::Event { namespace, .. } => ('2', namespace),
            SocketPacket::Ack { namespace, .. } => ('3', namespace),
            SocketPacket::ConnectError { namespace, .. } => ('4', namespace),
        };
        out.push(kind);
        if namespace != "/" && !namespace.is_empty() {
            out.push_str(namespace);
            out.push(',');
        }
        match self {
            SocketPacket::Connect { payload, .. } => {
                if let Some(payload) = payload {
                    json::write_value(&mut out, payload);
                }
            }
            SocketPacket::Disconnect { .. } => {}
            SocketPacket::Event { id, name, args, .. } => {
                if let Some(id) = id {
                    json::write_u64(&mut out, *id);
                }
                out.push('[');
                json::write_str(&mut out, name);
                if args.is_empty() {
                    out.push(']');
                } else {
                    // `[a,b]` without its `[`: the arguments follow the name in the same array.
                    out.push(',');
                    out.push_str(&args.array_json()[1..]);
                }
            }
            SocketPacket::Ack { id, args, .. } => {
                json::write_u64(&mut out, *id);
                out.push_str(args.array_json());
            }
            SocketPacket::ConnectError { message, data, .. } => {
                let mut obj = Map::new();
                obj.insert("message".into(), Value::String(message.clone()));
                if let Some(data) = data {
                    obj.insert("data".into(), data.clone());
                }
                json::write_value(&mut out, &Value::Object(obj));
            }
        }
        out
    }
}

/// EVENT (`[name, ...args]`) or ACK (`[...args]`) from the scanned array: `items` are its element ranges, `None`
/// when the payload is absent or not an array.
fn decode_args(
    kind: char,
    namespace: String,
    id: Option<u64>,
    json: &str,
    items: Option<Vec<Range<usize>>>,
) -> Result<SocketPacket, DecodeError> {
    if kind == '3' {
        let id = id.ok_or(DecodeError::InvalidShape { packet: "ACK", reason: "missing ack id" })?;
        let Some(items) = items else {
            return Err(DecodeError::InvalidShape { packet: "ACK", reason: "payload must be an array" });
        };
        return Ok(SocketPacket::Ack { namespace, id, args: RawArgs::from_elements(json, items, 0) });
    }
    let Some(items) = items else {
        return Err(DecodeError::InvalidShape { packet: "EVENT", reason: "payload must be an array" });
    };
    let Some(first) = items.first() else {
        return Err(DecodeError::InvalidShape { packet: "EVENT", reason: "missing event name" });
    };
    let raw = &json[first.clone()];
    let name = match raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        // A validated string without escapes is its own value.
        Some(plain) if !plain.contains('\\') => plain.to_owned(),
        _ => match json::from_str(raw) {
            Ok(Value::String(name)) => name,
            _ => return Err(DecodeError::InvalidShape { packet: "EVENT", reason: "event name must be a string" }),
        },
    };
    Ok(SocketPacket::Event { namespace, id, name, args: RawArgs::from_elements(json, items, 1) })
}

fn split_namespace(rest: &str) -> Result<(String, &str), DecodeError> {
    if !rest.starts_with('/') {
        return Ok(("/".to_owned(), rest));
    }
    match rest.find(',') {
        Some(comma) => Ok((rest[..comma].to_owned(), &rest[comma + 1..])),
        // A bare namespace with nothing after it (e.g. `1/admin`) is valid: the comma is optional at the end.
        None if !rest.contains(['[', '{', '"']) => Ok((rest.to_owned(), "")),
        None => Err(DecodeError::BadNamespace),
    }
}

fn split_ack_id(rest: &str) -> Result<(Option<u64>, &str), DecodeError> {
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return Ok((None, rest));
    }
    // 16 digits already exceed 2^53; refuse before parsing can overflow.
    if digits > 16 {
        return Err(DecodeError::BadAckId);
    }
    let id: u64 = rest[..digits].parse().map_err(|_| DecodeError::BadAckId)?;
    if id > MAX_ACK_ID {
        return Err(DecodeError::BadAckId);
    }
    Ok((Some(id), &rest[digits..]))
}
