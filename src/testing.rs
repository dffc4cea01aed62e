//! Helpers for the unit tests.

/// `f` accepts every string of `yes` and rejects every one of `no`.
#[track_caller]
pub fn accepts(f: fn(&str) -> bool, yes: &[&str], no: &[&str]) {
    for s in yes {
        assert!(f(s), "{s:?} should be accepted");
    }
    for s in no {
        assert!(!f(s), "{s:?} should be rejected");
    }
}
