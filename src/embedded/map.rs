//! How a scalar's value maps to the bytes of the outer text, so that an
//! edit inside an embedded document lands on the same bytes of the file.

use std::ops::Range;

use crate::site::Uneditable;
use crate::yaml::{Document, NodeId, ScalarStyle, scalar::Unsupported};

/// How offsets of a scalar's value map to offsets of the outer text: for
/// each line of the value, where it starts in the value and in the text.
pub(crate) struct Map {
    lines: Vec<(usize, usize)>,
    /// The value's bytes up to here map; beyond (trailing blanks) they may not.
    len: usize,
}

impl Map {
    pub(crate) fn get(&self, at: usize) -> Option<usize> {
        if at > self.len {
            return None;
        }
        let i = self.lines.partition_point(|&(inner, _)| inner <= at);
        let (inner, outer) = *self.lines.get(i.checked_sub(1)?)?;
        Some(outer + (at - inner))
    }
}

/// The map of the scalar `node`, or why its bytes do not map to its value.
pub(crate) fn map(text: &str, doc: &Document, node: NodeId) -> Result<Map, Uneditable> {
    let n = doc.node(node);
    let s = doc.scalar(node).expect("targets are scalars");
    if s.anchored {
        return Err(Uneditable::Anchored);
    }
    let src = &text[n.span.clone()];
    let value = s.value.as_str();
    let single = |offset: usize| Map {
        lines: vec![(0, offset)],
        len: value.len(),
    };
    match s.style {
        _ if value.contains('\n') && s.style != ScalarStyle::Literal => {
            Err(Uneditable::Unsupported(Unsupported::EmbeddedStyle))
        }
        ScalarStyle::Plain if !src.contains('\n') && src.ends_with(value) => {
            Ok(single(n.span.end - value.len()))
        }
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted if !src.contains('\n') => {
            let q = if s.style == ScalarStyle::SingleQuoted {
                '\''
            } else {
                '"'
            };
            let body = src
                .strip_suffix(q)
                .filter(|b| b.ends_with(value) && b[..b.len() - value.len()].ends_with(q));
            body.map(|_| single(n.span.end - 1 - value.len()))
                .ok_or(Uneditable::Unsupported(Unsupported::EmbeddedStyle))
        }
        ScalarStyle::Literal => literal(text, n.span.clone(), value),
        _ => Err(Uneditable::Unsupported(Unsupported::EmbeddedStyle)),
    }
}

/// A literal block scalar: each content line is the outer line less the
/// block's indentation. The lines rebuilt so must read as the value.
fn literal(text: &str, span: Range<usize>, value: &str) -> Result<Map, Uneditable> {
    let layout = Err(Uneditable::Unsupported(Unsupported::EmbeddedLayout));
    let body = &text[span.clone()];
    let Some(header) = body.find('\n') else {
        return layout;
    };
    let content = &body[header + 1..];
    let indent = content
        .split('\n')
        .find(|l| !l.trim_start_matches(' ').is_empty())
        .map_or(0, |l| l.len() - l.trim_start_matches(' ').len());
    let mut lines = Vec::new();
    let mut built = String::new();
    let mut offset = span.start + header + 1;
    for line in content.split_inclusive('\n') {
        let lead = (line.len() - line.trim_start_matches(' ').len()).min(indent);
        lines.push((built.len(), offset + lead));
        // YAML reads a CR LF line break as LF.
        match line[lead..].strip_suffix("\r\n") {
            Some(content) => {
                built.push_str(content);
                built.push('\n');
            }
            None => built.push_str(&line[lead..]),
        }
        offset += line.len();
    }
    let (a, b) = (built.trim_end(), value.trim_end());
    if a != b {
        return layout;
    }
    Ok(Map {
        lines,
        len: a.len(),
    })
}

/// 1-based line and column (in characters) of a byte offset.
pub(super) fn line_column(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at];
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        before.matches('\n').count() + 1,
        before[start..].chars().count() + 1,
    )
}

/// The byte offset of a 1-based line and column (in characters).
pub(super) fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start = if line <= 1 {
        0
    } else {
        text.match_indices('\n')
            .nth(line - 2)
            .map_or(text.len(), |(i, _)| i + 1)
    };
    text[start..]
        .char_indices()
        .nth(column - 1)
        .map_or(text.len(), |(i, _)| start + i)
}
