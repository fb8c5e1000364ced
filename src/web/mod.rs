//! The browser driver: a `web_sys::WebSocket` and one timer around the sans-IO [`Manager`](crate::connection::Manager).

mod driver;
mod js_text;
mod polling;
mod timer;
mod transport;

pub(crate) use driver::{now, Driver, Output};
pub(crate) use js_text::with_js_text;
pub(crate) use timer::DeadlineTimer;
