//! From layered [`Settings`] to a [`Config`]: every value checked, defaults
//! filled. [`Settings::validate`] checks one source on its own, so that its
//! errors can name the file they came from.

use super::sources::split_list;
use super::{Error, ErrorKind, FullRule, Hosts, Name, RuleList, RuleSpec, Settings};
use crate::config::{Config, DEFAULT_DOCKER_HUB_PREFIX, DEFAULT_OPT_OUT_ANNOTATION};
use crate::exclude::Exclude;
use crate::rules::{self, Rules, Upstream};

impl Settings {
    /// Checks every setting that is present, on its own.
    pub fn validate(&self) -> Result<(), Error> {
        if let Some(registry) = &self.registry {
            rules::validate_registry(registry).map_err(|e| Error::invalid(Name::Registry, e))?;
        }
        if let (Some(account), Some(region)) = (&self.account_id, &self.region) {
            rules::ecr_host(account, region).map_err(|e| Error::invalid(Name::AccountId, e))?;
        }
        if let Some(prefix) = &self.docker_hub_prefix {
            rules::validate_prefix(prefix).map_err(|e| Error::invalid(Name::DockerHubPrefix, e))?;
        }
        let rules = self.rules.clone().map(RuleList::into_specs);
        for (i, rule) in rules.into_iter().flatten().enumerate() {
            rule.into_upstream(i)?;
        }
        if let Some(patterns) = &self.exclude {
            Exclude::new(patterns.clone()).map_err(|e| Error::invalid(Name::Exclude, e))?;
        }
        for (i, w) in self.workloads.iter().flatten().enumerate() {
            w.validate()
                .map_err(|e| Error::invalid(format!("workloads[{i}]"), e))?;
        }
        Ok(())
    }

    /// Checks everything and builds the configuration, filling defaults.
    pub fn resolve(self) -> Result<Config, Error> {
        let registry = match (self.registry, self.account_id) {
            (Some(host), _) => host,
            (None, Some(account)) => {
                let region = self
                    .region
                    .ok_or_else(|| Error::new(Name::Region, ErrorKind::NoRegion))?;
                rules::ecr_host(&account, &region).map_err(|e| {
                    Error::invalid(format!("{} and {}", Name::AccountId, Name::Region), e)
                })?
            }
            (None, None) => return Err(Error::new("", ErrorKind::NoRegistry)),
        };
        rules::validate_registry(&registry).map_err(|e| Error::invalid(Name::Registry, e))?;
        let prefix = self
            .docker_hub_prefix
            .unwrap_or_else(|| DEFAULT_DOCKER_HUB_PREFIX.to_string());
        rules::validate_prefix(&prefix).map_err(|e| Error::invalid(Name::DockerHubPrefix, e))?;
        let mut rules = Rules::new(registry, prefix);
        if self.docker_hub == Some(false) {
            rules.upstreams.clear();
        }
        let specs = self.rules.map(RuleList::into_specs);
        for (i, rule) in specs.into_iter().flatten().enumerate() {
            rules.upstreams.push(rule.into_upstream(i)?);
        }
        let exclude = Exclude::new(self.exclude.unwrap_or_default())
            .map_err(|e| Error::invalid(Name::Exclude, e))?;
        let workloads = self.workloads.unwrap_or_default();
        for (i, w) in workloads.iter().enumerate() {
            w.validate()
                .map_err(|e| Error::invalid(format!("workloads[{i}]"), e))?;
        }
        let opt_out_annotation = self
            .opt_out_annotation
            .unwrap_or_else(|| DEFAULT_OPT_OUT_ANNOTATION.to_string());
        if opt_out_annotation.trim().is_empty() {
            return Err(Error::invalid(Name::OptOutAnnotation, "must not be empty"));
        }
        Ok(Config {
            rules,
            opt_out_annotation,
            exclude,
            workloads,
            generic: self.generic.unwrap_or(true),
            operator_images: self.operator_images.unwrap_or(true),
            digests: self.digests.unwrap_or_default(),
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
    /// The rule, checked; `i` is its place in the list, for messages.
    fn into_upstream(self, i: usize) -> Result<Upstream, Error> {
        let (hosts, prefix, upstream_prefix, at) = match self {
            RuleSpec::Short(s) => {
                let at = format!("rule {s:?}");
                let (host, prefix) = s
                    .split_once('=')
                    .ok_or_else(|| Error::invalid(&at, "expected HOST=PREFIX"))?;
                let (host, prefix) = (host.trim().to_string(), prefix.trim().to_string());
                (vec![host], prefix, None, at)
            }
            RuleSpec::Full(FullRule {
                hosts,
                prefix,
                upstream_prefix,
            }) => {
                let hosts = match hosts {
                    Hosts::One(h) => vec![h],
                    Hosts::Many(h) => h,
                };
                (hosts, prefix, upstream_prefix, format!("rules[{i}]"))
            }
        };
        let bad_host = |h: &String| h.trim().is_empty() || h.contains(['/', ' ']);
        if hosts.is_empty() || hosts.iter().any(bad_host) {
            return Err(Error::invalid(
                at,
                "hosts must be non-empty registry hosts like quay.io",
            ));
        }
        rules::validate_prefix(&prefix).map_err(|e| Error::invalid(&at, e))?;
        if let Some(up) = &upstream_prefix {
            if prefix.trim_end_matches('/') == "ROOT" {
                return Err(Error::invalid(
                    &at,
                    "upstreamPrefix needs a prefix other than ROOT, as in ECR",
                ));
            }
            rules::validate_prefix(up)
                .map_err(|e| Error::invalid(format!("{at}.upstreamPrefix"), e))?;
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
