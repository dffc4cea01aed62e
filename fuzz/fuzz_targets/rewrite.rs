//! The whole filter on arbitrary bytes: no panic; when the input is accepted,
//! the output parses, bytes outside the edits are unchanged, and a second run
//! changes nothing (see `tests/kit/invariants.rs`).
//!
//! A panic inside libyaml-safer (a dependency bug, see
//! docs/reliability.md's "Fuzzing", and `dependency_panics.rs`) is printed once per source location on stderr and the input is
//! skipped, so that a run goes on looking for bugs in our own code; any other
//! panic aborts as usual and is a finding.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use pullthrough::Config;

#[path = "../../tests/kit/invariants.rs"]
mod check;
mod dependency_panics;

static CONFIG: LazyLock<Config> = LazyLock::new(check::config);

fuzz_target!(|data: &[u8]| {
    dependency_panics::install();
    let _ = std::panic::catch_unwind(|| check::rewrite_invariants(data, &CONFIG));
});
