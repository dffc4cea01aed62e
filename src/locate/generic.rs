//! The generic rule, for kinds neither the table nor the rules file know:
//! pod templates found by their shape under a `template` or `podTemplate`
//! key.

use crate::path::FieldPath;
use crate::yaml::{Document, NodeId};

use super::pod::Context;
use super::{Locator, Spot};

/// How deep the generic rule looks under `spec`.
pub(super) const MAX_GENERIC_DEPTH: usize = 32;

/// The keys under which the generic rule looks for pod templates: most
/// operators say `template`; ECK (`spec.nodeSets[].podTemplate`, Kibana's
/// `spec.podTemplate`) and agent-sandbox's Sandbox say `podTemplate`.
const TEMPLATE_KEYS: &[&str] = &["template", "podTemplate"];

impl Locator<'_> {
    /// Under `spec`, the value of any `template` or `podTemplate` key that is
    /// a mapping whose `spec.containers` is a non-empty list of mappings that
    /// each have a scalar `image` is a pod template. This finds, for example,
    /// grafana-operator's Grafana (`spec.deployment.spec.template`), Argo
    /// Rollouts' AnalysisTemplate job metrics, ECK's `podTemplate`s and
    /// agent-sandbox's Sandbox, and leaves Helm values in a Flux HelmRelease
    /// (`spec.values`) alone unless they look exactly like a pod template
    /// under such a key.
    pub(super) fn generic(
        &self,
        doc: &Document,
        spec: NodeId,
        path: &FieldPath,
        ctx: Context,
        out: &mut Vec<Spot>,
    ) {
        let mut stack = vec![(spec, path.clone(), 0usize)];
        while let Some((node, at, depth)) = stack.pop() {
            if depth > MAX_GENERIC_DEPTH {
                continue;
            }
            for &(k, v) in doc.pairs(node) {
                let Some(key) = doc.str(k) else { continue };
                let here = at.key(key);
                if TEMPLATE_KEYS.contains(&key) && is_pod_template(doc, v) {
                    self.pod_template(doc, v, &here, ctx, out);
                } else {
                    stack.push((v, here, depth + 1));
                }
            }
            for (i, &item) in doc.items(node).iter().enumerate() {
                stack.push((item, at.index(i), depth + 1));
            }
        }
    }
}

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

/// What the generic rule alone finds in the object at `root`, in document
/// order, as [`Locator::sites`] orders them.
#[cfg(test)]
pub(super) fn generic_spots(locator: &Locator, doc: &Document, root: NodeId) -> Vec<Spot> {
    let object = super::Object::default();
    let ctx = Context {
        object: &object,
        item: None,
        opted_out: locator.opts_out(doc, root),
        operator_images: false,
    };
    let mut spots = Vec::new();
    for spec in doc.get(root, "spec") {
        locator.generic(
            doc,
            spec,
            &FieldPath::default().key("spec"),
            ctx,
            &mut spots,
        );
    }
    spots.sort_by_key(|s| doc.node(s.node).span.start);
    spots.dedup_by_key(|s| s.node);
    spots
}
