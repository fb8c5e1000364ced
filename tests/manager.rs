//! Several namespaces over one Engine.IO session (socket.io-client's Manager), on a virtual clock: what goes on
//! the wire, when the session opens and closes, and which socket hears what.
#![cfg(not(target_arch = "wasm32"))]

use inbox_realtime::connection::{Action, Config, DisconnectReason, Event, Manager, SocketId, Status};
use inbox_realtime::json::{Map, Value};

const OPEN: &str = r#"0{"sid":"eio1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;

struct Harness {
    m: Manager,
    now: f64,
    sent: Vec<String>,
    events: Vec<(Option<SocketId>, Event)>,
    opens: usize,
    closes: usize,
    auth_requests: Vec<SocketId>,
}

impl Harness {
    fn new() -> Self {
        Harness {
            m: Manager::new(config(), 7),
            now: 0.0,
            sent: vec![],
            events: vec![],
            opens: 0,
            closes: 0,
            auth_requests: vec![],
        }
    }

    fn socket(&mut self, namespace: &str) -> SocketId {
        self.m.add_socket(namespace, &config())
    }

    fn drain(&mut self) {
        while let Some(action) = self.m.poll_action() {
            match action {
                Action::Open { .. } => self.opens += 1,
                Action::Close => self.closes += 1,
                Action::Send(frame) => self.sent.push(frame),
                Action::RequestAuth(id) => self.auth_requests.push(id),
                _ => {}
            }
        }
        while let Some(event) = self.m.poll_event() {
            self.events.push(event);
        }
    }

    fn frame(&mut self, text: &str) {
        self.m.handle_frame(text, self.now);
        self.drain();
    }

    /// Answers every pending auth request with `{"token": <namespace>}`, in order.
    fn answer_auth(&mut self) {
        for id in std::mem::take(&mut self.auth_requests) {
            let mut auth = Map::new();
            auth.insert("token".into(), Value::String(self.m.namespace(id).unwrap().to_owned()));
            self.m.handle_auth(id, Some(auth), self.now);
            self.drain();
        }
    }

    fn connect(&mut self, id: SocketId) {
        self.m.connect(id, self.now);
        self.drain();
    }

    fn advance(&mut self, ms: f64) {
        let end = self.now + ms;
        while let Some(deadline) = self.m.poll_timeout() {
            if deadline > end {
                break;
            }
            self.now = self.now.max(deadline);
            self.m.handle_timeout(self.now);
            self.drain();
        }
        self.now = end;
    }

    fn take_sent(&mut self) -> Vec<String> {
        std::mem::take(&mut self.sent)
    }

    fn take_events(&mut self) -> Vec<(Option<SocketId>, Event)> {
        std::mem::take(&mut self.events)
    }

    /// Opens the session with `/` connected over it.
    fn root_connected() -> (Self, SocketId) {
        let mut h = Harness::new();
        let root = h.socket("/");
        h.connect(root);
        h.frame(OPEN);
        h.answer_auth();
        h.frame(r#"40{"sid":"r1"}"#);
        h.take_sent();
        (h, root)
    }

    /// Opens the session with `/` and `/admin` connected over it.
    fn two_connected() -> (Self, SocketId, SocketId) {
        let mut h = Harness::new();
        let (root, admin) = (h.socket("/"), h.socket("/admin"));
        h.connect(root);
        h.connect(admin);
        h.frame(OPEN);
        h.answer_auth();
        h.frame(r#"40{"sid":"r1"}"#);
        h.frame(r#"40/admin,{"sid":"a1"}"#);
        h.take_sent();
        h.take_events();
        (h, root, admin)
    }
}

fn config() -> Config {
    Config::new("http://127.0.0.1:3210")
}

fn connect_of(events: &[(Option<SocketId>, Event)], id: SocketId) -> usize {
    events.iter().filter(|(s, e)| *s == Some(id) && matches!(e, Event::Connect { .. })).count()
}

#[test]
fn two_namespaces_share_one_engine_io_session() {
    let mut h = Harness::new();
    let (root, admin) = (h.socket("/"), h.socket("/admin"));
    assert_eq!(h.socket("/admin"), admin, "one socket per namespace");
    h.connect(root);
    h.connect(admin);
    assert_eq!(h.opens, 1, "one transport for both");
    h.frame(OPEN);
    assert_eq!(h.auth_requests, vec![root, admin], "each namespace runs its own auth");
    h.answer_auth();
    assert_eq!(h.take_sent(), vec![r#"40{"token":"/"}"#, r#"40/admin,{"token":"/admin"}"#]);
    h.frame(r#"40/admin,{"sid":"a1"}"#);
    assert_eq!((h.m.status(root), h.m.status(admin)), (Status::Connecting, Status::Connected));
    h.frame(r#"40{"sid":"r1"}"#);
    assert_eq!((h.m.sid(root), h.m.sid(admin)), (Some("r1"), Some("a1")));
    // Packets go to the socket of their namespace, and so do acks (ids are per socket).
    h.take_events();
    h.frame(r#"42/admin,["audit",1]"#);
    h.frame(r#"42["chat",2]"#);
    let names: Vec<(Option<SocketId>, String)> = h
        .take_events()
        .into_iter()
        .filter_map(|(s, e)| match e {
            Event::Message { name, .. } => Some((s, name)),
            _ => None,
        })
        .collect();
    assert_eq!(names, vec![(Some(admin), "audit".to_owned()), (Some(root), "chat".to_owned())]);
    let a = h.m.emit_with_ack(admin, "save", vec![], None, h.now).unwrap();
    let r = h.m.emit_with_ack(root, "save", vec![], None, h.now).unwrap();
    h.drain();
    assert_eq!(h.take_sent(), vec![format!(r#"42/admin,{a}["save"]"#), format!(r#"42{r}["save"]"#)]);
    h.frame(&format!(r#"43/admin,{a}["ok"]"#));
    let events = h.take_events();
    assert!(matches!(&events[..], [(Some(s), Event::AckResult { result: Ok(_), .. })] if *s == admin), "{events:?}");
}

#[test]
fn a_namespace_opened_later_reuses_the_session() {
    // socket.io-client: "should connect to a namespace after connection established".
    let (mut h, root) = Harness::root_connected();
    let admin = h.socket("/admin");
    h.connect(admin);
    h.connect(admin);
    assert_eq!(h.opens, 1, "no second transport");
    h.answer_auth();
    assert_eq!(h.take_sent(), vec![r#"40/admin,{"token":"/admin"}"#], "one CONNECT, however often connect() is called");
    h.frame(r#"40/admin,{"sid":"a1"}"#);
    assert_eq!(h.m.status(admin), Status::Connected);
    h.connect(admin);
    h.connect(root);
    assert!(h.take_sent().is_empty() && h.auth_requests.is_empty(), "connected sockets are left alone");
}

#[test]
fn disconnecting_one_namespace_keeps_the_other_and_the_last_closes_the_session() {
    let (mut h, root, admin) = Harness::two_connected();
    h.m.disconnect(admin, h.now);
    h.drain();
    assert_eq!(h.take_sent(), vec!["41/admin,"], "a DISCONNECT for that namespace only");
    assert_eq!(h.closes, 0);
    assert_eq!((h.m.status(root), h.m.status(admin)), (Status::Connected, Status::Disconnected));
    let events = h.take_events();
    assert!(events.contains(&(Some(admin), Event::Disconnect { reason: DisconnectReason::ClientDisconnect })));
    assert!(!events.iter().any(|(_, e)| matches!(e, Event::SessionClose { .. })), "{events:?}");
    h.frame(r#"42["still",1]"#);
    assert!(h.take_events().iter().any(|(s, e)| *s == Some(root) && matches!(e, Event::Message { .. })));
    // socket.io-client closes the session once no socket uses it.
    h.m.disconnect(root, h.now);
    h.drain();
    assert_eq!((h.take_sent(), h.closes), (vec!["41".to_owned()], 1));
    assert!(h.take_events().contains(&(None, Event::SessionClose { reason: "forced close" })));
    h.advance(60_000.0);
    assert_eq!(h.opens, 1, "no reconnect after the app closed everything");
}

#[test]
fn a_server_disconnect_or_connect_error_of_one_namespace_leaves_the_other_alone() {
    let (mut h, root, admin) = Harness::two_connected();
    h.frame("41/admin,");
    assert_eq!((h.m.status(root), h.m.status(admin)), (Status::Connected, Status::Disconnected));
    assert_eq!(h.closes, 0);
    // The app connects it again; the server refuses this time.
    h.connect(admin);
    h.answer_auth();
    h.frame(r#"44/admin,{"message":"not allowed"}"#);
    assert_eq!((h.m.status(root), h.m.status(admin)), (Status::Connected, Status::Error));
    let events = h.take_events();
    assert!(events.contains(&(Some(admin), Event::ConnectError { message: "not allowed".into(), data: None })));
    assert!(!events.iter().any(|(s, _)| *s == Some(root)), "{events:?}");
    assert_eq!(h.closes, 0);
    h.advance(30_000.0);
    assert_eq!((h.opens, h.m.status(root)), (1, Status::Connected));
}

#[test]
fn after_a_lost_session_every_namespace_reconnects_with_its_auth_and_rejoins_its_rooms() {
    let (mut h, root, admin) = Harness::two_connected();
    h.m.join_room(root, "r-room", h.now);
    h.m.join_room(admin, "a-room", h.now);
    h.drain();
    h.take_sent();
    h.m.handle_transport_close(true, h.now);
    h.drain();
    let events = h.take_events();
    assert_eq!(events.iter().filter(|(_, e)| matches!(e, Event::Disconnect { .. })).count(), 2, "{events:?}");
    assert!(events.contains(&(None, Event::SessionClose { reason: "transport error" })), "{events:?}");
    assert_eq!((h.m.status(root), h.m.status(admin)), (Status::Reconnecting, Status::Reconnecting));
    h.advance(2000.0);
    assert_eq!(h.opens, 2, "one session for both again");
    h.frame(OPEN);
    h.answer_auth();
    assert_eq!(h.take_sent(), vec![r#"40{"token":"/"}"#, r#"40/admin,{"token":"/admin"}"#]);
    h.frame(r#"40/admin,{"sid":"a2"}"#);
    h.frame(r#"40{"sid":"r2"}"#);
    let sent = h.take_sent();
    assert!(sent.iter().any(|f| f.starts_with("42/admin,") && f.ends_with(r#"["join_room","a-room"]"#)), "{sent:?}");
    assert!(sent.iter().any(|f| f.starts_with("420") && f.ends_with(r#"["join_room","r-room"]"#)), "{sent:?}");
    let events = h.take_events();
    assert!(events.contains(&(None, Event::SessionOpen)), "{events:?}");
    let reconnects = events.iter().filter(|(s, e)| s.is_none() && matches!(e, Event::Reconnect { .. })).count();
    assert_eq!((reconnects, connect_of(&events, root), connect_of(&events, admin)), (1, 1, 1), "{events:?}");
}

#[test]
fn a_namespace_opened_after_the_session_closed_opens_a_new_one() {
    // socket.io-client: "should open a new namespace after connection gets closed".
    let (mut h, root, admin) = Harness::two_connected();
    h.m.disconnect(root, h.now);
    h.m.disconnect(admin, h.now);
    h.drain();
    assert_eq!(h.closes, 1);
    let other = h.socket("/other");
    h.connect(other);
    assert_eq!(h.opens, 2);
    h.frame(OPEN);
    h.answer_auth();
    h.frame(r#"40/other,{"sid":"o1"}"#);
    assert_eq!(h.m.status(other), Status::Connected);
}

#[test]
fn a_slow_namespace_does_not_take_down_a_working_session() {
    let (mut h, root) = Harness::root_connected();
    let slow = h.socket("/slow");
    h.connect(slow);
    h.answer_auth();
    h.advance(40_000.0); // past the 20 s connect timeout, within the heartbeat
    assert_eq!((h.m.status(root), h.m.status(slow)), (Status::Connected, Status::Connecting));
    assert_eq!(h.closes, 0);
    // Alone, a namespace whose CONNECT is never answered fails the attempt (as a single-namespace client does).
    let mut h = Harness::new();
    let slow = h.socket("/slow");
    h.connect(slow);
    h.frame(OPEN);
    h.answer_auth();
    h.advance(20_000.0);
    assert_eq!((h.m.status(slow), h.closes), (Status::Reconnecting, 1));
}

#[test]
fn manager_open_and_close() {
    let mut h = Harness::new();
    h.m.open(h.now);
    h.drain();
    h.frame(OPEN);
    assert!(h.m.is_open());
    let root = h.socket("/");
    h.connect(root);
    h.answer_auth();
    h.frame(r#"40{"sid":"r1"}"#);
    h.m.close(h.now);
    h.drain();
    assert_eq!((h.m.status(root), h.m.is_open(), h.closes), (Status::Disconnected, false, 1));
}
