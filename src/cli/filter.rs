//! The filter: files or stdin through the pipeline to stdout; `--check`;
//! `pullthrough images`. A `ResourceList` on stdin goes to [`super::krm`].

use std::io::{self, IsTerminal};
use std::path::PathBuf;

use pullthrough::adapter::krm::ResourceList;
use pullthrough::encoding::{self, Utf16};
use pullthrough::settings::Settings;
use pullthrough::{Config, reference, report};

use super::args::{ImagesArgs, ImagesFormat, Inputs, RunArgs, ThreadCount};
use super::meta::subcommand_like;
use super::output::{self, Done, change_line, finish, write_stdout, write_stdout_pieces};
use super::{Exit, Failure, Host, env};

/// One input, whole: its name (none for stdin) and its bytes, as UTF-8.
pub struct Input {
    pub name: Option<String>,
    pub bytes: Vec<u8>,
    /// The byte order of an input read as UTF-16 (from its byte order mark)
    /// and transcoded.
    pub utf16: Option<Utf16>,
}

impl Input {
    /// The input as UTF-8: a UTF-16 one (with a byte order mark)
    /// transcoded, or where it is not valid UTF-16.
    fn new(name: Option<String>, bytes: Vec<u8>) -> Result<Input, Failure> {
        match encoding::to_utf8(bytes) {
            Ok((bytes, utf16)) => Ok(Input { name, bytes, utf16 }),
            Err(error) => Err(Failure::Stream { name, error }),
        }
    }
}

/// The warning of each input read as UTF-16: the output is UTF-8, which is
/// what every consumer (kubectl, Helm, Argo CD) reads.
fn transcoded(inputs: &[Input]) -> Vec<String> {
    inputs
        .iter()
        .filter_map(|i| {
            i.utf16.map(|order| {
                format!(
                    "pullthrough: warning: {}the input is {} (byte order mark); the output is \
                     UTF-8, as kubectl, Helm and Argo CD read it",
                    output::at(i.name.as_deref()),
                    order.name()
                )
            })
        })
        .collect()
}

/// A rewrite; `layer` holds the settings of the host's config, under the
/// flags and environment.
pub fn run(args: &RunArgs, layer: Settings, host: Host) -> Result<Exit, Failure> {
    check_arguments(&args.inputs, args.check)?;
    let threads = args.inputs.threads.threads(env)?;
    let config = |layer| -> Result<Config, Failure> {
        let sources = args.inputs.settings.sources(layer, env);
        sources
            .and_then(|s| s.resolve())
            .map_err(|e| Failure::Settings(e, host))
    };
    // A KRM host sends one ResourceList on stdin, so stdin is read before the
    // settings are. A terminal never sends one: there a settings error comes
    // before waiting for input.
    let (inputs, config) =
        if args.inputs.files.is_empty() && !args.check && !io::stdin().is_terminal() {
            let inputs = read_inputs(&args.inputs.files)?;
            output::notes(&transcoded(&inputs), &args.inputs.output)?;
            if let Some(list) = inputs.first().and_then(|i| ResourceList::read(&i.bytes)) {
                return super::krm::function(args, &list, layer);
            }
            (inputs, config(layer)?)
        } else {
            let config = config(layer)?;
            let inputs = read_inputs(&args.inputs.files)?;
            output::notes(&transcoded(&inputs), &args.inputs.output)?;
            (inputs, config)
        };
    let done = rewrite_inputs(&inputs, &config, threads)?;
    finish(&output::seen(&done), &config.renames, &args.inputs.output)?;
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
    write_stdout_pieces(&output::pieces(&done))
}

/// `pullthrough images`: the distinct images and their cache references.
pub fn images(args: &ImagesArgs) -> Result<Exit, Failure> {
    check_arguments(&args.inputs, false)?;
    let threads = args.inputs.threads.threads(env)?;
    let config = args
        .inputs
        .settings
        .sources(Settings::default(), env)?
        .resolve()?;
    let inputs = read_inputs(&args.inputs.files)?;
    output::notes(&transcoded(&inputs), &args.inputs.output)?;
    let done = rewrite_inputs(&inputs, &config, threads)?;
    finish(&output::seen(&done), &config.renames, &args.inputs.output)?;
    let images = || done.iter().flat_map(|d| &d.outcome.images);
    let pairs = report::distinct(images());
    let format = if args.json {
        ImagesFormat::Json
    } else {
        args.format
    };
    // Notes about the list, printed and logged like the warnings.
    let mut notes = Vec::new();
    let text = match format {
        ImagesFormat::Json => {
            let list: Vec<_> = pairs
                .iter()
                .map(|(i, c)| serde_json::json!({"image": i, "cache": c}))
                .collect();
            serde_json::to_string_pretty(&list).expect("JSON of strings") + "\n"
        }
        ImagesFormat::Lines => pairs.iter().map(|(i, c)| format!("{i}\t{c}\n")).collect(),
        ImagesFormat::Kustomize => {
            let (entries, ambiguous) = report::kustomize_images(images());
            notes.extend(ambiguous.iter().map(|name| {
                format!(
                    "pullthrough: warning: {name} is also left as written somewhere (opted out, \
                     excluded, or kept by --digests keep); kustomize's images transformer matches \
                     by name and would rewrite it there too"
                )
            }));
            kustomize_list(&entries)
        }
    };
    let pinned = pairs
        .iter()
        .filter(|(image, _)| reference::is_digest_pinned(image))
        .count();
    if pinned > 0 {
        notes.push(format!(
            "pullthrough: note: {pinned} of these images are pinned by digest: ECR fills the cache \
             only when an image is first pulled by tag (aws/containers-roadmap#2837), so warm each \
             by pulling its cache reference with a tag once (docker pull CACHE:TAG); for one \
             pinned by digest alone, look up which tag the digest belongs to upstream"
        ));
    }
    output::notes(&notes, &args.inputs.output)?;
    write_stdout(text.as_bytes())
}

/// A kustomization's `images:` list. Names and new names are written as
/// JSON strings, which YAML reads as they are.
fn kustomize_list(entries: &[report::KustomizeImage]) -> String {
    let quote = |s: &str| serde_json::to_string(s).expect("JSON of a string");
    let mut text = String::from("images:\n");
    if entries.is_empty() {
        text = "images: []\n".to_string();
    }
    for e in entries {
        text.push_str(&format!(
            "- name: {}\n  newName: {}\n",
            quote(e.name),
            quote(e.new_name)
        ));
    }
    text
}

/// What the parser cannot tell: a FILE that is a misspelt subcommand, or
/// one put after the options (`pullthrough --registry R images x.yaml`); a
/// report on stdout when stdout carries something else.
fn check_arguments(inputs: &Inputs, stdout_free: bool) -> Result<(), Failure> {
    output::report_destination(&inputs.output, stdout_free)?;
    for file in &inputs.files {
        let word = file.to_string_lossy();
        let bare = !word.contains(['/', '.']);
        if bare && !file.exists() {
            if let Some(suggestion) = subcommand_like(&word) {
                return Err(Failure::Subcommand {
                    word: word.into_owned(),
                    suggestion,
                });
            }
        }
    }
    Ok(())
}

/// Rewrites inputs already read; nothing is written yet.
pub fn rewrite_inputs<'a>(
    inputs: &'a [Input],
    config: &Config,
    threads: ThreadCount,
) -> Result<Vec<Done<'a>>, Failure> {
    inputs
        .iter()
        .map(|input| {
            match pullthrough::plan(&input.bytes, config, threads.for_stream(input.bytes.len())) {
                Ok(outcome) => Ok(Done {
                    name: input.name.clone(),
                    outcome,
                }),
                Err(error) => Err(Failure::Stream {
                    name: input.name.clone(),
                    error,
                }),
            }
        })
        .collect()
}

/// Every input, whole, before anything is written: stdin, or each file;
/// each as UTF-8 ([`Input::new`]).
fn read_inputs(files: &[PathBuf]) -> Result<Vec<Input>, Failure> {
    let read_stdin = || super::stdin::read_all().map_err(Failure::io("reading stdin"));
    if files.is_empty() {
        return Ok(vec![Input::new(None, read_stdin()?)?]);
    }
    files
        .iter()
        .map(|path| {
            let name = path.display().to_string();
            let bytes = if name == "-" {
                read_stdin()?
            } else {
                std::fs::read(path).map_err(Failure::io(&name))?
            };
            Input::new(Some(name), bytes)
        })
        .collect()
}
