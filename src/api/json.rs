//! JSON across the boundary as text: the browser's native `JSON.parse` / `JSON.stringify` on the JS side and
//! [`crate::json`] on ours. One string crossing per value is both smaller (no reflective serializer in the wasm) and
//! faster than walking a JS object field by field.

use crate::json::{self, Map, Value};
use crate::web::with_js_text;
use wasm_bindgen::JsValue;

/// Why a JS value could not become JSON.
#[derive(Debug)]
pub(crate) struct JsonError(String);

impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Rust JSON → plain JS values (objects, not `Map`s).
pub(crate) fn to_js(value: &Value) -> JsValue {
    match value {
        // Scalars need no parse.
        Value::Null => JsValue::NULL,
        Value::Bool(b) => JsValue::from_bool(*b),
        Value::String(s) => JsValue::from_str(s),
        // Integers (the common case) are exact as f64; other numbers go through JS's own parser, which rounds
        // their text correctly.
        Value::Number(n) => match n.as_i64() {
            Some(i) if i.unsigned_abs() <= 1 << 53 => JsValue::from_f64(i as f64),
            _ => js_sys::JSON::parse(&n.to_json_text()).unwrap_or(JsValue::NULL),
        },
        _ => js_sys::JSON::parse(&json::to_string(value)).unwrap_or(JsValue::UNDEFINED),
    }
}

/// JS value → Rust JSON. `undefined` becomes `null`; what `JSON.stringify` cannot express (a BigInt, a cycle) is
/// an error, and what it drops (functions, symbols) is dropped.
pub(crate) fn from_js(value: &JsValue) -> Result<Value, JsonError> {
    if value.is_undefined() || value.is_null() {
        return Ok(Value::Null);
    }
    if let Some(text) = with_js_text(value, |text| text.map(str::to_owned)) {
        return Ok(Value::String(text));
    }
    with_json_text(value, |text| json::from_str(text).map_err(|e| JsonError(e.to_string())))?
}

/// Runs `f` on the JSON text of a JS value (`JSON.stringify`; `undefined` and what stringify drops read as
/// `null`). For the store's text path, which scans the text itself instead of building a [`Value`]; not validated
/// here: `JSON.stringify`'s output is JSON by construction, and the store's reading of it is a validating scan
/// (same depth limit as [`from_js`]), so a second pass per event would only cost time.
pub(crate) fn with_json_text<R>(value: &JsValue, f: impl FnOnce(&str) -> R) -> Result<R, JsonError> {
    if value.is_undefined() || value.is_null() {
        return Ok(f("null"));
    }
    let text = js_sys::JSON::stringify(value).map_err(|_| JsonError("value cannot be converted to JSON".into()))?;
    Ok(with_js_text(&text, |text| f(text.unwrap_or("null"))))
}

/// A JS object as a JSON map; anything else is `None`.
pub(crate) fn object_from_js(value: &JsValue) -> Option<Map> {
    match from_js(value) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}
