//! The parallel path against the sequential one on the same bytes: the
//! stream cut into 2 to 4 parts wherever it has a `---` line, however short
//! it is (the first byte picks the number of parts and the switches), must
//! give exactly the one-thread outcome, or exactly its error. Outcome and
//! error are everything the binary prints: stdout is the text, stderr the
//! warnings (or the error's message), the report the image records and
//! warnings, and the exit code follows from the error's kind (see
//! `parallel_matches` in `tests/kit/invariants.rs`).
//!
//! Panics are handled as in the `rewrite` target: one inside libyaml-safer
//! is noted once per location; any other aborts.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use pullthrough::{Config, Digests};

#[path = "../../tests/kit/invariants.rs"]
mod check;
mod dependency_panics;

/// The test config, and the same with every switch the other way.
static CONFIGS: LazyLock<[Config; 2]> = LazyLock::new(|| {
    let mut other = check::config();
    other.generic = false;
    other.operator_images = false;
    other.digests = Digests::Keep;
    [check::config(), other]
});

fuzz_target!(|data: &[u8]| {
    dependency_panics::install();
    let Some((&choice, input)) = data.split_first() else {
        return;
    };
    let threads = 2 + usize::from(choice % 3);
    let config = &CONFIGS[usize::from(choice & 0x80 != 0)];
    let _ = std::panic::catch_unwind(|| check::parallel_matches(input, config, threads));
});
