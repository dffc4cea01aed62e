//! Pod specs and containers: the `image` of every container list, image
//! volumes, and (with operator images on) each container's image env vars
//! and flags, which [`crate::operator`] reads.

use crate::operator;
use crate::path::FieldPath;
use crate::yaml::{Document, NodeId};

use super::{Object, Spot};

/// The containers lists of a pod spec that hold `image` fields.
/// <https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#PodSpec>
const CONTAINER_LISTS: &[&str] = &["containers", "initContainers", "ephemeralContainers"];

/// What every spot under one object shares.
#[derive(Clone, Copy)]
pub(super) struct Context<'a> {
    pub object: &'a Object,
    pub item: Option<usize>,
    pub opted_out: bool,
    /// Look for the images operators read from their configuration.
    pub operator_images: bool,
}

pub(super) fn push(out: &mut Vec<Spot>, node: NodeId, path: FieldPath, ctx: Context) {
    out.push(spot(node, path, 0, ctx));
}

fn spot(node: NodeId, path: FieldPath, within: usize, ctx: Context) -> Spot {
    Spot {
        node,
        path,
        item: ctx.item,
        object: ctx.object.clone(),
        opted_out: ctx.opted_out,
        within,
    }
}

pub(super) fn container(
    doc: &Document,
    node: NodeId,
    path: &FieldPath,
    ctx: Context,
    out: &mut Vec<Spot>,
) {
    for image in doc.get(node, "image") {
        push(out, image, path.key("image"), ctx);
    }
    if ctx.operator_images {
        for found in operator::images(doc, node, path) {
            out.push(spot(found.node, found.path, found.within, ctx));
        }
    }
}

pub(super) fn pod_spec(
    doc: &Document,
    spec: NodeId,
    path: &FieldPath,
    ctx: Context,
    out: &mut Vec<Spot>,
) {
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
