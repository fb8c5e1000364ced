//! JSON across the boundary as text: the browser's native `JSON.parse` / `JSON.stringify` on the JS side and
//! [`crate::json`] on ours. One string crossing per value is both smaller (no reflective serializer in the wasm) and
//! faster than walking a JS object field by field.

use crate::json::{self, Map, Value};
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
    if let Some(s) = value.as_string() {
        return Ok(Value::String(s));
    }
    json::from_str(&stringify(value)?).map_err(|e| JsonError(e.to_string()))
}

/// JS value → JSON text for the store's text path, which reads the text itself instead of a [`Value`]. Not
/// validated here: `JSON.stringify`'s output is JSON by construction, and the store's reading of it is a validating
/// scan (same depth limit as [`from_js`]), so a second pass per event would only cost time.
pub(crate) fn json_text_from_js(value: &JsValue) -> Result<String, JsonError> {
    if value.is_undefined() || value.is_null() {
        return Ok("null".into());
    }
    if let Some(s) = value.as_string() {
        let mut out = String::with_capacity(s.len() + 2);
        json::write_str(&mut out, &s);
        return Ok(out);
    }
    stringify(value)
}

fn stringify(value: &JsValue) -> Result<String, JsonError> {
    let text = js_sys::JSON::stringify(value).map_err(|_| JsonError("value cannot be converted to JSON".into()))?;
    Ok(text.as_string().unwrap_or_else(|| "null".into()))
}

/// A JS object as a JSON map; anything else is `None`.
pub(crate) fn object_from_js(value: &JsValue) -> Option<Map> {
    match from_js(value) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}
