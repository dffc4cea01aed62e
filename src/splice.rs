//! Applies byte edits to a text. Knows only ranges.

use std::ops::Range;

/// Replace `span` of the original text with `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub span: Range<usize>,
    pub text: String,
}

/// The text with every edit applied. Edits must not overlap; they may come in
/// any order.
///
/// # Panics
///
/// If two edits overlap or one lies outside the text: both are bugs in the
/// caller, and writing a corrupt manifest would be worse than stopping.
pub fn apply(text: &str, edits: &mut [Edit]) -> String {
    edits.sort_by_key(|e| e.span.start);
    let grown: usize = edits.iter().map(|e| e.text.len()).sum();
    let mut out = String::with_capacity(text.len() + grown);
    let mut at = 0;
    for edit in edits.iter() {
        assert!(
            edit.span.start >= at,
            "overlapping edits at byte {}",
            edit.span.start
        );
        out.push_str(&text[at..edit.span.start]);
        out.push_str(&edit.text);
        at = edit.span.end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(span: Range<usize>, text: &str) -> Edit {
        Edit {
            span,
            text: text.into(),
        }
    }

    #[test]
    fn applies_in_any_order() {
        let mut edits = [edit(6..7, "B"), edit(0..1, "xx")];
        assert_eq!(apply("a-b-c-d", &mut edits), "xx-b-c-B");
    }

    #[test]
    fn no_edits_is_identity() {
        assert_eq!(apply("héllo", &mut []), "héllo");
    }

    #[test]
    #[should_panic(expected = "overlapping")]
    fn overlap_panics() {
        apply("abcdef", &mut [edit(0..3, "x"), edit(2..4, "y")]);
    }
}
