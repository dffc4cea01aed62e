//! Finds the image fields of one document: walks the workload table over the
//! document's objects and returns a [`Spot`] for every image node, noting
//! whether its pod template opted out. `objects` walks the lists, `resolve`
//! follows a table path, `pod` reads pod specs and containers, `generic` is
//! the rule for kinds nobody knows.

mod generic;
mod objects;
mod pod;
mod resolve;

pub use objects::{At, Object, objects};
pub use resolve::resolve;

use crate::path::FieldPath;
use crate::workload::{self, Route, Shape, WorkloadSpec};
use crate::yaml::{Document, NodeId};

use pod::{Context, container, pod_spec, push};

/// An image node in a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spot {
    /// The image node (a scalar, usually; the decision checks).
    pub node: NodeId,
    /// Field path from the document root, e.g. `spec.template.spec.containers[0].image`.
    pub path: FieldPath,
    /// The index of the top-level item of a `*List` kind the field is in.
    pub item: Option<usize>,
    /// The object holding the field: `Kind namespace/name`.
    pub object: Object,
    /// The object or its pod template carries the opt-out annotation.
    pub opted_out: bool,
    /// Where the image starts in the scalar's value: after an operator
    /// flag's `--flag=`; 0 when the value is the image.
    pub within: usize,
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
    /// Walk the operator rows of the table ([`workload::OPERATORS`]) too.
    /// Their kinds are not in the built-in table, so with this off they are
    /// located exactly as unknown kinds are.
    pub operator_images: bool,
}

/// How many times `Shape::Same` may nest (Argo templates inline in inline
/// templates, Tekton pipelines in pipelines).
const MAX_FIELDS_DEPTH: usize = 16;

impl Locator<'_> {
    /// Every image spot of the document, in document order.
    pub fn sites(&self, doc: &Document) -> Vec<Spot> {
        let mut spots = Vec::new();
        for at in objects(doc) {
            self.object(doc, &at, &mut spots);
        }
        spots.sort_by_key(|s| doc.node(s.node).span.start);
        spots.dedup_by_key(|s| s.node);
        spots
    }

    fn object(&self, doc: &Document, at: &At, out: &mut Vec<Spot>) {
        let (root, prefix, group, kind) = (at.node, &at.path, at.group, at.object.kind.as_str());
        let ctx = Context {
            object: &at.object,
            item: at.item,
            opted_out: self.opts_out(doc, root),
            operator_images: self.operator_images,
        };
        match workload::lookup(self.extra, group, kind) {
            Some(routes) => {
                for route in routes {
                    self.route(doc, root, route, prefix, ctx, out);
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
        // Besides what the generic rule (or the rules file) finds: a kind
        // with an operator row keeps that, and gains its image fields.
        let operator = workload::find(workload::operators(), group, kind);
        if let Some(row) = operator.filter(|_| self.operator_images) {
            for route in &row.routes {
                self.route(doc, root, route, prefix, ctx, out);
            }
        }
    }

    /// The spots of one route of the table from `node`, whose field path is
    /// `at`.
    fn route(
        &self,
        doc: &Document,
        node: NodeId,
        route: &Route,
        at: &FieldPath,
        ctx: Context,
        out: &mut Vec<Spot>,
    ) {
        for (found, here) in resolve(doc, node, &route.steps, at) {
            self.shape(doc, found, &here, route, ctx, out);
        }
    }

    /// The spots at `node`, where `route` ends.
    fn shape(
        &self,
        doc: &Document,
        node: NodeId,
        path: &FieldPath,
        route: &Route,
        ctx: Context,
        out: &mut Vec<Spot>,
    ) {
        match route.shape {
            Shape::PodSpec => pod_spec(doc, node, path, ctx, out),
            Shape::Container => container(doc, node, path, ctx, out),
            // An optional field left unset (`null`, `""`) means the
            // operator's default: no image here, and nothing wrong.
            Shape::Image
                if doc
                    .scalar(node)
                    .is_some_and(|s| s.is_null() || s.value.is_empty()) => {}
            Shape::Image => push(out, node, path.clone(), ctx),
            Shape::PodTemplate => self.pod_template(doc, node, path, ctx, out),
            Shape::Fields(_) => self.fields(doc, node, path, &route.fields, ctx, out),
            // Only meaningful inside `Fields`, which resolves it.
            Shape::Same => {}
        }
    }

    /// A pod template: its `metadata` can opt out, and its `spec` is a pod
    /// spec.
    fn pod_template(
        &self,
        doc: &Document,
        node: NodeId,
        path: &FieldPath,
        ctx: Context,
        out: &mut Vec<Spot>,
    ) {
        let ctx = Context {
            opted_out: ctx.opted_out || self.opts_out(doc, node),
            ..ctx
        };
        for spec in doc.get(node, "spec") {
            pod_spec(doc, spec, &path.key("spec"), ctx, out);
        }
    }

    /// A mapping whose images are at `fields`; `Shape::Same` among them is
    /// `fields` again, one level down. The YAML tree is finite, and each level
    /// is deeper, so the recursion ends; `MAX_FIELDS_DEPTH` bounds it anyway.
    fn fields(
        &self,
        doc: &Document,
        node: NodeId,
        path: &FieldPath,
        fields: &[Route],
        ctx: Context,
        out: &mut Vec<Spot>,
    ) {
        let mut stack = vec![(node, path.clone(), ctx.opted_out, 0usize)];
        while let Some((node, path, opted_out, depth)) = stack.pop() {
            let ctx = Context {
                opted_out: opted_out || self.opts_out(doc, node),
                ..ctx
            };
            for field in fields {
                for (found, at) in resolve(doc, node, &field.steps, &path) {
                    match field.shape {
                        Shape::Same if depth < MAX_FIELDS_DEPTH => {
                            stack.push((found, at, ctx.opted_out, depth + 1));
                        }
                        Shape::Same => {}
                        _ => self.shape(doc, found, &at, field, ctx, out),
                    }
                }
            }
        }
    }

    /// The mapping's `metadata.annotations` opts out.
    pub(crate) fn opts_out(&self, doc: &Document, node: NodeId) -> bool {
        doc.get(node, "metadata")
            .flat_map(|m| doc.get(m, "annotations"))
            .flat_map(|a| doc.get(a, self.opt_out_annotation))
            .filter_map(|v| doc.str(v))
            .any(|v| v.eq_ignore_ascii_case("disabled"))
    }
}

#[cfg(test)]
mod tests {
    use super::generic::{MAX_GENERIC_DEPTH, generic_spots};
    use super::objects::MAX_LIST_DEPTH;
    use super::*;
    use crate::yaml::parse;

    fn locator(operator_images: bool) -> Locator<'static> {
        Locator {
            extra: &[],
            opt_out_annotation: "example.com/cache",
            generic: true,
            operator_images,
        }
    }

    fn paths(text: &str) -> Vec<(String, bool)> {
        let docs = parse(text).unwrap();
        locator(true)
            .sites(&docs[0])
            .into_iter()
            .map(|s| (s.path.to_string(), s.opted_out))
            .collect()
    }

    fn path_list(text: &str) -> Vec<String> {
        paths(text).into_iter().map(|p| p.0).collect()
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
    fn items_of_a_kind_that_is_not_a_list_are_not_objects() {
        let text = "apiVersion: example.com/v1\nkind: Catalog\nitems:\n- apiVersion: v1\n  kind: Pod\n  spec: {containers: [{image: a}]}\n";
        assert!(paths(text).is_empty());
    }

    /// A pod inside `depth` nested `List`s.
    fn pod_in_lists(depth: usize) -> String {
        let mut text = "{apiVersion: v1, kind: Pod, spec: {containers: [{image: a}]}}".to_string();
        for _ in 0..depth {
            text = format!("{{apiVersion: v1, kind: List, items: [{text}]}}");
        }
        text
    }

    #[test]
    fn lists_nest_at_most_eight_deep() {
        let found = paths(&pod_in_lists(MAX_LIST_DEPTH));
        assert_eq!(
            found[0].0,
            format!(
                "{}spec.containers[0].image",
                "items[0].".repeat(MAX_LIST_DEPTH)
            )
        );
        assert!(paths(&pod_in_lists(MAX_LIST_DEPTH + 1)).is_empty());
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

    #[test]
    fn only_the_apiextensions_custom_resource_definition_skips_the_generic_rule() {
        let text = "apiVersion: example.com/v1\nkind: Thing\nspec: {template: {spec: {containers: [{image: a}]}}}\n";
        let found = ["spec.template.spec.containers[0].image".to_string()];
        let other_group = text.replace("Thing", "CustomResourceDefinition");
        assert_eq!(path_list(&other_group), found);
        let other_kind = text.replace("example.com/v1", "apiextensions.k8s.io/v1");
        assert_eq!(path_list(&other_kind), found);
    }

    #[test]
    fn nested_lists_and_inline_templates() {
        let text = "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nspec:\n  templates:\n  - steps:\n    - - inline: {container: {image: a}}\n      - inline: {steps: [[{inline: {script: {image: b}}}]]}\n    - - inline: {dag: {tasks: [{inline: {container: {image: c}}}]}}\n";
        assert_eq!(
            path_list(text),
            [
                "spec.templates[0].steps[0][0].inline.container.image",
                "spec.templates[0].steps[0][1].inline.steps[0][0].inline.script.image",
                "spec.templates[0].steps[1][0].inline.dag.tasks[0].inline.container.image",
            ]
        );
    }

    /// An Argo Workflow whose container is `depth` inline templates deep.
    fn inline_templates(depth: usize) -> String {
        let mut template = "{container: {image: a}}".to_string();
        for _ in 0..depth {
            template = format!("{{dag: {{tasks: [{{inline: {template}}}]}}}}");
        }
        format!(
            "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nspec: {{templates: [{template}]}}\n"
        )
    }

    #[test]
    fn inline_templates_nest_at_most_sixteen_deep() {
        let found = path_list(&inline_templates(MAX_FIELDS_DEPTH));
        assert_eq!(
            found,
            [format!(
                "spec.templates[0].{}container.image",
                "dag.tasks[0].inline.".repeat(MAX_FIELDS_DEPTH)
            )]
        );
        assert!(path_list(&inline_templates(MAX_FIELDS_DEPTH + 1)).is_empty());
    }

    /// An unknown kind whose pod template is `pairs` mappings-with-a-list
    /// deep under `spec` (two levels each), and one mapping more if `odd`.
    fn generic_template(pairs: usize, odd: bool) -> String {
        let mut value = "{template: {spec: {containers: [{image: a}]}}}".to_string();
        if odd {
            value = format!("{{k: {value}}}");
        }
        for _ in 0..pairs {
            value = format!("{{k: [{value}]}}");
        }
        format!("apiVersion: example.com/v1\nkind: Thing\nspec: {value}\n")
    }

    #[test]
    fn generic_rule_looks_as_deep_as_its_limit_and_no_deeper() {
        // The mapping holding `template` is MAX_GENERIC_DEPTH levels down,
        // then one more.
        let pairs = MAX_GENERIC_DEPTH / 2;
        assert_eq!(path_list(&generic_template(pairs, false)).len(), 1);
        assert!(path_list(&generic_template(pairs, true)).is_empty());
    }

    #[test]
    fn inline_templates_inherit_opt_out() {
        let text = "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nspec:\n  templates:\n  - metadata: {annotations: {example.com/cache: disabled}}\n    dag: {tasks: [{inline: {container: {image: a}}}]}\n  - dag: {tasks: [{inline: {metadata: {annotations: {example.com/cache: disabled}}, container: {image: b}}}, {inline: {container: {image: c}}}]}\n";
        let got: Vec<bool> = paths(text).into_iter().map(|p| p.1).collect();
        assert_eq!(got, [true, true, false]);
    }

    #[test]
    fn image_shapes_are_precise_paths() {
        let text = "apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nspec:\n  imageName: a\n  imagePullPolicy: Always\n  postgresql:\n    extensions: [{name: x, image: {reference: b, pullPolicy: Always}}]\n";
        assert_eq!(
            path_list(text),
            [
                "spec.imageName",
                "spec.postgresql.extensions[0].image.reference"
            ]
        );
        let list =
            "apiVersion: apps.kruise.io/v1alpha1\nkind: ImageListPullJob\nspec: {images: [a, b]}\n";
        assert_eq!(path_list(list), ["spec.images[0]", "spec.images[1]"]);
        let unset = "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nspec: {image: \"\", thanos: {image: null}, containers: [{image: 5000}]}\n";
        assert_eq!(path_list(unset), ["spec.containers[0].image"]);
    }

    #[test]
    fn an_image_flag_site_starts_after_the_flag() {
        let text = "apiVersion: v1\nkind: Pod\nspec: {containers: [{image: a, args: [--acme-http01-solver-image=b:1]}]}\n";
        let docs = parse(text).unwrap();
        let got: Vec<_> = locator(true)
            .sites(&docs[0])
            .into_iter()
            .map(|s| (s.path.to_string(), s.within))
            .collect();
        let flag = "--acme-http01-solver-image=".len();
        assert_eq!(
            got,
            [
                ("spec.containers[0].image".to_string(), 0),
                ("spec.containers[0].args[0]".to_string(), flag)
            ]
        );
    }

    #[test]
    fn operator_rows_follow_the_switch() {
        let text = "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nspec:\n  image: a\n  thanos: {image: b}\n";
        let docs = parse(text).unwrap();
        let on: Vec<_> = locator(true)
            .sites(&docs[0])
            .into_iter()
            .map(|s| s.path.to_string())
            .collect();
        assert_eq!(on, ["spec.image", "spec.thanos.image"]);
        assert!(locator(false).sites(&docs[0]).is_empty());
    }

    #[test]
    fn generic_rule_needs_a_template_key() {
        let text = "apiVersion: example.com/v1\nkind: Thing\nspec:\n  jobs: {spec: {containers: [{image: a}]}}\n";
        assert!(path_list(text).is_empty());
    }

    #[test]
    fn generic_rule_looks_inside_templates_that_are_not_pod_templates() {
        let inner = "template: {spec: {containers: [{image: a}]}}";
        let found = ["spec.template.spec.template.spec.containers[0].image".to_string()];
        for outer in ["", "containers: [], ", "containers: [{name: b}], "] {
            let text = format!(
                "apiVersion: example.com/v1\nkind: Thing\nspec: {{template: {{spec: {{{outer}{inner}}}}}}}\n"
            );
            assert_eq!(path_list(&text), found, "{text}");
        }
    }

    #[test]
    fn generic_rule_accepts_pod_template_keys() {
        let text = "apiVersion: elasticsearch.k8s.elastic.co/v1\nkind: Elasticsearch\nspec:\n  nodeSets: [{podTemplate: {spec: {containers: [{image: a}]}}}, {podTemplate: {spec: {containers: [{name: b}]}}}]\n  values: {podTemplate: {containers: [{image: c}]}}\n";
        assert_eq!(
            path_list(text),
            ["spec.nodeSets[0].podTemplate.spec.containers[0].image"]
        );
    }

    /// The switch's contract, over every golden file and corpus chart: with
    /// it off, a kind of the operator table is located exactly as a kind
    /// nobody knows (the generic rule), and every other document exactly as
    /// with it on; with it on, nothing found with it off is lost.
    #[test]
    fn operator_switch_off_is_the_generic_rule() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
        let mut files = Vec::new();
        for dir in ["rewrite", "corpus"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                files.push(entry.unwrap().path());
            }
        }
        let key = |s: &Spot| (s.node, s.path.to_string(), s.opted_out);
        let mut operator_docs = 0;
        for file in files {
            let Ok(text) = std::fs::read_to_string(&file) else {
                continue;
            };
            let Ok(docs) = parse(&text) else { continue };
            for doc in &docs {
                let Some(root) = doc.root else { continue };
                let on: Vec<_> = locator(true).sites(doc).iter().map(key).collect();
                let off: Vec<_> = locator(false).sites(doc).iter().map(key).collect();
                let name = file.display();
                assert!(off.iter().all(|s| on.contains(s)), "{name}: lost {off:?}");
                let group = workload::group(doc.get_str(root, "apiVersion").unwrap_or_default());
                let kind = doc.get_str(root, "kind").unwrap_or_default();
                if workload::find(workload::operators(), group, kind).is_some() {
                    operator_docs += 1;
                    let generic = generic_spots(&locator(false), doc, root);
                    let generic: Vec<_> = generic.iter().map(key).collect();
                    assert_eq!(off, generic, "{name}: {kind} with the switch off");
                } else if !kind.ends_with("List") {
                    // Other kinds gain only their containers' image env vars
                    // and flags with the switch on.
                    let configuration = |path: &str| {
                        [".env[", ".args[", ".command["]
                            .iter()
                            .any(|p| path.contains(p))
                    };
                    let gained: Vec<_> = on.iter().filter(|s| !off.contains(s)).collect();
                    assert!(
                        gained.iter().all(|s| configuration(&s.1)),
                        "{name}: {kind} changed with the switch: {gained:?}"
                    );
                }
            }
        }
        assert!(
            operator_docs > 20,
            "only {operator_docs} operator documents"
        );
    }
}
