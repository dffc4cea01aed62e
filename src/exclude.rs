//! Image patterns that are never rewritten.
//!
//! A pattern is a glob (`*` matches any run of characters, `/` included;
//! `?` one character; `[abc]` a class; `{a,b}` alternatives), matched against
//! the whole image twice: as written (`nginx:1.25`) and in its canonical
//! form (`docker.io/library/nginx:1.25`), so `docker.io/library/*` excludes
//! every official image however it is written.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::{reference, rules};

/// Compiled exclusion patterns.
#[derive(Debug, Clone, Default)]
pub struct Exclude {
    patterns: Vec<String>,
    set: GlobSet,
}

/// An `exclude` pattern that is not a glob. `Display` is the message.
#[derive(Debug, Clone)]
pub struct InvalidPattern {
    /// The pattern; `None` when the set as a whole failed to build.
    pub pattern: Option<String>,
    pub error: globset::Error,
}

impl std::fmt::Display for InvalidPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.pattern {
            Some(p) => write!(f, "invalid pattern {p:?}: {}", self.error.kind()),
            None => self.error.fmt(f),
        }
    }
}

impl std::error::Error for InvalidPattern {}

impl PartialEq for Exclude {
    fn eq(&self, other: &Self) -> bool {
        self.patterns == other.patterns
    }
}

impl Eq for Exclude {}

impl Exclude {
    /// Compiles the patterns; an invalid one is an error naming it.
    pub fn new(patterns: Vec<String>) -> Result<Exclude, InvalidPattern> {
        let mut builder = GlobSetBuilder::new();
        for p in &patterns {
            let glob = GlobBuilder::new(p)
                .literal_separator(false)
                .build()
                .map_err(|e| InvalidPattern {
                    pattern: Some(p.clone()),
                    error: e,
                })?;
            builder.add(glob);
        }
        let set = builder.build().map_err(|e| InvalidPattern {
            pattern: None,
            error: e,
        })?;
        Ok(Exclude { patterns, set })
    }

    /// The first pattern that matches the image, as written or canonical.
    pub fn matches(&self, image: &str) -> Option<&str> {
        if self.patterns.is_empty() {
            return None;
        }
        let canonical = reference::parse(image).ok().map(|r| canonical(&r));
        let hit = |s: &str| self.set.matches(s).into_iter().min();
        hit(image)
            .into_iter()
            .chain(canonical.as_deref().and_then(hit))
            .min()
            .map(|i| self.patterns[i].as_str())
    }
}

/// The canonical form, with Docker Hub's alias hosts folded into
/// `docker.io` (and `library/` added), as the rules treat them: so
/// `registry-1.docker.io/busybox` matches `docker.io/library/busybox*`.
fn canonical(r: &reference::Reference) -> String {
    if r.domain != "docker.io" && rules::DOCKER_HUB_HOSTS.contains(&&*r.domain) {
        let library = if r.path.contains('/') { "" } else { "library/" };
        let mut s = format!("docker.io/{library}{}", r.path);
        r.push_tag_and_digest(&mut s);
        s
    } else {
        r.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::Exclude;

    #[test]
    fn matches_written_and_canonical_forms() {
        let ex = Exclude::new(vec![
            "docker.io/library/*".into(),
            "*/bitnami/*:debug".into(),
        ])
        .unwrap();
        assert_eq!(ex.matches("nginx:1.25"), Some("docker.io/library/*"));
        assert_eq!(
            ex.matches("docker.io/library/redis"),
            Some("docker.io/library/*")
        );
        assert_eq!(ex.matches("bitnami/redis:debug"), Some("*/bitnami/*:debug"));
        assert_eq!(ex.matches("bitnami/redis:7"), None);
        assert_eq!(ex.matches("quay.io/library/x"), None);
        assert_eq!(
            ex.matches("registry-1.docker.io/busybox"),
            Some("docker.io/library/*")
        );
        assert_eq!(
            ex.matches("registry.hub.docker.com/library/busybox"),
            Some("docker.io/library/*")
        );
    }

    #[test]
    fn invalid_pattern_is_named() {
        let err = Exclude::new(vec!["[abc".into()]).unwrap_err().to_string();
        assert!(err.contains("\"[abc\""), "{err}");
    }
}
