//! The hosts' protocols: how each host hands manifests to the tool and takes
//! them back. Each adapter turns its host's input into the pipeline's
//! ([`crate::rewrite()`]) and its host's settings into a [`crate::settings`]
//! source; none prints or reads the environment itself.
//!
//! | adapter       | host                                      | protocol |
//! |---------------|-------------------------------------------|----------|
//! | [`krm`]       | kustomize and kpt KRM functions            | a `ResourceList` in and out, warnings as `results` |
//! | [`kustomize`] | kustomize's legacy exec plugin             | `argv[0]` `PullThrough`, the config object's file in `argv[1]`; the config object a `functionConfig` shares |
//! | [`argocd`]    | Argo CD's config management plugin         | `generate`: the request's environment and parameters, and the renderers (kustomize, Helm, plain files); `discover` |
//! | [`shim`]      | Argo CD's repo-server running `helm` and `kustomize` from PATH | `argv[0]` `helm` or `kustomize`: the real tool's arguments, its stdout rewritten for a render |
//!
//! Helm's post-renderers (Helm 3 `--post-renderer`, the Helm 4 plugin) and a
//! plain pipe need no adapter: they speak the pipeline's own protocol, a
//! stream on stdin and the rewritten stream on stdout.

pub mod argocd;
pub mod krm;
pub mod kustomize;
pub mod shim;
