//! Renames (issue 20) through the real binary: the flag, the variable and
//! the rules file give the same bytes; bad values are usage errors; the
//! report, `--check` and `images` show both steps.

use crate::kit::REGISTRY;
use crate::kit::run::{command, run, run_cmd};

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: bitnami/redis:7.2}\n  - {name: b, image: ghcr.io/bitnami/redis:7.2}\n  - {name: c, image: 'registry-1.docker.io/bitnami/postgresql:16'}\n  - {name: d, image: busybox:1.36}\n";

#[test]
fn the_flag_the_variable_and_the_rules_file_give_the_same_bytes() {
    let flags = run(
        &[
            "--registry",
            REGISTRY,
            "--rename",
            "bitnami=bitnamilegacy",
            "--rename",
            "busybox=ghcr.io/mirror/busybox",
        ],
        POD.as_bytes(),
    );
    assert_eq!(flags.code, 0, "{}", flags.stderr);
    let out = flags.stdout();
    assert!(
        out.contains(&format!("{REGISTRY}/docker-hub/bitnamilegacy/redis:7.2")),
        "{out}"
    );
    assert!(out.contains(&format!(
        "{REGISTRY}/docker-hub/bitnamilegacy/postgresql:16"
    )));
    assert!(out.contains("image: ghcr.io/bitnami/redis:7.2}"), "{out}");
    assert!(out.contains("image: ghcr.io/mirror/busybox:1.36}"), "{out}");

    let mut cmd = command(&["--registry", REGISTRY]);
    cmd.env(
        "PULLTHROUGH_RENAMES",
        " bitnami=bitnamilegacy , busybox=ghcr.io/mirror/busybox",
    );
    let env = run_cmd(cmd, POD.as_bytes());
    assert_eq!(
        (env.code, &env.stdout),
        (0, &flags.stdout),
        "{}",
        env.stderr
    );

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rules.yaml");
    std::fs::write(
        &file,
        "renames:\n- {from: bitnami, to: bitnamilegacy}\n- from: busybox\n  to: ghcr.io/mirror/busybox\n",
    )
    .unwrap();
    let args = ["--registry", REGISTRY, "--config", file.to_str().unwrap()];
    let from_file = run(&args, POD.as_bytes());
    assert_eq!(
        (from_file.code, &from_file.stdout),
        (0, &flags.stdout),
        "{}",
        from_file.stderr
    );

    // Layered like every list: the flag's list replaces the file's whole.
    let mut args = args.to_vec();
    args.extend(["--rename", "busybox=ghcr.io/mirror/busybox"]);
    let over = run(&args, POD.as_bytes()).stdout();
    assert!(
        over.contains(&format!("{REGISTRY}/docker-hub/bitnami/redis:7.2")),
        "{over}"
    );
}

#[test]
fn bad_renames_are_usage_errors_naming_the_value() {
    for (value, named) in [
        ("bitnami=Bitnami", "\"Bitnami\""),
        ("bitnami=Bitnami/redis", "\"Bitnami/redis\""),
        ("bitnami=_legacy", "\"_legacy\""),
        ("bitnami=a/_b", "\"a/_b\""),
        ("bitnami=bitnamilegacy:1", "\"bitnamilegacy:1\""),
        (
            "bitnami=bitnamilegacy@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "bitnamilegacy@sha256",
        ),
        ("=bitnamilegacy", "FROM is empty"),
        ("bitnami", "\"bitnami\""),
    ] {
        let out = run(&["--registry", REGISTRY, "--rename", value], POD.as_bytes());
        assert_eq!(out.code, 2, "{value}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{value}");
        assert!(out.stderr.contains(named), "{value}: {}", out.stderr);

        let mut cmd = command(&["--registry", REGISTRY]);
        cmd.env("PULLTHROUGH_RENAMES", value);
        let out = run_cmd(cmd, POD.as_bytes());
        assert_eq!(out.code, 2, "{value}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{value}");
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rules.yaml");
    std::fs::write(&file, "renames: [{from: bitnami, to: Legacy}]\n").unwrap();
    let out = run(
        &["--registry", REGISTRY, "--config", file.to_str().unwrap()],
        POD.as_bytes(),
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stdout.is_empty());
    assert!(out.stderr.contains("rules.yaml"), "{}", out.stderr);
    assert!(out.stderr.contains("\"Legacy\""), "{}", out.stderr);
}

#[test]
fn the_report_records_original_renamed_and_final() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let out = run(
        &[
            "--registry",
            REGISTRY,
            "--rename",
            "bitnami=bitnamilegacy",
            "--rename",
            "busybox=ghcr.io/mirror/busybox",
            "--report",
            report.to_str().unwrap(),
        ],
        POD.as_bytes(),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let images = json["images"].as_array().unwrap();
    assert_eq!(images[0]["original"], "bitnami/redis:7.2");
    assert_eq!(images[0]["renamed"], "docker.io/bitnamilegacy/redis:7.2");
    assert_eq!(
        images[0]["result"],
        format!("{REGISTRY}/docker-hub/bitnamilegacy/redis:7.2")
    );
    assert_eq!(images[0]["status"], "rewritten");
    assert!(images[1].get("renamed").is_none(), "{}", images[1]);
    assert_eq!(images[3]["renamed"], "ghcr.io/mirror/busybox:1.36");
    assert_eq!(images[3]["result"], "ghcr.io/mirror/busybox:1.36");
    assert_eq!(images[3]["status"], "renamed");
    assert_eq!(
        images[3]["reason"],
        "renamed, and not cached: no pull-through cache rule for host \"ghcr.io\""
    );
}

#[test]
fn check_lists_both_steps_and_images_lists_the_final_images() {
    let args = [
        "--registry",
        REGISTRY,
        "--rename",
        "bitnami=bitnamilegacy",
        "--rename",
        "busybox=ghcr.io/mirror/busybox",
    ];
    let mut check = args.to_vec();
    check.push("--check");
    let out = run(&check, POD.as_bytes());
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.contains(&format!(
            ": bitnami/redis:7.2 -> docker.io/bitnamilegacy/redis:7.2 -> \
             {REGISTRY}/docker-hub/bitnamilegacy/redis:7.2\n"
        )),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains(": busybox:1.36 -> ghcr.io/mirror/busybox:1.36 (not cached)\n"),
        "{}",
        out.stderr
    );

    let mut images = vec!["images"];
    images.extend(args);
    let out = run(&images, POD.as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout(),
        format!(
            "bitnami/redis:7.2\t{REGISTRY}/docker-hub/bitnamilegacy/redis:7.2\n\
             busybox:1.36\tghcr.io/mirror/busybox:1.36\n\
             registry-1.docker.io/bitnami/postgresql:16\t{REGISTRY}/docker-hub/bitnamilegacy/postgresql:16\n"
        )
    );
}

#[test]
fn a_rule_that_matches_nothing_warns_once() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.yaml"), dir.path().join("b.yaml"));
    std::fs::write(&a, POD).unwrap();
    std::fs::write(&b, POD).unwrap();
    let out = run(
        &[
            "--registry",
            REGISTRY,
            "--rename",
            "bitnami=bitnamilegacy",
            "--rename",
            "bitnamy=bitnamilegacy",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let warning = "pullthrough: warning: rename \"bitnamy=bitnamilegacy\" matches no image\n";
    assert_eq!(out.stderr.matches(warning).count(), 1, "{}", out.stderr);
    assert!(
        !out.stderr.contains("\"bitnami=bitnamilegacy\""),
        "{}",
        out.stderr
    );
}
