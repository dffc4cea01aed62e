//! Reads a YAML stream into [`Document`]s with libyaml-safer's events.
//! Building is iterative (an explicit stack), so deep nesting cannot
//! overflow the call stack.

use libyaml_safer::{Event, EventData, Parser};

use super::tree::{Document, Node, NodeId, NodeKind, Scalar, ScalarStyle};
use super::{Error, ErrorKind};

/// Deepest nesting accepted, the same limit go-yaml (which Kubernetes uses)
/// enforces: "exceeded max depth of 10000".
pub const MAX_DEPTH: usize = 10_000;

/// Reads every document of `text`. A leading byte order mark is allowed; the
/// spans count it, so they index `text` itself.
pub fn parse(text: &str) -> Result<Vec<Document>, Error> {
    let mut docs = Vec::new();
    for_each_document(text, |_, doc| docs.push(doc))?;
    Ok(docs)
}

/// Reads the documents of `text` one at a time, handing each to `f` with its
/// 0-based index, so that only one document's tree is in memory at once.
/// Stops at the first error; `f` may already have seen earlier documents.
pub fn for_each_document(text: &str, f: impl FnMut(usize, Document)) -> Result<(), Error> {
    for_each_document_marked(text, f).map(|_| ())
}

/// What the parser's own marks say of a whole stream, besides its documents:
/// what tells a stream cut at a document marker from the same text read as
/// part of a longer one (see `crate::parallel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marks {
    /// How many documents the stream holds, empty ones included.
    pub documents: usize,
    /// The parser's line at the end of the stream: the line breaks it
    /// counted (a lone `\r` is one, `\r\n` is one).
    pub lines: usize,
    /// The stream's first event is an explicit document start (`---`) at
    /// its very first byte.
    pub opens_with_marker: bool,
}

/// [`for_each_document`], and the parser's [`Marks`] of the stream.
pub fn for_each_document_marked(
    text: &str,
    mut f: impl FnMut(usize, Document),
) -> Result<Marks, Error> {
    use std::io::Read;
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    // libyaml-safer 0.3 panics on a stream that ends inside a block scalar
    // or an escape without a final line break; the parser reads one more
    // (spans stay within `text`, see `Builder::len`).
    let tail: &[u8] = if text.ends_with(['\n', '\r']) || text.len() == bom {
        b""
    } else {
        b"\n"
    };
    // A small window: given the whole slice at once, the parser would decode
    // all of it into a queue of 4-byte chars up front.
    // The parser skips a BOM at the very start without counting it in its
    // marks: it is given one of its own, so that a second BOM in the text is
    // counted (found by the property tests, see tests/regression.rs).
    let input = std::io::BufReader::with_capacity(
        64 * 1024,
        "\u{feff}"
            .as_bytes()
            .chain(&text.as_bytes()[bom..])
            .chain(tail),
    );
    let mut parser = Parser::new();
    parser.set_input(input);

    let mut builder = Builder {
        bom,
        len: text.len(),
        ..Builder::default()
    };
    // Any panic left in the parser must not take the process down: it
    // becomes an input error at the end of the stream.
    let mut marks = Marks {
        documents: 0,
        lines: 0,
        opens_with_marker: false,
    };
    let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        for (i, event) in parser.enumerate() {
            let event = event.map_err(|e| builder.syntax_error(&e, text))?;
            // Event 0 is the stream's start; event 1 opens the first document.
            if i == 1 {
                marks.opens_with_marker = matches!(
                    event.data,
                    EventData::DocumentStart {
                        implicit: false,
                        ..
                    }
                ) && event.start_mark.index == 0;
            }
            if matches!(event.data, EventData::StreamEnd) {
                marks.lines = event.start_mark.line as usize;
            }
            let end = builder.push(event)?;
            if let Some(doc) = builder.finished.take() {
                f(builder.count - 1, doc);
            }
            if end {
                break;
            }
        }
        marks.documents = builder.count;
        Ok(marks)
    }));
    parsed.unwrap_or_else(|_| {
        let line = text.matches('\n').count() as u64;
        let column = text.rsplit('\n').next().unwrap_or_default().chars().count() as u64;
        Err(builder.error(
            ErrorKind::Syntax(
                "malformed input the parser cannot recover from (libyaml-safer failed); \
                 the error is at or before this point"
                    .into(),
            ),
            line,
            column,
        ))
    })
}

#[derive(Default)]
struct Builder {
    bom: usize,
    /// Length of the text: marks past it (from the line break the parser
    /// is given at the end) are clamped to it.
    len: usize,
    /// Documents finished so far.
    count: usize,
    /// The document just finished, until the caller takes it.
    finished: Option<Document>,
    doc: Document,

    /// Open collections: the node and, for a mapping, a key waiting for its value.
    stack: Vec<(NodeId, Option<NodeId>)>,
}

impl Builder {
    /// Takes one event; returns true at the end of the stream.
    fn push(&mut self, event: Event) -> Result<bool, Error> {
        let start = event.start_mark;
        let end = (self.bom + event.end_mark.index as usize).min(self.len);
        let node = |kind| Node {
            kind,
            span: (self.bom + start.index as usize).min(end)..end,
            line: start.line as usize + 1,
            column: start.column as usize + 1,
        };
        match event.data {
            EventData::StreamStart { .. } | EventData::DocumentStart { .. } => {}
            EventData::StreamEnd => return Ok(true),
            EventData::DocumentEnd { .. } => {
                self.finished = Some(std::mem::take(&mut self.doc));
                self.count += 1;
            }

            EventData::Scalar {
                anchor,
                tag,
                value,
                style,
                ..
            } => {
                let style = match style {
                    libyaml_safer::ScalarStyle::SingleQuoted => ScalarStyle::SingleQuoted,
                    libyaml_safer::ScalarStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
                    libyaml_safer::ScalarStyle::Literal => ScalarStyle::Literal,
                    libyaml_safer::ScalarStyle::Folded => ScalarStyle::Folded,
                    _ => ScalarStyle::Plain,
                };
                // The line break given to the parser past the end of the text
                // (see `for_each_document`) is not part of the value: go-yaml,
                // reading the text as it is, has no final break to keep.
                let mut value = value;
                let past_end = self.bom + event.end_mark.index as usize > self.len;
                let block = matches!(style, ScalarStyle::Literal | ScalarStyle::Folded);
                if past_end && block && value.ends_with('\n') {
                    value.pop();
                }
                let scalar = Scalar {
                    value,
                    style,
                    anchored: anchor.is_some(),
                    tag,
                };
                let id = self.add(node(NodeKind::Scalar(scalar)));
                self.attach(id);
            }
            EventData::Alias { .. } => {
                let id = self.add(node(NodeKind::Alias));
                self.attach(id);
            }
            EventData::MappingStart { .. } | EventData::SequenceStart { .. } => {
                if self.stack.len() >= MAX_DEPTH {
                    return Err(self.error(ErrorKind::TooDeep, start.line, start.column));
                }
                let kind = if matches!(event.data, EventData::MappingStart { .. }) {
                    NodeKind::Mapping(Vec::new())
                } else {
                    NodeKind::Sequence(Vec::new())
                };
                let id = self.add(node(kind));
                self.stack.push((id, None));
            }
            EventData::MappingEnd | EventData::SequenceEnd => {
                if let Some((id, _)) = self.stack.pop() {
                    self.doc.nodes[id].span.end = end;
                    self.attach(id);
                }
            }
        }
        Ok(false)
    }

    fn add(&mut self, node: Node) -> NodeId {
        self.doc.nodes.push(node);
        self.doc.nodes.len() - 1
    }

    /// Makes `id` the next child of the innermost open collection, or the root.
    fn attach(&mut self, id: NodeId) {
        let Some((parent, pending)) = self.stack.last_mut() else {
            self.doc.root = Some(id);
            return;
        };
        match &mut self.doc.nodes[*parent].kind {
            NodeKind::Mapping(pairs) => match pending.take() {
                Some(key) => pairs.push((key, id)),
                None => *pending = Some(id),
            },
            NodeKind::Sequence(items) => items.push(id),
            _ => unreachable!("only collections are pushed on the stack"),
        }
    }

    fn error(&self, kind: ErrorKind, line: u64, column: u64) -> Error {
        Error {
            kind,
            document: self.count + 1,

            line: line as usize + 1,
            column: column as usize + 1,
        }
    }

    fn syntax_error(&self, e: &libyaml_safer::Error, text: &str) -> Error {
        let problem = match e.context() {
            Some(context) => format!("{}, {}", context, e.problem()),
            None => e.problem().to_string(),
        };
        let (line, column) = match e.problem_mark() {
            Some(mark) => (mark.line, mark.column),
            // The reader's errors (a control character) carry no mark.
            None => first_unprintable(text).unwrap_or_default(),
        };
        self.error(ErrorKind::Syntax(problem), line, column)
    }
}

/// The 0-based line and column of the first character YAML does not allow
/// in a stream: C0 controls but tab, LF and CR; DEL; C1 controls but NEL;
/// surrogates and U+FFFE, U+FFFF (YAML 1.1 `c-printable`).
fn first_unprintable(text: &str) -> Option<(u64, u64)> {
    let printable = |c: char| {
        matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
            || c >= '\u{10000}'
    };
    let (at, _) = text
        .char_indices()
        .find(|&(i, c)| !(printable(c) || (i == 0 && c == '\u{feff}')))?;
    let before = &text[..at];
    let line = before.matches('\n').count() as u64;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Some((line, before[line_start..].chars().count() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_bytes_after_multibyte_text_and_bom() {
        let text = "\u{feff}# æøå ✓\na: \"ü\"\nimage: nginx\n";
        let docs = parse(text).unwrap();
        let doc = &docs[0];
        let root = doc.root.unwrap();
        let image = doc.get(root, "image").next().unwrap();
        assert_eq!(&text[doc.node(image).span.clone()], "nginx");
        assert_eq!(doc.node(image).line, 3);
    }

    #[test]
    fn accepts_multiline_double_quoted_flow_scalar() {
        let text = "args: [\"\n  echo hi &&\n  sleep 1\n\"]\n";
        assert!(parse(text).is_ok());
    }

    #[test]
    fn counts_documents_in_errors() {
        let err = parse("a: 1\n---\nb: [\n").unwrap_err();
        assert_eq!(err.document, 2);
    }

    #[test]
    fn deep_flow_nesting_is_an_error_not_a_crash() {
        let text = "[".repeat(100_000);
        let err = parse(&text).unwrap_err();
        assert!(matches!(
            err.kind,
            ErrorKind::TooDeep | ErrorKind::Syntax(_)
        ));
    }
}
