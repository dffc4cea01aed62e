//! Where a table path leads in one document: its steps, parsed once
//! ([`Steps`]), followed from a node.

use crate::path::FieldPath;
use crate::workload::{Step, Steps};
use crate::yaml::{Document, NodeId};

/// Every node the steps lead to from `root`, with its field path (`prefix`
/// and the keys and indexes below it): a key's value, then every item of it
/// as many times as the step's lists; for `*`, every value of a mapping.
pub fn resolve(
    doc: &Document,
    root: NodeId,
    steps: &Steps,
    prefix: &FieldPath,
) -> Vec<(NodeId, FieldPath)> {
    let mut here = vec![(root, prefix.clone())];
    for step in steps.iter() {
        let mut next = Vec::new();
        for (node, at) in here {
            let (key, lists) = match step {
                Step::AnyValue => {
                    for &(k, v) in doc.pairs(node) {
                        if let Some(key) = doc.str(k) {
                            next.push((v, at.key(key)));
                        }
                    }
                    continue;
                }
                Step::Key { key, lists } => (key.as_str(), *lists),
            };
            let mut level: Vec<_> = doc.get(node, key).map(|v| (v, at.key(key))).collect();
            for _ in 0..lists {
                let mut items = Vec::new();
                for (list, at) in level {
                    for (i, &item) in doc.items(list).iter().enumerate() {
                        items.push((item, at.index(i)));
                    }
                }
                level = items;
            }
            next.extend(level);
        }
        here = next;
    }
    here
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse;

    #[test]
    fn keys_lists_of_lists_and_any_value() {
        let docs = parse("a: {x: {s: [[1, 2], [3]]}, y: {s: [[4]]}, z: 5}\n").unwrap();
        let doc = &docs[0];
        let found: Vec<String> = resolve(
            doc,
            doc.root.unwrap(),
            &Steps::parse("a.*.s[][]").unwrap(),
            &FieldPath::default(),
        )
        .into_iter()
        .map(|(node, path)| format!("{path}={}", doc.str(node).unwrap()))
        .collect();
        assert_eq!(
            found,
            [
                "a.x.s[0][0]=1",
                "a.x.s[0][1]=2",
                "a.x.s[1][0]=3",
                "a.y.s[0][0]=4"
            ]
        );
    }
}
