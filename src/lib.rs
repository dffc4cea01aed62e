//! `pullthrough` rewrites container image references in rendered Kubernetes
//! manifests so that they are pulled through an Amazon ECR pull-through cache.
//!
//! # Brief overview
//!
//! The output differs from the input only in the image scalars that were
//! rewritten. Nothing is ever re-serialised: the pipeline finds byte spans in
//! the original text and replaces them.
//!
//! | stage  | module                        | data in → data out                          |
//! |--------|-------------------------------|---------------------------------------------|
//! | decode | [`encoding`]                  | UTF-16 with a BOM → UTF-8 bytes (else as is) |
//! | read   | [`rewrite()`]                 | bytes → `&str` (UTF-8 checked, BOM kept)    |
//! | find   | `find`: [`yaml`], `locate` (on `workload`, `operator`), `embedded` | text → documents → sites (`site`: plain data, each with a [`FieldPath`] and its bytes in the text) |
//! | decide | `decide`: `exclude`, [`rules`] (on [`reference`](mod@reference)) | site → [`Image`], [`Warning`]s, new image |
//! | encode | `yaml::scalar`                | the site's slot + new image → [`Edit`]      |
//! | splice | `splice`, [`Plan`]            | text + edits → new text, or its pieces      |
//! | write  | the binary (`src/cli/`)       | text → stdout, [`Warning`]s → stderr        |
//!
//! Around the pipeline:
//!
//! - `parallel` ([`rewrite_with`], [`plan`]) runs read to encode on up to
//!   [`Threads`] threads, on the parts of a long stream cut at its `---`
//!   lines, and joins them into exactly the one-thread outcome.
//! - [`settings`] turns every source of settings (flags, environment, a
//!   host's config object, `--rules-from`, `--config`) into one [`Config`],
//!   with one precedence, [`settings::Sources::resolve`].
//! - [`adapter`] speaks each host's protocol: [`adapter::krm`] (a KRM
//!   function's `ResourceList`, kustomize and kpt), [`adapter::kustomize`]
//!   (the legacy exec plugin and the `PullThrough` config object), and
//!   [`adapter::argocd`] (the config management plugin's request, and
//!   `generate`'s renderers, which run before read).
//! - [`report`] turns the [`Image`] records into the JSON report and the
//!   distinct image list; [`stream`] joins several streams into one.
//!
//! Data flows one way: no stage calls an earlier one. The library never reads
//! the environment (a source that needs it takes a lookup function) and never
//! prints; the binary does both, and owns the exit codes.

#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod adapter;
mod config;
mod decide;
mod diag;
mod embedded;
pub mod encoding;
mod exclude;
mod find;
mod locate;
mod operator;
mod parallel;
mod path;
pub mod reference;
pub mod rename;
pub mod report;
mod rewrite;
pub mod rules;
pub mod settings;
mod site;
mod splice;
pub mod stream;
#[cfg(test)]
mod testing;
mod workload;
pub mod yaml;

pub use config::{Config, DEFAULT_DOCKER_HUB_PREFIX, DEFAULT_OPT_OUT_ANNOTATION, Digests};
pub use decide::{Image, Status};
pub use diag::Warning;
pub use exclude::{Exclude, InvalidPattern};
pub use locate::Object;
pub use parallel::{Threads, plan, rewrite_with, seams};
pub use path::{FieldPath, Segment};
pub use rewrite::{Outcome, Plan, rewrite};
pub use splice::Edit;
pub use workload::{InvalidWorkload, PathSpec, ShapeName, WorkloadSpec};
