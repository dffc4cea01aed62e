//! Warnings: what the run noticed but did not stop for. The library returns
//! them; the binary prints them.

use std::fmt;

use crate::path::FieldPath;

/// Something worth telling the user about one image field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// 1-based number of the document in the stream.
    pub document: usize,
    pub line: usize,
    pub column: usize,
    /// Field path, e.g. `spec.template.spec.containers[0].image`.
    pub path: FieldPath,
    /// The image field the warning is about: its index in
    /// [`crate::Outcome::images`].
    pub image: usize,
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "document {}, line {}, column {}: {}: {}",
            self.document, self.line, self.column, self.path, self.message
        )
    }
}
