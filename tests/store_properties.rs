//! Property test: random interleavings of optimistic sends, echoes, REST results, status updates, history pages
//! and time; the store's invariants are checked after every step.
#![cfg(not(target_arch = "wasm32"))] // native: proptest and a virtual clock

use std::collections::{HashMap, HashSet};

use inbox_realtime::json::Value;
use inbox_realtime::store::{ListOp, Message, MessageStore, Status, StoreOptions};
use proptest::prelude::*;

/// `serde_json::json!` syntax, converted to the crate's JSON value through its text.
macro_rules! json {
    ($($t:tt)+) => {
        inbox_realtime::json::from_str(&serde_json::json!($($t)+).to_string()).unwrap()
    };
}

const T0: f64 = 1_700_000_000_000.0;
const ROOMS: [&str; 2] = ["r0", "r1"];
const TEXTS: [&str; 3] = ["ok", "ok", "hi"];
const USERS: [&str; 2] = ["u1", "u2"];
const STATUSES: [&str; 5] = ["pending", "sent", "delivered", "read", "failed"];

#[derive(Debug, Clone)]
enum Op {
    Send { room: usize, text: usize, user: usize },
    Echo { send: usize, with_cid: bool, jitter_ms: i64, status: Option<usize>, twice: bool },
    Foreign { room: usize, n: usize, agent: Option<usize> },
    MarkSent { send: usize, with_sid: bool },
    MarkFailed { send: usize },
    Retry { send: usize },
    Status { target: usize, foreign: bool, status: usize, with_room: bool },
    History { room: usize, items: Vec<(bool, usize)>, has_more: bool },
    Advance { ms: u32 },
    Timeout,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..2usize, 0..3usize, 0..2usize).prop_map(|(room, text, user)| Op::Send { room, text, user }),
        3 => (0..16usize, any::<bool>(), -5_000i64..70_000, proptest::option::of(0..5usize), any::<bool>())
            .prop_map(|(send, with_cid, jitter_ms, status, twice)| Op::Echo { send, with_cid, jitter_ms, status, twice }),
        1 => (0..2usize, 0..8usize, proptest::option::of(0..2usize)).prop_map(|(room, n, agent)| Op::Foreign { room, n, agent }),
        2 => (0..16usize, any::<bool>()).prop_map(|(send, with_sid)| Op::MarkSent { send, with_sid }),
        1 => (0..16usize).prop_map(|send| Op::MarkFailed { send }),
        1 => (0..16usize).prop_map(|send| Op::Retry { send }),
        2 => (0..16usize, any::<bool>(), 0..5usize, any::<bool>())
            .prop_map(|(target, foreign, status, with_room)| Op::Status { target, foreign, status, with_room }),
        1 => (0..2usize, proptest::collection::vec((any::<bool>(), 0..16usize), 0..6), any::<bool>())
            .prop_map(|(room, items, has_more)| Op::History { room, items, has_more }),
        2 => (0..40_000u32).prop_map(|ms| Op::Advance { ms }),
        1 => Just(Op::Timeout),
    ]
}

#[derive(Debug, Clone)]
struct Send {
    cid: String,
    room: usize,
    text: usize,
    user: usize,
    ts: f64,
}

/// What the test remembers across steps to check monotonic properties.
#[derive(Default)]
struct Seen {
    /// Server id → (room, last status, key).
    server: HashMap<String, (String, Status, String)>,
    /// Client id → server ids that ever carried it as key.
    resolved: HashMap<String, HashSet<String>>,
    /// Per room: the list a view holds, kept by replaying the store's change batches.
    lists: HashMap<&'static str, Vec<Message>>,
    checks: usize,
}

fn rank_ok(old: Status, new: Status) -> bool {
    old == new || old.advanced_by(new) == new
}

fn echo_payload(i: usize, s: &Send, jitter_ms: i64, with_cid: bool, status: Option<usize>) -> Value {
    let mut v = json!({
        "id": format!("s{i}"),
        "room_id": ROOMS[s.room],
        "text": TEXTS[s.text],
        "user_id": USERS[s.user],
        "timestamp": s.ts + jitter_ms as f64,
    });
    if with_cid {
        v["client_id"] = json!(s.cid);
    }
    if let Some(st) = status {
        v["status"] = json!(STATUSES[st]);
    }
    v
}

fn foreign_payload(room: usize, n: usize, agent: Option<usize>) -> Value {
    let mut v = json!({
        "id": format!("f{room}-{n}"),
        "room_id": ROOMS[room],
        "text": TEXTS[n % 3],
        "timestamp": T0 - (n as f64) * 1_000.0,
        "from": "5511999",
    });
    if let Some(a) = agent {
        // Another agent's message with a client id this store does not know: must never text-match.
        v["user_id"] = json!(USERS[a]);
        v["client_id"] = json!(format!("other-tab-{n}"));
    }
    v
}

fn check(store: &mut MessageStore, seen: &mut Seen, ingested: &HashMap<String, String>) -> Result<(), TestCaseError> {
    seen.checks += 1;
    for changes in store.take_changes().rooms {
        let list = seen.lists.get_mut(&*changes.room_id).expect("only watched rooms change");
        for op in changes.ops {
            match op {
                ListOp::Insert(at, m) => list.insert(at, m),
                ListOp::Update(at, m) => list[at] = m,
                ListOp::Remove(at) => drop(list.remove(at)),
                ListOp::Reset(all) => *list = all,
            }
        }
    }
    for room in ROOMS {
        if !seen.lists.contains_key(room) {
            seen.lists.insert(room, store.watch(room).messages);
        }
        let msgs: Vec<_> = store.messages(room).collect();
        let view = &seen.lists[room];
        prop_assert!(view.iter().eq(msgs.iter().copied()), "the replayed view of {} differs from the store", room);
        let mut ids = HashSet::new();
        let mut keys = HashSet::new();
        for w in msgs.windows(2) {
            let (a, b) = (w[0], w[1]);
            prop_assert!(
                (a.timestamp, &a.id()) < (b.timestamp, &b.id()),
                "not sorted: {:?} then {:?}",
                (a.timestamp, &a.id()),
                (b.timestamp, &b.id())
            );
        }
        for m in &msgs {
            prop_assert!(ids.insert(m.id().to_owned()), "duplicate id {}", m.id());
            prop_assert!(keys.insert(m.key().to_owned()), "duplicate key {}", m.key());
            prop_assert_eq!(&*m.room_id, room);
            if m.id().starts_with("local-") {
                prop_assert_eq!(m.key(), m.id(), "unconfirmed optimistic message keyed by its client id");
                continue;
            }
            if let Some((r, old_status, old_key)) = seen.server.get(m.id()) {
                prop_assert_eq!(r, room);
                prop_assert!(rank_ok(*old_status, m.status), "{} regressed {:?} -> {:?}", m.id(), old_status, m.status);
                prop_assert_eq!(old_key.as_str(), m.key(), "key of {} changed", m.id());
            }
            seen.server.insert(m.id().to_string(), (room.to_owned(), m.status, m.key().to_owned()));
            if m.key().starts_with("local-") {
                let set = seen.resolved.entry(m.key().to_owned()).or_default();
                set.insert(m.id().to_string());
                prop_assert!(set.len() <= 1, "optimistic {} resolved twice: {:?}", m.key(), set);
            }
        }
    }
    for (id, room) in ingested {
        prop_assert!(store.message(room, id).is_some(), "confirmed message {} lost", id);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_under_random_interleavings(ops in proptest::collection::vec(op(), 1..80), keep_failed in any::<bool>()) {
        let mut store = MessageStore::new(StoreOptions { keep_failed, ..StoreOptions::default() });
        let mut now = T0;
        let mut sends: Vec<Send> = Vec::new();
        let mut seen = Seen::default();
        // Server id → room of every message the server delivered successfully.
        let mut ingested: HashMap<String, String> = HashMap::new();
        for op in ops {
            match op {
                Op::Send { room, text, user } => {
                    let cid = store.add_optimistic(ROOMS[room], TEXTS[text], Some(USERS[user]), now).unwrap();
                    prop_assert_eq!(store.message(ROOMS[room], &cid).map(|m| m.status), Some(Status::Pending));
                    sends.push(Send { cid, room, text, user, ts: now });
                }
                Op::Echo { send, with_cid, jitter_ms, status, twice } => {
                    if sends.is_empty() { continue; }
                    let i = send % sends.len();
                    let v = echo_payload(i, &sends[i], jitter_ms, with_cid, status);
                    for _ in 0..if twice { 2 } else { 1 } {
                        store.ingest_message(&v, now).unwrap();
                    }
                    ingested.insert(format!("s{i}"), ROOMS[sends[i].room].to_owned());
                }
                Op::Foreign { room, n, agent } => {
                    store.ingest_message(&foreign_payload(room, n, agent), now).unwrap();
                    ingested.insert(format!("f{room}-{n}"), ROOMS[room].to_owned());
                }
                Op::MarkSent { send, with_sid } => {
                    if sends.is_empty() { continue; }
                    let i = send % sends.len();
                    let sid = format!("s{i}");
                    let _ = store.mark_sent(&sends[i].cid, with_sid.then_some(sid.as_str()), now);
                }
                Op::MarkFailed { send } => {
                    if sends.is_empty() { continue; }
                    let i = send % sends.len();
                    let _ = store.mark_failed(&sends[i].cid, "HTTP 500", now);
                }
                Op::Retry { send } => {
                    if sends.is_empty() { continue; }
                    let i = send % sends.len();
                    if store.retry(&sends[i].cid, now).is_ok() {
                        sends[i].ts = now;
                    }
                }
                Op::Status { target, foreign, status, with_room } => {
                    let id = if foreign { format!("f{}-{}", target % 2, target % 8) } else { format!("s{target}") };
                    let mut v = json!({"id": id, "status": STATUSES[status]});
                    if with_room { v["room_id"] = json!(ROOMS[target % 2]); }
                    store.apply_status_update(&v, now).unwrap();
                }
                Op::History { room, items, has_more } => {
                    let page: Vec<Value> = items
                        .iter()
                        .filter_map(|&(own, k)| {
                            if own {
                                let i = k % sends.len().max(1);
                                let s = sends.get(i).filter(|s| s.room == room)?;
                                Some(echo_payload(i, s, 500, false, None))
                            } else {
                                Some(foreign_payload(room, k % 8, None))
                            }
                        })
                        .collect();
                    let rep = store.merge_history(ROOMS[room], &page, has_more, now).unwrap();
                    prop_assert!(rep.rejected.is_empty());
                    prop_assert_eq!(store.has_more(ROOMS[room]), has_more);
                    for v in &page {
                        ingested.insert(v["id"].as_str().unwrap_or_default().to_owned(), ROOMS[room].to_owned());
                    }
                }
                Op::Advance { ms } => now += f64::from(ms),
                Op::Timeout => {
                    if let Some(d) = store.poll_timeout() {
                        now = now.max(d);
                    }
                    store.handle_timeout(now);
                }
            }
            check(&mut store, &mut seen, &ingested)?;
            store.drain_events();
        }
        // Every unconfirmed optimistic message is still pending, sent or (kept) failed; never silently dropped
        // while pending: after all timeouts no pending one remains.
        now += 120_000.0;
        store.handle_timeout(now);
        for room in ROOMS {
            prop_assert!(store.messages(room).all(|m| m.status != Status::Pending || !m.id().starts_with("local-")));
        }
        check(&mut store, &mut seen, &ingested)?;
    }
}
