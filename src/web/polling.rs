use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{AbortController, Request, RequestInit, Response};

use super::transport::TransportInput;
use crate::protocol::{join_payload, split_payload, EnginePacket};

/// Engine.IO HTTP long-polling over `fetch`: one GET always pending for server → client packets, POSTs (batched)
/// for client → server. It presents the same inputs as the WebSocket transport, so the state machine cannot tell
/// them apart. Dropping it stops both loops and aborts the requests in flight.
pub(crate) struct PollingTransport {
    state: Rc<PollState>,
}

struct PollState {
    base_url: String,
    sid: RefCell<Option<String>>,
    outbox: RefCell<Vec<String>>,
    posting: Cell<bool>,
    /// A GET is in flight (during an upgrade we wait for it: the server answers it with a NOOP).
    polling: Cell<bool>,
    /// Upgrading: start no new request, and call this once none is in flight.
    on_paused: RefCell<Option<Box<dyn FnOnce()>>>,
    paused: Cell<bool>,
    closed: Cell<bool>,
    /// Cache-busting counter: some proxies cache identical GETs.
    requests: Cell<u32>,
    abort: AbortController,
    input: Rc<dyn Fn(TransportInput<'_>)>,
}

impl std::fmt::Debug for PollingTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PollingTransport").field("url", &self.state.base_url).finish()
    }
}

impl PollingTransport {
    pub(crate) fn open(url: &str, input: Rc<dyn Fn(TransportInput<'_>)>) -> Result<Self, JsValue> {
        let state = Rc::new(PollState {
            base_url: url.to_owned(),
            sid: RefCell::new(None),
            outbox: RefCell::new(Vec::new()),
            posting: Cell::new(false),
            polling: Cell::new(false),
            on_paused: RefCell::new(None),
            paused: Cell::new(false),
            closed: Cell::new(false),
            requests: Cell::new(0),
            abort: AbortController::new()?,
            input,
        });
        spawn_local(poll_loop(state.clone()));
        Ok(PollingTransport { state })
    }

    pub(crate) fn send(&self, frame: &str) -> Result<(), JsValue> {
        self.state.outbox.borrow_mut().push(frame.to_owned());
        self.state.start_posting();
        Ok(())
    }

    /// Stops issuing requests for an upgrade; `on_paused` runs once the GET and POST in flight have finished
    /// (frames they bring are still delivered first).
    pub(crate) fn pause(&self, on_paused: Box<dyn FnOnce()>) {
        self.state.paused.set(true);
        *self.state.on_paused.borrow_mut() = Some(on_paused);
        // Never call back synchronously: the caller is in the middle of running the state machine's actions.
        let state = self.state.clone();
        spawn_local(async move { state.check_paused() });
    }

    /// Frames queued but not yet POSTed, for the transport that takes over.
    pub(crate) fn take_unsent(&self) -> Vec<String> {
        std::mem::take(&mut *self.state.outbox.borrow_mut())
    }
}

impl Drop for PollingTransport {
    fn drop(&mut self) {
        self.state.closed.set(true);
        self.state.abort.abort();
    }
}

impl PollState {
    fn url(&self) -> String {
        let n = self.requests.get().wrapping_add(1);
        self.requests.set(n);
        // Pushed piece by piece rather than with `format!` (less code).
        let mut url = self.base_url.clone();
        if let Some(sid) = &*self.sid.borrow() {
            url.push_str("&sid=");
            url.push_str(sid);
        }
        url.push_str("&t=");
        crate::json::write_u64(&mut url, n.into());
        url
    }

    /// Starts the POST loop unless it runs already (or must not: paused, closed, no session yet). `posting` is set
    /// here, not in the task: set there, two sends in one tick started two loops, and the one that found the outbox
    /// empty cleared the flag while the other's POST was in flight. A third send then POSTed alongside it, and an
    /// upgrade could take over with that POST unfinished: the server refuses a POST once on WebSocket (400), so its
    /// frames were lost.
    fn start_posting(self: &Rc<Self>) {
        if self.paused.get() || self.closed.get() || self.sid.borrow().is_none() || self.posting.replace(true) {
            return;
        }
        spawn_local(post_loop(self.clone()));
    }

    fn check_paused(&self) {
        if self.paused.get() && !self.polling.get() && !self.posting.get() {
            let on_paused = self.on_paused.borrow_mut().take();
            if let Some(on_paused) = on_paused {
                on_paused();
            }
        }
    }

    fn fail(&self) {
        if !self.closed.replace(true) {
            (self.input)(TransportInput::Closed { error: true });
        }
    }
}

async fn fetch_text(state: &PollState, method: &str, body: Option<&str>) -> Result<String, JsValue> {
    let init = RequestInit::new();
    init.set_method(method);
    init.set_signal(Some(&state.abort.signal()));
    if let Some(body) = body {
        init.set_body(&JsValue::from_str(body));
    }
    let request = Request::new_with_str_and_init(&state.url(), &init)?;
    if body.is_some() {
        request.headers().set("Content-Type", "text/plain;charset=UTF-8")?;
    }
    let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
    let response: Response = JsFuture::from(window.fetch_with_request(&request)).await?.dyn_into()?;
    if !response.ok() {
        return Err(JsValue::from_f64(response.status().into()));
    }
    let text = JsFuture::from(response.text()?).await?;
    Ok(text.as_string().unwrap_or_default())
}

async fn poll_loop(state: Rc<PollState>) {
    while !state.closed.get() && !state.paused.get() {
        state.polling.set(true);
        let result = fetch_text(&state, "GET", None).await;
        state.polling.set(false);
        let payload = match result {
            Ok(payload) => payload,
            Err(_) => return state.fail(),
        };
        for frame in split_payload(&payload) {
            if state.closed.get() {
                return;
            }
            if state.sid.borrow().is_none() {
                // The handshake's sid addresses every later request of this session.
                let Ok(EnginePacket::Open(info)) = EnginePacket::decode(frame) else {
                    return state.fail();
                };
                *state.sid.borrow_mut() = Some(info.sid);
                (state.input)(TransportInput::Open);
                if !state.outbox.borrow().is_empty() {
                    state.start_posting();
                }
            }
            (state.input)(TransportInput::Frame(frame));
        }
    }
    state.check_paused();
}

/// Runs with `posting` set (by `start_posting`) and clears it when done: one POST in flight at a time.
async fn post_loop(state: Rc<PollState>) {
    loop {
        if state.closed.get() || state.paused.get() {
            break;
        }
        let frames = std::mem::take(&mut *state.outbox.borrow_mut());
        if frames.is_empty() {
            break;
        }
        let body = join_payload(frames.iter().map(String::as_str));
        if fetch_text(&state, "POST", Some(&body)).await.is_err() {
            state.posting.set(false);
            return state.fail();
        }
    }
    state.posting.set(false);
    state.check_paused();
}
