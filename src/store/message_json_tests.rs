//! The one message parser, on JSON text and on a tree, against the tree-based parser it replaced (kept here as
//! the reference): same result and same error on random payloads, with aliases, escaped and repeated keys, many unknown fields, `null`s, wrong
//! types, and on truncated or mutated texts. Nothing panics.

use std::borrow::Cow;

use proptest::prelude::*;

use crate::json::{from_str, to_string, Value};

use super::error::{clip, StoreError};
use super::extra::ExtraBuilder;
use super::fields::{check_id, object};
use super::message_json::{parse_message, parse_message_json};
use super::model::{classify, parse_status, Direction, ParsedMessage};
use super::options::StoreOptions;
use super::timestamp::parse_timestamp;

const NOW: f64 = 1_700_000_000_000.0;

/// The parser as it was before the JSON text path became the only one: a walk over the [`Value`] tree.
fn reference(v: &Value, opts: &StoreOptions) -> Result<ParsedMessage<'static>, StoreError> {
    let obj = object(v)?;
    // Per canonical field, the present non-`null` value of the lowest-ranked alias.
    let mut fields: [Option<(u8, &Value)>; 8] = Default::default();
    let mut extra = ExtraBuilder::default();
    for (k, v) in obj.iter() {
        match classify(k) {
            Some((field, rank)) => {
                let slot = &mut fields[field as usize];
                if !v.is_null() && slot.is_none_or(|(r, _)| rank < r) {
                    *slot = Some((rank, v));
                }
            }
            None => extra.push(k, v),
        }
    }
    let get = |i: usize| fields[i].map(|(_, v)| v);
    let id = |i: usize, name: &'static str| -> Result<Option<Cow<'static, str>>, StoreError> {
        let Some(v) = get(i) else { return Ok(None) };
        let s = match v {
            Value::String(s) => s.clone(),
            Value::Number(n) if n.is_i64() || n.is_u64() => n.to_json_text(),
            _ => return Err(StoreError::WrongType { field: name, expected: "string or integer" }),
        };
        check_id(&s, name, opts.max_id_chars)?;
        Ok(Some(Cow::Owned(s)))
    };
    let string = |i: usize, name: &'static str| match get(i) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(StoreError::WrongType { field: name, expected: "string" }),
    };
    // Field order: Id, Room, Text, User, Timestamp, Client, Direction, Status.
    let id_v = id(0, "id")?.ok_or(StoreError::MissingField("id"))?;
    let room_id = id(1, "room_id")?;
    let text = string(2, "text")?.map(|t| extra.text(Cow::Owned(t), opts.max_text_chars).into_owned());
    let user_id = id(3, "user_id")?;
    let client_id = id(5, "client_id")?;
    let direction = string(6, "direction")?
        .map(|s| Direction::parse(&s).ok_or_else(|| StoreError::UnknownDirection(clip(&s))))
        .transpose()?;
    let status = get(7).map(parse_status).transpose()?;
    let timestamp = get(4).map(|t| parse_timestamp(t, NOW, opts.max_future_ms)).transpose()?;
    Ok(ParsedMessage {
        id: id_v,
        room_id,
        text: text.map(Cow::Owned),
        user_id,
        direction,
        status,
        timestamp,
        client_id,
        extra: extra.finish(),
    })
}

fn agrees(text: &str) -> Result<(), TestCaseError> {
    let opts = StoreOptions { max_id_chars: 12, max_text_chars: 6, ..StoreOptions::default() };
    let ours = parse_message_json(text, &opts, NOW);
    let theirs = match from_str(text) {
        Ok(v) => reference(&v, &opts),
        Err(_) => Err(StoreError::NotAnObject),
    };
    prop_assert_eq!(ours.map(ParsedMessage::into_owned), theirs.clone(), "{}", text);
    // The same parser walking the tree of the same payload.
    if let Ok(tree) = from_str(text) {
        prop_assert_eq!(parse_message(&tree, &opts, NOW).map(ParsedMessage::into_owned), theirs, "tree of {}", text);
    }
    Ok(())
}

/// Keys: canonical names and aliases, some escaped (`\u0069d` is `id`), unknown ones, repeats.
fn key() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "id",
        "message_id",
        "wamid",
        "room_id",
        "roomId",
        "text",
        "body",
        "content",
        "user_id",
        "senderId",
        "timestamp",
        "created_at",
        "client_id",
        "direction",
        "status",
        "text_truncated",
        "from",
        "type",
        "a",
        "b",
        "\\u0069d",
        "\\u0074ext",
        "fr\\u006fm",
        "\\u0061",
        "k\\n",
        "\\ud800x",
    ])
    .prop_map(str::to_owned)
}

/// Values: ids, texts, statuses, directions, timestamps, numbers, `null`, wrong types, nested values.
fn value() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "\"m1\"",
        "\"r1\"",
        "\"\"",
        "\"a-very-long-identifier\"",
        "42",
        "-7",
        "1.5",
        "1e2",
        "null",
        "true",
        "\"sent\"",
        "\"READ\"",
        "\"bogus\"",
        "\"incoming\"",
        "\"out\"",
        "\"sideways\"",
        "1698048000",
        "\"2023-10-23T08:00:00Z\"",
        "\"yesterday\"",
        "1e400",
        "[1, {\"x\" : 2}]",
        "{\"k\":[]}",
        "\"h\\u00e9llo w\\norld\"",
        "\"\\ud83d\\ude00!\"",
        "\"long text here\"",
    ])
    .prop_map(str::to_owned)
}

fn payload() -> impl Strategy<Value = String> {
    prop::collection::vec((key(), value()), 0..24).prop_map(|members| {
        let body: Vec<String> = members.iter().map(|(k, v)| format!("\"{k}\" : {v}")).collect();
        format!(" {{{}}} ", body.join(","))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn one_parser_agrees_with_the_tree_parser(text in payload()) {
        agrees(&text)?;
        // Written back by the crate's writer (what a tree payload becomes on the way in).
        if let Ok(v) = from_str(&text) {
            agrees(&to_string(&v))?;
        }
    }

    #[test]
    fn broken_payloads_are_refused_alike(
        text in payload(),
        cut in any::<prop::sample::Index>(),
        at in any::<prop::sample::Index>(),
        junk in "[\\[\\]{}\",:0-9a-z\\\\ ]{1,3}",
    ) {
        let chars: Vec<char> = text.chars().collect();
        agrees(&chars[..cut.index(chars.len() + 1)].iter().collect::<String>())?;
        let i = at.index(chars.len() + 1);
        let mut inserted: String = chars[..i].iter().collect();
        inserted.push_str(&junk);
        inserted.extend(&chars[i..]);
        agrees(&inserted)?;
        let replaced: String = chars.iter().enumerate().map(|(j, &c)| if j == i { junk.chars().next().unwrap_or(c) } else { c }).collect();
        agrees(&replaced)?;
    }
}

#[test]
fn many_and_repeated_unknown_fields() {
    let mut members: Vec<String> = (0..40).map(|i| format!("\"k{i}\":{i}")).collect();
    members.push("\"k3\":\"last\"".into());
    members.push("\"id\":\"m1\"".into());
    let text = format!("{{{}}}", members.join(","));
    agrees(&text).unwrap();
    let p = parse_message_json(&text, &StoreOptions::default(), NOW).unwrap();
    let extra = p.extra.to_map();
    assert_eq!(extra.len(), 40);
    assert_eq!(extra.keys().nth(3).map(String::as_str), Some("k3"));
    assert_eq!(extra.get("k3"), Some(&Value::from("last")));
    // An escaped key is its decoded name, canonical or not.
    let p = parse_message_json(r#"{"\u0069d":"m1","fr\u006fm":1,"from":2}"#, &StoreOptions::default(), NOW).unwrap();
    assert_eq!(p.id, "m1");
    assert_eq!(p.extra.to_map().get("from"), Some(&Value::from(2)));
    assert_eq!(p.extra.to_map().len(), 1);
}
