use std::cell::RefCell;
use std::rc::{Rc, Weak};

use js_sys::{Array, Function, JsString, Object, Reflect};
use wasm_bindgen::prelude::*;

use super::client::{Hooks, SocketClient, TapEvent};
use super::error::{core_error, js_error};
use super::json::{from_js, to_js, with_json_text};
use super::options::{get, number};
use crate::error_code::ErrorCode;
use crate::index_map::FastMap;
use crate::json::Value;
use crate::store::Resync;
use crate::store::{
    classify_error, retry_after_ms, rooms_to_evict, CachedRoom, HistoryReport, MessageStore, OutboxEntry, OutboxState,
    SendRequest, SendResult, StoreError, StoreEvent, StoreOptions,
};
use crate::web::{now, DeadlineTimer};

#[wasm_bindgen]
extern "C" {
    /// The view layer's `sink(batchJson)` (a JS function).
    type Sink;

    /// `sink.call(this, text)`, the text passed as UTF-8 and decoded by the glue in the same call (a `JsValue` string
    /// would be one more call into JS to make it).
    #[wasm_bindgen(method, catch, js_name = call)]
    fn call_with_text(this: &Sink, context: &JsValue, text: &str) -> Result<JsValue, JsValue>;
}

/// Server events the store consumes when attached to a client.
const STORE_EVENTS: [&str; 3] = ["new_message", "message_status_update", "typing_indicator"];

/// `inbox_message {room_id, message}`: a new message for any room, joined or not (the dev server sends it to every
/// agent so the inbox list updates); ingested like `new_message`, deduplicated by id.
const INBOX_EVENT: &str = "inbox_message";

/// What a listener listens to.
enum Topic {
    SendFailed,
    Sent,
    Error,
}

#[derive(Default)]
struct Subscribers {
    next_id: u32,
    /// `Rc`, so taking a copy of the callbacks to call is a Rust refcount bump, not a JS reference clone.
    listeners: Vec<(u32, Topic, Rc<Function>)>,
}

impl Subscribers {
    fn add(&mut self, topic: Topic, listener: Function) -> u32 {
        self.next_id += 1;
        self.listeners.push((self.next_id, topic, Rc::new(listener)));
        self.next_id
    }

    /// A copy of the matching callbacks: a listener may (un)subscribe while they are called.
    fn matching(&self, wanted: impl Fn(&Topic) -> bool) -> Vec<Rc<Function>> {
        self.listeners.iter().filter(|(_, topic, _)| wanted(topic)).map(|(_, _, f)| f.clone()).collect()
    }
}

struct Shared {
    store: RefCell<MessageStore>,
    /// The view layer's `sink(batchJson)`, called once per flush that changed something (see `setSink`).
    sink: RefCell<Option<Rc<Sink>>>,
    subscribers: RefCell<Subscribers>,
    timer: RefCell<DeadlineTimer>,
    attached: RefCell<Option<(Weak<Hooks>, u32)>>,
    /// The app's `resync(roomId, sinceMs)`, run for every request of `resyncs`.
    resync: RefCell<Option<Function>>,
    /// Which rooms resync and from when (after a reconnect the server did not recover, or shown from the device's
    /// copy): decided in the core, fed by the client's tap and `resyncCached`.
    resyncs: RefCell<Resync>,
    /// The app's `send({to, text, user_id, client_id}) => Promise`, run for every "send now" of the outbox.
    sender: RefCell<Option<Function>>,
    /// What the sender resolved with, per client id, handed to `onSent` listeners with the `Sent` event.
    responses: RefCell<FastMap<String, JsValue>>,
}

/// The per-room message store for the chat UI: optimistic sends, confirmed merge, status ticks, typing, unread
/// counts. What changed reaches the JS view layer as one batch per input (`setSink`, `watch`, `watchInbox`).
#[wasm_bindgen(js_name = WasmMessageStore)]
pub struct StoreHandle {
    shared: Rc<Shared>,
}

impl std::fmt::Debug for StoreHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreHandle").finish_non_exhaustive()
    }
}

/// The text `write` hands to its sink in pieces, as one JS string: each piece crosses once and JS joins them, so
/// the whole text is never held in wasm memory (see `Pieces` in `src/store/changes.rs`).
fn joined_js(write: impl FnOnce(&mut dyn FnMut(&str))) -> JsString {
    let mut text: Option<JsString> = None;
    write(&mut |piece| {
        let piece = JsString::from(piece);
        text = Some(match text.take() {
            Some(t) => t.concat(&piece),
            None => piece,
        });
    });
    text.unwrap_or_else(|| JsString::from(""))
}

fn store_error(e: StoreError) -> JsValue {
    core_error(e)
}

fn options_from_js(options: &JsValue) -> StoreOptions {
    let mut opts = StoreOptions::default();
    if let Some(ms) = number(options, "matchWindowMs") {
        opts.match_window_ms = ms;
    }
    if let Some(ms) = number(options, "pendingTimeoutMs") {
        opts.pending_timeout_ms = ms;
    }
    if let Some(ms) = number(options, "typingTimeoutMs") {
        opts.typing_timeout_ms = ms;
    }
    if let Some(ms) = number(options, "resyncOverlapMs") {
        opts.resync_overlap_ms = ms;
    }
    let count = |name| number(options, name).filter(|n| *n >= 0.0).map(|n| n as usize);
    opts.max_text_chars = count("maxTextChars").unwrap_or(opts.max_text_chars);
    opts.max_id_chars = count("maxIdChars").unwrap_or(opts.max_id_chars);
    opts.max_held_updates = count("maxHeldUpdates").unwrap_or(opts.max_held_updates);
    if let Some(ms) = number(options, "maxFutureMs") {
        opts.max_future_ms = ms;
    }
    if let Some(ms) = number(options, "heldMaxAgeMs") {
        opts.held_max_age_ms = ms;
    }
    if let Some(keep) = get(options, "keepFailed").and_then(|v| v.as_bool()) {
        opts.keep_failed = keep;
    }
    opts.max_messages_per_room = number(options, "maxMessagesPerRoom").map(|n| n as usize);
    if let Some(ms) = number(options, "sendGiveUpMs") {
        opts.outbox.give_up_ms = ms;
    }
    if let Some(ms) = number(options, "sendAttemptTimeoutMs") {
        opts.outbox.attempt_timeout_ms = ms;
    }
    if let Some(ms) = number(options, "sendRetryDelayMs") {
        opts.outbox.backoff.initial_ms = ms;
    }
    if let Some(ms) = number(options, "sendRetryDelayMaxMs") {
        opts.outbox.backoff.max_ms = ms;
    }
    opts.cache.max_messages_per_room = count("cacheMessagesPerRoom").unwrap_or(opts.cache.max_messages_per_room);
    opts.cache.max_messages = count("cacheMaxMessages").unwrap_or(opts.cache.max_messages);
    // Spreads the retries of many tabs after an outage (the jitter's seed).
    opts.outbox_seed = (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64;
    opts.client_id_prefix = get(options, "clientIdPrefix").and_then(|v| v.as_string()).unwrap_or_else(|| {
        // Distinct per tab: a server may deduplicate sends by client id.
        format!("c{:x}", (js_sys::Math::random() * 4_294_967_295.0) as u64)
    });
    opts
}

fn set(target: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &key.into(), value);
}

impl Shared {
    /// Runs a mutation, then notifies subscribers and re-arms the timer. Rust never calls JS mid-mutation.
    fn mutate<R>(self: &Rc<Self>, f: impl FnOnce(&mut MessageStore, f64) -> R) -> R {
        let now = now();
        let result = f(&mut self.store.borrow_mut(), now);
        self.flush(now);
        result
    }

    /// `now`: the mutation's time (the timer rounds to whole milliseconds; the mutation's microseconds do not
    /// matter, and reading the clock again is a call into JS).
    fn flush(self: &Rc<Self>, now: f64) {
        let deadline = self.store.borrow().poll_timeout();
        // Usually an earlier deadline is armed already: skip building the callback.
        if self.timer.borrow().would_change(deadline, now) {
            let weak = Rc::downgrade(self);
            self.timer.borrow_mut().arm(deadline, now, move || {
                if let Some(shared) = weak.upgrade() {
                    shared.timer.borrow_mut().fired();
                    shared.mutate(|store, now| store.handle_timeout(now));
                }
            });
        }
        let mut failures = Vec::new();
        let mut sent = Vec::new();
        loop {
            // One event at a time: the store is not borrowed while listeners run below.
            let Some(event) = self.store.borrow_mut().poll_event() else { break };
            match event {
                // Room changes reach the views through the change batch below.
                StoreEvent::RoomChanged { .. } | StoreEvent::TypingChanged { .. } => {}
                StoreEvent::SendFailed { room_id, client_id, reason } => failures.push((room_id, client_id, reason)),
                StoreEvent::Sent { room_id, client_id } => sent.push((room_id, client_id)),
            }
        }
        self.pump_sends(now);
        let batch = self.store.borrow_mut().take_changes();
        if !batch.is_empty() {
            // One call per input, with plain JSON text: no JS object is built here, and the store is not borrowed
            // while the views run.
            let sink = self.sink.borrow().clone();
            if let Some(sink) = sink {
                if let Err(e) = sink.call_with_text(&JsValue::NULL, &batch.to_json()) {
                    web_sys::console::error_2(&"inbox-realtime: store view threw".into(), &e);
                }
            }
        }
        for (room_id, client_id, reason) in failures {
            let info = Object::new();
            set(&info, "room_id", &room_id.into());
            set(&info, "client_id", &client_id.into());
            set(&info, "reason", &reason.into());
            let targets = self.subscribers.borrow().matching(|t| matches!(t, Topic::SendFailed));
            call_all(&targets, &info.into());
        }
        for (room_id, client_id) in sent {
            let info = Object::new();
            let response = self.responses.borrow_mut().remove(&client_id).unwrap_or(JsValue::UNDEFINED);
            set(&info, "room_id", &room_id.into());
            set(&info, "client_id", &client_id.into());
            set(&info, "response", &response);
            let targets = self.subscribers.borrow().matching(|t| matches!(t, Topic::Sent));
            call_all(&targets, &info.into());
        }
    }

    /// Runs every "send now" the outbox has with the app's sender; each result comes back through
    /// [`Shared::send_done`]. Nothing without a sender (the entries wait).
    fn pump_sends(self: &Rc<Self>, now: f64) {
        // Runs after every mutation (each incoming message): clone the sender (a JS call) only for a send due.
        if self.sender.borrow().is_none() {
            return;
        }
        loop {
            let Some(request) = self.store.borrow_mut().poll_send(now) else { break };
            let Some(sender) = self.sender.borrow().clone() else { break };
            let payload = Object::new();
            set(&payload, "to", &request.room_id.as_str().into());
            set(&payload, "text", &request.text.as_str().into());
            set(&payload, "user_id", &request.user_id.as_deref().map_or(JsValue::NULL, JsValue::from));
            set(&payload, "client_id", &request.client_id.as_str().into());
            // A sender that throws synchronously is an attempt that failed like a rejection.
            let returned =
                sender.call1(&JsValue::NULL, &payload).unwrap_or_else(|e| js_sys::Promise::reject(&e).into());
            let weak = Rc::downgrade(self);
            wasm_bindgen_futures::spawn_local(async move {
                let result = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&returned)).await;
                if let Some(shared) = weak.upgrade() {
                    shared.send_done(request, result);
                }
            });
        }
    }

    /// Reports an attempt: a resolved sender is accepted (its `{id}` links the echo); a rejection is classified
    /// by the error's `retryable`, else its `status` (or `response.status`), else transient (network).
    fn send_done(self: &Rc<Self>, request: SendRequest, result: Result<JsValue, JsValue>) {
        let outcome = match result {
            Ok(response) => {
                let server_id = server_id(&response);
                self.responses.borrow_mut().insert(request.client_id.clone(), response);
                SendResult::Ok { server_id }
            }
            Err(error) => {
                let field = |target: &JsValue, key: &str| get(target, key);
                let retryable = field(&error, "retryable").and_then(|v| v.as_bool());
                let status = field(&error, "status")
                    .or_else(|| field(&error, "response").and_then(|r| field(&r, "status")))
                    .and_then(|v| v.as_f64())
                    .filter(|n| (100.0..600.0).contains(n))
                    .map(|n| n as u16);
                let reason = field(&error, "message")
                    .and_then(|v| v.as_string())
                    .or_else(|| error.as_string())
                    .unwrap_or_else(|| "send failed".into());
                if classify_error(retryable, status) {
                    // An app's own `retryAfterMs`, else the default sender's `Retry-After` header (HttpError).
                    let header = field(&error, "retryAfter").and_then(|v| v.as_string());
                    let date = header.as_deref().map(js_sys::Date::parse);
                    let retry_after_ms =
                        number(&error, "retryAfterMs").or_else(|| retry_after_ms(header.as_deref(), date, now()));
                    SendResult::Transient { reason, retry_after_ms }
                } else {
                    SendResult::Permanent { reason }
                }
            }
        };
        let handled =
            self.mutate(|store, now| store.handle_send_result(&request.client_id, request.attempt, outcome, now));
        if let Err(e) = handled {
            self.responses.borrow_mut().remove(&request.client_id);
            self.report(store_error(e));
        }
    }

    /// Runs the app's `resync(roomId, sinceMs)` for every request the resync core has ready and hands what it
    /// returns (an array of messages, or `{messages, has_more}`) back to the core, which merges it with dedup.
    /// Without a loader, the requests are dropped.
    fn resync(self: &Rc<Self>) {
        let Some(loader) = self.resync.borrow().clone() else {
            self.resyncs.borrow_mut().discard_ready();
            return;
        };
        loop {
            // Not borrowed while the loader runs: it may call the store.
            let Some(request) = self.resyncs.borrow_mut().poll_resync() else { break };
            // A loader that throws synchronously fails like a rejection.
            let returned = loader
                .call2(&JsValue::NULL, &request.room_id.as_str().into(), &request.since.into())
                .unwrap_or_else(|e| js_sys::Promise::reject(&e).into());
            let weak = Rc::downgrade(self);
            wasm_bindgen_futures::spawn_local(async move {
                let result = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&returned)).await;
                let Some(shared) = weak.upgrade() else { return };
                let items = result.map_err(|e| format!("failed: {e:?}")).map(|page| {
                    let items = if Array::is_array(&page) {
                        page
                    } else {
                        Reflect::get(&page, &"messages".into()).unwrap_or_default()
                    };
                    Array::from(&items).iter().map(|m| from_js(&m).unwrap_or(Value::Null)).collect::<Vec<Value>>()
                });
                let page = items.as_deref().map_err(Clone::clone);
                let handled = shared
                    .mutate(|store, now| shared.resyncs.borrow_mut().handle_resync_page(&request, page, store, now));
                if let Err(e) = handled {
                    shared.report(core_error(e));
                }
            });
        }
    }

    fn report(&self, error: JsValue) {
        let targets = self.subscribers.borrow().matching(|t| matches!(t, Topic::Error));
        call_all(&targets, &error);
    }
}

/// The server's message id in a send's answer: `{id}`, or an axios-style `{data: {id}}`.
fn server_id(response: &JsValue) -> Option<String> {
    let data = get(response, "data");
    [Some(response.clone()), data].into_iter().flatten().find_map(|candidate| {
        let id = get(&candidate, "id")?;
        // A numeric id is written by JS: Rust's float formatting cost 5 754 B gzip of .wasm (112 200 -> 106 446).
        let number = || id.as_f64().filter(|n| n.is_finite()).map(|_| id.unchecked_ref::<js_sys::Number>());
        id.as_string().or_else(|| number()?.to_string_with_radix(10).ok().map(String::from))
    })
}

fn outbox_entry_to_js(e: &OutboxEntry) -> JsValue {
    let out = Object::new();
    set(&out, "client_id", &e.client_id.as_str().into());
    set(&out, "room_id", &e.room_id.as_str().into());
    set(&out, "text", &e.text.as_str().into());
    set(&out, "user_id", &e.user_id.as_deref().map_or(JsValue::NULL, JsValue::from));
    set(&out, "created", &e.created.into());
    set(&out, "attempts", &e.attempts.into());
    set(&out, "next_attempt", &e.next_attempt.into());
    set(&out, "state", &e.state.as_str().into());
    set(&out, "last_error", &e.last_error.as_deref().map_or(JsValue::NULL, JsValue::from));
    set(&out, "waiting_for_network", &e.is_waiting_for_network().into());
    out.into()
}

fn call_all(targets: &[Rc<Function>], arg: &JsValue) {
    for f in targets {
        if let Err(e) = f.call1(&JsValue::NULL, arg) {
            web_sys::console::error_2(&"inbox-realtime: store subscriber threw".into(), &e);
        }
    }
}

#[wasm_bindgen(js_class = WasmMessageStore)]
impl StoreHandle {
    /// Creates an empty store. Options: `matchWindowMs` (60000), `pendingTimeoutMs` (60000), `typingTimeoutMs`
    /// (3000), `keepFailed` (false), `maxMessagesPerRoom` (unbounded), `clientIdPrefix` (random per store),
    /// `resyncOverlapMs` (60000), `maxTextChars` (1000000), `maxIdChars` (256), `maxFutureMs` (86400000),
    /// `maxHeldUpdates` (1000), `heldMaxAgeMs` (300000).
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> StoreHandle {
        let shared = Rc::new(Shared {
            store: RefCell::new(MessageStore::new(options_from_js(&options))),
            sink: RefCell::new(None),
            subscribers: RefCell::new(Subscribers::default()),
            timer: RefCell::new(DeadlineTimer::default()),
            attached: RefCell::new(None),
            resync: RefCell::new(None),
            resyncs: RefCell::new(Resync::default()),
            sender: RefCell::new(None),
            responses: RefCell::new(FastMap::default()),
        });
        StoreHandle { shared }
    }

    /// Feeds the client's `new_message`, `message_status_update` and `typing_indicator` events into this store,
    /// inside wasm. Invalid events are reported to `onError` listeners and leave the store unchanged.
    pub fn attach(&self, client: &SocketClient) {
        self.detach();
        let weak = Rc::downgrade(&self.shared);
        let tap = Rc::new(move |event: TapEvent<'_>| {
            let Some(shared) = weak.upgrade() else { return };
            match event {
                TapEvent::Message { name, args } if STORE_EVENTS.contains(&name) => {
                    // The payload's own text, scanned by the store: no Value tree per message.
                    let payload = args.get(0).unwrap_or("null");
                    if let Err(e) = shared.mutate(|store, now| store.handle_event_json(name, payload, now)) {
                        shared.report(store_error(e));
                    }
                }
                TapEvent::Message { name: INBOX_EVENT, args } => {
                    let Some(message) = args.value(0).and_then(|mut p| p.as_object_mut()?.remove("message")) else {
                        return;
                    };
                    if let Err(e) = shared.mutate(|store, now| store.ingest_message(&message, now)) {
                        shared.report(store_error(e));
                    }
                }
                TapEvent::Message { .. } => {}
                TapEvent::Connected { recovered } => {
                    // The network is back: waiting sends go now rather than after their backoff.
                    shared.mutate(|store, now| store.wake_sends(now));
                    // Before any event of the new session reaches the store: where the resyncs start.
                    shared.resyncs.borrow_mut().handle_connected(recovered, &shared.store.borrow());
                    Shared::resync(&shared);
                }
                TapEvent::RoomsRejoined { rooms } => {
                    // After the server acked the joins, so nothing published in between can slip through.
                    shared.resyncs.borrow_mut().handle_rooms_rejoined(rooms);
                    Shared::resync(&shared);
                }
            }
        });
        // Attached to a live client: its next connect is a reconnect.
        self.shared.resyncs.borrow_mut().handle_attached(client.connected());
        *self.shared.attached.borrow_mut() = Some(client.add_tap(tap));
    }

    /// Sets the app's `resync(roomId, sinceMs) => Promise<Message[] | {messages, has_more}>`: after a reconnect that
    /// the server did not recover (restart, long outage, no recovery support), it is called for every joined room
    /// and its result merged with dedup, so nothing sent during the outage is missed.
    #[wasm_bindgen(js_name = setResync)]
    pub fn set_resync(&self, resync: Option<Function>) {
        *self.shared.resync.borrow_mut() = resync;
    }

    /// Stops consuming the attached client's events.
    pub fn detach(&self) {
        if let Some((hooks, id)) = self.shared.attached.borrow_mut().take() {
            if let Some(hooks) = hooks.upgrade() {
                hooks.remove_tap(id);
            }
        }
    }

    /// Applies one server event by name (`new_message`, `message_status_update`, `typing_indicator`). Throws an
    /// `InboxRealtimeError` (code `invalid_event`, `unknown_event`, `too_large`) and changes nothing on bad input.
    #[wasm_bindgen(js_name = handleEvent)]
    pub fn handle_event(&self, name: &str, payload: JsValue) -> Result<(), JsValue> {
        with_json_text(&payload, |payload| self.shared.mutate(|store, now| store.handle_event_json(name, payload, now)))
            .map_err(|e| js_error(ErrorCode::InvalidEvent, e))?
            .map(|_| ())
            .map_err(store_error)
    }

    /// Inserts a `pending` outgoing message at once and returns its client id (send it with the REST call).
    #[wasm_bindgen(js_name = addOptimistic)]
    pub fn add_optimistic(&self, room_id: &str, text: &str, user_id: Option<String>) -> Result<String, JsValue> {
        self.shared
            .mutate(|store, now| store.add_optimistic(room_id, text, user_id.as_deref(), now))
            .map_err(store_error)
    }

    /// The REST send succeeded: pending → sent (one tick) even before the echo. `serverId` links the later echo.
    #[wasm_bindgen(js_name = markSent)]
    pub fn mark_sent(&self, client_id: &str, server_id: Option<String>) -> Result<(), JsValue> {
        self.shared.mutate(|store, now| store.mark_sent(client_id, server_id.as_deref(), now)).map_err(store_error)
    }

    /// The REST send failed: the message is removed, or kept as `failed` with `keepFailed`.
    #[wasm_bindgen(js_name = markFailed)]
    pub fn mark_failed(&self, client_id: &str, reason: &str) -> Result<(), JsValue> {
        self.shared.mutate(|store, now| store.mark_failed(client_id, reason, now)).map_err(store_error)
    }

    /// Puts a failed message back to `pending`; returns `{room_id, text, user_id, client_id}` to send again.
    pub fn retry(&self, client_id: &str) -> Result<JsValue, JsValue> {
        let info = self.shared.mutate(|store, now| store.retry(client_id, now)).map_err(store_error)?;
        let out = Object::new();
        set(&out, "room_id", &info.room_id.into());
        set(&out, "text", &info.text.into());
        set(&out, "user_id", &info.user_id.map(JsValue::from).unwrap_or(JsValue::NULL));
        set(&out, "client_id", &info.client_id.into());
        Ok(out.into())
    }

    /// Removes an optimistic message for good (e.g. the user deleted a failed one). Returns whether it existed.
    pub fn discard(&self, client_id: &str) -> bool {
        self.shared.mutate(|store, _| store.discard(client_id))
    }

    /// Queues a send that is never lost: shown at once as `pending`, sent with the sender (`setSender`), retried
    /// on transient failures until accepted or given up (`failed`, text kept). Returns its client id.
    #[wasm_bindgen(js_name = queueSend)]
    pub fn queue_send(&self, room_id: &str, text: &str, user_id: Option<String>) -> Result<String, JsValue> {
        self.shared.mutate(|store, now| store.queue_send(room_id, text, user_id.as_deref(), now)).map_err(store_error)
    }

    /// Sets the app's `send({to, text, user_id, client_id}) => Promise` that runs the outbox's sends (a rejection
    /// with `retryable: false`, or a 4xx `status` other than 408/429, fails the send for good; anything else is
    /// retried). Queued sends start at once.
    #[wasm_bindgen(js_name = setSender)]
    pub fn set_sender(&self, sender: Option<Function>) {
        *self.shared.sender.borrow_mut() = sender;
        self.shared.mutate(|_, _| ());
    }

    /// The network is probably back (online, tab visible): waiting sends go at once.
    #[wasm_bindgen(js_name = wakeSends)]
    pub fn wake_sends(&self) {
        self.shared.mutate(|store, now| store.wake_sends(now));
    }

    /// The outbox: `[{client_id, room_id, text, user_id, created, attempts, next_attempt, state, last_error,
    /// waiting_for_network}]`, in the order made; only `roomId`'s with one.
    pub fn outbox(&self, room_id: Option<String>) -> Array {
        let store = self.shared.store.borrow();
        store
            .outbox_entries()
            .iter()
            .filter(|e| room_id.as_deref().is_none_or(|r| r == e.room_id))
            .map(outbox_entry_to_js)
            .collect()
    }

    /// Puts back an outbox entry read from durable storage (`{client_id, room_id, text, user_id, created, attempts,
    /// state, last_error}`, as `outbox()` gives them): shown again and resumed with the same client id; `false`
    /// when the room already holds the server's message with that client id (delivered: drop the record). Throws
    /// `outbox_record_invalid` for a record that is not one (nothing changes).
    #[wasm_bindgen(js_name = restoreSend)]
    pub fn restore_send(&self, record: JsValue) -> Result<bool, JsValue> {
        let invalid = |what: &str| js_error(ErrorCode::OutboxRecordInvalid, format!("outbox record: {what}"));
        let text = |key: &str| get(&record, key).and_then(|v| v.as_string());
        let state = text("state").as_deref().and_then(OutboxState::parse).ok_or_else(|| invalid("bad state"))?;
        let mut entry = OutboxEntry::new(
            text("client_id").ok_or_else(|| invalid("no client_id"))?,
            text("room_id").ok_or_else(|| invalid("no room_id"))?,
            text("text").ok_or_else(|| invalid("no text"))?,
            text("user_id"),
            number(&record, "created").ok_or_else(|| invalid("no created time"))?,
            number(&record, "attempts").map_or(0, |n| n.min(f64::from(u32::MAX)) as u32),
            state,
            text("last_error"),
        );
        // The backoff a reload keeps (re-saved after every failed attempt).
        if let Some(t) = number(&record, "next_attempt").filter(|t| t.is_finite()) {
            entry.next_attempt = t;
        }
        self.shared
            .mutate(|store, now| store.restore_send(entry, now))
            .map_err(|e| js_error(ErrorCode::OutboxRecordInvalid, format!("outbox record: {e}")))
    }

    /// Calls `listener({room_id, client_id, response})` when an outbox send is accepted (`response`: what the
    /// sender resolved with; `undefined` when the echo came first).
    #[wasm_bindgen(js_name = onSent)]
    pub fn on_sent(&self, listener: Function) -> u32 {
        self.shared.subscribers.borrow_mut().add(Topic::Sent, listener)
    }

    /// Merges a page of older messages; returns `{added, updated, unchanged, rejected: [{index, error}]}`.
    #[wasm_bindgen(js_name = mergeHistory)]
    pub fn merge_history(&self, room_id: &str, messages: Array, has_more: bool) -> Result<JsValue, JsValue> {
        let items: Vec<Value> = messages.iter().map(|m| from_js(&m).unwrap_or(Value::Null)).collect();
        let report = self
            .shared
            .mutate(|store, now| store.merge_history(room_id, &items, has_more, now))
            .map_err(store_error)?;
        Ok(report_to_js(report))
    }

    /// The device copy of a room to save: its newest server messages (bounded by `cacheMessagesPerRoom`), oldest
    /// first. Unsent messages are left to the outbox.
    #[wasm_bindgen(js_name = cachedMessages)]
    pub fn cached_messages(&self, room_id: &str) -> Array {
        self.shared.store.borrow().cached_messages(room_id).iter().map(to_js).collect()
    }

    /// Shows a room's saved copy at once (each message `cached: true`); what the store already has wins. Returns
    /// `{added, updated, unchanged, rejected}` like `mergeHistory` (corrupt items are rejected, never shown).
    #[wasm_bindgen(js_name = restoreCached)]
    pub fn restore_cached(&self, room_id: &str, messages: Array) -> Result<JsValue, JsValue> {
        let items: Vec<Value> = messages.iter().map(|m| from_js(&m).unwrap_or(Value::Null)).collect();
        let report =
            self.shared.mutate(|store, now| store.restore_cached(room_id, &items, now)).map_err(store_error)?;
        Ok(report_to_js(report))
    }

    /// Brings a room shown from its saved copy up to date through the resync (`setResync`), from the newest cached
    /// server message minus the overlap: once the server acked the join, or at once when `connected` (the join
    /// was acked already).
    #[wasm_bindgen(js_name = resyncCached)]
    pub fn resync_cached(&self, room_id: &str, connected: bool) {
        self.shared.resyncs.borrow_mut().resync_cached(room_id, connected, &self.shared.store.borrow());
        Shared::resync(&self.shared);
    }

    /// Which saved rooms to drop so the copies fit in `cacheMaxMessages`: `rooms` = `[{room_id, opened_at,
    /// messages}]`; the least recently opened go first, never `keep`.
    #[wasm_bindgen(js_name = cacheEvictions)]
    pub fn cache_evictions(&self, rooms: Array, keep: Option<String>) -> Array {
        let rooms: Vec<CachedRoom> = rooms
            .iter()
            .filter_map(|r| {
                Some(CachedRoom {
                    room_id: get(&r, "room_id")?.as_string()?,
                    opened_at: number(&r, "opened_at").unwrap_or(0.0),
                    messages: number(&r, "messages").unwrap_or(0.0) as usize,
                })
            })
            .collect();
        let store = self.shared.store.borrow();
        rooms_to_evict(&rooms, &store.options().cache, keep.as_deref()).into_iter().map(JsValue::from).collect()
    }
}

/// A merge's report as `{added, updated, unchanged, rejected: [{index, error}]}`.
fn report_to_js(report: HistoryReport) -> JsValue {
    let out = Object::new();
    set(&out, "added", &(report.added as u32).into());
    set(&out, "updated", &(report.updated as u32).into());
    set(&out, "unchanged", &(report.unchanged as u32).into());
    let rejected: Array = report
        .rejected
        .into_iter()
        .map(|(index, e)| {
            let item = Object::new();
            set(&item, "index", &(index as u32).into());
            set(&item, "error", &e.to_string().into());
            JsValue::from(item)
        })
        .collect();
    set(&out, "rejected", &rejected.into());
    out.into()
}

#[wasm_bindgen(js_class = WasmMessageStore)]
impl StoreHandle {
    /// Sets the view layer's `sink(batchJson)`: called once after each input that changed something the views
    /// watch, with the batch as JSON text (`{rooms: [{room_id, ops, typing?, has_more?, unread?}], inbox: [...]}`,
    /// see `ChangeBatch::to_json`).
    #[wasm_bindgen(js_name = setSink)]
    pub fn set_sink(&self, sink: Option<Function>) {
        *self.shared.sink.borrow_mut() = sink.map(|f| Rc::new(f.unchecked_into()));
    }

    /// Starts sending the room's changes to the sink; returns its current state as JSON text
    /// (`{messages, typing, has_more, unread}`), which the changes apply to.
    pub fn watch(&self, room_id: &str) -> JsString {
        joined_js(|emit| self.shared.store.borrow_mut().watch_in_pieces(room_id, emit))
    }

    /// Stops sending the room's changes.
    pub fn unwatch(&self, room_id: &str) {
        self.shared.store.borrow_mut().unwatch(room_id);
    }

    /// Starts sending changed rooms' summaries to the sink; returns the inbox now as JSON text (newest activity
    /// first).
    #[wasm_bindgen(js_name = watchInbox)]
    pub fn watch_inbox(&self) -> JsString {
        joined_js(|emit| self.shared.store.borrow_mut().watch_inbox_in_pieces(emit))
    }

    /// Stops sending summaries.
    #[wasm_bindgen(js_name = unwatchInbox)]
    pub fn unwatch_inbox(&self) {
        self.shared.store.borrow_mut().unwatch_inbox();
    }

    /// A number that changes whenever the room's messages or typing users change.
    pub fn version(&self, room_id: &str) -> f64 {
        self.shared.store.borrow().version(room_id) as f64
    }

    /// Marks the room read now: its unread count drops to 0.
    #[wasm_bindgen(js_name = markRead)]
    pub fn mark_read(&self, room_id: &str) -> Result<(), JsValue> {
        self.shared.mutate(|store, now| store.mark_read(room_id, now)).map_err(store_error)
    }

    /// Calls `listener({room_id, client_id, reason})` when an optimistic send fails (REST error or no confirmation
    /// within `pendingTimeoutMs`).
    #[wasm_bindgen(js_name = onSendFailed)]
    pub fn on_send_failed(&self, listener: Function) -> u32 {
        self.shared.subscribers.borrow_mut().add(Topic::SendFailed, listener)
    }

    /// Calls `listener(error)` when an event from the attached client is rejected (the store stays unchanged).
    #[wasm_bindgen(js_name = onError)]
    pub fn on_error(&self, listener: Function) -> u32 {
        self.shared.subscribers.borrow_mut().add(Topic::Error, listener)
    }

    /// Removes a listener added by `onSent`, `onSendFailed` or `onError`.
    pub fn unsubscribe(&self, id: u32) -> bool {
        let listeners = &mut self.shared.subscribers.borrow_mut().listeners;
        let before = listeners.len();
        listeners.retain(|(i, _, _)| *i != id);
        before != listeners.len()
    }

    /// Number of listeners (leak checks in tests).
    #[wasm_bindgen(getter, js_name = listenerCount)]
    pub fn listener_count(&self) -> usize {
        self.shared.subscribers.borrow().listeners.len()
    }
}

impl Drop for StoreHandle {
    fn drop(&mut self) {
        self.detach();
    }
}
