//! A KRM function's answer through the real binary: results added to any
//! `results` layout, and failures as error results.

use crate::kit::run::run;

const RESOURCE_LIST: &str = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n  spec:\n    containers: [{image: \"nginx:\"}, {image: redis}]\nfunctionConfig: {apiVersion: v1, kind: ConfigMap, data: {registry: r.io}}\n";

#[test]
fn krm_null_results_and_trailing_document_marker() {
    for list in [
        format!("{RESOURCE_LIST}results: null\n"),
        format!("{RESOURCE_LIST}results:\n"),
        format!("{RESOURCE_LIST}---\n"),
    ] {
        let out = run(&["-q"], list.as_bytes());
        assert_eq!(out.code, 0, "{list}: {}", out.stderr);
        let stdout = out.stdout();
        assert!(stdout.contains("r.io/docker-hub/library/redis"), "{stdout}");
        assert!(stdout.contains("\"severity\":\"warning\""), "{stdout}");
    }
}

#[test]
fn krm_report_failure_is_an_error_result() {
    let out = run(
        &["-q", "--report", "/nonexistent/dir/r.json"],
        RESOURCE_LIST.as_bytes(),
    );
    assert_eq!(out.code, 1);
    assert!(
        out.stdout().contains("\"severity\":\"error\""),
        "{}",
        out.stdout()
    );
}
