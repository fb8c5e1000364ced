use serde::Serialize;
use serde_json::{Map, Value};
use wasm_bindgen::JsValue;

/// Rust JSON → plain JS values (objects, not `Map`s).
pub(crate) fn to_js(value: &Value) -> JsValue {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).unwrap_or(JsValue::UNDEFINED)
}

/// JS value → Rust JSON. `undefined` becomes `null`; functions and symbols are refused.
pub(crate) fn from_js(value: &JsValue) -> Result<Value, serde_wasm_bindgen::Error> {
    if value.is_undefined() {
        return Ok(Value::Null);
    }
    serde_wasm_bindgen::from_value(value.clone())
}

/// A JS object as a JSON map; anything else is `None`.
pub(crate) fn object_from_js(value: &JsValue) -> Option<Map<String, Value>> {
    match from_js(value) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}
