//! What a new user trips over first: each message points the right way.
//! One test per papercut of the adoption issue.

use crate::kit::REGISTRY;
use crate::kit::run::{command, root, run, run_cmd};

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: nginx}]\n";

#[test]
fn options_before_a_subcommand_are_a_usage_error_naming_the_subcommands() {
    let out = run(&["--registry", REGISTRY, "images", "x.yaml"], b"");
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr
            .contains("`images` is a subcommand, but options came before it"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("subcommands: images, generate"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("No such file"), "{}", out.stderr);
}

#[test]
fn a_misspelt_subcommand_is_a_usage_error_with_a_suggestion() {
    let out = run(&["imagse", "x.yaml"], b"");
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("did you mean `images`?"),
        "{}",
        out.stderr
    );
    // A missing file that looks like no subcommand stays an input error.
    let out = run(&["--registry", REGISTRY, "manifests"], b"");
    assert_eq!(out.code, 1, "{}", out.stderr);
}

#[test]
fn parser_errors_carry_the_tools_prefix() {
    let out = run(&["--no-such-flag"], b"");
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .starts_with("pullthrough: error: unexpected argument '--no-such-flag'"),
        "{}",
        out.stderr
    );
    let out = run(&["--help"], b"");
    assert_eq!(out.code, 0);
    assert!(out.stdout().starts_with("Rewrite Docker Hub"));
}

#[test]
fn generate_without_a_registry_names_what_generate_accepts() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pod.yaml"), POD).unwrap();
    let mut cmd = command(&["generate", dir.path().to_str().unwrap()]);
    cmd.env_remove("ARGOCD_ENV_PULLTHROUGH_REGISTRY");
    let out = run_cmd(cmd, b"");
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr
            .contains("no cache registry: generate takes it from the sidecar's environment"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("--registry HOST"), "{}", out.stderr);
}

#[test]
fn rules_from_without_a_region_blames_the_region() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.json");
    std::fs::write(
        &rules,
        r#"{"pullThroughCacheRules": [{"ecrRepositoryPrefix": "docker-hub", "upstreamRegistryUrl": "registry-1.docker.io", "registryId": "123456789012"}]}"#,
    )
    .unwrap();
    let out = run(&["--rules-from", rules.to_str().unwrap()], POD.as_bytes());
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .starts_with("pullthrough: error: region: missing"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("account-id ("), "{}", out.stderr);
}

#[test]
fn the_legacy_plugins_errors_name_the_config_object() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kust-plugin-config-123");
    std::fs::write(
        &config,
        "apiVersion: pullthrough.dev/v1alpha1\nkind: PullThrough\nmetadata: {name: cache}\nspec: {registy: r.io}\n",
    )
    .unwrap();
    let plugin = dir.path().join("PullThrough");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_pullthrough"), &plugin).unwrap();
    let mut cmd = std::process::Command::new(&plugin);
    cmd.arg(&config);
    let out = run_cmd(cmd, POD.as_bytes());
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.starts_with(
            "pullthrough: error: PullThrough cache.spec: registy: unknown field `registy`"
        ),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("kust-plugin-config"), "{}", out.stderr);
}

#[test]
fn images_says_how_to_warm_digest_pinned_references() {
    let digest = format!("sha256:{}", "a".repeat(64));
    let pod = POD.replace("image: nginx", &format!("image: nginx@{digest}"));
    let out = run(&["images", "--registry", REGISTRY, "-"], pod.as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout().contains(&format!("nginx@{digest}\t")));
    assert!(
        out.stderr
            .contains("1 of these images are pinned by digest")
            && out.stderr.contains("docker pull CACHE:TAG"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_report_on_stdout_is_refused_unless_stdout_is_free() {
    for args in [
        &["--registry", REGISTRY, "--report", "-"][..],
        &["images", "--registry", REGISTRY, "--report", "-"],
    ] {
        let out = run(args, POD.as_bytes());
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(
            out.stderr.contains("--report -: stdout carries"),
            "{}",
            out.stderr
        );
    }
    // With --check nothing else goes to stdout: the report does.
    let out = run(
        &["--registry", REGISTRY, "--check", "-q", "--report", "-"],
        POD.as_bytes(),
    );
    assert_eq!(out.code, 3, "{}", out.stderr);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["images"][0]["status"], "rewritten");
}

#[test]
fn every_environment_variable_is_in_help_and_readme() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let help = run(&["--help"], b"").stdout() + &run(&["generate", "--help"], b"").stdout();
    for var in [
        "PULLTHROUGH_REGISTRY",
        "PULLTHROUGH_ACCOUNT_ID",
        "PULLTHROUGH_DOCKER_HUB_PREFIX",
        "PULLTHROUGH_RULES",
        "PULLTHROUGH_OPT_OUT_ANNOTATION",
        "PULLTHROUGH_EXCLUDE",
        "PULLTHROUGH_GENERIC",
        "PULLTHROUGH_OPERATOR_IMAGES",
        "PULLTHROUGH_DIGESTS",
        "PULLTHROUGH_CONFIG",
        "PULLTHROUGH_RULES_FROM",
        "PULLTHROUGH_REPORT",
        "PULLTHROUGH_LOG",
        "PULLTHROUGH_TIMEOUT",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
    ] {
        assert!(help.contains(var), "{var} is not in --help");
        assert!(readme.contains(var), "{var} is not in the README's table");
    }
}

#[test]
fn completions_man_page_and_version() {
    for shell in ["bash", "zsh", "fish"] {
        let out = run(&["completions", shell], b"");
        assert_eq!(out.code, 0, "{shell}: {}", out.stderr);
        assert!(out.stdout().contains("registry"), "{shell}");
    }
    let man = run(&["man"], b"");
    assert_eq!(man.code, 0);
    assert!(man.stdout().starts_with(".ie"), "roff");
    assert!(man.stdout().contains("registry"));
    let version = run(&["--version"], b"").stdout();
    assert!(
        version.starts_with(&format!("pullthrough {}", env!("CARGO_PKG_VERSION"))),
        "{version}"
    );
}
