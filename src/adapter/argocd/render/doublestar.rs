//! Helm values-file globs as Argo CD expands them: [doublestar v4](https://github.com/bmatcuk/doublestar)
//! `FilepathGlob` (`ResolveValueFiles` in
//! [value_file_resolver.go](https://github.com/argoproj/argo-cd/blob/master/reposerver/repository/value_file_resolver.go);
//! doublestar's [glob.go](https://github.com/bmatcuk/doublestar/blob/master/glob.go)
//! and [globwalk.go](https://github.com/bmatcuk/doublestar/blob/master/globwalk.go)
//! for the order).
//!
//! `*`, `?` and `[…]` match within one path segment, `**` as a whole segment
//! any number of directories, `{a,b}` alternatives (nested too), `\`
//! escapes; dot files are matched like any other. `{…}` is expanded here
//! ([`expand_braces`]); each remaining segment is a globset glob with
//! `literal_separator`, which reads `*`, `?`, `[…]`, `[!…]`, `[^…]` and `\`
//! as doublestar does.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher};

use super::glob::BadGlob;

/// The matches of a doublestar pattern for an absolute path (the
/// repository's part escaped), in doublestar's order: directories are
/// read in name order; `**` in the middle tries the directory itself, then
/// every directory below it depth first; a final `**` matches the
/// directory and everything below it, directories included (as
/// `FilepathGlob` does: helm then fails on a directory, as under Argo CD).
/// With `{…}` alternatives the matches are merged in string order without
/// duplicates, as doublestar merges them.
pub(super) fn matches(pattern: &str) -> Result<Vec<PathBuf>, BadGlob> {
    let patterns = expand_braces(pattern)?;
    let mut matches = Vec::new();
    for p in &patterns {
        let segments: Vec<&str> = p.split('/').filter(|s| !s.is_empty()).collect();
        let literal = segments.iter().take_while(|s| !has_meta(s)).count();
        let base: PathBuf = std::iter::once("/".to_string())
            .chain(segments[..literal].iter().map(|s| unescape(s)))
            .collect();
        let rest = segments[literal..]
            .iter()
            .map(|s| Segment::new(s))
            .collect::<Result<Vec<_>, _>>()?;
        if rest.is_empty() {
            // Only escaped meta characters: one file, if it exists.
            if std::fs::metadata(&base).is_ok() {
                matches.push(base);
            }
        } else {
            walk(&base, &rest, &mut matches);
        }
    }
    if patterns.len() > 1 {
        matches.sort();
        matches.dedup();
    }
    Ok(matches)
}

/// One `/`-separated part of a pattern.
enum Segment {
    /// No meta characters: looked up by name.
    Literal(String),
    /// Matched against each name in the directory.
    Pattern(GlobMatcher),
    /// `**`: any number of directories.
    DoubleStar,
}

impl Segment {
    fn new(s: &str) -> Result<Segment, BadGlob> {
        if s == "**" {
            Ok(Segment::DoubleStar)
        } else if has_meta(s) {
            segment_pattern(s).map(Segment::Pattern)
        } else {
            Ok(Segment::Literal(unescape(s)))
        }
    }
}

fn is_dir(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_dir())
}

/// The entries of `dir` in name order; none if it cannot be read
/// (doublestar ignores such errors).
fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut list: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    list.sort();
    list
}

fn walk(dir: &Path, segments: &[Segment], out: &mut Vec<PathBuf>) {
    let Some((first, rest)) = segments.split_first() else {
        return;
    };
    let last = rest.is_empty();
    match first {
        Segment::Literal(name) => {
            let path = dir.join(name);
            if last && std::fs::metadata(&path).is_ok() {
                out.push(path);
            } else if !last && is_dir(&path) {
                walk(&path, rest, out);
            }
        }
        Segment::Pattern(m) => {
            for path in entries(dir) {
                let name = path.file_name().unwrap_or_default();
                if !m.is_match(Path::new(name)) {
                    continue;
                }
                if last {
                    out.push(path);
                } else if is_dir(&path) {
                    walk(&path, rest, out);
                }
            }
        }
        Segment::DoubleStar => {
            let mut below = Vec::new();
            let mut visited = HashSet::new();
            tree(dir, last, &mut below, &mut visited);
            if last {
                out.push(dir.to_path_buf());
                out.extend(below);
            } else {
                walk(dir, rest, out);
                for d in below {
                    walk(&d, rest, out);
                }
            }
        }
    }
}

/// Everything below `dir` depth first in name order (only directories
/// unless `files`); symlinked directories followed once each.
fn tree(dir: &Path, files: bool, out: &mut Vec<PathBuf>, visited: &mut HashSet<PathBuf>) {
    if !dir.canonicalize().is_ok_and(|c| visited.insert(c)) {
        return;
    }
    for path in entries(dir) {
        if is_dir(&path) {
            out.push(path.clone());
            tree(&path, files, out, visited);
        } else if files {
            out.push(path);
        }
    }
}

/// Compiles one segment (no `/`, no `{…}`) of a values-file glob.
pub(super) fn segment_pattern(segment: &str) -> Result<GlobMatcher, BadGlob> {
    GlobBuilder::new(segment)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map(|g| g.compile_matcher())
        .map_err(BadGlob::from)
}

/// At most this many patterns from one `{…}` expansion.
const MAX_EXPANSIONS: usize = 1024;

/// The patterns a doublestar pattern's `{a,b}` alternatives stand for, in
/// order; nested groups too. A `}` or `,` outside a group is literal (as in
/// doublestar), and comes back escaped; an unclosed `{` is an error.
pub(super) fn expand_braces(pattern: &str) -> Result<Vec<String>, BadGlob> {
    let mut done = Vec::new();
    let mut todo = vec![pattern.to_string()];
    while let Some(p) = todo.pop() {
        match first_group(&p)? {
            None => done.push(escape_stray(&p)),
            Some((open, close, commas)) => {
                let (head, tail) = (&p[..open], &p[close + 1..]);
                let mut starts = vec![open + 1];
                starts.extend(commas.iter().map(|c| c + 1));
                let mut ends = commas.clone();
                ends.push(close);
                // Pushed in reverse: popped (and so expanded) in order.
                for (s, e) in starts.into_iter().zip(ends).rev() {
                    todo.push(format!("{head}{}{tail}", &p[s..e]));
                }
            }
        }
        if done.len() + todo.len() > MAX_EXPANSIONS {
            return Err(BadGlob::TooManyAlternatives(MAX_EXPANSIONS));
        }
    }
    Ok(done)
}

/// The first top-level `{`, its `}` and the commas between them at its own
/// level; escapes and `[…]` classes respected.
fn first_group(p: &str) -> Result<Option<(usize, usize, Vec<usize>)>, BadGlob> {
    let b = p.as_bytes();
    let (mut i, mut depth, mut open, mut commas) = (0, 0usize, 0, Vec::new());
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'[' => {
                if let Some(end) = class_end(b, i) {
                    i = end;
                }
            }
            b'{' => {
                if depth == 0 {
                    open = i;
                }
                depth += 1;
            }
            b',' if depth == 1 => commas.push(i),
            b'}' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    return Ok(Some((open, i, commas)));
                }
            }
            _ => {}
        }
        i += 1;
    }
    if depth > 0 {
        return Err(BadGlob::UnclosedBrace);
    }
    Ok(None)
}

/// The index of the `]` closing the class that opens at `start`.
fn class_end(b: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    if matches!(b.get(i), Some(b'!' | b'^')) {
        i += 1;
    }
    if b.get(i) == Some(&b']') {
        i += 1;
    }
    b[i..].iter().position(|&c| c == b']').map(|p| i + p)
}

/// `}` and `,` outside classes escaped, so that globset reads them as the
/// literals doublestar takes them for.
fn escape_stray(p: &str) -> String {
    let b = p.as_bytes();
    let mut out = String::with_capacity(p.len());
    let mut i = 0;
    while i < b.len() {
        let end = match b[i] {
            b'\\' => (i + 2).min(b.len()),
            b'[' => class_end(b, i).map_or(i + 1, |e| e + 1),
            b'}' | b',' => {
                out.push('\\');
                i + 1
            }
            _ => i + 1,
        };
        let end = (end..=b.len()).find(|&e| p.is_char_boundary(e)).unwrap();
        out.push_str(&p[i..end]);
        i = end;
    }
    out
}

/// The segment holds an unescaped `*`, `?` or `[`: it is matched, not
/// looked up.
pub(super) fn has_meta(segment: &str) -> bool {
    let mut escaped = false;
    for c in segment.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '*' | '?' | '[' => return true,
            _ => {}
        }
    }
    false
}

/// A segment without meta characters, its escapes removed.
pub(super) fn unescape(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    let mut chars = segment.chars();
    while let Some(c) = chars.next() {
        out.push(if c == '\\' {
            chars.next().unwrap_or(c)
        } else {
            c
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn braces_expand_in_order() {
        let expand = |p| expand_braces(p).unwrap();
        assert_eq!(expand("envs/*.yaml"), ["envs/*.yaml"]);
        assert_eq!(expand("{b,a}.yaml"), ["b.yaml", "a.yaml"]);
        assert_eq!(
            expand("x/{a,{b,c}d}/{1,2}"),
            ["x/a/1", "x/a/2", "x/bd/1", "x/bd/2", "x/cd/1", "x/cd/2"]
        );
        assert_eq!(expand("{,v}.yaml"), [".yaml", "v.yaml"]);
        assert_eq!(expand("a}b,c"), ["a\\}b\\,c"]);
        assert_eq!(expand("\\{a,b}"), ["\\{a\\,b\\}"]);
        assert_eq!(expand("[{]x"), ["[{]x"]);
        assert!(expand_braces("{a,b").is_err());
        assert!(expand_braces(&"{a,b}".repeat(11)).is_err());
    }

    #[test]
    fn segments() {
        assert!(has_meta("*.yaml") && has_meta("v?") && has_meta("[ab]"));
        assert!(!has_meta("values.yaml") && !has_meta("a\\*b"));
        assert_eq!(unescape("a\\*b\\\\c"), "a*b\\c");
        let m = segment_pattern("values-*.yaml").unwrap();
        assert!(m.is_match("values-prod.yaml") && m.is_match("values-.yaml"));
        assert!(!m.is_match("values-a/b.yaml"));
        assert!(segment_pattern("[^a].yaml").unwrap().is_match("b.yaml"));
    }
}
