//! `pullthrough generate`: Argo CD's plugin environment → a render request
//! and settings → [`generate::render`] → [`pullthrough::rewrite`] → stdout.
//! This is the one place that reads Argo CD's variables.
//!
//! Settings precedence, highest first: the sidecar's `PULLTHROUGH_*` (and
//! `AWS_REGION`), its `--rules-from` and `--config` files, then the app's
//! `ARGOCD_ENV_PULLTHROUGH_*` (the Application's `plugin.env`). The platform
//! owns the cache: an app cannot point its images at another registry or
//! prefix than the one the platform set, only fill in what it left unset.
//! An app leaves the cache with the plugin parameter `enabled: "false"`, or
//! per object with the opt-out annotation.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use clap::Args as ClapArgs;
use pullthrough::Config;
use pullthrough::generate::{self, HelmOptions, Parameters, Request, Source, Tools};
use pullthrough::settings::Settings;

use super::{Done, Exit, Failure, OutputArgs, finish, stream_pieces, write_stdout};

/// Arguments of `pullthrough generate`.
#[derive(Debug, ClapArgs)]
pub struct GenerateArgs {
    /// The app directory.
    #[arg(value_name = "DIR", default_value = ".")]
    dir: PathBuf,
    /// Succeed with empty output when the app renders no objects (with
    /// auto-prune, Argo CD then deletes all of the app's resources).
    #[arg(long)]
    allow_empty: bool,
    /// Time the renderers may take in all, then the one running is killed:
    /// seconds, or with a unit (500ms, 45s, 2m); 0 for no limit. Keep it
    /// below Argo CD's repo-server timeout (60 s by default).
    #[arg(long, env = "PULLTHROUGH_TIMEOUT", value_name = "DURATION", default_value = "45s", value_parser = parse_timeout)]
    timeout: Duration,
    /// The repository root, which symlinks and values files must not leave
    /// [default: DIR less $ARGOCD_APP_SOURCE_PATH, else DIR].
    #[arg(long, value_name = "DIR")]
    repo_root: Option<PathBuf>,
    /// The platform's rules file (YAML), under its PULLTHROUGH_* variables.
    #[arg(long, env = "PULLTHROUGH_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// The JSON of `aws ecr describe-pull-through-cache-rules`, under the
    /// PULLTHROUGH_* variables and over --config.
    #[arg(long, env = "PULLTHROUGH_RULES_FROM", value_name = "FILE")]
    rules_from: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

fn env(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.is_empty())
}

pub fn generate(args: &GenerateArgs) -> Result<Exit, Failure> {
    let usage = |m: String| Failure(Exit::Usage, m);
    let params = Parameters::from_json(&env("ARGOCD_APP_PARAMETERS").unwrap_or_default())
        .map_err(|e| usage(e.to_string()))?;
    // Resolved before rendering, so a bad setting fails fast.
    let config = if params.enabled {
        Some(settings(args)?)
    } else {
        None
    };
    let root = match &args.repo_root {
        Some(root) => root.clone(),
        None => repository_root(&args.dir, env("ARGOCD_APP_SOURCE_PATH").as_deref()),
    };
    let helm = HelmOptions {
        release: env("ARGOCD_APP_NAME").map_or_else(
            || "release-name".to_string(),
            |n| generate::release_name(&n).to_string(),
        ),
        namespace: env("ARGOCD_APP_NAMESPACE"),
        kube_version: env("KUBE_VERSION"),
        api_versions: env("KUBE_API_VERSIONS")
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        values_files: params.values_files.clone(),
        set: params.helm_parameters.clone(),
        ignore_missing_values_files: params.ignore_missing_values_files,
        build_env: generate::BuildEnv::from_lookup(env),
    };
    let tools = Tools::on_path(std::env::var_os("PATH").as_deref());
    // SIGTERM (Argo CD's timeout, a pod shutdown) or SIGINT: stop the
    // renderer's whole process group and write nothing.
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .map_err(|e| Failure(Exit::Input, format!("cannot handle signals: {e}")))?;
    }
    let stopped = || {
        stop.load(Ordering::Relaxed).then(|| {
            Failure(
                Exit::Input,
                "terminated by a signal; nothing written".to_string(),
            )
        })
    };
    let rendered = generate::render(&Request {
        dir: &args.dir,
        root: &root,
        tools: &tools,
        helm: &helm,
        directory: &params.directory,
        timeout: (!args.timeout.is_zero()).then_some(args.timeout),
        cancel: Some(&stop),
    })
    .map_err(|e| Failure(Exit::Input, e.to_string()))?;
    if !args.output.quiet && !rendered.stderr.trim().is_empty() {
        eprintln!("{}", rendered.stderr.trim_end());
    }
    let what = match rendered.source {
        Source::Kustomization => "a kustomization",
        Source::Chart => "a Helm chart",
        Source::Directory => "a plain directory",
    };
    let empty = || {
        Failure(
            Exit::Input,
            format!(
                "the app ({what} in {}) rendered no manifests; refusing empty output, which \
                 Argo CD would sync as an app with no objects (pass --allow-empty if that is meant)",
                args.dir.display()
            ),
        )
    };
    let Some(config) = config else {
        if rendered.is_empty() && !args.allow_empty {
            return Err(empty());
        }
        // enabled: "false": the rendered app, unchanged.
        let texts = rendered
            .parts
            .iter()
            .map(|p| {
                std::str::from_utf8(&p.bytes)
                    .map_err(|_| Failure(Exit::Input, format!("{}: not valid UTF-8", p.name)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(failure) = stopped() {
            return Err(failure);
        }
        return write_stdout(join(&texts).as_bytes());
    };
    let done = rendered
        .parts
        .into_iter()
        .map(|part| {
            let outcome = pullthrough::rewrite(&part.bytes, &config)
                .map_err(|e| Failure(Exit::Input, format!("{}: {e}", part.name)))?;
            Ok(Done {
                name: Some(part.name),
                outcome,
            })
        })
        .collect::<Result<Vec<_>, Failure>>()?;
    // Counted by the rewrite itself: no second parse of a large app.
    if done.iter().all(|d| d.outcome.documents == 0) && !args.allow_empty {
        return Err(empty());
    }
    finish(&done, &args.output)?;
    let texts: Vec<&str> = done.iter().map(|d| d.outcome.text.as_str()).collect();
    if let Some(failure) = stopped() {
        return Err(failure);
    }
    write_stdout(join(&texts).as_bytes())
}

/// The parts as one stream, each starting a new document.
fn join(texts: &[&str]) -> String {
    stream_pieces(texts).concat()
}

/// The platform's settings over the app's; see the module doc.
fn settings(args: &GenerateArgs) -> Result<Config, Failure> {
    let usage = |e: pullthrough::settings::Error| Failure(Exit::Usage, e.to_string());
    let var = |k: &str| std::env::var(k).ok();
    let platform = Settings::from_env(var, "PULLTHROUGH_", true).map_err(usage)?;
    let from_rules = Settings::read_describe_rules(args.rules_from.as_deref()).map_err(usage)?;
    let file = Settings::read_config(args.config.as_deref()).map_err(usage)?;
    let app = Settings::from_env(var, "ARGOCD_ENV_PULLTHROUGH_", false).map_err(usage)?;
    platform
        .over(from_rules)
        .over(file)
        .over(app)
        .resolve()
        .map_err(|e| {
            let hint = if e.setting.is_empty() {
                " (for generate: the sidecar's PULLTHROUGH_REGISTRY, or the app's plugin env PULLTHROUGH_REGISTRY)"
            } else {
                ""
            };
            Failure(Exit::Usage, format!("{e}{hint}"))
        })
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

/// `45`, `45s`, `500ms`, `2m`; `0` (no limit) is zero.
fn parse_timeout(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (number, unit) = match s.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: f64 = number
        .parse()
        .map_err(|_| format!("expected a duration like 45s, got {s:?}"))?;
    let seconds = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        _ => return Err(format!("unknown unit {unit:?} (expected ms, s or m)")),
    };
    Duration::try_from_secs_f64(seconds).map_err(|e| format!("{s:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_never_run_together() {
        assert_eq!(
            join(&["a: 1", "", "b: 2\n", "---\nc: 3\n"]),
            "a: 1\n---\nb: 2\n---\nc: 3\n"
        );
        assert_eq!(join(&["", "a: 1\n"]), "a: 1\n");
    }

    #[test]
    fn timeouts() {
        let secs = |s| parse_timeout(s).map(|d| d.as_secs_f64());
        assert_eq!(secs("45"), Ok(45.0));
        assert_eq!(secs("45s"), Ok(45.0));
        assert_eq!(secs("500ms"), Ok(0.5));
        assert_eq!(secs("2m"), Ok(120.0));
        assert_eq!(secs("0"), Ok(0.0));
        assert!(secs("-1").is_err());
        assert!(secs("soon").is_err());
        assert!(secs("5h").is_err());
    }

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
}
