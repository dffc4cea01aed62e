//! Byte preservation, proved over every corpus chart (116 real rendered
//! bitnami charts, copied from ../shared/corpus into testdata/corpus) and every
//! golden file:
//!
//! - the output parses, and reads the same as the input except at the edits;
//! - bytes outside the edited spans are identical;
//! - a second run changes nothing;
//! - with rules that match nothing, output equals input;
//! - CRLF input gives the same edits as LF input.

use std::path::PathBuf;

use pullthrough::rules::{Rules, Upstream};
use pullthrough::yaml::{self, Document, NodeKind};
use pullthrough::{Config, Outcome, rewrite};

use crate::util::{REGISTRY, files, root};

fn rules() -> Rules {
    let mut rules = Rules::new(REGISTRY.to_string(), "docker-hub".to_string());
    for (host, prefix) in [
        ("quay.io", "quay"),
        ("ghcr.io", "ghcr"),
        ("registry.k8s.io", "k8s"),
    ] {
        rules.upstreams.push(Upstream::verbatim(&[host], prefix));
    }
    rules
}

fn run(input: &[u8], rules: &Rules) -> Outcome {
    rewrite(input, &Config::new(rules.clone())).expect("rewrite")
}

fn inputs() -> Vec<PathBuf> {
    let mut all = files(&root().join("testdata/corpus"));
    assert!(
        all.len() >= 116,
        "the corpus is missing from testdata/corpus"
    );
    all.extend(files(&root().join("testdata/rewrite")));
    all
}

/// Walks two documents in step; every scalar must read the same unless the
/// input scalar's span is one that was edited.
fn same_but_edits(a: &Document, b: &Document, edited: &[std::ops::Range<usize>], name: &str) {
    let mut stack: Vec<(usize, usize)> = a.root.zip(b.root).into_iter().collect();
    assert_eq!(a.root.is_some(), b.root.is_some(), "{name}: root");
    while let Some((x, y)) = stack.pop() {
        match (&a.node(x).kind, &b.node(y).kind) {
            (NodeKind::Scalar(s), NodeKind::Scalar(t)) => {
                let span = &a.node(x).span;
                let was_edited = edited
                    .iter()
                    .any(|e| e.start >= span.start && e.end <= span.end);
                if !was_edited {
                    assert_eq!(s.value, t.value, "{name}: line {}", a.node(x).line);
                }
                assert_eq!(s.style, t.style, "{name}: style at line {}", a.node(x).line);
            }
            (NodeKind::Mapping(p), NodeKind::Mapping(q)) => {
                assert_eq!(
                    p.len(),
                    q.len(),
                    "{name}: mapping at line {}",
                    a.node(x).line
                );
                for (&(k1, v1), &(k2, v2)) in p.iter().zip(q) {
                    stack.push((k1, k2));
                    stack.push((v1, v2));
                }
            }
            (NodeKind::Sequence(p), NodeKind::Sequence(q)) => {
                assert_eq!(
                    p.len(),
                    q.len(),
                    "{name}: sequence at line {}",
                    a.node(x).line
                );
                stack.extend(p.iter().copied().zip(q.iter().copied()));
            }
            (NodeKind::Alias, NodeKind::Alias) => {}
            _ => panic!("{name}: node kinds differ at line {}", a.node(x).line),
        }
    }
}

#[test]
fn corpus_invariants() {
    let rules = rules();
    let nothing = Rules {
        registry: REGISTRY.to_string(),
        upstreams: Vec::new(),
    };
    let mut total_edits = 0;
    for path in inputs() {
        let name = path.display().to_string();
        let input = std::fs::read(&path).unwrap();
        let text = std::str::from_utf8(&input).unwrap();
        let out = run(&input, &rules);
        total_edits += out.edits.len();

        // Bytes outside the edited spans are identical, in order.
        let mut rebuilt = String::new();
        let mut at = 0;
        for edit in &out.edits {
            rebuilt.push_str(&text[at..edit.span.start]);
            rebuilt.push_str(&edit.text);
            at = edit.span.end;
        }
        rebuilt.push_str(&text[at..]);
        assert_eq!(rebuilt, out.text, "{name}: bytes outside the edits changed");

        // The output parses and reads the same except at the edits, where it
        // reads as the new image.
        let before = yaml::parse(text).unwrap();
        let after = yaml::parse(&out.text).unwrap_or_else(|e| panic!("{name}: output: {e}"));
        assert_eq!(before.len(), after.len(), "{name}: document count");
        let spans: Vec<_> = out.edits.iter().map(|e| e.span.clone()).collect();
        for (a, b) in before.iter().zip(&after) {
            same_but_edits(a, b, &spans, &name);
        }
        let again = run(out.text.as_bytes(), &rules);
        let rewritten: Vec<_> = out.images.iter().filter_map(|i| i.result.clone()).collect();
        let reread: Vec<_> = again
            .images
            .iter()
            .filter(|i| {
                out.images
                    .iter()
                    .any(|o| o.result.is_some() && o.path == i.path && o.document == i.document)
            })
            .filter_map(|i| i.original.clone())
            .collect();
        assert_eq!(rewritten, reread, "{name}: rewritten images read back");

        // A second run changes nothing.
        assert!(
            again.edits.is_empty(),
            "{name}: second run edited {:?}",
            again.edits
        );
        assert_eq!(again.text, out.text, "{name}: not idempotent");

        // Rules that match nothing: output is input.
        assert_eq!(
            run(&input, &nothing).text.as_bytes(),
            &input[..],
            "{name}: no-op rules changed bytes"
        );

        // CRLF: the same edits, the same output modulo line endings.
        if !text.contains('\r') {
            let crlf = text.replace('\n', "\r\n");
            let out_crlf = run(crlf.as_bytes(), &rules);
            assert_eq!(
                out_crlf.text,
                out.text.replace('\n', "\r\n"),
                "{name}: CRLF differs"
            );
        }
    }
    assert!(
        total_edits > 500,
        "the corpus should exercise many edits, got {total_edits}"
    );
}
