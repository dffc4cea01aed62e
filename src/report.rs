//! What a run did, as data for people and programs: the JSON report
//! (`--report`), the `--check` lines, and the distinct images
//! (`pullthrough images`). Knows nothing of how they are printed.

use serde::Serialize;

use crate::rules::Keep;
use crate::{FieldPath, Image, Status};

/// One image field in the JSON report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry<'a> {
    /// 1-based document number in its stream.
    pub document: usize,
    /// The file the document came from; absent for stdin.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<&'a str>,
    pub kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    pub path: &'a FieldPath,
    pub line: usize,
    pub column: usize,
    /// The image as written; null when the field is not a scalar.
    pub original: Option<&'a str>,
    /// The new image; null when it was left as written.
    pub result: Option<&'a str>,
    /// `rewritten`, or why not: `opted-out`, `excluded`, `no-rule`,
    /// `already-cached`, `empty`, `whitespace`, `image-id`, `invalid`,
    /// `not-storable`, `too-long`, `not-a-string`, `alias`, `anchored`,
    /// `unsupported-style`.
    pub status: &'static str,
    /// A human explanation when the image was left as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl<'a> Entry<'a> {
    pub fn new(image: &'a Image, file: Option<&'a str>) -> Entry<'a> {
        Entry {
            document: image.document,
            file,
            kind: &image.object.kind,
            namespace: image.object.namespace.as_deref(),
            name: image.object.name.as_deref(),
            path: &image.path,
            line: image.line,
            column: image.column,
            original: image.original.as_deref(),
            result: image.result.as_deref(),
            status: status_name(&image.status),
            reason: reason(&image.status),
        }
    }
}

/// The short, stable name of a status.
pub fn status_name(status: &Status) -> &'static str {
    match status {
        Status::Rewritten => "rewritten",
        Status::OptedOut => "opted-out",
        Status::Excluded(_) => "excluded",
        Status::Kept(keep) => match keep {
            Keep::NoRule { .. } => "no-rule",
            Keep::AlreadyCached => "already-cached",
            Keep::Empty => "empty",
            Keep::Whitespace => "whitespace",
            Keep::ImageId => "image-id",
            Keep::Invalid(_) => "invalid",
            Keep::NotStorable { .. } => "not-storable",
            Keep::TooLong { .. } => "too-long",
        },
        Status::NotAString => "not-a-string",
        Status::Alias => "alias",
        Status::Anchored => "anchored",
        Status::Unsupported(_) => "unsupported-style",
    }
}

fn reason(status: &Status) -> Option<String> {
    (*status != Status::Rewritten).then(|| status.to_string())
}

/// The distinct rewritten images, sorted: `(upstream image, cache image)`.
pub fn distinct<'a>(images: impl IntoIterator<Item = &'a Image>) -> Vec<(&'a str, &'a str)> {
    let mut pairs: Vec<_> = images
        .into_iter()
        .filter_map(|i| Some((i.original.as_deref()?, i.result.as_deref()?)))
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}
