//! What a new user meets first: each message points the right way, every
//! variable is documented, the binary describes itself.

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
    let help = run(&["--help"], b"").stdout();
    let generate = run(&["generate", "--help"], b"").stdout();
    // The name as a whole word: PULLTHROUGH_RULES is not PULLTHROUGH_RULES_FROM.
    let mentions = |text: &str, name: &str| {
        text.match_indices(name).any(|(i, _)| {
            let after = text[i + name.len()..].chars().next();
            !after.is_some_and(|c| c.is_ascii_uppercase() || c == '_')
        })
    };
    for var in [
        "PULLTHROUGH_REGISTRY",
        "PULLTHROUGH_ACCOUNT_ID",
        "PULLTHROUGH_DOCKER_HUB_PREFIX",
        "PULLTHROUGH_RULES",
        "PULLTHROUGH_OPT_OUT_ANNOTATION",
        "PULLTHROUGH_EXCLUDE",
        "PULLTHROUGH_RENAMES",
        "PULLTHROUGH_GENERIC",
        "PULLTHROUGH_OPERATOR_IMAGES",
        "PULLTHROUGH_DIGESTS",
        "PULLTHROUGH_CONFIG",
        "PULLTHROUGH_RULES_FROM",
        "PULLTHROUGH_REPORT",
        "PULLTHROUGH_LOG",
        "PULLTHROUGH_TIMEOUT",
        "PULLTHROUGH_THREADS",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
    ] {
        assert!(mentions(&readme, var), "{var} is not in the README's table");
        // generate reads every one of them; the filter all but the timeout.
        assert!(mentions(&generate, var), "{var} is not in generate --help");
        if var != "PULLTHROUGH_TIMEOUT" {
            assert!(mentions(&help, var), "{var} is not in --help");
        }
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
    // Built from a git checkout, it names the commit it was built from.
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(root())
        .output();
    if let Some(head) = head.ok().filter(|o| o.status.success()) {
        let commit = String::from_utf8(head.stdout).unwrap();
        assert!(
            version.contains(&format!("(commit {})", commit.trim())),
            "{version} does not name {commit}"
        );
    }
}

#[test]
fn each_host_says_where_it_takes_a_registry_from() {
    let list = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n";
    let out = run(&[], list.as_bytes());
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.starts_with(
            "pullthrough: error: no cache registry: set `registry` in the functionConfig"
        ),
        "{}",
        out.stderr
    );
    // The same message as the ResourceList's error result.
    assert!(out.stdout().contains("no cache registry: set `registry`"));
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kust-plugin-config-1");
    std::fs::write(
        &config,
        "apiVersion: pullthrough.dev/v1alpha1\nkind: PullThrough\nmetadata: {name: c}\nspec: {}\n",
    )
    .unwrap();
    let plugin = dir.path().join("PullThrough");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_pullthrough"), &plugin).unwrap();
    let mut cmd = std::process::Command::new(&plugin);
    cmd.arg(&config);
    let out = run_cmd(cmd, POD.as_bytes());
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("no cache registry: set `spec.registry` in the PullThrough config object"),
        "{}",
        out.stderr
    );
    let out = run(&["-"], POD.as_bytes());
    assert!(
        out.stderr
            .contains("no cache registry: set --registry HOST (or PULLTHROUGH_REGISTRY)"),
        "{}",
        out.stderr
    );
    // A typo of a subcommand that shares its first letters.
    let out = run(&["complete", "bash"], b"");
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("did you mean `completions`?"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_flag_wins_without_reading_its_variable() {
    let mut cmd = command(&[
        "--registry",
        REGISTRY,
        "-q",
        "--digests",
        "keep",
        "--no-generic",
    ]);
    cmd.env("PULLTHROUGH_DIGESTS", "bogus")
        .env("PULLTHROUGH_GENERIC", "maybe");
    assert_eq!(run_cmd(cmd, POD.as_bytes()).code, 0);
    // An empty or capitalised variable is what the other readers take it for.
    for value in ["", "KEEP"] {
        let mut cmd = command(&["man"]);
        cmd.env("PULLTHROUGH_DIGESTS", value);
        let out = run_cmd(cmd, b"");
        assert_eq!(out.code, 0, "{value:?}: {}", out.stderr);
    }
}
