//! Memory of a 10 000-message room, measured with a counting allocator (native, 64-bit: wasm32 pointers and
//! lengths are half as wide, so absolute figures there are smaller, the proportions similar).
//! Run: `cargo test --lib memory_per_message -- --ignored --nocapture --test-threads=1`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use crate::json::Value;

use super::MessageStore;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Relaxed) + layout.size();
        PEAK.fetch_max(live, Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size >= layout.size() {
            let live = LIVE.fetch_add(new_size - layout.size(), Relaxed) + new_size - layout.size();
            PEAK.fetch_max(live, Relaxed);
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Relaxed);
        }
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

const T0: f64 = 1_700_000_000_000.0;

/// The browser benchmark's workload (`bench/lib/workload.mjs`): every 10th message confirms an agent send made
/// beforehand (every 20th by client id, the others by text match), the rest are customer messages.
fn workload(store: &mut MessageStore, n: usize) -> Vec<Value> {
    let cids: Vec<String> = (0..n)
        .step_by(10)
        .map(|j| store.add_optimistic("room-1", &format!("reply number {j}"), Some("agent-1"), T0).unwrap())
        .collect();
    (0..n)
        .map(|j| {
            let timestamp = T0 + (j / 4) as f64;
            if j % 10 == 0 {
                let mut e = json!({"id": format!("wamid.{j}"), "room_id": "room-1", "text": format!("reply number {j}"),
                    "user_id": "agent-1", "timestamp": timestamp, "status": "sent"});
                if j % 20 == 0 {
                    e["client_id"] = json!(cids[j / 10]);
                }
                e
            } else {
                json!({"id": format!("wamid.{j}"), "room_id": "room-1", "text": "Olá, tudo bem? Quero saber do meu pedido",
                    "timestamp": timestamp, "from": "5511999990000", "type": "text"})
            }
        })
        .collect()
}

/// What each part of the store holds, per message (`per` turns bytes into bytes per message).
fn print_breakdown(store: &mut MessageStore, per: impl Fn(usize) -> f64) {
    let freed = |f: &mut dyn FnMut()| {
        let l = LIVE.load(Relaxed);
        f();
        l - LIVE.load(Relaxed)
    };
    for (name, bytes) in store.memory_breakdown(&freed) {
        println!("  {name:<28} {:>6.0} B/message", per(bytes));
    }
}

#[test]
#[ignore = "measurement: run with --ignored --nocapture --test-threads=1"]
fn memory_per_message() {
    const N: usize = 10_000;
    let before = LIVE.load(Relaxed);
    let mut store = MessageStore::default();
    let events = workload(&mut store, N);
    let events_bytes = {
        let live = LIVE.load(Relaxed);
        let copy = events.clone();
        let b = LIVE.load(Relaxed) - live;
        drop(copy);
        b
    };
    let start = LIVE.load(Relaxed);
    PEAK.store(start, Relaxed);
    for (j, e) in events.iter().enumerate() {
        store.ingest_message(e, T0 + (j / 4) as f64).unwrap();
        while store.poll_event().is_some() {}
    }
    let peak = PEAK.load(Relaxed);
    drop(events);
    let live = LIVE.load(Relaxed);
    assert_eq!(store.message_count("room-1"), N);
    let per = |b: usize| b as f64 / N as f64;
    println!("store live: {:.0} B/message ({} KiB)", per(live - before), (live - before) / 1024);
    println!(
        "ingest peak above the store + events at start: {:.0} B/message (events: {:.0} B/message)",
        per(peak - start),
        per(events_bytes)
    );
    print_breakdown(&mut store, per);
}

#[test]
#[ignore = "measurement"]
fn sizes() {
    use crate::json::Map;
    let p: Value = json!({"id": "x", "text": "t", "from": "5511999990000", "type": "text"});
    let l0 = LIVE.load(Relaxed);
    let m: Map =
        p.as_object().unwrap().iter().filter(|(k, _)| k.len() == 4).map(|(k, v)| (k.clone(), v.clone())).collect();
    let l1 = LIVE.load(Relaxed);
    let c = m.clone();
    let l2 = LIVE.load(Relaxed);
    println!(
        "Value {} Message {} Map {}; extra with 2 entries: collected {} B, cloned {} B",
        std::mem::size_of::<Value>(),
        std::mem::size_of::<super::Message>(),
        std::mem::size_of::<Map>(),
        l1 - l0,
        l2 - l1,
    );
    drop((m, c));
}

/// The same number of messages shaped as an inbox (the bench's "inbox of 200 conversations × 50 messages"):
/// what many small rooms cost on top of one large one.
#[test]
#[ignore = "measurement: run with --ignored --nocapture --test-threads=1"]
fn memory_per_message_inbox() {
    const ROOMS: usize = 200;
    const PER_ROOM: usize = 50;
    let before = LIVE.load(Relaxed);
    let mut store = MessageStore::default();
    for i in 0..PER_ROOM {
        for r in 0..ROOMS {
            let e = json!({"id": format!("room-{r}.m{i}"), "room_id": format!("room-{r}"),
                "text": "Olá, tudo bem? Quero saber do meu pedido", "timestamp": T0 + (i * ROOMS + r) as f64,
                "from": "5511999990000", "type": "text", "contact_name": format!("Contact {r}")});
            store.ingest_message(&e, T0).unwrap();
            while store.poll_event().is_some() {}
        }
    }
    let live = LIVE.load(Relaxed);
    let per = |b: usize| b as f64 / (ROOMS * PER_ROOM) as f64;
    println!(
        "store live: {:.0} B/message ({} KiB, {:.0} B/room)",
        per(live - before),
        (live - before) / 1024,
        (live - before) as f64 / ROOMS as f64
    );
    print_breakdown(&mut store, per);
}
/// The transient peak of reading the inbox as JSON text (what a view does when it mounts the list), at 5 000
/// conversations: handed on in pieces, one summary made at a time, against a list of summary copies
/// serialised into one buffer (how it was done before pieces).
#[test]
#[ignore = "measurement: run with --ignored --nocapture --test-threads=1"]
fn inbox_text_peak() {
    let mut store = MessageStore::default();
    for r in 0..5_000 {
        let e = json!({"id": format!("room-{r}.m0"), "room_id": format!("room-{r}"),
            "text": "Olá, tudo bem? Quero saber do meu pedido", "timestamp": T0 + r as f64,
            "from": "5511999990000", "type": "text", "contact_name": format!("Contact {r}")});
        store.ingest_message(&e, T0).unwrap();
    }
    let peak_of = |f: &mut dyn FnMut() -> usize| {
        let start = LIVE.load(Relaxed);
        PEAK.store(start, Relaxed);
        let len = f();
        (PEAK.load(Relaxed) - start, len)
    };
    let (now, len) = peak_of(&mut || {
        let mut len = 0;
        store.watch_inbox_in_pieces(&mut |piece| len += piece.len());
        len
    });
    // The path before pieces: the summaries collected as copies, then written into one buffer (sized up front).
    let (copies, _) = peak_of(&mut || super::ChangeBatch { rooms: Vec::new(), inbox: store.rooms() }.to_json().len());
    println!("inbox text {len} B: peak {} KiB in pieces, {} KiB from copies", now / 1024, copies / 1024);
}
