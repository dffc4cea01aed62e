//! The pipeline: read → find → decide → splice. A stream in, the same
//! stream out with its images rewritten, and a record of every image field
//! seen ([`Image`]) with why it ended as it did ([`crate::Status`]).

use crate::config::Config;
use crate::decide::{Image, decide};
use crate::diag::Warning;
use crate::find;
use crate::splice::{self, Edit};
use crate::yaml;

/// The rewritten stream and what happened on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub text: String,
    /// The edits made, in input order: spans of the input and their new text.
    pub edits: Vec<Edit>,
    /// How many documents have content (neither empty nor null).
    pub documents: usize,
    pub images: Vec<Image>,
    pub warnings: Vec<Warning>,
}

/// A rewrite whose edits are not made yet: the input, the edits to make in
/// it, and what happened. [`Plan::pieces`] gives the rewritten stream as
/// slices of the input and the new images, so that a long stream is written
/// out without a second copy of it in memory; [`Plan::into_outcome`] makes
/// the copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan<'a> {
    input: &'a str,
    /// The edits to make, in input order: spans of the input and their new
    /// text.
    pub edits: Vec<Edit>,
    /// How many documents have content (neither empty nor null).
    pub documents: usize,
    pub images: Vec<Image>,
    pub warnings: Vec<Warning>,
}

impl<'a> Plan<'a> {
    /// The rewritten stream, in order: the text between the edits and each
    /// edit's new text.
    pub fn pieces(&self) -> impl Iterator<Item = &str> {
        splice::pieces(self.input, &self.edits)
    }

    /// The outcome, with the edits made.
    pub fn into_outcome(self) -> Outcome {
        let text = self.pieces().collect();
        Outcome {
            text,
            edits: self.edits,
            documents: self.documents,
            images: self.images,
            warnings: self.warnings,
        }
    }
}

/// Rewrites every image of a YAML (or JSON) stream. Reads the whole stream
/// first: on error nothing is returned but the error. Only one document's
/// tree is held at a time, so memory stays near the size of input and output.
/// On one thread; [`crate::rewrite_with`] may use more.
pub fn rewrite(input: &[u8], config: &Config) -> Result<Outcome, yaml::Error> {
    crate::rewrite_with(input, config, crate::Threads::ONE)
}

/// The input as text, or where its first invalid UTF-8 byte is.
pub(crate) fn utf8(input: &[u8]) -> Result<&str, yaml::Error> {
    std::str::from_utf8(input).map_err(|e| utf8_error(input, e.valid_up_to()))
}

/// Every image site of `text`, found and decided; how many documents have
/// content; and the parser's marks of the stream.
pub(crate) fn find(
    text: &str,
    config: &Config,
) -> Result<(Found, usize, yaml::Marks), yaml::Error> {
    let mut found = Found::default();
    let mut documents = 0;
    let marks = yaml::for_each_document_marked(text, |index, doc| {
        documents += usize::from(doc.has_content());
        found.document(text, &doc, index, config);
    })?;
    Ok((found, documents, marks))
}

/// The edits, images and warnings found so far.
#[derive(Default)]
pub(crate) struct Found {
    pub(crate) edits: Vec<Edit>,
    pub(crate) images: Vec<Image>,
    pub(crate) warnings: Vec<Warning>,
}

impl Found {
    /// Finds and decides every image site of one parsed document, the
    /// `index`th (0-based) of `text`.
    pub(crate) fn document(
        &mut self,
        text: &str,
        doc: &yaml::Document,
        index: usize,
        config: &Config,
    ) {
        for site in find::sites(text, doc, config) {
            let (record, edit, notes) = decide(site, index, self.images.len(), config);
            self.edits.extend(edit);
            self.warnings.extend(notes);
            self.images.push(record);
        }
    }

    /// Adds what was found in a part of a longer stream: one that starts
    /// at byte `start`, after `lines` line breaks and `documents` documents.
    pub(crate) fn append(&mut self, part: Found, start: usize, lines: usize, documents: usize) {
        let images = self.images.len();
        self.edits.extend(part.edits.into_iter().map(|mut edit| {
            edit.span = edit.span.start + start..edit.span.end + start;
            edit
        }));
        self.images.extend(part.images.into_iter().map(|mut image| {
            image.document += documents;
            image.line += lines;
            image
        }));
        self.warnings
            .extend(part.warnings.into_iter().map(|mut warning| {
                warning.document += documents;
                warning.line += lines;
                warning.image += images;
                warning
            }));
    }

    /// The outcome: `text` with the edits spliced in; `documents` is how
    /// many documents have content.
    pub(crate) fn apply(self, text: &str, documents: usize) -> Outcome {
        self.plan(text, documents).into_outcome()
    }

    /// The plan of the edits to make in `text`; `documents` is how many
    /// documents have content.
    pub(crate) fn plan(self, text: &str, documents: usize) -> Plan<'_> {
        let mut edits = self.edits;
        splice::sort(&mut edits);
        Plan {
            input: text,
            edits,
            documents,
            images: self.images,
            warnings: self.warnings,
        }
    }
}

/// Where the first invalid UTF-8 byte is: document (counting `---` lines
/// before it), line and column.
fn utf8_error(input: &[u8], at: usize) -> yaml::Error {
    yaml::Error::at(yaml::ErrorKind::InvalidUtf8, &input[..at])
}
