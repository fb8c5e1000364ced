//! Any text frame, decoded by both codecs and fed to a connected state machine: no panic, and the connection stays
//! usable (a valid event still gets through afterwards).
#![no_main]

use inbox_realtime::connection::{Config, Connection, Event, Status};
use inbox_realtime::protocol::{EnginePacket, SocketPacket};
use libfuzzer_sys::fuzz_target;

const OPEN: &str = r#"0{"sid":"e","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = EnginePacket::decode(text);
    let _ = SocketPacket::decode(text);

    let mut conn = Connection::new(Config::new("http://127.0.0.1:1"), 7);
    conn.connect(0.0);
    conn.handle_frame(OPEN, 1.0);
    conn.handle_auth(None, 1.0);
    conn.handle_frame(r#"40{"sid":"s"}"#, 2.0);
    assert_eq!(conn.status(), Status::Connected);
    conn.handle_frame(text, 3.0);
    while conn.poll_event().is_some() {}
    while conn.poll_action().is_some() {}
    if conn.status() == Status::Connected {
        conn.handle_frame(r#"42["probe"]"#, 4.0);
        let mut seen = false;
        while let Some(event) = conn.poll_event() {
            seen |= matches!(event, Event::Message { ref name, .. } if name == "probe");
        }
        assert!(seen, "a valid event after {text:?} was lost");
    }
});
