//! The `pullthrough` command: parse arguments, run, map the result to an exit
//! code. Everything else is in `src/cli/` and the library.

mod cli;

use std::process::ExitCode;

/// mimalloc, not the C library's allocator: the parser allocates a string
/// per token, and musl's allocator (the static release binary's) made the
/// whole run 25-30% slower than glibc's, with an `mmap` per size class at
/// start-up; mimalloc is faster than both (docs/performance.md has the
/// figures).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    cli::main()
}
