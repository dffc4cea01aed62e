//! GitLab Runner's `config.toml` in a ConfigMap: the `[runners.kubernetes]`
//! images, read with the `toml` crate's spans and edited inside the quotes.

use std::ops::Range;

use crate::config::Config;
use crate::path::FieldPath;
use crate::rewrite::{Found, Status};
use crate::yaml::{Document, scalar::Unsupported};

use super::Target;
use super::map::{line_column, map};

/// A TOML string holding an image: its path, the span of its content in the
/// TOML text (inside the quotes), its value, and whether the content is the
/// value byte for byte (no escapes, not multi-line).
pub(super) struct TomlImage {
    path: FieldPath,
    span: Range<usize>,
    value: String,
    verbatim: bool,
}

/// The images of a GitLab Runner config, or `None` when it is not TOML.
/// <https://docs.gitlab.com/runner/executors/kubernetes/#configuration-settings>
pub(super) fn toml_images(text: &str) -> Option<Vec<TomlImage>> {
    use toml::de::{DeTable, DeValue};
    let table = DeTable::parse(text).ok()?;
    fn get<'a, 'i>(t: &'a DeTable<'i>, key: &str) -> Option<&'a toml::Spanned<DeValue<'i>>> {
        t.iter().find(|(k, _)| k.get_ref() == key).map(|(_, v)| v)
    }
    let mut out = Vec::new();
    let Some(runners) = get(table.get_ref(), "runners") else {
        return Some(out);
    };
    let DeValue::Array(runners) = runners.get_ref() else {
        return Some(out);
    };
    for (i, runner) in runners.iter().enumerate() {
        let DeValue::Table(runner) = runner.get_ref() else {
            continue;
        };
        let Some(kubernetes) = get(runner, "kubernetes") else {
            continue;
        };
        let DeValue::Table(kubernetes) = kubernetes.get_ref() else {
            continue;
        };
        for key in ["image", "helper_image"] {
            let Some(field) = get(kubernetes, key) else {
                continue;
            };
            let DeValue::String(value) = field.get_ref() else {
                continue;
            };
            // Unset is the runner's default.
            if value.is_empty() {
                continue;
            }
            let span = field.span();
            let src = &text[span.clone()];
            let quote = if src.starts_with("\"\"\"") || src.starts_with("'''") {
                3
            } else {
                1
            };
            let content =
                span.start + quote..span.end.saturating_sub(quote).max(span.start + quote);
            let verbatim = quote == 1 && text.get(content.clone()) == Some(&**value);
            out.push(TomlImage {
                path: FieldPath::default()
                    .key("runners")
                    .index(i)
                    .key("kubernetes")
                    .key(key),
                span: content,
                value: value.to_string(),
                verbatim,
            });
        }
    }
    Some(out)
}

/// The images of a GitLab Runner config in the string `target`, decided as
/// image fields are, each edit the TOML string's content.
pub(super) fn toml(
    found: &mut Found,
    text: &str,
    doc: &Document,
    index: usize,
    config: &Config,
    target: Target,
) {
    use crate::rules::Decision;
    let outer = doc.node(target.node);
    let Some(value) = doc.str(target.node) else {
        return;
    };
    let Some(images) = toml_images(value) else {
        return;
    };
    let map = map(text, doc, target.node);
    for t in images {
        let at = map
            .as_ref()
            .ok()
            .and_then(|m| Some((m.get(t.span.start)?, m.get(t.span.end)?)));
        let (line, column) = at.map_or((outer.line, outer.column), |(s, _)| line_column(text, s));
        let mut notes = Vec::new();
        let (status, result) = if target.opted_out {
            (Status::OptedOut, None)
        } else if let Some(pattern) = config.exclude.matches(&t.value) {
            (Status::Excluded(pattern.to_string()), None)
        } else {
            match config.rules.decide(&t.value) {
                Decision::Keep(keep) => (Status::Kept(keep), None),
                Decision::Rewrite { .. }
                    if config.digests == crate::Digests::Keep
                        && crate::reference::is_digest_pinned(&t.value) =>
                {
                    (Status::DigestKept, None)
                }
                Decision::Rewrite { image, notes: n } => match (&map, at) {
                    (Err(why), _) => (why.clone(), None),
                    _ if !t.verbatim => (Status::Unsupported(Unsupported::TomlEscapes), None),
                    _ if !image
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"._-/:@".contains(&b)) =>
                    {
                        (Status::Unsupported(Unsupported::UnsafeValue), None)
                    }
                    (Ok(_), Some((start, end))) => {
                        notes = n.iter().map(ToString::to_string).collect();
                        found.edits.push(crate::Edit {
                            span: start..end,
                            text: image.clone(),
                        });
                        (Status::Rewritten, Some(image))
                    }
                    (Ok(_), None) => (Status::Unsupported(Unsupported::EmbeddedLayout), None),
                },
            }
        };
        let path = target.path.embedded(&t.path);
        let image = found.images.len();
        if let Some(message) = status.warning(Some(&t.value)) {
            notes.push(message);
        }
        for message in notes {
            found.warnings.push(crate::Warning {
                document: index + 1,
                line,
                column,
                path: path.clone(),
                image,
                message,
            });
        }
        found.images.push(crate::Image {
            document: index + 1,
            line,
            column,
            path,
            item: target.item,
            object: target.object.clone(),
            original: Some(t.value),
            result,
            status,
        });
    }
}
