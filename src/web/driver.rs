use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use super::clock::{self, now};
use super::polling::PollingTransport;
use super::timer::DeadlineTimer;
use super::transport::{TransportInput, WebSocketTransport};
use crate::connection::{Action, Event, Manager, SocketId, TransportKind};

/// What the driver hands to its owner (the wasm API), always outside any borrow so the owner may call back in.
#[derive(Debug)]
pub(crate) enum Output {
    /// An event of a socket, or (`None`) of the manager.
    Event(Option<SocketId>, Event),
    AuthRequested(SocketId),
}

type Sink = Box<dyn Fn(&Driver, Output)>;

/// The open transport: the state machine sees the same frames from either.
enum Transport {
    WebSocket(WebSocketTransport),
    Polling(PollingTransport),
}

impl Transport {
    fn open(
        kind: TransportKind,
        url: &str,
        input: Rc<dyn Fn(TransportInput<'_>)>,
    ) -> Result<Self, wasm_bindgen::JsValue> {
        Ok(match kind {
            TransportKind::WebSocket => Transport::WebSocket(WebSocketTransport::open(url, input)?),
            TransportKind::Polling => Transport::Polling(PollingTransport::open(url, input)?),
        })
    }

    fn send(&self, frame: &str) -> Result<(), wasm_bindgen::JsValue> {
        match self {
            Transport::WebSocket(t) => t.send(frame),
            Transport::Polling(t) => t.send(frame),
        }
    }
}

struct Inner {
    conn: Manager,
    transport: Option<Transport>,
    /// The WebSocket probing an upgrade from polling, and whether it has taken over (its events then count as the
    /// main transport's).
    probe: Option<(WebSocketTransport, Rc<Cell<bool>>)>,
    /// While polling drains for an upgrade: frames to send on the new transport once it takes over.
    upgrade_queue: Option<Vec<String>>,
    /// The one timer, armed for `conn.poll_timeout()`.
    timer: DeadlineTimer,
}

struct Shared {
    inner: RefCell<Inner>,
    sink: Sink,
}

/// Moves bytes between a [`WebSocketTransport`] and the [`Manager`] state machine, and ticks one timer.
/// All decisions are the state machine's.
#[derive(Clone)]
pub(crate) struct Driver(Rc<Shared>);

impl std::fmt::Debug for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Driver").finish_non_exhaustive()
    }
}

/// A [`Driver`] that does not keep it alive (for callbacks the driver's own owner holds).
#[derive(Clone)]
pub(crate) struct WeakDriver(Weak<Shared>);

impl WeakDriver {
    pub(crate) fn upgrade(&self) -> Option<Driver> {
        self.0.upgrade().map(Driver)
    }
}

impl Driver {
    pub(crate) fn new(conn: Manager, sink: Sink) -> Self {
        Driver(Rc::new(Shared {
            inner: RefCell::new(Inner {
                conn,
                transport: None,
                probe: None,
                upgrade_queue: None,
                timer: DeadlineTimer::default(),
            }),
            sink,
        }))
    }

    /// Runs one input or command on the state machine, then carries out what it asked for.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut Manager, f64) -> R) -> R {
        clock::input(None, |now| {
            let result = f(&mut self.0.inner.borrow_mut().conn, now);
            self.pump();
            result
        })
    }

    /// Reads state without running the machine.
    pub(crate) fn read<R>(&self, f: impl FnOnce(&Manager) -> R) -> R {
        f(&self.0.inner.borrow().conn)
    }

    fn weak(&self) -> Weak<Shared> {
        Rc::downgrade(&self.0)
    }

    pub(crate) fn downgrade(&self) -> WeakDriver {
        WeakDriver(self.weak())
    }

    /// Carries out the machine's actions and hands its events to the sink, one at a time: a listener may call
    /// back in (a `connect` listener calling `disconnect()`), and the events that causes must come after the ones
    /// already queued, never before the rest of an older batch (a status stream ending `connected` on a closed
    /// socket).
    fn pump(&self) {
        loop {
            let mut outputs = Vec::new();
            {
                let Ok(mut inner) = self.0.inner.try_borrow_mut() else { return };
                while let Some(action) = inner.conn.poll_action() {
                    match action {
                        Action::Open { url, transport } => {
                            inner.transport = None;
                            match Transport::open(transport, &url, self.transport_input()) {
                                Ok(transport) => inner.transport = Some(transport),
                                // An invalid URL: report and let the machine schedule a retry.
                                Err(_) => inner.conn.handle_transport_close(true, now()),
                            }
                        }
                        Action::Send(frame) if inner.upgrade_queue.is_some() => {
                            inner.upgrade_queue.get_or_insert_with(Vec::new).push(frame);
                        }
                        Action::Send(frame) => {
                            let failed = inner.transport.as_ref().is_none_or(|t| t.send(&frame).is_err());
                            if failed {
                                inner.conn.handle_transport_close(true, now());
                            }
                        }
                        Action::Close => {
                            inner.transport = None;
                            inner.probe = None;
                            inner.upgrade_queue = None;
                        }
                        Action::OpenProbe { url } => {
                            let promoted = Rc::new(Cell::new(false));
                            match WebSocketTransport::open(&url, self.probe_input(promoted.clone())) {
                                Ok(probe) => inner.probe = Some((probe, promoted)),
                                Err(_) => inner.conn.handle_probe_close(now()),
                            }
                        }
                        Action::SendProbe(frame) => {
                            if inner.probe.as_ref().is_none_or(|(p, _)| p.send(&frame).is_err()) {
                                inner.conn.handle_probe_close(now());
                            }
                        }
                        Action::CloseProbe => inner.probe = None,
                        Action::Upgrade => match &inner.transport {
                            Some(Transport::Polling(polling)) => {
                                let weak = self.weak();
                                polling.pause(Box::new(move || {
                                    if let Some(shared) = weak.upgrade() {
                                        Driver(shared).finish_upgrade();
                                    }
                                }));
                                inner.upgrade_queue = Some(Vec::new());
                            }
                            // Only polling upgrades; anything else keeps its transport.
                            _ => inner.probe = None,
                        },
                        Action::RequestAuth(id) => outputs.push(Output::AuthRequested(id)),
                    }
                }
                if outputs.is_empty() {
                    outputs.extend(inner.conn.poll_event().map(|(id, event)| Output::Event(id, event)));
                }
                if outputs.is_empty() {
                    self.arm_timer(&mut inner);
                    return;
                }
            }
            for output in outputs {
                (self.0.sink)(self, output);
            }
        }
    }

    /// Polling has drained: send UPGRADE on the probe, make it the transport and send what queued up meanwhile.
    fn finish_upgrade(&self) {
        {
            let Ok(mut inner) = self.0.inner.try_borrow_mut() else { return };
            let Some((probe, promoted)) = inner.probe.take() else { return };
            let mut frames = match inner.transport.take() {
                Some(Transport::Polling(polling)) => polling.take_unsent(),
                _ => Vec::new(),
            };
            frames.extend(inner.upgrade_queue.take().unwrap_or_default());
            promoted.set(true);
            let sent = std::iter::once("5".to_owned()).chain(frames).all(|frame| probe.send(&frame).is_ok());
            inner.transport = Some(Transport::WebSocket(probe));
            if !sent {
                inner.conn.handle_transport_close(true, now());
            }
        }
        self.pump();
    }

    fn probe_input(&self, promoted: Rc<Cell<bool>>) -> Rc<dyn Fn(TransportInput<'_>)> {
        let main = self.transport_input();
        let weak = self.weak();
        Rc::new(move |input| {
            if promoted.get() {
                return main(input);
            }
            let Some(shared) = weak.upgrade() else { return };
            Driver(shared).with(|conn, now| match input {
                TransportInput::Open => conn.handle_probe_open(now),
                TransportInput::Frame(text) => conn.handle_probe_frame(text, now),
                TransportInput::Binary | TransportInput::Closed { .. } => conn.handle_probe_close(now),
            });
        })
    }

    fn arm_timer(&self, inner: &mut Inner) {
        let deadline = inner.conn.poll_timeout();
        let now = now();
        if !inner.timer.would_change(deadline, now) {
            return;
        }
        let weak = self.weak();
        inner.timer.arm(deadline, now, move || {
            if let Some(shared) = weak.upgrade() {
                let driver = Driver(shared);
                if let Ok(mut inner) = driver.0.inner.try_borrow_mut() {
                    inner.timer.fired();
                }
                driver.with(|conn, now| conn.handle_timeout(now));
            }
        });
    }

    fn transport_input(&self) -> Rc<dyn Fn(TransportInput<'_>)> {
        let weak = self.weak();
        Rc::new(move |input| {
            let Some(shared) = weak.upgrade() else { return };
            let driver = Driver(shared);
            driver.with(|conn, now| match input {
                TransportInput::Open => conn.handle_transport_open(now),
                TransportInput::Frame(text) => conn.handle_frame(text, now),
                // `b` is how Engine.IO marks binary; the codec turns it into a typed BinaryUnsupported error.
                TransportInput::Binary => conn.handle_frame("b", now),
                TransportInput::Closed { error } => conn.handle_transport_close(error, now),
            });
        })
    }
}
