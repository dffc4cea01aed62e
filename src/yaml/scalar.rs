//! Writes a new value for a scalar in the style it already has: plain stays
//! plain, quoted keeps its quotes, a block scalar keeps its header and
//! indentation. Knows only YAML quoting, not what the value means.
//!
//! The new value must be a "safe" string (an image reference: ASCII letters,
//! digits and `._-/:@`), which needs no escaping in any style. The caller
//! guarantees that; [`Slot::fill`] checks it.

use std::ops::Range;

use super::{Node, Scalar, ScalarStyle};

/// A scalar that cannot be rewritten in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unsupported {
    /// A block scalar (`|`, `>`) whose content is not exactly one line.
    BlockScalarLines,
    /// The new value has characters that would need quoting or escaping.
    UnsafeValue,
    /// Only part of the value changes, and the scalar's source does not
    /// spell the value as it is (escapes, folded lines).
    Escaped,
    /// A document embedded in a scalar other than a literal block scalar
    /// (`|`) or a single-line scalar: its bytes do not map to the value's.
    EmbeddedStyle,
    /// A document embedded in a literal block scalar whose lines do not map
    /// one for one to the value's (an indentation indicator).
    EmbeddedLayout,
    /// A TOML string with escapes: its bytes are not its value's.
    TomlEscapes,
}

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Unsupported::BlockScalarLines => "block scalar with more than one content line",
            Unsupported::UnsafeValue => "new value would need quoting",
            Unsupported::Escaped => "scalar spelt with escapes or folded lines",
            Unsupported::EmbeddedStyle => {
                "document embedded in a folded or multi-line scalar (only a literal block `|` or a single-line scalar is edited)"
            }
            Unsupported::EmbeddedLayout => {
                "document embedded in a literal block whose lines cannot be mapped to its value (an indentation indicator, say)"
            }
            Unsupported::TomlEscapes => "TOML string with escapes",
        })
    }
}

/// Where a scalar's value (from byte `within` on) is in the text, and how a
/// new value is written there: found with the scalar, filled in once the new
/// image is known ([`Slot::fill`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// The bytes to replace.
    pub span: Range<usize>,
    /// The quote the new value goes between, if the span holds the quotes.
    quote: Option<char>,
}

impl Slot {
    /// `span` replaced by the new value as it is (a TOML string's content).
    pub fn bare(span: Range<usize>) -> Slot {
        Slot { span, quote: None }
    }

    /// The span and text that make the slot read `new`; refused when `new`
    /// would need quoting or escaping.
    pub fn fill(&self, new: &str) -> Result<(Range<usize>, String), Unsupported> {
        if !is_safe_value(new) {
            return Err(Unsupported::UnsafeValue);
        }
        let text = match self.quote {
            Some(q) => format!("{q}{new}{q}"),
            None => new.to_string(),
        };
        Ok((self.span.clone(), text))
    }

    /// The same slot in an outer text, each end moved by `map`; `None` when
    /// an end does not map.
    pub fn moved(&self, map: impl Fn(usize) -> Option<usize>) -> Option<Slot> {
        Some(Slot {
            span: map(self.span.start)?..map(self.span.end)?,
            quote: self.quote,
        })
    }
}

/// `new` needs no quoting or escaping in any style: a non-empty string of
/// ASCII letters, digits and `._-/:@`.
pub fn is_safe_value(new: &str) -> bool {
    !new.is_empty() && new.bytes().all(is_safe)
}

/// The slot of the scalar `node` in `text`: the part of its value from byte
/// `within` on (after an operator flag's `--image=`, left as written byte for
/// byte), or the whole value when `within` is 0. For a part, the scalar's
/// source must spell its value as it is (no escapes, no folded lines), so
/// that value offsets are source offsets.
pub fn slot(text: &str, node: &Node, scalar: &Scalar, within: usize) -> Result<Slot, Unsupported> {
    // Past the scalar's anchor and tag.
    let start = if scalar.anchored || scalar.tag.is_some() {
        skip_properties(text, node.span.start, node.span.end)
    } else {
        node.span.start
    };
    let end = node.span.end;
    let block =
        || block_content_line(text, start..end, &scalar.value).ok_or(Unsupported::BlockScalarLines);
    if within == 0 {
        return match scalar.style {
            ScalarStyle::Plain => Ok(Slot::bare(start..end)),
            ScalarStyle::SingleQuoted => Ok(Slot {
                span: start..end,
                quote: Some('\''),
            }),
            ScalarStyle::DoubleQuoted => Ok(Slot {
                span: start..end,
                quote: Some('"'),
            }),
            ScalarStyle::Literal | ScalarStyle::Folded => block().map(Slot::bare),
        };
    }
    let inner = match scalar.style {
        ScalarStyle::Plain => start..end,
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => start + 1..end - 1,
        ScalarStyle::Literal | ScalarStyle::Folded => block()?,
    };
    let spelt = text.get(inner.clone()) == Some(scalar.value.trim_end_matches('\n'));
    if !spelt || within > inner.len() {
        return Err(Unsupported::Escaped);
    }
    Ok(Slot::bare(inner.start + within..inner.end))
}

fn is_safe(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'/' | b':' | b'@')
}

/// Skips a node's anchor and tag (`&a !!str `), and the blanks, line breaks
/// and comments after them, to where the scalar itself starts.
fn skip_properties(text: &str, mut i: usize, end: usize) -> usize {
    let b = text.as_bytes();
    loop {
        match b.get(i) {
            Some(b'&' | b'!') if i < end => {
                while i < end && !b[i].is_ascii_whitespace() {
                    i += 1;
                }
            }
            Some(b' ' | b'\t' | b'\r' | b'\n') if i < end => i += 1,
            Some(b'#') if i < end => {
                while i < end && b[i] != b'\n' {
                    i += 1;
                }
            }
            _ => return i,
        }
    }
}

/// The range of the one content line of a block scalar, without its
/// indentation, if the scalar has exactly one non-blank line and that line
/// is the whole value.
fn block_content_line(text: &str, span: Range<usize>, value: &str) -> Option<Range<usize>> {
    let body = &text[span.clone()];
    let header_end = body.find('\n')? + 1;
    let mut found = None;
    let mut offset = span.start + header_end;
    for line in body[header_end..].split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']).trim_end_matches(' ');
        let trimmed = content.trim_start_matches(' ');
        if !trimmed.is_empty() {
            if found.is_some() {
                return None;
            }
            let lead = content.len() - trimmed.len();
            found = Some(offset + lead..offset + content.len());
        }
        offset += line.len();
    }
    let range = found?;
    (text[range.clone()] == *value.trim_end_matches('\n')).then_some(range)
}

#[cfg(test)]
mod tests {
    use crate::yaml::{Node, Scalar, parse};
    use std::ops::Range;

    /// The edit that makes the scalar read `new` from `within` on.
    fn replacement_within(
        text: &str,
        node: &Node,
        scalar: &Scalar,
        within: usize,
        new: &str,
    ) -> Result<(Range<usize>, String), super::Unsupported> {
        if !super::is_safe_value(new) {
            return Err(super::Unsupported::UnsafeValue);
        }
        super::slot(text, node, scalar, within)?.fill(new)
    }

    fn replacement(
        text: &str,
        node: &Node,
        scalar: &Scalar,
        new: &str,
    ) -> Result<(Range<usize>, String), super::Unsupported> {
        replacement_within(text, node, scalar, 0, new)
    }

    #[track_caller]
    fn check(input: &str, expected: &str) {
        let docs = parse(input).unwrap();
        let doc = &docs[0];
        let id = doc.get(doc.root.unwrap(), "image").next().unwrap();
        let node = doc.node(id);
        let (range, new) = replacement(input, node, doc.scalar(id).unwrap(), "reg/x:1").unwrap();
        let mut out = input.to_string();
        out.replace_range(range, &new);
        assert_eq!(out, expected);
    }

    #[test]
    fn keeps_each_style() {
        check("image: nginx\n", "image: reg/x:1\n");
        check("image: 'nginx'\n", "image: 'reg/x:1'\n");
        check("image: \"nginx\" # c\n", "image: \"reg/x:1\" # c\n");
        check("image: !!str nginx\n", "image: !!str reg/x:1\n");
        check("image: |-\n  nginx\nx: 1\n", "image: |-\n  reg/x:1\nx: 1\n");
        check(
            "image: >\n    nginx\n\nx: 1\n",
            "image: >\n    reg/x:1\n\nx: 1\n",
        );
        check("{\"image\": \"nginx\"}", "{\"image\": \"reg/x:1\"}");
        check("image: \"ngi\\\n  nx\"\n", "image: \"reg/x:1\"\n");
        check("image: nginx\r\nx: 1\r\n", "image: reg/x:1\r\nx: 1\r\n");
    }

    #[test]
    fn properties_and_comments_before_the_scalar_are_kept() {
        check(
            "image: !!str # c\n  nginx\n",
            "image: !!str # c\n  reg/x:1\n",
        );
        check(
            "image: &a !!str\n  # c\n  nginx\n",
            "image: &a !!str\n  # c\n  reg/x:1\n",
        );
    }

    #[test]
    fn a_new_value_that_needs_quoting_is_refused() {
        let input = "image: nginx\n";
        let docs = parse(input).unwrap();
        let doc = &docs[0];
        let id = doc.get(doc.root.unwrap(), "image").next().unwrap();
        for new in ["", "a b", "x'y", "a#b"] {
            assert_eq!(
                replacement(input, doc.node(id), doc.scalar(id).unwrap(), new),
                Err(super::Unsupported::UnsafeValue),
                "{new:?}"
            );
        }
    }

    #[test]
    fn a_block_scalar_whose_line_follows_a_blank_one_is_refused() {
        let input = "image: |\n  \n  nginx\n";
        let docs = parse(input).unwrap();
        let doc = &docs[0];
        let id = doc.get(doc.root.unwrap(), "image").next().unwrap();
        assert_eq!(
            replacement(input, doc.node(id), doc.scalar(id).unwrap(), "reg/x:1"),
            Err(super::Unsupported::BlockScalarLines)
        );
    }

    /// A tag or anchor with no value after it: the span holds properties
    /// only. (The rewrite never edits an empty value; the edit must still
    /// stay inside the node.)
    #[test]
    fn the_edit_stays_inside_a_node_that_has_only_properties() {
        for input in [
            "image: !!str\nx: 1\n",
            "image: &a\nx: 1\n",
            "{image: !!str , x: 1}",
            "image: !!str",
        ] {
            let docs = parse(input).unwrap();
            let doc = &docs[0];
            let id = doc.get(doc.root.unwrap(), "image").next().unwrap();
            let node = doc.node(id);
            let (range, _) = replacement(input, node, doc.scalar(id).unwrap(), "reg/x:1").unwrap();
            assert!(
                node.span.start <= range.start
                    && range.start <= range.end
                    && range.end <= node.span.end,
                "{input:?}: {range:?} outside {:?}",
                node.span
            );
        }
    }

    /// Rewrites the `image` value of `input` from byte `within` on to
    /// `reg/x:1`, or says why not.
    fn within(input: &str, within: usize) -> Result<String, super::Unsupported> {
        let docs = parse(input).unwrap();
        let doc = &docs[0];
        let id = doc.get(doc.root.unwrap(), "image").next().unwrap();
        let scalar = doc.scalar(id).unwrap();
        let (range, new) = replacement_within(input, doc.node(id), scalar, within, "reg/x:1")?;
        let mut out = input.to_string();
        out.replace_range(range, &new);
        Ok(out)
    }

    #[test]
    fn within_keeps_the_flag_in_each_style() {
        let flag = "--f=".len();
        for (input, expected) in [
            ("image: --f=nginx\n", "image: --f=reg/x:1\n"),
            ("image: '--f=nginx'\n", "image: '--f=reg/x:1'\n"),
            ("image: \"--f=nginx\" # c\n", "image: \"--f=reg/x:1\" # c\n"),
            (
                "image: |\n  --f=nginx\nx: 1\n",
                "image: |\n  --f=reg/x:1\nx: 1\n",
            ),
        ] {
            assert_eq!(within(input, flag).as_deref(), Ok(expected), "{input:?}");
        }
    }

    #[test]
    fn within_zero_is_the_whole_value_even_when_escaped() {
        assert_eq!(
            within("image: \"ngi\\\n  nx\"\n", 0).as_deref(),
            Ok("image: \"reg/x:1\"\n")
        );
        assert_eq!(
            within("image: \"--f=ngi\\\n  nx\"\n", 4),
            Err(super::Unsupported::Escaped)
        );
    }

    #[test]
    fn within_may_be_the_end_of_the_value_but_not_past_it() {
        assert_eq!(
            within("image: --f=\n", 4).as_deref(),
            Ok("image: --f=reg/x:1\n")
        );
        assert_eq!(within("image: --f=\n", 5), Err(super::Unsupported::Escaped));
    }

    #[test]
    fn every_unsupported_reason_has_its_message() {
        use super::Unsupported::*;
        for (why, message) in [
            (
                BlockScalarLines,
                "block scalar with more than one content line",
            ),
            (UnsafeValue, "new value would need quoting"),
            (Escaped, "scalar spelt with escapes or folded lines"),
            (TomlEscapes, "TOML string with escapes"),
        ] {
            assert_eq!(why.to_string(), message);
        }
        assert!(
            EmbeddedStyle
                .to_string()
                .starts_with("document embedded in a folded")
        );
        assert!(
            EmbeddedLayout
                .to_string()
                .starts_with("document embedded in a literal block")
        );
    }
}
