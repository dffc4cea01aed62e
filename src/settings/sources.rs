//! The sources of settings, each read into a partial [`Settings`]: the
//! environment, `key=value` pairs (a ConfigMap `functionConfig`), a JSON
//! value with the file schema (a `PullThrough` spec), and the rules file
//! (`--config`). The `describe-pull-through-cache-rules` reader is
//! [`super::describe`]; flags are the binary's to read.

use std::path::Path;

use super::table::{REGION_VARIABLES, SETTINGS, Setting};
use super::text::value;
use super::{Error, ErrorKind, Settings};

impl Settings {
    /// Settings from the environment variables that stand for the flags,
    /// each named `<prefix><variable>` as [`SETTINGS`] names it
    /// (`PULLTHROUGH_REGISTRY`, `ARGOCD_ENV_PULLTHROUGH_REGISTRY`). The
    /// region comes from `AWS_REGION`, then `AWS_DEFAULT_REGION`, when
    /// `with_region`. Values read as every text value does
    /// ([`Setting::read`]): trimmed, blank is unset.
    pub fn from_env(
        var: impl Fn(&str) -> Option<String>,
        prefix: &str,
        with_region: bool,
    ) -> Result<Settings, Error> {
        let mut settings = Settings::default();
        for row in SETTINGS {
            if let Some(variable) = row.variable() {
                let name = format!("{prefix}{variable}");
                if let Some(raw) = var(&name) {
                    row.read(&mut settings, &raw, &name)?;
                }
            }
        }
        if with_region {
            settings.region = ambient_region(&var);
        }
        Ok(settings)
    }

    /// Settings from `key = value` pairs named as [`SETTINGS`] names them
    /// (`registry`, `account-id`, …), as a KRM ConfigMap `functionConfig`'s
    /// `data` holds them. Unknown keys are errors.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Settings, Error> {
        let mut settings = Settings::default();
        for (key, raw) in pairs {
            let row = Setting::by_option(key)
                .ok_or_else(|| Error::new(key, ErrorKind::UnknownSetting))?;
            row.read(&mut settings, raw, key)?;
        }
        Ok(settings)
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
        let settings = settings.tidy();
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

/// A count of 1 or more (`PULLTHROUGH_THREADS`); blank is unset.
pub fn count_var(
    var: &impl Fn(&str) -> Option<String>,
    name: &str,
) -> Result<Option<std::num::NonZeroUsize>, Error> {
    var(name)
        .filter(|v| value(v).is_some())
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

/// `AWS_REGION`, else `AWS_DEFAULT_REGION`, if set and not blank;
/// trimmed.
pub fn ambient_region(var: &impl Fn(&str) -> Option<String>) -> Option<String> {
    REGION_VARIABLES
        .iter()
        .find_map(|k| var(k).as_deref().and_then(value).map(str::to_string))
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
