//! The real binary: flags, environment, exit codes, stdout discipline.

use crate::kit::run::{REGISTRY, command, run, run_cmd};

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: nginx}]\n";

#[track_caller]
fn assert_image(stdout: &str, image: &str) {
    assert!(
        stdout.contains(&format!("image: {image}}}")),
        "expected {image} in:\n{stdout}"
    );
}

#[test]
fn registry_flag_rewrites() {
    let out = run(&["--registry", REGISTRY], POD.as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_image(
        &out.stdout(),
        &format!("{REGISTRY}/docker-hub/library/nginx"),
    );
    assert_eq!(out.stderr, "");
}

#[test]
fn environment_variables_configure_everything() {
    let mut cmd = command(&[]);
    cmd.env("PULLTHROUGH_REGISTRY", "r.example.com")
        .env("PULLTHROUGH_DOCKER_HUB_PREFIX", "hub")
        .env("PULLTHROUGH_RULES", "quay.io=quay,ghcr.io=gh");
    let input = format!("{POD}---\n{}", POD.replace("nginx", "quay.io/a/b"));
    let out = run_cmd(cmd, input.as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_image(&out.stdout(), "r.example.com/hub/library/nginx");
    assert_image(&out.stdout(), "r.example.com/quay/a/b");
}

#[test]
fn account_and_region_build_the_host() {
    let out = run(
        &["--account-id", "123456789012", "--region", "eu-west-1"],
        POD.as_bytes(),
    );
    assert_image(
        &out.stdout(),
        &format!("{REGISTRY}/docker-hub/library/nginx"),
    );
    let mut cmd = command(&["--account-id", "123456789012"]);
    cmd.env("AWS_DEFAULT_REGION", "cn-north-1");
    let out = run_cmd(cmd, POD.as_bytes());
    assert_image(
        &out.stdout(),
        "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/docker-hub/library/nginx",
    );
    let mut cmd = command(&["--account-id", "123456789012"]);
    cmd.env("AWS_REGION", "us-east-1")
        .env("AWS_DEFAULT_REGION", "cn-north-1");
    let out = run_cmd(cmd, POD.as_bytes());
    assert_image(
        &out.stdout(),
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/docker-hub/library/nginx",
    );
}

#[test]
fn usage_errors_exit_2_with_nothing_on_stdout() {
    for args in [
        &[][..],
        &["--account-id", "123456789012"],
        &["--account-id", "12345", "--region", "eu-west-1"],
        &["--registry", REGISTRY, "--docker-hub-prefix", "Docker_Hub"],
        &["--registry", REGISTRY, "--docker-hub-prefix", "x"],
        &["--registry", REGISTRY, "--rule", "quay.io"],
        &["--registry", REGISTRY, "--rule", "quay.io=UPPER"],
        &["--registry", REGISTRY, "--no-such-flag"],
    ] {
        let out = run(args, POD.as_bytes());
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(out.stderr.contains("error"), "{args:?}: {}", out.stderr);
    }
}

#[test]
fn invalid_yaml_exits_1_naming_document_line_column() {
    let input = format!("{POD}---\napiVersion: v1\nkind: Pod\nspec: [\n");
    let out = run(&["--registry", REGISTRY], input.as_bytes());
    assert_eq!(out.code, 1);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr
            .starts_with("pullthrough: error: document 2, line "),
        "{}",
        out.stderr
    );
}

#[test]
fn files_are_read_in_order_as_separate_streams() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.yaml");
    let b = dir.path().join("b.yaml");
    std::fs::write(&a, POD.trim_end()).unwrap();
    std::fs::write(&b, POD.replace("nginx", "redis")).unwrap();
    let out = run(
        &[
            "--registry",
            "r.io",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let stdout = out.stdout();
    assert_eq!(stdout.matches("---\n").count(), 1, "{stdout}");
    assert!(stdout.find("library/nginx").unwrap() < stdout.find("library/redis").unwrap());
    let missing = dir.path().join("missing.yaml");
    let out = run(
        &[
            "--registry",
            "r.io",
            a.to_str().unwrap(),
            missing.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.code, 1);
    assert!(out.stdout.is_empty());
    assert!(out.stderr.contains("missing.yaml"), "{}", out.stderr);
}

#[test]
fn quiet_silences_warnings() {
    let input = POD.replace("nginx", "\"nginx:\"");
    let loud = run(&["--registry", REGISTRY], input.as_bytes());
    assert!(loud.stderr.contains("warning"), "{}", loud.stderr);
    let quiet = run(&["--registry", REGISTRY, "--quiet"], input.as_bytes());
    assert_eq!(quiet.stderr, "");
    assert_eq!(quiet.stdout, loud.stdout);
}

#[test]
fn help_documents_exit_codes_and_env() {
    let out = run(&["--help"], b"");
    assert_eq!(out.code, 0);
    let help = out.stdout();
    for needle in [
        "Exit codes:",
        "PULLTHROUGH_REGISTRY",
        "PULLTHROUGH_RULES",
        "AWS_REGION",
    ] {
        assert!(help.contains(needle), "--help lacks {needle}");
    }
}

#[test]
fn closed_stdout_is_a_quiet_success() {
    use std::io::Write;
    use std::process::Stdio;
    let big = format!("---\n{POD}").repeat(20_000);
    let mut cmd = command(&["--registry", REGISTRY]);
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away, like `| head -0`
    child
        .stdin
        .take()
        .unwrap()
        .write_all(big.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
