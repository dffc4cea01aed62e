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
pub fn pieces<'a>(texts: &[&'a str]) -> Vec<&'a str> {
    let texts: Vec<&str> = texts.iter().copied().filter(|t| !t.is_empty()).collect();
    let mut pieces = Vec::with_capacity(texts.len() * 2 + 1);
    let json_first = texts.len() > 1 && starts_json(texts[0]);
    if json_first {
        pieces.push("---\n");
    }
    let mut previous: Option<&str> = None;
    for text in texts {
        let text = if previous.is_some() || json_first {
            text.strip_prefix('\u{feff}').unwrap_or(text)
        } else {
            text
        };
        if let Some(before) = previous {
            if !before.ends_with('\n') {
                pieces.push("\n");
            }
            if !text.starts_with("---") {
                pieces.push("---\n");
            }
        }
        pieces.push(text);
        previous = Some(text);
    }
    pieces
}

/// The streams joined into one string (see [`pieces`]).
pub fn join(texts: &[&str]) -> String {
    pieces(texts).concat()
}

#[cfg(test)]
mod tests {
    use super::pieces;

    fn joined(texts: &[&str]) -> String {
        pieces(texts).concat()
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
