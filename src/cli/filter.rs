//! The filter: files or stdin through the pipeline to stdout; `--check`;
//! `pullthrough images`. A `ResourceList` on stdin goes to [`super::krm`].

use std::io::{self, IsTerminal, Read};
use std::path::PathBuf;

use pullthrough::adapter::krm::ResourceList;
use pullthrough::settings::Settings;
use pullthrough::{Config, report, stream};

use super::args::{ImagesArgs, RunArgs};
use super::output::{Done, change_line, finish, write_stdout, write_stdout_pieces};
use super::{Exit, Failure, env};

/// One input, whole: its name (none for stdin) and its bytes.
pub struct Input {
    pub name: Option<String>,
    pub bytes: Vec<u8>,
}

/// A rewrite; `host` holds the settings of the host's config, under the
/// flags and environment.
pub fn run(args: &RunArgs, host: Settings) -> Result<Exit, Failure> {
    let config = |host| -> Result<Config, Failure> {
        Ok(args.inputs.settings.sources(host, env)?.resolve()?)
    };
    // A KRM host sends one ResourceList on stdin, so stdin is read before the
    // settings are. A terminal never sends one: there a settings error comes
    // before waiting for input.
    let done = if args.inputs.files.is_empty() && !args.check && !io::stdin().is_terminal() {
        let inputs = read_inputs(&args.inputs.files)?;
        if let Some(list) = inputs.first().and_then(|i| ResourceList::read(&i.bytes)) {
            return super::krm::function(args, &list, host);
        }
        rewrite_inputs(inputs, &config(host)?)?
    } else {
        let config = config(host)?;
        rewrite_inputs(read_inputs(&args.inputs.files)?, &config)?
    };
    finish(&done, &args.inputs.output)?;
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
    let pieces: Vec<&[u8]> = stream::pieces(&texts)
        .iter()
        .map(|p| p.as_bytes())
        .collect();
    write_stdout_pieces(&pieces)
}

/// `pullthrough images`: the distinct images and their cache references.
pub fn images(args: &ImagesArgs) -> Result<Exit, Failure> {
    let config = args
        .inputs
        .settings
        .sources(Settings::default(), env)?
        .resolve()?;
    let done = rewrite_inputs(read_inputs(&args.inputs.files)?, &config)?;
    finish(&done, &args.inputs.output)?;
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

/// Rewrites inputs already read; nothing is written yet.
pub fn rewrite_inputs(inputs: Vec<Input>, config: &Config) -> Result<Vec<Done>, Failure> {
    inputs
        .into_iter()
        .map(|input| match pullthrough::rewrite(&input.bytes, config) {
            Ok(outcome) => Ok(Done {
                name: input.name,
                outcome,
            }),
            Err(error) => Err(Failure::Stream {
                name: input.name,
                error,
            }),
        })
        .collect()
}

/// Every input, whole, before anything is written: stdin, or each file.
fn read_inputs(files: &[PathBuf]) -> Result<Vec<Input>, Failure> {
    let read_stdin = || {
        let mut buf = Vec::new();
        io::stdin()
            .read_to_end(&mut buf)
            .map(|_| buf)
            .map_err(Failure::io("reading stdin"))
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
                std::fs::read(path).map_err(Failure::io(&name))?
            };
            Ok(Input {
                name: Some(name),
                bytes,
            })
        })
        .collect()
}
