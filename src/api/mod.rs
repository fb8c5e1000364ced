//! The wasm-bindgen surface. Thin: it converts between JS and Rust values and forwards to the core.

mod client;
mod error;
mod json;
mod listeners;
mod manager;
mod options;
mod probe;
mod store;

pub use client::SocketClient;
pub use manager::ManagerHandle;
pub use probe::boundary_probe;
pub use store::StoreHandle;

use wasm_bindgen::prelude::*;

/// Installs a panic hook so a bug shows up in the console with its message instead of a bare `unreachable`.
#[wasm_bindgen(start)]
pub fn start() {
    // Not in the size build (`-Cpanic=immediate-abort`, scripts/nightly-wasm.sh): a panic there traps at once and
    // never runs a hook, so the hook would be dead bytes (434 B of the .wasm, gzip, measured). A `//` comment: a doc comment
    // would be copied into the glue.
    #[cfg(not(panic = "immediate-abort"))]
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&format!("inbox-realtime panicked: {info}").into());
    }));
}
