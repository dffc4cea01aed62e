//! Settings through the real binary: the rules file, `--rules-from`, the
//! environment, and precedence across sources.

use crate::kit::REGISTRY;
use crate::kit::run::{command, root, run, run_cmd};

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ns}\nspec:\n  containers:\n  - {name: a, image: nginx}\n  - {name: b, image: \"nginx:\"}\n  - {name: c, image: gcr.io/x/y}\n  - {name: d, image: nginx}\n  - {name: e, image: bitnami/redis:7.2}\n";

fn config_path() -> String {
    root()
        .join("testdata/config/rules.yaml")
        .display()
        .to_string()
}

#[test]
fn config_file_and_precedence() {
    let config = config_path();
    // The file alone.
    let out = run(&["--config", &config], POD.as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout()
            .contains(&format!("{REGISTRY}/docker-hub/library/nginx"))
    );
    // Environment over file.
    let mut cmd = command(&["--config", &config]);
    cmd.env("PULLTHROUGH_REGISTRY", "env.example.com");
    let out = run_cmd(cmd, POD.as_bytes());
    assert!(
        out.stdout()
            .contains("env.example.com/docker-hub/library/nginx"),
        "{}",
        out.stdout()
    );
    // Flag over environment.
    let mut cmd = command(&["--config", &config, "--registry", "flag.example.com"]);
    cmd.env("PULLTHROUGH_REGISTRY", "env.example.com")
        .env("PULLTHROUGH_CONFIG", "/nonexistent");
    let out = run_cmd(cmd, POD.as_bytes());
    assert!(
        out.stdout()
            .contains("flag.example.com/docker-hub/library/nginx"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_registry_from_a_higher_source_replaces_the_lower_one_whole() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("cfg.yaml");
    std::fs::write(
        &cfg,
        "registry: 111111111111.dkr.ecr.eu-west-1.amazonaws.com\n",
    )
    .unwrap();
    let args = [
        "--config",
        cfg.to_str().unwrap(),
        "--account-id",
        "222222222222",
        "--region",
        "us-east-1",
    ];
    let out = run(&args, POD.as_bytes());
    assert!(
        out.stdout()
            .contains("222222222222.dkr.ecr.us-east-1.amazonaws.com/docker-hub/library/nginx")
    );
}

#[test]
fn ambient_aws_region_does_not_override_a_sources_region() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.yaml");
    std::fs::write(&cfg, "accountId: \"123456789012\"\nregion: eu-west-1\n").unwrap();
    let mut cmd = command(&["--config", cfg.to_str().unwrap()]);
    cmd.env("AWS_REGION", "us-east-1");
    assert!(run_cmd(cmd, POD.as_bytes()).stdout().contains(REGISTRY));
    // An explicit --region is a flag like any other.
    let out = run(
        &["--config", cfg.to_str().unwrap(), "--region", "us-east-1"],
        POD.as_bytes(),
    );
    assert!(
        out.stdout()
            .contains("123456789012.dkr.ecr.us-east-1.amazonaws.com")
    );
}

#[test]
fn config_errors_name_the_path_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    for (text, needle) in [
        (
            "registry: r.io\nrules:\n  - hosts: quay.io\n    prefix: quay\n    prefx: typo\n",
            "rules",
        ),
        ("registry: r.io\nregistyr: typo\n", "registyr"),
        (
            "registry: r.io\nrules:\n  - hosts: quay.io\n    prefix: Q\n",
            "rules[0]",
        ),
        ("registry: r.io\nexclude: ['[abc']\n", "exclude"),
        (
            "registry: r.io\nworkloads: [{group: x, kind: Y, paths: ['spec..template']}]\n",
            "workloads[0]",
        ),
        ("registry: [\n", "line"),
    ] {
        let path = dir.path().join("rules.yaml");
        std::fs::write(&path, text).unwrap();
        let out = run(&["--config", path.to_str().unwrap()], POD.as_bytes());
        assert_eq!(out.code, 2, "{text}: {}", out.stderr);
        assert!(out.stdout.is_empty());
        assert!(
            out.stderr.contains(needle),
            "{text}: expected {needle:?} in {}",
            out.stderr
        );
        assert!(out.stderr.contains("rules.yaml"), "{}", out.stderr);
    }
}

#[test]
fn rules_file_errors_keep_the_field_path() {
    let dir = tempfile::tempdir().unwrap();
    for (text, needle) in [
        (
            "registry: r.io\nrules: [{hosts: quay.io, prefx: quay}]\n",
            "rules[0].prefx: unknown field `prefx`",
        ),
        (
            "registry: r.io\nworkloads: [{group: x, kind: Y, paths: [{path: x, typ: podSpec}]}]\n",
            "workloads[0].paths[0].typ",
        ),
    ] {
        let path = dir.path().join("rules.yaml");
        std::fs::write(&path, text).unwrap();
        let out = run(&["--config", path.to_str().unwrap()], POD.as_bytes());
        assert_eq!(out.code, 2);
        assert!(
            out.stderr.contains(needle),
            "expected {needle:?} in {}",
            out.stderr
        );
    }
}

#[test]
fn rules_from_describe_pull_through_cache_rules() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rules.json");
    std::fs::write(
        &path,
        r#"{"pullThroughCacheRules": [
  {"ecrRepositoryPrefix": "hub", "upstreamRegistryUrl": "registry-1.docker.io", "registryId": "210987654321", "upstreamRegistry": "docker-hub", "credentialArn": "arn:aws:secretsmanager:eu-north-1:210987654321:secret:ecr-pullthroughcache/hub", "createdAt": "2025-01-01T00:00:00+00:00"},
  {"ecrRepositoryPrefix": "gcr-not", "upstreamRegistryUrl": "quay.io", "registryId": "210987654321", "upstreamRegistry": "quay"}
]}"#,
    )
    .unwrap();
    let input = POD.replace("gcr.io/x/y", "quay.io/x/y");
    let out = run(
        &[
            "--rules-from",
            path.to_str().unwrap(),
            "--region",
            "eu-north-1",
        ],
        input.as_bytes(),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let host = "210987654321.dkr.ecr.eu-north-1.amazonaws.com";
    assert!(
        out.stdout().contains(&format!("{host}/hub/library/nginx")),
        "{}",
        out.stdout()
    );
    assert!(
        out.stdout().contains(&format!("{host}/gcr-not/x/y")),
        "{}",
        out.stdout()
    );
    // The region is needed to build the host.
    let out = run(&["--rules-from", path.to_str().unwrap()], input.as_bytes());
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("region"), "{}", out.stderr);
}

#[test]
fn a_docker_hub_rule_with_an_upstream_prefix_keeps_docker_hub_rules() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rules.json");
    std::fs::write(&path, r#"{"pullThroughCacheRules":[{"ecrRepositoryPrefix":"official","upstreamRegistryUrl":"registry-1.docker.io","upstreamRepositoryPrefix":"library","registryId":"123456789012"}]}"#).unwrap();
    let input = "apiVersion: v1\nkind: Pod\nspec:\n  containers: [{image: nginx}, {image: registry-1.docker.io/nginx}, {image: registry.hub.docker.com/library/nginx}, {image: bitnami/x}]\n";
    let out = run(
        &[
            "--rules-from",
            path.to_str().unwrap(),
            "--region",
            "eu-west-1",
        ],
        input.as_bytes(),
    );
    assert_eq!(
        out.stdout()
            .matches(&format!("{REGISTRY}/official/nginx}}"))
            .count(),
        3,
        "{}",
        out.stdout()
    );
    assert!(out.stdout().contains("{image: bitnami/x}"));
}

#[test]
fn exclude_sees_through_docker_hub_alias_hosts() {
    let input = "apiVersion: v1\nkind: Pod\nspec:\n  containers: [{image: registry-1.docker.io/busybox}, {image: registry.hub.docker.com/library/busybox}]\n";
    let out = run(
        &[
            "--registry",
            REGISTRY,
            "--exclude",
            "docker.io/library/busybox*",
        ],
        input.as_bytes(),
    );
    assert_eq!(out.stdout(), input);
}

#[test]
fn no_generic_turns_the_generic_rule_off() {
    let input = "apiVersion: example.com/v1\nkind: Thing\nmetadata: {name: t}\nspec:\n  template:\n    spec:\n      containers: [{name: a, image: nginx}]\n";
    let on = run(&["--registry", REGISTRY], input.as_bytes());
    assert!(on.stdout().contains("docker-hub/library/nginx"));
    let off = run(&["--registry", REGISTRY, "--no-generic"], input.as_bytes());
    assert_eq!(off.stdout(), input);
    let mut cmd = command(&["--registry", REGISTRY]);
    cmd.env("PULLTHROUGH_EXCLUDE", "docker.io/library/*");
    assert_eq!(run_cmd(cmd, input.as_bytes()).stdout(), input);
}

#[test]
fn pullthrough_generic_false_turns_the_generic_rule_off() {
    let input = "apiVersion: example.com/v1\nkind: Thing\nspec:\n  template:\n    spec: {containers: [{image: nginx}]}\n";
    let mut cmd = command(&["--registry", REGISTRY]);
    cmd.env("PULLTHROUGH_GENERIC", "false");
    assert_eq!(run_cmd(cmd, input.as_bytes()).stdout(), input);
    let mut cmd = command(&["--registry", REGISTRY]);
    cmd.env("PULLTHROUGH_GENERIC", "maybe");
    let out = run_cmd(cmd, input.as_bytes());
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("PULLTHROUGH_GENERIC"), "{}", out.stderr);
}

#[test]
fn empty_rule_and_exclude_variables_count_as_unset() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.yaml");
    std::fs::write(
        &cfg,
        "registry: r.io\nrules: [quay.io=quay]\nexclude: ['*nginx*']\n",
    )
    .unwrap();
    let input = POD.replace("gcr.io/x/y", "quay.io/x/y");
    let mut cmd = command(&["--config", cfg.to_str().unwrap()]);
    cmd.env("PULLTHROUGH_EXCLUDE", "")
        .env("PULLTHROUGH_RULES", "");
    let out = run_cmd(cmd, input.as_bytes());
    assert!(
        out.stdout().contains("{name: a, image: nginx}"),
        "{}",
        out.stdout()
    );
    assert!(out.stdout().contains("r.io/quay/x/y"), "{}", out.stdout());
}

#[test]
fn list_variables_are_trimmed_as_generate_reads_them() {
    let mut cmd = command(&["--registry", REGISTRY]);
    cmd.env("PULLTHROUGH_EXCLUDE", "quay.io/x, docker.io/library/nginx*");
    let out = run_cmd(cmd, POD.as_bytes());
    assert!(
        out.stdout().contains("{name: a, image: nginx}"),
        "{}",
        out.stdout()
    );
    let mut cmd = command(&[]);
    cmd.env("PULLTHROUGH_REGISTRY", " ");
    assert_eq!(
        run_cmd(cmd, POD.as_bytes()).code,
        2,
        "a blank registry is no registry"
    );
}

#[test]
fn digests_and_operator_images_from_every_source() {
    let digest = format!("sha256:{}", "c".repeat(64));
    let pod = POD.replace(
        "image: bitnami/redis:7.2",
        &format!("image: bitnami/redis@{digest}"),
    );
    let kept = |out: &crate::kit::run::Run| {
        out.stdout()
            .contains(&format!("image: bitnami/redis@{digest}"))
    };
    let out = run(
        &["--registry", REGISTRY, "-q", "--digests", "keep"],
        pod.as_bytes(),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(kept(&out), "{}", out.stdout());
    let mut cmd = command(&["--registry", REGISTRY, "-q"]);
    cmd.env("PULLTHROUGH_DIGESTS", "keep");
    assert!(kept(&run_cmd(cmd, pod.as_bytes())));
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.yaml");
    std::fs::write(
        &cfg,
        "registry: r.io\ndigests: keep\noperatorImages: false\n",
    )
    .unwrap();
    let out = run(&["-q", "--config", cfg.to_str().unwrap()], pod.as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(kept(&out));
    // The flag wins over the file.
    let out = run(
        &[
            "-q",
            "--config",
            cfg.to_str().unwrap(),
            "--digests",
            "rewrite",
        ],
        pod.as_bytes(),
    );
    assert!(!kept(&out), "{}", out.stdout());
    // Bad values are settings errors that name the setting.
    std::fs::write(&cfg, "registry: r.io\ndigests: sometimes\n").unwrap();
    let out = run(&["--config", cfg.to_str().unwrap()], pod.as_bytes());
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("digests"), "{}", out.stderr);
    let mut cmd = command(&["--registry", REGISTRY]);
    cmd.env("PULLTHROUGH_OPERATOR_IMAGES", "maybe");
    let out = run_cmd(cmd, pod.as_bytes());
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("PULLTHROUGH_OPERATOR_IMAGES"),
        "{}",
        out.stderr
    );
}

/// The environment variables a help text names: every upper-case word with
/// an `_` in it (`PULLTHROUGH_REPORT`, `AWS_REGION`, `ARGOCD_APP_NAME`). A
/// word ending in `_*` (`ARGOCD_ENV_PULLTHROUGH_*`, "the same names as")
/// stands for its prefix before each `PULLTHROUGH_` name the text lists.
fn variables_in_help(help: &str) -> Vec<String> {
    let words: Vec<&str> = help
        .split(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '*'))
        .filter(|w| w.starts_with(|c: char| c.is_ascii_uppercase()) && w.contains('_'))
        .collect();
    let listed: Vec<&str> = words.iter().copied().filter(|w| !w.contains('*')).collect();
    let mut names: Vec<String> = listed.iter().map(|w| w.to_string()).collect();
    for prefix in words.iter().filter_map(|w| w.strip_suffix('*')) {
        names.extend(
            listed
                .iter()
                .filter_map(|w| w.strip_prefix("PULLTHROUGH_"))
                .map(|name| format!("{prefix}{name}")),
        );
    }
    names.sort();
    names.dedup();
    names
}

/// One way to run the tool: the program (the binary, or the legacy
/// plugin's link to it), its arguments, environment and stdin.
struct Mode {
    what: &'static str,
    program: std::path::PathBuf,
    args: Vec<String>,
    env: Vec<(&'static str, String)>,
    stdin: Vec<u8>,
}

impl Mode {
    fn new(what: &'static str, args: &[&str], stdin: &str) -> Mode {
        Mode {
            what,
            program: env!("CARGO_BIN_EXE_pullthrough").into(),
            args: args.iter().map(|a| a.to_string()).collect(),
            env: Vec::new(),
            stdin: stdin.as_bytes().to_vec(),
        }
    }

    fn env(mut self, key: &'static str, value: &str) -> Mode {
        self.env.push((key, value.to_string()));
        self
    }

    /// Exit code, stdout and stderr, with `extra` set on top of the mode's
    /// environment; nothing inherited that the tool reads.
    fn run(&self, extra: Option<(&str, &str)>) -> (i32, String, String) {
        let mut cmd = std::process::Command::new(&self.program);
        cmd.args(&self.args);
        for (key, _) in std::env::vars() {
            if ["PULLTHROUGH_", "AWS_", "ARGOCD_", "KUBE_", "PARAM_"]
                .iter()
                .any(|p| key.starts_with(p))
            {
                cmd.env_remove(key);
            }
        }
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd.envs(extra);
        let out = run_cmd(cmd, &self.stdin);
        (
            out.code,
            String::from_utf8_lossy(&out.stdout).into_owned(),
            out.stderr,
        )
    }
}

/// Found in issue 19 (item 2): `PULLTHROUGH_REPORT=`, `PULLTHROUGH_LOG=`,
/// `PULLTHROUGH_CONFIG=` and `PULLTHROUGH_RULES_FROM=` were usage errors
/// (exit 2; clap read each as the file `""`), though the README says an
/// empty variable counts as unset, and pod specs and charts' env blocks
/// often hold empty values. Every variable `--help` lists (the main
/// command's, `images`' and `generate`'s), set empty, now gives exactly the
/// run it gives unset: in the pipe, as a KRM function, as kustomize's legacy
/// plugin, in `images` and in `generate`, with and without a registry.
#[test]
fn every_variable_help_lists_counts_as_unset_when_empty() {
    let help = |args: &[&str]| {
        let out = run(args, b"");
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        variables_in_help(&out.stdout())
    };
    let (main, images, generate) = (
        help(&["--help"]),
        help(&["images", "--help"]),
        help(&["generate", "--help"]),
    );
    for (list, also) in [
        (&main, &[][..]),
        (&images, &[]),
        (
            &generate,
            &[
                "PULLTHROUGH_TIMEOUT",
                "ARGOCD_ENV_PULLTHROUGH_REGISTRY",
                "ARGOCD_APP_PARAMETERS",
                "KUBE_VERSION",
            ][..],
        ),
    ] {
        for name in [
            "PULLTHROUGH_REGISTRY",
            "PULLTHROUGH_REPORT",
            "PULLTHROUGH_LOG",
            "PULLTHROUGH_CONFIG",
            "PULLTHROUGH_RULES_FROM",
            "PULLTHROUGH_THREADS",
            "AWS_REGION",
        ]
        .iter()
        .chain(also)
        {
            assert!(list.iter().any(|v| v == name), "{name} not in {list:?}");
        }
    }

    let dir = tempfile::tempdir().unwrap();
    let plugin = dir.path().join("PullThrough");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_pullthrough"), &plugin).unwrap();
    let plugin_config = dir.path().join("config.yaml");
    std::fs::write(
        &plugin_config,
        format!("apiVersion: pullthrough.dev/v1alpha1\nkind: PullThrough\nmetadata: {{name: c}}\nspec: {{registry: {REGISTRY}}}\n"),
    )
    .unwrap();
    let app = dir.path().join("app");
    std::fs::create_dir(&app).unwrap();
    std::fs::write(app.join("pod.yaml"), POD).unwrap();
    let app = app.to_str().unwrap();
    let resource_list = format!(
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- {}\nfunctionConfig: {{apiVersion: v1, kind: ConfigMap, data: {{registry: {REGISTRY}}}}}\n",
        POD.trim_end().replace('\n', "\n  ")
    );
    let legacy = Mode {
        program: plugin.clone(),
        args: vec![plugin_config.display().to_string()],
        ..Mode::new("the legacy kustomize plugin", &[], POD)
    };
    let runs = [
        (
            &main,
            vec![
                Mode::new("the pipe without a registry", &[], POD),
                Mode::new("the pipe", &["--registry", REGISTRY], POD),
                Mode::new("the pipe, registry from the environment", &[], POD)
                    .env("PULLTHROUGH_REGISTRY", REGISTRY),
                Mode::new(
                    "the pipe, an account without a region",
                    &["--account-id", "123456789012"],
                    POD,
                ),
                Mode::new("a KRM function", &[], &resource_list),
                legacy,
            ],
        ),
        (
            &images,
            vec![
                Mode::new("images without a registry", &["images"], POD),
                Mode::new("images", &["images", "--registry", REGISTRY], POD),
                Mode::new("images, registry from the environment", &["images"], POD)
                    .env("PULLTHROUGH_REGISTRY", REGISTRY),
            ],
        ),
        (
            &generate,
            vec![
                Mode::new("generate without a registry", &["generate", app], ""),
                Mode::new("generate", &["generate", app], "").env("PULLTHROUGH_REGISTRY", REGISTRY),
                Mode::new("generate, the app's registry", &["generate", app], "")
                    .env("ARGOCD_ENV_PULLTHROUGH_REGISTRY", REGISTRY),
                Mode::new(
                    "generate, an account without a region",
                    &["generate", app],
                    "",
                )
                .env("PULLTHROUGH_ACCOUNT_ID", "123456789012"),
            ],
        ),
    ];
    let cache = format!("{REGISTRY}/docker-hub/library/nginx");
    for (variables, modes) in &runs {
        for mode in modes {
            let unset = mode.run(None);
            // Each mode does what it says, so the comparison means something.
            match unset.0 {
                0 => assert!(unset.1.contains(&cache), "{}: {}", mode.what, unset.1),
                2 => assert!(
                    unset.2.contains("no cache registry") || unset.2.contains("region"),
                    "{}: {}",
                    mode.what,
                    unset.2
                ),
                code => panic!("{}: exit {code}: {}", mode.what, unset.2),
            }
            for var in variables.iter() {
                if mode.env.iter().any(|(k, _)| k == var) {
                    continue;
                }
                assert_eq!(
                    mode.run(Some((var, ""))),
                    unset,
                    "{}: {var}= is not the run with {var} unset",
                    mode.what
                );
            }
        }
    }
}
