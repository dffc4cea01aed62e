//! The pipeline: read → locate → decide → encode → splice. A stream in, the
//! same stream out with its images rewritten, and a record of every image
//! field seen ([`Image`]) with why it ended as it did ([`Status`]).

use crate::config::{Config, Digests};
use crate::diag::Warning;
use crate::locate::{self, Locator, Object};
use crate::path::FieldPath;
use crate::reference;
use crate::rules::{Decision, Keep};
use crate::splice::{self, Edit};
use crate::yaml::{self, NodeKind, scalar};

/// What happened to one image field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// 1-based document number in the stream.
    pub document: usize,
    pub line: usize,
    pub column: usize,
    pub path: FieldPath,
    /// The index of the top-level item of a `*List` kind the field is in.
    pub item: Option<usize>,
    pub object: Object,
    /// The image as YAML reads it; `None` when the field is not a scalar.
    pub original: Option<String>,
    /// The new image, when it was rewritten.
    pub result: Option<String>,
    pub status: Status,
}

/// Why an image field ended as it did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Status {
    /// Rewritten to the cache.
    Rewritten,
    /// The object or its pod template carries the opt-out annotation.
    OptedOut,
    /// An `exclude` pattern (the one given) matches the image.
    Excluded(String),
    /// Pinned by digest, and `--digests keep` leaves such images as written.
    DigestKept,
    /// The rules leave it as written.
    Kept(Keep),
    /// The field is a number, bool, null, mapping or sequence.
    NotAString,
    /// The field is an alias (`*name`): there is no scalar here to edit.
    Alias,
    /// The scalar has an anchor: aliases elsewhere would change with it.
    Anchored,
    /// The scalar is written in a way that cannot be edited in place.
    Unsupported(scalar::Unsupported),
}

impl Status {
    /// Worth a warning: something is probably wrong with the manifest.
    /// Opt-outs, exclusions, other registries and cached images are not.
    pub fn is_warning(&self) -> bool {
        match self {
            Status::Rewritten | Status::OptedOut | Status::Excluded(_) | Status::DigestKept => {
                false
            }
            Status::Kept(keep) => keep.is_warning(),
            Status::NotAString | Status::Alias | Status::Anchored | Status::Unsupported(_) => true,
        }
    }

    /// The warning for an image field holding `original`, if it is worth one.
    pub(crate) fn warning(&self, original: Option<&str>) -> Option<String> {
        self.is_warning().then(|| match (self, original) {
            // The rules' messages name the image themselves.
            (Status::Kept(_), _) | (_, None) => self.to_string(),
            (_, Some(image)) => format!("{image:?}: {self}"),
        })
    }
}

/// What happened, in words: the report's `reason` and the warnings.
impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Status::Rewritten => f.write_str("rewritten"),
            Status::OptedOut => {
                f.write_str("the object or its pod template opts out; left unchanged")
            }
            Status::DigestKept => {
                f.write_str("pinned by digest, and --digests keep leaves it as written")
            }
            Status::Excluded(pattern) => {
                write!(f, "matches exclude pattern {pattern:?}; left unchanged")
            }
            Status::Kept(keep) => keep.fmt(f),
            Status::NotAString => f.write_str("not a string; left unchanged"),
            Status::Alias => {
                f.write_str("an alias, with no scalar of its own to edit; left unchanged")
            }
            Status::Anchored => {
                f.write_str("anchored, and its aliases could be anywhere; left unchanged")
            }
            Status::Unsupported(why) => write!(f, "a {why}; left unchanged"),
        }
    }
}

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
    /// How deep the text is embedded in another document's string.
    depth: usize,
}

impl Found {
    /// Nothing found yet, in a text embedded `depth` deep.
    pub(crate) fn nested(depth: usize) -> Found {
        Found {
            depth,
            ..Found::default()
        }
    }

    /// Finds and decides every image site of one parsed document, the
    /// `index`th (0-based) of `text`.
    pub(crate) fn document(
        &mut self,
        text: &str,
        doc: &yaml::Document,
        index: usize,
        config: &Config,
    ) {
        let locator = Locator {
            extra: &config.workloads,
            opt_out_annotation: &config.opt_out_annotation,
            generic: config.generic,
            operator_images: config.operator_images,
        };
        self.sites(text, doc, index, locator.sites(doc), config);
        if config.operator_images {
            crate::embedded::document(self, text, doc, index, config, &locator, self.depth);
        }
    }

    /// Decides the given sites of one parsed document.
    pub(crate) fn sites(
        &mut self,
        text: &str,
        doc: &yaml::Document,
        index: usize,
        sites: Vec<locate::Site>,
        config: &Config,
    ) {
        for site in sites {
            let image = self.images.len();
            let (record, edit, notes) = decide(text, doc, index, image, site, config);
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

/// What to do with one site: the record of it, the edit if it is rewritten,
/// and its warnings.
fn decide(
    text: &str,
    doc: &yaml::Document,
    index: usize,
    image_index: usize,
    site: locate::Site,
    config: &Config,
) -> (Image, Option<Edit>, Vec<Warning>) {
    let warning = |node: &yaml::Node, path: &FieldPath, message: String| Warning {
        document: index + 1,
        line: node.line,
        column: node.column,
        path: path.clone(),
        image: image_index,
        message,
    };
    let node = doc.node(site.node);
    let scalar = doc.scalar(site.node);
    // The image, and what comes before it in the value (`--flag=`).
    let (before, value) = match scalar {
        Some(s) => s.value.split_at(site.within.min(s.value.len())),
        None => ("", ""),
    };
    let original = scalar.map(|_| value.to_string());
    let mut edit = None;
    let mut warnings = Vec::new();
    let (status, result) = match (&node.kind, scalar) {
        (NodeKind::Alias, _) => (Status::Alias, None),
        (_, None) => (Status::NotAString, None),
        (_, Some(s)) if !s.is_string() => (Status::NotAString, None),
        _ if site.opted_out => (Status::OptedOut, None),
        (_, Some(s)) if s.anchored => (Status::Anchored, None),
        (_, Some(s)) => match config.exclude.matches(value) {
            Some(pattern) => (Status::Excluded(pattern.to_string()), None),
            None => match config.rules.decide(value) {
                Decision::Keep(keep) => (Status::Kept(keep), None),
                Decision::Rewrite { .. }
                    if config.digests == Digests::Keep && reference::is_digest_pinned(value) =>
                {
                    (Status::DigestKept, None)
                }
                Decision::Rewrite { image, notes } => {
                    match scalar::replacement_within(text, node, s, before.len(), &image) {
                        Ok((span, text)) => {
                            edit = Some(Edit { span, text });
                            warnings.extend(
                                notes
                                    .iter()
                                    .map(|n| warning(node, &site.path, n.to_string())),
                            );
                            (Status::Rewritten, Some(image))
                        }
                        Err(why) => (Status::Unsupported(why), None),
                    }
                }
            },
        },
    };
    if let Some(message) = status.warning(original.as_deref()) {
        warnings.push(warning(node, &site.path, message));
    }
    let image = Image {
        document: index + 1,
        line: node.line,
        column: node.column,
        path: site.path,
        item: site.item,
        object: site.object,
        original,
        result,
        status,
    };
    (image, edit, warnings)
}

/// Where the first invalid UTF-8 byte is: document (counting `---` lines
/// before it), line and column.
fn utf8_error(input: &[u8], at: usize) -> yaml::Error {
    yaml::Error::at(yaml::ErrorKind::InvalidUtf8, &input[..at])
}
