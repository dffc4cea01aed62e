//! The sources of settings, each read into a partial [`Settings`]: the
//! environment, `key=value` pairs (a ConfigMap `functionConfig`), a JSON
//! value with the file schema (a `PullThrough` spec), and the rules file
//! (`--config`). The `describe-pull-through-cache-rules` reader is
//! [`super::describe`]; flags are the binary's to read.

use std::path::Path;

use super::{Error, ErrorKind, RuleList, Settings};

/// The ambient region variables, in the AWS CLI's order: EKS sets them in
/// many pods, so they only ever fill in a region no source gives.
pub const REGION_VARIABLES: [&str; 2] = ["AWS_REGION", "AWS_DEFAULT_REGION"];

impl Settings {
    /// Settings from environment variables named `<prefix>REGISTRY`,
    /// `<prefix>ACCOUNT_ID`, `<prefix>DOCKER_HUB_PREFIX`, `<prefix>RULES`
    /// (comma-separated), `<prefix>OPT_OUT_ANNOTATION`, `<prefix>EXCLUDE`
    /// (comma-separated), `<prefix>GENERIC` and `<prefix>OPERATOR_IMAGES`
    /// (`true`/`false`), `<prefix>DIGESTS` (`rewrite`/`keep`). The region
    /// comes from `AWS_REGION`, then `AWS_DEFAULT_REGION`, when `with_region`.
    /// Blank values count as unset.
    pub fn from_env(
        var: impl Fn(&str) -> Option<String>,
        prefix: &str,
        with_region: bool,
    ) -> Result<Settings, Error> {
        let get = |name: &str| var(&format!("{prefix}{name}")).filter(|v| !v.trim().is_empty());
        let generic = bool_var(&var, &format!("{prefix}GENERIC"))?;
        let operator_images = bool_var(&var, &format!("{prefix}OPERATOR_IMAGES"))?;
        let digests = digests_var(&var, &format!("{prefix}DIGESTS"))?;
        let region = with_region.then(|| ambient_region(&var)).flatten();
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
            operator_images,
            digests,
        })
    }

    /// Settings from `key = value` pairs named like the long options
    /// (`registry`, `account-id`, `region`, `docker-hub-prefix`, `rules`,
    /// `opt-out-annotation`, `exclude`, `generic`, `operator-images`,
    /// `digests`), as a KRM ConfigMap
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
                    s.generic = v
                        .map(|v| parse_bool(&v).ok_or_else(|| not_bool(key, &v)))
                        .transpose()?;
                }
                "operator-images" => {
                    s.operator_images = v
                        .map(|v| parse_bool(&v).ok_or_else(|| not_bool(key, &v)))
                        .transpose()?;
                }
                "digests" => {
                    s.digests = v
                        .map(|v| v.parse().map_err(|e| Error::invalid(key, e)))
                        .transpose()?;
                }
                _ => return Err(Error::new(key, ErrorKind::UnknownSetting)),
            }
        }
        Ok(s)
    }

    /// Settings from a JSON value with the file schema (a rules file, a
    /// `PullThrough` spec). Errors name the field path, like
    /// `rules.yaml: rules[1].prefix`; `source` names the file or object.
    pub fn from_json(value: serde_json::Value, source: &str) -> Result<Settings, Error> {
        let settings: Settings = serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            let at = if path == "." { String::new() } else { path };
            Error::new(at, ErrorKind::Schema(e.into_inner().to_string())).within(source, false)
        })?;
        settings.validate().map_err(|e| e.within(source, false))?;
        Ok(settings)
    }

    /// Settings from a YAML (or JSON) rules file: one document with the file
    /// schema, or none.
    pub fn from_file(path: &Path) -> Result<Settings, Error> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| Error::unreadable(&name, e))?;
        let text =
            std::str::from_utf8(&bytes).map_err(|_| Error::unreadable(&name, "not valid UTF-8"))?;
        let docs = crate::yaml::parse(text).map_err(|e| Error::unreadable(&name, e))?;
        match docs.as_slice() {
            [] => Ok(Settings::default()),
            [doc] => Settings::from_json(crate::yaml::to_json(doc), &name),
            _ => Err(Error::unreadable(&name, "expected one YAML document")),
        }
    }
}

/// A `true`/`false` variable (also `1`/`0`, `yes`/`no`, `on`/`off`, any
/// case); blank is unset.
pub fn bool_var(var: &impl Fn(&str) -> Option<String>, name: &str) -> Result<Option<bool>, Error> {
    var(name)
        .filter(|v| !v.trim().is_empty())
        .map(|v| parse_bool(&v).ok_or_else(|| not_bool(name, &v)))
        .transpose()
}

/// A `rewrite`/`keep` variable (any case); blank is unset.
pub fn digests_var(
    var: &impl Fn(&str) -> Option<String>,
    name: &str,
) -> Result<Option<crate::Digests>, Error> {
    var(name)
        .filter(|v| !v.trim().is_empty())
        .map(|v| v.parse().map_err(|e| Error::invalid(name, e)))
        .transpose()
}

/// A count of 1 or more (`PULLTHROUGH_THREADS`); blank is unset.
pub fn count_var(
    var: &impl Fn(&str) -> Option<String>,
    name: &str,
) -> Result<Option<std::num::NonZeroUsize>, Error> {
    var(name)
        .filter(|v| !v.trim().is_empty())
        .map(|v| {
            v.trim().parse().map_err(|_| {
                Error::invalid(
                    name,
                    format!("expected a whole number from 1 up, got {v:?}"),
                )
            })
        })
        .transpose()
}

/// `AWS_REGION`, else `AWS_DEFAULT_REGION`, if set and not empty.
pub fn ambient_region(var: &impl Fn(&str) -> Option<String>) -> Option<String> {
    REGION_VARIABLES
        .iter()
        .find_map(|k| var(k).filter(|v| !v.is_empty()))
}

/// Every source of settings for one run, in precedence order: a setting
/// from a higher source replaces the lower one whole (a list of rules from
/// the command line replaces the file's list), and `registry` and
/// `accountId` count as one setting. [`Sources::resolve`] is the one place
/// that layers them, for the pipe, the KRM function, the kustomize plugin
/// and `generate` alike.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sources {
    /// The command line and the `PULLTHROUGH_*` variables that stand for its
    /// flags; for `generate`, the sidecar's `PULLTHROUGH_*` and region.
    pub flags: Settings,
    /// The host's configuration object: a KRM `functionConfig` over the
    /// kustomize plugin's config object.
    pub host: Settings,
    /// `--rules-from`: the cache rules that exist.
    pub rules_from: Settings,
    /// `--config`: the rules file.
    pub file: Settings,
    /// An app's own settings, under the platform's: Argo CD's
    /// `ARGOCD_ENV_PULLTHROUGH_*`.
    pub app: Settings,
    /// `AWS_REGION` / `AWS_DEFAULT_REGION`: a region below every source.
    pub ambient_region: Option<String>,
}

impl Sources {
    /// Reads the `--rules-from` and `--config` files, when given.
    pub fn read_files(
        mut self,
        rules_from: Option<&Path>,
        config: Option<&Path>,
    ) -> Result<Sources, Error> {
        if let Some(path) = rules_from {
            self.rules_from = Settings::read_describe_rules(path)?;
        }
        if let Some(path) = config {
            self.file = Settings::from_file(path)?;
        }
        Ok(self)
    }

    /// The settings of every source, layered; checked and with defaults
    /// filled.
    pub fn resolve(self) -> Result<crate::Config, Error> {
        let ambient = Settings {
            region: self.ambient_region,
            ..Settings::default()
        };
        self.flags
            .over(self.host)
            .over(self.rules_from)
            .over(self.file)
            .over(self.app)
            .over(ambient)
            .resolve()
    }
}

/// Splits a comma-separated list, trimming and dropping blanks.
pub fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

/// `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`, any case and trimmed.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

fn not_bool(setting: impl Into<String>, value: &str) -> Error {
    Error::invalid(setting, format!("expected true or false, got {value:?}"))
}
