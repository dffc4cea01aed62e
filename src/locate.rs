//! Finds the image fields of one document: walks the workload table over the
//! document's tree and returns a [`Site`] for every image scalar, noting
//! whether its pod template opted out.

use crate::path::FieldPath;
use crate::workload::{self, Shape, WorkloadSpec};
use crate::yaml::{Document, NodeId};

/// How deep `*List` kinds may nest in one another (`List` of `List`s).
const MAX_LIST_DEPTH: usize = 8;

/// The containers lists of a pod spec that hold `image` fields.
/// <https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#PodSpec>
const CONTAINER_LISTS: &[&str] = &["containers", "initContainers", "ephemeralContainers"];

/// An image field in a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// The image node (a scalar, usually; the caller checks).
    pub node: NodeId,
    /// Field path from the document root, e.g. `spec.template.spec.containers[0].image`.
    pub path: FieldPath,
    /// The index of the top-level item of a `*List` kind the field is in.
    pub item: Option<usize>,
    /// The object holding the field: `Kind namespace/name`.
    pub object: Object,
    /// The object or its pod template carries the opt-out annotation.
    pub opted_out: bool,
}

/// The identity of a Kubernetes object, for messages and reports.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Object {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
}

impl std::fmt::Display for Object {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.kind)?;
        match (&self.namespace, &self.name) {
            (Some(ns), Some(name)) => write!(f, " {ns}/{name}"),
            (None, Some(name)) => write!(f, " {name}"),
            _ => Ok(()),
        }
    }
}

/// Where to look and what opts out.
#[derive(Debug, Clone, Copy)]
pub struct Locator<'a> {
    /// Workloads from the rules file, before the built-in table.
    pub extra: &'a [WorkloadSpec],
    /// Annotation key whose value `disabled` (any case) opts a template out.
    pub opt_out_annotation: &'a str,
    /// Look for pod templates in kinds nobody knows (see [`Locator::generic`]).
    pub generic: bool,
}

impl Locator<'_> {
    /// Every image site of the document, in document order.
    pub fn sites(&self, doc: &Document) -> Vec<Site> {
        let mut sites = Vec::new();
        if let Some(root) = doc.root {
            self.object(doc, root, &FieldPath::default(), None, 0, &mut sites);
        }
        sites.sort_by_key(|s| doc.node(s.node).span.start);
        sites.dedup_by_key(|s| s.node);
        sites
    }

    fn object(
        &self,
        doc: &Document,
        root: NodeId,
        prefix: &FieldPath,
        item: Option<usize>,
        depth: usize,
        out: &mut Vec<Site>,
    ) {
        let Some(kind) = doc.get_str(root, "kind") else {
            return;
        };
        if kind.ends_with("List") && depth < MAX_LIST_DEPTH {
            let items_path = prefix.key("items");
            for items in doc.get(root, "items") {
                for (i, &node) in doc.items(items).iter().enumerate() {
                    // The top-level item, however deep the lists nest.
                    let top = item.or(Some(i));
                    self.object(doc, node, &items_path.index(i), top, depth + 1, out);
                }
            }
        }
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
        let ctx = Context {
            object: &object,
            item,
            opted_out: self.opts_out(doc, root),
        };
        match workload::lookup(self.extra, group, kind) {
            Some(paths) => {
                for (path, shape) in paths {
                    for (node, at) in resolve(doc, root, path, prefix) {
                        self.shape(doc, node, &at, shape, ctx, out);
                    }
                }
            }
            None if self.generic
                && !(kind == "CustomResourceDefinition" && group == "apiextensions.k8s.io") =>
            {
                for spec in doc.get(root, "spec") {
                    self.generic(doc, spec, &prefix.key("spec"), ctx, out);
                }
            }
            None => {}
        }
    }

    fn shape(
        &self,
        doc: &Document,
        node: NodeId,
        path: &FieldPath,
        shape: Shape,
        ctx: Context,
        out: &mut Vec<Site>,
    ) {
        match shape {
            Shape::PodSpec => pod_spec(doc, node, path, ctx, out),
            Shape::Container => container(doc, node, path, ctx, out),
            Shape::PodTemplate => {
                let ctx = Context {
                    opted_out: ctx.opted_out || self.opts_out(doc, node),
                    ..ctx
                };
                for spec in doc.get(node, "spec") {
                    pod_spec(doc, spec, &path.key("spec"), ctx, out);
                }
            }
            Shape::Containers(fields) => {
                let ctx = Context {
                    opted_out: ctx.opted_out || self.opts_out(doc, node),
                    ..ctx
                };
                for field in fields {
                    for (c, at) in resolve(doc, node, field, path) {
                        container(doc, c, &at, ctx, out);
                    }
                }
            }
        }
    }

    /// The generic rule, for kinds neither the table nor the rules file know:
    /// under `spec`, the value of any `template` key that is a mapping whose
    /// `spec.containers` is a non-empty list of mappings that each have a
    /// scalar `image` is a pod template. This finds, for example,
    /// grafana-operator's Grafana (`spec.deployment.spec.template`) and Argo
    /// Rollouts' AnalysisTemplate job metrics, and leaves Helm values in a
    /// Flux HelmRelease (`spec.values`) alone unless they look exactly like a
    /// pod template under a `template` key.
    fn generic(
        &self,
        doc: &Document,
        spec: NodeId,
        path: &FieldPath,
        ctx: Context,
        out: &mut Vec<Site>,
    ) {
        let mut stack = vec![(spec, path.clone(), 0usize)];
        while let Some((node, at, depth)) = stack.pop() {
            if depth > MAX_GENERIC_DEPTH {
                continue;
            }
            for &(k, v) in doc.pairs(node) {
                let Some(key) = doc.str(k) else { continue };
                let here = at.key(key);
                if key == "template" && is_pod_template(doc, v) {
                    self.shape(doc, v, &here, Shape::PodTemplate, ctx, out);
                } else {
                    stack.push((v, here, depth + 1));
                }
            }
            for (i, &item) in doc.items(node).iter().enumerate() {
                stack.push((item, at.index(i), depth + 1));
            }
        }
    }

    /// The mapping's `metadata.annotations` opts out.
    fn opts_out(&self, doc: &Document, node: NodeId) -> bool {
        doc.get(node, "metadata")
            .flat_map(|m| doc.get(m, "annotations"))
            .flat_map(|a| doc.get(a, self.opt_out_annotation))
            .filter_map(|v| doc.str(v))
            .any(|v| v.eq_ignore_ascii_case("disabled"))
    }
}

/// How deep the generic rule looks under `spec`.
const MAX_GENERIC_DEPTH: usize = 32;

/// `spec.containers` is a non-empty list of mappings, each with a scalar `image`.
fn is_pod_template(doc: &Document, node: NodeId) -> bool {
    doc.get(node, "spec")
        .flat_map(|s| doc.get(s, "containers"))
        .any(|list| {
            let items = doc.items(list);
            !items.is_empty()
                && items.iter().all(|&c| {
                    doc.is_mapping(c) && doc.get(c, "image").any(|i| doc.scalar(i).is_some())
                })
        })
}

#[derive(Clone, Copy)]
struct Context<'a> {
    object: &'a Object,
    item: Option<usize>,
    opted_out: bool,
}

fn push(out: &mut Vec<Site>, node: NodeId, path: FieldPath, ctx: Context) {
    out.push(Site {
        node,
        path,
        item: ctx.item,
        object: ctx.object.clone(),
        opted_out: ctx.opted_out,
    });
}

fn container(doc: &Document, node: NodeId, path: &FieldPath, ctx: Context, out: &mut Vec<Site>) {
    for image in doc.get(node, "image") {
        push(out, image, path.key("image"), ctx);
    }
}

fn pod_spec(doc: &Document, spec: NodeId, path: &FieldPath, ctx: Context, out: &mut Vec<Site>) {
    for field in CONTAINER_LISTS {
        for list in doc.get(spec, field) {
            for (i, &c) in doc.items(list).iter().enumerate() {
                container(doc, c, &path.key(field).index(i), ctx, out);
            }
        }
    }
    // Image volumes (KEP-4639): `volumes[].image.reference`.
    for list in doc.get(spec, "volumes") {
        for (i, &volume) in doc.items(list).iter().enumerate() {
            for image in doc.get(volume, "image") {
                for reference in doc.get(image, "reference") {
                    let at = path.key("volumes").index(i).key("image").key("reference");
                    push(out, reference, at, ctx);
                }
            }
        }
    }
}

/// Every node a table path leads to from `root`, with its field path.
fn resolve(
    doc: &Document,
    root: NodeId,
    path: &str,
    prefix: &FieldPath,
) -> Vec<(NodeId, FieldPath)> {
    let mut here = vec![(root, prefix.clone())];
    for segment in path.split('.').filter(|s| !s.is_empty()) {
        let mut next = Vec::new();
        for (node, at) in here {
            if segment == "*" {
                for &(k, v) in doc.pairs(node) {
                    if let Some(key) = doc.str(k) {
                        next.push((v, at.key(key)));
                    }
                }
            } else if let Some(key) = segment.strip_suffix("[]") {
                for list in doc.get(node, key) {
                    for (i, &item) in doc.items(list).iter().enumerate() {
                        next.push((item, at.key(key).index(i)));
                    }
                }
            } else {
                for v in doc.get(node, segment) {
                    next.push((v, at.key(segment)));
                }
            }
        }
        here = next;
    }
    here
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse;

    fn paths(text: &str) -> Vec<(String, bool)> {
        let docs = parse(text).unwrap();
        let locator = Locator {
            extra: &[],
            opt_out_annotation: "example.com/cache",
            generic: true,
        };
        locator
            .sites(&docs[0])
            .into_iter()
            .map(|s| (s.path.to_string(), s.opted_out))
            .collect()
    }

    #[test]
    fn finds_every_container_list_and_image_volumes() {
        let text = "apiVersion: v1\nkind: Pod\nspec:\n  initContainers: [{image: a}]\n  containers:\n  - image: b\n  ephemeralContainers: [{image: c}]\n  volumes: [{name: v, image: {reference: d}}]\n";
        let got: Vec<_> = paths(text).into_iter().map(|p| p.0).collect();
        assert_eq!(
            got,
            [
                "spec.initContainers[0].image",
                "spec.containers[0].image",
                "spec.ephemeralContainers[0].image",
                "spec.volumes[0].image.reference",
            ]
        );
    }

    #[test]
    fn template_opt_out() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    metadata: {annotations: {example.com/cache: DISABLED}}\n    spec: {containers: [{image: a}]}\n";
        assert_eq!(
            paths(text),
            [("spec.template.spec.containers[0].image".into(), true)]
        );
    }

    #[test]
    fn list_items() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: batch/v1\n  kind: CronJob\n  spec: {jobTemplate: {spec: {template: {spec: {containers: [{image: a}]}}}}}\n";
        assert_eq!(
            paths(text)[0].0,
            "items[0].spec.jobTemplate.spec.template.spec.containers[0].image"
        );
    }

    #[test]
    fn group_matters() {
        let text = "apiVersion: batch.volcano.sh/v1alpha1\nkind: Job\nspec: {template: {spec: {containers: [{image: a}]}}}\n";
        assert!(
            paths(text).is_empty(),
            "a Volcano Job's images are under spec.tasks[]"
        );
    }

    #[test]
    fn generic_rule_finds_templates_in_unknown_kinds_only() {
        let text = "apiVersion: example.com/v1\nkind: Thing\nspec:\n  deployment:\n    spec:\n      template:\n        spec: {containers: [{image: a}]}\n  values: {image: b, containers: [{image: c}]}\n";
        assert_eq!(
            paths(text),
            [(
                "spec.deployment.spec.template.spec.containers[0].image".into(),
                false
            )]
        );
        let crd = text
            .replace("example.com/v1", "apiextensions.k8s.io/v1")
            .replace("Thing", "CustomResourceDefinition");
        assert!(paths(&crd).is_empty());
    }
}
