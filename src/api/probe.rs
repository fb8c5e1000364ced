//! A no-op export for the benchmark: the cost of handing one string to the wasm module and nothing else, i.e. the
//! floor under any wasm store fed from JS (see `bench/`). Not part of the package's TypeScript face.

use wasm_bindgen::prelude::*;

use crate::web::with_js_text;

/// Takes a string the way the client takes a frame and the store an event (its UTF-8 written into wasm memory)
/// and returns its length in bytes; 0 for a non-string.
#[doc(hidden)]
#[wasm_bindgen(js_name = boundaryProbe)]
pub fn boundary_probe(text: &JsValue) -> usize {
    with_js_text(text, |text| text.map_or(0, str::len))
}
