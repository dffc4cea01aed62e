//! The two glob dialects of Argo CD's sources, matched with globset.
//!
//! - `directory.include` / `directory.exclude` go through Argo CD's
//!   `util/glob.Match`, which is [gobwas/glob](https://github.com/gobwas/glob)
//!   compiled with no separators
//!   ([util/glob/glob.go](https://github.com/argoproj/argo-cd/blob/master/util/glob/glob.go),
//!   called from `getPotentiallyValidManifestFile` in
//!   [repository.go](https://github.com/argoproj/argo-cd/blob/master/reposerver/repository/repository.go)):
//!   `*` and `**` alike match any run of characters, `/` included, against
//!   the file's path relative to the app. So `*.yaml` matches `sub/a.yaml`,
//!   and `**/*.yaml` needs a `/`. globset's `**/` would also match no
//!   directory at all, so runs of `*` are folded into one `*` first, and
//!   globset then reads the pattern the way gobwas does.
//! - Helm `valueFiles` globs are [doublestar v4](https://github.com/bmatcuk/doublestar)
//!   `FilepathGlob` patterns
//!   ([value_file_resolver.go](https://github.com/argoproj/argo-cd/blob/master/reposerver/repository/value_file_resolver.go)):
//!   `*`, `?` and `[…]` within one path segment, `**` as a whole segment for
//!   any number of directories, `{a,b}` alternatives (nested too), `\`
//!   escapes. `{…}` is expanded here ([`expand_braces`]); each segment is a
//!   globset glob with `literal_separator`, which reads `*`, `?`, `[…]`,
//!   `[!…]`, `[^…]` and `\` as doublestar does.
//!
//! Where the dialects and globset part (documented in the README's table):
//! gobwas reads `[^…]` as a class holding `^`, globset as a negation; and
//! a pattern gobwas cannot compile makes Argo CD match nothing, silently,
//! where the plugin rejects the parameter.

use globset::{GlobBuilder, GlobMatcher};

/// Compiles a `directory.include` or `directory.exclude` pattern.
pub(super) fn directory_pattern(pattern: &str) -> Result<GlobMatcher, String> {
    GlobBuilder::new(&fold_stars(pattern))
        .literal_separator(false)
        .backslash_escape(true)
        .empty_alternates(true)
        .build()
        .map(|g| g.compile_matcher())
        .map_err(|e| e.kind().to_string())
}

/// Compiles one segment (no `/`, no `{…}`) of a values-file glob.
pub(super) fn segment_pattern(segment: &str) -> Result<GlobMatcher, String> {
    GlobBuilder::new(segment)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map(|g| g.compile_matcher())
        .map_err(|e| e.kind().to_string())
}

/// Runs of unescaped `*` outside `[…]` made one `*`.
fn fold_stars(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars().peekable();
    let (mut class, mut star) = (false, false);
    while let Some(c) = chars.next() {
        let was_star = std::mem::replace(&mut star, false);
        match c {
            '\\' if !class => {
                out.push(c);
                out.extend(chars.next());
                continue;
            }
            '[' if !class => {
                class = true;
                out.push(c);
                // A `]` first in a class (after an optional negation) is a
                // member, not the end.
                if let Some(&n) = chars.peek().filter(|n| matches!(n, '!' | '^')) {
                    out.push(n);
                    chars.next();
                }
                if chars.peek() == Some(&']') {
                    out.push(']');
                    chars.next();
                }
                continue;
            }
            ']' if class => class = false,
            '*' if !class => {
                star = true;
                if was_star {
                    continue;
                }
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

/// At most this many patterns from one `{…}` expansion.
const MAX_EXPANSIONS: usize = 1024;

/// The patterns a doublestar pattern's `{a,b}` alternatives stand for, in
/// order; nested groups too. A `}` or `,` outside a group is literal (as in
/// doublestar), and comes back escaped; an unclosed `{` is an error.
pub(super) fn expand_braces(pattern: &str) -> Result<Vec<String>, String> {
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
            return Err(format!("more than {MAX_EXPANSIONS} alternatives"));
        }
    }
    Ok(done)
}

/// The first top-level `{`, its `}` and the commas between them at its own
/// level; escapes and `[…]` classes respected.
fn first_group(p: &str) -> Result<Option<(usize, usize, Vec<usize>)>, String> {
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
        return Err("unclosed `{`".to_string());
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
    fn directory_patterns_read_as_gobwas_without_separators() {
        let cases: [(&str, &[&str], &[&str]); 7] = [
            (
                "*.yaml",
                &["a.yaml", "sub/a.yaml", "a/b/c.yaml"],
                &["a.yml"],
            ),
            ("**/*.yaml", &["sub/a.yaml", "a/b/c.yaml"], &["a.yaml"]),
            (
                "sub/**",
                &["sub/a.yaml", "sub/x/y.json"],
                &["sub", "other/a"],
            ),
            (
                "{config.yaml,env-use2/*}",
                &["config.yaml", "env-use2/a.yaml", "env-use2/x/b.yaml"],
                &["x/config.yaml"],
            ),
            ("?.json", &["a.json"], &["ab.json"]),
            ("[!a]*.yaml", &["b.yaml"], &["a.yaml"]),
            ("literal\\*.yaml", &["literal*.yaml"], &["literalx.yaml"]),
        ];
        for (pattern, matching, other) in cases {
            let m = directory_pattern(pattern).unwrap();
            for p in matching {
                assert!(m.is_match(p), "{pattern} should match {p}");
            }
            for p in other {
                assert!(!m.is_match(p), "{pattern} should not match {p}");
            }
        }
        assert_eq!(fold_stars("a***b[*]*\\**"), "a*b[*]*\\**");
        assert_eq!(fold_stars("[]*]**"), "[]*]*");
        assert!(directory_pattern("[unclosed").is_err());
        assert!(directory_pattern("{unclosed").is_err());
    }

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
