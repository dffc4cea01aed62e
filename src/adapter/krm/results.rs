//! Adding `results` to a `ResourceList` without re-serialising it: one edit,
//! into an existing `results` list (or in place of a null one), or as a new
//! key at the top. Each result is one JSON flow mapping, so it reads the same
//! at any indentation.

use super::{Error, Finding, Malformed, ResourceList};
use crate::splice::Edit;
use crate::yaml::Scalar;

impl ResourceList<'_> {
    /// The edit that adds `results`: into an existing `results` list (or in
    /// place of a null one), or as a new key at the top of the
    /// `ResourceList`. Each result is one JSON flow mapping, so it reads the
    /// same at any indentation. It never touches `items`, so it combines
    /// with the rewrite's own edits.
    pub(super) fn results_edit(&self, results: &[Finding]) -> Result<Edit, Error> {
        let (text, doc, root) = (self.text, &self.doc, self.root());
        let json: Vec<String> = results
            .iter()
            .map(|r| serde_json::to_string(r).expect("JSON of plain data"))
            .collect();
        let nl = if text.contains("\r\n") { "\r\n" } else { "\n" };
        let cannot = || Error::Input(Malformed::NoPlaceForResults);
        let &(first_key, _) = doc.pairs(root).first().ok_or_else(cannot)?;
        let root_start = doc.node(root).span.start;
        let key_start = doc.node(first_key).span.start;
        let null_results = doc.pairs(root).iter().find(|&&(k, v)| {
            doc.str(k) == Some("results") && doc.scalar(v).is_some_and(Scalar::is_null)
        });
        if let Some(&(key, value)) = null_results {
            // `results:`, `results: ~`, `results: null`: the value becomes
            // the list; nothing else moves.
            let key_end = doc.node(key).span.end;
            let colon = key_end + text[key_end..].find(':').ok_or_else(cannot)?;
            let value_end = doc.node(value).span.end.max(colon + 1);
            let end = if text[colon + 1..value_end].contains(['\n', '\r']) {
                colon + 1
            } else {
                value_end
            };
            return Ok(Edit {
                span: colon..end,
                text: format!(": [{}]", json.join(", ")),
            });
        }
        let (at, insert) = match doc.get(root, "results").next() {
            Some(list) => {
                let start = doc.node(list).span.start;
                if text[start..].starts_with('[') {
                    let empty = doc.items(list).is_empty();
                    let sep = if empty { "" } else { ", " };
                    (start + 1, format!("{}{sep}", json.join(", ")))
                } else if text[start..].starts_with('-') {
                    let (line, indent) = line_indent(text, start).ok_or_else(cannot)?;
                    let lines: String = json.iter().map(|j| format!("{indent}- {j}{nl}")).collect();
                    (line, lines)
                } else {
                    return Err(Error::Input(Malformed::Results));
                }
            }
            None if text[root_start..key_start].contains('{') => {
                let brace = root_start + text[root_start..key_start].find('{').unwrap_or(0);
                (brace + 1, format!("\"results\": [{}], ", json.join(", ")))
            }
            None => {
                let (line, indent) = line_indent(text, key_start).ok_or_else(cannot)?;
                let mut lines = format!("{indent}results:{nl}");
                for j in &json {
                    lines.push_str(&format!("{indent}- {j}{nl}"));
                }
                (line, lines)
            }
        };
        Ok(Edit {
            span: at..at,
            text: insert,
        })
    }
}

/// Where the line holding byte `at` starts (after a BOM), and its
/// indentation, when only spaces come before `at` on that line.
fn line_indent(text: &str, at: usize) -> Option<(usize, &str)> {
    let mut line = text[..at].rfind('\n').map_or(0, |i| i + 1);
    if text[line..].starts_with('\u{feff}') {
        line += '\u{feff}'.len_utf8();
    }
    let indent = text.get(line..at)?;
    indent.bytes().all(|b| b == b' ').then_some((line, indent))
}
