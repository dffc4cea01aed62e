//! The pipeline on several cores: a long stream is cut at document markers
//! into parts, each part is read, located and decided on a thread of its
//! own, and what they found is put back together as if one thread had read
//! the whole stream. The outcome is the sequential one, byte for byte: the
//! same text, edits, images and warnings, with the same document, line and
//! column numbers.
//!
//! 1. **Cut only at `---` lines.** A `---` at the start of a line, followed
//!    by a blank, a line break or the end, is a document start wherever it
//!    stands between tokens; inside a plain scalar it ends the scalar, inside
//!    a quoted scalar libyaml reports "found unexpected document indicator",
//!    and a block scalar cannot hold a line at column 0 (its indentation is
//!    at least 1). So no scalar spans a cut, and each part parses as the
//!    same documents it holds in the whole stream.
//!    [YAML 1.2 §9.1.2](https://yaml.org/spec/1.2.2/#912-document-markers)
//! 2. **Never where a line starts with `%`.** A directive (`%YAML`, `%TAG`)
//!    changes the document after it, so a stream with one is read whole.
//!    [YAML 1.2 §6.8](https://yaml.org/spec/1.2.2/#68-directives)
//! 3. **Check every seam with the parser's own marks.** Each part after the
//!    first must open with an explicit document start at its first byte,
//!    and each part before the last must end where the parser counted as
//!    many lines as the part has `\n` bytes (a lone `\r` is a line break to
//!    libyaml, so a part with one would shift the lines after it; the
//!    embedded documents count `\n`). Otherwise the stream is read whole.
//! 4. **Any error anywhere: read the whole stream again, on one thread.**
//!    A part's error would carry the part's document and line numbers, and
//!    a part may fail where the whole fails elsewhere first; the sequential
//!    run gives today's message exactly. A panic in a part is the same.
//! 5. **Shift, then join.** A part's byte spans move by where it starts,
//!    its lines by the `\n` bytes before it, its documents by the documents
//!    before it, and its warnings' image indices by the images before it.
//!
//! Memory: the parts are slices of the input; each thread holds one
//! document's tree at a time, so the peak stays the input, the output and a
//! tree per thread.

use std::num::NonZeroUsize;

use crate::config::Config;
use crate::rewrite::{Found, Plan, find};
use crate::yaml;

/// How many threads a rewrite may use, and from what length a stream is
/// worth cutting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Threads {
    /// At most this many parts, each on a thread of its own; 1 reads every
    /// stream whole on the calling thread.
    pub count: NonZeroUsize,
    /// Streams shorter than this (in bytes) are read whole.
    pub min_bytes: usize,
}

impl Threads {
    /// Below this length a stream is read whole. `cargo bench --bench
    /// threshold` (docs/performance.md) had two threads 1.2 to 1.3 times
    /// as fast from 17 KB to 40 KB and 1.5 times from 69 KB; under 64 KiB
    /// the gain, a tenth of a millisecond, is about what counting the cores
    /// (the cgroup's CPU quota) costs the binary.
    pub const MIN_BYTES: usize = 64 * 1024;

    /// One thread: every stream read whole, as [`crate::rewrite()`] does.
    pub const ONE: Threads = Threads {
        count: NonZeroUsize::MIN,
        min_bytes: Self::MIN_BYTES,
    };

    /// `count` threads for streams of [`Threads::MIN_BYTES`] and more.
    pub fn new(count: NonZeroUsize) -> Threads {
        Threads {
            count,
            min_bytes: Self::MIN_BYTES,
        }
    }

    /// As many threads as the machine (or the process's CPU quota) allows:
    /// [`std::thread::available_parallelism`], one when it cannot tell.
    pub fn available() -> Threads {
        Threads::new(std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN))
    }
}

/// [`crate::rewrite()`] with up to `threads.count` threads for a stream of
/// `threads.min_bytes` or more; the outcome and any error are exactly the
/// one-thread ones.
pub fn rewrite_with(
    input: &[u8],
    config: &Config,
    threads: Threads,
) -> Result<crate::Outcome, yaml::Error> {
    plan(input, config, threads).map(Plan::into_outcome)
}

/// [`rewrite_with`], with the edits not made yet: the [`Plan`] writes the
/// rewritten stream out in pieces.
pub fn plan<'a>(
    input: &'a [u8],
    config: &Config,
    threads: Threads,
) -> Result<Plan<'a>, yaml::Error> {
    let text = crate::rewrite::utf8(input)?;
    let cuts = match input.len() >= threads.min_bytes {
        true => seams(text, threads.count.get()),
        false => Vec::new(),
    };
    let (found, documents) = match in_parts(text, &cuts, config) {
        Some(joined) => joined,
        None => find(text, config).map(|(found, documents, _)| (found, documents))?,
    };
    Ok(found.plan(text, documents))
}

/// The byte offsets at which `text` may be cut into at most `parts` parts
/// of about the same length: each the start of a `---` line (step 1). None
/// when a line starts with `%` (step 2).
pub fn seams(text: &str, parts: usize) -> Vec<usize> {
    let bytes = text.as_bytes();
    if parts < 2 || has_directive(bytes) {
        return Vec::new();
    }
    let mut seams: Vec<usize> = Vec::with_capacity(parts - 1);
    for j in 1..parts {
        let from = (bytes.len() / parts * j).max(seams.last().map_or(0, |&s| s + 1));
        match marker_at_or_after(bytes, from) {
            Some(at) => seams.push(at),
            None => break,
        }
    }
    seams
}

/// Some line starts with `%`: after a line feed, a carriage return, or at
/// the start (past a byte order mark).
fn has_directive(bytes: &[u8]) -> bool {
    let body = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    if body.first() == Some(&b'%') {
        return true;
    }
    memchr::memchr_iter(b'%', bytes).any(|i| i > 0 && matches!(bytes[i - 1], b'\n' | b'\r'))
}

/// The first offset at or after `from` that starts a line holding a
/// document start marker: `---` after a line feed, then a blank, a line
/// break or the end.
fn marker_at_or_after(bytes: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    loop {
        let newline = bytes.get(at.saturating_sub(1)..)?;
        let line = at.saturating_sub(1) + newline.iter().position(|&b| b == b'\n')? + 1;
        let rest = &bytes[line..];
        let blank_after = matches!(rest.get(3), None | Some(b' ' | b'\t' | b'\r' | b'\n'));
        if rest.starts_with(b"---") && blank_after {
            return Some(line);
        }
        at = line + 1;
    }
}

/// What one part found, with what the seams are checked and shifted by.
struct Part {
    found: Found,
    /// Documents with content.
    documents: usize,
    marks: yaml::Marks,
    /// `\n` bytes in the part.
    newlines: usize,
}

/// Finds every part's images on a thread of its own and joins them (steps
/// 3 to 5); `None` when there is nothing to cut, a seam fails its check, or
/// a part fails.
fn in_parts(text: &str, seams: &[usize], config: &Config) -> Option<(Found, usize)> {
    if seams.is_empty() {
        return None;
    }
    let starts: Vec<usize> = std::iter::once(0).chain(seams.iter().copied()).collect();
    let ends = seams.iter().copied().chain(std::iter::once(text.len()));
    let slices: Vec<&str> = starts.iter().zip(ends).map(|(&s, e)| &text[s..e]).collect();
    let parts: Vec<Option<Part>> = std::thread::scope(|scope| {
        let rest: Vec<_> = slices[1..]
            .iter()
            .map(|&slice| scope.spawn(move || part(slice, config)))
            .collect();
        let first = part(slices[0], config);
        std::iter::once(Ok(first))
            .chain(rest.into_iter().map(|handle| handle.join()))
            .map(|joined| joined.ok().flatten())
            .collect()
    });
    let last = parts.len() - 1;
    let mut all = Found::default();
    let (mut documents, mut lines, mut before) = (0, 0, 0);
    for (k, part) in parts.into_iter().enumerate() {
        let part = part?;
        if (k > 0 && !part.marks.opens_with_marker)
            || (k < last && part.marks.lines != part.newlines)
        {
            return None;
        }
        all.append(part.found, starts[k], lines, before);
        documents += part.documents;
        lines += part.newlines;
        before += part.marks.documents;
    }
    Some((all, documents))
}

/// One part, found as a stream of its own; `None` on any error (step 4).
fn part(text: &str, config: &Config) -> Option<Part> {
    let (found, documents, marks) = find(text, config).ok()?;
    Some(Part {
        found,
        documents,
        marks,
        newlines: memchr::memchr_iter(b'\n', text.as_bytes()).count(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seams_fall_on_marker_lines_near_the_even_cuts() {
        let text = "a: 1\n---\nb: 2\n--- # c\nc: 3\n---\nd: 4\n";
        assert_eq!(seams(text, 2), vec![27]);
        assert_eq!(&text[27..30], "---");
        // Fewer parts when the markers run out.
        assert_eq!(seams(text, 4), vec![14, 27]);
        assert_eq!(seams(text, 1), Vec::<usize>::new());
    }

    #[test]
    fn no_seam_in_markers_that_are_not_document_starts() {
        // Not at column 0, followed by text, or `...`.
        let text = "a: |\n  ---\nb: ---x\n----\n...\nc: 1\n";
        assert_eq!(seams(text, 2), Vec::<usize>::new());
    }

    #[test]
    fn a_directive_anywhere_keeps_the_stream_whole() {
        assert!(seams("a: 1\n---\nb: 2\n%YAML 1.1\n---\nc\n", 2).is_empty());
        assert!(seams("%YAML 1.1\n---\na\n---\nb\n", 2).is_empty());
        assert!(seams("\u{feff}%YAML 1.1\n---\na\n---\nb\n", 2).is_empty());
        assert!(seams("a\r%TAG ! x\n---\nb\n---\nc\n", 2).is_empty());
        // A `%` inside a line is no directive.
        assert_eq!(seams("a: 50%\nb: 2\n---\nc: 1\n", 2), vec![12]);
    }

    #[test]
    fn a_marker_at_the_very_end_is_still_a_seam() {
        assert_eq!(seams("a: 1\n---", 2), vec![5]);
        assert_eq!(seams("a: 1\n--", 2), Vec::<usize>::new());
    }
}
