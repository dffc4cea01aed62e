//! What a rewrite needs besides its input: the rules, the opt-out
//! annotation, the exclusions, extra workloads. Built from every settings
//! source by [`crate::settings::Sources::resolve`], or directly by a library
//! user with [`Config::new`].

use crate::exclude::Exclude;
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
    /// Workload paths for kinds the built-in table does not know.
    pub workloads: Vec<WorkloadSpec>,
    /// The generic pod-template rule for unknown kinds.
    pub generic: bool,
}

impl Config {
    /// The given rules with every other setting at its default.
    pub fn new(rules: Rules) -> Config {
        Config {
            rules,
            opt_out_annotation: DEFAULT_OPT_OUT_ANNOTATION.to_string(),
            exclude: Exclude::default(),
            workloads: Vec::new(),
            generic: true,
        }
    }
}
