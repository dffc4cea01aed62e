//! Several files as one output stream: each starts a new document, a byte
//! order mark only at the very start, JSON never read as the whole stream.

use crate::kit::REGISTRY;
use crate::kit::run::run;

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ns}\nspec:\n  containers:\n  - {name: a, image: nginx}\n  - {name: b, image: \"nginx:\"}\n  - {name: c, image: gcr.io/x/y}\n  - {name: d, image: nginx}\n  - {name: e, image: bitnami/redis:7.2}\n";

#[test]
fn a_bom_on_a_later_file_is_not_left_mid_stream() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.yaml"), dir.path().join("b.yaml"));
    std::fs::write(&a, POD).unwrap();
    std::fs::write(&b, format!("\u{feff}{POD}")).unwrap();
    let out = run(
        &[
            "--registry",
            REGISTRY,
            "-q",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stdout().contains('\u{feff}'));
    let again = run(&["--registry", REGISTRY, "-q"], &out.stdout);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(again.stdout, out.stdout);
}

#[test]
fn a_json_first_file_does_not_make_the_stream_json() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.yaml"));
    std::fs::write(
        &a,
        r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}"#,
    )
    .unwrap();
    std::fs::write(&b, POD).unwrap();
    let out = run(
        &[
            "--registry",
            REGISTRY,
            "-q",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
        ],
        b"",
    );
    assert!(
        out.stdout().starts_with("---\n{\"apiVersion\""),
        "{}",
        out.stdout()
    );
    let single = run(&["--registry", REGISTRY, a.to_str().unwrap()], b"");
    assert!(single.stdout().starts_with('{'), "one file stays as it is");
}
