use std::cell::RefCell;
use std::rc::{Rc, Weak};

use js_sys::{Array, Function};
use wasm_bindgen::prelude::*;

use super::client::{deliver, provide_auth, Hooks, SocketClient};
use super::error::js_error;
use super::listeners::Listeners;
use super::options::{auth_from_js, config_from_js};
use crate::connection::{Config, Event, Manager, SocketId};
use crate::error_code::ErrorCode;
use crate::web::{Driver, Output};

/// One manager's driver, its own listeners and the sockets' hooks, by socket id: where the driver's outputs go.
pub(crate) struct Registry {
    /// Set right after the driver is made (its sink holds this registry); never empty afterwards.
    driver: RefCell<Option<Driver>>,
    listeners: RefCell<Listeners>,
    /// Weak: a socket's JS object owns its hooks; a freed socket unregisters.
    sockets: RefCell<Vec<Weak<Hooks>>>,
    /// The manager's URL (its sockets' options are read against it).
    url: String,
}

impl Registry {
    /// A manager for `config` with its driver and no sockets.
    pub(crate) fn new(config: &Config) -> Rc<Registry> {
        let seed = (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64;
        let registry = Rc::new(Registry {
            driver: RefCell::new(None),
            listeners: RefCell::new(Listeners::default()),
            sockets: RefCell::new(Vec::new()),
            url: config.url.clone(),
        });
        // Weak in the sink: the registry holds the driver.
        let weak = Rc::downgrade(&registry);
        let sink = Box::new(move |driver: &Driver, output: Output| {
            if let Some(registry) = weak.upgrade() {
                registry.route(driver, output);
            }
        });
        *registry.driver.borrow_mut() = Some(Driver::new(Manager::new(config.clone(), seed), sink));
        registry
    }

    pub(crate) fn driver(&self) -> Driver {
        self.driver.borrow().clone().expect("set in Registry::new")
    }

    pub(crate) fn register(&self, hooks: &Rc<Hooks>) {
        self.sockets.borrow_mut().push(Rc::downgrade(hooks));
    }

    /// Forgets `hooks`; returns whether no other handle serves its socket now.
    pub(crate) fn unregister(&self, hooks: &Rc<Hooks>) -> bool {
        let mut sockets = self.sockets.borrow_mut();
        sockets.retain(|w| w.upgrade().is_some_and(|h| !Rc::ptr_eq(&h, hooks)));
        !sockets.iter().filter_map(Weak::upgrade).any(|h| h.id() == hooks.id())
    }

    /// The live hooks of socket `id`, or of every socket for `None`.
    fn hooks(&self, id: Option<SocketId>) -> Vec<Rc<Hooks>> {
        let sockets = self.sockets.borrow();
        sockets.iter().filter_map(Weak::upgrade).filter(|h| id.is_none_or(|id| h.id() == id)).collect()
    }

    fn route(&self, driver: &Driver, output: Output) {
        match output {
            Output::AuthRequested(id) => match self.hooks(Some(id)).first() {
                Some(hooks) => provide_auth(hooks, driver),
                None => driver.with(|m, now| m.handle_auth(id, None, now)),
            },
            // One handle per socket (the TS face caches them per namespace): the event moves, no copy.
            Output::Event(Some(id), event) => {
                if let Some(hooks) = self.hooks(Some(id)).first() {
                    deliver(hooks, driver, event);
                }
            }
            Output::Event(None, event) => self.deliver_own(driver, event),
        }
    }

    /// socket.io-client emits these on the manager (`socket.io`); this client also repeats the reconnect events
    /// and `error`s on every socket, as its single-namespace sockets always did.
    fn deliver_own(&self, driver: &Driver, event: Event) {
        let listeners = &self.listeners;
        let single = |v: JsValue| Array::of1(&v);
        match &event {
            Event::ConnectError { message, .. } => {
                // The session could not open: the manager's `error`; each socket has its own `connect_error`.
                return Listeners::dispatch(listeners, "error", &single(js_error(ErrorCode::ConnectError, message)));
            }
            Event::ReconnectAttempt { attempt } => {
                Listeners::dispatch(listeners, "reconnect_attempt", &single((*attempt).into()))
            }
            Event::Reconnect { attempts } => Listeners::dispatch(listeners, "reconnect", &single((*attempts).into())),
            Event::ReconnectError { message } => {
                Listeners::dispatch(listeners, "reconnect_error", &single(js_error(ErrorCode::ConnectError, message)))
            }
            Event::ReconnectFailed => Listeners::dispatch(listeners, "reconnect_failed", &Array::new()),
            Event::SessionOpen => return Listeners::dispatch(listeners, "open", &Array::new()),
            Event::SessionClose { reason } => {
                return Listeners::dispatch(listeners, "close", &single((*reason).into()))
            }
            _ => {}
        }
        for hooks in self.hooks(None) {
            if let Some(copy) = own_copy(&event) {
                deliver(&hooks, driver, copy);
            }
        }
    }
}

/// A copy of a manager event for a socket (by hand: a derived `Clone` of every event, messages included, would
/// cost wasm bytes for the few small events that are repeated).
fn own_copy(event: &Event) -> Option<Event> {
    Some(match event {
        Event::ReconnectAttempt { attempt } => Event::ReconnectAttempt { attempt: *attempt },
        Event::Reconnect { attempts } => Event::Reconnect { attempts: *attempts },
        Event::ReconnectError { message } => Event::ReconnectError { message: message.clone() },
        Event::ReconnectFailed => Event::ReconnectFailed,
        Event::Error(error) => Event::Error(error.clone()),
        _ => return None,
    })
}

/// socket.io-client's `Manager`: one Engine.IO connection that several namespace sockets share. Prefer the
/// `Manager` of the package's TypeScript face.
#[wasm_bindgen(js_name = WasmManager)]
pub struct ManagerHandle {
    registry: Rc<Registry>,
}

impl std::fmt::Debug for ManagerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManagerHandle").finish_non_exhaustive()
    }
}

#[wasm_bindgen(js_class = WasmManager)]
impl ManagerHandle {
    /// A manager for `url`, idle; options as `WasmSocketClient`'s (the session ones apply here, the others are the
    /// defaults of its sockets).
    #[wasm_bindgen(constructor)]
    pub fn new(url: &str, options: JsValue) -> ManagerHandle {
        ManagerHandle { registry: Registry::new(&config_from_js(url, &options)) }
    }

    pub(crate) fn of(registry: &Rc<Registry>) -> ManagerHandle {
        ManagerHandle { registry: registry.clone() }
    }

    /// The socket of `namespace` (one per namespace) with its `options` (`auth`, `ackTimeout`, `retries`,
    /// `bufferWhenDisconnected`, `maxBuffered`; the TS face merges them over the manager's).
    pub fn socket(&self, namespace: &str, options: JsValue) -> SocketClient {
        let namespace = if namespace.starts_with('/') { namespace.to_owned() } else { format!("/{namespace}") };
        let config = config_from_js(&self.registry.url, &options);
        SocketClient::open(&self.registry, &namespace, &config, auth_from_js(&options))
    }

    /// Opens the Engine.IO connection (sockets connecting later use it).
    pub fn open(&self) {
        self.registry.driver().with(|m, now| m.open(now));
    }

    /// Closes the connection and disconnects every socket; no reconnect follows.
    pub fn close(&self) {
        self.registry.driver().with(|m, now| m.close(now));
    }

    /// Whether the Engine.IO connection is open.
    #[wasm_bindgen(getter, js_name = isOpen)]
    pub fn is_open(&self) -> bool {
        self.registry.driver().read(Manager::is_open)
    }

    /// Adds a listener of a manager event (`open`, `close`, `reconnect_attempt`, `reconnect`, `reconnect_error`,
    /// `reconnect_failed`, `error`); returns its id for `off`.
    pub fn on(&self, event: &str, listener: Function) -> u32 {
        self.registry.listeners.borrow_mut().add(event, listener)
    }

    /// Removes the listener with this id. Returns whether it existed.
    pub fn off(&self, id: u32) -> bool {
        self.registry.listeners.borrow_mut().remove(id)
    }

    /// Turns automatic reconnection on or off from now on.
    #[wasm_bindgen(js_name = setReconnection)]
    pub fn set_reconnection(&self, on: bool) {
        self.registry.driver().with(|m, now| m.set_reconnection(on, now));
    }

    /// Whether automatic reconnection is on.
    #[wasm_bindgen(getter)]
    pub fn reconnection(&self) -> bool {
        self.registry.driver().read(|m| m.config().reconnection)
    }
}
