//! YAML syntax only: documents, nodes and their byte spans. Knows nothing of
//! images or rules.
//!
//! The parser is [`libyaml_safer`], a safe Rust port of libyaml 0.2.5. Kubernetes
//! reads YAML with go-yaml, itself a port of libyaml, so the two accept the same
//! streams (saphyr-parser and yaml-rust2 reject multi-line double-quoted flow
//! scalars that kubectl accepts). Its marks are byte offsets, which is what
//! splicing needs.

mod build;
mod error;
mod json;
mod resolve;
pub mod scalar;
mod tree;

pub use build::{Marks, for_each_document, for_each_document_marked, parse};
pub use error::{Error, ErrorKind};
pub use json::{to_json, to_json_at};
pub use tree::{Document, Node, NodeId, NodeKind, Scalar, ScalarStyle};
