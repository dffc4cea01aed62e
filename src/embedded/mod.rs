//! Configuration documents embedded in strings: an Argo Workflows resource
//! template's `manifest`, and the ConfigMap `data` of known operator configs
//! (Argo Events' controller config, Jenkins configuration-as-code). The
//! string's value is parsed as a document of its own, its image sites are
//! found and decided as any others, and each edit's span in the value is
//! mapped back to the bytes of the outer text, so that only the image bytes
//! change.
//!
//! Only a literal block scalar (`|`, `|-`, `|+`) or a single-line scalar maps
//! byte for byte; in any other style the images found are left as written,
//! each with a warning saying why.

mod gitlab;
mod map;

use crate::config::Config;
use crate::locate::{self, Locator, Object, Site};
use crate::path::FieldPath;
use crate::rewrite::{Found, Status};
use crate::workload;
use crate::yaml::{self, Document, NodeId, scalar::Unsupported};

use gitlab::{toml, toml_images};
use map::{line_column, map, offset_of};

/// How deep embedded documents may nest (a resource template's manifest
/// that is a Workflow with resource templates of its own).
const MAX_DEPTH: usize = 4;

/// What a string holds.
#[derive(Debug, Clone, Copy)]
enum Format {
    /// A Kubernetes manifest, rewritten with the same rules as the stream.
    Manifest,
    /// A YAML configuration with images at these table paths.
    Config(&'static [&'static str]),
    /// A GitLab Runner `config.toml`: `[[runners]]`' `[runners.kubernetes]`
    /// `image` and `helper_image`.
    Toml,
}

/// A known operator configuration in a ConfigMap's `data`: which keys hold
/// it, the top-level key its document must have, and its image fields.
struct KnownConfig {
    key: fn(&str) -> bool,
    root: &'static str,
    paths: &'static [&'static str],
}

/// The table of known configs.
const CONFIGS: &[KnownConfig] = &[
    // Argo Events' controller config (`argo-events-controller-config`):
    // the EventBus images by version.
    // <https://github.com/argoproj/argo-events/blob/master/manifests/base/controller-manager/controller-config.yaml>
    KnownConfig {
        key: |k| k == "controller-config.yaml",
        root: "eventBus",
        paths: &[
            "eventBus.nats.versions[].natsStreamingImage",
            "eventBus.nats.versions[].metricsExporterImage",
            "eventBus.jetstream.versions[].natsImage",
            "eventBus.jetstream.versions[].metricsExporterImage",
            "eventBus.jetstream.versions[].configReloaderImage",
        ],
    },
    // Jenkins configuration-as-code: the Kubernetes cloud's pod templates.
    // <https://github.com/jenkinsci/kubernetes-plugin/blob/master/src/test/resources/org/csanchez/jenkins/plugins/kubernetes/casc/casc.yaml>
    KnownConfig {
        key: |k| k.ends_with(".yaml") || k.ends_with(".yml"),
        root: "jenkins",
        paths: &["jenkins.clouds[].kubernetes.templates[].containers[].image"],
    },
];

/// A string holding a document: where it is and what it holds.
pub(crate) struct Target {
    pub node: NodeId,
    pub path: FieldPath,
    pub item: Option<usize>,
    pub object: Object,
    pub opted_out: bool,
    format: Format,
}

/// Every string of the document that holds a known embedded document.
pub(crate) fn targets(locator: &Locator, doc: &Document) -> Vec<Target> {
    let mut out = Vec::new();
    let Some(root) = doc.root else { return out };
    let kind = doc.get_str(root, "kind").unwrap_or_default();
    if kind == "List" {
        for items in doc.get(root, "items") {
            for (i, &node) in doc.items(items).iter().enumerate() {
                let at = FieldPath::default().key("items").index(i);
                object(locator, doc, node, &at, Some(i), &mut out);
            }
        }
    }
    object(locator, doc, root, &FieldPath::default(), None, &mut out);
    out.sort_by_key(|t| doc.node(t.node).span.start);
    out
}

fn object(
    locator: &Locator,
    doc: &Document,
    root: NodeId,
    prefix: &FieldPath,
    item: Option<usize>,
    out: &mut Vec<Target>,
) {
    let Some(kind) = doc.get_str(root, "kind") else {
        return;
    };
    let group = workload::group(doc.get_str(root, "apiVersion").unwrap_or_default());
    let metadata = doc.get(root, "metadata").next();
    let object = Object {
        kind: kind.to_string(),
        namespace: metadata
            .and_then(|m| doc.get_str(m, "namespace"))
            .map(str::to_string),
        name: metadata
            .and_then(|m| doc.get_str(m, "name"))
            .map(str::to_string),
    };
    let opted_out = locator.opts_out(doc, root);
    let templates = match (group, kind) {
        ("argoproj.io", "Workflow" | "WorkflowTemplate" | "ClusterWorkflowTemplate") => {
            Some("spec.templates[]")
        }
        ("argoproj.io", "CronWorkflow") => Some("spec.workflowSpec.templates[]"),
        _ => None,
    };
    if let Some(templates) = templates {
        for (template, at) in locate::resolve(doc, root, templates, prefix) {
            let opted_out = opted_out || locator.opts_out(doc, template);
            for (node, path) in locate::resolve(doc, template, "resource.manifest", &at) {
                if doc.scalar(node).is_some_and(|s| s.is_string()) {
                    out.push(Target {
                        node,
                        path,
                        item,
                        object: object.clone(),
                        opted_out,
                        format: Format::Manifest,
                    });
                }
            }
        }
    }
    if (group, kind) == ("", "ConfigMap") {
        for data in doc.get(root, "data") {
            for &(k, v) in doc.pairs(data) {
                let (Some(key), Some(value)) = (doc.str(k), doc.scalar(v)) else {
                    continue;
                };
                let format = if matches!(key, "config.toml" | "config.template.toml") {
                    let toml = toml_images(&value.value);
                    toml.is_some_and(|t| !t.is_empty()).then_some(Format::Toml)
                } else {
                    CONFIGS
                        .iter()
                        .find(|c| (c.key)(key) && has_root(&value.value, c.root))
                        .map(|c| Format::Config(c.paths))
                };
                let Some(format) = format else { continue };
                out.push(Target {
                    node: v,
                    path: prefix.key("data").key(key),
                    item,
                    object: object.clone(),
                    opted_out,
                    format,
                });
            }
        }
    }
}

/// The text is YAML whose first document is a mapping with `root`.
fn has_root(text: &str, root: &str) -> bool {
    // Cheap first: most data values are not such documents.
    if !text.contains(root) {
        return false;
    }
    let mut found = false;
    let _ = yaml::for_each_document(text, |i, doc| {
        found |= i == 0 && doc.root.is_some_and(|r| doc.get(r, root).next().is_some());
    });
    found
}

/// Finds, decides and maps the images of every embedded document of `doc`
/// into `found`. `depth` is how deep `text` itself is embedded.
pub(crate) fn document(
    found: &mut Found,
    text: &str,
    doc: &Document,
    index: usize,
    config: &Config,
    locator: &Locator,
    depth: usize,
) {
    if depth >= MAX_DEPTH {
        return;
    }
    for target in targets(locator, doc) {
        embed(found, text, doc, index, config, depth, target);
    }
}

#[allow(clippy::too_many_arguments)]
fn embed(
    found: &mut Found,
    text: &str,
    doc: &Document,
    index: usize,
    config: &Config,
    depth: usize,
    target: Target,
) {
    let outer = doc.node(target.node);
    let Some(value) = doc.str(target.node) else {
        return;
    };
    if let Format::Toml = target.format {
        return toml(found, text, doc, index, config, target);
    }
    let mut inner = Found::nested(depth + 1);
    let parsed = yaml::for_each_document(value, |i, d| match target.format {
        Format::Toml => {}
        Format::Manifest => inner.document(value, &d, i, config),
        Format::Config(paths) => {
            let mut sites = Vec::new();
            if let Some(root) = d.root {
                for path in paths {
                    for (node, at) in locate::resolve(&d, root, path, &FieldPath::default()) {
                        // Unset (null, "") is the operator's default.
                        if d.scalar(node)
                            .is_some_and(|s| s.is_null() || s.value.is_empty())
                        {
                            continue;
                        }
                        sites.push(Site {
                            node,
                            path: at,
                            item: None,
                            object: Object::default(),
                            opted_out: false,
                            within: 0,
                        });
                    }
                }
            }
            sites.sort_by_key(|s| d.node(s.node).span.start);
            inner.sites(value, &d, i, sites, config);
        }
    });
    let map = map(text, doc, target.node);
    match (parsed, &map) {
        (Ok(()), _) => {}
        // Not YAML after all (a templated string, say): nothing to edit.
        (Err(_), Ok(_)) => return,
        // Folding or escapes may be what broke it: say why it is left.
        (Err(_), Err(why)) => {
            let image = crate::Image {
                document: index + 1,
                line: outer.line,
                column: outer.column,
                path: target.path.clone(),
                item: target.item,
                object: target.object.clone(),
                original: None,
                result: None,
                status: why.clone(),
            };
            found.warnings.push(crate::Warning {
                document: index + 1,
                line: outer.line,
                column: outer.column,
                path: target.path,
                image: found.images.len(),
                message: why.to_string(),
            });
            found.images.push(image);
            return;
        }
    }
    let base = found.images.len();
    let place = |line: usize, column: usize| -> Option<(usize, usize)> {
        let m = map.as_ref().ok()?;
        m.get(offset_of(value, line, column))
            .map(|at| line_column(text, at))
    };
    let mut left = Vec::new();
    let had_result: Vec<bool> = inner.images.iter().map(|i| i.result.is_some()).collect();
    for (i, mut image) in inner.images.into_iter().enumerate() {
        let (line, column) = place(image.line, image.column).unwrap_or((outer.line, outer.column));
        image.document = index + 1;
        image.line = line;
        image.column = column;
        image.path = target.path.embedded(&image.path);
        image.item = target.item;
        image.object = target.object.clone();
        if target.opted_out && image.status != Status::OptedOut && image.original.is_some() {
            image.status = Status::OptedOut;
            image.result = None;
            left.push(i);
        } else if let (Err(why), Some(_)) = (&map, &image.result) {
            image.status = why.clone();
            image.result = None;
            left.push(i);
        }
        found.images.push(image);
    }
    for mut warning in inner.warnings {
        if left.contains(&warning.image) {
            continue;
        }
        let (line, column) =
            place(warning.line, warning.column).unwrap_or((outer.line, outer.column));
        warning.document = index + 1;
        warning.line = line;
        warning.column = column;
        warning.path = target.path.embedded(&warning.path);
        warning.image += base;
        found.warnings.push(warning);
    }
    for &i in &left {
        let image = &found.images[base + i];
        if let Some(message) = image.status.warning(image.original.as_deref()) {
            found.warnings.push(crate::Warning {
                document: image.document,
                line: image.line,
                column: image.column,
                path: image.path.clone(),
                image: base + i,
                message,
            });
        }
    }
    // One edit per rewritten image, in order: keep those still rewritten.
    let mut edits = inner.edits.into_iter();
    for (i, had) in had_result.into_iter().enumerate() {
        let Some(mut edit) = had.then(|| edits.next()).flatten() else {
            continue;
        };
        let Ok(map) = &map else { continue };
        if left.contains(&i) {
            continue;
        }
        let (Some(start), Some(end)) = (map.get(edit.span.start), map.get(edit.span.end)) else {
            // Cannot happen: edits lie inside the value's content.
            let image = &mut found.images[base + i];
            image.result = None;
            image.status = Status::Unsupported(Unsupported::EmbeddedLayout);
            continue;
        };
        edit.span = start..end;
        found.edits.push(edit);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::Rules;
    use crate::{Config, rewrite};

    const REGISTRY: &str = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";

    fn golden() -> String {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/rewrite/embedded-documents.yaml"
        );
        std::fs::read_to_string(path).unwrap()
    }

    fn config(operator_images: bool) -> Config {
        Config {
            operator_images,
            ..Config::new(Rules::new(REGISTRY.into(), "docker-hub".into()))
        }
    }

    #[test]
    fn switch_off_is_byte_identical() {
        let text = golden();
        let out = rewrite(text.as_bytes(), &config(false)).unwrap();
        assert_eq!(out.text, text);
        assert!(out.edits.is_empty() && out.warnings.is_empty());
    }

    #[test]
    fn paths_name_the_inner_field() {
        let out = rewrite(golden().as_bytes(), &config(true)).unwrap();
        let paths: Vec<String> = out.images.iter().map(|i| i.path.to_string()).collect();
        for want in [
            "spec.templates[0].resource.manifest: spec.template.spec.containers[0].image",
            "data.controller-config.yaml: eventBus.nats.versions[0].natsStreamingImage",
            "data.jcasc-default-config.yaml: jenkins.clouds[0].kubernetes.templates[0].containers[1].image",
            "data.config.toml: runners[0].kubernetes.helper_image",
        ] {
            assert!(paths.iter().any(|p| p == want), "{want} not in {paths:?}");
        }
        assert!(!paths.iter().any(|p| p.starts_with("data.notes.md")));
        assert!(!paths.iter().any(|p| p.starts_with("spec.values")));
    }

    #[test]
    fn literal_blocks_map_each_line_deeper_and_crlf() {
        for eol in ["\n", "\r\n"] {
            let text = "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nspec:\n  templates:\n  - resource:\n      manifest: |+\n            kind: Pod\n            apiVersion: v1\n\n            spec:\n              containers:\n              - image: nginx\n\n"
                .replace('\n', eol);
            let out = rewrite(text.as_bytes(), &config(true)).unwrap();
            assert_eq!(
                out.text,
                text.replace(
                    "image: nginx",
                    &format!("image: {}/docker-hub/library/nginx", REGISTRY)
                ),
            );
            assert_eq!(out.images[0].line, 12);
            assert_eq!(out.images[0].column, 24);
        }
    }
}
