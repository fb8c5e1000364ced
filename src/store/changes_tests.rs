//! The change stream against a model: a deterministic random run of every store input, after each of which the
//! batch's JSON text is replayed on plain lists (what the JS view does) and must give exactly what the store holds:
//! each watched room's messages, typing, unread and `has_more`, and the inbox.

use std::collections::BTreeMap;

use crate::json::{from_str, Value};

use super::changes::{joined, SUMMARY_JSON_LEN};
use super::*;

const T0: f64 = 1_700_000_000_000.0;
const ROOMS: [&str; 3] = ["a", "b", "c"];

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// What a view holds of one room.
#[derive(Debug, Default)]
struct RoomModel {
    messages: Vec<Value>,
    typing: Vec<String>,
    has_more: bool,
    unread: u64,
}

impl RoomModel {
    fn from_state(v: &Value) -> RoomModel {
        RoomModel {
            messages: v["messages"].as_array().unwrap().clone(),
            typing: names(&v["typing"]),
            has_more: v["has_more"].as_bool().unwrap(),
            unread: v["unread"].as_u64().unwrap(),
        }
    }

    fn apply(&mut self, changes: &Value) {
        for op in changes["ops"].as_array().unwrap() {
            let op = op.as_array().unwrap();
            let at = || op[1].as_u64().unwrap() as usize;
            match op[0].as_str().unwrap() {
                "insert" => self.messages.insert(at(), op[2].clone()),
                "update" => self.messages[at()] = op[2].clone(),
                "remove" => {
                    self.messages.remove(at());
                }
                "reset" => self.messages = op[1].as_array().unwrap().clone(),
                other => panic!("unknown op {other}"),
            }
        }
        if let Some(t) = changes.get("typing") {
            self.typing = names(t);
        }
        if let Some(h) = changes.get("has_more") {
            self.has_more = h.as_bool().unwrap();
        }
        if let Some(u) = changes.get("unread") {
            self.unread = u.as_u64().unwrap();
        }
    }
}

fn names(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|n| n.as_str().unwrap().to_owned()).collect()
}

/// The views: watched rooms, and the inbox (summaries by room) while watched.
#[derive(Default)]
struct Views {
    rooms: BTreeMap<String, RoomModel>,
    inbox: Option<BTreeMap<String, Value>>,
    ops: usize,
}

impl Views {
    fn apply(&mut self, batch: &ChangeBatch) {
        let v = from_str(&batch.to_json()).expect("the batch is JSON");
        for room in v["rooms"].as_array().unwrap() {
            let id = room["room_id"].as_str().unwrap();
            self.ops += room["ops"].as_array().unwrap().len();
            self.rooms.get_mut(id).expect("changes only for watched rooms").apply(room);
        }
        let summaries = v["inbox"].as_array().unwrap();
        match &mut self.inbox {
            Some(inbox) => {
                for s in summaries {
                    inbox.insert(s["room_id"].as_str().unwrap().to_owned(), s.clone());
                }
            }
            None => assert!(summaries.is_empty(), "summaries only while the inbox is watched"),
        }
    }

    /// The views equal the store.
    fn check(&self, s: &MessageStore, step: usize) {
        for (id, room) in &self.rooms {
            let want: Vec<Value> = s.messages(id).map(Message::to_json).collect();
            assert_eq!(room.messages, want, "step {step}: messages of {id}");
            let typing: Vec<String> = s.typing(id).into_iter().map(|u| u.name.unwrap_or(u.id)).collect();
            assert_eq!(room.typing, typing, "step {step}: typing in {id}");
            assert_eq!(room.has_more, s.has_more(id), "step {step}: has_more of {id}");
            assert_eq!(room.unread, u64::from(s.unread(id)), "step {step}: unread of {id}");
        }
        if let Some(inbox) = &self.inbox {
            // Sorted as the JS view sorts: newest last message first, rooms without messages last, then by id.
            let mut list: Vec<&Value> = inbox.values().collect();
            let ts =
                |v: &Value| v["last_message"].get("timestamp").and_then(Value::as_f64).unwrap_or(f64::NEG_INFINITY);
            list.sort_by(|a, b| {
                ts(b).total_cmp(&ts(a)).then_with(|| a["room_id"].as_str().cmp(&b["room_id"].as_str()))
            });
            let want =
                from_str(&ChangeBatch { rooms: Vec::new(), inbox: s.rooms() }.to_json()).unwrap()["inbox"].clone();
            let got = Value::Array(list.into_iter().cloned().collect());
            assert_eq!(got, want, "step {step}: inbox");
        }
    }
}

fn message(rng: &mut Rng, room: &str, now: f64) -> Value {
    let id = format!("m{}", rng.below(120));
    let ts = now - rng.below(600_000) as f64;
    let mut m = json!({"id": id, "room_id": room, "text": format!("t{}", rng.below(3)), "timestamp": ts});
    if rng.chance(40) {
        m["user_id"] = json!("u1");
    } else {
        m["from"] = json!(format!("cust-{room}"));
    }
    if rng.chance(20) {
        m["contact_name"] = json!(format!("Name {}", rng.below(4)));
    }
    if rng.chance(20) {
        m["status"] = json!(*rng.pick(&["sent", "delivered", "read", "failed"]));
    }
    m
}

/// One random input, as the store gets them from the socket, the REST layer, the timer and the user.
fn step(rng: &mut Rng, s: &mut MessageStore, views: &mut Views, sends: &mut Vec<(String, &'static str)>, now: f64) {
    let room = *rng.pick(&ROOMS);
    match rng.below(20) {
        0..=4 => {
            let _ = s.ingest_message(&message(rng, room, now), now);
        }
        5 => {
            let id = format!("m{}", rng.below(120));
            let status = *rng.pick(&["sent", "delivered", "read", "failed"]);
            let _ = s.apply_status_update(&json!({"id": id, "status": status}), now);
        }
        6 => {
            let text = format!("t{}", rng.below(3));
            let cid = if rng.chance(50) {
                s.add_optimistic(room, &text, Some("u1"), now)
            } else {
                s.queue_send(room, &text, Some("u1"), now)
            };
            sends.extend(cid.ok().map(|c| (c, room)));
        }
        7 if !sends.is_empty() => {
            let (cid, send_room) = rng.pick(sends).clone();
            match rng.below(5) {
                0 => {
                    let server = format!("m{}", rng.below(120));
                    let _ = s.mark_sent(&cid, rng.chance(50).then_some(server.as_str()), now);
                }
                1 => {
                    let _ = s.mark_failed(&cid, "boom", now);
                }
                2 => {
                    let _ = s.retry(&cid, now);
                }
                3 => {
                    s.discard(&cid);
                }
                _ => {
                    // The echo, by client id.
                    let mut m = message(rng, send_room, now);
                    m["client_id"] = json!(cid);
                    m["user_id"] = json!("u1");
                    let _ = s.ingest_message(&m, now);
                }
            }
        }
        8 => {
            let big = rng.chance(30);
            let n = 1 + rng.below(if big { 90 } else { 8 });
            let oldest = s.messages(room).next().map_or(now, |m| m.timestamp);
            let page: Vec<Value> = (0..n)
                .map(|_| {
                    let mut m = message(rng, room, now);
                    m["timestamp"] = json!(oldest - rng.below(900_000) as f64);
                    m
                })
                .collect();
            let _ = s.merge_history(room, &page, rng.chance(50), now);
        }
        9 => {
            let page: Vec<Value> = (0..rng.below(30)).map(|_| message(rng, room, now)).collect();
            let _ = s.restore_cached(room, &page, now);
        }
        10..=11 => {
            let user = *rng.pick(&["ana", "bob", "cust-a"]);
            let typing = rng.chance(70);
            let payload = if rng.chance(50) {
                json!({"room_id": room, "user": {"id": user, "name": user.to_uppercase()}, "is_typing": typing})
            } else {
                json!({"room_id": room, "user": user, "is_typing": typing})
            };
            let _ = s.apply_typing(&payload, now);
        }
        12 => {
            let _ = s.mark_read(room, now);
        }
        13 => {
            if views.rooms.contains_key(room) {
                s.unwatch(room);
                views.rooms.remove(room);
            } else {
                // What the browser asks for (written from the room), checked against the state it stands for.
                // In pieces of 32 KiB: rooms here are smaller; `pieces_join_into_the_text_…` covers many pieces.
                let text = joined(|emit| s.watch_in_pieces(room, emit));
                assert_eq!(text, s.watch(room).to_json());
                let state = from_str(&text).unwrap();
                views.rooms.insert(room.to_owned(), RoomModel::from_state(&state));
            }
        }
        14 => {
            if views.inbox.is_some() && rng.chance(30) {
                s.unwatch_inbox();
                views.inbox = None;
            } else if views.inbox.is_none() {
                let list = from_str(&joined(|emit| s.watch_inbox_in_pieces(emit))).unwrap();
                let map = list
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| (v["room_id"].as_str().unwrap().to_owned(), v.clone()))
                    .collect();
                views.inbox = Some(map);
            }
        }
        _ => {
            while let Some(request) = s.poll_send(now) {
                let result = match rng.below(3) {
                    0 => SendResult::Ok { server_id: Some(format!("m{}", rng.below(120))) },
                    1 => SendResult::Transient { reason: "offline".into(), retry_after_ms: None },
                    _ => SendResult::Permanent { reason: "rejected".into() },
                };
                let _ = s.handle_send_result(&request.client_id, request.attempt, result, now);
            }
        }
    }
}

fn run(seed: u64, steps: usize, opts: StoreOptions) -> usize {
    let mut rng = Rng(seed);
    let mut s = MessageStore::new(opts);
    let mut views = Views::default();
    let mut sends = Vec::new();
    let mut now = T0;
    for i in 0..steps {
        now += rng.below(2_000) as f64;
        if s.poll_timeout().is_some_and(|d| d <= now) {
            s.handle_timeout(now);
        }
        step(&mut rng, &mut s, &mut views, &mut sends, now);
        views.apply(&s.take_changes());
        views.check(&s, i);
    }
    views.ops
}

#[test]
fn replayed_batches_equal_the_store_after_every_input() {
    let mut ops = 0;
    for seed in 1..=4 {
        ops += run(seed * 0x9e37_79b9, 500, StoreOptions { keep_failed: seed % 2 == 0, ..StoreOptions::default() });
    }
    assert!(ops > 1_000, "the run exercised the journal ({ops} ops)");
}

#[test]
fn replayed_batches_equal_the_store_with_a_cap_that_trims() {
    for seed in 1..=3 {
        let opts = StoreOptions {
            max_messages_per_room: Some(25 + seed as usize * 5),
            keep_failed: true,
            typing_timeout_ms: 1_500.0,
            ..StoreOptions::default()
        };
        run(seed * 0x51ed_270b, 500, opts);
    }
}

#[test]
fn one_new_message_is_one_insert_and_a_big_page_is_a_reset() {
    let mut s = MessageStore::default();
    let state = s.watch("r");
    assert!(state.messages.is_empty() && state.has_more);
    s.ingest_message(&json!({"id": "m1", "room_id": "r", "text": "hi", "timestamp": T0}), T0).unwrap();
    let batch = s.take_changes();
    assert_eq!(batch.rooms.len(), 1);
    assert!(matches!(&batch.rooms[0].ops[..], [ListOp::Insert(0, m)] if m.id() == "m1"));
    assert_eq!(batch.rooms[0].unread, Some(1));
    assert!(batch.inbox.is_empty(), "the inbox is not watched");
    assert!(s.take_changes().is_empty());
    let page: Vec<Value> = (0..200)
        .map(|i| json!({"id": format!("h{i}"), "room_id": "r", "timestamp": T0 - 1e6 + f64::from(i)}))
        .collect();
    s.merge_history("r", &page, false, T0).unwrap();
    let batch = s.take_changes();
    assert!(matches!(&batch.rooms[0].ops[..], [ListOp::Reset(all)] if all.len() == 201));
    assert_eq!(batch.rooms[0].has_more, Some(false));
    // A short page into a long list: one insert per message.
    let page: Vec<Value> =
        (0..3).map(|i| json!({"id": format!("o{i}"), "room_id": "r", "timestamp": T0 - 2e6 + f64::from(i)})).collect();
    s.merge_history("r", &page, false, T0).unwrap();
    let ops = &s.take_changes().rooms[0].ops;
    assert!(matches!(&ops[..], [ListOp::Insert(0, _), ListOp::Insert(1, _), ListOp::Insert(2, _)]), "{ops:?}");
    // An unwatched room sends nothing; the inbox sends summaries of changed rooms only.
    s.unwatch("r");
    assert_eq!(s.watch_inbox().len(), 1);
    s.ingest_message(&json!({"id": "x", "room_id": "other", "timestamp": T0}), T0).unwrap();
    let batch = s.take_changes();
    assert!(batch.rooms.is_empty());
    assert_eq!(batch.inbox.iter().map(|r| r.room_id.as_str()).collect::<Vec<_>>(), ["other"]);
}

#[test]
fn a_message_written_straight_is_its_json() {
    let mut s = MessageStore::new(StoreOptions { max_text_chars: 4, ..StoreOptions::default() });
    let payloads = [
        json!({"id": "a", "room_id": "r", "text": "hi \"q\" \\ é", "timestamp": 1.5, "from": "x", "n": [1, {"k": null}]}),
        json!({"id": "b", "room_id": "r", "text": "long text", "timestamp": 2, "user_id": "u"}),
        // Server fields with canonical names the parser does not take: the canonical values win.
        json!({"id": "c", "room_id": "r", "timestamp": 3, "key": "theirs", "error": "x", "cached": false, "z": "\",\"key\":"}),
        json!({"id": "d", "room_id": "r", "timestamp": 4, "note": "{\"error\":1}"}),
        json!({"id": "e", "room_id": "r", "timestamp": 5, "from": "x", "key": "after another field"}),
    ];
    for p in &payloads {
        s.ingest_message(p, T0).unwrap();
    }
    for m in s.messages("r") {
        let mut text = String::new();
        m.write_json(&mut text);
        assert_eq!(from_str(&text).unwrap(), m.to_json(), "{text}");
        assert_eq!(text, crate::json::to_string(&m.to_json()));
    }
}

#[test]
fn the_inbox_text_is_the_summaries_in_order_each_in_the_room_its_buffer_gave_it() {
    let mut s = MessageStore::default();
    for r in 0..30 {
        for i in 0..3 {
            let p = json!({"id": format!("r{r}.m{i}"), "room_id": format!("r{r}"), "text": "Olá, tudo bem? 👋",
                "timestamp": T0 + (i * 30 + (r * 7) % 30) as f64, "from": "5511999990000", "type": "text",
                "contact_name": format!("Contact {r}")});
            s.ingest_message(&p, T0).unwrap();
        }
    }
    // Same newest time in two rooms: the room id breaks the tie.
    s.ingest_message(&json!({"id": "tie", "room_id": "r0", "text": "x", "timestamp": T0 + 89.0}), T0).unwrap();
    let text = joined(|emit| s.watch_inbox_in_pieces(emit));
    let batch = ChangeBatch { rooms: Vec::new(), inbox: s.rooms() };
    assert_eq!(format!("{{\"rooms\":[],\"inbox\":{text}}}"), batch.to_json());
    let order: Vec<&str> = batch.inbox.iter().map(|r| r.room_id.as_str()).collect();
    // Newest last: r17 (7·17 mod 30 = 29) and r0 (the tie, 89), then r4 (28).
    assert_eq!(order[..3], ["r0", "r17", "r4"]);
    for summary in &batch.inbox {
        let m = summary.last_message.as_ref().unwrap();
        let mut one = String::new();
        m.write_json(&mut one);
        assert!(one.len() <= m.json_len_hint(), "{one}");
        let whole = ChangeBatch { rooms: Vec::new(), inbox: vec![summary.clone()] }.to_json();
        assert!(whole.len() - "{\"rooms\":[],\"inbox\":[]}".len() <= SUMMARY_JSON_LEN + m.json_len_hint(), "{whole}");
    }
}

#[test]
fn pieces_join_into_the_text_and_none_is_the_whole_of_a_large_room() {
    let mut s = MessageStore::default();
    for i in 0..2_000 {
        let p = json!({"id": format!("m{i}"), "room_id": "big", "text": format!("message number {i} 👋"),
            "timestamp": T0 + i as f64, "from": "5511999990000", "contact_name": "Ana"});
        s.ingest_message(&p, T0).unwrap();
    }
    for r in 0..300 {
        s.ingest_message(
            &json!({"id": format!("r{r}"), "room_id": format!("r{r}"), "text": "hi", "timestamp": T0}),
            T0,
        )
        .unwrap();
    }
    let mut pieces = Vec::new();
    s.watch_in_pieces("big", &mut |p| pieces.push(p.to_owned()));
    assert!(pieces.len() > 4, "{} pieces", pieces.len());
    assert!(pieces.iter().all(|p| p.len() < 40 * 1024));
    assert_eq!(pieces.concat(), s.watch("big").to_json());
    let mut pieces = Vec::new();
    s.watch_inbox_in_pieces(&mut |p| pieces.push(p.to_owned()));
    assert!(pieces.len() > 1, "{} pieces", pieces.len());
    let whole = ChangeBatch { rooms: Vec::new(), inbox: s.rooms() }.to_json();
    assert_eq!(format!("{{\"rooms\":[],\"inbox\":{}}}", pieces.concat()), whole);
    // An unknown room is one piece.
    let mut pieces = Vec::new();
    s.watch_in_pieces("nobody", &mut |p| pieces.push(p.to_owned()));
    assert_eq!(pieces, ["{\"messages\":[],\"typing\":[],\"has_more\":true,\"unread\":0}"]);
}
