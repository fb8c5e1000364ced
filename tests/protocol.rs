//! Codec tests: known frames from a stock socket.io 4.8 server, round trips, and malformed input.
#![cfg(not(target_arch = "wasm32"))] // native: proptest and a virtual clock

use inbox_realtime::json::Value;
use inbox_realtime::protocol::{
    encode_frame, join_payload, split_payload, DecodeError, EnginePacket, OpenInfo, RawArgs, SocketPacket,
};
use proptest::prelude::*;

/// `serde_json::json!` syntax, converted to the crate's JSON value through its text.
macro_rules! json {
    ($($t:tt)+) => {
        inbox_realtime::json::from_str(&serde_json::json!($($t)+).to_string()).unwrap()
    };
}

/// One row of a malformed-input table: name, input, and the check the error must pass.
type Row = (&'static str, String, fn(&DecodeError) -> bool);

#[test]
fn decodes_the_open_handshake_of_a_stock_server() {
    let frame = r#"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;
    let packet = EnginePacket::decode(frame).unwrap();
    assert_eq!(
        packet,
        EnginePacket::Open(OpenInfo {
            sid: "lv_VI97HAXpY6yYWAAAC".into(),
            upgrades: vec![],
            ping_interval: 25000,
            ping_timeout: 20000,
            max_payload: 1_000_000,
        })
    );
}

#[test]
fn engine_packets_round_trip() {
    for packet in [
        EnginePacket::Close,
        EnginePacket::Ping(String::new()),
        EnginePacket::Ping("probe".into()),
        EnginePacket::Pong(String::new()),
        EnginePacket::Message("2[\"a\"]".into()),
        EnginePacket::Upgrade,
        EnginePacket::Noop,
    ] {
        assert_eq!(EnginePacket::decode(&packet.encode()).unwrap(), packet);
    }
}

#[test]
fn decodes_socket_packets_as_the_reference_parser_writes_them() {
    let cases: Vec<(&str, SocketPacket)> = vec![
        ("0", SocketPacket::Connect { namespace: "/".into(), payload: None }),
        (
            r#"0{"sid":"abc","pid":"p1"}"#,
            SocketPacket::Connect { namespace: "/".into(), payload: Some(json!({"sid":"abc","pid":"p1"})) },
        ),
        (
            r#"0/admin,{"token":"t"}"#,
            SocketPacket::Connect { namespace: "/admin".into(), payload: Some(json!({"token":"t"})) },
        ),
        ("1", SocketPacket::Disconnect { namespace: "/".into() }),
        ("1/admin,", SocketPacket::Disconnect { namespace: "/admin".into() }),
        (
            r#"2["hello",1,{"a":true}]"#,
            SocketPacket::Event {
                namespace: "/".into(),
                id: None,
                name: "hello".into(),
                args: vec![json!(1), json!({"a":true})].into(),
            },
        ),
        (
            r#"2/admin,456["project:delete",123]"#,
            SocketPacket::Event {
                namespace: "/admin".into(),
                id: Some(456),
                name: "project:delete".into(),
                args: vec![json!(123)].into(),
            },
        ),
        (r#"312["ok"]"#, SocketPacket::Ack { namespace: "/".into(), id: 12, args: vec![json!("ok")].into() }),
        (r#"3/admin,0[]"#, SocketPacket::Ack { namespace: "/admin".into(), id: 0, args: RawArgs::new() }),
        (
            r#"4{"message":"invalid token","data":{"code":"AUTH"}}"#,
            SocketPacket::ConnectError {
                namespace: "/".into(),
                message: "invalid token".into(),
                data: Some(json!({"code":"AUTH"})),
            },
        ),
        (
            r#"4/secure,{"message":"nope"}"#,
            SocketPacket::ConnectError { namespace: "/secure".into(), message: "nope".into(), data: None },
        ),
    ];
    for (text, expected) in cases {
        let decoded = SocketPacket::decode(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(decoded, expected, "decoding {text}");
        assert_eq!(SocketPacket::decode(&decoded.encode()).unwrap(), expected, "round trip of {text}");
    }
}

#[test]
fn encodes_what_a_stock_server_expects() {
    let event = SocketPacket::Event {
        namespace: "/".into(),
        id: Some(7),
        name: "join_room".into(),
        args: vec![json!("r1")].into(),
    };
    assert_eq!(encode_frame(&event), r#"427["join_room","r1"]"#);
    let connect = SocketPacket::Connect { namespace: "/admin".into(), payload: Some(json!({"token":"x"})) };
    assert_eq!(encode_frame(&connect), r#"40/admin,{"token":"x"}"#);
    assert_eq!(encode_frame(&SocketPacket::Connect { namespace: "/".into(), payload: None }), "40");
}

#[test]
fn the_ack_id_is_read_exactly() {
    // Guards the ack-id parse: an off-by-one here routes ack results to the wrong callback.
    for id in [0u64, 1, 9, 10, 99, 12345, (1 << 53) - 1] {
        let text = format!("3{id}[\"x\"]");
        match SocketPacket::decode(&text).unwrap() {
            SocketPacket::Ack { id: got, args, .. } => {
                assert_eq!(got, id);
                assert_eq!(args.values(), vec![json!("x")]);
                assert_eq!(args.get(0), Some(r#""x""#));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn polling_payloads_split_and_join() {
    let frames = ["0{}", "40", "42[\"a\"]"];
    let payload = join_payload(frames);
    assert_eq!(payload, "0{}\u{1e}40\u{1e}42[\"a\"]");
    assert_eq!(split_payload(&payload).collect::<Vec<_>>(), frames);
}

/// Malformed frames and the typed error each must produce. Add rows as new attacks are found.
#[test]
fn malformed_input_table() {
    let deep = format!("2[\"e\",{}{}]", "[".repeat(10_000), "]".repeat(10_000));
    let socket_rows: Vec<Row> = vec![
        ("empty", String::new(), |e| matches!(e, DecodeError::Empty)),
        ("unknown type", "9".into(), |e| matches!(e, DecodeError::UnknownSocketType('9'))),
        ("binary event", "51-[\"a\",{\"_placeholder\":true,\"num\":0}]".into(), |e| {
            matches!(e, DecodeError::BinaryUnsupported)
        }),
        ("binary ack", "61-0[]".into(), |e| matches!(e, DecodeError::BinaryUnsupported)),
        ("non-JSON", "2[\"a\",".into(), |e| matches!(e, DecodeError::InvalidJson(_))),
        ("truncated", "2[\"hel".into(), |e| matches!(e, DecodeError::InvalidJson(_))),
        ("event not array", "2{\"a\":1}".into(), |e| matches!(e, DecodeError::InvalidShape { .. })),
        ("event without name", "2[]".into(), |e| matches!(e, DecodeError::InvalidShape { .. })),
        ("event name not string", "2[1,2]".into(), |e| matches!(e, DecodeError::InvalidShape { .. })),
        ("ack without id", "3[]".into(), |e| matches!(e, DecodeError::InvalidShape { .. })),
        ("ack not array", "31{}".into(), |e| matches!(e, DecodeError::InvalidShape { .. })),
        ("ack id overflow", "399999999999999999999[]".into(), |e| matches!(e, DecodeError::BadAckId)),
        ("ack id above 2^53", "39007199254740993[]".into(), |e| matches!(e, DecodeError::BadAckId)),
        ("namespace unterminated", "2/admin[\"a\"]".into(), |e| matches!(e, DecodeError::BadNamespace)),
        ("connect error without message", "4{\"data\":1}".into(), |e| matches!(e, DecodeError::InvalidShape { .. })),
        ("connect error number", "42".into(), |e| matches!(e, DecodeError::InvalidShape { .. })),
        ("deeply nested JSON", deep, |e| matches!(e, DecodeError::InvalidJson(_))),
    ];
    for (name, text, expected) in socket_rows {
        let err = SocketPacket::decode(&text).expect_err(name);
        assert!(expected(&err), "{name}: got {err:?}");
    }

    let engine_rows: Vec<Row> = vec![
        ("empty", String::new(), |e| matches!(e, DecodeError::Empty)),
        ("unknown type", "x".into(), |e| matches!(e, DecodeError::UnknownEngineType('x'))),
        ("binary", "bAAEC".into(), |e| matches!(e, DecodeError::BinaryUnsupported)),
        ("open not JSON", "0{".into(), |e| matches!(e, DecodeError::InvalidShape { .. })),
        ("open wrong types", "0{\"sid\":1,\"pingInterval\":\"a\",\"pingTimeout\":1}".into(), |e| {
            matches!(e, DecodeError::InvalidShape { .. })
        }),
    ];
    for (name, text, expected) in engine_rows {
        let err = EnginePacket::decode(&text).expect_err(name);
        assert!(expected(&err), "{name}: got {err:?}");
    }
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|n| json!(n)),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn arb_namespace() -> impl Strategy<Value = String> {
    prop_oneof![Just("/".to_owned()), "/[a-z]{1,8}".prop_map(|s| s)]
}

fn arb_packet() -> impl Strategy<Value = SocketPacket> {
    prop_oneof![
        (arb_namespace(), prop::option::of(arb_json().prop_filter("object", Value::is_object)))
            .prop_map(|(namespace, payload)| SocketPacket::Connect { namespace, payload }),
        arb_namespace().prop_map(|namespace| SocketPacket::Disconnect { namespace }),
        (arb_namespace(), prop::option::of(0u64..(1 << 53)), ".{0,10}", prop::collection::vec(arb_json(), 0..4))
            .prop_map(|(namespace, id, name, args)| SocketPacket::Event { namespace, id, name, args: args.into() }),
        (arb_namespace(), 0u64..(1 << 53), prop::collection::vec(arb_json(), 0..4))
            .prop_map(|(namespace, id, args)| SocketPacket::Ack { namespace, id, args: args.into() }),
        (arb_namespace(), ".{0,20}", prop::option::of(arb_json()))
            .prop_map(|(namespace, message, data)| SocketPacket::ConnectError { namespace, message, data }),
    ]
}

proptest! {
    #[test]
    fn every_packet_round_trips(packet in arb_packet()) {
        let frame = encode_frame(&packet);
        let EnginePacket::Message(text) = EnginePacket::decode(&frame).unwrap() else {
            panic!("not a message frame: {frame}");
        };
        prop_assert_eq!(SocketPacket::decode(&text).unwrap(), packet);
    }

    #[test]
    fn decoding_arbitrary_text_never_panics(text in ".{0,64}") {
        let _ = EnginePacket::decode(&text);
        let _ = SocketPacket::decode(&text);
    }

    #[test]
    fn decoding_packet_like_text_never_panics(text in "[0-6b]/?[a-z]{0,3},?[0-9]{0,20}[\\[\\]{}\",:a-z0-9]{0,30}") {
        let _ = EnginePacket::decode(&text);
        let _ = SocketPacket::decode(&text);
    }
}

#[test]
fn event_arguments_are_raw_json_text() {
    let text = "2[ \"n\\u00e9\" , 1 ,{\"a\": [true, \"x\"]} ]";
    let SocketPacket::Event { name, args, .. } = SocketPacket::decode(text).unwrap() else { panic!("not an event") };
    assert_eq!(name, "né");
    assert_eq!(args.len(), 2);
    assert_eq!(args.get(0), Some("1"));
    assert_eq!(args.get(1), Some(r#"{"a": [true, "x"]}"#));
    assert_eq!(args.array_json(), r#"[1 ,{"a": [true, "x"]}]"#);
    assert_eq!(args.values(), vec![json!(1), json!({"a": [true, "x"]})]);
    // Malformed JSON is still refused at decode, with the parser's own message.
    let bad = r#"2["n",{"a":01}]"#;
    let expected = inbox_realtime::json::from_str(&bad[1..]).unwrap_err().to_string();
    assert_eq!(SocketPacket::decode(bad), Err(DecodeError::InvalidJson(expected)));
}
