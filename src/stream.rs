//! Several streams (files, a renderer's parts) as one: each starts a new
//! document, so documents never run together.

/// The text, past a byte order mark and blanks, opens a JSON document.
fn starts_json(text: &str) -> bool {
    text.trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with(['{', '['])
}

/// Several streams (files, rendered parts) as the pieces of one stream in
/// which each starts a new document: empty ones are dropped; a line break
/// goes after a stream that does not end with one; `---` before each that
/// does not start with it; a byte order mark only at the very start; and
/// `---` first when the first stream is JSON, since Kubernetes'
/// YAMLOrJSONDecoder (Argo CD's) would read a stream that starts with `{` as
/// JSON only. One stream comes out exactly as it is.
///
/// Each stream comes in pieces of its own (a rewritten stream is the text
/// between its edits and the new images, [`crate::Plan::pieces`]); its
/// opening is read from its first piece that is not empty, which for a
/// rewritten stream is the text before the first image and so holds the
/// key before it.
pub fn pieces<'a>(streams: &[Vec<&'a str>]) -> Vec<&'a str> {
    let streams: Vec<Vec<&str>> = streams
        .iter()
        .map(|s| {
            s.iter()
                .copied()
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
        })
        .filter(|s| !s.is_empty())
        .collect();
    let mut pieces = Vec::with_capacity(streams.iter().map(|s| s.len() + 2).sum::<usize>() + 1);
    let json_first = streams.len() > 1 && starts_json(streams[0][0]);
    if json_first {
        pieces.push("---\n");
    }
    let mut previous: Option<&str> = None;
    for stream in streams {
        let first = stream[0];
        let first = if previous.is_some() || json_first {
            first.strip_prefix('\u{feff}').unwrap_or(first)
        } else {
            first
        };
        if let Some(before) = previous {
            if !before.ends_with('\n') {
                pieces.push("\n");
            }
            if !first.starts_with("---") {
                pieces.push("---\n");
            }
        }
        pieces.push(first);
        pieces.extend(&stream[1..]);
        previous = stream.last().copied();
    }
    pieces.retain(|p| !p.is_empty());
    pieces
}

/// The streams joined into one string (see [`pieces`]).
pub fn join(texts: &[&str]) -> String {
    pieces(&whole(texts)).concat()
}

/// Each text as a stream of one piece.
fn whole<'a>(texts: &[&'a str]) -> Vec<Vec<&'a str>> {
    texts.iter().map(|&t| vec![t]).collect()
}

#[cfg(test)]
mod tests {
    use super::{pieces, whole};

    fn joined(texts: &[&str]) -> String {
        pieces(&whole(texts)).concat()
    }

    #[test]
    fn streams_in_pieces_join_as_their_text_would() {
        // A stream that ends in a rewritten image, with no line break.
        let streams = vec![vec!["a: ", "b", ""], vec!["", "{\"c\": ", "d}"]];
        assert_eq!(pieces(&streams).concat(), "a: b\n---\n{\"c\": d}");
        let json = vec![vec!["{\"a\": ", "x", "}\n"], vec!["b: 1\n"]];
        assert_eq!(pieces(&json).concat(), "---\n{\"a\": x}\n---\nb: 1\n");
    }

    #[test]
    fn streams_never_run_together() {
        assert_eq!(joined(&["a: 1"]), "a: 1");
        assert_eq!(
            joined(&["a: 1", "", "b: 2\n", "---\nc: 3\n"]),
            "a: 1\n---\nb: 2\n---\nc: 3\n"
        );
        assert_eq!(joined(&["a: 1\n", "", "---\nb: 2\n"]), "a: 1\n---\nb: 2\n");
        assert_eq!(joined(&["", "a: 1\n"]), "a: 1\n");
    }

    #[test]
    fn json_first_and_byte_order_marks() {
        assert_eq!(joined(&["{\"a\":1}"]), "{\"a\":1}");
        assert_eq!(
            joined(&["", "{\"a\":1}", "b: 2\n"]),
            "---\n{\"a\":1}\n---\nb: 2\n"
        );
        assert_eq!(
            joined(&["\u{feff}a: 1\n", "\u{feff}b: 2\n"]),
            "\u{feff}a: 1\n---\nb: 2\n"
        );
        assert_eq!(joined(&["\u{feff}{}", "b: 2\n"]), "---\n{}\n---\nb: 2\n");
    }
}
