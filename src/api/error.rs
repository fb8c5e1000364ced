use std::fmt::Display;

use wasm_bindgen::JsValue;

/// Builds a real JS `Error` whose `name` is `InboxRealtimeError` and whose `code` lets JS branch without parsing
/// the message.
pub(crate) fn js_error(code: &str, message: impl Display) -> JsValue {
    let error = js_sys::Error::new(&message.to_string());
    error.set_name("InboxRealtimeError");
    let _ = js_sys::Reflect::set(&error, &"code".into(), &code.into());
    error.into()
}
