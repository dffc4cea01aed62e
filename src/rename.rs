//! Rename rules: `FROM=TO`, a repository prefix moved to another, before the
//! cache rules see the image (Bitnami's `docker.io/bitnami` moved to
//! `docker.io/bitnamilegacy`).
//!
//! 1. FROM and TO are repositories without a tag or digest, read as Docker
//!    reads them ([`reference::parse`]): `busybox` is
//!    `docker.io/library/busybox`, and `bitnami/redis` is
//!    `docker.io/bitnami/redis`, so the repositories under `bitnami` are
//!    under `docker.io/bitnami`. A TO that is no valid
//!    repository, or an empty FROM, is refused when the rules are built:
//!    a typo must not reach the cluster.
//! 2. A reference's repository is compared in its canonical form, with every
//!    Docker Hub host ([`rules::DOCKER_HUB_HOSTS`], and `index.docker.io`,
//!    which the parser folds) read as `docker.io` and `library/` added to an
//!    official image: a rule is about the repository, not how it is spelled.
//! 3. A rule matches a repository equal to FROM, or one continuing it at a
//!    `/`: `docker.io/bitnami` matches `bitnami/redis`, never
//!    `bitnamisecure/redis`, whose first component only starts alike.
//! 4. The longest FROM wins, so a rule for one image can stand beside a rule
//!    for its namespace; an image is renamed at most once, so rules never
//!    chain (`a=b` and `b=c` do not take `a` to `c`).
//! 5. The new image is TO and the rest of the repository, read as Docker
//!    reads it and written in canonical form, then the tag and the digest
//!    exactly as written. A new
//!    image that would not parse (too long) is not renamed.

use std::fmt;

use crate::reference;
use crate::rules::DOCKER_HUB_HOSTS;

/// The rename rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Renames {
    rules: Vec<Rename>,
}

/// One rename rule, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rename {
    /// FROM and TO as written, for messages.
    pub written: (String, String),
    /// The repository FROM names on its own: `busybox` is
    /// `docker.io/library/busybox`.
    exact: String,
    /// The repository FROM names with more after it: `bitnami/x` is
    /// `docker.io/bitnami/x`, so the prefix is `docker.io/bitnami`.
    prefix: String,
}

/// A rename rule that cannot be used. `Display` names the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalid {
    /// FROM is empty.
    EmptyFrom { to: String },
    /// FROM or TO is no repository name: `(which, value, why)`.
    NotRepository {
        which: &'static str,
        value: String,
        why: String,
    },
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Invalid::EmptyFrom { to } => write!(f, "FROM is empty (TO is {to:?})"),
            Invalid::NotRepository { which, value, why } => {
                write!(f, "{which} {value:?} is not a valid repository name: {why}")
            }
        }
    }
}

impl std::error::Error for Invalid {}

/// The canonical repository of a repository name as written, and the
/// repository it names with more after it (`bitnami`: `docker.io/library/
/// bitnami`, `docker.io/bitnami`), or why it is none: a tag, a digest or an
/// uppercase letter (which the parser would read as a host) is refused.
fn canonical_repository(which: &'static str, value: &str) -> Result<(String, String), Invalid> {
    let bad = |why: &str| Invalid::NotRepository {
        which,
        value: value.to_string(),
        why: why.to_string(),
    };
    // `Foo/bar` parses, as host `Foo`: a repository is lowercase throughout.
    if value.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(bad("repository name must be lowercase"));
    }
    let r = reference::parse(value).map_err(|e| bad(&e.kind.to_string()))?;
    if r.tag.is_some() || r.digest.is_some() {
        return Err(bad("a repository has no tag or digest"));
    }
    let exact = canonical(&r.domain, &r.path);
    let under = format!("{value}/x");
    let prefix = match reference::parse(&under) {
        Ok(r) => canonical(&r.domain, &r.path)
            .strip_suffix("/x")
            .map(str::to_string),
        Err(_) => None,
    };
    let prefix = prefix.ok_or_else(|| bad("no repository can be under it"))?;
    Ok((exact, prefix))
}

/// `domain/path`, with Docker Hub's hosts read as `docker.io` and its
/// official images under `library/` (step 2).
fn canonical(domain: &str, path: &str) -> String {
    if DOCKER_HUB_HOSTS.contains(&domain) {
        match path.contains('/') {
            true => format!("docker.io/{path}"),
            false => format!("docker.io/library/{path}"),
        }
    } else if domain.is_empty() {
        path.to_string()
    } else {
        format!("{domain}/{path}")
    }
}

impl Rename {
    /// The rule `from=to`, checked (step 1).
    pub fn new(from: &str, to: &str) -> Result<Rename, Invalid> {
        let (from, to) = (from.trim(), to.trim());
        if from.is_empty() {
            return Err(Invalid::EmptyFrom { to: to.to_string() });
        }
        let (exact, prefix) = canonical_repository("FROM", from)?;
        canonical_repository("TO", to)?;
        Ok(Rename {
            written: (from.to_string(), to.to_string()),
            exact,
            prefix,
        })
    }

    /// How much of `repository` FROM covers, and the rest after it, if FROM
    /// names it or a repository it continues at a `/` (step 3).
    fn rest<'r>(&self, repository: &'r str) -> Option<(usize, &'r str)> {
        if repository == self.exact {
            return Some((self.exact.len(), ""));
        }
        let rest = repository.strip_prefix(&self.prefix)?;
        rest.starts_with('/').then_some((self.prefix.len(), rest))
    }
}

/// `FROM=TO`, as written.
impl fmt::Display for Rename {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.written.0, self.written.1)
    }
}

impl Renames {
    /// The rules, in the order given.
    pub fn new(rules: Vec<Rename>) -> Renames {
        Renames { rules }
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rules, in the order given.
    pub fn rules(&self) -> &[Rename] {
        &self.rules
    }

    /// The rule that renames `image`, and the new image; `None` when no rule
    /// matches or `image` is no reference.
    pub fn rename(&self, image: &str) -> Option<(&Rename, String)> {
        if self.rules.is_empty() {
            return None;
        }
        let r = reference::parse(image).ok()?;
        let repository = canonical(&r.domain, &r.path);
        // Step 4: the longest FROM; of two as long, the first given.
        let (rule, (_, rest)) = self
            .rules
            .iter()
            .filter_map(|rule| Some((rule, rule.rest(&repository)?)))
            .fold(
                None,
                |best: Option<(&Rename, (usize, &str))>, this| match best {
                    Some(b) if b.1.0 >= this.1.0 => Some(b),
                    _ => Some(this),
                },
            )?;
        // Step 5: TO and the rest, read as Docker reads it.
        let joined = format!("{}{rest}", rule.written.1);
        let new = reference::parse(&joined).ok()?;
        let mut out = canonical(&new.domain, &new.path);
        r.push_tag_and_digest(&mut out);
        reference::parse(&out).ok()?;
        Some((rule, out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn renames(rules: &[(&str, &str)]) -> Renames {
        Renames::new(
            rules
                .iter()
                .map(|(f, t)| Rename::new(f, t).unwrap())
                .collect(),
        )
    }

    fn renamed(r: &Renames, image: &str) -> Option<String> {
        r.rename(image).map(|(_, image)| image)
    }

    #[test]
    fn every_docker_hub_spelling_is_renamed() {
        let r = renames(&[("bitnami", "bitnamilegacy")]);
        for image in [
            "bitnami/redis:7.2",
            "docker.io/bitnami/redis:7.2",
            "index.docker.io/bitnami/redis:7.2",
            "registry-1.docker.io/bitnami/redis:7.2",
            "registry.hub.docker.com/bitnami/redis:7.2",
        ] {
            assert_eq!(
                renamed(&r, image).as_deref(),
                Some("docker.io/bitnamilegacy/redis:7.2"),
                "{image}"
            );
        }
    }

    #[test]
    fn a_prefix_of_a_component_is_no_match() {
        let r = renames(&[("docker.io/bitnami", "bitnamilegacy")]);
        assert_eq!(renamed(&r, "bitnamisecure/redis:1"), None);
        assert_eq!(renamed(&r, "ghcr.io/bitnami/redis:1"), None);
        // `docker.io/bitnami` on its own is Docker's `docker.io/library/bitnami`.
        assert_eq!(
            renamed(&r, "bitnami").as_deref(),
            Some("docker.io/library/bitnamilegacy")
        );
        assert_eq!(renamed(&r, "library/bitnami/x"), None);
    }

    #[test]
    fn official_images_are_read_as_docker_reads_them() {
        let r = renames(&[("busybox", "ghcr.io/mirror/busybox")]);
        for image in [
            "busybox:1.36",
            "library/busybox:1.36",
            "docker.io/library/busybox:1.36",
            "registry-1.docker.io/busybox:1.36",
        ] {
            assert_eq!(
                renamed(&r, image).as_deref(),
                Some("ghcr.io/mirror/busybox:1.36"),
                "{image}"
            );
        }
        assert_eq!(renamed(&r, "busyboxx:1"), None);
    }

    #[test]
    fn tag_and_digest_are_kept() {
        let r = renames(&[("bitnami", "bitnamilegacy")]);
        let digest = format!("sha256:{}", "a".repeat(64));
        assert_eq!(
            renamed(&r, &format!("bitnami/redis:7@{digest}")),
            Some(format!("docker.io/bitnamilegacy/redis:7@{digest}"))
        );
        assert_eq!(
            renamed(&r, &format!("bitnami/redis@{digest}")),
            Some(format!("docker.io/bitnamilegacy/redis@{digest}"))
        );
        assert_eq!(
            renamed(&r, "bitnami/redis").as_deref(),
            Some("docker.io/bitnamilegacy/redis")
        );
    }

    #[test]
    fn the_longest_from_wins_and_rules_do_not_chain() {
        let r = renames(&[
            ("bitnami", "bitnamilegacy"),
            ("bitnami/redis", "ghcr.io/me/redis"),
            ("bitnamilegacy", "never"),
        ]);
        assert_eq!(
            renamed(&r, "bitnami/redis:7").as_deref(),
            Some("ghcr.io/me/redis:7")
        );
        assert_eq!(
            renamed(&r, "bitnami/redis-cluster:7").as_deref(),
            Some("docker.io/bitnamilegacy/redis-cluster:7")
        );
    }

    #[test]
    fn bad_values_are_refused_and_named() {
        let err = |f: &str, t: &str| Rename::new(f, t).unwrap_err().to_string();
        assert!(err("", "x").contains("FROM is empty"));
        for to in [
            "Bitnami",
            "Bitnami/redis",
            "_x",
            "a/_b",
            "x:1",
            "x@sha256:1",
        ] {
            let message = err("bitnami", to);
            assert!(message.contains(&format!("TO {to:?}")), "{message}");
        }
        assert!(err("bitnami:1", "x").contains("FROM \"bitnami:1\""));
    }
}
