use js_sys::Reflect;
use wasm_bindgen::JsValue;

use crate::connection::{Config, TransportKind};

pub(crate) fn get(options: &JsValue, key: &str) -> Option<JsValue> {
    if !options.is_object() {
        return None;
    }
    Reflect::get(options, &key.into()).ok().filter(|v| !v.is_undefined() && !v.is_null())
}

pub(crate) fn number(options: &JsValue, key: &str) -> Option<f64> {
    get(options, key).and_then(|v| v.as_f64()).filter(|n| n.is_finite() && *n >= 0.0)
}

/// Reads socket.io-client-style options (`path`, `reconnectionDelay`, …) into a [`Config`]; unknown keys are ignored
/// and ill-typed values fall back to the default.
pub(crate) fn config_from_js(url: &str, options: &JsValue) -> Config {
    let mut config = Config::new(url);
    if let Some(path) = get(options, "path").and_then(|v| v.as_string()) {
        config.path = path;
    }
    if let Some(namespace) = get(options, "namespace").and_then(|v| v.as_string()) {
        config.namespace = if namespace.starts_with('/') { namespace } else { format!("/{namespace}") };
    }
    // The TS face encodes the `query` option object; it adds to the URL's own query.
    if let Some(query) = get(options, "query").and_then(|v| v.as_string()).filter(|q| !q.is_empty()) {
        if !config.query.is_empty() {
            config.query.push('&');
        }
        config.query.push_str(&query);
    }
    if let Some(on) = get(options, "reconnection").and_then(|v| v.as_bool()) {
        config.reconnection = on;
    }
    // socket.io-client's own default is `Infinity`, which `number` (finite values only) would drop.
    if let Some(n) = get(options, "reconnectionAttempts").and_then(|v| v.as_f64()).filter(|n| *n >= 0.0) {
        config.reconnection_attempts = if n >= u32::MAX as f64 { None } else { Some(n as u32) };
    }
    if let Some(ms) = number(options, "reconnectionDelay") {
        config.reconnection_delay_ms = ms;
    }
    if let Some(ms) = number(options, "reconnectionDelayMax") {
        config.reconnection_delay_max_ms = ms;
    }
    if let Some(f) = number(options, "randomizationFactor") {
        config.randomization_factor = f.min(1.0);
    }
    if let Some(ms) = number(options, "timeout") {
        config.connect_timeout_ms = ms;
    }
    if let Some(ms) = number(options, "ackTimeout") {
        config.ack_timeout_ms = ms;
    }
    if let Some(on) = get(options, "bufferWhenDisconnected").and_then(|v| v.as_bool()) {
        config.buffer_when_disconnected = on;
    }
    if let Some(n) = number(options, "retries") {
        config.retries = n.min(f64::from(u32::MAX)) as u32;
    }
    if let Some(n) = number(options, "maxBuffered") {
        config.max_buffered = n as usize;
    }
    if let Some(list) = get(options, "transports").filter(js_sys::Array::is_array) {
        let kinds: Vec<TransportKind> = js_sys::Array::from(&list)
            .iter()
            .filter_map(|t| match t.as_string().as_deref() {
                Some("websocket") => Some(TransportKind::WebSocket),
                Some("polling") => Some(TransportKind::Polling),
                _ => None,
            })
            .collect();
        if !kinds.is_empty() {
            config.transports = kinds;
        }
    }
    config
}

/// The `auth` option: an object, or a function (sync or async) run on every connect.
pub(crate) fn auth_from_js(options: &JsValue) -> Option<JsValue> {
    get(options, "auth")
}
