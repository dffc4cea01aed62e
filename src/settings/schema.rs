//! The settings schema: what one source gives, every field optional. It is
//! also the schema of the rules file (`--config`) and of a `PullThrough`
//! object's `spec`, so the field names are the file's (camelCase).

use std::fmt;

use serde::Deserialize;

use crate::config::Digests;
use crate::workload::WorkloadSpec;

/// Settings as one source gives them; every field optional. This is also the
/// schema of the rules file (`--config`) and of a `PullThrough` object's
/// `spec`: camelCase keys, unknown keys are errors.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Settings {
    /// The cache registry host.
    pub registry: Option<String>,
    /// With `region`, builds the ECR host when `registry` is not set.
    pub account_id: Option<String>,
    pub region: Option<String>,
    /// ECR prefix of the Docker Hub rule.
    pub docker_hub_prefix: Option<String>,
    /// Whether Docker Hub images are rewritten at all (default true; false
    /// leaves only the `rules`).
    pub docker_hub: Option<bool>,
    /// Other upstreams: `HOST=PREFIX` strings (a comma-separated string is a
    /// list) or `{hosts, prefix, upstreamPrefix}` objects.
    pub rules: Option<RuleList>,
    pub opt_out_annotation: Option<String>,
    /// Image globs never rewritten.
    pub exclude: Option<Vec<String>>,
    /// Rename rules: `{from, to}` objects, applied before the rules.
    pub renames: Option<Vec<RenameSpec>>,
    /// Extra workload paths for kinds the table does not know.
    pub workloads: Option<Vec<WorkloadSpec>>,
    /// The generic pod-template rule for unknown kinds (default on).
    pub generic: Option<bool>,
    /// Images operators read from their configuration (default on).
    pub operator_images: Option<bool>,
    /// `rewrite` (default) or `keep` digest-pinned images.
    pub digests: Option<Digests>,
}

/// Upstream rules, written as one comma-separated string or as a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleList {
    Joined(String),
    List(Vec<RuleSpec>),
}

/// One upstream rule as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleSpec {
    /// `HOST=PREFIX`
    Short(String),
    Full(FullRule),
}

// Hand-written rather than `#[serde(untagged)]`: untagged enums replace
// every inner error (`unknown field "prefx"`) with "did not match any
// variant", and lose the field path.
impl<'de> Deserialize<'de> for RuleList {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RuleList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of rules, or a comma-separated string of HOST=PREFIX")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<RuleList, E> {
                Ok(RuleList::Joined(s.to_string()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<RuleList, A::Error> {
                let mut list = Vec::new();
                while let Some(rule) = seq.next_element()? {
                    list.push(rule);
                }
                Ok(RuleList::List(list))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for RuleSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RuleSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("\"HOST=PREFIX\" or {hosts, prefix, upstreamPrefix}")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<RuleSpec, E> {
                Ok(RuleSpec::Short(s.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<RuleSpec, A::Error> {
                FullRule::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(RuleSpec::Full)
            }
        }
        d.deserialize_any(V)
    }
}

/// One upstream rule: the hosts that go to one ECR prefix.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FullRule {
    /// One host or a list of hosts, compared byte for byte.
    pub hosts: Hosts,
    /// The rule's `ecrRepositoryPrefix`.
    pub prefix: String,
    /// The rule's `upstreamRepositoryPrefix`: only images under this
    /// namespace match, and it is stripped from the cache path.
    pub upstream_prefix: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Hosts {
    One(String),
    Many(Vec<String>),
}

/// One rename rule as written: `FROM=TO`, or `{from, to}` in a file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenameSpec {
    pub from: String,
    pub to: String,
}
