//! Settings from every source, layered and resolved into one [`Config`].
//!
//! Each source (flags, environment, a rules file, a KRM `functionConfig`,
//! Argo CD's plugin environment) gives a partial [`Settings`]. Layer them with
//! [`Settings::over`], highest precedence first, and [`Settings::resolve`] the
//! result. A setting from a higher layer replaces the lower one whole (a list
//! of rules from the command line replaces the file's list).

use std::fmt;
use std::path::Path;

use serde::Deserialize;

use crate::Config;
use crate::exclude::Exclude;
use crate::rules::{self, Rules, Upstream};
use crate::workload::WorkloadSpec;

/// The default annotation that opts out, the key the seed platform's users
/// already use.
pub const DEFAULT_OPT_OUT_ANNOTATION: &str = "idp.jppol.dk/ecr-pull-through-cache";

/// The default ECR prefix of the Docker Hub rule.
pub const DEFAULT_DOCKER_HUB_PREFIX: &str = "docker-hub";

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
    /// Extra workload paths for kinds the table does not know.
    pub workloads: Option<Vec<WorkloadSpec>>,
    /// The generic pod-template rule for unknown kinds (default on).
    pub generic: Option<bool>,
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

/// A setting that cannot be used, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// Which setting, as the user wrote it (`--rule`, `rules[2].prefix`, a file path).
    pub setting: String,
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.setting.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.setting, self.message)
        }
    }
}

impl std::error::Error for Error {}

fn error(setting: impl Into<String>, message: impl Into<String>) -> Error {
    Error {
        setting: setting.into(),
        message: message.into(),
    }
}

impl Settings {
    /// These settings, with `lower` filling what they leave unset.
    #[must_use]
    pub fn over(self, lower: Settings) -> Settings {
        let names_registry = self.registry.is_some() || self.account_id.is_some();
        Settings {
            // The registry, or the account it is built from, is one setting:
            // a higher source naming either replaces both.
            registry: if names_registry {
                self.registry
            } else {
                lower.registry
            },
            account_id: if names_registry {
                self.account_id
            } else {
                lower.account_id
            },
            region: self.region.or(lower.region),
            docker_hub_prefix: self.docker_hub_prefix.or(lower.docker_hub_prefix),
            docker_hub: self.docker_hub.or(lower.docker_hub),
            rules: self.rules.or(lower.rules),
            opt_out_annotation: self.opt_out_annotation.or(lower.opt_out_annotation),
            exclude: self.exclude.or(lower.exclude),
            workloads: self.workloads.or(lower.workloads),
            generic: self.generic.or(lower.generic),
        }
    }

    /// Settings from environment variables named `<prefix>REGISTRY`,
    /// `<prefix>ACCOUNT_ID`, `<prefix>DOCKER_HUB_PREFIX`, `<prefix>RULES`
    /// (comma-separated), `<prefix>OPT_OUT_ANNOTATION`, `<prefix>EXCLUDE`
    /// (comma-separated), `<prefix>GENERIC` (`true`/`false`). The region
    /// comes from `AWS_REGION`, then `AWS_DEFAULT_REGION`, when `with_region`.
    /// Empty values count as unset.
    pub fn from_env(
        var: impl Fn(&str) -> Option<String>,
        prefix: &str,
        with_region: bool,
    ) -> Result<Settings, Error> {
        let get = |name: &str| var(&format!("{prefix}{name}")).filter(|v| !v.trim().is_empty());
        let generic = match get("GENERIC") {
            None => None,
            Some(v) => Some(parse_bool(&v).ok_or_else(|| {
                error(
                    format!("{prefix}GENERIC"),
                    format!("expected true or false, got {v:?}"),
                )
            })?),
        };
        let region = with_region
            .then(|| {
                ["AWS_REGION", "AWS_DEFAULT_REGION"]
                    .iter()
                    .find_map(|k| var(k).filter(|v| !v.is_empty()))
            })
            .flatten();
        Ok(Settings {
            registry: get("REGISTRY"),
            account_id: get("ACCOUNT_ID"),
            region,
            docker_hub_prefix: get("DOCKER_HUB_PREFIX"),
            docker_hub: None,
            rules: get("RULES").map(RuleList::Joined),
            opt_out_annotation: get("OPT_OUT_ANNOTATION"),
            exclude: get("EXCLUDE").map(|v| split_list(&v)),
            workloads: None,
            generic,
        })
    }

    /// Settings from `key = value` pairs named like the long options
    /// (`registry`, `account-id`, `region`, `docker-hub-prefix`, `rules`,
    /// `opt-out-annotation`, `exclude`, `generic`), as a KRM ConfigMap
    /// `functionConfig`'s `data` holds them. Unknown keys are errors.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Settings, Error> {
        let mut s = Settings::default();
        for (key, value) in pairs {
            let v = Some(value.to_string()).filter(|v| !v.trim().is_empty());
            match key {
                "registry" => s.registry = v,
                "account-id" => s.account_id = v,
                "region" => s.region = v,
                "docker-hub-prefix" => s.docker_hub_prefix = v,
                "rules" => s.rules = v.map(RuleList::Joined),
                "opt-out-annotation" => s.opt_out_annotation = v,
                "exclude" => s.exclude = v.map(|v| split_list(&v)),
                "generic" => {
                    s.generic = match v {
                        None => None,
                        Some(v) => Some(parse_bool(&v).ok_or_else(|| {
                            error(key, format!("expected true or false, got {v:?}"))
                        })?),
                    }
                }
                _ => {
                    return Err(error(
                        key,
                        "unknown setting (expected registry, account-id, region, docker-hub-prefix, \
                         rules, opt-out-annotation, exclude or generic)",
                    ));
                }
            }
        }
        Ok(s)
    }

    /// Settings from a JSON value with the camelCase schema (a rules file, a
    /// `PullThrough` spec). Errors name the field path, like `rules[1].prefix`.
    pub fn from_json(value: serde_json::Value, source: &str) -> Result<Settings, Error> {
        serde_path_to_error::deserialize(value)
            .map_err(|e| {
                let path = e.path().to_string();
                let at = if path == "." {
                    source.to_string()
                } else {
                    format!("{source}: {path}")
                };
                error(at, e.into_inner().to_string())
            })
            .and_then(|settings: Settings| {
                settings
                    .validate()
                    .map_err(|e| error(format!("{source}: {}", e.setting), e.message))?;
                Ok(settings)
            })
    }

    /// Checks every setting that is present, on its own, so that an error
    /// can name the source it came from.
    pub fn validate(&self) -> Result<(), Error> {
        if let Some(registry) = &self.registry {
            rules::validate_registry(registry).map_err(|m| error("registry", m))?;
        }
        if let (Some(account), Some(region)) = (&self.account_id, &self.region) {
            rules::ecr_host(account, region).map_err(|m| error("accountId", m))?;
        }
        if let Some(prefix) = &self.docker_hub_prefix {
            rules::validate_prefix(prefix).map_err(|m| error("dockerHubPrefix", m))?;
        }
        let rules = self
            .rules
            .clone()
            .map(RuleList::into_specs)
            .unwrap_or_default();
        for (i, rule) in rules.into_iter().enumerate() {
            rule.into_upstream(i)?;
        }
        if let Some(patterns) = &self.exclude {
            Exclude::new(patterns.clone()).map_err(|m| error("exclude", m))?;
        }
        for (i, w) in self.workloads.iter().flatten().enumerate() {
            w.validate()
                .map_err(|m| error(format!("workloads[{i}]"), m))?;
        }
        Ok(())
    }

    /// Settings from a YAML (or JSON) rules file.
    pub fn from_file(path: &Path) -> Result<Settings, Error> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| error(&name, e.to_string()))?;
        let text = std::str::from_utf8(&bytes).map_err(|_| error(&name, "not valid UTF-8"))?;
        let docs = crate::yaml::parse(text).map_err(|e| error(&name, e.to_string()))?;
        match docs.as_slice() {
            [] => Ok(Settings::default()),
            [doc] => Settings::from_json(crate::yaml::to_json(doc), &name),
            _ => Err(error(&name, "expected one YAML document")),
        }
    }

    /// Settings from the rules file at `path` (`--config`), if there is one.
    pub fn read_config(path: Option<&Path>) -> Result<Settings, Error> {
        path.map_or_else(|| Ok(Settings::default()), Settings::from_file)
    }

    /// Settings from a file holding what `aws ecr
    /// describe-pull-through-cache-rules` prints (`--rules-from`), if there
    /// is one.
    pub fn read_describe_rules(path: Option<&Path>) -> Result<Settings, Error> {
        let Some(path) = path else {
            return Ok(Settings::default());
        };
        let name = path.display().to_string();
        let json = std::fs::read_to_string(path).map_err(|e| error(&name, e.to_string()))?;
        Settings::from_describe_rules(&json, &name)
    }

    /// Checks everything and builds the configuration, filling defaults.
    pub fn resolve(self) -> Result<Config, Error> {
        let registry = match (self.registry, self.account_id) {
            (Some(host), _) => host,
            (None, Some(account)) => {
                let region = self.region.ok_or_else(|| {
                    error(
                        "account-id",
                        "needs a region (--region, AWS_REGION or AWS_DEFAULT_REGION)",
                    )
                })?;
                rules::ecr_host(&account, &region).map_err(|m| error("account-id/region", m))?
            }
            (None, None) => {
                return Err(error(
                    "",
                    "no cache registry: set --registry HOST (or PULLTHROUGH_REGISTRY), or --account-id and --region",
                ));
            }
        };
        rules::validate_registry(&registry).map_err(|m| error("registry", m))?;
        let prefix = self
            .docker_hub_prefix
            .unwrap_or_else(|| DEFAULT_DOCKER_HUB_PREFIX.to_string());
        rules::validate_prefix(&prefix).map_err(|m| error("docker-hub-prefix", m))?;
        let mut rules = Rules::new(registry, prefix);
        if self.docker_hub == Some(false) {
            rules.upstreams.clear();
        }
        for (i, rule) in self
            .rules
            .map(RuleList::into_specs)
            .unwrap_or_default()
            .into_iter()
            .enumerate()
        {
            rules.upstreams.push(rule.into_upstream(i)?);
        }
        let exclude =
            Exclude::new(self.exclude.unwrap_or_default()).map_err(|m| error("exclude", m))?;
        let workloads = self.workloads.unwrap_or_default();
        for (i, w) in workloads.iter().enumerate() {
            w.validate()
                .map_err(|m| error(format!("workloads[{i}]"), m))?;
        }
        let opt_out_annotation = self
            .opt_out_annotation
            .unwrap_or_else(|| DEFAULT_OPT_OUT_ANNOTATION.to_string());
        if opt_out_annotation.trim().is_empty() {
            return Err(error("opt-out-annotation", "must not be empty"));
        }
        Ok(Config {
            rules,
            opt_out_annotation,
            exclude,
            workloads,
            generic: self.generic.unwrap_or(true),
        })
    }
}

impl RuleList {
    fn into_specs(self) -> Vec<RuleSpec> {
        match self {
            RuleList::Joined(s) => split_list(&s).into_iter().map(RuleSpec::Short).collect(),
            RuleList::List(list) => list,
        }
    }
}

impl RuleSpec {
    fn into_upstream(self, i: usize) -> Result<Upstream, Error> {
        let (hosts, prefix, upstream_prefix, at) = match self {
            RuleSpec::Short(s) => {
                let (host, prefix) = s
                    .split_once('=')
                    .ok_or_else(|| error(format!("rule {s:?}"), "expected HOST=PREFIX"))?;
                (
                    vec![host.trim().to_string()],
                    prefix.trim().to_string(),
                    None,
                    format!("rule {s:?}"),
                )
            }
            RuleSpec::Full(full) => {
                let hosts = match full.hosts {
                    Hosts::One(h) => vec![h],
                    Hosts::Many(h) => h,
                };
                (
                    hosts,
                    full.prefix,
                    full.upstream_prefix,
                    format!("rules[{i}]"),
                )
            }
        };
        if hosts.is_empty()
            || hosts
                .iter()
                .any(|h| h.trim().is_empty() || h.contains(['/', ' ']))
        {
            return Err(error(
                at,
                "hosts must be non-empty registry hosts like quay.io",
            ));
        }
        rules::validate_prefix(&prefix).map_err(|m| error(&at, m))?;
        if let Some(up) = &upstream_prefix {
            if prefix.trim_end_matches('/') == "ROOT" {
                return Err(error(
                    &at,
                    "upstreamPrefix needs a prefix other than ROOT, as in ECR",
                ));
            }
            rules::validate_prefix(up).map_err(|m| error(format!("{at}.upstreamPrefix"), m))?;
        }
        // A rule on Docker Hub's hosts needs Docker Hub's `library/` handling.
        let docker_hub = hosts
            .iter()
            .any(|h| rules::DOCKER_HUB_HOSTS.contains(&h.as_str()));
        Ok(Upstream {
            hosts,
            prefix,
            docker_hub,
            upstream_prefix,
        })
    }
}

/// Splits a comma-separated list, dropping blanks.
fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// The upstream hosts of an ECR pull-through cache rule's
/// `upstreamRegistryUrl`, and whether it is Docker Hub. ECR Public also
/// answers at its dual-stack alias.
fn upstream_hosts(url: &str) -> (Vec<String>, bool) {
    let host = url.trim_start_matches("https://").trim_end_matches('/');
    match host {
        "registry-1.docker.io" | "docker.io" | "index.docker.io" | "registry.hub.docker.com" => {
            (Vec::new(), true)
        }
        "public.ecr.aws" => (
            vec![host.to_string(), "ecr-public.aws.com".to_string()],
            false,
        ),
        _ => (vec![host.to_string()], false),
    }
}

/// The output of `aws ecr describe-pull-through-cache-rules`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DescribeRules {
    pull_through_cache_rules: Vec<CacheRule>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CacheRule {
    ecr_repository_prefix: String,
    upstream_registry_url: String,
    registry_id: Option<String>,
    upstream_repository_prefix: Option<String>,
}

impl Settings {
    /// Settings from the JSON that `aws ecr describe-pull-through-cache-rules`
    /// prints: one rule per cache rule, the Docker Hub rule's prefix, and the
    /// account from `registryId` (the host then needs a region). Docker Hub
    /// is rewritten only if a Docker Hub rule exists.
    pub fn from_describe_rules(json: &str, source: &str) -> Result<Settings, Error> {
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|e| error(source, format!("invalid JSON: {e}")))?;
        let parsed: DescribeRules = serde_path_to_error::deserialize(value).map_err(|e| {
            error(
                format!("{source}: {}", e.path()),
                e.into_inner().to_string(),
            )
        })?;
        let mut settings = Settings {
            docker_hub: Some(false),
            ..Settings::default()
        };
        let mut rules = Vec::new();
        for (i, rule) in parsed.pull_through_cache_rules.into_iter().enumerate() {
            let at = format!("{source}: pullThroughCacheRules[{i}]");
            rules::validate_prefix(&rule.ecr_repository_prefix)
                .map_err(|m| error(format!("{at}.ecrRepositoryPrefix"), m))?;
            if settings.account_id.is_none() {
                settings.account_id = rule.registry_id.clone();
            }
            let upstream_prefix = rule
                .upstream_repository_prefix
                .filter(|p| p.trim_end_matches('/') != "ROOT");
            let (hosts, docker_hub) = upstream_hosts(&rule.upstream_registry_url);
            if docker_hub && upstream_prefix.is_none() {
                settings.docker_hub = Some(true);
                settings.docker_hub_prefix = Some(rule.ecr_repository_prefix);
            } else if !hosts.is_empty() || docker_hub {
                if let Some(up) = &upstream_prefix {
                    rules::validate_prefix(up)
                        .map_err(|m| error(format!("{at}.upstreamRepositoryPrefix"), m))?;
                }
                let hosts = if docker_hub {
                    crate::rules::DOCKER_HUB_HOSTS
                        .iter()
                        .map(|h| h.to_string())
                        .collect()
                } else {
                    hosts
                };
                rules.push(RuleSpec::Full(FullRule {
                    hosts: Hosts::Many(hosts),
                    prefix: rule.ecr_repository_prefix,
                    upstream_prefix,
                }));
            }
        }
        settings.rules = Some(RuleList::List(rules));
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_and_defaults() {
        let flags = Settings {
            registry: Some("r.example.com".into()),
            ..Settings::default()
        };
        let file = Settings {
            registry: Some("ignored.example.com".into()),
            docker_hub_prefix: Some("hub".into()),
            ..Settings::default()
        };
        let config = flags.over(file).resolve().unwrap();
        assert_eq!(config.rules.registry, "r.example.com");
        assert_eq!(config.rules.upstreams[0].prefix, "hub");
        assert_eq!(config.opt_out_annotation, DEFAULT_OPT_OUT_ANNOTATION);
        assert!(config.generic);
    }

    #[test]
    fn file_errors_name_the_path() {
        let json = serde_json::json!({"registry": "r.io", "rules": [{"hosts": "quay.io", "prefix": "quay", "extra": 1}]});
        let err = Settings::from_json(json, "rules.yaml").unwrap_err();
        assert!(err.to_string().starts_with("rules.yaml"), "{err}");
        let json = serde_json::json!({"registry": "r.io", "registy": "typo"});
        let err = Settings::from_json(json, "rules.yaml").unwrap_err();
        assert!(err.to_string().contains("registy"), "{err}");
    }

    #[test]
    fn pairs_use_long_option_names() {
        let s = Settings::from_pairs([
            ("registry", "r.io"),
            ("rules", "quay.io=quay, ghcr.io=ghcr"),
        ])
        .unwrap();
        let config = s.resolve().unwrap();
        assert_eq!(config.rules.upstreams.len(), 3);
        assert!(Settings::from_pairs([("regsitry", "r.io")]).is_err());
    }

    #[test]
    fn describe_rules() {
        let json = r#"{"pullThroughCacheRules": [
            {"ecrRepositoryPrefix": "docker-hub", "upstreamRegistryUrl": "registry-1.docker.io", "registryId": "123456789012", "upstreamRegistry": "docker-hub"},
            {"ecrRepositoryPrefix": "quay", "upstreamRegistryUrl": "quay.io", "registryId": "123456789012", "upstreamRepositoryPrefix": "ROOT"},
            {"ecrRepositoryPrefix": "cg", "upstreamRegistryUrl": "cgr.dev", "registryId": "123456789012", "upstreamRepositoryPrefix": "my-org"}
        ]}"#;
        let s = Settings::from_describe_rules(json, "rules.json").unwrap();
        let config = Settings {
            region: Some("eu-west-1".into()),
            ..s
        }
        .resolve()
        .unwrap();
        let r = &config.rules;
        assert_eq!(r.registry, "123456789012.dkr.ecr.eu-west-1.amazonaws.com");
        let rewrite = |image: &str| match r.decide(image) {
            crate::rules::Decision::Rewrite { image, .. } => image,
            other => panic!("{image}: {other:?}"),
        };
        assert_eq!(
            rewrite("nginx"),
            format!("{}/docker-hub/library/nginx", r.registry)
        );
        assert_eq!(
            rewrite("quay.io/a/b:1"),
            format!("{}/quay/a/b:1", r.registry)
        );
        assert_eq!(
            rewrite("cgr.dev/my-org/go:1"),
            format!("{}/cg/go:1", r.registry)
        );
        assert!(matches!(
            r.decide("cgr.dev/other/go:1"),
            crate::rules::Decision::Keep(_)
        ));
    }

    #[test]
    fn describe_rules_without_docker_hub_leaves_it_alone() {
        let json = r#"{"pullThroughCacheRules": [{"ecrRepositoryPrefix": "quay", "upstreamRegistryUrl": "quay.io", "registryId": "123456789012"}]}"#;
        let s = Settings::from_describe_rules(json, "rules.json").unwrap();
        let config = Settings {
            region: Some("eu-west-1".into()),
            ..s
        }
        .resolve()
        .unwrap();
        assert!(matches!(
            config.rules.decide("nginx"),
            crate::rules::Decision::Keep(_)
        ));
    }
}
