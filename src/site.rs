//! A site: one image field the finding stage found, as plain data, which is
//! all the decision needs. Whether the field is in the stream's own text or
//! in a document embedded in one of its strings, its place (line, column,
//! the bytes to replace) is in the stream's text: the finder mapped it there.

use crate::locate::{Object, Spot};
use crate::path::FieldPath;
use crate::yaml::scalar::{self, Slot, Unsupported};
use crate::yaml::{Document, NodeKind};

/// One image field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Site {
    /// 1-based line and column (in characters) in the stream's text.
    pub line: usize,
    pub column: usize,
    /// Field path from the document root; across an embedded document's
    /// boundary, `data.config.yaml: eventBus…`.
    pub path: FieldPath,
    /// The index of the top-level item of a `*List` kind the field is in.
    pub item: Option<usize>,
    /// The object holding the field: `Kind namespace/name`.
    pub object: Object,
    /// The object, its pod template or the string the field is embedded in
    /// carries the opt-out annotation.
    pub opted_out: bool,
    pub field: Field,
}

/// What is at the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Field {
    /// `*name`: no scalar here to edit.
    Alias,
    /// A mapping or a sequence.
    Collection,
    /// A scalar Kubernetes does not read as a string (a number, a bool, a
    /// null): its value.
    NotAString(String),
    /// A string with an anchor, which aliases elsewhere would follow: its
    /// value.
    Anchored(String),
    /// A string: the image, and where its bytes are.
    Text(Text),
    /// A string that holds an embedded document that does not parse and
    /// whose bytes do not map to its value: no image can be read from it,
    /// and why it is left.
    Unreadable(Uneditable),
}

/// A string holding an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Text {
    /// The image as YAML (or TOML) reads it: the value after an operator
    /// flag's `--flag=`, or the whole value.
    pub image: String,
    /// Where the image's bytes are in the stream's text, or why they cannot
    /// be replaced in place.
    pub slot: Result<Slot, Uneditable>,
}

/// Why an image's bytes cannot be replaced in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Uneditable {
    /// The string the document is embedded in has an anchor.
    Anchored,
    /// The scalar, or the string it is embedded in, is written so.
    Unsupported(Unsupported),
}

impl Field {
    /// The image as written, when the field is a scalar.
    pub fn into_original(self) -> Option<String> {
        match self {
            Field::NotAString(value) | Field::Anchored(value) => Some(value),
            Field::Text(text) => Some(text.image),
            Field::Alias | Field::Collection | Field::Unreadable(_) => None,
        }
    }
}

impl Site {
    /// The site the locator found at `spot` of `doc`, a document of `text`.
    pub fn read(text: &str, doc: &Document, spot: Spot) -> Site {
        let (node, within) = (spot.node, spot.within);
        let n = doc.node(node);
        let field = match (&n.kind, doc.scalar(node)) {
            (NodeKind::Alias, _) => Field::Alias,
            (_, None) => Field::Collection,
            (_, Some(s)) => {
                let image = s.value[within.min(s.value.len())..].to_string();
                if !s.is_string() {
                    Field::NotAString(image)
                } else if s.anchored {
                    Field::Anchored(image)
                } else {
                    let slot = scalar::slot(text, n, s, within).map_err(Uneditable::Unsupported);
                    Field::Text(Text { image, slot })
                }
            }
        };
        Site {
            line: n.line,
            column: n.column,
            path: spot.path,
            item: spot.item,
            object: spot.object,
            opted_out: spot.opted_out,
            field,
        }
    }
}
