//! The reader of `aws ecr describe-pull-through-cache-rules` output
//! (`--rules-from`): rewrite exactly for the cache rules that exist.
//! <https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DescribePullThroughCacheRules.html>

use std::path::Path;

use serde::Deserialize;

use super::{Error, ErrorKind, FullRule, Hosts, RuleList, RuleSpec, Settings};
use crate::rules;

impl Settings {
    /// Settings from a file holding what `aws ecr
    /// describe-pull-through-cache-rules` prints.
    pub fn read_describe_rules(path: &Path) -> Result<Settings, Error> {
        let name = path.display().to_string();
        let json = std::fs::read_to_string(path).map_err(|e| Error::unreadable(&name, e))?;
        Settings::from_describe_rules(&json, &name)
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
        let value: serde_json::Value = serde_json::from_str(json)
            .map_err(|e| Error::unreadable(source, format!("invalid JSON: {e}")))?;
        let parsed: DescribeRules = serde_path_to_error::deserialize(value).map_err(|e| {
            let at = format!("{source}: {}", e.path());
            Error::new(at, ErrorKind::Schema(e.into_inner().to_string()))
        })?;
        let mut settings = Settings {
            docker_hub: Some(false),
            ..Settings::default()
        };
        let mut rules = Vec::new();
        for (i, rule) in parsed.pull_through_cache_rules.into_iter().enumerate() {
            let at = format!("{source}: pullThroughCacheRules[{i}]");
            rules::validate_prefix(&rule.ecr_repository_prefix)
                .map_err(|e| Error::invalid(format!("{at}.ecrRepositoryPrefix"), e))?;
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
                        .map_err(|e| Error::invalid(format!("{at}.upstreamRepositoryPrefix"), e))?;
                }
                let hosts = if docker_hub {
                    rules::DOCKER_HUB_HOSTS
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
