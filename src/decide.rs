//! The decision: one site in, its image record, its edit and its warnings
//! out. Every site takes the same steps, whatever found it (a container's
//! `image`, an operator's env var or flag, a custom resource's image field,
//! a field of a document embedded in a string, YAML or TOML):
//!
//! 1. What the field is: an alias, or a scalar that is not a string (or no
//!    scalar at all), is left, with a warning; so is a string whose embedded
//!    document neither parses nor maps byte for byte.
//! 2. Opt-out: the object, its pod template or the string the field is
//!    embedded in carries the opt-out annotation.
//! 3. An anchored string is left: its aliases could be anywhere.
//! 4. Exclude: the first `exclude` pattern that matches the image.
//! 5. (Renames go here: the renames issue's step, which picks the image to
//!    look up, comes after exclude, so that an excluded image is never
//!    renamed, and before the rules, which then see the renamed image.)
//! 6. The rules ([`crate::rules`]): other registries, images already
//!    cached and references that do not parse are kept.
//! 7. The digest policy: with `--digests keep`, a digest-pinned image stays.
//! 8. Encode: the new image written into the site's slot
//!    ([`crate::yaml::scalar::Slot`]); a new image that would need quoting,
//!    or a slot that cannot be edited in place, leaves the image, with a
//!    warning. Only a rewritten image keeps the rules' notes.

use crate::config::{Config, Digests};
use crate::diag::Warning;
use crate::locate::Object;
use crate::path::FieldPath;
use crate::reference;
use crate::rules::{Decision, Keep};
use crate::site::{Field, Site, Uneditable};
use crate::splice::Edit;
use crate::yaml::scalar;

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

impl From<Uneditable> for Status {
    fn from(why: Uneditable) -> Status {
        match why {
            Uneditable::Anchored => Status::Anchored,
            Uneditable::Unsupported(why) => Status::Unsupported(why),
        }
    }
}

/// What to do with one site, the `image`th of the stream, in its `index`th
/// (0-based) document: the record of it, the edit if it is rewritten, and
/// its warnings, in the order of the module's steps.
pub(crate) fn decide(
    site: Site,
    index: usize,
    image: usize,
    config: &Config,
) -> (Image, Option<Edit>, Vec<Warning>) {
    let mut edit = None;
    let mut notes = Vec::new();
    let (status, result) = match &site.field {
        // 1.
        Field::Alias => (Status::Alias, None),
        Field::Collection | Field::NotAString(_) => (Status::NotAString, None),
        Field::Unreadable(why) => (why.clone().into(), None),
        // 2, 3.
        _ if site.opted_out => (Status::OptedOut, None),
        Field::Anchored(_) => (Status::Anchored, None),
        Field::Text(text) => match config.exclude.matches(&text.image) {
            // 4.
            Some(pattern) => (Status::Excluded(pattern.to_string()), None),
            // 6.
            None => match config.rules.decide(&text.image) {
                Decision::Keep(keep) => (Status::Kept(keep), None),
                // 7.
                Decision::Rewrite { .. }
                    if config.digests == Digests::Keep
                        && reference::is_digest_pinned(&text.image) =>
                {
                    (Status::DigestKept, None)
                }
                // 8.
                Decision::Rewrite { image, notes: n } => {
                    let filled = match (scalar::is_safe_value(&image), &text.slot) {
                        (false, _) => Err(Status::Unsupported(scalar::Unsupported::UnsafeValue)),
                        (true, Err(why)) => Err(why.clone().into()),
                        (true, Ok(slot)) => slot.fill(&image).map_err(Status::Unsupported),
                    };
                    match filled {
                        Ok((span, text)) => {
                            edit = Some(Edit { span, text });
                            notes.extend(n.iter().map(ToString::to_string));
                            (Status::Rewritten, Some(image))
                        }
                        Err(status) => (status, None),
                    }
                }
            },
        },
    };
    // The image as written moves into the record: no copy of it is made.
    let original = site.field.into_original();
    notes.extend(status.warning(original.as_deref()));
    let warnings = notes
        .into_iter()
        .map(|message| Warning {
            document: index + 1,
            line: site.line,
            column: site.column,
            path: site.path.clone(),
            image,
            message,
        })
        .collect();
    let record = Image {
        document: index + 1,
        line: site.line,
        column: site.column,
        path: site.path,
        item: site.item,
        object: site.object,
        original,
        result,
        status,
    };
    (record, edit, warnings)
}
