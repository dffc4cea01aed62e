//! KRM function mode: a `ResourceList` in, the same `ResourceList` out with
//! its items' images rewritten and the run's warnings as `results`.
//!
//! The [KRM Functions Specification] is what kustomize exec functions and
//! `kpt fn eval --exec` / `kpt fn render` speak. Nothing is re-serialised
//! here either: the items are rewritten in place by [`crate::rewrite`] (a
//! `ResourceList` is a `*List` kind, so [`crate::locate`] walks its `items`),
//! and the `results` are spliced into the text as one JSON flow mapping per
//! line. So every annotation kpt and kustomize add
//! (`config.kubernetes.io/index`, `internal.config.kubernetes.io/*`,
//! `kustomize.config.k8s.io/id`, …) and the `functionConfig` stay byte for
//! byte.
//!
//! Settings come from the `functionConfig` (see [`config_settings`]); how they
//! layer with flags and the environment is the caller's choice.
//!
//! [KRM Functions Specification]: https://github.com/kubernetes-sigs/kustomize/blob/master/cmd/config/docs/api-conventions/functions-spec.md

use serde::Serialize;

use crate::settings::{self, Settings};
use crate::yaml::{self, Document, NodeId};
use crate::{Config, Outcome};

/// The `apiVersion`s of a `ResourceList` the specification allows.
pub const API_VERSIONS: &[&str] = &["config.kubernetes.io/v1", "config.kubernetes.io/v1beta1"];

/// The `apiVersion` of the `PullThrough` configuration object.
pub const CONFIG_API_VERSION: &str = "pullthrough.dev/v1alpha1";

/// The kind of the `PullThrough` configuration object.
pub const CONFIG_KIND: &str = "PullThrough";

/// A `ResourceList` read from a function's input.
#[derive(Debug)]
pub struct ResourceList<'a> {
    text: &'a str,
    doc: Document,
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
    Input(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Settings(e) => e.fmt(f),
            Error::Input(m) => f.write_str(m),
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
        let mut docs = yaml::parse(text).ok()?;
        // Empty or null documents (a trailing `---`) do not count.
        docs.retain(|d| d.root.is_some_and(|r| !d.str(r).is_some_and(is_null)));
        if docs.len() != 1 {
            return None;
        }
        let doc = docs.pop()?;
        let root = doc.root?;
        let api_version = doc.get_str(root, "apiVersion")?;
        (doc.get_str(root, "kind") == Some("ResourceList") && API_VERSIONS.contains(&api_version))
            .then_some(ResourceList { text, doc })
    }

    /// The settings the `functionConfig` gives; none when it is absent or
    /// null.
    pub fn settings(&self) -> Result<Settings, Error> {
        let root = self.root();
        match self.doc.get(root, "functionConfig").next() {
            Some(config) if self.doc.is_mapping(config) => {
                config_settings(&self.doc, config, "functionConfig").map_err(Error::Settings)
            }
            Some(config) if self.doc.str(config).is_some_and(is_null) => Ok(Settings::default()),
            // A settings error like the others (exit 2): the configuration,
            // not the resources, is wrong.
            Some(_) => Err(Error::Settings(settings::Error {
                setting: "functionConfig".into(),
                message: "expected an object (a ConfigMap or a PullThrough)".into(),
            })),
            None => Ok(Settings::default()),
        }
    }

    /// Rewrites the items' images and adds a warning result for each
    /// warning of the rewrite.
    pub fn rewrite(&self, config: &Config) -> Result<Response, Error> {
        let root = self.root();
        if let Some(items) = self.doc.get(root, "items").next() {
            let is_null = self.doc.str(items).is_some_and(is_null);
            if !is_null && !matches!(self.doc.node(items).kind, yaml::NodeKind::Sequence(_)) {
                return Err(Error::Input("items: expected a list of objects".into()));
            }
        }
        let outcome = crate::rewrite(self.text.as_bytes(), config)
            .map_err(|e| Error::Input(e.to_string()))?;
        let results: Vec<Finding> = outcome
            .warnings
            .iter()
            .map(|w| {
                let current = outcome
                    .images
                    .iter()
                    .find(|i| i.path == w.path && i.line == w.line)
                    .and_then(|i| i.original.clone());
                self.finding(Severity::Warning, w.message.clone(), &w.path, current)
            })
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

    /// A result about the field at `path` (`items[3].spec…`), naming its
    /// item and the item's file.
    fn finding(
        &self,
        severity: Severity,
        message: String,
        path: &str,
        current_value: Option<String>,
    ) -> Finding {
        let item = path
            .strip_prefix("items[")
            .and_then(|rest| rest.split_once(']'))
            .and_then(|(index, rest)| Some((index.parse::<usize>().ok()?, rest)));
        let Some((index, rest)) = item else {
            return Finding {
                message,
                severity,
                resource_ref: None,
                field: Some(Field {
                    path: path.to_string(),
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
            severity,
            resource_ref,
            field: Some(Field {
                path: rest.trim_start_matches('.').to_string(),
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

    /// The edit that adds `results`: into an existing `results` list (or in
    /// place of a null one), or as a new key at the top of the
    /// `ResourceList`. Each result is one JSON flow mapping, so it reads the
    /// same at any indentation. It never touches `items`, so it combines
    /// with the rewrite's own edits.
    fn results_edit(&self, results: &[Finding]) -> Result<crate::splice::Edit, Error> {
        let (text, doc, root) = (self.text, &self.doc, self.root());
        let json: Vec<String> = results
            .iter()
            .map(|r| serde_json::to_string(r).expect("JSON of plain data"))
            .collect();
        let nl = if text.contains("\r\n") { "\r\n" } else { "\n" };
        let cannot = || Error::Input("cannot add results to this ResourceList layout".into());
        let &(first_key, _) = doc.pairs(root).first().ok_or_else(cannot)?;
        let root_start = doc.node(root).span.start;
        let key_start = doc.node(first_key).span.start;
        let null_results = doc.pairs(root).iter().find(|&&(k, v)| {
            doc.str(k) == Some("results")
                && doc.scalar(v).is_some_and(|s| {
                    s.tag.is_none()
                        && s.style == crate::yaml::ScalarStyle::Plain
                        && matches!(s.value.as_str(), "" | "~" | "null" | "Null" | "NULL")
                })
        });
        if let Some(&(key, value)) = null_results {
            // `results:`, `results: ~`, `results: null`: the value becomes
            // the list; nothing else moves.
            let key_end = doc.node(key).span.end;
            let colon = key_end + text[key_end..].find(':').ok_or_else(cannot)?;
            let value_end = doc.node(value).span.end.max(colon + 1);
            let end = if text[colon + 1..value_end].contains(['\n', '\r']) {
                colon + 1
            } else {
                value_end
            };
            return Ok(crate::splice::Edit {
                span: colon..end,
                text: format!(": [{}]", json.join(", ")),
            });
        }
        let (at, insert) = match doc.get(root, "results").next() {
            Some(list) => {
                let start = doc.node(list).span.start;
                if text[start..].starts_with('[') {
                    let empty = doc.items(list).is_empty();
                    let sep = if empty { "" } else { ", " };
                    (start + 1, format!("{}{sep}", json.join(", ")))
                } else if text[start..].starts_with('-') {
                    let (line, indent) = line_indent(text, start).ok_or_else(cannot)?;
                    let lines: String = json.iter().map(|j| format!("{indent}- {j}{nl}")).collect();
                    (line, lines)
                } else {
                    return Err(Error::Input("results: expected a list of results".into()));
                }
            }
            None if text[root_start..key_start].contains('{') => {
                let brace = root_start + text[root_start..key_start].find('{').unwrap_or(0);
                (brace + 1, format!("\"results\": [{}], ", json.join(", ")))
            }
            None => {
                let (line, indent) = line_indent(text, key_start).ok_or_else(cannot)?;
                let mut lines = format!("{indent}results:{nl}");
                for j in &json {
                    lines.push_str(&format!("{indent}- {j}{nl}"));
                }
                (line, lines)
            }
        };
        Ok(crate::splice::Edit {
            span: at..at,
            text: insert,
        })
    }
}

/// Where the line holding byte `at` starts (after a BOM), and its
/// indentation, when only spaces come before `at` on that line.
fn line_indent(text: &str, at: usize) -> Option<(usize, &str)> {
    let mut line = text[..at].rfind('\n').map_or(0, |i| i + 1);
    if text[line..].starts_with('\u{feff}') {
        line += '\u{feff}'.len_utf8();
    }
    let indent = text.get(line..at)?;
    indent.bytes().all(|b| b == b' ').then_some((line, indent))
}

fn is_null(value: &str) -> bool {
    matches!(value, "" | "~" | "null" | "Null" | "NULL")
}

/// Settings from a configuration object: a `ConfigMap` whose `data` keys are
/// the long option names (what `kpt fn eval --exec pullthrough -- key=value`
/// sends), or a `pullthrough.dev/v1alpha1` `PullThrough` whose `spec` holds
/// the camelCase settings of a rules file. `source` names the object in
/// errors (`functionConfig`, a file path).
pub fn config_settings(
    doc: &Document,
    object: NodeId,
    source: &str,
) -> Result<Settings, settings::Error> {
    let error = |message: String| settings::Error {
        setting: source.to_string(),
        message,
    };
    let api_version = doc.get_str(object, "apiVersion").unwrap_or_default();
    let kind = doc.get_str(object, "kind").unwrap_or_default();
    match (api_version, kind) {
        ("v1", "ConfigMap") => {
            let Some(data) = doc.get(object, "data").next() else {
                return Ok(Settings::default());
            };
            if doc.str(data).is_some_and(is_null) {
                return Ok(Settings::default());
            }
            if !doc.is_mapping(data) {
                return Err(error("data: expected a mapping of strings".into()));
            }
            let mut pairs = Vec::new();
            for &(k, v) in doc.pairs(data) {
                let key = doc.str(k).unwrap_or_default();
                let value = doc
                    .str(v)
                    .ok_or_else(|| error(format!("data.{key}: expected a string")))?;
                pairs.push((key, value));
            }
            Settings::from_pairs(pairs).map_err(|e| settings::Error {
                setting: format!("{source}.data.{}", e.setting),
                message: e.message,
            })
        }
        (CONFIG_API_VERSION, CONFIG_KIND) => {
            let object = yaml::to_json_at(doc, object);
            match object.get("spec") {
                None | Some(serde_json::Value::Null) => Ok(Settings::default()),
                Some(spec) => Settings::from_json(spec.clone(), &format!("{source}.spec")),
            }
        }
        _ => Err(error(format!(
            "expected a v1 ConfigMap or a {CONFIG_API_VERSION} {CONFIG_KIND}, got {api_version:?} {kind:?}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REGISTRY: &str = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";

    fn config() -> Config {
        Settings {
            registry: Some(REGISTRY.into()),
            ..Settings::default()
        }
        .resolve()
        .unwrap()
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
        let s = ResourceList::read(cm.as_bytes())
            .unwrap()
            .settings()
            .unwrap();
        assert_eq!(s.registry.as_deref(), Some("r.example.com"));
        assert_eq!(s.docker_hub_prefix.as_deref(), Some("hub"));
        assert_eq!(s.generic, Some(false));
        let pt = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig:\n  apiVersion: pullthrough.dev/v1alpha1\n  kind: PullThrough\n  metadata: {name: x}\n  spec:\n    registry: r.example.com\n    rules: [quay.io=quay]\n";
        let s = ResourceList::read(pt.as_bytes())
            .unwrap()
            .settings()
            .unwrap();
        assert_eq!(s.registry.as_deref(), Some("r.example.com"));
        assert!(s.rules.is_some());
        let empty = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig: {apiVersion: v1, kind: ConfigMap, metadata: {name: function-input}, data: {}}\n";
        let s = ResourceList::read(empty.as_bytes())
            .unwrap()
            .settings()
            .unwrap();
        assert_eq!(s, Settings::default());
    }

    #[test]
    fn config_errors_name_the_field() {
        let typo = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig: {apiVersion: v1, kind: ConfigMap, data: {registy: r.io}}\n";
        let err = ResourceList::read(typo.as_bytes())
            .unwrap()
            .settings()
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("functionConfig.data.registy: unknown setting"),
            "{err}"
        );
        let spec = typo.replace(
            "v1, kind: ConfigMap, data:",
            "pullthrough.dev/v1alpha1, kind: PullThrough, spec:",
        );
        let err = ResourceList::read(spec.as_bytes())
            .unwrap()
            .settings()
            .unwrap_err();
        assert!(err.to_string().starts_with("functionConfig.spec"), "{err}");
        assert!(err.to_string().contains("registy"), "{err}");
        let other = typo.replace("kind: ConfigMap", "kind: Secret");
        let err = ResourceList::read(other.as_bytes())
            .unwrap()
            .settings()
            .unwrap_err();
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
