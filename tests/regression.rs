//! What fuzzing (`fuzz/`), the property tests (`tests/properties.rs`) and
//! reviews found, one test each, with the input that found it (minimised,
//! or a fixture in `testdata/`). Every test also runs the invariants of
//! `properties/check.rs` on its input.

use pullthrough::{Status, rewrite};

use crate::kit::REGISTRY;
use crate::kit::invariants::{config, rewrite_invariants};
use crate::kit::run::{root, run};

/// A Pod whose only image is written `image:` + `value`, with no line
/// break at the end of the stream.
fn pod_ending_in(value: &str) -> String {
    format!("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: {value}")
}

/// Fuzz target `rewrite`, within the first minute, input `|\n d`
/// (minimised): a block scalar whose last line has no line break at the end
/// of the stream made libyaml-safer 0.3.0 panic ("unexpected end of input",
/// scanner.rs:166; simonask/libyaml-safer#6), and the binary exit 101. The
/// parser now reads one more line break past the end of the text.
#[test]
fn block_scalar_at_end_of_stream_without_line_break() {
    for input in ["|\n d", "a: |\n b", "a: >-\n b", "- |+\n  x"] {
        let out = rewrite_invariants(input.as_bytes(), &config());
        assert!(out.is_some(), "{input:?} is valid YAML");
    }
    // Upstream's reproducer (not YAML): no panic either.
    rewrite_invariants(b"a: ''|\n 0", &config());
    // All three read as "nginx", as go-yaml reads them: the line break the
    // parser is given past the end is not part of the value.
    for (value, rewritten) in [
        ("|-\n      nginx", true),
        ("|\n      nginx", true),
        (">\n      nginx", true),
    ] {
        let input = pod_ending_in(value);
        let out = rewrite_invariants(input.as_bytes(), &config()).expect("valid YAML");
        assert_eq!(out.images.len(), 1, "{input:?}");
        assert_eq!(out.edits.len(), usize::from(rewritten), "{input:?}");
        assert_eq!(out.warnings.len(), usize::from(!rewritten), "{input:?}");
    }
}

/// Fuzz target `rewrite`, within the first minute, input `[!,`: a tag
/// followed by `,` in a flow collection made libyaml-safer 0.3.0 panic
/// ("TODO: What is expected here?", scanner.rs:1112;
/// simonask/libyaml-safer#7). libyaml reads `[!!str,a]` as a tagged empty
/// scalar and `a`; libyaml-safer cannot, so it is now an input error (a
/// documented limitation), not a crash.
#[test]
fn tag_before_comma_in_flow_collection() {
    for input in [
        "[!,",
        "[!!str,a]",
        "{a: !x,}",
        &pod_ending_in("[!!str,nginx]"),
    ] {
        assert!(rewrite(input.as_bytes(), &config()).is_err(), "{input:?}");
        rewrite_invariants(input.as_bytes(), &config());
    }
}

/// Fuzz target `rewrite` (dependency panic at scanner.rs:1541, noted by the
/// target's hook): a double-quoted scalar ending in `\` at the end of the
/// stream made libyaml-safer 0.3.0 panic on `buffer.get(1).unwrap()`. The
/// line break the parser now reads past the end makes it an input error.
#[test]
fn backslash_at_end_of_stream_in_double_quotes() {
    for input in ["\"\\", "a: \"x\\", &pod_ending_in("\"nginx\\")] {
        assert!(rewrite(input.as_bytes(), &config()).is_err(), "{input:?}");
        rewrite_invariants(input.as_bytes(), &config());
    }
}

/// Property test `mutated_golden_files` (mutations `[Bom, Bom]` on
/// testdata/rewrite/bom-and-multibyte.yaml): with two BOMs at the start,
/// libyaml-safer's reader ate the second one without counting it in its
/// marks, so every span was 3 bytes early and the edit cut into the key:
/// `imag123456789012.dkr.ecr…/library/nginxinx`, exit 0, a corrupt
/// manifest. The parser is now given a BOM of its own, sees the text's BOM
/// as a character, and the stream is an error, as in libyaml and go-yaml
/// (the second BOM puts the first key in column 2).
#[test]
fn second_bom_at_start_of_stream() {
    let pod = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: nginx\n";
    let input = format!("\u{feff}\u{feff}{pod}");
    assert!(rewrite(input.as_bytes(), &config()).is_err());
    rewrite_invariants(input.as_bytes(), &config());
    // One BOM, or none: rewritten in place.
    for input in [format!("\u{feff}{pod}"), pod.to_string()] {
        let out = rewrite_invariants(input.as_bytes(), &config()).expect("valid");
        assert!(out.text.ends_with(
            "    image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub/library/nginx\n"
        ));
    }
}

/// Found while fixing the double BOM (libyaml-safer's `reader.rs` reads a
/// first byte 0xEF as the start of a BOM): a stream whose first character
/// is in U+F000..U+FFFF, like `＃` (U+FF03), was rejected as an "invalid
/// byte order marker". It is now read like any other character.
#[test]
fn first_character_encoded_with_0xef() {
    for first in ["\u{f000}", "\u{ff03}", "\u{fffd}"] {
        let input = format!("{first}: x\n---\n{}\n", pod_ending_in("nginx"));
        let out = rewrite_invariants(input.as_bytes(), &config()).expect("valid YAML");
        assert_eq!(out.edits.len(), 1, "{input:?}");
    }
}

/// Found in the review of issue 22: the embedded documents had a list walk
/// of their own, `kind == "List"`, where the locator takes any kind ending
/// in `List`, nested. An Argo Workflows resource template's `manifest` in a
/// `WorkflowList`, or among a KRM `ResourceList`'s items, was left as
/// written (`nginx:1` stayed), while in a plain `List` it was rewritten.
/// One function now walks the lists for every finder.
#[test]
fn embedded_manifest_in_workflow_list_and_resource_list() {
    let cached = format!("image: {REGISTRY}/docker-hub/library/nginx:1");
    for (file, manifests) in [
        ("embedded-in-list-kinds.yaml", 3),
        ("embedded-in-resource-list.yaml", 1),
    ] {
        let input = std::fs::read(root().join("testdata/rewrite").join(file)).unwrap();
        let out = rewrite_invariants(&input, &config()).expect("valid YAML");
        let embedded: Vec<_> = out
            .images
            .iter()
            .filter(|i| i.path.to_string().contains("resource.manifest: "))
            .collect();
        assert_eq!(embedded.len(), manifests, "{file}: {:?}", out.images);
        assert!(
            embedded.iter().all(|i| i.status == Status::Rewritten),
            "{file}: {embedded:?}"
        );
        assert_eq!(out.text.matches(&cached).count(), manifests, "{file}");
        assert!(!out.text.contains("image: nginx:1"), "{file}");
    }
    // The ResourceList as kustomize and kpt hand it to the KRM function.
    let input =
        std::fs::read(root().join("testdata/rewrite/embedded-in-resource-list.yaml")).unwrap();
    let krm = run(&["--registry", REGISTRY], &input);
    assert_eq!(krm.code, 0, "{}", krm.stderr);
    assert!(krm.stdout().contains(&cached), "{}", krm.stdout());
}
