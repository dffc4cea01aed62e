//! Argo CD's `directory.include` / `directory.exclude` globs, matched with
//! globset.
//!
//! Argo CD matches them with `util/glob.Match`, which is
//! [gobwas/glob](https://github.com/gobwas/glob) compiled with no separators
//! ([util/glob/glob.go](https://github.com/argoproj/argo-cd/blob/master/util/glob/glob.go),
//! called from `getPotentiallyValidManifestFile` in
//! [repository.go](https://github.com/argoproj/argo-cd/blob/master/reposerver/repository/repository.go)):
//! `*` and `**` alike match any run of characters, `/` included, against the
//! file's path relative to the app. So `*.yaml` matches `sub/a.yaml`, and
//! `**/*.yaml` needs a `/` (Argo CD's `TestFindManifests_Include` pins both).
//! globset's `**/` would also match no directory at all, so runs of `*` are
//! folded into one `*` first, and globset, told that `*` may match `/`, then
//! reads `*`, `?`, `[…]`, `[!…]`, `{a,b}` (nested too) and `\` as gobwas does.
//!
//! Where they part (docs/argocd.md's table): gobwas reads `[^…]` as a class
//! holding `^`, globset as a negation; and a pattern gobwas cannot compile
//! makes Argo CD match nothing, silently, where the plugin rejects the
//! parameter.

use globset::{GlobBuilder, GlobMatcher};

/// A glob that does not compile. `Display` is the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadGlob {
    /// What globset says is wrong with it.
    Syntax(globset::ErrorKind),
    /// A `{` without its `}`.
    UnclosedBrace,
    /// `{…}` alternatives that stand for more patterns than this.
    TooManyAlternatives(usize),
}

impl std::fmt::Display for BadGlob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BadGlob::Syntax(kind) => kind.fmt(f),
            BadGlob::UnclosedBrace => f.write_str("unclosed `{`"),
            BadGlob::TooManyAlternatives(n) => write!(f, "more than {n} alternatives"),
        }
    }
}

impl std::error::Error for BadGlob {}

impl From<globset::Error> for BadGlob {
    fn from(e: globset::Error) -> BadGlob {
        BadGlob::Syntax(e.kind().clone())
    }
}

/// Compiles a `directory.include` or `directory.exclude` pattern.
pub(crate) fn directory_pattern(pattern: &str) -> Result<GlobMatcher, BadGlob> {
    GlobBuilder::new(&fold_stars(pattern))
        .literal_separator(false)
        .backslash_escape(true)
        .empty_alternates(true)
        .build()
        .map(|g| g.compile_matcher())
        .map_err(BadGlob::from)
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
        // An escaped backslash does not escape the stars after it.
        assert_eq!(fold_stars("a\\\\**"), "a\\\\*");
        assert!(directory_pattern("[unclosed").is_err());
        assert!(directory_pattern("{unclosed").is_err());
    }
}
