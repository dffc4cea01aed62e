//! From layered [`Settings`] to a [`Config`]: every value checked, defaults
//! filled. The checks are one function, [`Settings::checked`]: a rules file
//! is checked on its own when read ([`Settings::validate`]), so that its
//! errors name the file, and the layered settings by [`Settings::resolve`].

use super::text::split_list;
use super::{Error, ErrorKind, FullRule, Hosts, Name, RuleList, RuleSpec, Settings};
use crate::config::{Config, DEFAULT_DOCKER_HUB_PREFIX, DEFAULT_OPT_OUT_ANNOTATION};
use crate::exclude::Exclude;
use crate::rename::{Rename, Renames};
use crate::rules::{self, Rules, Upstream};
use crate::workload::WorkloadSpec;

/// The present settings, each checked and built into what a [`Config`]
/// holds; unset ones stay `None`.
struct Checked {
    /// The registry host, given or built from the account and region.
    registry: Option<String>,
    docker_hub_prefix: Option<String>,
    upstreams: Option<Vec<Upstream>>,
    exclude: Option<Exclude>,
    renames: Option<Renames>,
    workloads: Option<Vec<WorkloadSpec>>,
}

impl Settings {
    /// Checks every setting that is present, on its own.
    pub fn validate(&self) -> Result<(), Error> {
        self.clone().checked(false).map(drop)
    }

    /// Checks everything and builds the configuration, filling defaults.
    pub fn resolve(self) -> Result<Config, Error> {
        let (docker_hub, opt_out_annotation) = (self.docker_hub, self.opt_out_annotation.clone());
        let (generic, operator_images, digests) =
            (self.generic, self.operator_images, self.digests);
        let checked = self.checked(true)?;
        // `checked(true)` has a registry or an error.
        let registry = checked.registry.unwrap_or_default();
        let prefix = checked
            .docker_hub_prefix
            .unwrap_or_else(|| DEFAULT_DOCKER_HUB_PREFIX.to_string());
        let mut rules = Rules::new(registry, prefix);
        if docker_hub == Some(false) {
            rules.upstreams.clear();
        }
        rules
            .upstreams
            .extend(checked.upstreams.unwrap_or_default());
        let exclude = match checked.exclude {
            Some(exclude) => exclude,
            None => Exclude::new(Vec::new()).map_err(|e| Error::invalid(Name::Exclude, e))?,
        };
        Ok(Config {
            rules,
            opt_out_annotation: opt_out_annotation
                .unwrap_or_else(|| DEFAULT_OPT_OUT_ANNOTATION.to_string()),
            exclude,
            renames: checked.renames.unwrap_or_default(),
            workloads: checked.workloads.unwrap_or_default(),
            generic: generic.unwrap_or(true),
            operator_images: operator_images.unwrap_or(true),
            digests: digests.unwrap_or_default(),
        })
    }

    /// Every present value checked, once, in the table's order. `layered`
    /// settings are all there is: a missing registry is an error, first of
    /// all.
    fn checked(self, layered: bool) -> Result<Checked, Error> {
        if let Some(host) = &self.registry {
            rules::validate_registry(host).map_err(|e| Error::invalid(Name::Registry, e))?;
        }
        // Layered, a registry replaces the account, and the account and the
        // region may come from two sources: name both.
        let built = match (&self.account_id, &self.region) {
            (Some(account), Some(region)) if !layered || self.registry.is_none() => {
                let at = match layered {
                    true => format!("{} and {}", Name::AccountId, Name::Region),
                    false => Name::AccountId.to_string(),
                };
                let host = rules::ecr_host(account, region).map_err(|e| Error::invalid(at, e))?;
                rules::validate_registry(&host).map_err(|e| Error::invalid(Name::Registry, e))?;
                Some(host)
            }
            _ => None,
        };
        let registry = match (self.registry, built) {
            (Some(host), _) | (None, Some(host)) => Some(host),
            (None, None) if layered && self.account_id.is_some() => {
                return Err(Error::new(Name::Region, ErrorKind::NoRegion));
            }
            (None, None) if layered => return Err(Error::new("", ErrorKind::NoRegistry)),
            (None, None) => None,
        };
        if let Some(prefix) = &self.docker_hub_prefix {
            rules::validate_prefix(prefix).map_err(|e| Error::invalid(Name::DockerHubPrefix, e))?;
        }
        let upstreams = self
            .rules
            .map(|list| {
                let specs = list.into_specs().into_iter().enumerate();
                specs.map(|(i, rule)| rule.into_upstream(i)).collect()
            })
            .transpose()?;
        let exclude = self
            .exclude
            .map(|patterns| Exclude::new(patterns).map_err(|e| Error::invalid(Name::Exclude, e)))
            .transpose()?;
        let renames = self
            .renames
            .map(|list| {
                let rules = list.iter().map(|r| {
                    Rename::new(&r.from, &r.to).map_err(|e| {
                        Error::invalid(format!("{} \"{}={}\"", Name::Renames, r.from, r.to), e)
                    })
                });
                rules.collect::<Result<Vec<_>, _>>().map(Renames::new)
            })
            .transpose()?;
        for (i, w) in self.workloads.iter().flatten().enumerate() {
            w.validate()
                .map_err(|e| Error::invalid(format!("workloads[{i}]"), e))?;
        }
        if (self.opt_out_annotation.as_deref()).is_some_and(|a| a.trim().is_empty()) {
            return Err(Error::invalid(Name::OptOutAnnotation, "must not be empty"));
        }
        Ok(Checked {
            registry,
            docker_hub_prefix: self.docker_hub_prefix,
            upstreams,
            exclude,
            renames,
            workloads: self.workloads,
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
