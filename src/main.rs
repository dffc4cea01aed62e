//! The `pullthrough` command: parse arguments, run, map the result to an exit
//! code. Everything else is in `src/cli/` and the library.

mod cli;

use std::process::ExitCode;

/// mimalloc, not the C library's allocator: the parser allocates a string
/// per token, and musl's allocator (the static release binary's) took 35%
/// more CPU time than mimalloc on the corpus, 60% more with two threads (it
/// has one lock), with an `mmap` and a `munmap` per 2 KB of input; glibc's
/// took 33% more. Built without transparent huge pages (`no_thp`): faulting
/// in a 2 MiB page cost a small file's run 0.6 ms. Figures and commands:
/// docs/performance.md.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    cli::main()
}
