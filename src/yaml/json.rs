//! Converts a document into a [`serde_json::Value`], for reading small
//! settings files with serde. Manifests never go this way: this is a reader,
//! not a round trip.
//!
//! Plain scalars that YAML 1.1 reads as null or bool become JSON null and
//! bools; everything else stays a string (numbers too, so `accountId:
//! 123456789012` reads as the string it is meant to be).

use serde_json::{Map, Value};

use super::{Document, NodeId, NodeKind, ScalarStyle};

/// The document as JSON; aliases read as null.
pub fn to_json(doc: &Document) -> Value {
    doc.root.map_or(Value::Null, |root| node(doc, root, 0))
}

/// One node of the document (and what is under it) as JSON.
pub fn to_json_at(doc: &Document, id: NodeId) -> Value {
    node(doc, id, 0)
}

fn node(doc: &Document, id: NodeId, depth: usize) -> Value {
    if depth > 64 {
        return Value::Null;
    }
    match &doc.node(id).kind {
        NodeKind::Scalar(s) if s.style == ScalarStyle::Plain && s.tag.is_none() => {
            match s.value.as_str() {
                "" | "~" | "null" | "Null" | "NULL" => Value::Null,
                "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => {
                    Value::Bool(true)
                }
                "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => {
                    Value::Bool(false)
                }
                v => Value::String(v.to_string()),
            }
        }
        NodeKind::Scalar(s) => Value::String(s.value.clone()),
        NodeKind::Mapping(pairs) => {
            let mut map = Map::new();
            for &(k, v) in pairs {
                let key = doc.str(k).unwrap_or_default().to_string();
                map.insert(key, node(doc, v, depth + 1));
            }
            Value::Object(map)
        }
        NodeKind::Sequence(items) => {
            Value::Array(items.iter().map(|&i| node(doc, i, depth + 1)).collect())
        }
        NodeKind::Alias => Value::Null,
    }
}
