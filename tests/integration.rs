//! The one integration test binary (one link step, shared helpers).

mod util;

/// Flags, exit codes and messages of the real binary.
mod cli;
/// `pullthrough generate` run as argocd-cmp-server runs the project's plugin.yaml.
mod generate;
/// Hostile input: deep nesting, alias bombs, bad bytes, huge scalars and streams.
mod hostile;
/// End to end inside Helm 3, Helm 4, kustomize and kpt (the real binaries).
mod hosts;
/// Byte-preservation invariants over every corpus chart and golden file.
mod invariants;
/// Property tests (proptest): generated manifests and mutated golden files.
mod properties;
/// One test per fuzzing or property-test finding.
mod regression;
/// Rules file, precedence, --report, --check and `images`.
mod reports;
/// Golden files in testdata/: the diff and the warnings, as snapshots.
mod snapshots;
/// The image-reference vectors of ../shared/vectors, row by row.
mod vectors;
