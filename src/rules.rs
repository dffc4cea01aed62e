//! Decides, for one image string, whether to point it at the ECR pull-through
//! cache, and what the new image is.
//!
//! # The algorithm
//!
//! 1. Keep an empty image, or one with leading or trailing whitespace:
//!    Kubernetes rejects both on Pods.
//! 2. Keep a bare image ID, `sha256:<64 hex>`: containerd's CRI resolves any
//!    string that parses as a digest locally, and distribution would misread
//!    it as `docker.io/library/sha256:<hex>`.
//! 3. Parse with [`reference::parse`] (distribution's `ParseNormalizedNamed`);
//!    keep anything that does not parse.
//! 4. Look the domain up among the rules, byte for byte: a port is part of
//!    the host, and nothing is case-folded or suffix-matched, so
//!    `docker.io:443`, `DOCKER.IO` and `quay.io.evil.example` match nothing.
//!    The cache registry itself, and any other ECR registry without a rule,
//!    are already cached.
//! 5. On Docker Hub, add `library/` to a single-component path: the parser
//!    does it for `docker.io`, not for `registry-1.docker.io` or
//!    `registry.hub.docker.com`, and ECR answers 403 for official images
//!    without it
//!    (<https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache-working-pulling.html>).
//! 6. Build `repository = prefix/path` and keep the image when it is no valid
//!    ECR repository name ([`is_repository_name`]) or when
//!    `registry/repository` exceeds 255 characters. The last is the
//!    legacy-safe limit: containerd 1.7.18 and older, and distribution before
//!    v0.6.0, count the host in the 255.
//! 7. Emit `registry/repository`, then the tag and the digest exactly as
//!    written. No `:latest` is added (Kubernetes derives `imagePullPolicy` from
//!    the tag as written), and a tag next to a digest stays (containerd drops
//!    it at pull time anyway).

mod ecr;

pub use ecr::{Invalid, ecr_host, is_ecr_host, is_repository_name, validate_prefix};

use crate::reference::{self, ParseError};
use std::borrow::Cow;
use std::fmt;

/// The hosts that serve Docker Hub. `index.docker.io` needs no entry: the
/// parser turns it into `docker.io`. The other two are not canonicalised by
/// distribution/reference, so they are listed as aliases.
pub const DOCKER_HUB_HOSTS: [&str; 3] = [
    "docker.io",
    "registry-1.docker.io",
    "registry.hub.docker.com",
];

/// Docker Hub's namespace for official images. The cache needs it spelled
/// out: `docker-hub/nginx` gets 403 Forbidden, `docker-hub/library/nginx`
/// works
/// (<https://docs.aws.amazon.com/AmazonECR/latest/userguide/error-pullthroughcache.html>).
const OFFICIAL_PREFIX: &str = "library/";

/// The most characters in `registry/repository` that every runtime accepts:
/// containerd 1.7.18 and older count the host in distribution's 255
/// (`reference/docker/reference.go`), while v0.6.0 counts the path only.
const NAME_MAX: usize = 255;

/// Where images go: the cache registry and one rule per upstream registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    /// The ECR registry host, like `123456789012.dkr.ecr.eu-west-1.amazonaws.com`
    /// (see [`ecr_host`], [`validate_registry`]).
    pub registry: String,
    /// Checked in order; the first rule listing the host wins.
    pub upstreams: Vec<Upstream>,
}

/// One pull-through cache rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    /// Image domains that go through this rule, compared byte for byte.
    pub hosts: Vec<String>,
    /// The rule's `ecrRepositoryPrefix` (see [`validate_prefix`]). A
    /// trailing `/` changes nothing; `ROOT` means no prefix.
    pub prefix: String,
    /// Docker Hub semantics: add `library/` to single-component paths, and
    /// note paths deeper than `namespace/name`.
    pub docker_hub: bool,
    /// The rule's `upstreamRepositoryPrefix`: only images whose path starts
    /// with `<upstream_prefix>/` match, and that part is left out of the
    /// cache path, as ECR maps `prefix/x` to `<upstream_prefix>/x` upstream
    /// (<https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache-private-wildcards.html>).
    pub upstream_prefix: Option<String>,
}

impl Upstream {
    /// The Docker Hub rule: [`DOCKER_HUB_HOSTS`], with `library/` added.
    pub fn docker_hub(prefix: impl Into<String>) -> Self {
        Upstream {
            hosts: DOCKER_HUB_HOSTS.map(String::from).to_vec(),
            prefix: prefix.into(),
            docker_hub: true,
            upstream_prefix: None,
        }
    }

    /// A rule that copies the path verbatim, as for Quay, GHCR,
    /// registry.k8s.io and ECR Public.
    pub fn verbatim(hosts: &[&str], prefix: impl Into<String>) -> Self {
        Upstream {
            hosts: hosts.iter().map(ToString::to_string).collect(),
            prefix: prefix.into(),
            docker_hub: false,
            upstream_prefix: None,
        }
    }

    /// The prefix as it appears in repository names: without a trailing
    /// `/`, and empty for `ROOT`.
    fn repository_prefix(&self) -> &str {
        match self.prefix.strip_suffix('/').unwrap_or(&self.prefix) {
            "ROOT" => "",
            prefix => prefix,
        }
    }

    /// The image's path on the upstream registry: an official Docker Hub
    /// name gains `library/`.
    fn upstream_path<'p>(&self, path: &'p str) -> Cow<'p, str> {
        if self.docker_hub && !path.contains('/') {
            Cow::Owned(format!("{OFFICIAL_PREFIX}{path}"))
        } else {
            Cow::Borrowed(path)
        }
    }

    /// The path under the cache prefix for an upstream path: the path
    /// without the rule's upstream prefix, or `None` when it is not under
    /// that prefix (so the rule does not apply).
    fn cache_path<'p>(&self, upstream_path: &'p str) -> Option<&'p str> {
        match self
            .upstream_prefix
            .as_deref()
            .map(|p| p.trim_end_matches('/'))
        {
            None | Some("ROOT") => Some(upstream_path),
            Some(up) => upstream_path.strip_prefix(up)?.strip_prefix('/'),
        }
    }
}

impl Rules {
    /// The Docker Hub rule (hosts `docker.io`, `registry-1.docker.io`,
    /// `registry.hub.docker.com`; `index.docker.io` arrives as `docker.io`
    /// after parsing) with the given prefix, plus nothing else.
    pub fn new(registry: String, docker_hub_prefix: String) -> Self {
        Rules {
            registry,
            upstreams: vec![Upstream::docker_hub(docker_hub_prefix)],
        }
    }

    /// The first rule for an image's domain and path (as parsed), if any.
    pub fn upstream(&self, host: &str, path: &str) -> Option<&Upstream> {
        self.upstreams.iter().find(|u| {
            u.hosts.iter().any(|h| h == host) && u.cache_path(&u.upstream_path(path)).is_some()
        })
    }

    /// What to do with one image string.
    pub fn decide(&self, image: &str) -> Decision {
        match self.rewrite(image) {
            Ok((image, notes)) => Decision::Rewrite { image, notes },
            Err(keep) => Decision::Keep(keep),
        }
    }

    fn rewrite(&self, image: &str) -> Result<(String, Vec<Note>), Keep> {
        if image.is_empty() {
            return Err(Keep::Empty);
        }
        if image.starts_with(char::is_whitespace) || image.ends_with(char::is_whitespace) {
            return Err(Keep::Whitespace);
        }
        if is_image_id(image) {
            return Err(Keep::ImageId);
        }
        let reference = reference::parse(image).map_err(Keep::Invalid)?;
        let host = &*reference.domain;
        // Our own registry first, so that no rule can ever rewrite it twice.
        if host == self.registry {
            return Err(Keep::AlreadyCached);
        }
        let Some(upstream) = self.upstream(host, &reference.path) else {
            return Err(if is_ecr_host(host) {
                Keep::AlreadyCached
            } else {
                Keep::NoRule {
                    host: host.to_owned(),
                }
            });
        };
        let upstream_path = upstream.upstream_path(&reference.path);
        let path = upstream
            .cache_path(&upstream_path)
            .unwrap_or(&upstream_path);
        let prefix = upstream.repository_prefix();

        let mut out = String::with_capacity(self.registry.len() + prefix.len() + image.len() + 16);
        out.push_str(&self.registry);
        out.push('/');
        let repository_start = out.len();
        if !prefix.is_empty() {
            out.push_str(prefix);
            out.push('/');
        }
        out.push_str(path);
        let length = out.len();
        if length > NAME_MAX {
            return Err(Keep::TooLong { length });
        }
        if !is_repository_name(&out[repository_start..]) {
            return Err(Keep::NotStorable {
                repository: out[repository_start..].to_owned(),
            });
        }
        reference.push_tag_and_digest(&mut out);

        let mut notes = Vec::new();
        if reference.digest.is_some() {
            notes.push(Note::DigestPinned);
        }
        if upstream.docker_hub && upstream_path.split('/').count() > 2 {
            notes.push(Note::DeepDockerHubPath);
        }
        Ok((out, notes))
    }
}

/// `^sha256:[a-f0-9]{64}$`, the form of an image ID.
fn is_image_id(image: &str) -> bool {
    image.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// Checks that `registry` can head a rewritten image: images under it must
/// parse with exactly this domain, or rewriting would not be idempotent.
pub fn validate_registry(registry: &str) -> Result<(), Invalid> {
    let probe = format!("{registry}/a");
    match reference::parse(&probe) {
        Ok(r) if r.domain == registry && r.path == "a" => Ok(()),
        _ => Err(Invalid::Registry(registry.to_string())),
    }
}

/// The outcome for one image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Replace the image with `image`; `notes` are warnings that did not stop
    /// the rewrite.
    Rewrite { image: String, notes: Vec<Note> },
    /// Leave the image as written.
    Keep(Keep),
}

/// Why an image is left as written. `Display` is the message for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Keep {
    /// No rule lists the image's domain.
    NoRule { host: String },
    /// The image is on the cache registry or another ECR registry.
    AlreadyCached,
    /// The image is the empty string.
    Empty,
    /// The image starts or ends with whitespace.
    Whitespace,
    /// The image is a bare `sha256:<hex>` image ID.
    ImageId,
    /// The image is not a valid reference.
    Invalid(ParseError),
    /// The cache repository would break ECR's repository name rules.
    NotStorable { repository: String },
    /// `registry/repository` would be longer than 255 characters.
    TooLong { length: usize },
}

impl Keep {
    /// Whether the user should hear about it. Images of other registries and
    /// images already cached are normal; everything else may be a mistake.
    pub fn is_warning(&self) -> bool {
        !matches!(self, Keep::NoRule { .. } | Keep::AlreadyCached)
    }
}

impl fmt::Display for Keep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Keep::NoRule { host } => write!(f, "no pull-through cache rule for host {host:?}"),
            Keep::AlreadyCached => {
                f.write_str("image is already on the cache registry or another ECR registry")
            }
            Keep::Empty => f.write_str("image is empty"),
            Keep::Whitespace => {
                f.write_str("image has leading or trailing whitespace, which Kubernetes rejects")
            }
            Keep::ImageId => f.write_str("image is a bare image ID, which is never pulled"),
            Keep::Invalid(e) => {
                write!(
                    f,
                    "{:?} is not a valid image reference: {}",
                    e.input, e.kind
                )
            }
            Keep::NotStorable { repository } => write!(
                f,
                "{repository:?} is not a valid ECR repository name (2 to 256 characters, \
                 with only one \".\", \"_\" or \"-\" between lowercase letters and digits)"
            ),
            Keep::TooLong { length } => write!(
                f,
                "the rewritten image name would be {length} characters, and containerd 1.7.18 \
                 or older rejects names over {NAME_MAX}"
            ),
        }?;
        f.write_str("; left unchanged")
    }
}

/// A warning about an image that was rewritten anyway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Note {
    /// The image has a digest: an uncached image pulled by digest is reported
    /// missing (<https://github.com/aws/containers-roadmap/issues/2837>).
    DigestPinned,
    /// A Docker Hub path with more than two components, which Docker Hub
    /// does not serve.
    DeepDockerHubPath,
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Note::DigestPinned => {
                "digest-pinned image: ECR does not fill the cache on a first pull by digest \
                 (aws/containers-roadmap#2837)"
            }
            Note::DeepDockerHubPath => {
                "path has more than two components, but Docker Hub serves only \
                 `namespace/name` repositories"
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: &str = crate::testing::REGISTRY;
    const HEX64: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn rules() -> Rules {
        let mut rules = Rules::new(R.into(), "docker-hub".into());
        rules.upstreams.extend([
            Upstream::verbatim(&["quay.io"], "quay/"),
            Upstream::verbatim(&["registry.k8s.io"], "ROOT"),
            Upstream::verbatim(&["ghcr.io"], "cache/ghcr"),
        ]);
        rules
    }

    /// Checks a rewrite to `R/<want>` and its notes, and that rewriting the
    /// result again keeps it.
    #[track_caller]
    fn rewrite(input: &str, want: &str, want_notes: &[Note]) {
        let rules = rules();
        let Decision::Rewrite { image, notes } = rules.decide(input) else {
            panic!("{input:?}: {:?}", rules.decide(input));
        };
        assert_eq!(image, format!("{R}/{want}"), "{input:?}");
        assert_eq!(notes, want_notes, "{input:?}");
        let again = rules.decide(&image);
        assert_eq!(again, Decision::Keep(Keep::AlreadyCached), "{image:?}");
    }

    /// Checks that `input` is kept, for the reason `want` (`Keep`'s `Debug`).
    #[track_caller]
    fn keep(input: &str, want: &str) {
        match rules().decide(input) {
            Decision::Keep(keep) => assert_eq!(format!("{keep:?}"), want, "{input:?}"),
            other => panic!("{input:?}: {other:?}"),
        }
    }

    #[test]
    fn rewrites() {
        use Note::*;
        let d = format!("sha256:{HEX64}");
        rewrite("nginx", "docker-hub/library/nginx", &[]);
        rewrite(
            "registry-1.docker.io/nginx:1",
            "docker-hub/library/nginx:1",
            &[],
        );
        rewrite("registry.hub.docker.com/a/b", "docker-hub/a/b", &[]);
        rewrite(
            "docker.io/a/b/c:1",
            "docker-hub/a/b/c:1",
            &[DeepDockerHubPath],
        );
        rewrite("quay.io/a/b:Tag", "quay/a/b:Tag", &[]);
        rewrite("registry.k8s.io/pause:3.9", "pause:3.9", &[]);
        rewrite("ghcr.io/o/i", "cache/ghcr/o/i", &[]);
        rewrite(
            &format!("redis:7@{d}"),
            &format!("docker-hub/library/redis:7@{d}"),
            &[DigestPinned],
        );
        let both = [DigestPinned, DeepDockerHubPath];
        rewrite(
            &format!("docker.io/a/b/c@{d}"),
            &format!("docker-hub/a/b/c@{d}"),
            &both,
        );
    }

    #[test]
    fn keeps() {
        keep("", "Empty");
        keep(" ", "Whitespace");
        keep("nginx\n", "Whitespace");
        keep("\u{a0}nginx", "Whitespace");
        keep(&format!("sha256:{HEX64}"), "ImageId");
        keep("docker.io:443/nginx", r#"NoRule { host: "docker.io:443" }"#);
        keep("DOCKER.IO/nginx", r#"NoRule { host: "DOCKER.IO" }"#);
        keep("localhost/x", r#"NoRule { host: "localhost" }"#);
        keep("a.b_c/d", r#"NoRule { host: "" }"#);
        keep(&format!("{R}/x"), "AlreadyCached");
        keep("999999999999.dkr-ecr.us-east-1.on.aws/x:1", "AlreadyCached");
        keep(
            "quay.io/a/b__c",
            r#"NotStorable { repository: "quay/a/b__c" }"#,
        );
        keep(
            "registry.k8s.io/a--b",
            r#"NotStorable { repository: "a--b" }"#,
        );
        // `ROOT` and a one-character path make a one-character repository.
        keep("registry.k8s.io/p", r#"NotStorable { repository: "p" }"#);
        keep(
            "nginx:",
            r#"Invalid(ParseError { input: "nginx:", kind: InvalidFormat })"#,
        );
    }

    #[test]
    fn only_sha256_with_64_lowercase_hex_is_an_image_id() {
        let upper = HEX64.to_uppercase();
        for tag in ["abc", &upper, &format!("{HEX64}0")] {
            let input = format!("sha256:{tag}");
            rewrite(&input, &format!("docker-hub/library/{input}"), &[]);
        }
    }

    #[test]
    fn lengths() {
        // `R/quay/q/` is 52 characters, so 203 more make exactly 255.
        let r203 = "r".repeat(203);
        rewrite(&format!("quay.io/q/{r203}"), &format!("quay/q/{r203}"), &[]);
        keep(&format!("quay.io/q/{r203}r:v1"), "TooLong { length: 256 }");
        // Too long beats not storable: it is checked first.
        keep(&format!("quay.io/q/{r203}__r"), "TooLong { length: 258 }");
    }

    #[test]
    fn a_rule_for_another_ecr_registry_applies() {
        let mut rules = rules();
        let upstream = "210987654321.dkr.ecr.us-east-1.amazonaws.com";
        rules.upstreams.push(Upstream::verbatim(&[upstream], "ecr"));
        let Decision::Rewrite { image, .. } = rules.decide(&format!("{upstream}/team/app:1"))
        else {
            panic!()
        };
        assert_eq!(image, format!("{R}/ecr/team/app:1"));
    }

    #[test]
    fn warnings() {
        assert!(
            !Keep::NoRule {
                host: "gcr.io".into()
            }
            .is_warning()
        );
        assert!(!Keep::AlreadyCached.is_warning());
        for k in [
            Keep::Empty,
            Keep::Whitespace,
            Keep::ImageId,
            Keep::TooLong { length: 300 },
        ] {
            assert!(k.is_warning(), "{k:?}");
        }
    }

    #[test]
    fn messages() {
        #[track_caller]
        fn message(input: &str, want: &str) {
            let Decision::Keep(keep) = rules().decide(input) else {
                panic!("{input:?}")
            };
            assert_eq!(keep.to_string(), want);
        }
        message(
            "nginx:",
            r#""nginx:" is not a valid image reference: invalid reference format; left unchanged"#,
        );
        message(
            "gcr.io/x",
            r#"no pull-through cache rule for host "gcr.io"; left unchanged"#,
        );
        message(
            "quay.io/a/b__c",
            r#""quay/a/b__c" is not a valid ECR repository name (2 to 256 characters, with only one ".", "_" or "-" between lowercase letters and digits); left unchanged"#,
        );
        message(
            &format!("quay.io/q/{}", "r".repeat(204)),
            "the rewritten image name would be 256 characters, and containerd 1.7.18 or older rejects names over 255; left unchanged",
        );
        assert_eq!(
            Note::DigestPinned.to_string(),
            "digest-pinned image: ECR does not fill the cache on a first pull by digest (aws/containers-roadmap#2837)"
        );
    }

    #[test]
    fn registries() {
        assert_eq!(validate_registry(R), Ok(()));
        assert_eq!(validate_registry("localhost:5000"), Ok(()));
        for bad in [
            "",
            "docker.io",
            "index.docker.io",
            "registry",
            "https://x.io",
            "a_b.io",
            "x.io/team",
        ] {
            assert!(validate_registry(bad).is_err(), "{bad:?}");
        }
    }
}
