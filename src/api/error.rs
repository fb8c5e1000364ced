use std::fmt::Display;

use wasm_bindgen::JsValue;

use crate::error_code::ErrorCode;

/// Builds a real JS `Error` whose `name` is `InboxRealtimeError` and whose `code` lets JS branch without parsing
/// the message.
// Inlined so a code known at the call site is a string constant there (the shared part is `error_with_code`).
#[inline(always)]
pub(crate) fn js_error(code: ErrorCode, message: impl Display) -> JsValue {
    error_with_code(code.as_str(), message.to_string())
}

/// [`js_error`] for a core error, with the code the core maps it to.
#[inline(always)]
pub(crate) fn core_error<E: Display>(e: E) -> JsValue
where
    for<'a> ErrorCode: From<&'a E>,
{
    js_error(ErrorCode::from(&e), e)
}

fn error_with_code(code: &str, message: String) -> JsValue {
    let error = js_sys::Error::new(&message);
    error.set_name("InboxRealtimeError");
    let _ = js_sys::Reflect::set(&error, &"code".into(), &code.into());
    error.into()
}
