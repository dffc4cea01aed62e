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

/// The subcommand `word` most likely stands for: itself, one it begins
/// (`gen`), one it shares its first four letters or more with
/// (`complete`), or one a typo or two away (`imagse`). A word that merely
/// begins with a short subcommand (`manifests`) is more likely a file.
pub fn subcommand_like(word: &str) -> Option<String> {
    let names = subcommands();
    let shared = |name: &str| {
        name.chars()
            .zip(word.chars())
            .take_while(|(a, b)| a == b)
            .count()
    };
    let prefix = names.iter().find(|name| {
        (word.len() >= 3 && name.starts_with(word)) || (shared(name) >= 4 && name.len() > 4)
    });
    prefix.cloned().or_else(|| {
        names
            .into_iter()
            .map(|name| (strsim::damerau_levenshtein(word, &name), name))
            .filter(|(distance, _)| *distance <= 2)
            .min()
            .map(|(_, name)| name)
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subcommands_from_typos_and_prefixes() {
        assert_eq!(subcommand_like("gen").as_deref(), Some("generate"));
        assert_eq!(subcommand_like("complete").as_deref(), Some("completions"));
        assert_eq!(subcommand_like("imagse").as_deref(), Some("images"));
        assert_eq!(subcommand_like("images").as_deref(), Some("images"));
        assert_eq!(subcommand_like("manifests"), None);
        assert_eq!(subcommand_like("deployment"), None);
    }
}
