use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;
use web_sys::{BinaryType, CloseEvent, WebSocket};

use super::clock;
use super::js_text::with_js_text;

/// What the transport reports to its owner.
#[derive(Debug)]
pub(crate) enum TransportInput<'a> {
    Open,
    Frame(&'a str),
    /// A frame we cannot use (binary); reported so the owner can surface it.
    Binary,
    Closed {
        error: bool,
    },
}

/// A browser WebSocket that owns its event handlers: dropping it detaches them and closes the socket, so a
/// replaced transport can never report into the new connection, and nothing leaks (no `.forget()`).
pub(crate) struct WebSocketTransport {
    ws: WebSocket,
    /// Cleared on drop, so a replay still queued for an adopted socket cannot report into a newer connection.
    alive: Rc<Cell<bool>>,
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(JsValue, f64)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
    _on_error: Closure<dyn FnMut()>,
}

impl std::fmt::Debug for WebSocketTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocketTransport").field("url", &self.ws.url()).finish()
    }
}

impl WebSocketTransport {
    pub(crate) fn open(url: &str, input: Rc<dyn Fn(TransportInput<'_>)>) -> Result<Self, JsValue> {
        let (ws, early) = match preconnected(url) {
            Some((ws, events)) => (ws, Some(events)),
            None => (WebSocket::new(url)?, None),
        };
        ws.set_binary_type(BinaryType::Arraybuffer);
        let alive = Rc::new(Cell::new(true));
        if let Some(events) = early {
            replay(events, input.clone(), alive.clone());
        }
        let on_open = {
            let input = input.clone();
            Closure::<dyn FnMut()>::new(move || input(TransportInput::Open))
        };
        let on_message = {
            let input = input.clone();
            Closure::<dyn FnMut(JsValue, f64)>::new(move |data: JsValue, at: f64| {
                clock::input(Some(at), |_| message(&*input, &data));
            })
        };
        let on_close = {
            let input = input.clone();
            Closure::<dyn FnMut(CloseEvent)>::new(move |_e: CloseEvent| input(TransportInput::Closed { error: false }))
        };
        let on_error = Closure::<dyn FnMut()>::new(move || input(TransportInput::Closed { error: true }));
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        on_frames(&ws, on_message.as_ref());
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        ws.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(WebSocketTransport {
            ws,
            alive,
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
            _on_error: on_error,
        })
    }

    pub(crate) fn send(&self, frame: &str) -> Result<(), JsValue> {
        self.ws.send_with_str(frame)
    }
}

impl Drop for WebSocketTransport {
    fn drop(&mut self) {
        self.alive.set(false);
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        self.ws.set_onerror(None);
        let _ = self.ws.close();
    }
}

#[wasm_bindgen(module = "/src/web/preconnect.js")]
extern "C" {
    fn preconnect_take(url: &str) -> JsValue;
}

#[wasm_bindgen(module = "/src/web/on_frames.js")]
extern "C" {
    fn on_frames(ws: &WebSocket, handler: &JsValue);
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = queueMicrotask)]
    fn queue_microtask(f: &JsValue);
}

/// A message's `data`, as the live handler and the replay both report it: text is a frame, anything else binary.
fn message(input: &dyn Fn(TransportInput<'_>), data: &JsValue) {
    with_js_text(data, |text| input(text.map_or(TransportInput::Binary, TransportInput::Frame)));
}

/// A socket opened by the TS face's `preconnect()` for exactly this URL, taken out of its registry, with what it
/// recorded before adoption.
fn preconnected(url: &str) -> Option<(WebSocket, Array)> {
    let early = preconnect_take(url);
    if early.is_undefined() {
        return None;
    }
    let ws = Reflect::get(&early, &"ws".into()).ok()?.dyn_into::<WebSocket>().ok()?;
    let events = Reflect::get(&early, &"events".into()).ok()?.dyn_into::<Array>().ok()?;
    Some((ws, events))
}

/// Hands an adopted socket's early events to the machine in order, in a microtask: `open` runs inside the
/// driver's pump, which must finish first, and no later socket event can come before a microtask. A one-shot
/// closure through `queueMicrotask`: freed once it ran, nothing left behind.
fn replay(events: Array, input: Rc<dyn Fn(TransportInput<'_>)>, alive: Rc<Cell<bool>>) {
    let run = Closure::once_into_js(move || {
        for event in events.iter() {
            if !alive.get() {
                return;
            }
            let event = Array::from(&event);
            match event.get(0).as_string().as_deref() {
                Some("open") => input(TransportInput::Open),
                Some("message") => message(&*input, &event.get(1)),
                Some("error") => input(TransportInput::Closed { error: true }),
                Some("close") => input(TransportInput::Closed { error: false }),
                _ => {}
            }
        }
    });
    queue_microtask(&run);
}
