//! The `pullthrough` command: parse arguments, run, map the result to an exit
//! code. Everything else is in `src/cli/` and the library.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
