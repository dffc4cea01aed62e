//! What the binary says about itself, from the same clap definitions as its
//! flags: shell completions, the man page, and the subcommands' names for
//! messages.

use clap::CommandFactory;

use super::args::Cli;
use super::output::write_stdout;
use super::{Exit, Failure};

/// The subcommands' names.
pub fn subcommands() -> Vec<String> {
    Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect()
}

/// The subcommand `word` most likely stands for: itself, or one a typo or
/// two away.
pub fn subcommand_like(word: &str) -> Option<String> {
    subcommands()
        .into_iter()
        .map(|name| (strsim::damerau_levenshtein(word, &name), name))
        .filter(|(distance, _)| *distance <= 2)
        .min()
        .map(|(_, name)| name)
}

/// `pullthrough completions SHELL`.
pub fn completions(shell: clap_complete::Shell) -> Result<Exit, Failure> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "pullthrough", &mut out);
    write_stdout(&out)
}

/// `pullthrough man`: the man page from the same definitions.
pub fn man() -> Result<Exit, Failure> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(Failure::io("rendering the man page"))?;
    write_stdout(&out)
}
