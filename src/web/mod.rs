//! The browser driver: a `web_sys::WebSocket` and one timer around the sans-IO [`Connection`](crate::connection::Connection).

mod driver;
mod polling;
mod timer;
mod transport;

pub(crate) use driver::{now, Driver, Output};
pub(crate) use timer::DeadlineTimer;
