//! Reading the command line: clap's definitions ([`super::args`]) applied
//! to `argv` and the environment, where a variable that is set but blank
//! counts as unset, as the README says.

use std::ffi::OsString;

use clap::{CommandFactory, FromArgMatches};

use super::args::Cli;

/// The command line `argv`. A blank variable counts as unset for every flag
/// that reads one: clap would take `PULLTHROUGH_REPORT=` for the file `""`
/// (a usage error) and `PULLTHROUGH_TIMEOUT=` for a bad duration, and pod
/// specs and charts' env blocks often hold empty values.
pub fn parse(argv: impl IntoIterator<Item = OsString>) -> Result<Cli, clap::Error> {
    let matches = blank_env_unset(Cli::command()).try_get_matches_from(argv)?;
    Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut Cli::command()))
}

/// `cmd` and its subcommands with no environment variable for an argument
/// whose variable is blank, so clap reads the argument as unset. Clap has
/// no setting for this: it takes whatever value a variable has, read from
/// the process environment as each argument is defined.
fn blank_env_unset(cmd: clap::Command) -> clap::Command {
    cmd.mut_args(|arg| {
        let blank = arg
            .get_env()
            .and_then(std::env::var_os)
            .is_some_and(|v| v.to_str().is_some_and(|v| v.trim().is_empty()));
        if blank { arg.env(None) } else { arg }
    })
    .mut_subcommands(blank_env_unset)
}
