//! What a rewrite needs besides its input: the rules, the opt-out
//! annotation, the exclusions, extra workloads. Built from every settings
//! source by [`crate::settings::Sources::resolve`], or directly by a library
//! user with [`Config::new`].

use crate::exclude::Exclude;
use crate::rename::Renames;
use crate::rules::Rules;
use crate::workload::WorkloadSpec;

/// The default annotation that opts out, the key the seed platform's users
/// already use.
pub const DEFAULT_OPT_OUT_ANNOTATION: &str = "idp.jppol.dk/ecr-pull-through-cache";

/// The default ECR prefix of the Docker Hub rule.
pub const DEFAULT_DOCKER_HUB_PREFIX: &str = "docker-hub";

/// Everything a rewrite needs besides the input, resolved from all settings
/// sources by [`crate::settings::Sources::resolve`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub rules: Rules,
    /// Annotation key whose value `disabled` (any case) opts an object or pod
    /// template out.
    pub opt_out_annotation: String,
    /// Images never rewritten.
    pub exclude: Exclude,
    /// Repositories renamed before the rules see them.
    pub renames: Renames,
    /// Workload paths for kinds the built-in table does not know.
    pub workloads: Vec<WorkloadSpec>,
    /// The generic pod-template rule for unknown kinds.
    pub generic: bool,
    /// Images that operators read from their configuration: the operator
    /// rows of the workload table, image env vars and flags, and embedded
    /// configuration documents (`--no-operator-images` turns them off).
    pub operator_images: bool,
    /// What happens to a digest-pinned image.
    pub digests: Digests,
}

/// What happens to a digest-pinned image (`name@sha256:…`,
/// `name:tag@sha256:…`). ECR does not fill the cache on a first pull by
/// digest (aws/containers-roadmap#2837), and containerd pulls `tag@digest` by
/// digest, so a rewritten pin works only once the image was pulled by tag.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Digests {
    /// Rewrite it like any other image, with a warning.
    #[default]
    Rewrite,
    /// Leave it as written.
    Keep,
}

impl std::str::FromStr for Digests {
    type Err = BadDigests;

    fn from_str(s: &str) -> Result<Digests, BadDigests> {
        match s.trim().to_ascii_lowercase().as_str() {
            "rewrite" => Ok(Digests::Rewrite),
            "keep" => Ok(Digests::Keep),
            _ => Err(BadDigests(s.to_string())),
        }
    }
}

/// A digest policy other than `rewrite` or `keep`, as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadDigests(pub String);

impl std::fmt::Display for BadDigests {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "expected rewrite or keep, got {:?}", self.0)
    }
}

impl std::error::Error for BadDigests {}

impl Config {
    /// The given rules with every other setting at its default.
    pub fn new(rules: Rules) -> Config {
        Config {
            rules,
            opt_out_annotation: DEFAULT_OPT_OUT_ANNOTATION.to_string(),
            exclude: Exclude::default(),
            renames: Renames::default(),
            workloads: Vec::new(),
            generic: true,
            operator_images: true,
            digests: Digests::Rewrite,
        }
    }
}
