//! A Helm chart: `helm dependency build` when dependencies are declared but
//! not in `charts/`, then `helm template` with Argo CD's release name,
//! namespace, Kubernetes version and API versions, and the app's values
//! files and parameters with Argo CD's build environment substituted.
//!
//! `helm dependency build` gets a repository cache of the request's own
//! ([`scratch`]): concurrent requests that share one cache read each other's
//! half-written repository indexes.

use std::ffi::OsString;
use std::path::Path;

use super::{BuildEnv, Error, Part, Request, exec, inside, scratch, values};

/// What `helm template` is told besides the chart.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HelmOptions {
    /// The release name ([`release_name`] of `ARGOCD_APP_NAME`).
    pub release: String,
    /// `--namespace`, the app's destination namespace.
    pub namespace: Option<String>,
    /// `--kube-version`, e.g. `1.32.4`.
    pub kube_version: Option<String>,
    /// One `--api-versions` each, e.g. `monitoring.coreos.com/v1`.
    pub api_versions: Vec<String>,
    /// `--values`, relative to the app directory, in order; globs and the
    /// build environment as Argo CD's `valueFiles` ([`values`]).
    pub values_files: Vec<String>,
    /// `--set KEY=VALUE`, in order; the build environment substituted in
    /// each value.
    pub set: Vec<(String, String)>,
    /// Argo CD's `ignoreMissingValueFiles`: a values file that does not
    /// exist, or a glob that matches nothing, is left out.
    pub ignore_missing_values_files: bool,
    /// What `$ARGOCD_APP_*` stands for in `values_files` and `set`.
    pub build_env: BuildEnv,
}

/// The Helm release name for Argo CD's `ARGOCD_APP_NAME`: an app outside
/// Argo CD's own namespace is named `<app-namespace>_<name>`, and `_` is not
/// allowed in a release name (nor in a namespace, so the first `_` ends it).
pub fn release_name(app_name: &str) -> &str {
    app_name.split_once('_').map_or(app_name, |(_, name)| name)
}

pub(super) fn render(
    request: &Request,
    limits: &exec::Limits,
    stderr: &mut String,
) -> Result<Vec<Part>, Error> {
    let helm = &request.tools.helm;
    if !missing_dependencies(request.dir).is_empty() {
        let args = ["dependency".into(), "build".into()];
        // Removed when this function returns, whatever happens in between.
        let cache = scratch::Scratch::new()?;
        let env = [("HELM_REPOSITORY_CACHE", cache.path().as_os_str())];
        let out = exec::run_with_env(helm, &args, request.dir, &env, limits)?;
        // Its progress report goes with the messages, never into the manifests.
        stderr.push_str(&String::from_utf8_lossy(&out.stdout));
        stderr.push_str(&out.stderr);
    }
    let args = template_args(request)?;
    let out = exec::run(helm, &args, request.dir, limits)?;
    stderr.push_str(&out.stderr);
    Ok(vec![Part {
        name: "helm template".to_string(),
        bytes: out.stdout,
    }])
}

fn template_args(request: &Request) -> Result<Vec<OsString>, Error> {
    let o = request.helm;
    let mut args: Vec<OsString> = vec!["template".into(), o.release.clone().into(), ".".into()];
    let mut flag = |name: &str, value: &str| {
        args.push(name.into());
        args.push(value.into());
    };
    if let Some(ns) = &o.namespace {
        flag("--namespace", ns);
    }
    if let Some(v) = &o.kube_version {
        flag("--kube-version", v);
    }
    for v in &o.api_versions {
        flag("--api-versions", v);
    }
    // Resolved and checked here: helm would read any path of the sidecar,
    // or fetch a URL.
    let files = values::resolve(
        &o.values_files,
        request.dir,
        request.root,
        &o.build_env,
        o.ignore_missing_values_files,
    )?;
    for file in &files {
        args.push("--values".into());
        args.push(file.into());
    }
    // Argo CD substitutes parameter values, not names, then escapes commas
    // (`helmTemplate`, `cleanSetParameters`).
    for (key, value) in &o.set {
        let value = o.build_env.envsubst(value);
        args.push("--set".into());
        args.push(format!("{key}={}", escape_set_value(&value)).into());
    }
    args.push("--include-crds".into());
    Ok(args)
}

/// Escapes `,` in a `--set` value as Argo CD does (`cleanSetParameters`):
/// helm would split `a,b=c` into two assignments. A `{…}` value is a helm
/// list and keeps its commas; a comma already escaped stays as it is.
fn escape_set_value(value: &str) -> String {
    if value.starts_with('{') && value.ends_with('}') {
        return value.to_string();
    }
    let mut out = String::with_capacity(value.len());
    let mut previous = None;
    for c in value.chars() {
        if c == ',' && previous != Some('\\') {
            out.push('\\');
        }
        out.push(c);
        previous = Some(c);
    }
    out
}

/// Names of the dependencies that `Chart.yaml` (or a v1 chart's
/// `requirements.yaml`) declares and `charts/` does not hold, as a
/// directory `charts/<name>/` or an archive `charts/<name>-<version>.tgz`.
/// A file that does not parse declares nothing: `helm template` will say
/// what is wrong with it.
fn missing_dependencies(dir: &Path) -> Vec<String> {
    let declared = declared_dependencies(dir)
        .into_iter()
        .filter_map(|d| d.get("name")?.as_str().map(str::to_string));
    let vendored: Vec<String> = std::fs::read_dir(dir.join("charts"))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    declared
        .filter(|name| {
            !vendored.iter().any(|v| {
                v == name
                    || v.strip_prefix(name.as_str())
                        .and_then(|rest| rest.strip_prefix('-'))
                        .is_some_and(|rest| rest.ends_with(".tgz"))
            })
        })
        .collect()
}

/// Checks that every `file://` dependency of the chart is inside `root`:
/// helm would read it wherever it is.
pub(super) fn local_dependencies_inside(dir: &Path, root: &Path) -> Result<(), Error> {
    for dep in declared_dependencies(dir) {
        let repository = dep.get("repository").and_then(|r| r.as_str());
        if let Some(path) = repository.and_then(|r| r.strip_prefix("file://")) {
            let target = dir.join(path);
            if target.exists() {
                inside(root, &target)?;
            }
        }
    }
    Ok(())
}

/// The `dependencies` entries of `Chart.yaml` and of a v1 chart's
/// `requirements.yaml`. A file that does not parse declares nothing:
/// `helm template` will say what is wrong with it.
fn declared_dependencies(dir: &Path) -> Vec<serde_json::Value> {
    ["Chart.yaml", "requirements.yaml"]
        .iter()
        .filter_map(|f| std::fs::read_to_string(dir.join(f)).ok())
        .filter_map(|text| {
            crate::yaml::parse(&text)
                .ok()?
                .first()
                .map(crate::yaml::to_json)
        })
        .filter_map(|json| json.get("dependencies")?.as_array().cloned())
        .flatten()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::Tools;
    use super::*;

    #[test]
    fn release_names() {
        assert_eq!(release_name("guestbook"), "guestbook");
        assert_eq!(release_name("team-a_guestbook"), "guestbook");
        assert_eq!(release_name(""), "");
    }

    #[test]
    fn dependencies_vendored_or_not() {
        let dir = tempfile::tempdir().unwrap();
        let chart = "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n  - name: redis\n    version: 1.x\n    repository: file://../redis\n  - name: common\n    version: 2.0.0\n    repository: https://charts.example.com\n";
        std::fs::write(dir.path().join("Chart.yaml"), chart).unwrap();
        assert_eq!(missing_dependencies(dir.path()), ["redis", "common"]);
        std::fs::create_dir_all(dir.path().join("charts/redis")).unwrap();
        std::fs::write(dir.path().join("charts/common-2.0.0.tgz"), "").unwrap();
        assert!(missing_dependencies(dir.path()).is_empty());
        std::fs::write(dir.path().join("Chart.yaml"), "name: [\n").unwrap();
        assert!(missing_dependencies(dir.path()).is_empty());
    }

    #[test]
    fn template_arguments_in_order() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("prod.yaml"), "a: 1\n").unwrap();
        let helm = HelmOptions {
            release: "web".into(),
            namespace: Some("shop".into()),
            kube_version: Some("1.32.4".into()),
            api_versions: vec!["a/v1".into(), "b/v2".into()],
            values_files: vec!["prod.yaml".into()],
            set: vec![("image.tag".into(), "v1".into())],
            ..HelmOptions::default()
        };
        let tools = Tools::on_path(None);
        let request = Request {
            dir: dir.path(),
            root: dir.path(),
            tools: &tools,
            helm: &helm,
            directory: &super::super::DirectoryOptions::default(),
            timeout: None,
            cancel: None,
        };
        let args = template_args(&request).unwrap();
        let args: Vec<_> = args.iter().map(|a| a.to_str().unwrap()).collect();
        assert_eq!(
            args.join(" "),
            "template web . --namespace shop --kube-version 1.32.4 --api-versions a/v1 \
             --api-versions b/v2 --values prod.yaml --set image.tag=v1 --include-crds"
        );
        let outside = HelmOptions {
            values_files: vec!["../../../etc/passwd".into()],
            ..helm.clone()
        };
        let request = Request {
            helm: &outside,
            ..request
        };
        assert!(template_args(&request).is_err());
    }
}

#[cfg(test)]
mod set_tests {
    use super::escape_set_value;

    #[test]
    fn commas_are_escaped_like_argo_cd() {
        assert_eq!(escape_set_value("1,e=2"), "1\\,e=2");
        assert_eq!(escape_set_value("a\\,b"), "a\\,b");
        assert_eq!(escape_set_value("{a,b}"), "{a,b}");
        assert_eq!(escape_set_value("plain"), "plain");
    }
}
