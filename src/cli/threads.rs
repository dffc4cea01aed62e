//! `--threads` and `PULLTHROUGH_THREADS`: how many threads a rewrite may
//! use, and counting the cores only when a stream is long enough to be cut.

use std::num::NonZeroUsize;

use clap::Args as ClapArgs;
use pullthrough::Threads;
use pullthrough::settings;

/// How many threads a rewrite may use.
#[derive(Debug, Clone, ClapArgs)]
pub struct ThreadsArg {
    /// Read a long stream (64 KiB and more) on up to N threads, cut at its
    /// `---` lines; the output is the same. 1 reads every stream on one
    /// thread [default: the cores available] [env: PULLTHROUGH_THREADS].
    #[arg(long, value_name = "N")]
    threads: Option<NonZeroUsize>,
}

impl ThreadsArg {
    /// `--threads`, else `PULLTHROUGH_THREADS` (blank is unset), else every
    /// core the process may use.
    pub fn threads(
        &self,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<ThreadCount, settings::Error> {
        let count = match self.threads {
            Some(n) => Some(n),
            None => settings::count_var(&var, "PULLTHROUGH_THREADS")?,
        };
        Ok(count.map_or(ThreadCount::Available, |n| {
            ThreadCount::Fixed(Threads::new(n))
        }))
    }
}

/// The threads asked for: a number, or every core the process may use.
#[derive(Debug, Clone, Copy)]
pub enum ThreadCount {
    Fixed(Threads),
    Available,
}

impl ThreadCount {
    /// The threads for a stream of `len` bytes. The cores are counted only
    /// for a stream long enough to be cut: counting them reads the cgroup's
    /// CPU quota, three files and some 20 system calls, about 70 µs of a
    /// 1.4 ms run on a small file (docs/performance.md).
    pub fn for_stream(self, len: usize) -> Threads {
        match self {
            ThreadCount::Fixed(threads) => threads,
            ThreadCount::Available if len >= Threads::MIN_BYTES => Threads::available(),
            ThreadCount::Available => Threads::ONE,
        }
    }
}
