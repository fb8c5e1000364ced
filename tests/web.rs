//! Browser tests: the wasm client in Chromium, Firefox and WebKit (scripts/test-browsers.sh) against the real Node
//! socket.io 4.8 server in `tests/server/server.js` (started by `scripts/test.sh`). Stop that server and every test
//! here fails.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::future::TimeoutFuture;
use inbox_realtime::api::{ManagerHandle, SocketClient};
use js_sys::{Array, Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const SERVER: &str = match option_env!("TEST_SERVER_URL") {
    Some(url) => url,
    None => "http://127.0.0.1:3210",
};

type Listener = Closure<dyn FnMut(JsValue, JsValue)>;

/// Records every call of the listeners it hands out.
#[derive(Clone, Default)]
struct Recorder {
    calls: Rc<RefCell<Vec<(String, Array)>>>,
    closures: Rc<RefCell<Vec<Listener>>>,
}

impl Recorder {
    fn listen(&self, client: &SocketClient, event: &str) {
        let calls = self.calls.clone();
        let name = event.to_owned();
        let closure = Closure::<dyn FnMut(JsValue, JsValue)>::new(move |a: JsValue, b: JsValue| {
            calls.borrow_mut().push((name.clone(), Array::of2(&a, &b)));
        });
        client.on(event, closure.as_ref().unchecked_ref::<Function>().clone());
        self.closures.borrow_mut().push(closure);
    }

    fn count(&self, event: &str) -> usize {
        self.calls.borrow().iter().filter(|(name, _)| name == event).count()
    }

    fn args(&self, event: &str) -> Vec<Array> {
        self.calls.borrow().iter().filter(|(name, _)| name == event).map(|(_, a)| a.clone()).collect()
    }
}

fn options(pairs: &[(&str, JsValue)]) -> JsValue {
    let obj = js_sys::Object::new();
    for (k, v) in pairs {
        Reflect::set(&obj, &(*k).into(), v).unwrap();
    }
    obj.into()
}

/// A room's messages as the store has them now (`watch` answers the current state).
fn snapshot(store: &inbox_realtime::api::StoreHandle, room: &str) -> Array {
    Array::from(&field(&js_sys::JSON::parse(&String::from(store.watch(room))).unwrap(), "messages"))
}

/// Who types in a room now.
fn typing(store: &inbox_realtime::api::StoreHandle, room: &str) -> Array {
    Array::from(&field(&js_sys::JSON::parse(&String::from(store.watch(room))).unwrap(), "typing"))
}

fn field(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

async fn wait_for(what: &str, mut condition: impl FnMut() -> bool) {
    for _ in 0..200 {
        if condition() {
            return;
        }
        TimeoutFuture::new(25).await;
    }
    panic!("timed out waiting for {what}");
}

async fn connected(path_ns: Option<&str>) -> (SocketClient, Recorder) {
    let opts = match path_ns {
        Some(ns) => options(&[
            ("namespace", ns.into()),
            ("reconnectionDelay", 100.into()),
            ("reconnectionDelayMax", 300.into()),
        ]),
        None => options(&[("reconnectionDelay", 100.into()), ("reconnectionDelayMax", 300.into())]),
    };
    let client = SocketClient::new(SERVER, opts);
    let rec = Recorder::default();
    for event in [
        "welcome",
        "connect",
        "disconnect",
        "reconnect",
        "rooms_rejoined",
        "room_msg",
        "connect_error",
        "status",
        "error",
    ] {
        rec.listen(&client, event);
    }
    client.connect();
    wait_for("connect", || client.connected()).await;
    wait_for("welcome", || rec.count("welcome") == 1).await;
    (client, rec)
}

async fn ack(client: &SocketClient, event: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let array: Array = args.iter().cloned().collect();
    JsFuture::from(client.emit_with_ack(event, array, Some(3000.0))).await
}

async fn rooms_of(client: &SocketClient) -> Vec<String> {
    let rooms = ack(client, "rooms", &[]).await.expect("rooms ack");
    Array::from(&rooms).iter().filter_map(|r| r.as_string()).collect()
}

#[wasm_bindgen_test]
async fn connects_and_receives_a_server_event() {
    let (client, rec) = connected(None).await;
    let welcome = rec.args("welcome")[0].get(0);
    assert_eq!(field(&welcome, "ns").as_string().as_deref(), Some("/"));
    assert_eq!(field(&welcome, "sid").as_string(), client.id());
    assert_eq!(client.status(), "connected");
    let statuses: Vec<String> = rec.args("status").iter().filter_map(|a| a.get(0).as_string()).collect();
    assert_eq!(statuses, vec!["connecting", "connected"]);
    client.disconnect();
}

#[wasm_bindgen_test]
async fn emit_with_ack_round_trips_and_times_out() {
    let (client, _rec) = connected(None).await;
    let reply = ack(&client, "echo", &["hello".into(), 42.into()]).await.unwrap();
    assert_eq!(reply.as_string().as_deref(), Some("hello"));
    let started = js_sys::Date::now();
    let err = JsFuture::from(client.emit_with_ack("no_ack", Array::new(), Some(300.0))).await.unwrap_err();
    assert_eq!(field(&err, "code").as_string().as_deref(), Some("ack_timeout"));
    assert!(js_sys::Date::now() - started >= 290.0);
    client.disconnect();
}

#[wasm_bindgen_test]
async fn receives_only_joined_rooms_and_stops_after_leaving() {
    let (agent, rec) = connected(None).await;
    let (sender, _sender_rec) = connected(None).await;
    agent.join_room("web-room-a");
    // The server answers in order: when it lists the room, the join was processed.
    assert_eq!(rooms_of(&agent).await, vec!["web-room-a"]);
    let broadcast = |room: &str, text: &str| {
        let payload = options(&[("room", room.into()), ("event", "room_msg".into()), ("payload", text.into())]);
        sender.emit("broadcast", Array::of1(&payload)).unwrap();
    };
    broadcast("web-room-b", "not for you");
    broadcast("web-room-a", "for you");
    wait_for("room message", || rec.count("room_msg") == 1).await;
    // Ordering per connection: a reply from the sender's own round trip proves the first broadcast went out too.
    ack(&sender, "echo", &[1.into()]).await.unwrap();
    TimeoutFuture::new(100).await;
    let texts: Vec<String> = rec.args("room_msg").iter().filter_map(|a| a.get(0).as_string()).collect();
    assert_eq!(texts, vec!["for you"]);

    agent.leave_room("web-room-a");
    assert!(rooms_of(&agent).await.is_empty());
    broadcast("web-room-a", "after leaving");
    ack(&sender, "echo", &[1.into()]).await.unwrap();
    TimeoutFuture::new(200).await;
    assert_eq!(rec.count("room_msg"), 1);
    agent.disconnect();
    sender.disconnect();
}

#[wasm_bindgen_test]
async fn reconnects_after_a_dropped_connection_and_rejoins_rooms() {
    let (agent, rec) = connected(None).await;
    let (sender, _sender_rec) = connected(None).await;
    agent.join_room("web-room-r");
    assert_eq!(rooms_of(&agent).await, vec!["web-room-r"]);
    let first_sid = agent.id();
    agent.emit("drop_me", Array::new()).unwrap();
    wait_for("disconnect", || rec.count("disconnect") == 1).await;
    assert_eq!(rec.args("disconnect")[0].get(0).as_string().as_deref(), Some("transport close"));
    wait_for("reconnect", || rec.count("reconnect") == 1).await;
    wait_for("rooms re-joined", || rec.count("rooms_rejoined") == 1).await;
    assert_ne!(agent.id(), first_sid, "a new session");
    // The app did nothing: the server sees the room again and delivers to it.
    assert_eq!(rooms_of(&agent).await, vec!["web-room-r"]);
    let payload = options(&[("room", "web-room-r".into()), ("event", "room_msg".into()), ("payload", "back".into())]);
    sender.emit("broadcast", Array::of1(&payload)).unwrap();
    wait_for("room message after reconnect", || rec.count("room_msg") == 1).await;
    agent.disconnect();
    sender.disconnect();
}

#[wasm_bindgen_test]
async fn rejected_auth_is_reported_and_not_retried() {
    let calls = Rc::new(RefCell::new(0u32));
    let auth_calls = calls.clone();
    let auth = Closure::<dyn FnMut() -> JsValue>::new(move || {
        *auth_calls.borrow_mut() += 1;
        options(&[("token", "bad-token".into())])
    });
    let client = SocketClient::new(
        SERVER,
        options(&[("namespace", "/secure".into()), ("auth", auth.as_ref().clone()), ("reconnectionDelay", 50.into())]),
    );
    let rec = Recorder::default();
    for event in ["connect_error", "reconnect_attempt", "connect"] {
        rec.listen(&client, event);
    }
    client.connect();
    wait_for("connect_error", || rec.count("connect_error") == 1).await;
    let error = rec.args("connect_error")[0].get(0);
    assert_eq!(field(&error, "message").as_string().as_deref(), Some("invalid token"));
    assert_eq!(field(&field(&error, "data"), "code").as_string().as_deref(), Some("AUTH"));
    assert_eq!(client.status(), "error");
    TimeoutFuture::new(1500).await;
    assert_eq!(rec.count("connect_error"), 1, "no retry loop");
    assert_eq!(rec.count("reconnect_attempt"), 0);
    assert_eq!(*calls.borrow(), 1);

    // The app fixes the token; the auth function runs again on the next connect.
    client.set_auth(options(&[("token", "good-token".into())]));
    client.connect();
    wait_for("connect with a good token", || client.connected()).await;
    client.disconnect();
}

#[wasm_bindgen_test]
async fn connects_to_a_namespace() {
    let (client, rec) = connected(Some("/admin")).await;
    let welcome = rec.args("welcome")[0].get(0);
    assert_eq!(field(&welcome, "ns").as_string().as_deref(), Some("/admin"));
    assert_eq!(ack(&client, "echo", &["ns".into()]).await.unwrap().as_string().as_deref(), Some("ns"));
    client.disconnect();
}

#[wasm_bindgen_test]
async fn a_server_disconnect_is_not_retried() {
    let (client, rec) = connected(None).await;
    client.emit("kick_me", Array::new()).unwrap();
    wait_for("disconnect", || rec.count("disconnect") == 1).await;
    assert_eq!(rec.args("disconnect")[0].get(0).as_string().as_deref(), Some("io server disconnect"));
    TimeoutFuture::new(800).await;
    assert_eq!(client.status(), "disconnected");
    assert_eq!(rec.count("connect"), 1);
}

#[wasm_bindgen_test]
async fn emits_made_before_connecting_are_delivered() {
    let client = SocketClient::new(SERVER, JsValue::UNDEFINED);
    let rec = Recorder::default();
    rec.listen(&client, "echo_event");
    client.emit("echo_event", Array::of1(&"queued".into())).unwrap();
    client.connect();
    wait_for("echo of the buffered emit", || rec.count("echo_event") == 1).await;
    assert_eq!(rec.args("echo_event")[0].get(0).as_string().as_deref(), Some("queued"));
    client.disconnect();
}

fn json(text: &str) -> JsValue {
    js_sys::JSON::parse(text).unwrap()
}

#[wasm_bindgen_test]
async fn the_store_follows_the_real_socket() {
    use inbox_realtime::api::StoreHandle;
    let (agent, _rec) = connected(None).await;
    let (sender, _sender_rec) = connected(None).await;
    let store = StoreHandle::new(options(&[("typingTimeoutMs", 300.into())]));
    store.attach(&agent);
    let errors = Rc::new(RefCell::new(Vec::<JsValue>::new()));
    let sink = errors.clone();
    let on_error = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| sink.borrow_mut().push(e));
    store.on_error(on_error.as_ref().unchecked_ref::<Function>().clone());
    let room = "web-store-room";
    agent.join_room(room);
    assert_eq!(rooms_of(&agent).await, vec![room]);
    let send = |event: &str, payload: &str| {
        let p = options(&[("room", room.into()), ("event", event.into()), ("payload", json(payload))]);
        sender.emit("broadcast", Array::of1(&p)).unwrap();
    };

    // An optimistic send, confirmed by an echo carrying its client id: replaced in place, same key.
    let client_id = store.add_optimistic(room, "hello customer", Some("agent-1".into())).unwrap();
    assert_eq!(snapshot(&store, room).length(), 1);
    let pending = snapshot(&store, room).get(0);
    assert_eq!(field(&pending, "status").as_string().as_deref(), Some("pending"));
    send(
        "new_message",
        &format!(
            r#"{{"id":"wamid.1","room_id":"{room}","text":"hello customer","user_id":"agent-1","client_id":"{client_id}","timestamp":{}}}"#,
            js_sys::Date::now()
        ),
    );
    // A customer message, delivered twice (WhatsApp redelivers): one message.
    send("new_message", &format!(r#"{{"id":"wamid.2","room_id":"{room}","text":"hi","timestamp":"1698048000"}}"#));
    send("new_message", &format!(r#"{{"id":"wamid.2","room_id":"{room}","text":"hi","timestamp":"1698048000"}}"#));
    // Statuses out of order: read before delivered stays read.
    send("message_status_update", r#"{"id":"wamid.1","status":"read"}"#);
    send("message_status_update", r#"{"id":"wamid.1","status":"delivered"}"#);
    // Bad input is reported and changes nothing.
    send("new_message", &format!(r#"{{"room_id":"{room}","text":"no id"}}"#));
    send("typing_indicator", &format!(r#"{{"room_id":"{room}","is_typing":true,"user":"Maria"}}"#));
    wait_for("typing shown", || typing(&store, room).length() == 1).await;
    let snapshot = snapshot(&store, room);
    assert_eq!(snapshot.length(), 2);
    let ids: Vec<String> = snapshot.iter().map(|m| field(&m, "id").as_string().unwrap()).collect();
    assert_eq!(ids, vec!["wamid.2", "wamid.1"], "ordered by timestamp");
    let confirmed = snapshot.get(1);
    assert_eq!(field(&confirmed, "key").as_string(), Some(client_id), "stable key across replacement");
    assert_eq!(field(&confirmed, "status").as_string().as_deref(), Some("read"));
    assert_eq!(errors.borrow().len(), 1);
    assert_eq!(field(&errors.borrow()[0], "code").as_string().as_deref(), Some("invalid_event"));
    // Typing hides itself after the timeout, driven by the store's own timer.
    wait_for("typing hidden", || typing(&store, room).length() == 0).await;
    agent.disconnect();
    sender.disconnect();
}

/// Hostile frames from a real server, and the typed error each must produce. The connection must stay up and the
/// store sound after all of them. Add rows as new attacks are found.
const BAD_FRAMES: &[(&str, &str)] = &[
    ("non-JSON event", "42[\"new_message\",{bad"),
    ("truncated event", "42[\"new_mes"),
    ("unknown engine packet", "9hello"),
    ("unknown socket packet", "49[]"),
    ("binary event", "451-[\"x\",{\"_placeholder\":true,\"num\":0}]"),
    ("event without a name", "42[]"),
    ("event name not a string", "42[7,\"x\"]"),
    ("wrong namespace", "42/other,[\"new_message\",{}]"),
    ("ack for an unknown id", "43999[\"late\"]"),
    ("deeply nested JSON", "NESTED"),
];

/// Payloads that parse as packets but are not valid store events (rooms never joined are accepted on purpose: the
/// server decides who receives what).
const BAD_EVENTS: &[(&str, &str)] = &[
    ("missing id", r#"["new_message",{"room_id":"bad-room","text":"x"}]"#),
    ("id of wrong type", r#"["new_message",{"id":{"a":1},"room_id":"bad-room","text":"x"}]"#),
    ("text of wrong type", r#"["new_message",{"id":"m9","room_id":"bad-room","text":42}]"#),
    ("unknown status", r#"["message_status_update",{"id":"m1","status":"exploded"}]"#),
    ("negative timestamp", r#"["new_message",{"id":"m9","room_id":"bad-room","text":"x","timestamp":-5}]"#),
    (
        "far-future timestamp",
        r#"["new_message",{"id":"m9","room_id":"bad-room","text":"x","timestamp":"9999999999999"}]"#,
    ),
    ("payload not an object", r#"["new_message","hello"]"#),
    ("typing without room", r#"["typing_indicator",{"is_typing":true,"user":"x"}]"#),
];

#[wasm_bindgen_test]
async fn bad_input_from_a_real_server_is_reported_and_harmless() {
    use inbox_realtime::api::StoreHandle;
    let (client, rec) = connected(None).await;
    let store = StoreHandle::new(JsValue::UNDEFINED);
    store.attach(&client);
    let store_errors = Rc::new(RefCell::new(Vec::<String>::new()));
    let sink = store_errors.clone();
    let on_error = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
        sink.borrow_mut().push(field(&e, "code").as_string().unwrap_or_default())
    });
    store.on_error(on_error.as_ref().unchecked_ref::<Function>().clone());
    store
        .handle_event(
            "new_message",
            json(r#"{"id":"m1","room_id":"bad-room","text":"good","timestamp":1700000000000}"#),
        )
        .unwrap();

    for (name, frame) in BAD_FRAMES {
        // A deeply nested frame is built by the server: our own client refuses to send it (maxPayload).
        let frame: JsValue = match *frame {
            "NESTED" => options(&[
                ("prefix", "42[\"x\",".into()),
                ("fill", "[".into()),
                ("count", 5000.into()),
                ("suffix", "]".into()),
            ]),
            other => other.into(),
        };
        let before = rec.count("error");
        let sent = ack(&client, "send_raw", &[Array::of1(&frame).into()]).await;
        if let Err(e) = &sent {
            panic!("{name}: the connection must survive, got {:?} {:?}", field(e, "code"), field(e, "message"));
        }
        assert_eq!(rec.count("error"), before + 1, "{name}: exactly one typed error event");
        let error = rec.args("error").last().unwrap().get(0);
        let code = field(&error, "code").as_string().unwrap_or_default();
        assert!(
            ["malformed_packet", "wrong_namespace", "unknown_ack"].contains(&code.as_str()),
            "{name}: unexpected code {code}"
        );
        assert_eq!(client.status(), "connected", "{name}");
    }
    for (i, (name, event)) in BAD_EVENTS.iter().enumerate() {
        ack(&client, "send_raw", &[Array::of1(&format!("42{event}").into()).into()]).await.unwrap();
        assert_eq!(store_errors.borrow().len(), i + 1, "{name}: rejected with a typed error");
    }
    assert!(
        store_errors.borrow().iter().all(|code| code == "invalid_event" || code == "too_large"),
        "{:?}",
        store_errors.borrow()
    );
    // The store is exactly as before the attack: one message, unchanged.
    let snapshot = snapshot(&store, "bad-room");
    assert_eq!(snapshot.length(), 1);
    assert_eq!(field(&snapshot.get(0), "text").as_string().as_deref(), Some("good"));
    // And the connection still works end to end.
    assert_eq!(ack(&client, "echo", &["still here".into()]).await.unwrap().as_string().as_deref(), Some("still here"));
    client.disconnect();
}

#[wasm_bindgen_test]
async fn a_thousand_clients_created_and_destroyed_leave_nothing_behind() {
    use inbox_realtime::api::StoreHandle;
    let (observer, _observer_rec) = connected(None).await;
    let connections = |stats: JsValue| field(&stats, "connections").as_f64().unwrap_or(-1.0);
    let baseline = connections(ack(&observer, "stats", &[]).await.unwrap());
    let memory = || {
        wasm_bindgen::memory()
            .unchecked_into::<js_sys::WebAssembly::Memory>()
            .buffer()
            .unchecked_into::<js_sys::ArrayBuffer>()
            .byte_length()
    };
    let noop = Closure::<dyn FnMut()>::new(|| {});
    let mut warm_memory = 0;
    for cycle in 0..1000 {
        let client = SocketClient::new(SERVER, JsValue::UNDEFINED);
        let store = StoreHandle::new(JsValue::UNDEFINED);
        store.attach(&client);
        let listener = client.on("welcome", noop.as_ref().unchecked_ref::<Function>().clone());
        client.join_room("leak-room");
        client.connect();
        // Every 10th client completes a full handshake; the others are torn down mid-connect, the harder case.
        if cycle % 10 == 0 {
            wait_for("connect", || client.connected()).await;
        }
        assert!(client.off(listener));
        assert_eq!(client.listener_count(), 0);
        drop(store);
        client.disconnect();
        drop(client);
        if cycle == 99 {
            warm_memory = memory();
        }
    }
    let growth = memory().saturating_sub(warm_memory);
    assert!(growth <= 256 * 1024, "wasm memory grew by {growth} bytes over 900 cycles");
    // Every socket those clients opened is closed on the server too.
    let mut now_connected = f64::MAX;
    for _ in 0..100 {
        now_connected = connections(ack(&observer, "stats", &[]).await.unwrap());
        if now_connected <= baseline {
            break;
        }
        TimeoutFuture::new(50).await;
    }
    assert!(now_connected <= baseline, "{now_connected} server connections left, baseline {baseline}");
    web_sys::console::log_1(&format!("leak check: wasm memory growth after warm-up {growth} B; server connections {now_connected} (baseline {baseline})").into());
    observer.disconnect();
}

const POLLING_SERVER: &str = match option_env!("POLLING_SERVER_URL") {
    Some(url) => url,
    None => "http://127.0.0.1:3211",
};

/// What a stock socket.io server sends reaches the listener and the store: a text holding a lone UTF-16 surrogate
/// (both see U+FFFD in its place), a frame larger than the server's own `maxPayload` (1.5 MB: held cut to the
/// store's 1 000 000-character limit, marked `text_truncated`), and a 150 000-character text (held whole).
#[wasm_bindgen_test]
async fn a_stock_servers_payloads_all_reach_listener_and_store() {
    use inbox_realtime::api::StoreHandle;
    let (client, rec) = connected(None).await;
    rec.listen(&client, "new_message");
    let store = StoreHandle::new(JsValue::UNDEFINED);
    store.attach(&client);
    let room = "web-payloads-room";
    let cases: [(&str, &str, u32, bool, usize); 3] = [
        ("lone", "half an emoji: ", 1, true, 20),
        ("huge", "a", 1_500_000, false, 1_500_000),
        ("long", "b", 150_000, false, 150_000),
    ];
    for (id, text, repeat, lone, length) in cases {
        let spec = options(&[
            ("id", id.into()),
            ("room_id", room.into()),
            ("text", text.into()),
            ("repeat", repeat.into()),
            ("loneSurrogate", lone.into()),
        ]);
        let reply = ack(&client, "emit_message", &[spec]).await.unwrap_or_else(|e| panic!("{id}: {e:?}"));
        assert_eq!(field(&reply, "length").as_f64(), Some(length as f64), "{id}");
    }
    wait_for("three messages in the store", || snapshot(&store, room).length() == 3).await;
    let heard: Vec<String> =
        rec.args("new_message").iter().map(|a| field(&a.get(0), "text").as_string().unwrap()).collect();
    let held: Vec<JsValue> = snapshot(&store, room).iter().collect();
    let text = |m: &JsValue| field(m, "text").as_string().unwrap();
    assert_eq!(heard[0], "half an emoji: \u{FFFD} cut");
    assert_eq!(text(&held[0]), heard[0], "the listener and the store hold the same text");
    assert_eq!((heard[1].len(), text(&held[1]).len()), (1_500_000, 1_000_000));
    assert_eq!(field(&held[1], "text_truncated").as_f64(), Some(1_500_000.0));
    assert_eq!((heard[2].len(), text(&held[2]).len()), (150_000, 150_000));
    assert!(field(&held[2], "text_truncated").is_undefined());
    assert_eq!(rec.count("error"), 0, "nothing reported as malformed or too large");
    client.disconnect();
}

/// Against a server that only allows long-polling (as behind a proxy that blocks WebSocket upgrades): with the
/// default transports the WebSocket attempt fails, the client falls back to polling and works end to end.
#[wasm_bindgen_test]
async fn works_end_to_end_over_long_polling() {
    for transports in [None, Some("polling")] {
        let mut pairs = vec![("reconnectionDelay", JsValue::from(50)), ("reconnectionDelayMax", JsValue::from(100))];
        if let Some(t) = transports {
            pairs.push(("transports", Array::of1(&t.into()).into()));
        }
        let client = SocketClient::new(POLLING_SERVER, options(&pairs));
        let rec = Recorder::default();
        for event in ["welcome", "room_msg", "status", "reconnect_attempt"] {
            rec.listen(&client, event);
        }
        client.connect();
        wait_for("connect over polling", || client.connected()).await;
        wait_for("welcome", || rec.count("welcome") == 1).await;
        // A first connect that falls back to (or starts on) polling is not a reconnect.
        let statuses: Vec<String> = rec.args("status").iter().filter_map(|a| a.get(0).as_string()).collect();
        assert_eq!(statuses, ["connecting", "connected"], "transports {transports:?}");
        assert_eq!(rec.count("reconnect_attempt"), 0, "transports {transports:?}");
        assert_eq!(
            ack(&client, "echo", &["over http".into()]).await.unwrap().as_string().as_deref(),
            Some("over http")
        );
        client.join_room("poll-room");
        assert_eq!(rooms_of(&client).await, vec!["poll-room"]);
        let payload = options(&[("room", "poll-room".into()), ("event", "room_msg".into()), ("payload", "hi".into())]);
        client.emit("broadcast", Array::of1(&payload)).unwrap();
        wait_for("room message over polling", || rec.count("room_msg") == 1).await;
        // Dropped by the server: reconnects over polling and re-joins.
        client.emit("drop_me", Array::new()).unwrap();
        wait_for("reconnected", || rec.count("welcome") == 2).await;
        assert_eq!(rooms_of(&client).await, vec!["poll-room"]);
        client.disconnect();
    }
}

#[wasm_bindgen_test]
async fn an_unrecovered_reconnect_resyncs_every_joined_room() {
    use inbox_realtime::api::StoreHandle;
    let (client, rec) = connected(None).await;
    let store = StoreHandle::new(JsValue::UNDEFINED);
    store.attach(&client);
    let calls = Rc::new(RefCell::new(Vec::<(String, f64)>::new()));
    let sink = calls.clone();
    // The app's history call, as the hooks wire it to `GET /api/messages?room=…&since=…`.
    let resync = Closure::<dyn FnMut(String, f64) -> js_sys::Promise>::new(move |room: String, since: f64| {
        sink.borrow_mut().push((room.clone(), since));
        let missed = json(&format!(
            r#"[{{"id":"old","room_id":"{room}","text":"seen","timestamp":1700000000000}},
                {{"id":"missed","room_id":"{room}","text":"sent while you were away","timestamp":1700000005000}}]"#
        ));
        js_sys::Promise::resolve(&missed)
    });
    store.set_resync(Some(resync.as_ref().unchecked_ref::<Function>().clone()));
    for room in ["resync-a", "resync-b"] {
        client.join_room(room);
        store
            .handle_event(
                "new_message",
                json(&format!(r#"{{"id":"old","room_id":"{room}","text":"seen","timestamp":1700000000000}}"#)),
            )
            .unwrap();
    }
    // An agent's message in resync-b still waiting for its blue ticks, older than the 60 s overlap: the resync
    // reaches back to it, so ticks emitted during the outage come back with the page.
    let unsettled = r#"{"id":"out","room_id":"resync-b","text":"hi","user_id":"agent-1","status":"delivered","timestamp":1699999900000}"#;
    store.handle_event("new_message", json(unsettled)).unwrap();
    assert!(calls.borrow().is_empty(), "the first connect needs no resync");
    client.emit("drop_me", Array::new()).unwrap();
    wait_for("reconnect", || rec.count("reconnect") == 1).await;
    wait_for("resynced", || snapshot(&store, "resync-b").length() == 3).await;
    assert_eq!(
        *calls.borrow(),
        // resync-a: its newest message less the default 60 s overlap (timestamps are not arrival order).
        vec![("resync-a".to_owned(), 1_699_999_940_000.0), ("resync-b".to_owned(), 1_699_999_900_000.0)]
    );
    for (room, expected) in [("resync-a", vec!["old", "missed"]), ("resync-b", vec!["out", "old", "missed"])] {
        let ids: Vec<String> = snapshot(&store, room).iter().map(|m| field(&m, "id").as_string().unwrap()).collect();
        assert_eq!(ids, expected, "merged with dedup");
    }
    client.disconnect();
}

/// The store pushes one batch per input to its sink, with list operations by position for the watched room only.
#[wasm_bindgen_test]
fn each_input_pushes_one_batch_of_positions_to_the_sink() {
    use inbox_realtime::api::StoreHandle;
    let store = StoreHandle::new(JsValue::UNDEFINED);
    let room = "batch-room";
    let batches = Rc::new(RefCell::new(Vec::<JsValue>::new()));
    let into = batches.clone();
    let sink = Closure::<dyn FnMut(String)>::new(move |text: String| {
        into.borrow_mut().push(js_sys::JSON::parse(&text).unwrap());
    });
    store.set_sink(Some(sink.as_ref().unchecked_ref::<Function>().clone()));
    let add = |room: &str, id: &str, ts: u64| {
        store
            .handle_event(
                "new_message",
                json(&format!(r#"{{"id":"{id}","room_id":"{room}","text":"t","timestamp":{ts}}}"#)),
            )
            .unwrap()
    };
    add("unwatched", "x", 1_700_000_000_000);
    assert!(batches.borrow().is_empty(), "nothing watched, nothing sent");
    let state = js_sys::JSON::parse(&String::from(store.watch(room))).unwrap();
    assert_eq!(Array::from(&field(&state, "messages")).length(), 0);
    for i in 0..3u64 {
        add(room, &format!("m{i}"), 1_700_000_000_000 + i * 1000);
    }
    store.handle_event("message_status_update", json(r#"{"id":"m1","status":"read"}"#)).unwrap();
    add(room, "early", 1_600_000_000_000);
    let ops: Vec<String> = batches
        .borrow()
        .iter()
        .map(|b| {
            let rooms = Array::from(&field(b, "rooms"));
            assert_eq!(rooms.length(), 1);
            let ops = Array::from(&field(&rooms.get(0), "ops"));
            assert_eq!(ops.length(), 1);
            let op = Array::from(&ops.get(0));
            format!("{}@{}", op.get(0).as_string().unwrap(), op.get(1).as_f64().unwrap())
        })
        .collect();
    assert_eq!(ops, ["insert@0", "insert@1", "insert@2", "update@1", "insert@0"]);
    store.unwatch(room);
    add(room, "late", 1_700_000_100_000);
    assert_eq!(batches.borrow().len(), 5, "unwatched: nothing more");
}

/// Waits until `expected` `echo_event`s arrived (10 s at most), then checks they are 0..expected in order. A failure
/// says how many arrived and which are missing or out of place.
async fn wait_for_echoes(rec: &Recorder, expected: u32) {
    for _ in 0..400 {
        if rec.count("echo_event") >= expected as usize {
            break;
        }
        TimeoutFuture::new(25).await;
    }
    let got: Vec<f64> = rec.args("echo_event").iter().filter_map(|a| a.get(0).as_f64()).collect();
    let want: Vec<f64> = (0..expected).map(f64::from).collect();
    let missing: Vec<f64> = want.iter().copied().filter(|i| !got.contains(i)).collect();
    assert!(got == want, "{} of {expected} echoes arrived; missing {missing:?}; arrival order {got:?}", got.len());
}

/// Observes (does not change) the page's `fetch`: counts the POSTs in flight and keeps the highest count seen.
/// `restore()` puts the original back.
const WATCH_POSTS: &str = r#"
  const original = window.fetch;
  const stats = { inFlight: 0, max: 0, posts: 0 };
  window.fetch = function (input, init) {
    const method = (input instanceof Request ? input.method : init && init.method) || "GET";
    const result = original.apply(this, arguments);
    if (method === "POST") {
      stats.posts += 1;
      stats.inFlight += 1;
      stats.max = Math.max(stats.max, stats.inFlight);
      const done = () => { stats.inFlight -= 1; };
      result.then(done, done);
    }
    return result;
  };
  stats.restore = () => { window.fetch = original; };
  return stats;
"#;

/// A burst of emits in one task, then another emit while the burst's POST is still in flight: over long-polling the
/// client must keep one POST in flight at a time (Engine.IO answers overlapping POSTs with 400, and during an upgrade
/// a POST still in flight when the WebSocket takes over is refused and its frames are lost), and send every frame
/// exactly once, in order.
#[wasm_bindgen_test]
async fn polling_never_overlaps_posts() {
    let posts = js_sys::Function::new_no_args(WATCH_POSTS).call0(&JsValue::NULL).unwrap();
    let restore: Function = field(&posts, "restore").unchecked_into();
    let transports: Array = ["polling"].iter().map(|t| JsValue::from(*t)).collect();
    let client = SocketClient::new(POLLING_SERVER, options(&[("transports", transports.into())]));
    let rec = Recorder::default();
    for event in ["welcome", "echo_event", "disconnect"] {
        rec.listen(&client, event);
    }
    client.connect();
    wait_for("connect over polling", || client.connected()).await;
    wait_for("welcome", || rec.count("welcome") == 1).await;
    let mut next = 0;
    for _ in 0..5 {
        for _ in 0..5 {
            client.emit("echo_event", Array::of1(&next.into())).unwrap();
            next += 1;
        }
        // Let the tasks the burst started run (microtasks only: no network reply can arrive meanwhile), so the
        // next emit happens while the burst's POST is in flight.
        for _ in 0..10 {
            JsFuture::from(js_sys::Promise::resolve(&JsValue::NULL)).await.unwrap();
        }
        client.emit("echo_event", Array::of1(&next.into())).unwrap();
        next += 1;
        TimeoutFuture::new(50).await;
    }
    wait_for_echoes(&rec, next).await;
    restore.call0(&JsValue::NULL).unwrap();
    assert!(field(&posts, "posts").as_f64().unwrap_or(0.0) >= 5.0, "the emits went out as POSTs");
    assert_eq!(field(&posts, "max").as_f64(), Some(1.0), "POSTs in flight at once");
    assert_eq!(rec.count("disconnect"), 0, "the session survived");
    assert_eq!(rec.count("welcome"), 1, "one session throughout");
    client.disconnect();
}

/// socket.io-client's default order: connect over long-polling, then upgrade to WebSocket with a probe — without
/// losing or reordering anything sent or received around the switch.
#[wasm_bindgen_test]
async fn upgrades_from_polling_to_websocket_without_losing_anything() {
    let transports: Array = ["polling", "websocket"].iter().map(|t| JsValue::from(*t)).collect();
    let client = SocketClient::new(SERVER, options(&[("transports", transports.into())]));
    let rec = Recorder::default();
    rec.listen(&client, "welcome");
    rec.listen(&client, "echo_event");
    client.connect();
    // Emits made right away travel over polling, during the probe, and after the switch.
    for i in 0..30 {
        client.emit("echo_event", Array::of1(&i.into())).unwrap();
        if i % 10 == 9 {
            TimeoutFuture::new(20).await;
        }
    }
    wait_for("upgrade", || client.transport() == "websocket").await;
    // Every echo comes back within a few ms of its emit (the round trips of the ack below prove the socket is up), so
    // a missing one after a generous wait was lost, not late: report which.
    wait_for_echoes(&rec, 30).await;
    assert_eq!(ack(&client, "transport", &[]).await.unwrap().as_string().as_deref(), Some("websocket"), "server side");
    assert_eq!(rec.count("welcome"), 1, "one session throughout");
    client.disconnect();
}

/// Text reaches wasm through `src/web/js_text.js` (a reused buffer, UTF-8 written in JS): every width of UTF-8
/// must arrive intact over the real socket, including a frame too big for the kept buffer and one after it.
#[wasm_bindgen_test]
async fn non_ascii_text_arrives_intact() {
    use inbox_realtime::api::StoreHandle;
    let (agent, _rec) = connected(None).await;
    let (sender, _sender_rec) = connected(None).await;
    let store = StoreHandle::new(JsValue::UNDEFINED);
    store.attach(&agent);
    let room = "web-unicode-room";
    agent.join_room(room);
    assert_eq!(rooms_of(&agent).await, vec![room]);
    let texts = [
        "Olá, tudo bem? ñ ü".to_owned(),
        "€ 日本語 ☃".to_owned(),
        "😀 👍🏽 \u{10FFFF}".to_owned(),
        "é".repeat(40_000), // 120 000 bytes of room needed: more than the buffer kept between frames
        "after the big one: ação".to_owned(),
    ];
    for (i, text) in texts.iter().enumerate() {
        let payload = js_sys::Object::new();
        Reflect::set(&payload, &"id".into(), &format!("u{i}").into()).unwrap();
        Reflect::set(&payload, &"room_id".into(), &room.into()).unwrap();
        Reflect::set(&payload, &"text".into(), &text.as_str().into()).unwrap();
        Reflect::set(&payload, &"timestamp".into(), &(1_700_000_000_000.0 + i as f64).into()).unwrap();
        let p = options(&[("room", room.into()), ("event", "new_message".into()), ("payload", payload.into())]);
        sender.emit("broadcast", Array::of1(&p)).unwrap();
    }
    wait_for("all five messages", || snapshot(&store, room).length() == 5).await;
    let got: Vec<String> = snapshot(&store, room).iter().map(|m| field(&m, "text").as_string().unwrap()).collect();
    assert_eq!(got, texts);
    agent.disconnect();
    sender.disconnect();
}

/// What JS strings can hold and Rust's cannot: a lone surrogate becomes U+FFFD (as `TextEncoder` does), a pair
/// one 4-byte character; a non-string is not text. Checked by content (an argument echoed by the real server)
/// and by length (the probe export, which reads text the same way).
#[wasm_bindgen_test]
async fn js_strings_become_valid_utf8() {
    use inbox_realtime::api::boundary_probe;
    let js = |json: &str| js_sys::JSON::parse(json).unwrap();
    let (client, _rec) = connected(None).await;
    for (raw, expected) in [
        (r#""\ud800x""#, "\u{FFFD}x"),
        (r#""x\udc00""#, "x\u{FFFD}"),
        (r#""\ud83d\ude00""#, "😀"),
        (r#""\ude00\ud83d""#, "\u{FFFD}\u{FFFD}"),
        (r#""aé€😀""#, "aé€😀"),
    ] {
        let echoed = ack(&client, "echo", &[js(raw)]).await.expect("echo ack");
        assert_eq!(echoed.as_string().as_deref(), Some(expected), "{raw}");
        assert_eq!(boundary_probe(&js(raw)), expected.len(), "{raw}");
    }
    assert_eq!(boundary_probe(&"".into()), 0);
    assert_eq!(boundary_probe(&JsValue::from_f64(5.0)), 0, "not a string");
    assert_eq!(boundary_probe(&"€".repeat(100_000).as_str().into()), 300_000, "grows past the kept buffer");
    assert_eq!(boundary_probe(&"ok".into()), 2, "and works after it");
    client.disconnect();
}

/// A connected client for `url` with fast reconnects, recording `events`.
async fn connect_to(url: &str, extra: &[(&str, JsValue)], events: &[&str]) -> (Rc<SocketClient>, Recorder) {
    let mut pairs = vec![("reconnectionDelay", JsValue::from(100)), ("reconnectionDelayMax", JsValue::from(300))];
    pairs.extend(extra.iter().cloned());
    let client = Rc::new(SocketClient::new(url, options(&pairs)));
    let rec = Recorder::default();
    for event in events {
        rec.listen(&client, event);
    }
    (client, rec)
}

fn statuses(rec: &Recorder) -> Vec<String> {
    rec.args("status").iter().filter_map(|a| a.get(0).as_string()).collect()
}

/// A `connect` listener that calls `disconnect()`: the status events end `disconnected`, like `status` itself
/// (events queued before the nested call are not delivered after the ones it caused).
#[wasm_bindgen_test]
async fn status_events_stay_in_order_when_a_listener_disconnects() {
    let (client, rec) = connect_to(SERVER, &[], &["status", "disconnect"]).await;
    let inner = Rc::downgrade(&client);
    let on_connect = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| {
        if let Some(client) = inner.upgrade() {
            client.disconnect();
        }
    });
    client.on("connect", on_connect.as_ref().unchecked_ref::<Function>().clone());
    client.connect();
    wait_for("the disconnect", || rec.count("disconnect") == 1).await;
    TimeoutFuture::new(100).await;
    assert_eq!(client.status(), "disconnected");
    assert_eq!(statuses(&rec), ["connecting", "connected", "disconnected"]);
    drop(on_connect);
}

/// A throwing auth callback: no namespace connection is made (the server would have greeted it), `connect_error`
/// carries the error, and nothing retries.
#[wasm_bindgen_test]
async fn an_auth_callback_that_throws_never_connects() {
    let throws = Function::new_no_args("throw new Error('token store unavailable')");
    let (client, rec) = connect_to(SERVER, &[("auth", throws.into())], &["welcome", "connect_error", "status"]).await;
    client.connect();
    wait_for("connect_error", || rec.count("connect_error") == 1).await;
    let error = rec.args("connect_error")[0].get(0);
    let message = field(&error, "message").as_string().unwrap_or_default();
    assert!(message.contains("token store unavailable"), "{message}");
    TimeoutFuture::new(500).await;
    assert_eq!(rec.count("welcome"), 0, "the server never saw a connection");
    assert_eq!((client.status(), rec.count("connect_error")), ("error".to_owned(), 1), "no retry");
    // An async callback that rejects: the same.
    let rejects = Function::new_no_args("return Promise.reject(new Error('refresh failed'))");
    let (client, rec) = connect_to(SERVER, &[("auth", rejects.into())], &["welcome", "connect_error"]).await;
    client.connect();
    wait_for("connect_error", || rec.count("connect_error") == 1).await;
    TimeoutFuture::new(300).await;
    assert_eq!((rec.count("welcome"), client.status()), (0, "error".to_owned()));
}

/// `new SocketClient('http://host/admin?token=…')` connects to `/admin` and the server's `handshake.query` has the
/// URL's query and the `query` option (what the TS face passes, encoded).
#[wasm_bindgen_test]
async fn the_urls_namespace_and_query_are_used() {
    let url = format!("{SERVER}/admin?token=abc%20def");
    let (client, rec) = connect_to(&url, &[("query", "lang=pt-BR".into())], &["welcome"]).await;
    client.connect();
    wait_for("welcome from /admin", || rec.count("welcome") == 1).await;
    let welcome = rec.args("welcome")[0].get(0);
    assert_eq!(field(&welcome, "ns").as_string().as_deref(), Some("/admin"));
    let query = field(&welcome, "query");
    assert_eq!(field(&query, "token").as_string().as_deref(), Some("abc def"));
    assert_eq!(field(&query, "lang").as_string().as_deref(), Some("pt-BR"));
    client.disconnect();
}

/// The server's `emitWithAck` to this client: the listener gets an ack callback as its last argument.
#[wasm_bindgen_test]
async fn a_server_ack_request_gets_the_listeners_answer() {
    let (client, _rec) = connected(None).await;
    let answer = Closure::<dyn FnMut(JsValue, JsValue)>::new(|question: JsValue, ack: JsValue| {
        let ack: Function = ack.dyn_into().expect("the last argument is the ack callback");
        let reply = format!("re: {}", question.as_string().unwrap_or_default());
        ack.call1(&JsValue::NULL, &reply.into()).unwrap();
        ack.call1(&JsValue::NULL, &"a second answer is ignored".into()).unwrap();
    });
    client.on("question", answer.as_ref().unchecked_ref::<Function>().clone());
    let reply = ack(&client, "ask_me", &["ping?".into()]).await.expect("ask_me ack");
    assert_eq!(field(&reply, "answer").as_string().as_deref(), Some("re: ping?"), "{:?}", field(&reply, "error"));
    client.disconnect();
}

/// A laptop wakes up: the wall clock jumped past the heartbeat window while every timer slept. An emit then finds
/// the connection dead, is buffered, and goes out after the reconnect within its ack timeout (the timer armed
/// before the jump must not delay the reconnect).
#[wasm_bindgen_test]
async fn an_emit_after_a_clock_jump_is_sent_after_the_reconnect() {
    let (client, _rec) = connected(None).await;
    let jump =
        Function::new_no_args("const real = Date.now; globalThis.__realNow = real; Date.now = () => real() + 120000;");
    let restore = Function::new_no_args("if (globalThis.__realNow) Date.now = globalThis.__realNow;");
    jump.call0(&JsValue::NULL).unwrap();
    let reply = JsFuture::from(client.emit_with_ack("echo", Array::of1(&"after sleep".into()), Some(4000.0))).await;
    restore.call0(&JsValue::NULL).unwrap();
    assert_eq!(reply.expect("echo after the jump").as_string().as_deref(), Some("after sleep"));
    assert!(client.connected());
    client.disconnect();
}

/// Engine.IO connections the server has open now.
async fn engine_clients(probe: &SocketClient) -> u32 {
    let stats = ack(probe, "stats", &[]).await.expect("stats ack");
    field(&stats, "connections").as_f64().expect("a count") as u32
}

#[wasm_bindgen_test]
async fn two_namespaces_share_one_engine_io_connection_and_reconnect_together() {
    let (probe, _probe_rec) = connected(None).await;
    let before = engine_clients(&probe).await;
    let manager =
        ManagerHandle::new(SERVER, options(&[("reconnectionDelay", 100.into()), ("reconnectionDelayMax", 300.into())]));
    let reconnects = Rc::new(RefCell::new(0u32));
    let counter = reconnects.clone();
    let on_reconnect = Closure::<dyn FnMut()>::new(move || *counter.borrow_mut() += 1);
    manager.on("reconnect", on_reconnect.as_ref().unchecked_ref::<Function>().clone());
    let root = manager.socket("/", JsValue::UNDEFINED);
    let admin = manager.socket("/admin", JsValue::UNDEFINED);
    let (root_rec, admin_rec) = (Recorder::default(), Recorder::default());
    for event in ["welcome", "disconnect", "rooms_rejoined"] {
        root_rec.listen(&root, event);
        admin_rec.listen(&admin, event);
    }
    root.connect();
    admin.connect();
    wait_for("both namespaces", || root.connected() && admin.connected()).await;
    let welcome = admin_rec.args("welcome")[0].get(0);
    assert_eq!(field(&welcome, "ns").as_string().as_deref(), Some("/admin"));
    assert_eq!(engine_clients(&probe).await, before + 1, "one Engine.IO connection for both namespaces");
    let engine_id = ack(&root, "engine_id", &[]).await.unwrap().as_string();
    assert_eq!(ack(&admin, "engine_id", &[]).await.unwrap().as_string(), engine_id);
    root.join_room("mux-root");
    admin.join_room("mux-admin");
    assert_eq!(rooms_of(&root).await, vec!["mux-root"]);
    assert_eq!(rooms_of(&admin).await, vec!["mux-admin"]);

    // One namespace leaves: the other keeps the connection.
    admin.disconnect();
    assert_eq!(admin.status(), "disconnected");
    assert_eq!(ack(&root, "echo", &["still".into()]).await.unwrap().as_string().as_deref(), Some("still"));
    assert_eq!(ack(&root, "engine_id", &[]).await.unwrap().as_string(), engine_id);
    admin.connect();
    wait_for("admin back", || admin.connected()).await;
    assert_eq!(rooms_of(&admin).await, vec!["mux-admin"], "re-joined on its own connect");
    assert_eq!(engine_clients(&probe).await, before + 1);

    // The server kills the transport: both namespaces reconnect over one new connection and re-join their rooms.
    root.emit("drop_me", Array::new()).unwrap();
    wait_for("both disconnected", || root_rec.count("disconnect") == 1 && admin_rec.count("disconnect") == 2).await;
    wait_for("both re-joined", || root_rec.count("rooms_rejoined") == 1 && admin_rec.count("rooms_rejoined") == 2)
        .await;
    assert_eq!(*reconnects.borrow(), 1, "one manager reconnect for both");
    let new_engine_id = ack(&root, "engine_id", &[]).await.unwrap().as_string();
    assert_ne!(new_engine_id, engine_id);
    assert_eq!(ack(&admin, "engine_id", &[]).await.unwrap().as_string(), new_engine_id);
    assert_eq!(rooms_of(&root).await, vec!["mux-root"]);
    assert_eq!(rooms_of(&admin).await, vec!["mux-admin"]);
    assert_eq!(engine_clients(&probe).await, before + 1);
    root.disconnect();
    admin.disconnect();
    wait_for("the last socket closes the connection", || !manager.is_open()).await;
    probe.disconnect();
}
