//! The whole wasm-side path of one incoming message, natively: a Socket.IO frame as the WebSocket delivers it →
//! Engine.IO/Socket.IO decode in the connection state machine → the event handed to the message store → the
//! store's change events drained. What the browser adds on top is the boundary (see `bench/`'s wasmfloor row).
//! Run: `cargo bench --bench frame_ingest`; instruction counts of one 10k run:
//! `FRAME_INGEST_ONCE=10000 valgrind --tool=callgrind target/release/deps/frame_ingest-*`.

use std::hint::black_box;
use std::time::Instant;

use inbox_realtime::connection::{Action, Config, Connection, Event};
use inbox_realtime::store::MessageStore;

const OPEN: &str = r#"0{"sid":"eio1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;
const T0: f64 = 1_700_000_000_000.0;

fn connected() -> Connection {
    let mut conn = Connection::new(Config::new("ws://127.0.0.1:1"), 7);
    conn.connect(0.0);
    conn.handle_transport_open(0.0);
    conn.handle_frame(OPEN, 0.0);
    conn.handle_auth(None, 0.0);
    conn.handle_frame(r#"40{"sid":"s1"}"#, 0.0);
    while conn.poll_action().is_some() {}
    while conn.poll_event().is_some() {}
    conn
}

/// The frames of the browser benchmark's workload (bench/lib/workload.mjs): customer messages with WhatsApp-style
/// string seconds, and every 10th an agent send's echo.
fn frames(n: usize) -> Vec<String> {
    (0..n)
        .map(|j| {
            let ts = T0 + j as f64 * 1_000.0;
            if j % 10 == 0 {
                format!(
                    r#"42["new_message",{{"id":"wamid.{j}","room_id":"room","text":"reply number {j}","user_id":"agent-1","timestamp":{ts},"status":"sent"}}]"#
                )
            } else {
                format!(
                    r#"42["new_message",{{"id":"wamid.{j}","room_id":"room","text":"Olá, tudo bem? Quero saber do meu pedido","timestamp":"{}","from":"5511999990000","type":"text"}}]"#,
                    (ts / 1000.0).floor()
                )
            }
        })
        .collect()
}

/// Best-of-`reps` nanoseconds per frame.
fn run(n: usize, reps: usize) -> f64 {
    let frames = frames(n);
    let mut best = f64::INFINITY;
    for _ in 0..reps {
        let mut conn = connected();
        let mut store = MessageStore::default();
        let start = Instant::now();
        for (j, frame) in frames.iter().enumerate() {
            let now = T0 + j as f64 * 1_000.0 + 500.0;
            conn.handle_frame(frame, now);
            while let Some(action) = conn.poll_action() {
                black_box(matches!(action, Action::Send(_)));
            }
            while let Some(event) = conn.poll_event() {
                if let Event::Message { name, args, .. } = event {
                    // As the browser's store tap does: the payload's text straight into the store.
                    if let Some(payload) = args.get(0) {
                        let _ = black_box(store.handle_event_json(&name, payload, now));
                    }
                }
            }
            while let Some(e) = store.poll_event() {
                black_box(e);
            }
        }
        let ns = start.elapsed().as_nanos() as f64 / n as f64;
        assert_eq!(store.message_count("room"), n, "every frame must land in the store");
        best = best.min(ns);
    }
    best
}

fn main() {
    // `FRAME_INGEST_ONCE=N`: one run at N only, for instruction counts (`valgrind --tool=callgrind`).
    if let Some(n) = std::env::var("FRAME_INGEST_ONCE").ok().and_then(|v| v.parse().ok()) {
        println!("frame_ingest n={n:>7}: {:>8.0} ns/frame (one run)", run(n, 1));
        return;
    }
    for n in [1_000usize, 10_000, 100_000] {
        let reps = if n >= 100_000 { 3 } else { 7 };
        println!("frame_ingest n={n:>7}: {:>8.0} ns/frame (best of {reps})", run(n, reps));
    }
}
