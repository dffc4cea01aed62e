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

use pullthrough::rules::Rules;
use pullthrough::{Config, Outcome, rewrite};

use crate::kit::invariants::rewrite_invariants;
use crate::kit::run::{files, root};
use crate::kit::{REGISTRY, rules};

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

/// The message of a caught panic.
fn message(panic: Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
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
        // The invariants every rewrite keeps (tests/kit/invariants.rs): the
        // edits in order and inside the input, bytes outside them identical,
        // the output parses and reads the same except at the edits (where it
        // reads as a rewritten image), a second run and rules that match
        // nothing change nothing.
        let config = Config::new(rules.clone());
        let out = std::panic::catch_unwind(|| rewrite_invariants(&input, &config))
            .unwrap_or_else(|panic| panic!("{name}: {}", message(panic)))
            .unwrap_or_else(|| panic!("{name}: the rewrite failed"));
        total_edits += out.edits.len();

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

/// `--no-operator-images` only takes away: over every corpus chart and
/// golden file, the run with it keeps the invariants, and its edits and
/// image records are among those of the run without it (which the corpus
/// invariants above check). The switch-off output itself is pinned by
/// `locate::tests::operator_switch_off_is_the_generic_rule` and by the
/// golden file `operator-images-off.yaml`.
#[test]
fn operator_switch_only_adds() {
    let on = Config::new(rules());
    let mut off = on.clone();
    off.operator_images = false;
    let mut more = 0;
    for path in inputs() {
        let name = path.display().to_string();
        let input = std::fs::read(&path).unwrap();
        let Some(with_off) = rewrite_invariants(&input, &off) else {
            continue;
        };
        let with_on = rewrite(&input, &on).expect("rewrite");
        for edit in &with_off.edits {
            assert!(with_on.edits.contains(edit), "{name}: {edit:?} only off");
        }
        let record = |i: &pullthrough::Image| (i.document, i.path.clone(), i.status.clone());
        let on_images: Vec<_> = with_on.images.iter().map(record).collect();
        for image in with_off.images.iter().map(record) {
            assert!(on_images.contains(&image), "{name}: {image:?} only off");
        }
        more += with_on.edits.len() - with_off.edits.len();
    }
    assert!(more > 50, "the switch should matter, {more} more edits");
}
