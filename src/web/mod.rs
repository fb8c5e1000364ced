//! The browser driver: a `web_sys::WebSocket` and one timer around the sans-IO [`Manager`](crate::connection::Manager).

mod clock;
mod driver;
mod js_text;
mod polling;
mod timer;
mod transport;

pub(crate) use clock::now;
pub(crate) use driver::{Driver, Output};
pub(crate) use js_text::with_js_text;
pub(crate) use timer::DeadlineTimer;
