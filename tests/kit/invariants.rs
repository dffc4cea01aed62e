//! The invariants of a rewrite, and the registry, rules and config every
//! test uses: shared by the corpus invariants (`tests/invariants.rs`), the
//! property tests (`tests/properties.rs`), the regression tests and the fuzz
//! targets (`fuzz/fuzz_targets/*.rs` include this file by path). Each check
//! panics with what broke.
//!
//! For any bytes, [`rewrite_invariants`] checks that `rewrite` does not panic
//! and that it fails exactly when the input is not UTF-8 or not YAML; when it
//! succeeds:
//!
//! - the edits are in order, disjoint, inside the input, on character
//!   boundaries, and the output is the input with the edits spliced in, so
//!   bytes outside the edit spans are identical;
//! - the output parses, with as many documents, the same shape, and every
//!   scalar reads the same except the edited ones, which read as an image the
//!   rules produced;
//! - a second run makes no edit and returns its input;
//! - rules that match nothing return the input.
//!
//! [`reference_invariants`] checks the reference parser and the rules on one
//! string.

#![allow(dead_code)]

use std::ops::Range;

use pullthrough::rules::{Decision, Keep, Rules, Upstream};
use pullthrough::yaml::{self, Document, NodeKind, ScalarStyle};
use pullthrough::{Config, Outcome, Threads, reference, rewrite};

/// The cache registry of every check.
pub const REGISTRY: &str = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";

/// The rule set the tests are written for (ecr-pull-through.md §0, without
/// the `ecr-public.aws.com` alias): Docker Hub to `docker-hub`, and
/// `quay.io=quay`, `ghcr.io=ghcr`, `registry.k8s.io=k8s`,
/// `public.ecr.aws=ecr-public`.
pub fn rules() -> Rules {
    let mut rules = Rules::new(REGISTRY.to_string(), "docker-hub".to_string());
    rules.upstreams.extend([
        Upstream::verbatim(&["quay.io"], "quay"),
        Upstream::verbatim(&["ghcr.io"], "ghcr"),
        Upstream::verbatim(&["registry.k8s.io"], "k8s"),
        Upstream::verbatim(&["public.ecr.aws"], "ecr-public"),
    ]);
    rules
}

/// [`rules`] with every other setting at its default.
pub fn config() -> Config {
    Config::new(rules())
}

/// Rewrites `input` with `config` and checks every invariant. Returns the
/// outcome when the input was accepted.
pub fn rewrite_invariants(input: &[u8], config: &Config) -> Option<Outcome> {
    let result = rewrite(input, config);
    let text = std::str::from_utf8(input);
    let out = match result {
        Err(e) => {
            // It fails only where the input is not UTF-8 or not YAML.
            if let Ok(text) = text {
                assert!(
                    yaml::parse(text).is_err(),
                    "rewrite failed ({e}) on input that parses"
                );
            }
            return None;
        }
        Ok(out) => out,
    };
    let text = text.expect("rewrite accepted invalid UTF-8");
    let before = yaml::parse(text).expect("rewrite accepted input that does not parse");

    // The edits: in order, disjoint, inside the input, on char boundaries.
    let mut at = 0;
    for edit in &out.edits {
        let span = &edit.span;
        assert!(
            at <= span.start && span.start <= span.end && span.end <= text.len(),
            "edit {span:?} out of order or out of bounds (previous end {at})"
        );
        assert!(
            text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
            "edit {span:?} splits a character"
        );
        at = span.end;
    }
    // Bytes outside the edit spans are identical.
    assert_eq!(
        splice(text, &out.edits),
        out.text,
        "bytes outside the edits changed"
    );
    let results: Vec<&str> = out
        .images
        .iter()
        .filter_map(|i| i.result.as_deref())
        .collect();
    assert_eq!(
        results.len(),
        out.edits.len(),
        "one edit per rewritten image"
    );

    // The output parses and reads the same except at the edits.
    let after = yaml::parse(&out.text).unwrap_or_else(|e| {
        panic!(
            "the output does not parse: {e}\n--- input\n{text:?}\n--- output\n{:?}",
            out.text
        )
    });
    assert_eq!(before.len(), after.len(), "document count changed");
    for (a, b) in before.iter().zip(&after) {
        same_but_edits(a, b, text, &out.edits, &results);
    }

    // A second run changes nothing.
    let again = rewrite(out.text.as_bytes(), config).expect("second run failed");
    assert!(
        again.edits.is_empty(),
        "second run edited {:?}\n--- output\n{:?}",
        again.edits,
        out.text
    );
    assert_eq!(again.text, out.text, "second run changed the text");

    // Rules that match nothing: the output is the input.
    let mut nothing = config.clone();
    nothing.rules.upstreams.clear();
    let same = rewrite(input, &nothing).expect("no-op rules failed where rules did not");
    assert!(same.edits.is_empty(), "no-op rules edited");
    assert_eq!(same.text.as_bytes(), input, "no-op rules changed bytes");
    Some(out)
}

/// The input with the edits spliced in, by hand (not with `splice::apply`).
pub fn splice(text: &str, edits: &[pullthrough::Edit]) -> String {
    let mut out = String::new();
    let mut at = 0;
    for edit in edits {
        out.push_str(&text[at..edit.span.start]);
        out.push_str(&edit.text);
        at = edit.span.end;
    }
    out.push_str(&text[at..]);
    out
}

/// Walks two documents in step: the same shape, the same scalar styles, the
/// same values except for scalars whose span holds an edit, which must read
/// as one of the rewritten images, or (a document embedded in the string)
/// as the original value with the edits' bytes replaced by their new text,
/// each holding a rewritten image.
fn same_but_edits(
    a: &Document,
    b: &Document,
    text: &str,
    all: &[pullthrough::Edit],
    results: &[&str],
) {
    let edits: Vec<Range<usize>> = all.iter().map(|e| e.span.clone()).collect();
    assert_eq!(a.root.is_some(), b.root.is_some(), "root");
    let mut stack: Vec<(usize, usize)> = a.root.zip(b.root).into_iter().collect();
    while let Some((x, y)) = stack.pop() {
        let line = a.node(x).line;
        match (&a.node(x).kind, &b.node(y).kind) {
            (NodeKind::Scalar(s), NodeKind::Scalar(t)) => {
                let span = &a.node(x).span;
                let edited = edits
                    .iter()
                    .any(|e| e.start >= span.start && e.end <= span.end);
                if edited {
                    let value = match t.style {
                        ScalarStyle::Literal | ScalarStyle::Folded => {
                            t.value.trim_end_matches('\n')
                        }
                        _ => &t.value,
                    };
                    // A rewritten image; an operator flag's `--flag=` kept as
                    // written before one; or an embedded document's value
                    // with its images replaced.
                    let flag = results.iter().any(|r| {
                        value
                            .strip_suffix(r)
                            .is_some_and(|flag| flag.ends_with('=') && s.value.starts_with(flag))
                    });
                    let inside: Vec<&pullthrough::Edit> = all
                        .iter()
                        .filter(|e| e.span.start >= span.start && e.span.end <= span.end)
                        .collect();
                    assert!(
                        results.contains(&value)
                            || flag
                            || (inside
                                .iter()
                                .all(|e| results.iter().any(|r| e.text.contains(r)))
                                && replaced(text, &s.value, &inside, &t.value)),
                        "line {line}: edited scalar reads {value:?}, neither a rewritten image \
                         nor its value with images replaced"
                    );
                    assert!(t.is_string(), "line {line}: edited scalar is no string");
                } else {
                    assert_eq!(s.value, t.value, "line {line}: scalar changed");
                }
                assert_eq!(s.style, t.style, "line {line}: scalar style changed");
                assert_eq!(s.anchored, t.anchored, "line {line}: anchor changed");
                assert_eq!(s.tag, t.tag, "line {line}: tag changed");
            }
            (NodeKind::Mapping(p), NodeKind::Mapping(q)) => {
                assert_eq!(p.len(), q.len(), "line {line}: mapping size changed");
                for (&(k1, v1), &(k2, v2)) in p.iter().zip(q) {
                    stack.push((k1, k2));
                    stack.push((v1, v2));
                }
            }
            (NodeKind::Sequence(p), NodeKind::Sequence(q)) => {
                assert_eq!(p.len(), q.len(), "line {line}: sequence length changed");
                stack.extend(p.iter().copied().zip(q.iter().copied()));
            }
            (NodeKind::Alias, NodeKind::Alias) => {}
            _ => panic!("line {line}: node kind changed"),
        }
    }
}

/// `after` is `before` with each edit's original bytes (`text[span]`), in
/// order, replaced by the edit's text: some choice of occurrences works.
fn replaced(text: &str, before: &str, edits: &[&pullthrough::Edit], after: &str) -> bool {
    let Some((first, rest)) = edits.split_first() else {
        return before == after;
    };
    let old = &text[first.span.clone()];
    before.match_indices(old).any(|(at, _)| {
        let head = &before[..at];
        after.starts_with(head)
            && after[head.len()..].starts_with(&first.text)
            && replaced(
                text,
                &before[at + old.len()..],
                rest,
                &after[head.len() + first.text.len()..],
            )
    })
}

/// Checks the reference parser and the rules on one string:
///
/// - `reference::parse` does not panic; for a reference, the tag and digest
///   are substrings of the input, and the canonical form parses back to the
///   same reference and prints the same;
/// - `Rules::decide` does not panic; a rewritten image is a valid reference
///   on the cache registry, needs no quoting in YAML, and is left alone by a
///   second decision.
pub fn reference_invariants(input: &str, rules: &Rules) {
    if let Ok(r) = reference::parse(input) {
        let bounds = input.as_bytes().as_ptr_range();
        let inside = |s: &str| {
            let range = s.as_bytes().as_ptr_range();
            bounds.start <= range.start && range.end <= bounds.end
        };
        assert!(r.tag.is_none_or(inside), "{input:?}: tag not in the input");
        assert!(
            r.digest.is_none_or(inside),
            "{input:?}: digest not in the input"
        );
        if let Some(tag) = r.tag {
            assert!(input.contains(&format!(":{tag}")), "{input:?}: tag {tag:?}");
        }
        if let Some(digest) = r.digest {
            assert!(input.ends_with(&format!("@{digest}")), "{input:?}: digest");
        }
        let canonical = r.to_string();
        let again = reference::parse(&canonical)
            .unwrap_or_else(|e| panic!("{input:?}: canonical {canonical:?} does not parse: {e}"));
        assert_eq!(
            again, r,
            "{input:?}: canonical {canonical:?} parses differently"
        );
        assert_eq!(
            again.to_string(),
            canonical,
            "{input:?}: canonical form not stable"
        );
    }
    if let Decision::Rewrite { image, .. } = rules.decide(input) {
        let r = reference::parse(&image)
            .unwrap_or_else(|e| panic!("{input:?}: rewritten {image:?} does not parse: {e}"));
        assert_eq!(r.domain, rules.registry, "{input:?}: rewritten {image:?}");
        assert!(
            image
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-/:@".contains(&b)),
            "{input:?}: rewritten {image:?} would need quoting"
        );
        assert_eq!(
            rules.decide(&image),
            Decision::Keep(Keep::AlreadyCached),
            "{input:?}: rewritten {image:?} is rewritten again"
        );
    }
}

/// The parallel path against the sequential one: `input` cut into up to
/// `threads` parts (however short it is) gives exactly the one-thread
/// outcome (text, edits, images, warnings: stdout, stderr and the report),
/// or exactly its error (message and exit code). Returns whether the input
/// had a seam to cut at, so callers can tell a real comparison from a
/// stream read whole.
pub fn parallel_matches(input: &[u8], config: &Config, threads: usize) -> bool {
    let count = std::num::NonZeroUsize::new(threads).expect("threads >= 1");
    let parallel = pullthrough::rewrite_with(
        input,
        config,
        Threads {
            count,
            min_bytes: 0,
        },
    );
    let sequential = rewrite(input, config);
    assert_eq!(
        parallel,
        sequential,
        "{threads} threads differ from one on {:?}",
        String::from_utf8_lossy(input)
    );
    std::str::from_utf8(input).is_ok_and(|text| !pullthrough::seams(text, threads).is_empty())
}
