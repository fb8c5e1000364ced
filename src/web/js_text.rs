//! JS strings into Rust text through one reused buffer. wasm-bindgen's own string passing allocates per call and
//! hands any non-ASCII text (most chat text: "Olá", emoji) to `TextEncoder.encodeInto`; with its glue that was about
//! a quarter of a frame's path in the browser's e2e profile. `js_text.js` writes the UTF-8 itself: 840 vs 1 100 ns
//! per frame (medians, 10k chat frames x 30 runs, same page) for the crossing alone.

use std::cell::Cell;

use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/web/js_text.js")]
extern "C" {
    fn js_text_utf8(value: &JsValue, ptr: u32, cap: u32) -> f64;
    fn js_text_memory(memory: &JsValue);
}

thread_local! {
    /// Taken for the length of a call: a nested read (a subscriber feeding a store from inside a notification)
    /// finds it empty and uses a buffer of its own.
    static BUFFER: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// A buffer grown past this is dropped after use: one huge frame must not pin three times its size.
const KEEP_BYTES: usize = 64 * 1024;

/// Runs `f` on `value`'s text, or on `None` if `value` is not a string.
pub(crate) fn with_js_text<R>(value: &JsValue, f: impl FnOnce(Option<&str>) -> R) -> R {
    let mut buf = BUFFER.take();
    let result = f(fill(value, &mut buf));
    if buf.len() <= KEEP_BYTES {
        BUFFER.set(buf);
    }
    result
}

/// Writes `value`'s UTF-8 into `buf` (growing it) and returns it as text; `None` if `value` is not a string. Not
/// generic, so the module holds one copy of it however many callers `with_js_text` has.
fn fill<'a>(value: &JsValue, buf: &'a mut Vec<u8>) -> Option<&'a str> {
    let len = loop {
        let cap = u32::try_from(buf.len()).unwrap_or(u32::MAX);
        match js_text_utf8(value, buf.as_mut_ptr() as u32, cap) {
            r if r >= 0.0 => break (r as usize).min(buf.len()),
            -1.0 => return None,
            // First use: the snippet keeps the memory itself (no wasm-held reference to outlive everything).
            -2.0 => js_text_memory(&wasm_bindgen::memory()),
            // Too small: r = -(bytes needed) - 3. Zero-filled, so every byte JS may write is initialised.
            r => buf.resize((-r - 3.0) as usize, 0),
        }
    };
    // Always valid (js_text.js writes UTF-8 and replaces lone surrogates); checked rather than trusted, and
    // anything else would read as "not text" (a typed error downstream), never a panic.
    std::str::from_utf8(&buf[..len]).ok()
}
