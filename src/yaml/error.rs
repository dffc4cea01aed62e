//! The error of reading a YAML stream, with where it happened.

use std::fmt;

/// Why a stream could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What went wrong.
    pub kind: ErrorKind,
    /// 1-based number of the document the error is in.
    pub document: usize,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

/// The kinds of [`Error`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input is not valid UTF-8.
    InvalidUtf8,
    /// The input starts with a UTF-16 byte order mark and is not valid
    /// UTF-16: its byte order (`UTF-16LE`, `UTF-16BE`) and what is wrong.
    InvalidUtf16 {
        encoding: &'static str,
        problem: String,
    },
    /// The YAML parser rejected the input; the text is libyaml's own problem
    /// description, with its context when it has one.
    Syntax(String),
    /// Nodes are nested deeper than 10,000 levels, go-yaml's limit.
    TooDeep,
}

impl Error {
    /// An error at the end of `before`, the stream's text up to it: its
    /// document (counting `---` lines), line and column.
    pub(crate) fn at(kind: ErrorKind, before: &[u8]) -> Error {
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1;
        let document = 1 + before
            .split(|&b| b == b'\n')
            .skip(1)
            .filter(|l| l.starts_with(b"---"))
            .count();
        Error {
            kind,
            document,
            line: before.iter().filter(|&&b| b == b'\n').count() + 1,
            column,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "document {}, line {}, column {}: ",
            self.document, self.line, self.column
        )?;
        match &self.kind {
            ErrorKind::InvalidUtf8 => f.write_str("input is not valid UTF-8"),
            ErrorKind::InvalidUtf16 { encoding, problem } => {
                write!(f, "input is not valid {encoding}: {problem}")
            }
            ErrorKind::Syntax(problem) => write!(f, "invalid YAML: {problem}"),
            ErrorKind::TooDeep => {
                write!(f, "nesting deeper than {} levels", super::build::MAX_DEPTH)
            }
        }
    }
}

impl std::error::Error for Error {}
