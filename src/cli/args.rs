//! The command line: clap's definitions of every command and flag, and the
//! settings layer the flags give.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args as ClapArgs, Parser, Subcommand};
use pullthrough::settings::{self, Settings, Sources};

use super::flags::TableFlags;
pub use super::threads::{ThreadCount, ThreadsArg};

const EXIT_CODES: &str = "\
Exit codes:
  0  success, including nothing to rewrite and a closed stdout (`| head`)
  1  the input could not be processed: invalid YAML, invalid UTF-8 or UTF-16, unreadable file;
     generate: a renderer failed, timed out or was stopped by SIGTERM, or, with --refuse-empty
     or the parameter refuse-empty, nothing rendered
  2  usage or configuration error: bad flag, missing registry, invalid prefix, rule or rules file;
     as helm or kustomize: no real tool found, the shim would run itself, a render into files
  3  --check found images that would be rewritten

Settings precedence: flags, then environment variables, then a KRM functionConfig or the kustomize
plugin's config, then --rules-from, then --config, then defaults.

Hosts: a ResourceList on stdin (kustomize, kpt) is answered as a KRM function; run as
.../PullThrough CONFIG it is kustomize's legacy exec plugin; run as helm or kustomize
(install-shims) it runs the real tool, rewriting `helm template` and `kustomize build` output
with the settings of the environment, and otherwise exits as the real tool does.";

/// Rewrite Docker Hub (and other upstream) images in rendered Kubernetes
/// manifests to an Amazon ECR pull-through cache, changing nothing else.
///
/// Reads a YAML or JSON stream from stdin, or from each FILE in order, and
/// writes the same stream to stdout with image references rewritten.
#[derive(Debug, Parser)]
#[command(
    name = "pullthrough",
    version = env!("PULLTHROUGH_VERSION"),
    after_help = EXIT_CODES,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the distinct upstream images and their cache references (to warm
    /// the cache, or to set up ECR repository creation templates).
    Images(ImagesArgs),
    /// Render an Argo CD app (kustomization, Helm chart or plain files) and
    /// rewrite it: the config management plugin's generate command.
    #[command(after_help = super::flags::generate_environment())]
    Generate(GenerateArgs),
    /// Copy this binary into DIR as `helm` and `kustomize`: the shims that
    /// stand in for Argo CD's own tools (docs/argocd.md), for an init
    /// container, which has no shell.
    InstallShims {
        /// The directory the repo-server's PATH starts with.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    /// Print why DIR is an app Argo CD reads as a plain directory, or
    /// nothing: the discovering plugin's `discover` command.
    Discover {
        /// The app's directory.
        #[arg(value_name = "DIR", default_value = ".")]
        dir: PathBuf,
    },
    /// Print the shell completion script for bash, zsh or fish.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `pullthrough man > pullthrough.1`.
    Man,
}

impl Cli {
    /// Where messages and the report go, whichever the command.
    pub fn output(&self) -> &OutputArgs {
        match &self.command {
            None => &self.run.inputs.output,
            Some(Command::Images(args)) => &args.inputs.output,
            Some(Command::Generate(args)) => &args.output,
            Some(
                Command::Completions { .. }
                | Command::Man
                | Command::InstallShims { .. }
                | Command::Discover { .. },
            ) => &NO_OUTPUT,
        }
    }
}

/// What every command that reads manifests takes: the files, the
/// settings, and where messages go.
#[derive(Debug, ClapArgs)]
pub struct Inputs {
    /// Files to read in order (`-` is stdin); stdin when none.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub settings: SettingsArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub threads: ThreadsArg,
}

/// The output settings of the commands that print only to stdout.
static NO_OUTPUT: OutputArgs = OutputArgs {
    quiet: false,
    report: None,
    log: None,
};

/// Arguments of a rewrite (the default command).
#[derive(Debug, ClapArgs)]
pub struct RunArgs {
    #[command(flatten)]
    pub inputs: Inputs,
    /// Write nothing on stdout; list what would change on stderr; exit 3 if
    /// anything would be rewritten.
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, ClapArgs)]
pub struct ImagesArgs {
    #[command(flatten)]
    pub inputs: Inputs,
    /// Print a JSON array of {"image", "cache"} objects instead of lines
    /// (the same as --format json).
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// What to print: `lines` (image, tab, cache reference), `json`, or
    /// `kustomize`, an `images:` list for a kustomization's or a Flux
    /// Kustomization's `spec.images`.
    #[arg(long, value_enum, default_value_t = ImagesFormat::Lines)]
    pub format: ImagesFormat,
}

/// The forms `pullthrough images` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImagesFormat {
    Lines,
    Json,
    Kustomize,
}

/// Flags that set [`Settings`]; each also reads an environment variable.
#[derive(Debug, Clone, ClapArgs)]
pub struct SettingsArgs {
    /// One flag per row of the settings table.
    #[command(flatten)]
    table: TableFlags,

    /// Rules file (YAML): registry, prefixes, rules, exclude, workloads.
    #[arg(long, env = "PULLTHROUGH_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,

    /// The JSON of `aws ecr describe-pull-through-cache-rules`: rewrite
    /// exactly for the cache rules that exist.
    #[arg(long, env = "PULLTHROUGH_RULES_FROM", value_name = "FILE")]
    rules_from: Option<PathBuf>,
}

impl SettingsArgs {
    /// Every settings source of a rewrite: these flags (and the variables
    /// that stand for them) over `host` (a KRM functionConfig, the kustomize
    /// plugin's config) over the `--rules-from` and `--config` files, with
    /// the ambient region from `var`.
    pub fn sources(
        &self,
        host: Settings,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Sources, settings::Error> {
        let flags = self.table.settings(&var)?;
        let sources = Sources {
            flags,
            host,
            ambient_region: settings::ambient_region(&var),
            ..Sources::default()
        };
        sources.read_files(self.rules_from.as_deref(), self.config.as_deref())
    }
}

/// Where messages and the report go.
#[derive(Debug, Clone, ClapArgs)]
pub struct OutputArgs {
    /// Print no warnings.
    #[arg(long, short)]
    pub quiet: bool,

    /// Write a JSON report of every image seen to FILE.
    #[arg(long, env = "PULLTHROUGH_REPORT", value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// Append warnings and errors to FILE, timestamped (Helm 4 discards a
    /// post-renderer's stderr).
    #[arg(long, env = "PULLTHROUGH_LOG", value_name = "FILE")]
    pub log: Option<PathBuf>,
}

/// Arguments of `pullthrough generate`.
#[derive(Debug, ClapArgs)]
pub struct GenerateArgs {
    /// The app directory.
    #[arg(value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
    /// Fail when the app renders no objects, instead of printing nothing:
    /// an app with no objects, as Argo CD's own sources render one (its
    /// automated sync does not prune them all unless the Application sets
    /// allowEmpty). The plugin parameter refuse-empty: "true" does the
    /// same for one app.
    #[arg(long, conflicts_with = "allow_empty")]
    pub refuse_empty: bool,
    /// Empty output when the app renders no objects: the default since
    /// refuse-empty; accepted for plugin configurations that pass it.
    #[arg(long, hide = true)]
    pub allow_empty: bool,
    /// Time the renderers may take in all, then the one running is killed:
    /// seconds, or with a unit (500ms, 45s, 2m); 0 for no limit. Keep it
    /// below Argo CD's repo-server timeout (60 s by default).
    #[arg(long, env = "PULLTHROUGH_TIMEOUT", value_name = "DURATION", default_value = "45s", value_parser = parse_timeout)]
    pub timeout: Duration,
    /// The repository root, which symlinks and values files must not leave
    /// [default: DIR less $ARGOCD_APP_SOURCE_PATH, else DIR].
    #[arg(long, value_name = "DIR")]
    pub repo_root: Option<PathBuf>,
    /// The platform's rules file (YAML), under its PULLTHROUGH_* variables.
    #[arg(long, env = "PULLTHROUGH_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The JSON of `aws ecr describe-pull-through-cache-rules`, under the
    /// PULLTHROUGH_* variables and over --config.
    #[arg(long, env = "PULLTHROUGH_RULES_FROM", value_name = "FILE")]
    pub rules_from: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub threads: ThreadsArg,
}

/// A `--timeout` that is not a duration. `Display` is the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadDuration {
    /// Not a number (with a unit).
    NotANumber(String),
    /// A unit other than `ms`, `s` or `m`.
    Unit(String),
    /// Negative, or too large to represent.
    OutOfRange(String),
}

impl std::fmt::Display for BadDuration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BadDuration::NotANumber(s) => write!(f, "expected a duration like 45s, got {s:?}"),
            BadDuration::Unit(u) => write!(f, "unknown unit {u:?} (expected ms, s or m)"),
            BadDuration::OutOfRange(s) => write!(f, "{s:?}: not a duration from 0 up"),
        }
    }
}

impl std::error::Error for BadDuration {}

/// `45`, `45s`, `500ms`, `2m`; `0` (no limit) is zero.
fn parse_timeout(s: &str) -> Result<Duration, BadDuration> {
    let s = s.trim();
    let (number, unit) = match s.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: f64 = number
        .parse()
        .map_err(|_| BadDuration::NotANumber(s.to_string()))?;
    let seconds = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        _ => return Err(BadDuration::Unit(unit.to_string())),
    };
    Duration::try_from_secs_f64(seconds).map_err(|_| BadDuration::OutOfRange(s.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
