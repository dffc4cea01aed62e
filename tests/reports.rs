//! Rules file, --rules-from, precedence, --report, --check and `images`,
//! through the real binary.

use crate::util::{REGISTRY, command, root, run, run_cmd};

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ns}\nspec:\n  containers:\n  - {name: a, image: nginx}\n  - {name: b, image: \"nginx:\"}\n  - {name: c, image: gcr.io/x/y}\n  - {name: d, image: nginx}\n  - {name: e, image: bitnami/redis:7.2}\n";

fn config_path() -> String {
    root()
        .join("testdata/config/rules.yaml")
        .display()
        .to_string()
}

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

/// Review findings, each pinned.
mod review {
    use super::*;

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
    fn scalars_read_as_go_yaml_reads_them() {
        let input = "apiVersion: v1\nkind: Pod\nspec:\n  containers: [{image: !custom redis}, {image: 0o17}, {image: 2001-12-14}]\n";
        let out = run(&["--registry", REGISTRY, "-q"], input.as_bytes());
        assert!(out.stdout().contains(&format!(
            "{{image: !custom {REGISTRY}/docker-hub/library/redis}}"
        )));
        assert!(out.stdout().contains("{image: 0o17}, {image: 2001-12-14}"));
    }
}

/// Findings of the second review (hosts and `generate`), each pinned.
mod review_hosts {
    use super::*;

    const RESOURCE_LIST: &str = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n  spec:\n    containers: [{image: \"nginx:\"}, {image: redis}]\nfunctionConfig: {apiVersion: v1, kind: ConfigMap, data: {registry: r.io}}\n";

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

    #[test]
    fn generate_refuses_a_chart_with_a_link_out_of_the_repository() {
        let repo = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.txt"), "s3cret").unwrap();
        let chart = repo.path().join("apps/c");
        std::fs::create_dir_all(chart.join("templates")).unwrap();
        std::fs::write(
            chart.join("Chart.yaml"),
            "apiVersion: v2\nname: c\nversion: 0.1.0\n",
        )
        .unwrap();
        std::fs::write(
            chart.join("templates/cm.yaml"),
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {leak: {{ .Files.Get \"leak.txt\" | quote }}}\n",
        )
        .unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret.txt"), chart.join("leak.txt"))
            .unwrap();
        let generate = || {
            let root = repo.path().to_str().unwrap();
            let mut cmd = command(&["generate", "--repo-root", root, chart.to_str().unwrap()]);
            cmd.env("PULLTHROUGH_REGISTRY", REGISTRY);
            run_cmd(cmd, b"")
        };
        let out = generate();
        assert_eq!(out.code, 1, "{}", out.stderr);
        assert!(out.stdout.is_empty());
        assert!(
            out.stderr.contains("leads out of the repository"),
            "{}",
            out.stderr
        );
        // A file:// dependency outside the repository too.
        std::fs::remove_file(chart.join("leak.txt")).unwrap();
        std::fs::write(
            chart.join("Chart.yaml"),
            format!(
                "apiVersion: v2\nname: c\nversion: 0.1.0\ndependencies:\n- name: d\n  version: 0.1.0\n  repository: file://{}\n",
                outside.path().display()
            ),
        )
        .unwrap();
        let out = generate();
        assert_eq!(out.code, 1, "{}", out.stderr);
        assert!(
            out.stderr.contains("leads out of the repository"),
            "{}",
            out.stderr
        );
    }
}
