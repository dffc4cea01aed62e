//! Helpers for the unit tests, and the registry they rewrite to (the same
//! as the integration tests' kit).

/// The cache registry of every unit test.
pub const REGISTRY: &str = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";

/// Docker Hub to [`REGISTRY`], every other setting at its default.
pub fn config() -> crate::Config {
    crate::settings::Settings {
        registry: Some(REGISTRY.into()),
        ..Default::default()
    }
    .resolve()
    .expect("the test registry resolves")
}

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
