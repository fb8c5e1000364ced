//! Listeners of JS events by name, for sockets and managers.

use std::cell::RefCell;

use js_sys::{Array, Function};
use wasm_bindgen::prelude::*;

/// Listeners by event name. Ids let the TS face hand out unsubscribe functions without Rust closures that leak.
/// A Vec of (event, listeners), not a hash map (less code): an app listens to a handful of event names.
#[derive(Default)]
pub(crate) struct Listeners {
    next_id: u32,
    by_event: Vec<(String, Vec<(u32, Function)>)>,
    /// `onAny` listeners: every server event, called with its name first.
    pub(crate) any: Vec<(u32, Function)>,
}

impl Listeners {
    /// A new id (listeners and Rust-side taps share them).
    pub(crate) fn fresh_id(&mut self) -> u32 {
        self.next_id += 1;
        self.next_id
    }

    /// Adds a listener of `event`; returns its id.
    pub(crate) fn add(&mut self, event: &str, listener: Function) -> u32 {
        let id = self.fresh_id();
        match self.by_event.iter_mut().find(|(name, _)| name == event) {
            Some((_, list)) => list.push((id, listener)),
            None => self.by_event.push((event.to_owned(), vec![(id, listener)])),
        }
        id
    }

    /// Adds an `onAny` listener (first with `prepend`); returns its id.
    pub(crate) fn add_any(&mut self, listener: Function, prepend: bool) -> u32 {
        let id = self.fresh_id();
        if prepend {
            self.any.insert(0, (id, listener));
        } else {
            self.any.push((id, listener));
        }
        id
    }

    /// Removes the listener with this id. Returns whether it existed.
    pub(crate) fn remove(&mut self, id: u32) -> bool {
        let before = self.any.len();
        self.any.retain(|(i, _)| *i != id);
        let mut found = self.any.len() != before;
        self.by_event.retain_mut(|(_, list)| {
            let before = list.len();
            list.retain(|(i, _)| *i != id);
            found |= list.len() != before;
            !list.is_empty()
        });
        found
    }

    /// How many listeners there are.
    pub(crate) fn count(&self) -> usize {
        self.by_event.iter().map(|(_, list)| list.len()).sum::<usize>() + self.any.len()
    }

    /// The listeners of `event`, if it has any.
    pub(crate) fn of(&self, event: &str) -> Option<&[(u32, Function)]> {
        self.by_event.iter().find(|(name, _)| name == event).map(|(_, list)| list.as_slice())
    }

    pub(crate) fn dispatch(this: &RefCell<Self>, event: &str, args: &Array) {
        // Copy first: a listener may subscribe or unsubscribe while we iterate.
        let targets: Vec<Function> =
            this.borrow().of(event).map(|v| v.iter().map(|(_, f)| f.clone()).collect()).unwrap_or_default();
        Self::call(targets, event, args);
    }

    /// Calls the `onAny` listeners with `[event, ...args]`.
    pub(crate) fn dispatch_any(this: &RefCell<Self>, event: &str, args: &Array) {
        let targets: Vec<Function> = this.borrow().any.iter().map(|(_, f)| f.clone()).collect();
        if !targets.is_empty() {
            let with_name = Array::of1(&event.into()).concat(args);
            Self::call(targets, event, &with_name);
        }
    }

    fn call(targets: Vec<Function>, event: &str, args: &Array) {
        for f in targets {
            if let Err(e) = f.apply(&JsValue::NULL, args) {
                // A throwing listener must not break the others or the connection.
                web_sys::console::error_2(&format!("inbox-realtime: \"{event}\" listener threw").into(), &e);
            }
        }
    }
}
