//! What a run reports: the JSON report (`--report`), `--check`, `images`,
//! and the warnings for values left as written, through the real binary.

use crate::kit::REGISTRY;
use crate::kit::run::{command, run, run_cmd};

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ns}\nspec:\n  containers:\n  - {name: a, image: nginx}\n  - {name: b, image: \"nginx:\"}\n  - {name: c, image: gcr.io/x/y}\n  - {name: d, image: nginx}\n  - {name: e, image: bitnami/redis:7.2}\n";

#[test]
fn report_lists_every_image_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let out = run(
        &["--registry", REGISTRY, "--report", report.to_str().unwrap()],
        POD.as_bytes(),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let images = json["images"].as_array().unwrap();
    assert_eq!(images.len(), 5);
    let first = &images[0];
    assert_eq!(first["document"], 1);
    assert_eq!(first["kind"], "Pod");
    assert_eq!(first["namespace"], "ns");
    assert_eq!(first["name"], "p");
    assert_eq!(first["path"], "spec.containers[0].image");
    assert_eq!(first["line"], 6);
    assert_eq!(first["original"], "nginx");
    assert_eq!(
        first["result"],
        format!("{REGISTRY}/docker-hub/library/nginx")
    );
    assert_eq!(first["status"], "rewritten");
    let statuses: Vec<_> = images
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["rewritten", "invalid", "no-rule", "rewritten", "rewritten"]
    );
    assert!(
        images[1]["reason"]
            .as_str()
            .unwrap()
            .contains("not a valid image reference")
    );
    assert!(images[1]["result"].is_null());
    assert_eq!(json["warnings"].as_array().unwrap().len(), 1);
}

#[test]
fn report_from_environment_and_opt_out_reason() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let input = POD.replace(
        "metadata: {name: p, namespace: ns}",
        "metadata: {name: p, annotations: {idp.jppol.dk/ecr-pull-through-cache: disabled}}",
    );
    let mut cmd = command(&["--registry", REGISTRY]);
    cmd.env("PULLTHROUGH_REPORT", &report);
    let out = run_cmd(cmd, input.as_bytes());
    assert_eq!(out.stdout(), input, "opted out: nothing changes");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert!(
        json["images"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["status"] == "opted-out")
    );
}

#[test]
fn check_prints_changes_and_exits_3() {
    let out = run(&["--registry", REGISTRY, "--check"], POD.as_bytes());
    assert_eq!(out.code, 3);
    assert!(out.stdout.is_empty());
    let lines: Vec<_> = out
        .stderr
        .lines()
        .filter(|l| l.contains("would rewrite"))
        .collect();
    assert_eq!(lines.len(), 3, "{}", out.stderr);
    assert!(
        lines[0].contains("document 1, line 6, column 22: spec.containers[0].image: nginx -> "),
        "{}",
        lines[0]
    );

    let clean = POD
        .replace("image: nginx}", "image: gcr.io/a/b}")
        .replace("bitnami/redis:7.2", "quay.io/a/b");
    let out = run(
        &["--registry", REGISTRY, "--check", "--quiet"],
        clean.as_bytes(),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.is_empty() && out.stderr.is_empty());
}

#[test]
fn images_lists_distinct_pairs() {
    let out = run(&["images", "--registry", REGISTRY], POD.as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout(),
        format!(
            "bitnami/redis:7.2\t{REGISTRY}/docker-hub/bitnami/redis:7.2\nnginx\t{REGISTRY}/docker-hub/library/nginx\n"
        )
    );
    let out = run(
        &["images", "--registry", REGISTRY, "--json", "--quiet"],
        POD.as_bytes(),
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json[1]["image"], "nginx");
    assert_eq!(
        json[1]["cache"],
        format!("{REGISTRY}/docker-hub/library/nginx")
    );
}

#[test]
fn scalars_read_as_go_yaml_reads_them() {
    let input = "apiVersion: v1\nkind: Pod\nspec:\n  containers: [{image: !custom redis}, {image: 0o17}, {image: 2001-12-14}]\n";
    let out = run(&["--registry", REGISTRY, "-q"], input.as_bytes());
    assert!(out.stdout().contains(&format!(
        "{{image: !custom {REGISTRY}/docker-hub/library/redis}}"
    )));
    assert!(out.stdout().contains("{image: 0o17}, {image: 2001-12-14}"));
}
