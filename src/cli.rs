//! Command line: flags and environment → [`Settings`] → [`Config`] → the
//! library → stdout, stderr, report and the exit code. This file owns the one
//! exit-code table.

mod generate;
mod hosts;

use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args as ClapArgs, Parser, Subcommand};
use pullthrough::settings::{RuleList, Settings};
use pullthrough::{Config, Image, krm, report};

const EXIT_CODES: &str = "\
Exit codes:
  0  success, including nothing to rewrite and a closed stdout (`| head`)
  1  the input could not be processed: invalid YAML, invalid UTF-8, unreadable file;
     generate: a renderer failed, timed out or was stopped by SIGTERM, or nothing rendered
  2  usage or configuration error: bad flag, missing registry, invalid prefix, rule or rules file
  3  --check found images that would be rewritten

Settings precedence: flags, then environment variables, then a KRM functionConfig or the kustomize
plugin's config, then --rules-from, then --config, then defaults.

Hosts: a ResourceList on stdin (kustomize, kpt) is answered as a KRM function; run as
.../PullThrough CONFIG it is kustomize's legacy exec plugin.";

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

/// A failure, with the exit code it maps to.
pub struct Failure(pub Exit, pub String);

/// Rewrite Docker Hub (and other upstream) images in rendered Kubernetes
/// manifests to an Amazon ECR pull-through cache, changing nothing else.
///
/// Reads a YAML or JSON stream from stdin, or from each FILE in order, and
/// writes the same stream to stdout with image references rewritten.
#[derive(Debug, Parser)]
#[command(
    name = "pullthrough",
    version,
    after_help = EXIT_CODES,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the distinct upstream images and their cache references (to warm
    /// the cache, or to set up ECR repository creation templates).
    Images(ImagesArgs),
    /// Render an Argo CD app (kustomization, Helm chart or plain files) and
    /// rewrite it: the config management plugin's generate command.
    Generate(generate::GenerateArgs),
}

/// Arguments of a rewrite (the default command).
#[derive(Debug, ClapArgs)]
struct RunArgs {
    /// Files to read in order (`-` is stdin); stdin when none.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
    #[command(flatten)]
    settings: SettingsArgs,
    #[command(flatten)]
    output: OutputArgs,
    /// Write nothing on stdout; list what would change on stderr; exit 3 if
    /// anything would be rewritten.
    #[arg(long)]
    check: bool,
}

#[derive(Debug, ClapArgs)]
struct ImagesArgs {
    /// Files to read in order (`-` is stdin); stdin when none.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
    #[command(flatten)]
    settings: SettingsArgs,
    #[command(flatten)]
    output: OutputArgs,
    /// Print a JSON array of {"image", "cache"} objects instead of lines.
    #[arg(long)]
    json: bool,
}

/// Flags that set [`Settings`]; each also reads an environment variable.
#[derive(Debug, Clone, ClapArgs)]
pub struct SettingsArgs {
    /// Cache registry host, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com.
    #[arg(long, env = "PULLTHROUGH_REGISTRY", value_name = "HOST")]
    registry: Option<String>,

    /// AWS account ID (12 digits) to build the ECR host from, with --region.
    #[arg(long, env = "PULLTHROUGH_ACCOUNT_ID", value_name = "ID")]
    account_id: Option<String>,

    /// AWS region to build the ECR host from [env: AWS_REGION, AWS_DEFAULT_REGION].
    #[arg(long, value_name = "REGION")]
    region: Option<String>,

    /// ECR repository prefix of the Docker Hub pull-through cache rule [default: docker-hub].
    #[arg(long, env = "PULLTHROUGH_DOCKER_HUB_PREFIX", value_name = "PREFIX")]
    docker_hub_prefix: Option<String>,

    /// Another upstream: images on HOST go to the cache prefix PREFIX
    /// (e.g. quay.io=quay). Repeatable; the variable is comma-separated.
    #[arg(
        long = "rule",
        env = "PULLTHROUGH_RULES",
        value_name = "HOST=PREFIX",
        value_delimiter = ','
    )]
    rules: Vec<String>,

    /// Annotation that opts an object or pod template out when set to
    /// "disabled" [default: idp.jppol.dk/ecr-pull-through-cache].
    #[arg(long, env = "PULLTHROUGH_OPT_OUT_ANNOTATION", value_name = "KEY")]
    opt_out_annotation: Option<String>,

    /// Image glob never rewritten, matched as written and in canonical form
    /// (e.g. 'docker.io/library/*'). Repeatable; the variable is comma-separated.
    #[arg(
        long,
        env = "PULLTHROUGH_EXCLUDE",
        value_name = "GLOB",
        value_delimiter = ','
    )]
    exclude: Vec<String>,

    /// Do not look for pod templates in kinds the workload table does not know.
    #[arg(long)]
    no_generic: bool,

    /// Rules file (YAML): registry, prefixes, rules, exclude, workloads.
    #[arg(long, env = "PULLTHROUGH_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,

    /// The JSON of `aws ecr describe-pull-through-cache-rules`: rewrite
    /// exactly for the cache rules that exist.
    #[arg(long, env = "PULLTHROUGH_RULES_FROM", value_name = "FILE")]
    rules_from: Option<PathBuf>,
}

/// Where messages and the report go.
#[derive(Debug, Clone, ClapArgs)]
pub struct OutputArgs {
    /// Print no warnings.
    #[arg(long, short)]
    quiet: bool,

    /// Write a JSON report of every image seen to FILE.
    #[arg(long, env = "PULLTHROUGH_REPORT", value_name = "FILE")]
    report: Option<PathBuf>,

    /// Append warnings and errors to FILE, timestamped (Helm 4 discards a
    /// post-renderer's stderr).
    #[arg(long, env = "PULLTHROUGH_LOG", value_name = "FILE")]
    log: Option<PathBuf>,
}

/// The message of the last panic, for the error line.
static PANIC: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

pub fn main() -> ExitCode {
    let (argv, plugin_config) = hosts::legacy_plugin(std::env::args_os().collect());
    let cli = Cli::try_parse_from(argv).unwrap_or_else(|e| {
        if e.use_stderr() {
            let _ = hosts::log(hosts::log_from_env().as_deref(), &[hosts::usage_line(&e)]);
        }
        e.exit()
    });
    // A bug must not end in a panic's exit code 101 (hosts treat codes of
    // 100 and more as crashes): it is an error like any other, exit 1.
    std::panic::set_hook(Box::new(|info| {
        *PANIC.lock().unwrap_or_else(|e| e.into_inner()) = Some(info.to_string());
    }));
    let result = std::panic::catch_unwind(|| match &cli.command {
        None => {
            hosts::plugin_settings(plugin_config.as_deref()).and_then(|layer| run(&cli.run, layer))
        }
        Some(Command::Images(args)) => images(args),
        Some(Command::Generate(args)) => generate::generate(args),
    })
    .unwrap_or_else(|_| {
        let panic = PANIC.lock().unwrap_or_else(|e| e.into_inner()).take();
        Err(Failure(
            Exit::Input,
            format!(
                "internal error, please report it: {}",
                panic.unwrap_or_default()
            ),
        ))
    });
    let log = match &cli.command {
        None => cli.run.output.log.as_deref(),
        Some(Command::Images(args)) => args.output.log.as_deref(),
        Some(Command::Generate(args)) => args.output.log.as_deref(),
    };
    match result {
        Ok(exit) => exit.into(),
        Err(Failure(code, message)) => {
            let line = format!("pullthrough: error: {message}");
            eprintln!("{line}");
            let _ = hosts::log(log, &[line]);
            code.into()
        }
    }
}

impl SettingsArgs {
    /// Flags and environment over `--rules-from` over `--config`, resolved.
    pub fn resolve(&self) -> Result<Config, Failure> {
        self.resolve_over(Settings::default())
    }

    /// Flags and environment over `host` (a KRM functionConfig, the kustomize
    /// plugin's config) over `--rules-from` over `--config`, resolved.
    pub fn resolve_over(&self, host: Settings) -> Result<Config, Failure> {
        let usage = |e: pullthrough::settings::Error| Failure(Exit::Usage, e.to_string());
        let env = |k: &str| std::env::var(k).ok();
        let region_env = || {
            ["AWS_REGION", "AWS_DEFAULT_REGION"]
                .iter()
                .find_map(|k| env(k).filter(|v| !v.is_empty()))
        };
        // Values are trimmed, and an empty one (PULLTHROUGH_RULES=) counts as
        // unset, as Settings::from_env reads them for `generate`.
        let one = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let list = |l: &[String]| -> Vec<String> {
            l.iter()
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
                .map(str::to_string)
                .collect()
        };
        let (rules, exclude) = (list(&self.rules), list(&self.exclude));
        let flags = Settings {
            registry: one(&self.registry),
            account_id: one(&self.account_id),
            // Only an explicit --region here: AWS_REGION is ambient (EKS sets
            // it in many pods), so it only fills in below every source.
            region: one(&self.region),
            docker_hub_prefix: one(&self.docker_hub_prefix),
            docker_hub: None,
            rules: (!rules.is_empty()).then(|| RuleList::Joined(rules.join(","))),
            opt_out_annotation: one(&self.opt_out_annotation),
            exclude: (!exclude.is_empty()).then_some(exclude),
            workloads: None,
            // --no-generic, else PULLTHROUGH_GENERIC (true or false).
            generic: if self.no_generic {
                Some(false)
            } else {
                Settings::from_env(env, "PULLTHROUGH_", false)
                    .map_err(usage)?
                    .generic
            },
        };
        let from_rules =
            Settings::read_describe_rules(self.rules_from.as_deref()).map_err(usage)?;
        let file = Settings::read_config(self.config.as_deref()).map_err(usage)?;
        let ambient = Settings {
            region: region_env(),
            ..Settings::default()
        };
        flags
            .over(host)
            .over(from_rules)
            .over(file)
            .over(ambient)
            .resolve()
            .map_err(usage)
    }
}

/// One input, whole: its name (none for stdin) and its bytes.
pub struct Input {
    pub name: Option<String>,
    pub bytes: Vec<u8>,
}

/// One input's outcome.
struct Done {
    name: Option<String>,
    outcome: pullthrough::Outcome,
}

/// Reads and rewrites every input; nothing is written yet.
fn process(files: &[PathBuf], config: &Config) -> Result<Vec<Done>, Failure> {
    rewrite_inputs(read_inputs(files)?, config)
}

/// Rewrites inputs already read.
fn rewrite_inputs(inputs: Vec<Input>, config: &Config) -> Result<Vec<Done>, Failure> {
    inputs
        .into_iter()
        .map(|input| {
            let outcome = pullthrough::rewrite(&input.bytes, config)
                .map_err(|e| Failure(Exit::Input, format!("{}{e}", at(input.name.as_deref()))))?;
            Ok(Done {
                name: input.name,
                outcome,
            })
        })
        .collect()
}

fn at(name: Option<&str>) -> String {
    name.map(|n| format!("{n}: ")).unwrap_or_default()
}

/// A rewrite; `host` holds the settings of the host's config, under the
/// flags and environment.
fn run(args: &RunArgs, host: Settings) -> Result<Exit, Failure> {
    // A KRM host sends one ResourceList on stdin, so stdin is read before the
    // settings are. A terminal never sends one: there a settings error comes
    // before waiting for input.
    let done = if args.files.is_empty() && !args.check && !io::stdin().is_terminal() {
        let inputs = read_inputs(&args.files)?;
        if let Some(list) = inputs
            .first()
            .and_then(|i| krm::ResourceList::read(&i.bytes))
        {
            return hosts::krm_function(args, &list, host);
        }
        rewrite_inputs(inputs, &args.settings.resolve_over(host)?)?
    } else {
        process(&args.files, &args.settings.resolve_over(host)?)?
    };
    finish(&done, &args.output)?;
    if args.check {
        let mut changes = 0;
        for d in &done {
            for image in d.outcome.images.iter().filter(|i| i.result.is_some()) {
                changes += 1;
                eprintln!(
                    "pullthrough: would rewrite: {}",
                    change_line(d.name.as_deref(), image)
                );
            }
        }
        return Ok(if changes > 0 {
            Exit::CheckFound
        } else {
            Exit::Success
        });
    }
    // Pieces, not one joined copy: the streams can be large.
    let texts: Vec<&str> = done.iter().map(|d| d.outcome.text.as_str()).collect();
    let pieces: Vec<&[u8]> = stream_pieces(&texts).iter().map(|p| p.as_bytes()).collect();
    write_stdout_pieces(&pieces)
}

fn change_line(name: Option<&str>, image: &Image) -> String {
    format!(
        "{}document {}, line {}, column {}: {}: {} -> {}",
        at(name),
        image.document,
        image.line,
        image.column,
        image.path,
        image.original.as_deref().unwrap_or_default(),
        image.result.as_deref().unwrap_or_default()
    )
}

fn images(args: &ImagesArgs) -> Result<Exit, Failure> {
    let config = args.settings.resolve()?;
    let done = process(&args.files, &config)?;
    finish(&done, &args.output)?;
    let pairs = report::distinct(done.iter().flat_map(|d| &d.outcome.images));
    let text = if args.json {
        let list: Vec<_> = pairs
            .iter()
            .map(|(i, c)| serde_json::json!({"image": i, "cache": c}))
            .collect();
        serde_json::to_string_pretty(&list).expect("JSON of strings") + "\n"
    } else {
        pairs.iter().map(|(i, c)| format!("{i}\t{c}\n")).collect()
    };
    write_stdout(text.as_bytes())
}

/// Prints and logs the warnings and writes the report.
fn finish(done: &[Done], output: &OutputArgs) -> Result<(), Failure> {
    let warnings: Vec<String> = done
        .iter()
        .flat_map(|d| {
            let at = at(d.name.as_deref());
            d.outcome
                .warnings
                .iter()
                .map(move |w| format!("pullthrough: warning: {at}{w}"))
        })
        .collect();
    if !output.quiet {
        for w in &warnings {
            eprintln!("{w}");
        }
    }
    hosts::log(output.log.as_deref(), &warnings)?;
    if let Some(path) = &output.report {
        write_report(path, done)?;
    }
    Ok(())
}

fn write_report(path: &Path, done: &[Done]) -> Result<(), Failure> {
    let entries: Vec<_> = done
        .iter()
        .flat_map(|d| {
            d.outcome
                .images
                .iter()
                .map(|i| report::Entry::new(i, d.name.as_deref()))
        })
        .collect();
    let warnings: Vec<_> = done
        .iter()
        .flat_map(|d| {
            d.outcome
                .warnings
                .iter()
                .map(|w| format!("{}{w}", at(d.name.as_deref())))
        })
        .collect();
    let json = serde_json::json!({ "images": entries, "warnings": warnings });
    let text = serde_json::to_string_pretty(&json).expect("JSON of plain data") + "\n";
    std::fs::write(path, text)
        .map_err(|e| Failure(Exit::Input, format!("--report {}: {e}", path.display())))
}

/// Every input, whole, before anything is written: stdin, or each file.
pub fn read_inputs(files: &[PathBuf]) -> Result<Vec<Input>, Failure> {
    let read_stdin = || {
        let mut buf = Vec::new();
        io::stdin()
            .read_to_end(&mut buf)
            .map(|_| buf)
            .map_err(|e| Failure(Exit::Input, format!("reading stdin: {e}")))
    };
    if files.is_empty() {
        return Ok(vec![Input {
            name: None,
            bytes: read_stdin()?,
        }]);
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
            Ok(Input {
                name: Some(name),
                bytes,
            })
        })
        .collect()
}

/// The text, past a byte order mark and blanks, opens a JSON document.
fn starts_json(text: &str) -> bool {
    text.trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with(['{', '['])
}

/// Several streams (files, rendered parts) as the pieces of one stream in
/// which each starts a new document: empty ones are dropped; a line break
/// goes after a stream that does not end with one; `---` before each that
/// does not start with it; a byte order mark only at the very start; and
/// `---` first when the first stream is JSON, since Kubernetes'
/// YAMLOrJSONDecoder (Argo CD's) would read a stream that starts with `{` as
/// JSON only. One stream comes out exactly as it is.
pub fn stream_pieces<'a>(texts: &[&'a str]) -> Vec<&'a str> {
    let texts: Vec<&str> = texts.iter().copied().filter(|t| !t.is_empty()).collect();
    let mut pieces = Vec::with_capacity(texts.len() * 2 + 1);
    let json_first = texts.len() > 1 && starts_json(texts[0]);
    if json_first {
        pieces.push("---\n");
    }
    let mut previous: Option<&str> = None;
    for text in texts {
        let text = if previous.is_some() || json_first {
            text.strip_prefix('\u{feff}').unwrap_or(text)
        } else {
            text
        };
        if let Some(before) = previous {
            if !before.ends_with('\n') {
                pieces.push("\n");
            }
            if !text.starts_with("---") {
                pieces.push("---\n");
            }
        }
        pieces.push(text);
        previous = Some(text);
    }
    pieces
}

/// Writes all of stdout. A closed pipe (`| head`) is not an error.
pub fn write_stdout(bytes: &[u8]) -> Result<Exit, Failure> {
    write_stdout_pieces(&[bytes])
}

/// Writes the pieces to stdout, in order. A closed pipe is not an error.
pub fn write_stdout_pieces(pieces: &[&[u8]]) -> Result<Exit, Failure> {
    let mut stdout = io::stdout().lock();
    let result = pieces
        .iter()
        .try_for_each(|p| stdout.write_all(p))
        .and_then(|()| stdout.flush());
    match result {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            Err(Failure(Exit::Input, format!("writing stdout: {e}")))
        }
        _ => Ok(Exit::Success),
    }
}

#[cfg(test)]
mod tests {
    use super::stream_pieces;

    fn joined(texts: &[&str]) -> String {
        stream_pieces(texts).concat()
    }

    #[test]
    fn streams_never_run_together() {
        assert_eq!(joined(&["a: 1"]), "a: 1");
        assert_eq!(
            joined(&["a: 1", "", "b: 2\n", "---\nc: 3\n"]),
            "a: 1\n---\nb: 2\n---\nc: 3\n"
        );
        assert_eq!(joined(&["a: 1\n", "", "---\nb: 2\n"]), "a: 1\n---\nb: 2\n");
        assert_eq!(joined(&["", "a: 1\n"]), "a: 1\n");
    }

    #[test]
    fn json_first_and_byte_order_marks() {
        assert_eq!(joined(&["{\"a\":1}"]), "{\"a\":1}");
        assert_eq!(
            joined(&["", "{\"a\":1}", "b: 2\n"]),
            "---\n{\"a\":1}\n---\nb: 2\n"
        );
        assert_eq!(
            joined(&["\u{feff}a: 1\n", "\u{feff}b: 2\n"]),
            "\u{feff}a: 1\n---\nb: 2\n"
        );
        assert_eq!(joined(&["\u{feff}{}", "b: 2\n"]), "---\n{}\n---\nb: 2\n");
    }
}
