//! The binary: the command line and the environment in, the library's
//! results out on stdout, stderr, the report and the log, and the exit code.
//! [`Failure::exit`] is the one map from an error's kind to its exit code.
//!
//! | module       | its one job                                         |
//! |--------------|-----------------------------------------------------|
//! | [`args`]     | clap's definitions; the settings layer of the flags |
//! | [`flags`]    | the settings' flags, built from the settings table   |
//! | [`filter`]   | the pipe, `--check` and `images`                    |
//! | [`krm`]      | answering a KRM function's `ResourceList`            |
//! | [`generate`] | `pullthrough generate`, for Argo CD                  |
//! | [`meta`]     | completions, the man page, the subcommands' names    |
//! | [`shim`]     | pullthrough as `helm` or `kustomize`, for Argo CD    |
//! | [`tools`]    | `install-shims` and `discover`, for Argo CD          |
//! | [`output`]   | stdout, warnings, the report and the log file        |
//! | [`parse`]    | `argv` and the environment read; blank is unset      |
//! | [`stdin`]    | stdin, whole, in as few reads as the kernel allows  |
//! | [`threads`]  | `--threads`: how many threads a rewrite may use      |

mod args;
mod filter;
mod flags;
mod generate;
mod krm;
mod meta;
mod output;
mod parse;
mod shim;
mod stdin;
mod threads;
mod tools;

use std::fmt;
use std::process::ExitCode;

use pullthrough::adapter::argocd::{ParamError, render};
use pullthrough::adapter::shim::Tool;
use pullthrough::adapter::{self, kustomize};
use pullthrough::settings::{self, ErrorKind, Name, PREFIX, REGION_VARIABLES};
use pullthrough::yaml;

use args::Command;

/// The exit-code table. Clap exits with 2 on its own usage errors, which
/// matches `Usage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success = 0,
    Input = 1,
    Usage = 2,
    CheckFound = 3,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e as u8)
    }
}

/// Why a run failed.
#[derive(Debug)]
pub enum Failure {
    /// A setting cannot be used; the host says where it takes a registry
    /// from.
    Settings(settings::Error, Host),
    /// A subcommand misspelt or put after the options: `word` was read as
    /// a file that does not exist.
    Subcommand { word: String, suggestion: String },
    /// `--report -` where stdout carries the manifests.
    ReportToStdout,
    /// An Argo CD plugin parameter cannot be used.
    Parameters(ParamError),
    /// A stream (a file, stdin, a rendered part) is not valid YAML or UTF-8.
    Stream {
        name: Option<String>,
        error: yaml::Error,
    },
    /// A KRM `ResourceList` cannot be answered.
    Krm(adapter::krm::Error),
    /// `generate`: a renderer failed.
    Render(render::Error),
    /// A file or stream cannot be read or written: `what` names it.
    Io { what: String, error: std::io::Error },
    /// `generate` with the cache off: a rendered part is not UTF-8.
    NotUtf8 { name: String },
    /// `generate`: the app rendered no manifests, and that is refused.
    Empty { what: &'static str, dir: String },
    /// `generate`: SIGTERM or SIGINT came after rendering.
    Stopped,
    /// A shim cannot run the real tool, or refuses the command.
    Shim(shim::Error),
    /// A usage error found outside the command line (a shim's environment).
    Usage(String),
    /// A bug: a panic, caught.
    Internal(String),
}

impl Failure {
    /// The exit code of each kind of failure.
    pub fn exit(&self) -> Exit {
        match self {
            Failure::Settings(..)
            | Failure::Subcommand { .. }
            | Failure::ReportToStdout
            | Failure::Parameters(_)
            | Failure::Shim(_)
            | Failure::Usage(_)
            | Failure::Krm(adapter::krm::Error::Settings(_)) => Exit::Usage,
            Failure::Stream { .. }
            | Failure::Krm(_)
            | Failure::Render(_)
            | Failure::Io { .. }
            | Failure::NotUtf8 { .. }
            | Failure::Empty { .. }
            | Failure::Stopped
            | Failure::Internal(_) => Exit::Input,
        }
    }

    fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Failure {
        let what = what.into();
        move |error| Failure::Io { what, error }
    }
}

impl From<settings::Error> for Failure {
    fn from(e: settings::Error) -> Failure {
        Failure::Settings(e, Host::Pipe)
    }
}

/// Who runs the tool, for the messages that depend on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    /// A pipe, a Helm post-renderer, `images`.
    Pipe,
    /// A KRM function (kustomize, kpt).
    Krm,
    /// kustomize's legacy exec plugin.
    KustomizePlugin,
    /// Argo CD's config management plugin (`generate`).
    ArgoCd,
    /// A shim standing in for `helm` or `kustomize`.
    Shim(Tool),
}

impl Host {
    /// Where this host takes the cache registry from, named as the
    /// settings table names the registry, the account and the region.
    pub fn registry_sources(self) -> String {
        let (registry, account) = (Name::Registry.setting(), Name::AccountId.setting());
        let var = |s: &settings::Setting| format!("{PREFIX}{}", s.variable().unwrap_or_default());
        let (flag, registry_var, account_var) =
            (registry.flag_and_value(), var(registry), var(account));
        let long = |name: Name| name.setting().long().unwrap_or_default();
        let region = REGION_VARIABLES[0];
        match self {
            Host::Pipe => format!(
                "set {flag} (or {registry_var}), or --{} and --{}",
                long(Name::AccountId),
                long(Name::Region)
            ),
            Host::Krm => format!(
                "set `{}` in the functionConfig (ConfigMap data, or a \
                 pullthrough.dev/v1alpha1 PullThrough spec), or {flag} (or {registry_var})",
                registry.option
            ),
            Host::KustomizePlugin => format!(
                "set `spec.{}` in the PullThrough config object, or {registry_var}",
                registry.file_key
            ),
            // generate has no --registry: argocd-cmp-server passes no flags.
            Host::ArgoCd => format!(
                "generate takes it from the sidecar's environment ({registry_var}, or \
                 {account_var} and {region}), its --config or --rules-from file, or \
                 the app's plugin env ({registry_var})"
            ),
            // A shim has no flags of its own: they are the real tool's.
            Host::Shim(_) => format!(
                "the shims take it from the environment of the process that runs them (Argo \
                 CD's repo-server container): set {registry_var}, or {account_var} and {region}"
            ),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Settings(e, host) if e.kind == ErrorKind::NoRegistry => {
                write!(f, "{e}: {}", host.registry_sources())
            }
            Failure::Settings(e, _) => e.fmt(f),
            Failure::Subcommand { word, suggestion } => {
                if suggestion == word {
                    write!(
                        f,
                        "`{word}` is a subcommand, but options came before it: \
                         write `pullthrough {word} [OPTIONS] [FILE]...`"
                    )?;
                } else {
                    write!(
                        f,
                        "{word}: no such file or subcommand; did you mean `{suggestion}`?"
                    )?;
                }
                write!(f, " (subcommands: {})", meta::subcommands().join(", "))
            }
            Failure::ReportToStdout => f.write_str(
                "--report -: stdout carries the manifests; give the report a file, or use it with --check",
            ),
            Failure::Parameters(e) => e.fmt(f),
            Failure::Stream { name, error } => write!(f, "{}{error}", output::at(name.as_deref())),
            Failure::Krm(e) => e.fmt(f),
            Failure::Render(e) => e.fmt(f),
            Failure::Io { what, error } => write!(f, "{what}: {error}"),
            Failure::NotUtf8 { name } => write!(f, "{name}: not valid UTF-8"),
            Failure::Empty { what, dir } => write!(
                f,
                "the app ({what} in {dir}) rendered no manifests, and empty output is refused \
                 (the plugin parameter refuse-empty, or --refuse-empty in the plugin's command); \
                 without it, it is an app with no objects, as in Argo CD"
            ),
            Failure::Stopped => f.write_str("terminated by a signal; nothing written"),
            Failure::Shim(e) => e.fmt(f),
            Failure::Usage(text) => f.write_str(text),
            Failure::Internal(panic) => write!(f, "internal error, please report it: {panic}"),
        }
    }
}

/// The message of the last panic, for the error line.
static PANIC: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

pub fn main() -> ExitCode {
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // Who we are is argv[0]'s file name: a shim for Argo CD's tools, the
    // shim's watchdog, kustomize's legacy plugin, or pullthrough.
    let name = argv.first().map(std::path::Path::new);
    if name.and_then(|n| n.file_name()) == Some(std::ffi::OsStr::new(shim::WATCHDOG)) {
        return shim::watchdog(argv);
    }
    if let Some(tool) = name.and_then(|n| Tool::from_argv0(n.as_os_str())) {
        return shim::main(tool, argv);
    }
    let (argv, plugin_config) = kustomize::legacy_plugin(argv);
    let cli = parse::parse(argv).unwrap_or_else(|e| {
        if !e.use_stderr() {
            // --help, --version: stdout, exit 0.
            e.exit()
        }
        // The parser's errors carry the tool's prefix, like its own.
        let text = e.render().to_string();
        let text = text.strip_prefix("error: ").unwrap_or(&text);
        eprint!("pullthrough: error: {text}");
        let _ = output::log(output::log_from_env().as_deref(), &[output::usage_line(&e)]);
        std::process::exit(Exit::Usage as i32)
    });
    // A bug must not end in a panic's exit code 101 (hosts treat codes of
    // 100 and more as crashes): it is an error like any other, exit 1.
    std::panic::set_hook(Box::new(|info| {
        *PANIC.lock().unwrap_or_else(|e| e.into_inner()) = Some(info.to_string());
    }));
    let result = std::panic::catch_unwind(|| match &cli.command {
        None => {
            let host = match plugin_config {
                Some(_) => Host::KustomizePlugin,
                None => Host::Pipe,
            };
            kustomize::plugin_settings(plugin_config.as_deref())
                .map_err(|e| Failure::Settings(e, host))
                .and_then(|layer| filter::run(&cli.run, layer, host))
        }
        Some(Command::Images(args)) => filter::images(args),
        Some(Command::Generate(args)) => generate::generate(args),
        Some(Command::InstallShims { dir }) => tools::install_shims(dir),
        Some(Command::Discover { dir }) => tools::discover(dir),
        Some(Command::Completions { shell }) => meta::completions(*shell),
        Some(Command::Man) => meta::man(),
    })
    .unwrap_or_else(|_| {
        let panic = PANIC.lock().unwrap_or_else(|e| e.into_inner()).take();
        Err(Failure::Internal(panic.unwrap_or_default()))
    });
    match result {
        Ok(exit) => exit.into(),
        Err(failure) => {
            let line = format!("pullthrough: error: {failure}");
            eprintln!("{line}");
            let _ = output::log(cli.output().log.as_deref(), &[line]);
            failure.exit().into()
        }
    }
}

/// The process environment, as the library's sources read it.
pub fn env(key: &str) -> Option<String> {
    std::env::var(key).ok()
}
