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
//! 5. Renames ([`crate::rename`]): the first (longest) rule whose FROM the
//!    repository equals or continues picks the image to look up. It comes
//!    after exclude, so that an excluded image is never renamed, and before
//!    the rules, which then see the renamed image as they see any image.
//! 6. The rules ([`crate::rules`]): other registries, images already
//!    cached and references that do not parse are kept. A renamed image the
//!    rules keep is still written renamed ([`Status::Renamed`]): its old
//!    repository is what the rename says is gone.
//! 7. The digest policy: with `--digests keep`, a digest-pinned image stays
//!    out of the cache (renamed, if a rule renames it).
//! 8. Encode: the new image written into the site's slot
//!    ([`crate::yaml::scalar::Slot`]); a new image that would need quoting,
//!    or a slot that cannot be edited in place, leaves the image, with a
//!    warning. Only a written image keeps the rules' notes, and a renamed
//!    digest pin's warning: a copied repository holds the same manifest
//!    only if it was copied byte for byte.

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
    /// The image a rename rule made of it, when it was written (as is, or
    /// then cached).
    pub renamed: Option<String>,
    /// The new image, when it was rewritten.
    pub result: Option<String>,
    pub status: Status,
}

/// Why an image field ended as it did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Status {
    /// Rewritten to the cache (renamed first, if `renamed` is set).
    Rewritten,
    /// Renamed, and the renamed image left out of the cache for the reason
    /// given (no rule for its registry, `--digests keep`, …).
    Renamed(Box<Status>),
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
            Status::Renamed(cache) => cache.is_warning(),
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
            // The image is not left unchanged: it is renamed.
            Status::Renamed(cache) => {
                let why = cache.to_string();
                let why = why.strip_suffix("; left unchanged").unwrap_or(&why);
                write!(f, "renamed, and not cached: {why}")
            }
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
    let mut renamed_to = None;
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
            None => {
                // 5.
                let renamed = config.renames.rename(&text.image).map(|(_, image)| image);
                let looked_up = renamed.as_deref().unwrap_or(&text.image);
                // 6, 7: the cache image and its notes, or why there is none.
                let cached = match config.rules.decide(looked_up) {
                    Decision::Keep(keep) => Err(Status::Kept(keep)),
                    Decision::Rewrite { .. }
                        if config.digests == Digests::Keep
                            && reference::is_digest_pinned(looked_up) =>
                    {
                        Err(Status::DigestKept)
                    }
                    Decision::Rewrite { image, notes } => Ok((image, notes)),
                };
                let (status, new, n) = match (cached, renamed.as_ref()) {
                    (Ok((image, n)), _) => (Status::Rewritten, Some(image), n),
                    (Err(why), Some(image)) => (
                        Status::Renamed(Box::new(why)),
                        Some(image.clone()),
                        Vec::new(),
                    ),
                    (Err(why), None) => (why, None, Vec::new()),
                };
                // 8.
                match new {
                    None => (status, None),
                    Some(image) => {
                        let filled = match (scalar::is_safe_value(&image), &text.slot) {
                            (false, _) => {
                                Err(Status::Unsupported(scalar::Unsupported::UnsafeValue))
                            }
                            (true, Err(why)) => Err(why.clone().into()),
                            (true, Ok(slot)) => slot.fill(&image).map_err(Status::Unsupported),
                        };
                        match filled {
                            Ok((span, written)) => {
                                edit = Some(Edit {
                                    span,
                                    text: written,
                                });
                                if let Some(to) = renamed {
                                    if reference::is_digest_pinned(&to) {
                                        notes.push(renamed_pin(&text.image, &to));
                                    }
                                    renamed_to = Some(to);
                                }
                                notes.extend(n.iter().map(ToString::to_string));
                                (status, Some(image))
                            }
                            Err(status) => (status, None),
                        }
                    }
                }
            }
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
        renamed: renamed_to,
        result,
        status,
    };
    (record, edit, warnings)
}

/// The warning of a renamed digest pin: the digest is kept, and names the
/// same manifest only if the repository was copied byte for byte.
fn renamed_pin(original: &str, renamed: &str) -> String {
    format!(
        "{original:?} is renamed to {renamed:?} with its digest kept: the digest names the same \
         image only if the repository was copied byte for byte"
    )
}
