use std::cell::RefCell;
use std::rc::Rc;

use crate::json::Value;
use js_sys::{Array, Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{spawn_local, JsFuture};

use super::error::{core_error, js_error};
use super::json::{from_js, object_from_js, to_js};
use super::listeners::Listeners;
use super::manager::{ManagerHandle, Registry};
use super::options::{auth_from_js, config_from_js};
use crate::connection::{Config, Event, Manager, RawArgs, SocketId};
use crate::error_code::ErrorCode;
use crate::web::Driver;

/// Promises of `emitWithAck` waiting for their ack: (ack id, resolve, reject). A Vec, not a hash map (less code):
/// a few acks are in flight at a time.
type PendingAcks = Vec<(u64, Function, Function)>;

/// Rust-side observers of server events (the attached message store): they see events without a JS hop.
pub(crate) type Tap = Rc<dyn Fn(TapEvent<'_>)>;

/// What a [`Tap`] sees.
#[derive(Debug)]
pub(crate) enum TapEvent<'a> {
    /// A server event.
    Message { name: &'a str, args: &'a RawArgs },
    /// (Re)connected; `recovered` tells whether the server replayed what was missed.
    Connected { recovered: bool },
    /// The server acked the re-joins after a (re)connect.
    RoomsRejoined { rooms: &'a [String] },
}

/// `(ack id, args)` → the ACK packet.
type AckSender = Closure<dyn Fn(f64, Array)>;

pub(crate) struct Hooks {
    /// The socket these hooks serve in the manager.
    id: SocketId,
    listeners: RefCell<Listeners>,
    taps: RefCell<Vec<(u32, Tap)>>,
    pending: RefCell<PendingAcks>,
    auth: RefCell<Option<JsValue>>,
    /// Answers a server event's ack request: `(id, args)`. One closure per client, made on first use; each event
    /// that asks for an ack gets a small JS function calling it with its id (see [`ack_callback`]).
    ack_sender: RefCell<Option<AckSender>>,
}

/// A Socket.IO v4 client over the browser's WebSocket. Prefer the `SocketClient` of the package's TypeScript face,
/// which wraps this class with `on(...)` returning an unsubscribe function.
#[wasm_bindgen(js_name = WasmSocketClient)]
pub struct SocketClient {
    driver: Driver,
    registry: Rc<Registry>,
    hooks: Rc<Hooks>,
}

impl std::fmt::Debug for SocketClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SocketClient").finish_non_exhaustive()
    }
}

#[wasm_bindgen(js_class = WasmSocketClient)]
impl SocketClient {
    /// Creates an idle client for `url` (e.g. `http://localhost:8080`). Options follow socket.io-client: `path`,
    /// `namespace`, `auth` (object or function, run on every connect), `reconnection`, `reconnectionAttempts`,
    /// `reconnectionDelay`, `reconnectionDelayMax`, `randomizationFactor`, `timeout`, `ackTimeout`,
    /// `bufferWhenDisconnected`, `maxBuffered`. Call `connect()` to start.
    #[wasm_bindgen(constructor)]
    pub fn new(url: &str, options: JsValue) -> SocketClient {
        let config = config_from_js(url, &options);
        let registry = Registry::new(&config);
        SocketClient::open(&registry, &config.namespace, &config, auth_from_js(&options))
    }

    /// Starts connecting, or retries at once if waiting out the backoff.
    pub fn connect(&self) {
        self.with(|m, id, now| m.connect(id, now));
    }

    /// Closes the connection; no reconnect follows until `connect()`.
    pub fn disconnect(&self) {
        self.with(|m, id, now| m.disconnect(id, now));
    }

    /// Replaces the `auth` option (object or function) for the next connects.
    #[wasm_bindgen(js_name = setAuth)]
    pub fn set_auth(&self, auth: JsValue) {
        *self.hooks.auth.borrow_mut() = if auth.is_undefined() || auth.is_null() { None } else { Some(auth) };
    }

    /// Adds a listener; returns its id for `off`. Events: `status`, `connect`, `disconnect`, `connect_error`,
    /// `reconnect_attempt`, `reconnect`, `reconnect_failed`, `rooms_rejoined`, `error`, and every server event.
    pub fn on(&self, event: &str, listener: Function) -> u32 {
        self.hooks.listeners.borrow_mut().add(event, listener)
    }

    /// Adds a listener of every server event, called with the event name first (socket.io-client's `onAny`);
    /// returns its id for `off`.
    /// With `prepend`, it runs before the ones already added (`prependAny`).
    #[wasm_bindgen(js_name = onAny)]
    pub fn on_any(&self, listener: Function, prepend: bool) -> u32 {
        self.hooks.listeners.borrow_mut().add_any(listener, prepend)
    }

    /// Removes the listener with this id. Returns whether it existed.
    pub fn off(&self, id: u32) -> bool {
        self.hooks.listeners.borrow_mut().remove(id)
    }

    /// Number of registered listeners (leak checks in tests).
    #[wasm_bindgen(getter, js_name = listenerCount)]
    pub fn listener_count(&self) -> usize {
        self.hooks.listeners.borrow().count()
    }

    /// Emits `event` with `args`. Buffered while disconnected. Throws on a reserved name or an oversized packet.
    pub fn emit(&self, event: &str, args: Array) -> Result<(), JsValue> {
        let args = args_from_js(&args)?;
        self.with(|m, id, now| m.emit(id, event, args, now)).map_err(core_error)
    }

    /// Emits only if connected now; otherwise drops it (socket.io-client's `volatile`). Returns whether it was sent.
    #[wasm_bindgen(js_name = emitVolatile)]
    pub fn emit_volatile(&self, event: &str, args: Array) -> Result<bool, JsValue> {
        let args = args_from_js(&args)?;
        self.with(|m, id, now| m.emit_volatile(id, event, args, now)).map_err(core_error)
    }

    /// The manager (Engine.IO connection) this socket uses: socket.io-client's `socket.io`.
    pub fn manager(&self) -> ManagerHandle {
        ManagerHandle::of(&self.registry)
    }

    /// Turns automatic reconnection on or off from now on.
    #[wasm_bindgen(js_name = setReconnection)]
    pub fn set_reconnection(&self, on: bool) {
        self.driver.with(|m, now| m.set_reconnection(on, now));
    }

    /// Whether automatic reconnection is on.
    #[wasm_bindgen(getter)]
    pub fn reconnection(&self) -> bool {
        self.driver.read(|m| m.config().reconnection)
    }

    /// Emits and resolves with the server's first ack argument; rejects after `timeoutMs` (default `ackTimeout`) or
    /// when the connection is lost before the ack.
    #[wasm_bindgen(js_name = emitWithAck)]
    pub fn emit_with_ack(&self, event: &str, args: Array, timeout_ms: Option<f64>) -> Promise {
        let args = match args_from_js(&args) {
            Ok(args) => args,
            Err(e) => return Promise::reject(&e),
        };
        let hooks = self.hooks.clone();
        let driver = self.driver.clone();
        let event = event.to_owned();
        Promise::new(&mut move |resolve, reject| {
            // Register before emitting: the outcome may be decided synchronously inside `with`.
            let result = driver.with(|m, now| {
                let id = m.emit_with_ack(hooks.id, &event, args.clone(), timeout_ms, now);
                if let Ok(id) = id {
                    hooks.pending.borrow_mut().push((id, resolve.clone(), reject.clone()));
                }
                id
            });
            if let Err(e) = result {
                let _ = reject.call1(&JsValue::NULL, &core_error(e));
            }
        })
    }

    /// Joins a room (emits `join_room`); it is joined again after every reconnect.
    #[wasm_bindgen(js_name = joinRoom)]
    pub fn join_room(&self, room: &str) {
        self.with(|m, id, now| m.join_room(id, room, now));
    }

    /// Leaves a room (emits `leave_room`) and stops re-joining it.
    #[wasm_bindgen(js_name = leaveRoom)]
    pub fn leave_room(&self, room: &str) {
        self.with(|m, id, now| m.leave_room(id, room, now));
    }

    /// `connecting | connected | reconnecting | disconnected | error`.
    #[wasm_bindgen(getter)]
    pub fn status(&self) -> String {
        self.driver.read(|m| m.status(self.hooks.id).as_str().to_owned())
    }

    /// Whether the namespace is connected.
    #[wasm_bindgen(getter)]
    pub fn connected(&self) -> bool {
        self.driver.read(|m| m.status(self.hooks.id) == crate::connection::Status::Connected)
    }

    /// The Socket.IO session id while connected.
    #[wasm_bindgen(getter)]
    pub fn id(&self) -> Option<String> {
        self.driver.read(|m| m.sid(self.hooks.id).map(str::to_owned))
    }

    /// The transport in use (or of the next attempt): `websocket` or `polling`.
    #[wasm_bindgen(getter)]
    pub fn transport(&self) -> String {
        self.driver.read(|m| m.transport().as_str().to_owned())
    }

    /// Rooms this client is in (or will re-join), in join order.
    #[wasm_bindgen(getter)]
    pub fn rooms(&self) -> Vec<String> {
        self.driver.read(|m| m.rooms(self.hooks.id).to_vec())
    }

    /// The browser went offline: report disconnected at once.
    #[wasm_bindgen(js_name = notifyOffline)]
    pub fn notify_offline(&self) {
        self.driver.with(|m, now| m.handle_offline(now));
    }

    /// The network is back or the tab became visible: reconnect now if waiting, and check the heartbeat.
    #[wasm_bindgen(js_name = notifyWake)]
    pub fn notify_wake(&self) {
        self.driver.with(|m, now| m.handle_wake(now));
    }
}

impl SocketClient {
    /// A socket of `namespace` on the manager of `registry` (added there if new), with its own listeners and auth.
    pub(crate) fn open(registry: &Rc<Registry>, namespace: &str, config: &Config, auth: Option<JsValue>) -> Self {
        let driver = registry.driver();
        let id = driver.with(|m, _| m.add_socket(namespace, config));
        let hooks = Rc::new(Hooks {
            id,
            listeners: RefCell::new(Listeners::default()),
            taps: RefCell::new(Vec::new()),
            pending: RefCell::new(Vec::new()),
            auth: RefCell::new(auth),
            ack_sender: RefCell::new(None),
        });
        registry.register(&hooks);
        SocketClient { driver, registry: registry.clone(), hooks }
    }

    /// Runs a command of this socket on the manager.
    fn with<R>(&self, f: impl FnOnce(&mut Manager, SocketId, f64) -> R) -> R {
        let id = self.hooks.id;
        self.driver.with(|m, now| f(m, id, now))
    }

    /// Adds a Rust-side observer of server events; returns its id for [`Hooks::remove_tap`].
    pub(crate) fn add_tap(&self, tap: Tap) -> (std::rc::Weak<Hooks>, u32) {
        let id = self.hooks.listeners.borrow_mut().fresh_id();
        self.hooks.taps.borrow_mut().push((id, tap));
        (Rc::downgrade(&self.hooks), id)
    }
}

impl Drop for SocketClient {
    /// The JS object was freed: the manager forgets the socket (leaving its namespace), unless another handle of
    /// the same namespace still uses it.
    fn drop(&mut self) {
        if self.registry.unregister(&self.hooks) {
            self.with(|m, id, now| m.remove_socket(id, now));
        }
    }
}

impl Hooks {
    /// The socket these hooks serve.
    pub(crate) fn id(&self) -> SocketId {
        self.id
    }

    /// A copy of the taps, so one may be added or removed while they run.
    fn taps(&self) -> Vec<Tap> {
        self.taps.borrow().iter().map(|(_, t)| t.clone()).collect()
    }

    pub(crate) fn remove_tap(&self, id: u32) {
        self.taps.borrow_mut().retain(|(i, _)| *i != id);
    }
}

fn args_from_js(args: &Array) -> Result<Vec<Value>, JsValue> {
    args.iter().map(|a| from_js(&a).map_err(|e| js_error(ErrorCode::InvalidArgument, e))).collect()
}

fn single(value: JsValue) -> Array {
    Array::of1(&value)
}

/// The last argument a listener gets when the server asked for an ack: `(...args) => void`, answering once.
fn ack_callback(hooks: &Hooks, driver: &Driver, id: u64) -> JsValue {
    let mut sender = hooks.ack_sender.borrow_mut();
    let send = sender.get_or_insert_with(|| {
        // Weak: the driver's owner (this client) holds these hooks.
        let (driver, socket) = (driver.downgrade(), hooks.id);
        Closure::new(move |id: f64, args: Array| {
            let Some(driver) = driver.upgrade() else { return };
            match args_from_js(&args) {
                Ok(args) => driver.with(|m, _| m.ack(socket, id as u64, args)),
                Err(e) => web_sys::console::error_2(&"inbox-realtime: ack arguments are not JSON".into(), &e),
            }
        })
    });
    make_ack_callback(send.as_ref().unchecked_ref(), id as f64)
}

#[wasm_bindgen(module = "/src/web/ack_callback.js")]
extern "C" {
    /// `(...args) => send(id, args)`, answering once.
    #[wasm_bindgen(js_name = ack_callback)]
    fn make_ack_callback(send: &Function, id: f64) -> JsValue;
}

/// Turns a state-machine event into JS listener calls (and settles `emitWithAck` promises).
pub(crate) fn deliver(hooks: &Hooks, driver: &Driver, event: Event) {
    let listeners = &hooks.listeners;
    match event {
        Event::Status(status) => Listeners::dispatch(listeners, "status", &single(status.as_str().into())),
        Event::Connect { sid, recovered } => {
            for tap in hooks.taps() {
                tap(TapEvent::Connected { recovered });
            }
            let info = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&info, &"sid".into(), &sid.into());
            let _ = js_sys::Reflect::set(&info, &"recovered".into(), &recovered.into());
            Listeners::dispatch(listeners, "connect", &single(info.into()))
        }
        Event::Disconnect { reason } => Listeners::dispatch(listeners, "disconnect", &single(reason.as_str().into())),
        Event::ConnectError { message, data } => {
            let error = js_error(ErrorCode::ConnectError, &message);
            if let Some(data) = data {
                let _ = js_sys::Reflect::set(&error, &"data".into(), &to_js(&data));
            }
            Listeners::dispatch(listeners, "connect_error", &single(error))
        }
        Event::Message { name, args, ack_id } => {
            for tap in hooks.taps() {
                tap(TapEvent::Message { name: &name, args: &args });
            }
            // Converting to JS is most of an event's cost: skip it when only the store (a tap) listens.
            let heard = {
                let listeners = listeners.borrow();
                listeners.of(&name).is_some() || !listeners.any.is_empty()
            };
            if heard {
                // One native JSON.parse of the whole argument array: the listener's arguments, ready to spread.
                match js_sys::JSON::parse(args.array_json()) {
                    Ok(array) => {
                        let array: &Array = array.unchecked_ref();
                        if let Some(id) = ack_id {
                            array.push(&ack_callback(hooks, driver, id));
                        }
                        Listeners::dispatch_any(listeners, &name, array);
                        Listeners::dispatch(listeners, &name, array);
                    }
                    Err(e) => web_sys::console::error_2(&"inbox-realtime: unparsable event arguments".into(), &e),
                }
            }
        }
        Event::AckResult { id, result } => {
            let taken = {
                let mut pending = hooks.pending.borrow_mut();
                pending.iter().position(|(i, ..)| *i == id).map(|index| pending.swap_remove(index))
            };
            let Some((_, resolve, reject)) = taken else { return };
            let _ = match result {
                Ok(args) => resolve.call1(&JsValue::NULL, &args.first().map(to_js).unwrap_or(JsValue::UNDEFINED)),
                Err(e) => reject.call1(&JsValue::NULL, &core_error(e)),
            };
        }
        Event::ReconnectAttempt { attempt } => {
            Listeners::dispatch(listeners, "reconnect_attempt", &single(attempt.into()))
        }
        Event::Reconnect { attempts } => Listeners::dispatch(listeners, "reconnect", &single(attempts.into())),
        Event::ReconnectError { message } => {
            Listeners::dispatch(listeners, "reconnect_error", &single(js_error(ErrorCode::ConnectError, &message)))
        }
        Event::ReconnectFailed => Listeners::dispatch(listeners, "reconnect_failed", &Array::new()),
        // The manager's alone (its `open` / `close`).
        Event::SessionOpen | Event::SessionClose { .. } => {}
        Event::RoomsRejoined { rooms } => {
            for tap in hooks.taps() {
                tap(TapEvent::RoomsRejoined { rooms: &rooms });
            }
            let array: Array = rooms.into_iter().map(JsValue::from).collect();
            Listeners::dispatch(listeners, "rooms_rejoined", &single(array.into()))
        }
        Event::Error(error) => Listeners::dispatch(listeners, "error", &single(core_error(error))),
    }
}

/// Runs the app's `auth` (object, or function returning an object or a promise of one) and answers the machine.
pub(crate) fn provide_auth(hooks: &Rc<Hooks>, driver: &Driver) {
    let id = hooks.id;
    let auth = hooks.auth.borrow().clone();
    let Some(auth) = auth else {
        return driver.with(|m, now| m.handle_auth(id, None, now));
    };
    // A throwing or rejecting callback stops the attempt (`connect_error`): never connect without the
    // credentials the app meant to send.
    let value = match auth.dyn_ref::<Function>() {
        Some(f) => match f.call0(&JsValue::NULL) {
            Ok(value) => value,
            Err(e) => return driver.with(|m, now| m.handle_auth_error(id, auth_failure(&e), now)),
        },
        None => auth,
    };
    if let Some(promise) = value.dyn_ref::<Promise>() {
        let future = JsFuture::from(promise.clone());
        let driver = driver.clone();
        spawn_local(async move {
            match future.await {
                Ok(value) => driver.with(|m, now| m.handle_auth(id, object_from_js(&value), now)),
                Err(e) => driver.with(|m, now| m.handle_auth_error(id, auth_failure(&e), now)),
            }
        });
    } else {
        driver.with(|m, now| m.handle_auth(id, object_from_js(&value), now));
    }
}

/// The `connect_error` message of a failed auth callback.
fn auth_failure(e: &JsValue) -> String {
    format!("auth callback failed: {}", js_message(e))
}

fn js_message(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).or_else(|| e.as_string()).unwrap_or_default()
}
