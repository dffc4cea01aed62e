//! The whole filter on arbitrary bytes: no panic; when the input is accepted,
//! the output parses, bytes outside the edits are unchanged, and a second run
//! changes nothing (see `tests/kit/invariants.rs`).
//!
//! A panic inside libyaml-safer (a dependency bug, see the README's
//! "Fuzzing") is printed once per source location on stderr and the input is
//! skipped, so that a run goes on looking for bugs in our own code; any other
//! panic aborts as usual and is a finding.

#![no_main]

use std::collections::BTreeSet;
use std::sync::{LazyLock, Mutex, Once};

use libfuzzer_sys::fuzz_target;
use pullthrough::Config;

#[path = "../../tests/kit/invariants.rs"]
mod check;

static CONFIG: LazyLock<Config> = LazyLock::new(check::config);
static HOOK: Once = Once::new();
static SEEN: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

/// Replaces libfuzzer-sys's abort-on-every-panic hook: panics located in
/// libyaml-safer are noted; every other panic aborts.
fn install_hook() {
    let abort_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let location = info.location().map(|l| l.to_string()).unwrap_or_default();
        if location.contains("libyaml-safer") {
            if SEEN.lock().unwrap().insert(location.clone()) {
                eprintln!("dependency panic at {location}: {info}");
            }
        } else {
            abort_hook(info);
        }
    }));
}

fuzz_target!(|data: &[u8]| {
    HOOK.call_once(install_hook);
    let _ = std::panic::catch_unwind(|| check::rewrite_invariants(data, &CONFIG));
});
