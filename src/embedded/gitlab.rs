//! GitLab Runner's `config.toml` in a ConfigMap: the `[runners.kubernetes]`
//! images, read with the `toml` crate's spans and edited inside the quotes.

use std::ops::Range;

use crate::locate::Object;
use crate::path::FieldPath;
use crate::site::{Field, Site, Text, Uneditable};
use crate::yaml::scalar::{Slot, Unsupported};

use super::map::line_column;

/// A TOML string holding an image: its path, the span of its content in the
/// TOML text (inside the quotes), its value, and whether the content is the
/// value byte for byte (no escapes, not multi-line).
struct TomlImage {
    path: FieldPath,
    span: Range<usize>,
    value: String,
    verbatim: bool,
}

/// The images of a GitLab Runner config, or `None` when it is not TOML.
/// <https://docs.gitlab.com/runner/executors/kubernetes/#configuration-settings>
fn toml_images(text: &str) -> Option<Vec<TomlImage>> {
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

/// The sites of a GitLab Runner config, each slot the TOML string's content
/// (escapes would make its bytes other than its value), placed in the TOML
/// text; `None` when it is not TOML.
pub(crate) fn toml_sites(text: &str) -> Option<Vec<Site>> {
    let images = toml_images(text)?;
    let site = |t: TomlImage| {
        let (line, column) = line_column(text, t.span.start);
        let slot = if t.verbatim {
            Ok(Slot::bare(t.span))
        } else {
            Err(Uneditable::Unsupported(Unsupported::TomlEscapes))
        };
        Site {
            line,
            column,
            path: t.path,
            item: None,
            object: Object::default(),
            opted_out: false,
            field: Field::Text(Text {
                image: t.value,
                slot,
            }),
        }
    };
    Some(images.into_iter().map(site).collect())
}
