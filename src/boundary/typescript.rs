//! Writes the boundary's declarations as TypeScript: the types `js/src` exports, and the same shapes as data for
//! the JS test that checks real wasm output against them.

use std::fmt::Write;

use super::{field_name, Shape, Ty, Union, SHAPES};

const HEADER: &str =
    "// Generated from src/boundary and src/error_code.rs by `cargo test` (it fails when this file is stale;\n\
                      // `UPDATE_GENERATED=1 cargo test boundary` rewrites it). Do not edit.\n";

impl Ty {
    /// The type as TypeScript writes it.
    pub(crate) fn ts(&self) -> String {
        match self {
            Ty::String => "string".into(),
            Ty::Number => "number".into(),
            Ty::Boolean => "boolean".into(),
            Ty::Unknown => "unknown".into(),
            Ty::Named(name) => (*name).into(),
            Ty::Nullable(inner) => format!("{} | null", inner.ts()),
            Ty::Array(inner) => format!("ReadonlyArray<{}>", inner.ts()),
            Ty::Literal(value) => format!("'{value}'"),
            Ty::Tuple(items) => format!("readonly [{}]", items.iter().map(Ty::ts).collect::<Vec<_>>().join(", ")),
            Ty::OneOf(alternatives) => alternatives.iter().map(Ty::ts).collect::<Vec<_>>().join(" | "),
        }
    }
}

/// Longest line written (the TS sources' width).
const WIDTH: usize = 120;

/// `/** doc */` at `indent`, wrapped at [`WIDTH`]; nothing for an empty doc.
fn doc(out: &mut String, indent: &str, doc: &str) {
    if doc.is_empty() {
        return;
    }
    if indent.len() + doc.len() + 7 <= WIDTH {
        let _ = writeln!(out, "{indent}/** {doc} */");
        return;
    }
    let _ = writeln!(out, "{indent}/**");
    let mut line = String::new();
    for word in doc.split(' ') {
        if !line.is_empty() && indent.len() + 3 + line.len() + 1 + word.len() > WIDTH {
            let _ = writeln!(out, "{indent} * {line}");
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    let _ = writeln!(out, "{indent} * {line}\n{indent} */");
}

/// `js/src/generated/boundary.ts`: the string unions and interfaces.
pub(crate) fn declarations(unions: &[Union]) -> String {
    let mut out = String::from(HEADER);
    for union in unions {
        out.push('\n');
        doc(&mut out, "", union.doc);
        let _ = writeln!(out, "export type {} =", union.name);
        for (i, (value, value_doc)) in union.values.iter().enumerate() {
            doc(&mut out, "  ", value_doc);
            let end = if i + 1 == union.values.len() { ";" } else { "" };
            let _ = writeln!(out, "  | '{value}'{end}");
        }
    }
    for shape in SHAPES {
        out.push('\n');
        interface(&mut out, shape);
    }
    out
}

fn interface(out: &mut String, shape: &Shape) {
    doc(out, "", shape.doc);
    let _ = writeln!(out, "export interface {} {{", shape.name);
    for (name, ty, field_doc) in shape.fields {
        doc(out, "  ", field_doc);
        let _ = writeln!(out, "  readonly {name}: {};", ty.ts());
    }
    if let Some(open) = shape.open {
        doc(out, "  ", open);
        out.push_str("  readonly [field: string]: unknown;\n");
    }
    out.push_str("}\n");
}

/// `js/test/generated/boundary-spec.ts`: every union's values and every shape's fields with their TS types, as data.
pub(crate) fn spec(unions: &[Union]) -> String {
    let mut out = String::from(HEADER);
    out.push_str("\nexport const UNIONS: Record<string, readonly string[]> = {\n");
    for union in unions {
        let values: Vec<String> = union.values.iter().map(|(v, _)| format!("'{v}'")).collect();
        let _ = writeln!(out, "  {}: [{}],", union.name, values.join(", "));
    }
    out.push_str(
        "};\n\n/** Per shape: `open` (keeps unknown fields) and each field's TS type, `?` when optional. */\n",
    );
    out.push_str("export const SHAPES: Record<string, { open: boolean; fields: Record<string, string> }> = {\n");
    for shape in SHAPES {
        let _ = writeln!(out, "  {}: {{", shape.name);
        let _ = writeln!(out, "    open: {},", shape.open.is_some());
        out.push_str("    fields: {\n");
        for field in shape.fields {
            let (name, optional) = field_name(field);
            let ts = field.1.ts().replace('\'', "\\'");
            let _ = writeln!(out, "      {name}: '{ts}{}',", if optional { "?" } else { "" });
        }
        out.push_str("    },\n  },\n");
    }
    out.push_str("};\n");
    out
}
