//! inbox-realtime: the real-time layer of a customer-chat inbox.
//!
//! The crate is split the sans-IO way:
//! - [`protocol`]: Engine.IO v4 / Socket.IO v5 packet codec (pure functions);
//! - [`connection`]: the connection state machine — frames and time in, frames, deadlines and events out;
//! - [`store`]: the per-room message store (optimistic sends, status ticks, typing);
//! - `web` (wasm32 only): the browser driver that moves bytes and ticks one timer;
//! - `api` (wasm32 only): the wasm-bindgen surface used by the TypeScript layer in `js/`.
//!
//! Nothing in the core reads a clock or a random source: `now` (milliseconds) and randomness are inputs.
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

/// Test-only `json!`: `serde_json::json!` syntax, converted to [`json::Value`] through JSON text.
#[cfg(test)]
macro_rules! json {
    ($($t:tt)+) => {
        $crate::json::from_serde(serde_json::json!($($t)+))
    };
}

#[cfg(test)]
mod boundary;
pub mod connection;
pub mod error_code;
mod hash;
mod index_map;
pub mod json;
pub mod protocol;
pub mod store;

#[cfg(target_arch = "wasm32")]
pub mod api;
#[cfg(target_arch = "wasm32")]
mod web;
