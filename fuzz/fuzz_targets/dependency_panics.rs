//! The panic hook both fuzz targets install: a panic located in
//! libyaml-safer (a dependency bug, see docs/reliability.md's "Fuzzing") is
//! printed once per source location on stderr and the input is skipped, so
//! that a run goes on looking for bugs in our own code; any other panic
//! aborts as libfuzzer-sys's hook does, and is a finding.

use std::collections::BTreeSet;
use std::sync::{Mutex, Once};

static HOOK: Once = Once::new();
static SEEN: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

/// Replaces libfuzzer-sys's abort-on-every-panic hook, once.
pub fn install() {
    HOOK.call_once(|| {
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
    });
}
