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
    /// One string value.
    Literal(&'static str),
    /// `readonly [A, B, …]`.
    Tuple(&'static [Ty]),
    /// `A | B | …`.
    OneOf(&'static [Ty]),
}

/// One property of a [`Shape`]: its name, its type and its doc. A name ending in `?` is absent unless it applies;
/// every other field is always set (to `null` when it has no value).
pub(crate) type Field = (&'static str, Ty, &'static str);

/// A field's name without the `?`, and whether it is optional.
pub(crate) fn field_name(field: &Field) -> (&'static str, bool) {
    match field.0.strip_suffix('?') {
        Some(name) => (name, true),
        None => (field.0, false),
    }
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

/// A shape without unknown fields.
const fn closed(name: &'static str, doc: &'static str, fields: &'static [Field]) -> Shape {
    Shape { name, doc, fields, open: None }
}

const STR: Ty = Ty::String;
const NUM: Ty = Ty::Number;
const BOOL: Ty = Ty::Boolean;
const STR_OR_NULL: Ty = Ty::Nullable(&Ty::String);
const NAMES: Ty = Ty::Array(&Ty::String);
const MESSAGE: Ty = Ty::Named("Message");
const MESSAGES: Ty = Ty::Array(&MESSAGE);

/// The string unions, each from its enum's `as_str`. The exhaustive `match`es make a new variant a compile error
/// here until it is listed.
pub(crate) fn unions() -> Vec<Union> {
    use ConnectionStatus as C;
    use DisconnectReason as D;
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
    let values: [Vec<&'static str>; 5] = [
        connection.map(C::as_str).into(),
        disconnect.map(D::as_str).into(),
        status.map(Status::as_str).into(),
        direction.map(Direction::as_str).into(),
        outbox.map(OutboxState::as_str).into(),
    ];
    let docs = [
        ("ConnectionStatus", "Connection state of a `SocketClient`."),
        ("DisconnectReason", "Why a connection ended (`disconnect`), in socket.io-client's words."),
        (
            "MessageStatus",
            "Delivery state, WhatsApp style: clock, one tick, two grey ticks, two blue ticks, or failed.",
        ),
        ("MessageDirection", "`incoming` = from the customer, `outgoing` = from an agent."),
        (
            "OutboxState",
            "Where an outbox send is: `waiting` (its turn or next attempt), `sending`, `failed` (Retry/Discard).",
        ),
    ];
    let plain = docs.into_iter().zip(values).map(|((name, doc), values)| Union {
        name,
        doc,
        values: values.into_iter().map(|v| (v, "")).collect(),
    });
    plain
        .chain([Union {
            name: "ErrorCode",
            doc: "Codes carried by `InboxRealtimeError`.",
            values: ErrorCode::ALL.iter().map(|c| (c.as_str(), c.doc())).collect(),
        }])
        .collect()
}

/// The objects, in the order they are written.
pub(crate) const SHAPES: &[Shape] = &[
    Shape {
        name: "Message",
        doc: "A chat message as the store hands it out. Objects are frozen in practice: never mutate them; the store \
              returns the same object until that message changes, so `React.memo` on a message row works.",
        fields: &[
            ("key", STR, "Stable across the optimistic → confirmed replacement: use it as the React `key`."),
            ("id", STR, "The server's id; for a message not yet confirmed, its client id."),
            ("room_id", STR, ""),
            ("text", STR, ""),
            ("user_id", STR_OR_NULL, "The agent who sent it; `null` for the customer."),
            ("direction", Ty::Named("MessageDirection"), ""),
            ("status", Ty::Named("MessageStatus"), ""),
            ("timestamp", NUM, "Milliseconds since the epoch."),
            (
                "client_id",
                STR_OR_NULL,
                "The client id of the send this message is or confirms (sent from this client); `null` otherwise.",
            ),
            (
                "error",
                STR_OR_NULL,
                "Why a send failed (`status === 'failed'`, or a retry is waiting); `null` otherwise.",
            ),
            (
                "text_truncated?",
                NUM,
                "Set when the text was longer than the store's `maxTextChars`: `text` holds its start, this its \
                 full length.",
            ),
            (
                "cached?",
                BOOL,
                "`true` on a message shown from this device's saved copy of the room (a reload opens it at once) \
                 that the server has not sent again since; absent otherwise.",
            ),
        ],
        open: Some("Any other field the server sent (`contact_name`, `from`, …) is kept."),
    },
    closed(
        "RoomSummary",
        "One line of the inbox sidebar.",
        &[
            ("room_id", STR, ""),
            (
                "contact_name",
                STR_OR_NULL,
                "The customer's name: the `contact_name` of the newest message (live or history) that carried one, \
                 `null` if none did. Agent sends carry no name and leave it as it is, so the sidebar does not flip to \
                 the phone number.",
            ),
            ("last_message", Ty::Nullable(&Ty::Named("Message")), ""),
            ("unread", NUM, ""),
            ("version", NUM, "Changes whenever the room changes."),
            ("has_more", BOOL, "Whether older history may exist."),
            ("typing", NAMES, "Who is typing in the room now (names, else ids)."),
        ],
    ),
    closed(
        "RoomState",
        "What `WasmMessageStore.watch` returns: a room as it is; its `RoomChanges` apply from there.",
        &[
            ("messages", MESSAGES, "Oldest first."),
            ("typing", NAMES, "Who is typing (names, else ids)."),
            ("has_more", BOOL, "Whether older history may exist."),
            ("unread", NUM, ""),
        ],
    ),
    closed(
        "RoomChanges",
        "What changed in one watched room during one input.",
        &[
            ("room_id", STR, ""),
            (
                "ops",
                Ty::Array(&Ty::OneOf(&[
                    Ty::Tuple(&[Ty::Literal("insert"), NUM, MESSAGE]),
                    Ty::Tuple(&[Ty::Literal("update"), NUM, MESSAGE]),
                    Ty::Tuple(&[Ty::Literal("remove"), NUM]),
                    Ty::Tuple(&[Ty::Literal("reset"), MESSAGES]),
                ])),
                "List operations in order; each position is a display position in the list as it stands after the \
                 previous operations.",
            ),
            ("typing?", NAMES, "Who is typing now, when that changed."),
            ("has_more?", BOOL, "When it changed."),
            ("unread?", NUM, "When it changed."),
        ],
    ),
    closed(
        "ChangeBatch",
        "The one batch the wasm store pushes to its view after an input that changed something watched \
         (plain data: a worker or another tab could receive it as it is).",
        &[
            ("rooms", Ty::Array(&Ty::Named("RoomChanges")), "Watched rooms that changed."),
            (
                "inbox",
                Ty::Array(&Ty::Named("RoomSummary")),
                "Summaries of the rooms that changed, while the inbox is watched.",
            ),
        ],
    ),
    closed(
        "HistoryRejection",
        "A history item `mergeHistory` skipped: its index in the page, and why.",
        &[("index", NUM, ""), ("error", STR, "")],
    ),
    closed(
        "HistoryReport",
        "What `MessageStore.mergeHistory` did with a page.",
        &[
            ("added", NUM, ""),
            ("updated", NUM, ""),
            ("unchanged", NUM, ""),
            (
                "rejected",
                Ty::Array(&Ty::Named("HistoryRejection")),
                "Items skipped because they were invalid; the rest of the page was merged.",
            ),
        ],
    ),
    closed(
        "RetryInfo",
        "What `MessageStore.retry` hands back to send again (same `client_id`: servers can deduplicate).",
        &[("room_id", STR, ""), ("text", STR, ""), ("user_id", STR_OR_NULL, ""), ("client_id", STR, "")],
    ),
    closed(
        "SendFailure",
        "Passed to `MessageStore.onSendFailed` listeners.",
        &[("room_id", STR, ""), ("client_id", STR, ""), ("reason", STR, "")],
    ),
    closed(
        "SendAccepted",
        "Passed to `MessageStore.onSent` listeners: an outbox send the server accepted.",
        &[
            ("room_id", STR, ""),
            ("client_id", STR, ""),
            ("response", Ty::Unknown, "What the sender resolved with (`undefined` when the echo arrived first)."),
        ],
    ),
    closed(
        "OutboxEntry",
        "A send the server has not accepted yet (`MessageStore.outbox`).",
        &[
            ("client_id", STR, ""),
            ("room_id", STR, ""),
            ("text", STR, ""),
            ("user_id", STR_OR_NULL, ""),
            ("created", NUM, "When it was made (or retried), ms."),
            ("attempts", NUM, ""),
            ("next_attempt", NUM, "Earliest next attempt, ms (while `waiting`)."),
            ("state", Ty::Named("OutboxState"), ""),
            ("last_error", STR_OR_NULL, "Why the last attempt failed."),
            (
                "waiting_for_network",
                BOOL,
                "`waiting` after a failed attempt: retried automatically, at once when the network comes back.",
            ),
        ],
    ),
    closed(
        "SendPayload",
        "What the outbox hands the app's `OutboxSender`: the same `client_id` on every attempt.",
        &[("to", STR, "The room."), ("text", STR, ""), ("user_id", STR_OR_NULL, ""), ("client_id", STR, "")],
    ),
    closed(
        "ConnectInfo",
        "Passed to `connect` listeners. `recovered`: the server restored the session (no events missed).",
        &[("sid", STR, "Socket.IO session id."), ("recovered", BOOL, "")],
    ),
];
