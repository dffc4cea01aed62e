//! The one integration test binary (one link step, one test kit: `kit/`).

mod kit;

/// Flags, exit codes and messages of the real binary.
mod cli;
/// deploy/argocd: the argo-cd chart with values.yaml, the ApplicationSet, the transparent setup.
mod deploy;
/// The README and docs/: links, sample messages, length.
mod docs;
/// Flux: the kustomize images list, applied by the real kubectl kustomize.
mod flux;
/// `pullthrough generate` run as argocd-cmp-server runs the project's plugin.yaml.
mod generate;
/// Hostile input: deep nesting, alias bombs, bad bytes, huge scalars and streams.
mod hostile;
/// End to end inside Helm 3, Helm 4, kustomize and kpt (the real binaries).
mod hosts;
/// Byte-preservation invariants over every corpus chart and golden file.
mod invariants;
/// A KRM function's answer: results in every layout, failures as results.
mod krm;
/// What a new user meets first: each message points the right way.
mod messages;
/// `--threads`: the parallel path gives exactly the one-thread outcome.
mod parallel;
/// Property tests (proptest): generated manifests and mutated golden files.
mod properties;
/// One test per fuzzing or property-test finding.
mod regression;
/// Renames before the cache (issue 20): sources, bad values, reports.
mod renames;
/// --report, --check, `images`, and the warnings for values left as written.
mod reports;
/// The rules file, --rules-from, the environment and precedence.
mod settings;
/// The helm and kustomize shims, under Argo CD's own commands.
mod shims;
/// Golden files in testdata/: the diff and the warnings, as snapshots.
mod snapshots;
/// Several files as one output stream.
mod streams;
/// The settings table against the README, --help and every reader of text values.
mod table;
/// UTF-16 input (byte order mark): written as UTF-8, only images edited.
mod utf16;
/// The image-reference vectors of ../shared/vectors, row by row.
mod vectors;
