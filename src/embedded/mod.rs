//! Configuration documents embedded in strings: an Argo Workflows resource
//! template's `manifest`, and the ConfigMap `data` of known operator configs
//! (Argo Events' controller config, Jenkins configuration-as-code, GitLab
//! Runner's `config.toml`). A finder: it says which strings hold documents
//! ([`targets`]), reads the image fields of a configuration
//! ([`config_spots`], [`gitlab::toml_sites`]), and places a site found in a
//! string's value in the outer text ([`Target::place`]), through the map of
//! the value's bytes to the text's ([`map`]). The finding stage
//! (`crate::find`) parses the values and finds a manifest's sites as any
//! others; the decision is the same for every site.
//!
//! Only a literal block scalar (`|`, `|-`, `|+`) or a single-line scalar maps
//! byte for byte; in any other style the images found are left as written,
//! each with a warning saying why.

pub(crate) mod gitlab;
pub(crate) mod map;

use std::sync::LazyLock;

use crate::locate::{self, At, Locator, Object, Spot};
use crate::path::FieldPath;
use crate::site::{Field, Site, Text, Uneditable};
use crate::workload::Steps;
use crate::yaml::{self, Document, Node, NodeId, scalar::Unsupported};

use map::{Map, line_column, offset_of};

/// How deep embedded documents may nest (a resource template's manifest
/// that is a Workflow with resource templates of its own).
pub(crate) const MAX_DEPTH: usize = 4;

/// What a string holds.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Format {
    /// A Kubernetes manifest, rewritten with the same rules as the stream.
    Manifest,
    /// A YAML configuration: the [`CONFIGS`] row of this index.
    Config(usize),
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

/// Where an Argo workflow's templates are, by kind.
const WORKFLOW_TEMPLATES: &str = "spec.templates[]";
const CRON_WORKFLOW_TEMPLATES: &str = "spec.workflowSpec.templates[]";
/// A resource template's manifest, in a template.
const MANIFEST: &str = "resource.manifest";

/// The paths of this module, parsed the first time they are read.
struct Paths {
    workflow_templates: Steps,
    cron_workflow_templates: Steps,
    manifest: Steps,
    /// Each [`CONFIGS`] row's paths.
    configs: Vec<Vec<Steps>>,
}

static PATHS: LazyLock<Paths> = LazyLock::new(|| {
    let parse = |path: &str| Steps::parse(path).unwrap_or_else(|| panic!("bad path {path:?}"));
    Paths {
        workflow_templates: parse(WORKFLOW_TEMPLATES),
        cron_workflow_templates: parse(CRON_WORKFLOW_TEMPLATES),
        manifest: parse(MANIFEST),
        configs: CONFIGS
            .iter()
            .map(|c| c.paths.iter().map(|p| parse(p)).collect())
            .collect(),
    }
});

/// A string holding a document: where it is and what it holds.
pub(crate) struct Target {
    pub node: NodeId,
    pub path: FieldPath,
    pub item: Option<usize>,
    pub object: Object,
    pub opted_out: bool,
    pub format: Format,
}

/// Every string of the document that holds a known embedded document, in
/// document order, in every object ([`locate::objects`]).
pub(crate) fn targets(locator: &Locator, doc: &Document) -> Vec<Target> {
    let mut out = Vec::new();
    for at in locate::objects(doc) {
        object(locator, doc, at, &mut out);
    }
    out.sort_by_key(|t| doc.node(t.node).span.start);
    out
}

fn object(locator: &Locator, doc: &Document, at: At, out: &mut Vec<Target>) {
    let (root, prefix) = (at.node, &at.path);
    let opted_out = locator.opts_out(doc, root);
    let paths = &*PATHS;
    let templates = match (at.group, at.object.kind.as_str()) {
        ("argoproj.io", "Workflow" | "WorkflowTemplate" | "ClusterWorkflowTemplate") => {
            Some(&paths.workflow_templates)
        }
        ("argoproj.io", "CronWorkflow") => Some(&paths.cron_workflow_templates),
        _ => None,
    };
    let target = |node, path, opted_out, format| Target {
        node,
        path,
        item: at.item,
        object: at.object.clone(),
        opted_out,
        format,
    };
    for (template, here) in templates.map_or(Vec::new(), |t| locate::resolve(doc, root, t, prefix))
    {
        let opted_out = opted_out || locator.opts_out(doc, template);
        for (node, path) in locate::resolve(doc, template, &paths.manifest, &here) {
            if doc.scalar(node).is_some_and(|s| s.is_string()) {
                out.push(target(node, path, opted_out, Format::Manifest));
            }
        }
    }
    if (at.group, at.object.kind.as_str()) != ("", "ConfigMap") {
        return;
    }
    for data in doc.get(root, "data") {
        for &(k, v) in doc.pairs(data) {
            let (Some(key), Some(value)) = (doc.str(k), doc.scalar(v)) else {
                continue;
            };
            let format = if matches!(key, "config.toml" | "config.template.toml") {
                let toml = gitlab::toml_sites(&value.value);
                toml.is_some_and(|t| !t.is_empty()).then_some(Format::Toml)
            } else {
                CONFIGS
                    .iter()
                    .position(|c| (c.key)(key) && has_root(&value.value, c.root))
                    .map(Format::Config)
            };
            if let Some(format) = format {
                out.push(target(v, prefix.key("data").key(key), opted_out, format));
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

/// The image fields of a document of the [`CONFIGS`] row `config`, in
/// document order. Unset (null, `""`) is the operator's default.
pub(crate) fn config_spots(doc: &Document, config: usize) -> Vec<Spot> {
    let mut spots = Vec::new();
    let Some(root) = doc.root else { return spots };
    for path in &PATHS.configs[config] {
        for (node, at) in locate::resolve(doc, root, path, &FieldPath::default()) {
            if doc
                .scalar(node)
                .is_some_and(|s| s.is_null() || s.value.is_empty())
            {
                continue;
            }
            spots.push(Spot {
                node,
                path: at,
                item: None,
                object: Object::default(),
                opted_out: false,
                within: 0,
            });
        }
    }
    spots.sort_by_key(|s| doc.node(s.node).span.start);
    spots
}

impl Target {
    /// The site `site`, found in the target's value `value` (the string
    /// `outer` of the text `text`), placed in `text` through `map`: its line
    /// and column (the string's own where they do not map), its path across
    /// the boundary, the target's object and opt-out, and its slot in
    /// `text`, or why it has none there.
    pub(crate) fn place(
        &self,
        site: Site,
        text: &str,
        outer: &Node,
        value: &str,
        map: &Result<Map, Uneditable>,
    ) -> Site {
        let (line, column) = map
            .as_ref()
            .ok()
            .and_then(|m| m.get(offset_of(value, site.line, site.column)))
            .map_or((outer.line, outer.column), |at| line_column(text, at));
        let field = match site.field {
            Field::Text(Text { image, slot }) => Field::Text(Text {
                image,
                slot: slot.and_then(|slot| match map {
                    Err(why) => Err(why.clone()),
                    // Cannot happen: an image lies inside the value's content.
                    Ok(m) => slot
                        .moved(|at| m.get(at))
                        .ok_or(Uneditable::Unsupported(Unsupported::EmbeddedLayout)),
                }),
            }),
            field => field,
        };
        Site {
            line,
            column,
            path: self.path.embedded(&site.path),
            item: self.item,
            object: self.object.clone(),
            opted_out: self.opted_out || site.opted_out,
            field,
        }
    }

    /// The site of the string `outer` itself, when its value does not parse
    /// and its bytes do not map (`why`): folding or escapes may be what
    /// broke it, so it is left with a warning saying so.
    pub(crate) fn unreadable(&self, outer: &Node, why: Uneditable) -> Site {
        Site {
            line: outer.line,
            column: outer.column,
            path: self.path.clone(),
            item: self.item,
            object: self.object.clone(),
            opted_out: self.opted_out,
            field: Field::Unreadable(why),
        }
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
