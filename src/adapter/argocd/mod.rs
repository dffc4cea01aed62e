//! Argo CD's config management plugin: the request argocd-cmp-server makes
//! of `generate` (its environment and the app's parameters, see
//! integration-contracts §2), and the renderers that turn the app directory
//! into manifests ([`render`]).
//!
//! The environment comes in through a lookup function, so nothing here
//! reads it directly. Settings precedence, highest first: the sidecar's
//! `PULLTHROUGH_*` (and `AWS_REGION`), its `--rules-from` and `--config`
//! files, then the app's `ARGOCD_ENV_PULLTHROUGH_*` (the Application's
//! `plugin.env`). The platform owns the cache: an app cannot point its
//! images at another registry or prefix than the one the platform set, only
//! fill in what it left unset. An app leaves the cache with the plugin
//! parameter `enabled: "false"`, or per object with the opt-out annotation.

pub mod discover;
mod params;
pub mod render;

use std::path::{Path, PathBuf};

pub use params::{NAMES as PARAMETER_NAMES, ParamError, ParamErrorKind, Parameters};
use render::HelmOptions;

use crate::settings::{self, Settings, Sources};

/// The prefix of an app's own settings: `plugin.env` entries reach the
/// plugin as `ARGOCD_ENV_<name>`.
pub const APP_PREFIX: &str = "ARGOCD_ENV_PULLTHROUGH_";

/// The prefix of the sidecar's (the platform's) settings.
pub const PLATFORM_PREFIX: &str = settings::PREFIX;

/// What argocd-cmp-server asks of one `generate` run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginRequest {
    /// The plugin parameters (`ARGOCD_APP_PARAMETERS`).
    pub parameters: Parameters,
    /// What `helm template` is told: release, namespace, versions, values.
    pub helm: HelmOptions,
    /// `ARGOCD_APP_SOURCE_PATH`: where the app is in the repository.
    pub source_path: Option<String>,
}

impl PluginRequest {
    /// The request in Argo CD's environment, read through `var`. Empty
    /// values count as unset.
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<PluginRequest, ParamError> {
        let env = |key: &str| var(key).filter(|v| !v.is_empty());
        let parameters = Parameters::from_json(&env("ARGOCD_APP_PARAMETERS").unwrap_or_default())?;
        let helm = HelmOptions {
            release: env("ARGOCD_APP_NAME").map_or_else(
                || "release-name".to_string(),
                |n| render::release_name(&n).to_string(),
            ),
            namespace: env("ARGOCD_APP_NAMESPACE"),
            kube_version: env("KUBE_VERSION"),
            api_versions: env("KUBE_API_VERSIONS")
                .map(|v| settings::split_list(&v))
                .unwrap_or_default(),
            values_files: parameters.values_files.clone(),
            set: parameters.helm_parameters.clone(),
            ignore_missing_values_files: parameters.ignore_missing_values_files,
            build_env: render::BuildEnv::from_lookup(&var),
        };
        Ok(PluginRequest {
            parameters,
            helm,
            source_path: env("ARGOCD_APP_SOURCE_PATH"),
        })
    }

    /// The repository root for the app in `dir`: `repo_root` when given,
    /// else `dir` less [`PluginRequest::source_path`].
    pub fn root(&self, dir: &Path, repo_root: Option<&Path>) -> PathBuf {
        repo_root.map_or_else(
            || repository_root(dir, self.source_path.as_deref()),
            Path::to_path_buf,
        )
    }
}

/// The settings sources of a `generate` run: the platform's variables as
/// the flags (the sidecar has no command line of its own), with the region
/// from `AWS_REGION` among them; its `--rules-from` and `--config` files;
/// and the app's variables under them. Read in that order, so the first
/// error is the highest source's.
pub fn sources(
    var: impl Fn(&str) -> Option<String>,
    rules_from: Option<&Path>,
    config: Option<&Path>,
) -> Result<Sources, settings::Error> {
    let platform = Sources {
        flags: Settings::from_env(&var, PLATFORM_PREFIX, true)?,
        ..Sources::default()
    };
    let mut sources = platform.read_files(rules_from, config)?;
    sources.app = Settings::from_env(&var, APP_PREFIX, false)?;
    Ok(sources)
}

/// The checkout Argo CD copied: the app directory less the source path it
/// was found at (`ARGOCD_APP_SOURCE_PATH`), or the app directory itself.
fn repository_root(dir: &Path, source_path: Option<&str>) -> PathBuf {
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let tail: PathBuf = source_path
        .map(Path::new)
        .into_iter()
        .flat_map(Path::components)
        .filter(|c| matches!(c, std::path::Component::Normal(_)))
        .collect();
    let depth = tail.components().count();
    if depth > 0 && dir.ends_with(&tail) {
        dir.ancestors().nth(depth).unwrap_or(&dir).to_path_buf()
    } else {
        dir
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_from_source_path() {
        let t = tempfile::tempdir().unwrap();
        let repo = t.path().canonicalize().unwrap();
        let app = repo.join("apps/web");
        std::fs::create_dir_all(&app).unwrap();
        assert_eq!(repository_root(&app, Some("apps/web")), repo);
        assert_eq!(repository_root(&app, Some("./apps/web/")), repo);
        assert_eq!(repository_root(&app, Some("other/web")), app);
        assert_eq!(repository_root(&app, Some(".")), app);
        assert_eq!(repository_root(&app, None), app);
    }

    #[test]
    fn request_from_argo_cd_environment() {
        let env = |k: &str| match k {
            "ARGOCD_APP_NAME" => Some("team_web".to_string()),
            "KUBE_API_VERSIONS" => Some("a/v1, b/v2,".to_string()),
            "ARGOCD_APP_NAMESPACE" => Some(String::new()),
            _ => None,
        };
        let request = PluginRequest::from_env(env).unwrap();
        assert_eq!(request.helm.release, "web");
        assert_eq!(request.helm.api_versions, ["a/v1", "b/v2"]);
        assert_eq!(request.helm.namespace, None);
        assert!(request.parameters.enabled);
    }
}
