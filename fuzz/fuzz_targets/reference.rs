//! The reference parser and the rules on arbitrary strings: no panic; the
//! canonical form of a reference parses back to it; tag and digest are
//! substrings of the input; a rewritten image is left alone the second time
//! (see `tests/kit/invariants.rs`).

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use pullthrough::rules::Rules;

#[path = "../../tests/kit/invariants.rs"]
mod check;

static RULES: LazyLock<Rules> = LazyLock::new(check::rules);

fuzz_target!(|data: &[u8]| {
    if let Ok(input) = std::str::from_utf8(data) {
        check::reference_invariants(input, &RULES);
    }
});
