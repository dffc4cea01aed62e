//! Renders an app directory into manifests, as Argo CD's config management
//! plugin `generate` step must: a kustomization with kustomize, a Helm chart
//! with `helm template`, anything else as the plain YAML and JSON files.
//!
//! Running the renderers is the only side effect: nothing here reads the
//! environment (but for the system temp directory: `scratch`) or prints.
//! The caller resolves Argo CD's environment into a [`Request`] and gets
//! back the rendered [`Part`]s, or an [`Error`] that carries the renderer's
//! stderr. Rewriting the images is the caller's next
//! step ([`crate::rewrite`]), on each part.

mod buildenv;
mod doublestar;
mod exec;
pub(crate) mod glob;
mod helm;
mod manifest;
mod plain;
mod scratch;
mod values;

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use buildenv::{BUILD_ENV, BuildEnv};
pub use exec::stop_on_signals;
pub use helm::{HelmOptions, release_name};
pub use plain::DirectoryOptions;

/// What kind of app a directory holds, in the order Argo CD checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `kustomization.yaml`, `kustomization.yml` or `Kustomization`.
    Kustomization,
    /// `Chart.yaml`.
    Chart,
    /// Anything else: its `*.yaml`, `*.yml` and `*.json` files that are
    /// manifests, as Argo CD's directory source reads them.
    Directory,
}

/// The file names that make a directory a kustomization, as kustomize reads
/// them.
pub const KUSTOMIZATION_FILES: [&str; 3] =
    ["kustomization.yaml", "kustomization.yml", "Kustomization"];

impl Source {
    /// The kind of app in `dir`.
    pub fn detect(dir: &Path) -> Source {
        if KUSTOMIZATION_FILES.iter().any(|f| dir.join(f).is_file()) {
            Source::Kustomization
        } else if dir.join("Chart.yaml").is_file() {
            Source::Chart
        } else {
            Source::Directory
        }
    }
}

/// The renderer programs: names to look up on `PATH`, or paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tools {
    pub helm: PathBuf,
    /// The program and its first arguments that build a kustomization:
    /// `kustomize build`, or `kubectl kustomize`.
    pub kustomize: Vec<OsString>,
}

impl Tools {
    /// `helm`, and `kustomize build` when a `kustomize` is on `path` (the
    /// value of `PATH`), else `kubectl kustomize` (kubectl has kustomize
    /// built in).
    pub fn on_path(path: Option<&OsStr>) -> Tools {
        let standalone = path.is_some_and(|p| {
            std::env::split_paths(p)
                .any(|d| !d.as_os_str().is_empty() && d.join("kustomize").is_file())
        });
        let kustomize = if standalone {
            vec!["kustomize".into(), "build".into()]
        } else {
            vec!["kubectl".into(), "kustomize".into()]
        };
        Tools {
            helm: "helm".into(),
            kustomize,
        }
    }
}

/// Everything a render needs, resolved by the caller.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// The app directory.
    pub dir: &'a Path,
    /// The repository root: symlinks and values files must stay inside it.
    pub root: &'a Path,
    pub tools: &'a Tools,
    pub helm: &'a HelmOptions,
    /// How a plain directory is read.
    pub directory: &'a DirectoryOptions,
    /// For all renderer runs together; the one running then is killed.
    pub timeout: Option<Duration>,
    /// Set when the run must stop now (the caller's SIGTERM handler): the
    /// renderer's process group is stopped and the render fails.
    pub cancel: Option<&'a std::sync::atomic::AtomicBool>,
}

/// One piece of rendered output: a renderer's whole stdout, or one file of a
/// plain directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// What produced it, for messages: `helm template`, or a path relative to
    /// the app directory.
    pub name: String,
    pub bytes: Vec<u8>,
}

/// What [`render`] produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub source: Source,
    pub parts: Vec<Part>,
    /// What the renderers wrote on stderr when they succeeded (Helm's
    /// deprecation notices, `helm dependency build` progress), and the
    /// files of a plain directory that were skipped, to pass on.
    pub stderr: String,
}

impl Rendered {
    /// No part holds a document with content: Argo CD would take it as an
    /// app with no objects and, with auto-prune, delete them all.
    pub fn is_empty(&self) -> bool {
        self.parts.iter().all(|p| is_empty_stream(&p.bytes))
    }
}

/// Only empty or null documents (or nothing). A stream that does not parse
/// is not empty: the rewrite reports it.
fn is_empty_stream(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    let mut content = false;
    let parsed = crate::yaml::for_each_document(text, |_, doc| content |= doc.has_content());
    parsed.is_ok() && !content
}

/// Why rendering failed. `Display` is the message.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A renderer could not be started (most often: not installed).
    Spawn {
        command: String,
        error: std::io::Error,
    },
    /// A renderer exited non-zero; `stderr` is what it printed.
    Failed {
        command: String,
        status: String,
        stderr: String,
    },
    /// The run was told to stop (SIGTERM, SIGINT); the renderer was stopped.
    Cancelled { command: String },
    /// A renderer ran past the deadline and was killed.
    Timeout {
        command: String,
        after: Duration,
        stderr: String,
    },
    /// A file could not be read.
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    /// A symlink, or a values file, leads out of the repository.
    OutsideRepository { path: PathBuf, target: PathBuf },
    /// A file of a plain directory that Argo CD would fail on; `name` is
    /// relative to the app.
    Manifest { name: String, message: String },
    /// An entry of the `values-files` parameter cannot be used.
    ValuesFile { entry: String, message: String },
    /// A plugin parameter's value cannot be used.
    Parameter { name: String, message: String },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let with_stderr = |f: &mut fmt::Formatter<'_>, head: String, stderr: &str| {
            let stderr = stderr.trim_end();
            if stderr.is_empty() {
                f.write_str(&head)
            } else {
                write!(f, "{head}:\n{stderr}")
            }
        };
        match self {
            Error::Spawn { command, error } if error.kind() == std::io::ErrorKind::NotFound => {
                write!(f, "`{command}`: not found on PATH")
            }
            Error::Spawn { command, error } => write!(f, "`{command}`: cannot run: {error}"),
            Error::Failed {
                command,
                status,
                stderr,
            } => with_stderr(f, format!("`{command}` failed ({status})"), stderr),
            Error::Timeout {
                command,
                after,
                stderr,
            } => with_stderr(
                f,
                format!(
                    "`{command}` did not finish within {}s (--timeout) and was killed",
                    after.as_secs_f64()
                ),
                stderr,
            ),
            Error::Cancelled { command } => {
                write!(
                    f,
                    "terminated by a signal; `{command}` and its children were stopped"
                )
            }
            Error::Io { path, error } => write!(f, "{}: {error}", path.display()),
            Error::Manifest { name, message } => write!(f, "{name}: {message}"),
            Error::ValuesFile { entry, message } => write!(f, "values-files {entry:?}: {message}"),
            Error::Parameter { name, message } => {
                write!(f, "plugin parameter {name:?}: {message}")
            }
            Error::OutsideRepository { path, target } => write!(
                f,
                "{}: leads out of the repository (to {}); not followed",
                path.display(),
                target.display()
            ),
        }
    }
}

impl std::error::Error for Error {}

/// Renders the app in `request.dir`.
pub fn render(request: &Request) -> Result<Rendered, Error> {
    let limits = exec::Limits {
        deadline: request.timeout.map(|t| (Instant::now() + t, t)),
        cancel: request.cancel,
    };
    let source = Source::detect(request.dir);
    let mut stderr = String::new();
    let parts = match source {
        Source::Kustomization => {
            plain::links_inside(request.dir, request.root)?;
            let (program, first) = request
                .tools
                .kustomize
                .split_first()
                .expect("a kustomize command");
            let mut args = first.to_vec();
            args.push(".".into());
            let out = exec::run(program.as_ref(), &args, request.dir, &limits)?;
            stderr.push_str(&out.stderr);
            vec![Part {
                name: display(program.as_ref(), first),
                bytes: out.stdout,
            }]
        }
        Source::Chart => {
            plain::links_inside(request.dir, request.root)?;
            helm::local_dependencies_inside(request.dir, request.root)?;
            helm::render(request, &limits, &mut stderr)?
        }
        Source::Directory => {
            plain::files(request.dir, request.root, request.directory, &mut stderr)?
        }
    };
    Ok(Rendered {
        source,
        parts,
        stderr,
    })
}

/// A command for messages: the program's file name and the arguments that
/// say what it does.
fn display(program: &Path, args: &[OsString]) -> String {
    let name = program.file_name().unwrap_or(program.as_os_str());
    std::iter::once(name)
        .chain(args.iter().map(OsString::as_os_str))
        .map(OsStr::to_string_lossy)
        .collect::<Vec<_>>()
        .join(" ")
}

/// `path` resolved (symlinks too), checked to be inside `root`.
fn inside(root: &Path, path: &Path) -> Result<PathBuf, Error> {
    let io = |error| Error::Io {
        path: path.to_path_buf(),
        error,
    };
    let root = root.canonicalize().map_err(|error| Error::Io {
        path: root.to_path_buf(),
        error,
    })?;
    let target = path.canonicalize().map_err(io)?;
    if target.starts_with(&root) {
        Ok(target)
    } else {
        Err(Error::OutsideRepository {
            path: path.to_path_buf(),
            target,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_in_argo_cd_order() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Source::detect(dir.path()), Source::Directory);
        std::fs::write(dir.path().join("Chart.yaml"), "name: x\n").unwrap();
        assert_eq!(Source::detect(dir.path()), Source::Chart);
        std::fs::write(dir.path().join("Kustomization"), "resources: []\n").unwrap();
        assert_eq!(Source::detect(dir.path()), Source::Kustomization);
    }

    #[test]
    fn empty_streams() {
        for empty in ["", "---\n", "---\n# only a comment\n---\nnull\n", "~\n"] {
            assert!(is_empty_stream(empty.as_bytes()), "{empty:?}");
        }
        for full in ["kind: A\n", "---\n---\n{}\n", "[\n", "'null'\n"] {
            assert!(!is_empty_stream(full.as_bytes()), "{full:?}");
        }
    }

    #[test]
    fn standalone_kustomize_wins() {
        let dir = tempfile::tempdir().unwrap();
        let path = std::env::join_paths([dir.path()]).unwrap();
        assert_eq!(Tools::on_path(Some(&path)).kustomize[0], "kubectl");
        std::fs::write(dir.path().join("kustomize"), "").unwrap();
        assert_eq!(
            Tools::on_path(Some(&path)).kustomize,
            ["kustomize", "build"]
        );
        assert_eq!(Tools::on_path(None).kustomize[0], "kubectl");
    }
}
