//! State-machine transcripts on a virtual clock: what the client sends, when, and what the app is told.
#![cfg(not(target_arch = "wasm32"))] // native: proptest and a virtual clock

use inbox_realtime::connection::{
    AckError, Action, Backoff, Config, Connection, ConnectionError, DisconnectReason, EmitError, Event, RawArgs,
    Status, TransportKind,
};
use inbox_realtime::json::{Map, Value};

/// `serde_json::json!` syntax, converted to the crate's JSON value through its text.
macro_rules! json {
    ($($t:tt)+) => {
        inbox_realtime::json::from_str(&serde_json::json!($($t)+).to_string()).unwrap()
    };
}

const OPEN: &str = r#"0{"sid":"eio1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;

/// Drives one connection and records everything it outputs.
struct Harness {
    conn: Connection,
    now: f64,
    sent: Vec<String>,
    events: Vec<Event>,
    opens: usize,
    closes: usize,
    auth_requests: usize,
    probe_actions: Vec<Action>,
    /// The transport of every `Open`, in order.
    opened: Vec<TransportKind>,
}

impl Harness {
    fn new(config: Config) -> Self {
        Harness {
            conn: Connection::new(config, 42),
            now: 0.0,
            sent: vec![],
            events: vec![],
            opens: 0,
            closes: 0,
            auth_requests: 0,
            probe_actions: vec![],
            opened: vec![],
        }
    }

    fn drain(&mut self) {
        while let Some(action) = self.conn.poll_action() {
            match action {
                Action::Open { transport, .. } => {
                    self.opens += 1;
                    self.opened.push(transport);
                }
                Action::Close => self.closes += 1,
                Action::Send(frame) => self.sent.push(frame),
                Action::RequestAuth(_) => self.auth_requests += 1,
                other => self.probe_actions.push(other),
            }
        }
        while let Some(event) = self.conn.poll_event() {
            self.events.push(event);
        }
    }

    fn frame(&mut self, text: &str) {
        self.conn.handle_frame(text, self.now);
        self.drain();
    }

    fn auth(&mut self, auth: Option<Value>) {
        let map = auth.and_then(|v| match v {
            Value::Object(m) => Some(m),
            _ => None,
        });
        self.conn.handle_auth(map, self.now);
        self.drain();
    }

    /// connect → transport open → Engine.IO open → auth → Socket.IO connect reply.
    fn connect_fully(&mut self, sid: &str) {
        if self.conn.status() != Status::Reconnecting {
            self.conn.connect(self.now);
        }
        self.drain();
        self.conn.handle_transport_open(self.now);
        self.frame(OPEN);
        self.auth(None);
        self.frame(&format!(r#"40{{"sid":"{sid}"}}"#));
    }

    /// Advances the virtual clock, firing every deadline on the way like the driver's timer would.
    fn advance(&mut self, ms: f64) {
        let end = self.now + ms;
        while let Some(deadline) = self.conn.poll_timeout() {
            if deadline > end {
                break;
            }
            self.now = self.now.max(deadline);
            self.conn.handle_timeout(self.now);
            self.drain();
        }
        self.now = end;
    }

    fn take_sent(&mut self) -> Vec<String> {
        std::mem::take(&mut self.sent)
    }

    fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }
}

fn config() -> Config {
    Config::new("http://127.0.0.1:3210")
}

/// The Engine.IO URL for a client URL and path. `preconnect()` in js/src/index.ts builds the same URL before the
/// wasm exists; js/test/preconnect-url.test.ts holds it to these cases and to the wasm client.
#[test]
fn builds_engine_io_urls() {
    let cases: serde_json::Value = serde_json::from_str(include_str!("engine_url_cases.json")).unwrap();
    let cases = cases.as_array().unwrap();
    assert!(cases.len() >= 6, "the cases file lost its cases");
    for case in cases {
        let text = |k: &str| case[k].as_str().map(str::to_owned);
        let mut c = Config::new(text("url").unwrap());
        if let Some(path) = text("path") {
            c.path = path;
        }
        let why = text("why").unwrap();
        assert_eq!(c.websocket_url(), text("websocket").unwrap(), "{why}");
        assert_eq!(c.polling_url(), text("polling").unwrap(), "{why}");
        assert_eq!(c.namespace, text("namespace").unwrap(), "{why}");
    }
}

#[test]
fn handshake_sends_auth_and_reports_connected() {
    let mut h = Harness::new(config());
    h.conn.connect(0.0);
    h.drain();
    assert_eq!(h.opens, 1);
    assert_eq!(h.conn.status(), Status::Connecting);
    h.frame(OPEN);
    assert_eq!(h.auth_requests, 1, "auth is asked for on every connect");
    h.auth(Some(json!({"token": "abc"})));
    assert_eq!(h.take_sent(), vec![r#"40{"token":"abc"}"#]);
    assert_eq!(h.conn.status(), Status::Connecting);
    h.frame(r#"40{"sid":"s1"}"#);
    assert_eq!(h.conn.status(), Status::Connected);
    assert_eq!(h.conn.sid(), Some("s1"));
    let events = h.take_events();
    assert!(events.contains(&Event::Connect { sid: "s1".into(), recovered: false }));
    assert!(events.contains(&Event::Status(Status::Connected)));
}

#[test]
fn answers_pings_and_times_out_without_them() {
    let mut h = Harness::new(config());
    h.connect_fully("s1");
    h.take_sent();
    h.advance(25_000.0);
    h.frame("2");
    assert_eq!(h.take_sent(), vec!["3"]);
    // The window restarts at each ping: 44.9 s after it we are still connected.
    h.advance(44_900.0);
    assert_eq!(h.conn.status(), Status::Connected);
    h.advance(200.0);
    assert_eq!(h.conn.status(), Status::Reconnecting);
    assert!(h.take_events().contains(&Event::Disconnect { reason: DisconnectReason::PingTimeout }));
    assert_eq!(h.closes, 1);
    // The session is back, the namespace not yet: still `reconnecting` (not `connecting`) until its CONNECT reply.
    h.advance(10_000.0);
    h.frame(OPEN);
    assert_eq!(h.conn.status(), Status::Reconnecting);
    h.auth(None);
    assert_eq!(h.conn.status(), Status::Reconnecting);
    h.frame(r#"40{"sid":"s2"}"#);
    assert_eq!(h.conn.status(), Status::Connected);
}

#[test]
fn reconnect_delays_grow_are_capped_then_jittered_and_reset_after_success() {
    let mut h = Harness::new(config());
    h.connect_fully("s1");
    let mut delays = vec![];
    for _ in 0..8 {
        let before = h.now;
        h.conn.handle_transport_close(false, h.now);
        h.drain();
        let at = h.conn.poll_timeout().expect("a reconnect is scheduled");
        delays.push(at - before);
        h.advance(at - before);
        assert!(matches!(h.events.last(), Some(Event::ReconnectAttempt { .. })), "{:?}", h.events.last());
    }
    for (i, delay) in delays.iter().enumerate() {
        let base = (1000.0 * 2f64.powi(i as i32)).min(5000.0);
        assert!(*delay >= base * 0.5 && *delay <= base * 1.5, "attempt {}: {delay} not within {base} ± 50%", i + 1);
    }
    // Past the cap the delays still differ: no lockstep at exactly 5 s.
    let capped = &delays[3..];
    assert!(capped.iter().any(|d| (d - capped[0]).abs() > 1.0), "{capped:?}");
    assert!(capped.iter().all(|d| (d - 5000.0).abs() > 0.001));

    h.frame(OPEN);
    h.auth(None);
    h.frame(r#"40{"sid":"s2"}"#);
    assert!(h.take_events().contains(&Event::Reconnect { attempts: 8 }));
    // Counter reset: the next loss waits about 1 s again.
    let before = h.now;
    h.conn.handle_transport_close(true, h.now);
    h.drain();
    let delay = h.conn.poll_timeout().unwrap() - before;
    assert!((500.0..=1500.0).contains(&delay), "{delay}");
}

#[test]
fn jitter_spreads_clients_at_the_cap() {
    let backoff = Backoff { initial_ms: 1000.0, max_ms: 5000.0, randomization_factor: 0.5 };
    assert_eq!(backoff.delay(10, 0.0), 2500.0);
    assert_eq!(backoff.delay(10, 0.5), 5000.0);
    assert!(backoff.delay(10, 0.999) > 7400.0);
    assert_eq!(backoff.delay(1, 0.5), 1000.0);
    assert_eq!(backoff.delay(2, 0.5), 2000.0);
    assert_eq!(backoff.delay(u32::MAX, f64::NAN), 5000.0);
}

#[test]
fn rooms_are_rejoined_after_every_reconnect() {
    let mut h = Harness::new(config());
    h.conn.join_room("r1", 0.0); // before connecting: remembered, joined on connect
    h.connect_fully("s1");
    assert_eq!(h.take_sent(), vec!["40", r#"420["join_room","r1"]"#]);
    h.frame(r#"430[{"ok":true}]"#);
    assert!(h.take_events().contains(&Event::RoomsRejoined { rooms: vec!["r1".into()] }));
    h.conn.join_room("r2", h.now);
    h.conn.join_room("r2", h.now); // joining twice sends once
    h.conn.join_room("r3", h.now);
    h.conn.leave_room("r3", h.now);
    h.drain();
    assert_eq!(h.take_sent(), vec![r#"42["join_room","r2"]"#, r#"42["join_room","r3"]"#, r#"42["leave_room","r3"]"#]);
    for round in 0..3u64 {
        h.conn.handle_transport_close(false, h.now);
        h.drain();
        h.advance(10_000.0);
        h.frame(OPEN);
        h.auth(None);
        h.frame(&format!(r#"40{{"sid":"s{round}"}}"#));
        let (a, b) = (1 + 2 * round, 2 + 2 * round);
        assert_eq!(
            h.take_sent(),
            vec!["40".to_owned(), format!(r#"42{a}["join_room","r1"]"#), format!(r#"42{b}["join_room","r2"]"#)]
        );
        // "Re-joined" means the server acked the joins: a resync after it cannot miss a message.
        h.frame(&format!("43{a}[]"));
        assert!(!h.events.iter().any(|e| matches!(e, Event::RoomsRejoined { .. })));
        h.frame(&format!("43{b}[]"));
        let events = h.take_events();
        assert!(events.contains(&Event::RoomsRejoined { rooms: vec!["r1".into(), "r2".into()] }));
        assert!(!events.iter().any(|e| matches!(e, Event::AckResult { .. })), "re-join acks are internal");
    }
}

#[test]
fn a_server_that_never_acks_joins_still_counts_as_rejoined() {
    let mut h = Harness::new(config());
    h.conn.join_room("r1", 0.0);
    h.connect_fully("s1");
    h.advance(1_999.0);
    assert!(!h.events.iter().any(|e| matches!(e, Event::RoomsRejoined { .. })));
    h.advance(1.0);
    assert!(h.take_events().contains(&Event::RoomsRejoined { rooms: vec!["r1".into()] }));
}

#[test]
fn events_replayed_before_the_connect_reply_are_delivered_after_it() {
    // A recovered session: socket.io replays the missed events first, then answers CONNECT.
    let mut h = Harness::new(config());
    h.conn.connect(0.0);
    h.drain();
    h.frame(OPEN);
    h.auth(None);
    h.frame(r#"42["new_message",{"id":"missed"},"off-9"]"#);
    h.frame(r#"40{"sid":"s1","pid":"p1"}"#);
    let events = h.take_events();
    let connect = events.iter().position(|e| matches!(e, Event::Connect { .. })).unwrap();
    let missed = events.iter().position(|e| matches!(e, Event::Message { name, .. } if name == "new_message")).unwrap();
    assert!(connect < missed, "{events:?}");
    assert!(!events.iter().any(|e| matches!(e, Event::Error(_))));
}

#[test]
fn connect_error_is_reported_and_never_retried() {
    let mut h = Harness::new(config());
    h.conn.connect(0.0);
    h.drain();
    h.frame(OPEN);
    h.auth(Some(json!({"token": "bad"})));
    h.frame(r#"44{"message":"invalid token","data":{"code":"AUTH"}}"#);
    assert_eq!(h.conn.status(), Status::Error);
    assert!(h
        .take_events()
        .contains(&Event::ConnectError { message: "invalid token".into(), data: Some(json!({"code":"AUTH"})) }));
    assert_eq!(h.conn.poll_timeout(), None, "nothing scheduled: no retry loop");
    h.advance(600_000.0);
    assert_eq!(h.opens, 1);
    // The app fixes the token and connects again.
    h.conn.connect(h.now);
    h.drain();
    assert_eq!(h.opens, 2);
    assert_eq!(h.auth_requests, 1);
    h.frame(OPEN);
    assert_eq!(h.auth_requests, 2, "the auth callback runs again so a refreshed token is used");
}

#[test]
fn server_disconnect_is_not_retried_but_transport_close_is() {
    let mut h = Harness::new(config());
    h.connect_fully("s1");
    h.frame("41");
    assert_eq!(h.conn.status(), Status::Disconnected);
    assert!(h.take_events().contains(&Event::Disconnect { reason: DisconnectReason::ServerDisconnect }));
    h.advance(60_000.0);
    assert_eq!(h.opens, 1);

    let mut h = Harness::new(config());
    h.connect_fully("s1");
    h.frame("1"); // Engine.IO close from the server (e.g. it is shutting down)
    assert_eq!(h.conn.status(), Status::Reconnecting);
    h.advance(2_000.0);
    assert_eq!(h.opens, 2);
}

#[test]
fn client_disconnect_stops_everything() {
    let mut h = Harness::new(config());
    h.connect_fully("s1");
    h.take_sent();
    h.conn.disconnect(h.now);
    h.drain();
    assert_eq!(h.take_sent(), vec!["41"]);
    assert_eq!(h.conn.status(), Status::Disconnected);
    assert_eq!(h.conn.poll_timeout(), None);
    // A late close event of the dropped transport changes nothing.
    h.conn.handle_transport_close(false, h.now);
    h.drain();
    h.advance(60_000.0);
    assert_eq!(h.opens, 1);
}

#[test]
fn acks_resolve_time_out_and_fail_on_disconnect() {
    let mut h = Harness::new(config());
    h.connect_fully("s1");
    h.take_sent();
    let a = h.conn.emit_with_ack("echo", vec![json!("hi")], None, h.now).unwrap();
    let b = h.conn.emit_with_ack("slow", vec![], Some(1000.0), h.now).unwrap();
    let c = h.conn.emit_with_ack("lost", vec![], None, h.now).unwrap();
    h.drain();
    assert_eq!(
        h.take_sent(),
        vec![format!(r#"42{a}["echo","hi"]"#), format!(r#"42{b}["slow"]"#), format!(r#"42{c}["lost"]"#)]
    );
    h.frame(&format!(r#"43{a}["hi"]"#));
    assert!(h.take_events().contains(&Event::AckResult { id: a, result: Ok(vec![json!("hi")]) }));
    h.advance(1000.0);
    assert!(h.take_events().contains(&Event::AckResult { id: b, result: Err(AckError::Timeout) }));
    h.frame(&format!(r#"43{b}["late"]"#));
    assert!(h.take_events().contains(&Event::Error(ConnectionError::UnknownAck(b))));
    h.conn.handle_transport_close(false, h.now);
    h.drain();
    assert!(h.take_events().contains(&Event::AckResult { id: c, result: Err(AckError::Disconnected) }));
}

#[test]
fn emits_while_disconnected_are_buffered_and_flushed_in_order() {
    let mut h = Harness::new(config());
    h.conn.emit("a", vec![json!(1)], 0.0).unwrap();
    let id = h.conn.emit_with_ack("b", vec![], None, 0.0).unwrap();
    h.conn.join_room("room", 0.0);
    assert_eq!(h.conn.buffered(), 2);
    h.connect_fully("s1");
    assert_eq!(
        h.take_sent(),
        vec!["40".to_owned(), r#"421["join_room","room"]"#.into(), r#"42["a",1]"#.into(), format!(r#"42{id}["b"]"#)]
    );
    h.frame(&format!(r#"43{id}[]"#));
    assert!(h.take_events().contains(&Event::AckResult { id, result: Ok(vec![]) }));
}

#[test]
fn buffering_can_be_turned_off() {
    let mut h = Harness::new(Config { buffer_when_disconnected: false, ..config() });
    assert_eq!(h.conn.emit("a", vec![], 0.0), Err(EmitError::NotConnected));
    assert_eq!(h.conn.buffered(), 0);
}

#[test]
fn the_buffer_is_bounded() {
    let mut h = Harness::new(Config { max_buffered: 2, ..config() });
    let first = h.conn.emit_with_ack("x", vec![], None, 0.0).unwrap();
    h.conn.emit("y", vec![], 0.0).unwrap();
    h.conn.emit("z", vec![], 0.0).unwrap();
    h.drain();
    assert_eq!(h.conn.buffered(), 2);
    let events = h.take_events();
    assert!(events.contains(&Event::Error(ConnectionError::BufferOverflow)));
    assert!(events.contains(&Event::AckResult { id: first, result: Err(AckError::Dropped) }));
}

#[test]
fn an_emit_after_the_heartbeat_expired_is_buffered_not_lost() {
    let mut h = Harness::new(config());
    h.connect_fully("s1");
    h.take_sent();
    // The laptop slept: no timer fired, the next thing the app does is emit.
    h.now += 120_000.0;
    h.conn.emit("after_sleep", vec![], h.now).unwrap();
    h.drain();
    assert!(h.take_sent().is_empty());
    assert_eq!(h.conn.buffered(), 1);
    assert_eq!(h.conn.status(), Status::Reconnecting);
    h.conn.handle_wake(h.now); // e.g. the tab became visible: retry at once
    h.drain();
    assert_eq!(h.opens, 2);
    h.frame(OPEN);
    h.auth(None);
    h.frame(r#"40{"sid":"s2"}"#);
    assert_eq!(h.take_sent(), vec!["40", r#"42["after_sleep"]"#]);
}

#[test]
fn reserved_and_oversized_emits_are_refused() {
    let mut h = Harness::new(config());
    assert_eq!(h.conn.emit("disconnect", vec![], 0.0), Err(EmitError::ReservedName("disconnect".into())));
    let big = "x".repeat(1_000_001);
    assert!(matches!(h.conn.emit("big", vec![json!(big)], 0.0), Err(EmitError::TooLarge { .. })));
}

#[test]
fn gives_up_after_the_configured_attempts() {
    let mut h = Harness::new(Config { reconnection_attempts: Some(2), ..config() });
    h.connect_fully("s1");
    for _ in 0..2 {
        h.conn.handle_transport_close(true, h.now);
        h.drain();
        h.advance(10_000.0);
    }
    h.conn.handle_transport_close(true, h.now);
    h.drain();
    assert!(h.take_events().contains(&Event::ReconnectFailed));
    assert_eq!(h.conn.status(), Status::Error);
    assert_eq!(h.opens, 3);
}

#[test]
fn a_handshake_that_never_completes_is_retried() {
    let mut h = Harness::new(Config { connect_timeout_ms: 5000.0, ..config() });
    h.conn.connect(0.0);
    h.drain();
    h.advance(5000.0);
    // A first connect moves on to polling at once, within the same attempt.
    assert_eq!((h.conn.status(), h.opens), (Status::Connecting, 2));
    h.advance(5000.0);
    assert_eq!(h.conn.status(), Status::Reconnecting);
    h.advance(2000.0);
    assert_eq!(h.opens, 3);
}

#[test]
fn uses_the_namespace_and_ignores_other_ones() {
    let mut h = Harness::new(Config { namespace: "/admin".into(), ..config() });
    h.conn.connect(0.0);
    h.drain();
    h.frame(OPEN);
    h.auth(Some(json!({"token": "t"})));
    assert_eq!(h.take_sent(), vec![r#"40/admin,{"token":"t"}"#]);
    h.frame(r#"40/admin,{"sid":"a1"}"#);
    assert_eq!(h.conn.status(), Status::Connected);
    h.frame(r#"42["root_event"]"#);
    h.frame(r#"42/admin,["admin_event",1]"#);
    let events = h.take_events();
    assert!(events.contains(&Event::Error(ConnectionError::WrongNamespace("/".into()))));
    assert!(events.contains(&Event::Message { name: "admin_event".into(), args: vec![json!(1)].into(), ack_id: None }));
    h.conn.emit("hi", vec![], h.now).unwrap();
    h.drain();
    assert_eq!(h.take_sent(), vec![r#"42/admin,["hi"]"#]);
}

#[test]
fn frames_larger_than_the_servers_max_payload_are_received() {
    // `maxPayload` bounds what the server accepts; engine.io-client never applies it to what it receives.
    let mut h = Harness::new(config());
    h.conn.connect(0.0);
    h.conn.handle_transport_open(0.0);
    h.frame(&OPEN.replace("1000000", "100000"));
    h.auth(None);
    h.frame(r#"40{"sid":"s1"}"#);
    h.take_events();
    let text = "x".repeat(1_500_000);
    h.frame(&format!(r#"42["new_message",{{"text":"{text}"}}]"#));
    let [Event::Message { name, args, .. }] = &h.take_events()[..] else { panic!("one message expected") };
    assert_eq!((name.as_str(), args.get(0).map(str::len)), ("new_message", Some(text.len() + 11)));
    // What we send is still held to it: the server would drop the connection.
    assert!(matches!(h.conn.emit("big", vec![json!("y".repeat(100_001))], h.now), Err(EmitError::TooLarge { .. })));
}

#[test]
fn lone_surrogate_escapes_reach_listeners_as_replacement_characters() {
    let mut h = Harness::new(config());
    h.connect_fully("s1");
    h.take_events();
    h.frame(r#"42["new_message",{"text":"cut \ud83d here","id":"m1"}]"#);
    let [Event::Message { args, .. }] = &h.take_events()[..] else { panic!("one message expected") };
    // Same length as the escape it replaces; a JS `JSON.parse` of it gives what the store decodes.
    assert_eq!(args.array_json(), r#"[{"text":"cut \ufffd here","id":"m1"}]"#);
}

#[test]
fn malformed_frames_are_reported_and_the_connection_stays_up() {
    let mut h = Harness::new(config());
    h.connect_fully("s1");
    h.take_events();
    for bad in ["", "x", "42[", "42{}", "45", "43", "4/x", "bAAA", r#"431["x"]"#] {
        h.frame(bad);
    }
    let errors = h.take_events().into_iter().filter(|e| matches!(e, Event::Error(_))).count();
    assert_eq!(errors, 9);
    assert_eq!(h.conn.status(), Status::Connected);
    h.frame(r#"42["ok"]"#);
    assert_eq!(h.take_events(), vec![Event::Message { name: "ok".into(), args: RawArgs::new(), ack_id: None }]);
}

#[test]
fn server_acks_are_answered() {
    let mut h = Harness::new(config());
    h.connect_fully("s1");
    h.take_sent();
    h.frame(r#"425["question"]"#);
    assert!(h.take_events().contains(&Event::Message {
        name: "question".into(),
        args: RawArgs::new(),
        ack_id: Some(5)
    }));
    h.conn.ack(5, vec![json!("answer")]);
    h.drain();
    assert_eq!(h.take_sent(), vec![r#"435["answer"]"#]);
}

#[test]
fn connection_state_recovery_sends_pid_and_offset() {
    let mut h = Harness::new(config());
    h.conn.connect(0.0);
    h.drain();
    h.frame(OPEN);
    h.auth(Some(json!({"token": "t"})));
    h.frame(r#"40{"sid":"s1","pid":"p1"}"#);
    h.frame(r#"42["new_message",{"id":"m1"},"off-1"]"#);
    h.frame(r#"42["new_message",{"id":"m2"},"off-2"]"#);
    h.take_sent();
    h.conn.handle_transport_close(false, h.now);
    h.drain();
    h.advance(2_000.0);
    h.frame(OPEN);
    h.auth(Some(json!({"token": "t"})));
    let connect = h.take_sent().pop().unwrap();
    let payload: Map = inbox_realtime::json::from_str(&connect[2..]).unwrap().as_object().unwrap().clone();
    assert_eq!(payload.get("pid"), Some(&json!("p1")));
    assert_eq!(payload.get("offset"), Some(&json!("off-2")));
    assert_eq!(payload.get("token"), Some(&json!("t")));
    h.frame(r#"40{"sid":"s2","pid":"p1"}"#);
    assert!(h.take_events().contains(&Event::Connect { sid: "s2".into(), recovered: true }));
    // Recovered: the offset still stands for the next loss, though no event came since.
    let reconnect = |h: &mut Harness| {
        h.conn.handle_transport_close(false, h.now);
        h.drain();
        h.advance(10_000.0);
        h.frame(OPEN);
        h.auth(None);
        let connect = h.take_sent().pop().unwrap();
        match &connect[2..] {
            "" => Map::new(),
            payload => inbox_realtime::json::from_str(payload).unwrap().as_object().unwrap().clone(),
        }
    };
    let payload = reconnect(&mut h);
    assert_eq!((payload.get("pid"), payload.get("offset")), (Some(&json!("p1")), Some(&json!("off-2"))));
    // Not recovered (a new pid): the old offset means nothing to the server, so no recovery is asked until an
    // event of the new session brings one.
    h.frame(r#"40{"sid":"s3","pid":"p2"}"#);
    assert!(h.take_events().contains(&Event::Connect { sid: "s3".into(), recovered: false }));
    assert_eq!(reconnect(&mut h), Map::new());
}

#[test]
fn offline_reports_at_once_and_online_retries_at_once() {
    let mut h = Harness::new(config());
    h.connect_fully("s1");
    h.conn.handle_offline(h.now);
    h.drain();
    assert!(h.take_events().contains(&Event::Disconnect { reason: DisconnectReason::Offline }));
    assert_eq!(h.conn.status(), Status::Reconnecting);
    h.conn.handle_wake(h.now + 10.0);
    h.drain();
    assert_eq!(h.opens, 2);
}

#[test]
fn falls_back_to_polling_when_websocket_cannot_even_open() {
    let mut h = Harness::new(config());
    h.conn.connect(0.0);
    h.drain();
    // The WebSocket handshake is refused (a proxy blocking upgrades): no Engine.IO OPEN ever arrived.
    h.conn.handle_transport_close(true, h.now);
    h.drain();
    // Polling is opened at once, as part of the same (first) attempt: still `connecting`, no reconnect events.
    assert_eq!(h.opened, vec![TransportKind::WebSocket, TransportKind::Polling], "polling opened at once");
    assert_eq!(h.conn.status(), Status::Connecting);
    h.conn.handle_transport_open(h.now);
    h.frame(OPEN);
    h.auth(None);
    h.frame(r#"40{"sid":"s1"}"#);
    let events = h.take_events();
    let statuses: Vec<&Event> = events.iter().filter(|e| matches!(e, Event::Status(_))).collect();
    assert_eq!(statuses, [&Event::Status(Status::Connecting), &Event::Status(Status::Connected)]);
    assert!(!events.iter().any(|e| matches!(e, Event::ReconnectAttempt { .. } | Event::Reconnect { .. })));
    // A polling failure after the fall-back is a failed attempt, retried with backoff.
    let mut h = Harness::new(config());
    h.conn.connect(0.0);
    h.conn.handle_transport_close(true, 0.0);
    h.conn.handle_transport_close(true, 0.0);
    h.drain();
    assert_eq!(h.conn.status(), Status::Reconnecting);
    assert_eq!(h.opened.len(), 2);
    // Once connected over a transport, a later drop does not switch it.
    let mut h = Harness::new(config());
    h.connect_fully("s1");
    h.conn.handle_transport_close(false, h.now);
    h.drain();
    h.advance(2_000.0);
    assert_eq!(h.opened, vec![TransportKind::WebSocket, TransportKind::WebSocket]);
}

#[test]
fn polling_only_opens_the_polling_endpoint() {
    let mut conn = Connection::new(Config { transports: vec![TransportKind::Polling], ..config() }, 1);
    conn.connect(0.0);
    assert_eq!(
        conn.poll_action(),
        Some(Action::Open {
            url: "http://127.0.0.1:3210/socket.io/?EIO=4&transport=polling".into(),
            transport: TransportKind::Polling
        })
    );
}

#[test]
fn upgrades_from_polling_to_websocket_with_a_probe() {
    let polling_first = Config { transports: vec![TransportKind::Polling, TransportKind::WebSocket], ..config() };
    let open =
        r#"0{"sid":"eio9","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;
    let mut h = Harness::new(polling_first.clone());
    h.conn.connect(0.0);
    h.drain();
    h.frame(open);
    h.auth(None);
    h.frame(r#"40{"sid":"s1"}"#);
    assert_eq!(
        h.probe_actions,
        vec![Action::OpenProbe { url: "ws://127.0.0.1:3210/socket.io/?EIO=4&transport=websocket&sid=eio9".into() }]
    );
    h.probe_actions.clear();
    h.conn.handle_probe_open(h.now);
    h.drain();
    assert_eq!(h.probe_actions, vec![Action::SendProbe("2probe".into())]);
    h.probe_actions.clear();
    h.conn.handle_probe_frame("3probe", h.now);
    h.drain();
    assert_eq!(h.probe_actions, vec![Action::Upgrade]);
    assert_eq!(h.conn.transport(), TransportKind::WebSocket);
    assert_eq!(h.conn.status(), Status::Connected, "the upgrade is invisible to the app");

    // A failed probe (a proxy blocking WebSocket) keeps polling and is not retried.
    let mut h = Harness::new(polling_first);
    h.conn.connect(0.0);
    h.drain();
    h.frame(open);
    h.auth(None);
    h.frame(r#"40{"sid":"s1"}"#);
    h.conn.handle_probe_close(h.now);
    h.drain();
    assert_eq!(h.probe_actions.last(), Some(&Action::CloseProbe));
    assert_eq!(h.conn.transport(), TransportKind::Polling);
    h.probe_actions.clear();
    h.conn.handle_transport_close(false, h.now);
    h.drain();
    h.advance(2_000.0);
    h.frame(open);
    h.auth(None);
    h.frame(r#"40{"sid":"s2"}"#);
    assert!(h.probe_actions.is_empty(), "no second probe: {:?}", h.probe_actions);
    assert_eq!(h.conn.status(), Status::Connected);
}

#[test]
fn a_probe_that_never_answers_times_out() {
    let mut h = Harness::new(Config { transports: vec![TransportKind::Polling, TransportKind::WebSocket], ..config() });
    h.conn.connect(0.0);
    h.drain();
    h.frame(r#"0{"sid":"e","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000}"#);
    h.auth(None);
    h.frame(r#"40{"sid":"s1"}"#);
    h.conn.handle_probe_open(h.now);
    h.frame("2"); // keep the heartbeat alive on polling
    h.advance(10_000.0);
    assert_eq!(h.probe_actions.last(), Some(&Action::CloseProbe));
    assert_eq!(h.conn.transport(), TransportKind::Polling);
    assert_eq!(h.conn.status(), Status::Connected);
}

/// socket.io-client's `connect_error` for every failed attempt, network ones included (retried), and
/// `reconnect_error` for failed reconnect attempts.
#[test]
fn failed_attempts_report_connect_error_and_are_retried() {
    let mut h = Harness::new(Config { transports: vec![TransportKind::WebSocket], ..config() });
    h.conn.connect(0.0);
    h.conn.handle_transport_close(true, 0.0); // refused: nothing listens
    h.drain();
    let connect_error = |m: &str| Event::ConnectError { message: m.into(), data: None };
    let events = h.take_events();
    assert!(events.contains(&connect_error("websocket error")), "{events:?}");
    assert!(!events.iter().any(|e| matches!(e, Event::ReconnectError { .. })), "the first attempt is no reconnect");
    assert_eq!(h.conn.status(), Status::Reconnecting);
    // The retry opens, then its handshake never completes: "timeout", and now a reconnect_error too.
    let at = h.conn.poll_timeout().unwrap();
    h.advance(at - h.now);
    h.take_events();
    h.advance(20_000.0);
    let events = h.take_events();
    assert!(events.contains(&connect_error("timeout")), "{events:?}");
    assert!(events.contains(&Event::ReconnectError { message: "timeout".into() }), "{events:?}");
    assert_eq!(h.conn.status(), Status::Reconnecting);
    // Over polling the message names it.
    let mut h = Harness::new(Config { transports: vec![TransportKind::Polling], ..config() });
    h.conn.connect(0.0);
    h.conn.handle_transport_close(true, 0.0);
    h.drain();
    assert!(h.take_events().contains(&connect_error("xhr poll error")));
}

#[test]
fn an_incompatible_v2_server_is_a_connect_error_not_retried() {
    let mut h = Harness::new(config());
    h.conn.connect(0.0);
    h.conn.handle_transport_open(0.0);
    h.frame(OPEN);
    h.auth(None);
    h.frame("40"); // a v2 server's CONNECT reply: no sid
    let events = h.take_events();
    assert!(
        events.iter().any(|e| matches!(e, Event::ConnectError { message, .. } if message.contains("v2.x"))),
        "{events:?}"
    );
    assert_eq!(h.conn.status(), Status::Error);
    assert_eq!(h.conn.poll_timeout(), None, "no retry scheduled");
    assert_eq!(h.closes, 1);
}

#[test]
fn reconnect_comes_before_connect() {
    let mut h = Harness::new(config());
    h.connect_fully("s1");
    h.conn.handle_transport_close(false, h.now);
    h.drain();
    h.advance(2_000.0);
    h.take_events();
    h.conn.handle_transport_open(h.now);
    h.frame(OPEN);
    h.auth(None);
    h.frame(r#"40{"sid":"s2"}"#);
    let order: Vec<&str> = h
        .take_events()
        .iter()
        .filter_map(|e| match e {
            Event::Reconnect { .. } => Some("reconnect"),
            Event::Connect { .. } => Some("connect"),
            _ => None,
        })
        .collect();
    assert_eq!(order, ["reconnect", "connect"]);
}

#[test]
fn a_failed_auth_callback_sends_no_connect() {
    let mut h = Harness::new(config());
    h.conn.connect(0.0);
    h.conn.handle_transport_open(0.0);
    h.frame(OPEN);
    h.take_sent();
    h.conn.handle_auth_error("auth callback failed: no token".into(), h.now);
    h.drain();
    assert!(h.take_sent().is_empty(), "no CONNECT with empty credentials");
    assert!(h
        .take_events()
        .contains(&Event::ConnectError { message: "auth callback failed: no token".into(), data: None }));
    assert_eq!(h.conn.status(), Status::Error);
    assert_eq!(h.closes, 1);
    assert_eq!(h.conn.poll_timeout(), None);
}

#[test]
fn volatile_emits_are_dropped_while_disconnected_not_buffered() {
    let mut h = Harness::new(config());
    assert_eq!(h.conn.emit_volatile("typing", vec![json!(true)], 0.0), Ok(false));
    assert_eq!(h.conn.buffered(), 0);
    h.connect_fully("s1");
    h.take_sent();
    assert_eq!(h.conn.emit_volatile("typing", vec![json!(true)], h.now), Ok(true));
    h.drain();
    assert_eq!(h.take_sent(), vec![r#"42["typing",true]"#]);
}

#[test]
fn reconnection_can_be_switched_off_while_waiting() {
    let mut h = Harness::new(config());
    h.connect_fully("s1");
    h.conn.handle_transport_close(false, h.now);
    h.drain();
    assert_eq!(h.conn.status(), Status::Reconnecting);
    h.conn.set_reconnection(false, h.now);
    h.drain();
    assert_eq!((h.conn.status(), h.conn.poll_timeout()), (Status::Disconnected, None));
    h.advance(10_000.0);
    assert_eq!(h.opens, 1, "no attempt after switching reconnection off");
    h.conn.set_reconnection(true, h.now);
    h.conn.connect(h.now);
    h.drain();
    assert_eq!(h.opens, 2);
}

/// socket.io-client's `retries`: one emit on the wire at a time, resent after an ack timeout or a lost connection,
/// given up after `retries` more tries; the app's ack settles once.
#[test]
fn retries_send_one_at_a_time_and_resend_until_acked() {
    let mut h = Harness::new(Config { retries: 2, ack_timeout_ms: 1000.0, ..config() });
    let first = h.conn.emit_with_ack("save", vec![json!(1)], None, 0.0).unwrap();
    h.conn.emit("save", vec![json!(2)], 0.0).unwrap();
    assert_eq!(h.conn.queued(), 2);
    h.connect_fully("s1");
    let sent = h.take_sent();
    let saves: Vec<&String> = sent.iter().filter(|f| f.contains("save")).collect();
    assert_eq!(saves.len(), 1, "one at a time: {sent:?}");
    let wire_id = |frame: &str| frame[2..frame.find('[').unwrap()].to_owned();
    let id1 = wire_id(saves[0]);
    // No ack within 1 s: sent again with a new ack id.
    h.advance(1000.0);
    let again: Vec<String> = h.take_sent();
    assert_eq!(again.len(), 1, "{again:?}");
    assert!(again[0].ends_with(r#"["save",1]"#) && wire_id(&again[0]) != id1, "{again:?}");
    // The connection drops: that try fails too, and after the reconnect it goes out a third (last) time.
    h.conn.handle_transport_close(false, h.now);
    h.drain();
    h.advance(2000.0);
    h.conn.handle_transport_open(h.now);
    h.frame(OPEN);
    h.auth(None);
    h.frame(r#"40{"sid":"s2"}"#);
    let third: Vec<String> = h.take_sent().into_iter().filter(|f| f.contains("save")).collect();
    assert_eq!(third.len(), 1, "{third:?}");
    let id3 = wire_id(&third[0]);
    h.take_events();
    h.frame(&format!(r#"43{id3}["ok"]"#));
    assert!(h.take_events().contains(&Event::AckResult { id: first, result: Ok(vec![json!("ok")]) }));
    // Then the second emit goes out; unanswered three times, it is given up (no app ack to settle).
    let next: Vec<String> = h.take_sent();
    assert!(next.len() == 1 && next[0].ends_with(r#"["save",2]"#), "{next:?}");
    h.advance(1000.0);
    h.advance(1000.0);
    assert_eq!(h.conn.queued(), 1);
    h.advance(1000.0);
    assert_eq!(h.conn.queued(), 0);
    assert_eq!(h.take_sent().len(), 2, "two more tries, then given up");
}
