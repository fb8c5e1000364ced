//! A no-op export for the benchmark: the cost of handing one string to the wasm module and nothing else, i.e. the
//! floor under any wasm store fed from JS (see `bench/`). Not part of the package's TypeScript face.

use wasm_bindgen::prelude::*;

/// Takes a string (copied into wasm memory by the glue, as every real call does) and returns its length.
#[doc(hidden)]
#[wasm_bindgen(js_name = boundaryProbe)]
pub fn boundary_probe(text: &str) -> usize {
    text.len()
}
