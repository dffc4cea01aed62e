//! The objects of a document, and who each is: the root, and the items of a
//! list kind, walked by this one function for every finder (the workload
//! table's, the embedded documents').

use crate::path::FieldPath;
use crate::yaml::{Document, NodeId};

/// How deep `*List` kinds may nest in one another (`List` of `List`s).
pub(super) const MAX_LIST_DEPTH: usize = 8;

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

/// One object of a document: a mapping with a `kind`.
#[derive(Debug, Clone)]
pub struct At<'d> {
    pub node: NodeId,
    /// Its field path from the document root (`items[2]` in a list).
    pub path: FieldPath,
    /// The index of the top-level item of a list it is in, however deep
    /// the lists nest.
    pub item: Option<usize>,
    /// Its API group: `apps/v1` → `apps`, `v1` → `""`.
    pub group: &'d str,
    pub object: Object,
}

/// Every object of the document: the root, and the items of every kind
/// whose name ends in `List` (`List`, Argo's `WorkflowList`, a KRM
/// function's `ResourceList`), lists in lists up to [`MAX_LIST_DEPTH`] deep.
/// A list's items come before the list; the items of a kind that is no list
/// are no objects.
pub fn objects(doc: &Document) -> Vec<At<'_>> {
    let mut out = Vec::new();
    if let Some(root) = doc.root {
        walk(doc, root, FieldPath::default(), None, 0, &mut out);
    }
    out
}

fn walk<'d>(
    doc: &'d Document,
    node: NodeId,
    path: FieldPath,
    item: Option<usize>,
    depth: usize,
    out: &mut Vec<At<'d>>,
) {
    let Some(kind) = doc.get_str(node, "kind") else {
        return;
    };
    if kind.ends_with("List") && depth < MAX_LIST_DEPTH {
        let items_path = path.key("items");
        for items in doc.get(node, "items") {
            for (i, &child) in doc.items(items).iter().enumerate() {
                let top = item.or(Some(i));
                walk(doc, child, items_path.index(i), top, depth + 1, out);
            }
        }
    }
    let api_version = doc.get_str(node, "apiVersion").unwrap_or_default();
    let metadata = doc.get(node, "metadata").next();
    let meta = |key| {
        metadata
            .and_then(|m| doc.get_str(m, key))
            .map(str::to_string)
    };
    out.push(At {
        node,
        path,
        item,
        group: crate::workload::group(api_version),
        object: Object {
            kind: kind.to_string(),
            namespace: meta("namespace"),
            name: meta("name"),
        },
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse;

    fn found(text: &str) -> Vec<(String, Option<usize>, String)> {
        let docs = parse(text).unwrap();
        objects(&docs[0])
            .into_iter()
            .map(|at| (at.path.to_string(), at.item, at.object.to_string()))
            .collect()
    }

    #[test]
    fn object_displays_as_kind_namespace_slash_name() {
        let shown = |namespace: Option<&str>, name: Option<&str>| {
            Object {
                kind: "Deployment".into(),
                namespace: namespace.map(str::to_string),
                name: name.map(str::to_string),
            }
            .to_string()
        };
        assert_eq!(shown(Some("prod"), Some("web")), "Deployment prod/web");
        assert_eq!(shown(None, Some("web")), "Deployment web");
        assert_eq!(shown(Some("prod"), None), "Deployment");
        assert_eq!(shown(None, None), "Deployment");
    }

    #[test]
    fn every_list_kind_nested_and_its_top_level_item() {
        let text = "kind: ResourceList\nitems:\n- {kind: Pod, metadata: {name: a}}\n- kind: WorkflowList\n  items: [{kind: Workflow, metadata: {namespace: n, name: b}}]\n- {kind: Catalog, items: [{kind: Pod}]}\n";
        assert_eq!(
            found(text),
            [
                ("items[0]".to_string(), Some(0), "Pod a".to_string()),
                ("items[1].items[0]".into(), Some(1), "Workflow n/b".into()),
                ("items[1]".into(), Some(1), "WorkflowList".into()),
                ("items[2]".into(), Some(2), "Catalog".into()),
                ("".into(), None, "ResourceList".into()),
            ]
        );
    }
}
