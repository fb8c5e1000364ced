//! The change stream: what changed in the watched rooms (list operations by display position, typing, unread,
//! `has_more`) and, while the inbox is watched, the summaries of the rooms that changed. Recorded as the store
//! changes and taken after each input with [`MessageStore::take_changes`](super::MessageStore::take_changes), so a
//! view replays a few operations instead of asking for (and diffing) whole lists. Plain data: its JSON text
//! ([`ChangeBatch::to_json`]) can be posted to a worker or another tab as it is.

use std::sync::Arc;

use crate::json::{write_list, write_str, write_u64};

use super::model::Message;
use super::outcome::RoomSummary;
use super::typing::TypingUser;

/// One change of a room's message list. Positions are display positions in the list as it stands after the
/// previous operations of the same batch.
#[derive(Debug, Clone, PartialEq)]
pub enum ListOp {
    /// A message inserted at this position.
    Insert(usize, Message),
    /// The message at this position changed (same key and place).
    Update(usize, Message),
    /// The message at this position is gone.
    Remove(usize),
    /// The whole list, when that is cheaper than its operations (a large history page, a trim).
    Reset(Vec<Message>),
}

/// What changed in one watched room since the last take.
#[derive(Debug, Clone, PartialEq)]
pub struct RoomChanges {
    /// The room.
    pub room_id: Arc<str>,
    /// Its list operations, in order (empty when only other things changed).
    pub ops: Vec<ListOp>,
    /// Who is typing now (names, else ids), when that changed.
    pub typing: Option<Vec<String>>,
    /// Whether older history may exist, when that changed.
    pub has_more: Option<bool>,
    /// The unread count, when it changed.
    pub unread: Option<u32>,
}

/// Everything the views need after one input: the watched rooms that changed, and the inbox summaries of the rooms
/// that changed while the inbox is watched.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChangeBatch {
    /// Watched rooms that changed, in the order they first changed.
    pub rooms: Vec<RoomChanges>,
    /// Summaries of the rooms that changed (while the inbox is watched).
    pub inbox: Vec<RoomSummary>,
}

/// The state a view starts from when it watches a room; the room's changes follow from there.
#[derive(Debug, Clone, PartialEq)]
pub struct RoomState {
    /// The messages in display order.
    pub messages: Vec<Message>,
    /// Who is typing (names, else ids).
    pub typing: Vec<String>,
    /// Whether older history may exist.
    pub has_more: bool,
    /// The unread count.
    pub unread: u32,
}

/// What a view shows of who is typing: the display name, else the id.
pub(crate) fn typing_names(users: Vec<TypingUser>) -> Vec<String> {
    users.into_iter().map(|u| u.name.unwrap_or(u.id)).collect()
}

/// Operations recorded before a batch becomes a reset: past this many (and half the list), replaying the list once is
/// cheaper than carrying each operation.
const RESET_AFTER_OPS: usize = 32;

/// A watched room's changes since the last take, and what the view was last told of its scalars.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Journal {
    ops: Vec<ListOp>,
    /// The list changed so much that the batch carries it whole (the operations are dropped).
    reset: bool,
    pub(crate) typing: Vec<String>,
    pub(crate) has_more: bool,
    pub(crate) unread: u32,
}

impl Journal {
    pub(crate) fn new(typing: Vec<String>, has_more: bool, unread: u32) -> Journal {
        Journal { ops: Vec::new(), reset: false, typing, has_more, unread }
    }

    /// Records an operation on a list of `len` messages (after the operation).
    pub(crate) fn push(&mut self, op: impl FnOnce() -> ListOp, len: usize) {
        if self.reset {
            return;
        }
        if self.ops.len() >= RESET_AFTER_OPS && self.ops.len() * 2 >= len {
            self.ops = Vec::new();
            self.reset = true;
            return;
        }
        self.ops.push(op());
    }

    /// The operations since the last take; a reset is answered with the current list (`all`).
    pub(crate) fn take_ops<'a>(&mut self, all: impl Iterator<Item = &'a Message>) -> Vec<ListOp> {
        if std::mem::take(&mut self.reset) {
            return vec![ListOp::Reset(all.cloned().collect())];
        }
        std::mem::take(&mut self.ops)
    }
}

impl RoomChanges {
    fn is_empty(&self) -> bool {
        self.ops.is_empty() && self.typing.is_none() && self.has_more.is_none() && self.unread.is_none()
    }
}

impl ChangeBatch {
    /// About how long [`to_json`](Self::to_json)'s text is.
    fn json_len_hint(&self) -> usize {
        let op = |op: &ListOp| match op {
            ListOp::Insert(_, m) | ListOp::Update(_, m) => 32 + m.json_len_hint(),
            ListOp::Remove(_) => 32,
            ListOp::Reset(messages) => 32 + messages.iter().map(Message::json_len_hint).sum::<usize>(),
        };
        let room = |r: &RoomChanges| 128 + r.room_id.len() + r.ops.iter().map(op).sum::<usize>();
        let summary = |s: &RoomSummary| SUMMARY_JSON_LEN + s.last_message.as_ref().map_or(0, Message::json_len_hint);
        32 + self.rooms.iter().map(room).sum::<usize>() + self.inbox.iter().map(summary).sum::<usize>()
    }

    /// Nothing to tell a view.
    pub fn is_empty(&self) -> bool {
        self.rooms.is_empty() && self.inbox.is_empty()
    }

    /// `{"rooms":[{"room_id","ops":[["insert",i,message],["update",i,message],["remove",i],["reset",[messages]]],
    /// "typing"?,"has_more"?,"unread"?}],"inbox":[summaries]}`; a message is [`Message::to_json`], a summary as
    /// [`RoomSummary`] with `typing` as names.
    pub fn to_json(&self) -> String {
        // Sized up front from what it carries: one new message needs no doubling, and a reset of a large room
        // (megabytes) no transient double.
        let mut out = String::with_capacity(self.json_len_hint());
        out.push_str("{\"rooms\":");
        write_list(&mut out, &self.rooms, write_room);
        out.push_str(",\"inbox\":");
        write_list(&mut out, &self.inbox, write_summary);
        out.push('}');
        out
    }
}

impl RoomState {
    /// `{"messages":[…],"typing":[…],"has_more":…,"unread":…}`.
    pub fn to_json(&self) -> String {
        joined(|emit| write_room_state(self.messages.iter(), &self.typing, self.has_more, self.unread, emit))
    }
}

/// How much JSON text [`Pieces`] gathers before handing it on.
const PIECE: usize = 32 * 1024;

/// JSON text handed on in pieces of about [`PIECE`] bytes, each a fragment: the text is whole once they are
/// joined. Why: a room's first view or the inbox list can be megabytes of text, and wasm memory grown for a
/// transient peak is never given back. Opening a 10 000-message room grew it by 7 616 KiB when its messages were
/// copied and written into a buffer that doubled as it filled, by 2 688 KiB when written into one buffer sized up
/// front (`make bench`, memory rows); in pieces, the buffer is reused and it grows by nothing.
struct Pieces<'e> {
    out: String,
    emit: &'e mut dyn FnMut(&str),
}

impl<'e> Pieces<'e> {
    fn new(emit: &'e mut dyn FnMut(&str)) -> Pieces<'e> {
        Pieces { out: String::new(), emit }
    }

    /// Writes with `write`, then hands the text gathered on once it is a piece's worth.
    fn write(&mut self, write: impl FnOnce(&mut String)) {
        write(&mut self.out);
        if self.out.len() >= PIECE {
            (self.emit)(&self.out);
            self.out.clear();
        }
    }

    /// `[items]`, each written by `write`.
    fn list<T>(&mut self, items: impl Iterator<Item = T>, write: impl Fn(&mut String, T)) {
        self.write(|out| out.push('['));
        for (i, item) in items.enumerate() {
            self.write(|out| {
                if i > 0 {
                    out.push(',');
                }
                write(out, item);
            });
        }
        self.write(|out| out.push(']'));
    }

    /// Hands on what is left.
    fn finish(self) {
        if !self.out.is_empty() {
            (self.emit)(&self.out);
        }
    }
}

/// The pieces `write` hands to its sink, joined.
pub(crate) fn joined(write: impl FnOnce(&mut dyn FnMut(&str))) -> String {
    let mut text = String::new();
    write(&mut |piece| text.push_str(piece));
    text
}

/// A [`RoomState`]'s JSON text, in pieces (see [`Pieces`]), written from the messages where they are held.
pub(crate) fn write_room_state<'a>(
    messages: impl Iterator<Item = &'a Message>,
    typing: &[String],
    has_more: bool,
    unread: u32,
    emit: &mut dyn FnMut(&str),
) {
    let mut pieces = Pieces::new(emit);
    pieces.write(|out| out.push_str("{\"messages\":"));
    pieces.list(messages, write_message);
    pieces.write(|out| {
        out.push_str(",\"typing\":");
        write_names(out, typing);
        out.push_str(if has_more { ",\"has_more\":true,\"unread\":" } else { ",\"has_more\":false,\"unread\":" });
        write_u64(out, u64::from(unread));
        out.push('}');
    });
    pieces.finish();
}

/// The inbox as JSON text, `[summaries]` in the order given, in pieces (see [`Pieces`]): each summary is made,
/// written and dropped in turn.
pub(crate) fn write_summaries(summaries: impl Iterator<Item = RoomSummary>, emit: &mut dyn FnMut(&str)) {
    let mut pieces = Pieces::new(emit);
    pieces.list(summaries, |out, s| write_summary(out, &s));
    pieces.finish();
}

/// Room for one summary's JSON around its last message's (see [`Message::json_len_hint`]).
pub(crate) const SUMMARY_JSON_LEN: usize = 128;

fn write_message(out: &mut String, m: &Message) {
    m.write_json(out);
}

fn write_messages(out: &mut String, messages: &[Message]) {
    write_list(out, messages, write_message);
}

fn write_names(out: &mut String, names: &[String]) {
    write_list(out, names, |out, name| write_str(out, name));
}

fn write_room(out: &mut String, room: &RoomChanges) {
    out.push_str("{\"room_id\":");
    write_str(out, &room.room_id);
    out.push_str(",\"ops\":");
    write_list(out, &room.ops, |out, op| match op {
        ListOp::Insert(at, m) | ListOp::Update(at, m) => {
            let name = if matches!(op, ListOp::Insert(..)) { "[\"insert\"," } else { "[\"update\"," };
            out.push_str(name);
            write_u64(out, *at as u64);
            out.push(',');
            write_message(out, m);
            out.push(']');
        }
        ListOp::Remove(at) => {
            out.push_str("[\"remove\",");
            write_u64(out, *at as u64);
            out.push(']');
        }
        ListOp::Reset(messages) => {
            out.push_str("[\"reset\",");
            write_messages(out, messages);
            out.push(']');
        }
    });
    if let Some(typing) = &room.typing {
        out.push_str(",\"typing\":");
        write_names(out, typing);
    }
    if let Some(has_more) = room.has_more {
        out.push_str(if has_more { ",\"has_more\":true" } else { ",\"has_more\":false" });
    }
    if let Some(unread) = room.unread {
        out.push_str(",\"unread\":");
        write_u64(out, u64::from(unread));
    }
    out.push('}');
}

fn write_summary(out: &mut String, s: &RoomSummary) {
    out.push_str("{\"room_id\":");
    write_str(out, &s.room_id);
    out.push_str(",\"contact_name\":");
    match &s.contact_name {
        Some(name) => write_str(out, name),
        None => out.push_str("null"),
    }
    out.push_str(",\"last_message\":");
    match &s.last_message {
        Some(m) => write_message(out, m),
        None => out.push_str("null"),
    }
    out.push_str(",\"unread\":");
    write_u64(out, u64::from(s.unread));
    out.push_str(",\"version\":");
    write_u64(out, s.version);
    out.push_str(if s.has_more { ",\"has_more\":true,\"typing\":" } else { ",\"has_more\":false,\"typing\":" });
    write_names(out, &typing_names(s.typing.clone()));
    out.push('}');
}

/// The changes of one room, or `None` when there are none: `typing` is who types now, compared with what the view
/// was last told.
pub(crate) fn room_changes(
    journal: &mut Journal,
    room_id: &Arc<str>,
    ops: Vec<ListOp>,
    typing: Vec<String>,
    has_more: bool,
    unread: u32,
) -> Option<RoomChanges> {
    let mut changes = RoomChanges { room_id: room_id.clone(), ops, typing: None, has_more: None, unread: None };
    if journal.typing != typing {
        journal.typing = typing.clone();
        changes.typing = Some(typing);
    }
    if journal.has_more != has_more {
        journal.has_more = has_more;
        changes.has_more = Some(has_more);
    }
    if journal.unread != unread {
        journal.unread = unread;
        changes.unread = Some(unread);
    }
    (!changes.is_empty()).then_some(changes)
}
