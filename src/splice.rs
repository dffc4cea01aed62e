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
    sort(edits);
    let grown: usize = edits.iter().map(|e| e.text.len()).sum();
    let mut out = String::with_capacity(text.len() + grown);
    pieces(text, edits).for_each(|piece| out.push_str(piece));
    out
}

/// Puts the edits in input order.
pub fn sort(edits: &mut [Edit]) {
    edits.sort_by_key(|e| e.span.start);
}

/// The text with the edits applied, as pieces in order: the text between
/// the edits and each edit's new text, so that a long stream can be written
/// out without a second copy of it. Edits must be sorted ([`sort`]).
///
/// # Panics
///
/// As [`apply`], when the pieces are taken.
pub fn pieces<'a>(text: &'a str, edits: &'a [Edit]) -> impl Iterator<Item = &'a str> {
    let mut at = 0;
    edits
        .iter()
        .flat_map(move |edit| {
            assert!(
                edit.span.start >= at,
                "overlapping edits at byte {}",
                edit.span.start
            );
            let before = &text[at..edit.span.start];
            at = edit.span.end;
            [before, edit.text.as_str()]
        })
        .chain(std::iter::once(()).map(move |()| &text[edits.last().map_or(0, |e| e.span.end)..]))
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
