//! The test kit, defined once: the registry, rules and config every test
//! uses and the rewrite invariants ([`invariants`]), and the helpers that run
//! the real binary and read test files ([`run`]).

pub mod invariants;
pub mod run;

pub use invariants::{REGISTRY, config, rules};
