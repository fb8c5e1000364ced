//! The generated TS files are current, and what the core writes matches the declared shapes.

use std::path::Path;

use super::typescript::{declarations, spec};
use super::{field_name, unions, Shape, Ty, Union, SHAPES};
use crate::json::Value;
use crate::store::{MessageStore, StoreOptions};

/// Compares `path` (from the crate root) with `text`; `UPDATE_GENERATED=1` rewrites it instead.
fn check_generated(path: &str, text: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    if std::env::var_os("UPDATE_GENERATED").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    if current != text {
        let lines = current.lines().count().max(text.lines().count());
        let first = (0..lines)
            .map(|i| (i + 1, current.lines().nth(i).unwrap_or(""), text.lines().nth(i).unwrap_or("")))
            .find(|(_, was, now)| was != now)
            .map_or_else(|| "at the end".to_owned(), |(n, was, now)| format!("line {n}: `{was}`, now `{now}`"));
        panic!(
            "{} is stale: the Rust side changed ({first}). Run `UPDATE_GENERATED=1 cargo test boundary` and commit \
             the file.",
            path.display()
        );
    }
}

#[test]
fn generated_typescript_is_current() {
    let unions = unions();
    check_generated("js/src/generated/boundary.ts", &declarations(&unions));
    check_generated("js/test/generated/boundary-spec.ts", &spec(&unions));
}

#[test]
fn every_named_type_is_declared_once() {
    let unions = unions();
    let mut names: Vec<&str> = unions.iter().map(|u| u.name).chain(SHAPES.iter().map(|s| s.name)).collect();
    let count = names.len();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), count, "a name declared twice");
    fn named(ty: &Ty, out: &mut Vec<&'static str>) {
        match ty {
            Ty::Named(name) => out.push(name),
            Ty::Nullable(inner) | Ty::Array(inner) => named(inner, out),
            Ty::Tuple(items) | Ty::OneOf(items) => items.iter().for_each(|t| named(t, out)),
            _ => {}
        }
    }
    for shape in SHAPES {
        for (field, ty, _) in shape.fields {
            let mut used = Vec::new();
            named(ty, &mut used);
            for name in used {
                assert!(names.contains(&name), "{}.{field}: {name} is not declared", shape.name);
            }
        }
    }
}

/// What is wrong with `value` as a `ty` (empty: nothing).
fn problems(value: &Value, ty: &Ty, unions: &[Union], path: &str) -> Vec<String> {
    let ok = match (ty, value) {
        (Ty::Unknown, _) | (Ty::String, Value::String(_)) | (Ty::Number, Value::Number(_)) => true,
        (Ty::Boolean, Value::Bool(_)) | (Ty::Nullable(_), Value::Null) => true,
        (Ty::Nullable(inner), _) => return problems(value, inner, unions, path),
        (Ty::Literal(want), Value::String(s)) => s == want,
        (Ty::Tuple(items), Value::Array(values)) if items.len() == values.len() => {
            return items
                .iter()
                .zip(values)
                .enumerate()
                .flat_map(|(i, (ty, v))| problems(v, ty, unions, &format!("{path}[{i}]")))
                .collect()
        }
        (Ty::OneOf(alternatives), _) => alternatives.iter().any(|ty| problems(value, ty, unions, path).is_empty()),
        (Ty::Array(inner), Value::Array(items)) => {
            return items.iter().flat_map(|item| problems(item, inner, unions, &format!("{path}[]"))).collect()
        }
        (Ty::Named(name), _) => {
            if let Some(shape) = SHAPES.iter().find(|s| s.name == *name) {
                return shape_problems(value, shape, unions, path);
            }
            let union = unions.iter().find(|u| u.name == *name).expect("declared");
            value.as_str().is_some_and(|s| union.values.iter().any(|(v, _)| *v == s))
        }
        _ => false,
    };
    if ok {
        Vec::new()
    } else {
        vec![format!("{path}: {} is not {}", crate::json::to_string(value), ty.ts())]
    }
}

/// Every field present (unless optional) with its type; no field the shape does not declare (the unknown fields
/// of an open shape included: the values checked here carry none).
fn shape_problems(value: &Value, shape: &Shape, unions: &[Union], path: &str) -> Vec<String> {
    let Some(obj) = value.as_object() else { return vec![format!("{path}: not an object")] };
    let mut out = Vec::new();
    for field in shape.fields {
        let (name, optional) = field_name(field);
        let at = format!("{path}.{name}");
        match obj.get(name) {
            None if optional => {}
            None => out.push(format!("{at}: missing")),
            Some(v) => out.extend(problems(v, &field.1, unions, &at)),
        }
    }
    for key in obj.keys() {
        if !shape.fields.iter().any(|f| field_name(f).0 == key) {
            out.push(format!("{path}.{key}: not declared in {}", shape.name));
        }
    }
    out
}

#[test]
fn messages_as_json_match_the_declared_message() {
    let opts = StoreOptions { keep_failed: true, max_text_chars: 5, ..StoreOptions::default() };
    let mut store = MessageStore::new(opts);
    let now = 1_700_000_000_000.0;
    // A customer's message (no user, no client id) whose text is cut; an agent's pending send; a failed send.
    store
        .handle_event_json("new_message", r#"{"id":"m1","room_id":"r","text":"hello there","timestamp":1}"#, now)
        .unwrap();
    store.queue_send("r", "hi", Some("agent"), now).unwrap();
    let failed = store.add_optimistic("r", "oops", None, now).unwrap();
    store.mark_failed(&failed, "HTTP 500", now).unwrap();
    let unions = unions();
    let message = SHAPES.iter().find(|s| s.name == "Message").unwrap();
    let all: Vec<Value> = store.messages("r").map(|m| m.to_json()).collect();
    assert_eq!(all.len(), 3);
    for (i, json) in all.iter().enumerate() {
        let found = shape_problems(json, message, &unions, &format!("message {i}"));
        assert!(found.is_empty(), "{found:#?}");
    }
    // The optional field and the nullable ones were exercised both ways.
    assert!(all.iter().any(|m| m.get("text_truncated").is_some()));
    for field in ["user_id", "client_id", "error"] {
        assert!(all.iter().any(|m| m.get(field) == Some(&Value::Null)), "{field} null");
        assert!(all.iter().any(|m| m.get(field).is_some_and(Value::is_string)), "{field} set");
    }
}

#[test]
fn change_batches_match_the_declared_shapes() {
    let opts = StoreOptions { keep_failed: true, ..StoreOptions::default() };
    let mut store = MessageStore::new(opts);
    let now = 1_700_000_000_000.0;
    let unions = unions();
    let shape = |name: &str| SHAPES.iter().find(|s| s.name == name).unwrap();
    let state = crate::json::from_str(&store.watch("r").to_json()).unwrap();
    assert_eq!(shape_problems(&state, shape("RoomState"), &unions, "state"), Vec::<String>::new());
    store.watch_inbox();
    let mut batches = Vec::new();
    let mut take =
        |store: &mut MessageStore| batches.push(crate::json::from_str(&store.take_changes().to_json()).unwrap());
    // insert, typing, update, remove, has_more, unread, and a reset (a page bigger than the list).
    store.handle_event_json("new_message", r#"{"id":"m1","room_id":"r","text":"hi","timestamp":1}"#, now).unwrap();
    store.handle_event_json("typing_indicator", r#"{"room_id":"r","user":{"id":"u","name":"Ana"}}"#, now).unwrap();
    take(&mut store);
    store.handle_event_json("message_status_update", r#"{"id":"m1","status":"read"}"#, now).unwrap();
    take(&mut store);
    let c = store.add_optimistic("r", "x", None, now).unwrap();
    store.mark_failed(&c, "no", now).unwrap();
    store.discard(&c);
    store.mark_read("r", now).unwrap();
    take(&mut store);
    let page: Vec<Value> = (0..100)
        .map(|i| crate::json::from_str(&format!(r#"{{"id":"h{i}","timestamp":{}}}"#, i + 2)).unwrap())
        .collect();
    store.merge_history("r", &page, false, now).unwrap();
    take(&mut store);
    let text = crate::json::to_string(&Value::Array(batches.clone()));
    for op in ["insert", "update", "remove", "reset"] {
        assert!(text.contains(&format!("[\"{op}\",")), "{op} exercised");
    }
    for field in ["typing", "has_more", "unread"] {
        assert!(text.contains(&format!("\"{field}\":")), "{field} exercised");
    }
    for (i, batch) in batches.iter().enumerate() {
        let found = shape_problems(batch, shape("ChangeBatch"), &unions, &format!("batch {i}"));
        assert!(found.is_empty(), "{found:#?}");
    }
}
