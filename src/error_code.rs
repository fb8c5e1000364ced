//! The codes of `InboxRealtimeError`, the one list of them: JS branches on `error.code`, so every code the wasm
//! sets and every code the TS layer sets is a variant here. `js/src/generated/boundary.ts` (the TS `ErrorCode`)
//! is written from this list by a test (`crate::boundary`), which fails when the checked-in file is stale.

use crate::connection::{AckError, ConnectionError, EmitError};
use crate::store::{ResyncError, StoreError};

/// Declares [`ErrorCode`] with each variant's string and doc once: the doc comment is both the Rust doc and the
/// TS doc of that code.
macro_rules! error_codes {
    ($($(#[doc = $doc:literal])+ $variant:ident = $code:literal,)+) => {
        /// What went wrong, as the `code` of an `InboxRealtimeError`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum ErrorCode {
            $($(#[doc = $doc])+ $variant,)+
        }

        impl ErrorCode {
            /// Every code, in declaration order (the order of the TS union).
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),+];

            /// The string JS sees in `error.code`. Inlined (as the `From`s below): where the code is known, the
            /// string is picked directly, with no table of every code (.wasm 106 265 -> 106 045 B gzip, measured).
            #[inline(always)]
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)+
                }
            }

            /// The variant's doc comment (tests write it into the TS declaration).
            pub fn doc(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => concat!($($doc),+).trim(),)+
                }
            }
        }
    };
}

error_codes! {
    /// `emitWithAck`: no ack within the timeout.
    AckTimeout = "ack_timeout",
    /// `emitWithAck`: the connection was lost after the emit was sent; the server may or may not have handled it.
    AckDisconnected = "ack_disconnected",
    /// `emitWithAck`: the emit was dropped from the full offline buffer.
    AckDropped = "ack_dropped",
    /// A connection attempt failed (`connect_error`, `reconnect_error`); `data` holds the server's error data.
    ConnectError = "connect_error",
    /// An emit was refused: reserved event name, packet over the server's `maxPayload`, or not connected without buffering.
    Emit = "emit",
    /// An emit argument cannot be sent as JSON (a BigInt, a cycle).
    InvalidArgument = "invalid_argument",
    /// A store event, history item or call argument is invalid; the store is unchanged.
    InvalidEvent = "invalid_event",
    /// `handleEvent` got an event name the store does not know.
    UnknownEvent = "unknown_event",
    /// No optimistic message with this client id is known.
    UnknownClientId = "unknown_client_id",
    /// `retry` of a message that is not `failed`.
    NotFailed = "not_failed",
    /// A text or id longer than the store's `maxTextChars` / `maxIdChars`.
    TooLarge = "too_large",
    /// A frame from the server could not be decoded; it was ignored.
    MalformedPacket = "malformed_packet",
    /// A packet for a namespace this connection did not join; ignored.
    WrongNamespace = "wrong_namespace",
    /// An ack for an id that is not pending (timed out, or never sent); ignored.
    UnknownAck = "unknown_ack",
    /// A packet that makes no sense in the connection's state; ignored.
    UnexpectedPacket = "unexpected_packet",
    /// The offline buffer was full; the oldest emit was dropped.
    BufferOverflow = "buffer_overflow",
    /// An emit with binary arguments (this client speaks JSON only); set by the TS layer.
    BinaryUnsupported = "binary_unsupported",
    /// The app's `resync` threw or rejected; the room may miss what was sent during the outage.
    ResyncFailed = "resync_failed",
    /// A durable outbox record is not one (`restoreSend`, the IndexedDB outbox); nothing changed.
    OutboxRecordInvalid = "outbox_record_invalid",
    /// A saved conversation (the IndexedDB copy of a room) this version cannot read; skipped and dropped. Set by
    /// the TS layer.
    CacheRecordInvalid = "cache_record_invalid",
}

impl From<&StoreError> for ErrorCode {
    #[inline(always)]
    fn from(e: &StoreError) -> ErrorCode {
        match e {
            StoreError::UnknownEvent(_) => ErrorCode::UnknownEvent,
            StoreError::UnknownClientId(_) => ErrorCode::UnknownClientId,
            StoreError::NotFailed(_) => ErrorCode::NotFailed,
            StoreError::TooLarge { .. } => ErrorCode::TooLarge,
            _ => ErrorCode::InvalidEvent,
        }
    }
}

impl From<&ResyncError> for ErrorCode {
    #[inline(always)]
    fn from(e: &ResyncError) -> ErrorCode {
        match e {
            ResyncError::LoaderFailed { .. } => ErrorCode::ResyncFailed,
            ResyncError::InvalidItems { .. } => ErrorCode::InvalidEvent,
            ResyncError::Store { error, .. } => ErrorCode::from(error),
        }
    }
}

impl From<&AckError> for ErrorCode {
    #[inline(always)]
    fn from(e: &AckError) -> ErrorCode {
        match e {
            AckError::Timeout => ErrorCode::AckTimeout,
            AckError::Disconnected => ErrorCode::AckDisconnected,
            AckError::Dropped => ErrorCode::AckDropped,
        }
    }
}

impl From<&ConnectionError> for ErrorCode {
    #[inline(always)]
    fn from(e: &ConnectionError) -> ErrorCode {
        match e {
            ConnectionError::Decode(_) => ErrorCode::MalformedPacket,
            ConnectionError::WrongNamespace(_) => ErrorCode::WrongNamespace,
            ConnectionError::UnknownAck(_) => ErrorCode::UnknownAck,
            ConnectionError::Unexpected(_) => ErrorCode::UnexpectedPacket,
            ConnectionError::BufferOverflow => ErrorCode::BufferOverflow,
        }
    }
}

impl From<&EmitError> for ErrorCode {
    /// Every refused emit is `emit` (its message says which rule): socket.io-client throws a plain error there.
    fn from(_: &EmitError) -> ErrorCode {
        ErrorCode::Emit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case_with_one_line_docs() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "{s} twice");
            assert!(!s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{s}");
            assert!(!code.doc().is_empty() && !code.doc().contains('\n'), "{s}: one-line doc");
        }
    }

    #[test]
    fn core_errors_map_to_their_codes() {
        assert_eq!(ErrorCode::from(&StoreError::TooLarge { field: "text", len: 2, max: 1 }), ErrorCode::TooLarge);
        assert_eq!(ErrorCode::from(&StoreError::NotAnObject), ErrorCode::InvalidEvent);
        assert_eq!(ErrorCode::from(&AckError::Dropped).as_str(), "ack_dropped");
        let failed = ResyncError::LoaderFailed { room_id: "r".into(), reason: "threw".into() };
        assert_eq!(ErrorCode::from(&failed).as_str(), "resync_failed");
        let skipped = ResyncError::InvalidItems { room_id: "r".into(), count: 1 };
        assert_eq!(ErrorCode::from(&skipped).as_str(), "invalid_event");
        assert_eq!(ErrorCode::from(&ConnectionError::BufferOverflow).as_str(), "buffer_overflow");
        assert_eq!(ErrorCode::from(&EmitError::NotConnected).as_str(), "emit");
    }
}
