//! Command line: flags and environment → settings → the library → stdout,
//! stderr and the exit code. This file owns the one exit-code table.

use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use pullthrough::rules::{self, Rules, Upstream};
use pullthrough::{Options, workload};

const EXIT_CODES: &str = "\
Exit codes:
  0  success, including nothing to rewrite and a closed stdout (`| head`)
  1  the input could not be processed: invalid YAML, invalid UTF-8, unreadable file
  2  usage or configuration error: bad flag, missing registry, invalid prefix or rule";

/// The exit-code table. Clap exits with 2 on its own usage errors, which
/// matches `Usage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exit {
    Success = 0,
    Input = 1,
    Usage = 2,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e as u8)
    }
}

/// Rewrite Docker Hub (and other upstream) images in rendered Kubernetes
/// manifests to an Amazon ECR pull-through cache, changing nothing else.
///
/// Reads a YAML or JSON stream from stdin, or from each FILE in order, and
/// writes the same stream to stdout with image references rewritten.
#[derive(Debug, Parser)]
#[command(name = "pullthrough", version, after_long_help = EXIT_CODES, after_help = EXIT_CODES)]
struct Args {
    /// Files to read in order (`-` is stdin); stdin when none.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,

    /// Cache registry host, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com.
    #[arg(long, env = "PULLTHROUGH_REGISTRY", value_name = "HOST")]
    registry: Option<String>,

    /// AWS account ID (12 digits) to build the ECR host from, with --region.
    #[arg(long, env = "PULLTHROUGH_ACCOUNT_ID", value_name = "ID")]
    account_id: Option<String>,

    /// AWS region to build the ECR host from [env: AWS_REGION, AWS_DEFAULT_REGION].
    #[arg(long, value_name = "REGION")]
    region: Option<String>,

    /// ECR repository prefix of the Docker Hub pull-through cache rule.
    #[arg(
        long,
        env = "PULLTHROUGH_DOCKER_HUB_PREFIX",
        value_name = "PREFIX",
        default_value = "docker-hub"
    )]
    docker_hub_prefix: String,

    /// Another upstream: images on HOST go to the cache prefix PREFIX
    /// (e.g. quay.io=quay). Repeatable; the variable is comma-separated.
    #[arg(
        long = "rule",
        env = "PULLTHROUGH_RULES",
        value_name = "HOST=PREFIX",
        value_delimiter = ','
    )]
    rules: Vec<String>,

    /// Annotation that opts an object or pod template out when set to "disabled".
    #[arg(
        long,
        env = "PULLTHROUGH_OPT_OUT_ANNOTATION",
        value_name = "KEY",
        default_value = "idp.jppol.dk/ecr-pull-through-cache"
    )]
    opt_out_annotation: String,

    /// Print no warnings.
    #[arg(long, short)]
    quiet: bool,
}

/// A failure, with the exit code it maps to.
struct Failure(Exit, String);

pub fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => Exit::Success.into(),
        Err(Failure(code, message)) => {
            eprintln!("pullthrough: error: {message}");
            code.into()
        }
    }
}

fn run(args: &Args) -> Result<(), Failure> {
    let rules = rules_from(args).map_err(|m| Failure(Exit::Usage, m))?;
    let options = Options {
        rules: &rules,
        opt_out_annotation: &args.opt_out_annotation,
        workloads: workload::BUILTIN,
    };
    let inputs = read_inputs(&args.files)?;
    let mut out = String::new();
    let mut warnings = Vec::new();
    for (name, bytes) in &inputs {
        let outcome = pullthrough::rewrite(bytes, &options).map_err(|e| {
            let at = name.as_ref().map(|n| format!("{n}: ")).unwrap_or_default();
            Failure(Exit::Input, format!("{at}{e}"))
        })?;
        separate(&mut out, &outcome.text);
        out.push_str(&outcome.text);
        let at = name.as_ref().map(|n| format!("{n}: ")).unwrap_or_default();
        warnings.extend(outcome.warnings.iter().map(|w| format!("{at}{w}")));
    }
    if !args.quiet {
        for w in &warnings {
            eprintln!("pullthrough: warning: {w}");
        }
    }
    write_stdout(out.as_bytes())
}

/// Builds the rule set from the resolved settings.
fn rules_from(args: &Args) -> Result<Rules, String> {
    let env_region = || {
        ["AWS_REGION", "AWS_DEFAULT_REGION"]
            .iter()
            .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
    };
    let registry = match (&args.registry, &args.account_id) {
        (Some(host), _) if !host.is_empty() => host.clone(),
        (_, Some(account)) => {
            let region = args
                .region
                .clone()
                .or_else(env_region)
                .ok_or("--account-id needs --region (or AWS_REGION / AWS_DEFAULT_REGION)")?;
            rules::ecr_host(account, &region)?
        }
        _ => {
            return Err(
                "no cache registry: pass --registry HOST (or PULLTHROUGH_REGISTRY), \
                        or --account-id and --region"
                    .into(),
            );
        }
    };
    let prefix = &args.docker_hub_prefix;
    rules::validate_prefix(prefix).map_err(|e| format!("--docker-hub-prefix: {e}"))?;
    let mut rules = Rules::new(registry, prefix.clone());
    for rule in args.rules.iter().filter(|r| !r.trim().is_empty()) {
        let (host, prefix) = rule
            .split_once('=')
            .ok_or_else(|| format!("--rule {rule:?}: expected HOST=PREFIX"))?;
        let (host, prefix) = (host.trim(), prefix.trim());
        if host.is_empty() {
            return Err(format!("--rule {rule:?}: empty host"));
        }
        rules::validate_prefix(prefix).map_err(|e| format!("--rule {rule:?}: {e}"))?;
        rules.upstreams.push(Upstream {
            hosts: vec![host.to_string()],
            prefix: prefix.to_string(),
            docker_hub: false,
        });
    }
    Ok(rules)
}

/// One input: its name (none for stdin) and its bytes.
type Input = (Option<String>, Vec<u8>);

/// Every input, whole, before anything is written: stdin, or each file.
fn read_inputs(files: &[PathBuf]) -> Result<Vec<Input>, Failure> {
    let read_stdin = || {
        let mut buf = Vec::new();
        io::stdin()
            .read_to_end(&mut buf)
            .map(|_| buf)
            .map_err(|e| Failure(Exit::Input, format!("reading stdin: {e}")))
    };
    if files.is_empty() {
        return Ok(vec![(None, read_stdin()?)]);
    }
    files
        .iter()
        .map(|path| {
            let name = path.display().to_string();
            let bytes = if name == "-" {
                read_stdin()?
            } else {
                std::fs::read(path).map_err(|e| Failure(Exit::Input, format!("{name}: {e}")))?
            };
            Ok((Some(name), bytes))
        })
        .collect()
}

/// Between two files' streams, makes sure the second starts a new document:
/// a line break if the first did not end with one, and `---` unless the
/// second already starts with it.
fn separate(out: &mut String, next: &str) {
    if out.is_empty() {
        return;
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    if !next.trim_start_matches('\u{feff}').starts_with("---") {
        out.push_str("---\n");
    }
}

/// Writes all of stdout. A closed pipe (`| head`) is not an error.
fn write_stdout(bytes: &[u8]) -> Result<(), Failure> {
    let mut stdout = io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            Err(Failure(Exit::Input, format!("writing stdout: {e}")))
        }
        _ => Ok(()),
    }
}
