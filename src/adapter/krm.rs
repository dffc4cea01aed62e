//! KRM function mode: a `ResourceList` in, the same `ResourceList` out with
//! its items' images rewritten and the run's warnings as `results`.
//!
//! The [KRM Functions Specification] is what kustomize exec functions and
//! `kpt fn eval --exec` / `kpt fn render` speak. Nothing is re-serialised
//! here either: the items are rewritten in place by [`crate::rewrite`] (a
//! `ResourceList` is a `*List` kind, so the locator walks its `items`),
//! and the `results` are spliced into the text as one JSON flow mapping per
//! line. So every annotation kpt and kustomize add
//! (`config.kubernetes.io/index`, `internal.config.kubernetes.io/*`,
//! `kustomize.config.k8s.io/id`, …) and the `functionConfig` stay byte for
//! byte.
//!
//! The `ResourceList` is parsed once: its one document is both read for the
//! `functionConfig` and rewritten. Results are tied to their image record
//! ([`crate::Warning::image`]), so nothing here re-reads a path string.
//!
//! Settings come from the `functionConfig` (see
//! [`super::kustomize::object_settings`]); how they layer with flags and the
//! environment is [`crate::settings::Sources`]'.
//!
//! [KRM Functions Specification]: https://github.com/kubernetes-sigs/kustomize/blob/master/cmd/config/docs/api-conventions/functions-spec.md

mod results;

use serde::Serialize;

use super::kustomize::object_settings;
use crate::rewrite::Found;
use crate::settings::{self, Settings};
use crate::yaml::{self, Document, NodeId};
use crate::{Config, Image, Outcome};

/// The `apiVersion`s of a `ResourceList` the specification allows.
pub const API_VERSIONS: &[&str] = &["config.kubernetes.io/v1", "config.kubernetes.io/v1beta1"];

/// A `ResourceList` read from a function's input.
#[derive(Debug)]
pub struct ResourceList<'a> {
    text: &'a str,
    doc: Document,
    /// The document's 0-based place in the stream (after empty ones).
    index: usize,
}

/// One entry of `results`, as the specification (and kyaml's
/// `framework.Result`) names its fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub message: String,
    pub severity: Severity,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_ref: Option<ResourceRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<Field>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<File>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// The item a result is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceRef {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// The field a result is about, within its item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Field {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_value: Option<String>,
}

/// The file the item came from, from its `path`/`index` annotations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct File {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
}

/// What a function run gives back: the output `ResourceList`, the rewrite
/// and the results in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub text: String,
    pub outcome: Outcome,
    pub results: Vec<Finding>,
}

/// A `ResourceList` the function cannot answer, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The `functionConfig` does not give usable settings.
    Settings(settings::Error),
    /// The `ResourceList` itself is malformed.
    Input(Malformed),
}

/// What is wrong with a `ResourceList`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Malformed {
    /// `items` is not a list.
    Items,
    /// `results` is not a list.
    Results,
    /// Its layout leaves no place to add `results` without re-serialising.
    NoPlaceForResults,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Settings(e) => e.fmt(f),
            Error::Input(Malformed::Items) => f.write_str("items: expected a list of objects"),
            Error::Input(Malformed::Results) => f.write_str("results: expected a list of results"),
            Error::Input(Malformed::NoPlaceForResults) => {
                f.write_str("cannot add results to this ResourceList layout")
            }
        }
    }
}

impl std::error::Error for Error {}

impl<'a> ResourceList<'a> {
    /// The input as a `ResourceList`: one YAML (or JSON) document whose
    /// `kind` is `ResourceList` and whose `apiVersion` is one of
    /// [`API_VERSIONS`]. `None` for anything else, which is a plain stream.
    pub fn read(input: &'a [u8]) -> Option<ResourceList<'a>> {
        let text = std::str::from_utf8(input).ok()?;
        // Cheap test first: most streams are not ResourceLists, and parsing a
        // large one twice would double the time.
        if !text.contains("ResourceList") {
            return None;
        }
        // Empty or null documents (a trailing `---`) do not count.
        let mut docs: Vec<(usize, Document)> = yaml::parse(text)
            .ok()?
            .into_iter()
            .enumerate()
            .filter(|(_, d)| d.root.is_some_and(|r| !d.spells_null(r)))
            .collect();
        if docs.len() != 1 {
            return None;
        }
        let (index, doc) = docs.pop()?;
        let root = doc.root?;
        let api_version = doc.get_str(root, "apiVersion")?;
        (doc.get_str(root, "kind") == Some("ResourceList") && API_VERSIONS.contains(&api_version))
            .then_some(ResourceList { text, doc, index })
    }

    /// The settings the `functionConfig` gives; none when it is absent or
    /// null.
    pub fn settings(&self) -> Result<Settings, Error> {
        let root = self.root();
        match self.doc.get(root, "functionConfig").next() {
            Some(config) if self.doc.is_mapping(config) => {
                object_settings(&self.doc, config, "functionConfig").map_err(Error::Settings)
            }
            Some(config) if self.doc.spells_null(config) => Ok(Settings::default()),
            // A settings error like the others (exit 2): the configuration,
            // not the resources, is wrong.
            Some(_) => Err(Error::Settings(settings::Error::invalid(
                "functionConfig",
                "expected an object (a ConfigMap or a PullThrough)",
            ))),
            None => Ok(Settings::default()),
        }
    }

    /// Rewrites the items' images and adds a warning result for each
    /// warning of the rewrite.
    pub fn rewrite(&self, config: &Config) -> Result<Response, Error> {
        let root = self.root();
        if let Some(items) = self.doc.get(root, "items").next() {
            let is_null = self.doc.spells_null(items);
            if !is_null && !matches!(self.doc.node(items).kind, yaml::NodeKind::Sequence(_)) {
                return Err(Error::Input(Malformed::Items));
            }
        }
        // The one parse: the document read() kept is rewritten as it is.
        let mut found = Found::default();
        found.document(self.text, &self.doc, self.index, config);
        let outcome = found.apply(self.text, 1);
        let results: Vec<Finding> = outcome
            .warnings
            .iter()
            .map(|w| self.finding(w.message.clone(), &outcome.images[w.image]))
            .collect();
        // The results go in with the image edits, in one splice of the
        // input: no second parse of the rewritten list.
        let text = if results.is_empty() {
            outcome.text.clone()
        } else {
            let mut edits = outcome.edits.clone();
            edits.push(self.results_edit(&results)?);
            crate::splice::apply(self.text, &mut edits)
        };
        Ok(Response {
            text,
            outcome,
            results,
        })
    }

    /// The answer to a failed run: the input unchanged, with one error
    /// result. The caller exits non-zero.
    pub fn failure(&self, message: &str) -> String {
        let finding = Finding {
            message: message.to_string(),
            severity: Severity::Error,
            resource_ref: None,
            field: None,
            file: None,
        };
        // When even the results cannot be placed, the bare input is still a
        // valid ResourceList that keeps every item.
        self.with_results(&[finding])
            .unwrap_or_else(|_| self.text.to_string())
    }

    fn root(&self) -> NodeId {
        self.doc.root.expect("read checked the root")
    }

    /// A warning result about `image`'s field, naming its item and the
    /// item's file.
    fn finding(&self, message: String, image: &Image) -> Finding {
        let current_value = image.original.clone();
        let Some(index) = image.item else {
            return Finding {
                message,
                severity: Severity::Warning,
                resource_ref: None,
                field: Some(Field {
                    path: image.path.to_string(),
                    current_value,
                }),
                file: None,
            };
        };
        let doc = &self.doc;
        let node = doc
            .get(self.root(), "items")
            .next()
            .and_then(|items| doc.items(items).get(index).copied());
        let metadata = node.and_then(|n| doc.get(n, "metadata").next());
        let annotations = metadata.and_then(|m| doc.get(m, "annotations").next());
        let annotation =
            |keys: &[&str]| annotations.and_then(|a| keys.iter().find_map(|k| doc.get_str(a, k)));
        let resource_ref = node.and_then(|n| {
            Some(ResourceRef {
                api_version: doc.get_str(n, "apiVersion")?.to_string(),
                kind: doc.get_str(n, "kind")?.to_string(),
                name: doc.get_str(metadata?, "name")?.to_string(),
                namespace: metadata
                    .and_then(|m| doc.get_str(m, "namespace"))
                    .map(str::to_string),
            })
        });
        let file = annotation(&[
            "internal.config.kubernetes.io/path",
            "config.kubernetes.io/path",
        ])
        .map(|p| File {
            path: p.to_string(),
            index: annotation(&[
                "internal.config.kubernetes.io/index",
                "config.kubernetes.io/index",
            ])
            .and_then(|i| i.parse().ok()),
        });
        Finding {
            message,
            severity: Severity::Warning,
            resource_ref,
            // The path within the item: `items[3].spec…` less `items[3]`.
            field: Some(Field {
                path: image.path.skip(2).to_string(),
                current_value,
            }),
            file,
        }
    }

    /// The text with `results` added.
    fn with_results(&self, results: &[Finding]) -> Result<String, Error> {
        Ok(crate::splice::apply(
            self.text,
            &mut [self.results_edit(results)?],
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::testing::{REGISTRY, config};

    fn settings_of(list: &str) -> Result<Settings, Error> {
        ResourceList::read(list.as_bytes()).unwrap().settings()
    }

    #[test]
    fn detects_only_resource_lists() {
        let list = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n";
        assert!(ResourceList::read(list.as_bytes()).is_some());
        let beta = list.replace("/v1\n", "/v1beta1\n");
        assert!(ResourceList::read(beta.as_bytes()).is_some());
        let other = list.replace("config.kubernetes.io/v1", "v1");
        assert!(ResourceList::read(other.as_bytes()).is_none());
        let list_kind = list.replace("ResourceList", "List");
        assert!(ResourceList::read(list_kind.as_bytes()).is_none());
        let two = format!("{list}---\n{list}");
        assert!(ResourceList::read(two.as_bytes()).is_none());
        assert!(ResourceList::read(b"kind: [").is_none());
    }

    #[test]
    fn config_map_and_pull_through_give_settings() {
        let cm = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  data: {registry: r.example.com, docker-hub-prefix: hub, generic: 'false'}\n";
        let s = settings_of(cm).unwrap();
        assert_eq!(s.registry.as_deref(), Some("r.example.com"));
        assert_eq!(s.docker_hub_prefix.as_deref(), Some("hub"));
        assert_eq!(s.generic, Some(false));
        let pt = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig:\n  apiVersion: pullthrough.dev/v1alpha1\n  kind: PullThrough\n  metadata: {name: x}\n  spec:\n    registry: r.example.com\n    rules: [quay.io=quay]\n";
        let s = settings_of(pt).unwrap();
        assert_eq!(s.registry.as_deref(), Some("r.example.com"));
        assert!(s.rules.is_some());
        let empty = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig: {apiVersion: v1, kind: ConfigMap, metadata: {name: function-input}, data: {}}\n";
        let s = settings_of(empty).unwrap();
        assert_eq!(s, Settings::default());
    }

    #[test]
    fn config_errors_name_the_field() {
        let typo = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig: {apiVersion: v1, kind: ConfigMap, data: {registy: r.io}}\n";
        let err = settings_of(typo).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("functionConfig.data.registy: unknown setting"),
            "{err}"
        );
        let spec = typo.replace(
            "v1, kind: ConfigMap, data:",
            "pullthrough.dev/v1alpha1, kind: PullThrough, spec:",
        );
        let err = settings_of(&spec).unwrap_err();
        assert!(err.to_string().starts_with("functionConfig.spec"), "{err}");
        assert!(err.to_string().contains("registy"), "{err}");
        let other = typo.replace("kind: ConfigMap", "kind: Secret");
        let err = settings_of(&other).unwrap_err();
        assert!(err.to_string().contains("\"Secret\""), "{err}");
    }

    /// Items are rewritten in place; every other byte, annotations and the
    /// functionConfig included, stays.
    #[test]
    fn rewrites_items_byte_for_byte() {
        let input = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p\n    annotations:\n      config.kubernetes.io/index: '0'\n      internal.config.kubernetes.io/path: 'pod.yaml'\n  spec:\n    containers:\n    - name: a\n      image: \"nginx:1.25\" # pinned\nfunctionConfig: {apiVersion: v1, kind: ConfigMap, data: {image: nginx}}\n";
        let list = ResourceList::read(input.as_bytes()).unwrap();
        let response = list.rewrite(&config()).unwrap();
        let expected = input.replace(
            "\"nginx:1.25\"",
            &format!("\"{REGISTRY}/docker-hub/library/nginx:1.25\""),
        );
        assert_eq!(response.text, expected);
        assert!(response.results.is_empty());
    }

    #[test]
    fn warnings_become_results_with_item_and_file() {
        let input = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p\n    namespace: ns\n    annotations:\n      config.kubernetes.io/index: '2'\n      internal.config.kubernetes.io/path: 'pod.yaml'\n  spec:\n    containers:\n    - name: a\n      image: 'nginx:'\n";
        let list = ResourceList::read(input.as_bytes()).unwrap();
        let response = list.rewrite(&config()).unwrap();
        assert_eq!(response.results.len(), 1);
        let r = &response.results[0];
        assert_eq!(r.severity, Severity::Warning);
        assert_eq!(
            r.resource_ref,
            Some(ResourceRef {
                api_version: "v1".into(),
                kind: "Pod".into(),
                name: "p".into(),
                namespace: Some("ns".into())
            })
        );
        assert_eq!(r.field.as_ref().unwrap().path, "spec.containers[0].image");
        assert_eq!(
            r.field.as_ref().unwrap().current_value.as_deref(),
            Some("nginx:")
        );
        assert_eq!(
            r.file,
            Some(File {
                path: "pod.yaml".into(),
                index: Some(2)
            })
        );
        // The results go on top, and the input follows unchanged.
        let (head, rest) = response.text.split_once("apiVersion: config").unwrap();
        assert!(head.starts_with("results:\n- {\"message\":"), "{head}");
        assert_eq!(format!("apiVersion: config{rest}"), input);
        let reread = ResourceList::read(response.text.as_bytes()).unwrap();
        let json = yaml::to_json(&reread.doc);
        assert_eq!(json["results"][0]["severity"], "warning");
        // (to_json reads numbers as strings)
        assert_eq!(json["results"][0]["file"]["index"], "2");
    }

    #[test]
    fn results_join_an_existing_list_and_json_input() {
        let cases = [
            "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nresults:\n- message: earlier\nitems: []\n",
            "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nresults:\n  - message: earlier\nitems: []\n",
            "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nresults: [{message: earlier}]\nitems: []\n",
            "{\"apiVersion\": \"config.kubernetes.io/v1\", \"kind\": \"ResourceList\", \"items\": []}",
            "\u{feff}apiVersion: config.kubernetes.io/v1\r\nkind: ResourceList\r\nitems: []\r\n",
        ];
        for input in cases {
            let list = ResourceList::read(input.as_bytes()).unwrap();
            let out = list.failure("boom");
            let reread = ResourceList::read(out.as_bytes()).unwrap_or_else(|| panic!("{out}"));
            let json = yaml::to_json(&reread.doc);
            let messages: Vec<_> = json["results"]
                .as_array()
                .unwrap_or_else(|| panic!("{out}"))
                .iter()
                .map(|r| r["message"].as_str().unwrap().to_string())
                .collect();
            assert!(messages.contains(&"boom".to_string()), "{out}");
            assert_eq!(
                messages.len(),
                1 + usize::from(input.contains("earlier")),
                "{out}"
            );
            assert_eq!(json["items"], serde_json::json!([]), "{out}");
        }
    }

    #[test]
    fn items_must_be_a_list() {
        let input = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: {a: b}\n";
        let list = ResourceList::read(input.as_bytes()).unwrap();
        assert!(matches!(list.rewrite(&config()), Err(Error::Input(_))));
    }
}
