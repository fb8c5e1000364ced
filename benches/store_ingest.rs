//! Ingest throughput of the message store: N messages into one room, 10% of them confirming optimistic sends made
//! beforehand (half by `client_id`, half by text match). Prints ns/event per N and the 100k/1k ratio.
//! Then: history pages of 50 older messages merged into a 100k-message room (ns per merged message).
//! Run: `cargo bench --bench store_ingest` (`STORE_INGEST_SIZES=10000` for one size).

use std::hint::black_box;
use std::time::Instant;

use inbox_realtime::json::Value;
use inbox_realtime::store::{Ingested, MessageStore};

/// `serde_json::json!` syntax, converted to the crate's JSON value through its text.
macro_rules! json {
    ($($t:tt)+) => {
        inbox_realtime::json::from_str(&serde_json::json!($($t)+).to_string()).unwrap()
    };
}

const T0: f64 = 1_700_000_000_000.0;

struct Case {
    store: MessageStore,
    events: Vec<(Value, f64)>,
}

fn prepare(n: usize) -> Case {
    let mut store = MessageStore::default();
    let mut events = Vec::with_capacity(n);
    for j in 0..n {
        let ts = T0 + j as f64 * 1_000.0;
        if j % 10 == 0 {
            // An agent send made beforehand; its echo comes at its place in the stream.
            let text = format!("reply number {j}");
            let cid = store.add_optimistic("room", &text, Some("agent-1"), ts - 500.0).expect("valid optimistic send");
            let mut echo = json!({
                "id": format!("wamid.{j}"), "room_id": "room", "text": text,
                "user_id": "agent-1", "timestamp": ts, "status": "sent",
            });
            if j % 20 == 0 {
                echo["client_id"] = json!(cid);
            }
            events.push((echo, ts));
        } else {
            events.push((
                json!({
                    "id": format!("wamid.{j}"), "room_id": "room", "text": "Olá, tudo bem? Quero saber do meu pedido",
                    "timestamp": (ts / 1000.0).floor().to_string(), "from": "5511999990000", "type": "text",
                }),
                ts,
            ));
        }
    }
    store.drain_events();
    Case { store, events }
}

/// Best-of-`reps` nanoseconds per ingested event; `watched`: a view watches the room, so each event's change batch
/// is taken and written as the text the JS view receives (what a mounted conversation costs on top).
fn run(n: usize, reps: usize, watched: bool) -> f64 {
    let mut best = f64::INFINITY;
    for _ in 0..reps {
        let Case { mut store, events } = prepare(n);
        if watched {
            black_box(store.watch("room"));
        }
        let mut replaced = 0usize;
        let start = Instant::now();
        for (v, now) in &events {
            if let Ok(Ingested::ReplacedOptimistic { .. }) = store.ingest_message(v, *now) {
                replaced += 1;
            }
            // The wasm layer drains after every event.
            while let Some(e) = store.poll_event() {
                black_box(e);
            }
            if watched {
                black_box(store.take_changes().to_json());
            }
        }
        let ns = start.elapsed().as_nanos() as f64 / n as f64;
        assert_eq!(replaced, n.div_ceil(10), "every echo must confirm its optimistic send");
        assert_eq!(store.message_count("room"), n);
        black_box(&store);
        best = best.min(ns);
    }
    best
}

/// Best-of-`reps` nanoseconds per message of `pages` history pages of 50 (newest first, each older than the last)
/// merged into a room of `n` live messages.
fn history(n: usize, pages: usize, reps: usize) -> f64 {
    let mut best = f64::INFINITY;
    for _ in 0..reps {
        let mut store = MessageStore::default();
        for j in 0..n {
            let m = json!({"id": format!("live.{j}"), "room_id": "room", "text": "hi", "timestamp": T0 + j as f64});
            store.ingest_message(&m, T0 + n as f64).expect("valid message");
        }
        let pages: Vec<Vec<Value>> = (0..pages)
            .map(|p| {
                (0..50)
                    .map(|i| {
                        let k = p * 50 + i;
                        json!({"id": format!("old.{k}"), "text": "older", "timestamp": T0 - 1.0 - k as f64})
                    })
                    .collect()
            })
            .collect();
        let start = Instant::now();
        for page in &pages {
            black_box(store.merge_history("room", page, true, T0 + n as f64).expect("valid page"));
        }
        let ns = start.elapsed().as_nanos() as f64 / (pages.len() * 50) as f64;
        assert_eq!(store.message_count("room"), n + pages.len() * 50);
        best = best.min(ns);
    }
    best
}

fn main() {
    // STORE_INGEST_SIZES=10000 (comma-separated): other sizes, e.g. for one quick run under callgrind.
    let sizes: Vec<usize> = std::env::var("STORE_INGEST_SIZES").map_or_else(
        |_| vec![1_000, 10_000, 100_000],
        |v| v.split(',').map(|n| n.trim().parse().expect("STORE_INGEST_SIZES: numbers")).collect(),
    );
    let mut results = Vec::new();
    for &n in &sizes {
        let reps = if n >= 100_000 { 3 } else { 7 };
        let ns = run(n, reps, false);
        println!("store_ingest n={n:>7}: {ns:>8.0} ns/event (best of {reps}; 10% optimistic confirmations)");
        let watched = run(n, reps, true);
        println!("  room watched, each event's change batch written: {watched:>8.0} ns/event");
        results.push(ns);
    }
    for (w, n) in results.windows(2).zip(sizes.windows(2)) {
        println!(
            "ratio {}/{} = {:.2} (log2 ratio {:.2})",
            n[1],
            n[0],
            w[1] / w[0],
            (n[1] as f64).log2() / (n[0] as f64).log2()
        );
    }
    if let (Some(first), Some(last)) = (results.first(), results.last()) {
        println!(
            "ratio 100k/1k = {:.2} (log2(100k)/log2(1k) = {:.2}; linear growth would be 100)",
            last / first,
            (100_000f64).log2() / (1_000f64).log2()
        );
    }
    let ns = history(100_000, 20, 3);
    println!("history: 20 pages of 50 into a 100k room: {ns:>8.0} ns/message (best of 3)");
}
