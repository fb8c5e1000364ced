//! What crosses the wasm/JS boundary, declared once: the string unions (from the Rust enums themselves) and the
//! objects the wasm hands to JS. `js/src/generated/boundary.ts` (the types `js/src` exports) and
//! `js/test/generated/boundary-spec.ts` (what the JS tests check real wasm output against) are written from here
//! by [`tests`]; a stale checked-in file fails `cargo test` (`UPDATE_GENERATED=1 cargo test boundary` rewrites them).
//!
//! Test-only: nothing here is in the `.wasm`. The objects are built by the glue (`api/store.rs`) and by
//! [`Message::to_json`](crate::store::Message::to_json); the native test checks the latter against [`SHAPES`], the
//! JS test (`js/test/boundary.test.ts`) checks every glue-built object from the real wasm.

mod tests;
mod typescript;

use crate::connection::{DisconnectReason, Status as ConnectionStatus};
use crate::error_code::ErrorCode;
use crate::store::{Direction, OutboxState, Status};

/// A TypeScript type, as a field declares it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Ty {
    String,
    Number,
    Boolean,
    /// Anything (what an app's callback resolved with).
    Unknown,
    /// A union or shape of this file, by its TS name.
    Named(&'static str),
    /// `T | null`.
    Nullable(&'static Ty),
    /// `ReadonlyArray<T>`.
    Array(&'static Ty),
}

/// One property of a [`Shape`].
#[derive(Debug)]
pub(crate) struct Field {
    pub(crate) name: &'static str,
    pub(crate) ty: Ty,
    /// Absent unless it applies (`T?`); every other field is always set (to `null` when it has no value).
    pub(crate) optional: bool,
    pub(crate) doc: &'static str,
}

/// An object the wasm hands to JS.
#[derive(Debug)]
pub(crate) struct Shape {
    pub(crate) name: &'static str,
    pub(crate) doc: &'static str,
    pub(crate) fields: &'static [Field],
    /// Also carries fields the server sent that the store does not interpret (their doc).
    pub(crate) open: Option<&'static str>,
}

/// A string union: every value a Rust enum writes, with a doc per value when it has one.
#[derive(Debug)]
pub(crate) struct Union {
    pub(crate) name: &'static str,
    pub(crate) doc: &'static str,
    pub(crate) values: Vec<(&'static str, &'static str)>,
}

const fn field(name: &'static str, ty: Ty, doc: &'static str) -> Field {
    Field { name, ty, optional: false, doc }
}

const STRING_OR_NULL: Ty = Ty::Nullable(&Ty::String);

/// The string unions, each from its enum's `as_str`. The exhaustive `match`es make a new variant a compile error
/// here until it is listed.
pub(crate) fn unions() -> Vec<Union> {
    use ConnectionStatus as C;
    use DisconnectReason as D;
    let plain =
        |name, doc, values: &[&'static str]| Union { name, doc, values: values.iter().map(|v| (*v, "")).collect() };
    let connection = [C::Connecting, C::Connected, C::Reconnecting, C::Disconnected, C::Error];
    let _ = |s: C| match s {
        C::Connecting | C::Connected | C::Reconnecting | C::Disconnected | C::Error => (),
    };
    let status = [Status::Pending, Status::Sent, Status::Delivered, Status::Read, Status::Failed];
    let _ = |s: Status| match s {
        Status::Pending | Status::Sent | Status::Delivered | Status::Read | Status::Failed => (),
    };
    let direction = [Direction::Incoming, Direction::Outgoing];
    let _ = |d: Direction| match d {
        Direction::Incoming | Direction::Outgoing => (),
    };
    let outbox = [OutboxState::Waiting, OutboxState::Sending, OutboxState::Failed];
    let _ = |s: OutboxState| match s {
        OutboxState::Waiting | OutboxState::Sending | OutboxState::Failed => (),
    };
    let disconnect =
        [D::ClientDisconnect, D::ServerDisconnect, D::PingTimeout, D::TransportClose, D::TransportError, D::Offline];
    let _ = |d: D| match d {
        D::ClientDisconnect
        | D::ServerDisconnect
        | D::PingTimeout
        | D::TransportClose
        | D::TransportError
        | D::Offline => (),
    };
    vec![
        plain(
            "ConnectionStatus",
            "Connection state of a `SocketClient`.",
            &connection.map(C::as_str),
        ),
        plain(
            "DisconnectReason",
            "Why a connection ended (`disconnect`), in socket.io-client's words.",
            &disconnect.map(D::as_str),
        ),
        plain(
            "MessageStatus",
            "Delivery state of a message, WhatsApp style: clock, one tick, two grey ticks, two blue ticks, or failed.",
            &status.map(Status::as_str),
        ),
        plain(
            "MessageDirection",
            "`incoming` = from the customer, `outgoing` = from an agent.",
            &direction.map(Direction::as_str),
        ),
        plain(
            "OutboxState",
            "Where an outbox send is: `waiting` (its turn, or its next attempt), `sending`, or `failed` (Retry / Discard).",
            &outbox.map(OutboxState::as_str),
        ),
        Union {
            name: "ErrorCode",
            doc: "Codes carried by `InboxRealtimeError`.",
            values: ErrorCode::ALL.iter().map(|c| (c.as_str(), c.doc())).collect(),
        },
    ]
}

/// The objects, in the order they are written.
pub(crate) const SHAPES: &[Shape] = &[
    Shape {
        name: "Message",
        doc: "A chat message as the store hands it out. Objects are frozen in practice: never mutate them; the store \
              returns the same object until that message changes, so `React.memo` on a message row works.",
        fields: &[
            field(
                "key",
                Ty::String,
                "Stable across the optimistic → confirmed replacement: use it as the React `key`.",
            ),
            field("id", Ty::String, "The server's id; for a message not yet confirmed, its client id."),
            field("room_id", Ty::String, ""),
            field("text", Ty::String, ""),
            field("user_id", STRING_OR_NULL, "The agent who sent it; `null` for the customer."),
            field("direction", Ty::Named("MessageDirection"), ""),
            field("status", Ty::Named("MessageStatus"), ""),
            field("timestamp", Ty::Number, "Milliseconds since the epoch."),
            field(
                "client_id",
                STRING_OR_NULL,
                "The client id of the send this message is or confirms (sent from this client); `null` otherwise.",
            ),
            field(
                "error",
                STRING_OR_NULL,
                "Why a send failed (`status === 'failed'`, or a retry is waiting); `null` otherwise.",
            ),
            Field {
                optional: true,
                ..field(
                    "text_truncated",
                    Ty::Number,
                    "Set when the text was longer than the store's `maxTextChars`: `text` holds its start, this its \
                     full length.",
                )
            },
        ],
        open: Some("Any other field the server sent (`contact_name`, `from`, …) is kept."),
    },
    Shape {
        name: "RoomSummary",
        doc: "One line of the inbox sidebar.",
        fields: &[
            field("room_id", Ty::String, ""),
            field(
                "contact_name",
                STRING_OR_NULL,
                "The customer's name: the `contact_name` of the newest message (live or history) that carried one, \
                 `null` if none did. Agent sends carry no name and leave it as it is, so the sidebar does not flip to \
                 the phone number.",
            ),
            field("last_message", Ty::Nullable(&Ty::Named("Message")), ""),
            field("unread", Ty::Number, ""),
            field("version", Ty::Number, "Changes whenever the room changes."),
            field("has_more", Ty::Boolean, "Whether older history may exist."),
        ],
        open: None,
    },
    Shape {
        name: "HistoryRejection",
        doc: "A history item `mergeHistory` skipped: its index in the page, and why.",
        fields: &[field("index", Ty::Number, ""), field("error", Ty::String, "")],
        open: None,
    },
    Shape {
        name: "HistoryReport",
        doc: "What `MessageStore.mergeHistory` did with a page.",
        fields: &[
            field("added", Ty::Number, ""),
            field("updated", Ty::Number, ""),
            field("unchanged", Ty::Number, ""),
            field(
                "rejected",
                Ty::Array(&Ty::Named("HistoryRejection")),
                "Items skipped because they were invalid; the rest of the page was merged.",
            ),
        ],
        open: None,
    },
    Shape {
        name: "RetryInfo",
        doc: "What `MessageStore.retry` hands back to send again (same `client_id`: servers can deduplicate).",
        fields: &[
            field("room_id", Ty::String, ""),
            field("text", Ty::String, ""),
            field("user_id", STRING_OR_NULL, ""),
            field("client_id", Ty::String, ""),
        ],
        open: None,
    },
    Shape {
        name: "SendFailure",
        doc: "Passed to `MessageStore.onSendFailed` listeners.",
        fields: &[
            field("room_id", Ty::String, ""),
            field("client_id", Ty::String, ""),
            field("reason", Ty::String, ""),
        ],
        open: None,
    },
    Shape {
        name: "SendAccepted",
        doc: "Passed to `MessageStore.onSent` listeners: an outbox send the server accepted.",
        fields: &[
            field("room_id", Ty::String, ""),
            field("client_id", Ty::String, ""),
            field("response", Ty::Unknown, "What the sender resolved with (`undefined` when the echo arrived first)."),
        ],
        open: None,
    },
    Shape {
        name: "OutboxEntry",
        doc: "A send the server has not accepted yet (`MessageStore.outbox`).",
        fields: &[
            field("client_id", Ty::String, ""),
            field("room_id", Ty::String, ""),
            field("text", Ty::String, ""),
            field("user_id", STRING_OR_NULL, ""),
            field("created", Ty::Number, "When it was made (or retried), ms."),
            field("attempts", Ty::Number, ""),
            field("next_attempt", Ty::Number, "Earliest next attempt, ms (while `waiting`)."),
            field("state", Ty::Named("OutboxState"), ""),
            field("last_error", STRING_OR_NULL, "Why the last attempt failed."),
            field(
                "waiting_for_network",
                Ty::Boolean,
                "`waiting` after a failed attempt: retried automatically, at once when the network comes back.",
            ),
        ],
        open: None,
    },
    Shape {
        name: "SendPayload",
        doc: "What the outbox hands the app's `OutboxSender`: the same `client_id` on every attempt.",
        fields: &[
            field("to", Ty::String, "The room."),
            field("text", Ty::String, ""),
            field("user_id", STRING_OR_NULL, ""),
            field("client_id", Ty::String, ""),
        ],
        open: None,
    },
    Shape {
        name: "ConnectInfo",
        doc: "Passed to `connect` listeners. `recovered`: the server restored the session (no events missed).",
        fields: &[field("sid", Ty::String, "Socket.IO session id."), field("recovered", Ty::Boolean, "")],
        open: None,
    },
];
