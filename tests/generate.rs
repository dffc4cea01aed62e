//! The Argo CD config management plugin, as argocd-cmp-server runs it (the
//! recipe of integration-contracts §2.10): the repository of
//! testdata/generate/repo copied with file modes reset, the generate command
//! of the project's own plugin.yaml run in the app's directory with no stdin,
//! and the sidecar's environment plus what the repo-server sends
//! (`ARGOCD_APP_*`, `KUBE_*`, `ARGOCD_ENV_*`, `ARGOCD_APP_PARAMETERS`,
//! `PARAM_*`). Then stdout is read as Argo CD reads it: every document must
//! be an object with `apiVersion` and `kind`.
//!
//! The renderers are real: helm (Helm 4, which the image ships as Argo CD
//! 3.5 and later do; Helm 3, the image's other choice, where the Helm
//! major matters) and kustomize from `.tools/bin` (scripts/install-hosts.sh,
//! which scripts/test runs), and kubectl from PATH for `kubectl kustomize`.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pullthrough::yaml;
use serde_json::{Value, json};

use crate::kit::run::{REGISTRY, command, on_path, root, run_cmd, tool};

/// Many requests at once, sharing the sidecar's Helm directories.
mod concurrency;
/// Argo CD's own tests of its directory source, case by case.
mod directory;

const PLATFORM_REGISTRY: &str = REGISTRY;

fn cached(image: &str) -> String {
    format!("{PLATFORM_REGISTRY}/docker-hub/{image}")
}

/// `spec.generate` of the project's plugin.yaml: command then args.
fn generate_command() -> Vec<String> {
    let text = fs::read_to_string(root().join("plugin.yaml")).unwrap();
    let docs = yaml::parse(&text).unwrap();
    let plugin = yaml::to_json(&docs[0]);
    assert_eq!(plugin["kind"], "ConfigManagementPlugin");
    assert!(
        plugin["spec"].get("discover").is_none(),
        "no discovery: apps select the plugin by name"
    );
    let generate = &plugin["spec"]["generate"];
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
            .unwrap_or_default()
    };
    let mut argv = strings(&generate["command"]);
    argv.extend(strings(&generate["args"]));
    argv
}

/// The sidecar container: its PATH (pullthrough and the renderers), a
/// writable HOME and Helm directories, and the platform's settings.
struct Sidecar {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Sidecar {
    /// With standalone kustomize, or (`false`) only kubectl's built-in one;
    /// Helm 4, as the image.
    fn new(kustomize: bool) -> Sidecar {
        Sidecar::with_helm(kustomize, "helm4")
    }

    /// With this helm of `.tools/bin` (`helm3`, `helm4`).
    fn with_helm(kustomize: bool, helm: &str) -> Sidecar {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        fs::create_dir(&bin).unwrap();
        let link =
            |target: &Path, name: &str| std::os::unix::fs::symlink(target, bin.join(name)).unwrap();
        link(Path::new(env!("CARGO_BIN_EXE_pullthrough")), "pullthrough");
        link(&tool(helm), "helm");
        link(&on_path("kubectl"), "kubectl");
        if kustomize {
            link(&tool("kustomize"), "kustomize");
        }
        let tmp = dir.path().join("tmp");
        let env = [
            ("PATH", format!("{}:/usr/bin:/bin", bin.display())),
            ("HOME", tmp.display().to_string()),
            (
                "HELM_CACHE_HOME",
                tmp.join("helm/cache").display().to_string(),
            ),
            (
                "HELM_CONFIG_HOME",
                tmp.join("helm/config").display().to_string(),
            ),
            (
                "HELM_DATA_HOME",
                tmp.join("helm/data").display().to_string(),
            ),
            ("PULLTHROUGH_REGISTRY", PLATFORM_REGISTRY.to_string()),
        ];
        Sidecar {
            env: env.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            dir,
        }
    }

    fn set(mut self, key: &str, value: &str) -> Sidecar {
        self.env.retain(|(k, _)| k != key);
        if !value.is_empty() {
            self.env.push((key.to_string(), value.to_string()));
        }
        self
    }

    fn remove(self, program: &str) -> Sidecar {
        fs::remove_file(self.dir.path().join("bin").join(program)).unwrap();
        self
    }

    /// A program on the sidecar's PATH, in front of the real ones.
    fn script(self, name: &str, body: &str) -> Sidecar {
        let path = self.dir.path().join("bin").join(name);
        let _ = fs::remove_file(&path);
        fs::write(&path, body).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        self
    }
}

/// What an Application says about its source.
struct App {
    /// The repository: `None` for testdata/generate/repo, or one of the
    /// repositories of testdata/generate/directory (the others and the
    /// files beside them are then outside it, siblings in the sidecar).
    repo: Option<&'static str>,
    /// The app's directory in the repository (`ARGOCD_APP_SOURCE_PATH`).
    path: &'static str,
    /// `metadata.namespace` + `_` + name for apps outside Argo CD's namespace.
    name: &'static str,
    namespace: &'static str,
    /// `spec.source.plugin.env`.
    env: Vec<(&'static str, &'static str)>,
    /// `spec.source.plugin.parameters`, as Argo CD marshals them.
    parameters: Value,
}

impl App {
    fn new(path: &'static str) -> App {
        App {
            repo: None,
            path,
            name: "guestbook",
            namespace: "shop",
            env: Vec::new(),
            parameters: Value::Null,
        }
    }
}

/// What argocd-cmp-server would see.
struct Generated {
    code: i32,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

impl Generated {
    /// Argo CD's reading of stdout: every non-empty document, as JSON, each an
    /// object with apiVersion and kind.
    fn objects(&self) -> Vec<Value> {
        assert_eq!(self.code, 0, "generate failed: {}", self.stderr);
        let docs = yaml::parse(&self.stdout).expect("stdout parses");
        let objects: Vec<Value> = docs
            .iter()
            .map(yaml::to_json)
            .filter(|v| !v.is_null())
            .collect();
        assert!(
            !objects.is_empty(),
            "Argo CD would prune the app: no objects"
        );
        for o in &objects {
            assert!(
                o["apiVersion"].is_string() && o["kind"].is_string(),
                "not an object: {o}"
            );
        }
        objects
    }

    /// `Kind/name` of every object, in output order.
    fn names(&self) -> Vec<String> {
        self.objects()
            .iter()
            .map(|o| {
                format!(
                    "{}/{}",
                    o["kind"].as_str().unwrap(),
                    o["metadata"]["name"].as_str().unwrap()
                )
            })
            .collect()
    }

    #[track_caller]
    fn fails(&self, code: i32, message: &str) {
        assert_eq!(self.code, code, "stderr: {}", self.stderr);
        assert!(self.stdout.is_empty(), "stdout on failure: {}", self.stdout);
        assert!(
            self.stderr.contains(message),
            "{message:?} not in stderr: {}",
            self.stderr
        );
    }
}

/// Copies the repository as Argo CD streams it to the sidecar: files 0644,
/// directories 0755 (`preserveFileMode: false`), symlinks kept.
fn copy_repo(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    fs::set_permissions(to, fs::Permissions::from_mode(0o755)).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type().unwrap();
        if kind.is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(&src).unwrap(), &dst).unwrap();
        } else if kind.is_dir() {
            copy_repo(&src, &dst);
        } else {
            fs::copy(&src, &dst).unwrap();
            fs::set_permissions(&dst, fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
}

/// `PARAM_<NAME>`, `PARAM_<NAME>_<i>`, `PARAM_<NAME>_<KEY>`: names upper-cased,
/// anything but `[A-Z0-9_]` made `_`.
fn param_env(parameters: &Value) -> Vec<(String, String)> {
    let clean = |s: &str| {
        s.to_uppercase()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect::<String>()
    };
    let mut env = Vec::new();
    for p in parameters.as_array().into_iter().flatten() {
        let name = format!("PARAM_{}", clean(p["name"].as_str().unwrap()));
        if let Some(s) = p["string"].as_str() {
            env.push((name.clone(), s.to_string()));
        }
        for (i, v) in p["array"].as_array().into_iter().flatten().enumerate() {
            env.push((format!("{name}_{i}"), v.as_str().unwrap().to_string()));
        }
        for (k, v) in p["map"].as_object().into_iter().flatten() {
            env.push((
                format!("{name}_{}", clean(k)),
                v.as_str().unwrap().to_string(),
            ));
        }
    }
    env
}

/// One generate request: a fresh copy of the repository (plus `prepare`'s
/// changes), the plugin's generate command in the app's directory.
fn generate_with(sidecar: &Sidecar, app: &App, prepare: impl FnOnce(&Path)) -> Generated {
    let (_work, mut cmd) = cmp_command(sidecar, app, prepare);
    let start = Instant::now();
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    Generated {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed: start.elapsed(),
    }
}

/// The command of one generate request, not yet started, and the request's
/// work directory (the copy of the repository), which lives as long as the
/// returned `TempDir`.
fn cmp_command(
    sidecar: &Sidecar,
    app: &App,
    prepare: impl FnOnce(&Path),
) -> (tempfile::TempDir, Command) {
    let work = tempfile::tempdir().unwrap();
    let repo = match app.repo {
        None => {
            let repo = work.path().join("_cmp_server/4f1c7a8e");
            copy_repo(&root().join("testdata/generate/repo"), &repo);
            repo
        }
        Some(name) => {
            let all = work.path().join("_cmp_server");
            copy_repo(&root().join("testdata/generate/directory"), &all);
            all.join(name)
        }
    };
    prepare(&repo);
    // exec.LookPath in the sidecar's PATH, as argocd-cmp-server does.
    let argv = generate_command();
    let path = sidecar
        .env
        .iter()
        .find(|(k, _)| k == "PATH")
        .map(|(_, v)| v.clone());
    let program = std::env::split_paths(&path.unwrap_or_default())
        .map(|d| d.join(&argv[0]))
        .find(|p| p.is_file())
        .expect("the generate command is on the sidecar's PATH");
    let mut cmd = Command::new(program);
    cmd.args(&argv[1..])
        .current_dir(repo.join(app.path))
        .env_clear()
        .stdin(Stdio::null());
    for (k, v) in &sidecar.env {
        cmd.env(k, v);
    }
    let build = [
        ("ARGOCD_APP_NAME", app.name.to_string()),
        ("ARGOCD_APP_NAMESPACE", app.namespace.to_string()),
        ("ARGOCD_APP_PROJECT_NAME", "default".to_string()),
        (
            "ARGOCD_APP_REVISION",
            "4f1c7a8e2d6b9c0a1e3f5d7b9a2c4e6f8a0b1c2d".to_string(),
        ),
        ("ARGOCD_APP_REVISION_SHORT", "4f1c7a8".to_string()),
        ("ARGOCD_APP_REVISION_SHORT_8", "4f1c7a8e".to_string()),
        (
            "ARGOCD_APP_SOURCE_REPO_URL",
            "https://git.example.com/platform/apps.git".to_string(),
        ),
        ("ARGOCD_APP_SOURCE_PATH", app.path.to_string()),
        ("ARGOCD_APP_SOURCE_TARGET_REVISION", "HEAD".to_string()),
        ("KUBE_VERSION", "1.32.4".to_string()),
        (
            "KUBE_API_VERSIONS",
            "v1,apps/v1,batch/v1,apiextensions.k8s.io/v1,monitoring.coreos.com/v1".to_string(),
        ),
        ("ARGOCD_APP_PARAMETERS", app.parameters.to_string()),
    ];
    for (k, v) in build {
        cmd.env(k, v);
    }
    for (k, v) in &app.env {
        cmd.env(format!("ARGOCD_ENV_{k}"), v);
    }
    for (k, v) in param_env(&app.parameters) {
        cmd.env(k, v);
    }
    (work, cmd)
}

fn generate(sidecar: &Sidecar, app: &App) -> Generated {
    generate_with(sidecar, app, |_| {})
}

/// Under Helm 4, the image's (Argo CD 3.5 and later), and Helm 3, its
/// other choice (Argo CD 3.4 and earlier): the chart sees which in
/// `.Capabilities.HelmVersion`, as it would under that Argo CD.
#[test]
fn helm_chart_with_argo_cd_parameters() {
    for (helm, major) in [("helm4", "v4."), ("helm3", "v3.")] {
        helm_chart_under(helm, major);
    }
}

fn helm_chart_under(helm: &str, major: &str) {
    let app = App {
        name: "team-a_shop",
        parameters: json!([
            {"name": "values-files", "array": ["values-prod.yaml"]},
            {"name": "helm-parameters", "map": {"replicas": "5"}},
        ]),
        ..App::new("apps/chart")
    };
    let out = generate(&Sidecar::with_helm(true, helm), &app);
    // --include-crds, the dependency built from its file:// repository, the
    // ServiceMonitor only --api-versions enables, and the hook.
    assert_eq!(
        out.names(),
        [
            "CustomResourceDefinition/widgets.example.com",
            "ConfigMap/shop-config",
            "Deployment/shop-web",
            "StatefulSet/shop-cache",
            "ServiceMonitor/shop-web",
            "Job/shop-migrate",
        ]
    );
    let objects = out.objects();
    let deployment = &objects[2];
    assert_eq!(deployment["metadata"]["namespace"], "shop");
    assert_eq!(deployment["spec"]["replicas"], "5", "helm-parameters");
    assert_eq!(
        deployment["metadata"]["annotations"]["example.com/kube-version"],
        "v1.32.4"
    );
    let rendered_by = deployment["metadata"]["annotations"]["example.com/helm-version"]
        .as_str()
        .unwrap();
    assert!(rendered_by.starts_with(major), "{helm}: {rendered_by}");
    let images = &deployment["spec"]["template"]["spec"]["containers"];
    assert_eq!(images[0]["image"], cached("library/nginx:1.27"));
    assert_eq!(
        images[1]["image"],
        cached("library/busybox:1.36"),
        "values-files"
    );
    assert_eq!(
        objects[3]["spec"]["template"]["spec"]["containers"][0]["image"],
        cached("library/redis:7.4")
    );
    assert_eq!(
        objects[5]["spec"]["template"]["spec"]["containers"][0]["image"],
        cached("library/alpine:3.20")
    );
    assert_eq!(
        objects[1]["data"]["image"], "nginx",
        "a ConfigMap is not a pod spec"
    );
    assert!(
        out.stdout
            .contains("# Source: web/templates/deployment.yaml")
    );
}

#[test]
fn kustomization_with_standalone_kustomize_and_with_kubectl() {
    for standalone in [true, false] {
        let out = generate(&Sidecar::new(standalone), &App::new("apps/kustomize"));
        let mut names = out.names();
        names.sort();
        assert_eq!(
            names,
            ["CronJob/report", "Deployment/web"],
            "standalone: {standalone}"
        );
        for image in [
            cached("library/nginx:1.27.1"),
            cached("library/busybox:1.36"),
            cached("bitnami/kubectl:1.32"),
            "quay.io/prometheus/node-exporter:v1.8.2".to_string(),
        ] {
            assert!(
                out.stdout.contains(&format!("image: {image}\n")),
                "{image} (standalone: {standalone}):\n{}",
                out.stdout
            );
        }
        assert!(
            out.objects()
                .iter()
                .all(|o| o["metadata"]["namespace"] == "shop")
        );
    }
}

#[test]
fn plain_directory() {
    let app = App {
        parameters: json!([{"name": "directory-recurse", "string": "true"}]),
        ..App::new("apps/plain")
    };
    let out = generate(&Sidecar::new(true), &app);
    // Path order; .hidden/ skipped; the in-repository symlink followed.
    assert_eq!(
        out.names(),
        [
            "Namespace/plain",
            "Deployment/api",
            "Pod/shared-pod",
            "Job/nested-job",
            "Service/api",
            "Pod/json-pod"
        ]
    );
    for image in [
        format!("'{}'", cached("grafana/grafana:11.1.0")),
        cached("library/memcached:1.6"),
        cached("library/python:3.12-slim"),
        format!("\"{}\"", cached("library/postgres:16")),
    ] {
        assert!(
            out.stdout.contains(&format!(" {image}")),
            "{image}:\n{}",
            out.stdout
        );
    }
    assert!(
        out.stdout
            .starts_with("# Comments and key order are kept.\napiVersion: v1\n")
    );
    // Hidden files are skipped like hidden directories, and named (new with
    // issue 14; Argo CD would read both).
    assert!(!out.stdout.contains("from-a-hidden"), "{}", out.stdout);
    assert!(
        out.stderr
            .contains("pullthrough: skipped .extra.yaml: a hidden file\n")
            && out
                .stderr
                .contains("pullthrough: skipped .hidden: a hidden directory\n"),
        "{}",
        out.stderr
    );
}

/// The image of the first container of each object that has one.
fn images(objects: &[Value]) -> Vec<String> {
    objects
        .iter()
        .filter_map(|o| {
            let spec = &o["spec"];
            [
                &spec["containers"],
                &spec["template"]["spec"]["containers"],
                &spec["jobTemplate"]["spec"]["template"]["spec"]["containers"],
            ]
            .into_iter()
            .find_map(|c| c[0]["image"].as_str().map(str::to_string))
        })
        .collect()
}

#[test]
fn a_directory_keeps_only_what_argo_cd_takes_for_manifests() {
    // Argo CD's testdata/multiple-source-values case: a Helm values.yaml
    // kept beside the manifests is no document of the app.
    let out = generate(&Sidecar::new(true), &App::new("apps/multi-source-values"));
    assert_eq!(out.names(), ["Pod/web"]);
    assert_eq!(images(&out.objects()), [cached("library/nginx:1.27")]);
    assert!(!out.stdout.contains("replicas"), "{}", out.stdout);
    // The manifest passes byte for byte but for the image.
    let pod =
        fs::read_to_string(root().join("testdata/generate/repo/apps/multi-source-values/pod.yaml"))
            .unwrap();
    assert_eq!(
        out.stdout,
        pod.replace("nginx:1.27", &cached("library/nginx:1.27"))
    );
    // Every skipped file named, one line each, in path order.
    let skipped: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("pullthrough: skipped "))
        .collect();
    assert_eq!(
        skipped,
        [
            "pullthrough: skipped .argocd-source-guestbook.yaml: Argo CD's parameter overrides, not manifests",
            "pullthrough: skipped .argocd-source.yaml: Argo CD's parameter overrides, not manifests",
            "pullthrough: skipped chart-template.yaml: it holds +argocd:skip-file-rendering",
            "pullthrough: skipped lint-config.yaml: not a Kubernetes object (document 1: Object 'Kind' is missing); Argo CD skips it too",
            "pullthrough: skipped values.yaml: not a Kubernetes object (document 1: Object 'Kind' is missing); Argo CD skips it too",
        ],
        "{}",
        out.stderr
    );
}

#[test]
fn directory_recurse_include_and_exclude() {
    let sidecar = Sidecar::new(true);
    let with = |params: Value| {
        let app = App {
            parameters: params,
            ..App::new("apps/directory")
        };
        let mut names = generate(&sidecar, &app).names();
        names.sort();
        names
    };
    let string = |name: &str, value: &str| json!({"name": name, "string": value});
    // Argo CD's default, and the plugin's: the app's own directory.
    assert_eq!(with(Value::Null), ["ConfigMap/config", "Deployment/web"]);
    assert_eq!(
        with(json!([string("directory-recurse", "false")])),
        ["ConfigMap/config", "Deployment/web"]
    );
    // Subdirectories too; `mirror`, a symlinked directory, is not followed
    // (nor by Argo CD).
    assert_eq!(
        with(json!([string("directory-recurse", "true")])),
        [
            "ConfigMap/config",
            "CronJob/report",
            "Deployment/web",
            "Job/migrate-use2",
            "Service/web-use2"
        ]
    );
    let recurse = string("directory-recurse", "true");
    // Argo CD's documented include: `*` crosses directories.
    assert_eq!(
        with(json!([
            recurse,
            string("directory-include", "{config.json,env-use2/*}")
        ])),
        ["ConfigMap/config", "Job/migrate-use2", "Service/web-use2"]
    );
    assert_eq!(
        with(json!([
            recurse,
            string("directory-include", "*.yaml"),
            string("directory-exclude", "env-use2/deep/*"),
        ])),
        ["CronJob/report", "Deployment/web", "Service/web-use2"]
    );
    // As Argo CD's own test (TestFindManifests_Include): `**/` needs a `/`.
    assert_eq!(
        with(json!([recurse, string("directory-include", "**/*.yaml")])),
        ["CronJob/report", "Job/migrate-use2", "Service/web-use2"]
    );
    // Include applies to file paths, with recurse off too.
    assert_eq!(
        with(json!([
            string("directory-recurse", "false"),
            string("directory-include", "*.json"),
        ])),
        ["ConfigMap/config"]
    );
    let bad = App {
        parameters: json!([string("directory-exclude", "{a,b")]),
        ..App::new("apps/directory")
    };
    generate(&sidecar, &bad).fails(
        2,
        "plugin parameter \"directory-exclude\": invalid glob \"{a,b\"",
    );
}

/// Found in issue 19 (item 3): `directory-recurse` defaulted to true while
/// Argo CD's `directory.recurse` defaults to false, so an app whose
/// manifests include a subdirectory rendered more objects under the plugin
/// than under Argo CD; and a discovered app carries no parameters, so the
/// default is all it gets. Now no parameters, none set and the default
/// plugin.yaml announces all read the app's own directory, as Argo CD does.
#[test]
fn a_plain_directory_is_read_as_argo_cd_reads_it_by_default() {
    let sidecar = Sidecar::new(true);
    // Argo CD's directory source with recurse unset: the top-level files
    // only, in path order (findManifests in reposerver/repository).
    let argo_cd = ["ConfigMap/config", "Deployment/web"];
    let plugin = fs::read_to_string(root().join("plugin.yaml")).unwrap();
    let plugin = yaml::to_json(&yaml::parse(&plugin).unwrap()[0]);
    let announced: Vec<Value> = plugin["spec"]["parameters"]["static"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["string"].is_string())
        .map(|p| json!({"name": p["name"], "string": p["string"]}))
        .collect();
    let recurse = announced
        .iter()
        .find(|p| p["name"] == "directory-recurse")
        .expect("plugin.yaml announces directory-recurse");
    assert_eq!(recurse["string"], "false");
    // What plugin.yaml announces is what generate does with no parameters.
    let defaults = serde_json::to_string(&announced).unwrap();
    assert_eq!(
        pullthrough::adapter::argocd::Parameters::from_json(&defaults).unwrap(),
        pullthrough::adapter::argocd::Parameters::default()
    );
    for parameters in [Value::Null, json!([]), Value::Array(announced)] {
        let app = App {
            parameters: parameters.clone(),
            ..App::new("apps/directory")
        };
        assert_eq!(
            generate(&sidecar, &app).names(),
            argo_cd,
            "parameters {parameters}"
        );
    }
}

#[test]
fn a_directory_fails_where_argo_cd_fails() {
    let sidecar = Sidecar::new(true);
    let app = App::new("apps/directory");
    let cases = [
        // A manifest with a broken second document.
        (
            "partial.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\ninvalid:\n",
            "partial.yaml: document 2: Object 'Kind' is missing; Argo CD's directory source fails on this file too",
        ),
        // Looks like a manifest, is not valid YAML.
        (
            "broken.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [a\n",
            "broken.yaml: document 1, line 5, column 1: invalid YAML",
        ),
        // JSON must be one object.
        (
            "settings.json",
            "{\"host\": \"127.0.0.1\", \"port\": 3306}\n",
            "settings.json: Failed to unmarshal: Object 'Kind' is missing",
        ),
        (
            "list.json",
            "[{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\"}]\n",
            "list.json: Failed to unmarshal: Object 'Kind' is missing",
        ),
        // Jsonnet would lose its objects silently.
        (
            "guestbook.jsonnet",
            "{ apiVersion: 'v1', kind: 'ConfigMap' }\n",
            "guestbook.jsonnet: Jsonnet is not evaluated by the plugin",
        ),
    ];
    for (file, text, message) in cases {
        let out = generate_with(&sidecar, &app, |repo| {
            fs::write(repo.join("apps/directory").join(file), text).unwrap();
        });
        out.fails(1, message);
    }
    // Left out with directory-exclude, the app renders again.
    let excluded = App {
        parameters: json!([{"name": "directory-exclude", "string": "*.jsonnet"}]),
        ..App::new("apps/directory")
    };
    let out = generate_with(&sidecar, &excluded, |repo| {
        fs::write(repo.join("apps/directory/guestbook.jsonnet"), "{}\n").unwrap();
    });
    assert_eq!(out.names(), ["ConfigMap/config", "Deployment/web"]);
}

/// `data` of the glob chart's ConfigMap, for these parameters.
fn glob_chart(parameters: Value) -> serde_json::Map<String, Value> {
    let app = App {
        name: "team-a_shop",
        parameters,
        ..App::new("apps/glob-chart")
    };
    let objects = generate(&Sidecar::new(true), &app).objects();
    objects
        .iter()
        .find(|o| o["kind"] == "ConfigMap")
        .and_then(|o| o["data"].as_object().cloned())
        .expect("the values ConfigMap")
}

#[test]
fn values_files_take_argo_cd_globs_in_its_order() {
    let files = |list: &[&str]| glob_chart(json!([{"name": "values-files", "array": list}]));
    let merged = |list: &[&str]| {
        let data = files(list);
        (
            data["seen"].as_str().unwrap().to_string(),
            data["last"].as_str().unwrap().to_string(),
        )
    };
    // Sorted matches; later files win, as with --values.
    assert_eq!(merged(&["envs/*.yaml"]), ("a,b".into(), "b".into()));
    // A directory's own files first, then its subdirectories'.
    assert_eq!(merged(&["envs/**/*.yaml"]), ("a,b,c".into(), "c".into()));
    // A file named as well goes where it is named.
    assert_eq!(
        merged(&["envs/*.yaml", "envs/a.yaml"]),
        ("a,b".into(), "a".into())
    );
    // Each pattern in turn.
    assert_eq!(
        merged(&["envs/nested/*.yaml", "envs/[ab].yaml"]),
        ("a,b,c".into(), "b".into())
    );
}

#[test]
fn a_values_glob_that_matches_nothing_fails_as_in_argo_cd() {
    let sidecar = Sidecar::new(true);
    let app = |parameters: Value| App {
        parameters,
        ..App::new("apps/glob-chart")
    };
    generate(
        &sidecar,
        &app(json!([{"name": "values-files", "array": ["envs/*.yaml", "missing/*.yaml"]}])),
    )
    .fails(
        1,
        "values-files \"missing/*.yaml\": values file glob \"missing/*.yaml\" matched no files",
    );
    // ignoreMissingValueFiles, as a parameter.
    let data = glob_chart(json!([
        {"name": "values-files", "array": ["missing/*.yaml", "absent.yaml", "envs/a.yaml"]},
        {"name": "ignore-missing-values-files", "string": "true"},
    ]));
    assert_eq!(data["last"], "a");
}

#[test]
fn helm_parameters_and_values_files_get_the_build_environment() {
    let data = glob_chart(json!([
        {"name": "values-files", "array": ["namespaces/$ARGOCD_APP_NAMESPACE.yaml"]},
        {"name": "helm-parameters", "map": {
            "params.revision": "$ARGOCD_APP_REVISION_SHORT",
            "params.app": "${ARGOCD_APP_NAME}-$ARGOCD_APP_PROJECT_NAME",
            "params.source": "$ARGOCD_APP_SOURCE_PATH@$ARGOCD_APP_SOURCE_TARGET_REVISION",
            "params.escaped": "$$ARGOCD_APP_NAME",
            // Not in a Helm source's environment: empty, as in Argo CD.
            "params.kube": "v$KUBE_VERSION.",
            // Nothing else is read: the sidecar's HOME is not substituted.
            "params.home": "x${HOME}y",
        }},
    ]));
    assert_eq!(data["last"], "shop", "values-files substituted");
    let param = |k: &str| data[&format!("param-{k}")].as_str().unwrap().to_string();
    assert_eq!(param("revision"), "4f1c7a8");
    assert_eq!(param("app"), "team-a_shop-default");
    assert_eq!(param("source"), "apps/glob-chart@HEAD");
    assert_eq!(param("escaped"), "$ARGOCD_APP_NAME");
    assert_eq!(param("kube"), "v.");
    assert_eq!(param("home"), "xy");
}

#[test]
fn enabled_false_passes_the_app_through() {
    let app = App {
        parameters: json!([
            {"name": "enabled", "string": "false"},
            {"name": "directory-recurse", "string": "true"},
        ]),
        ..App::new("apps/plain")
    };
    // No registry needed when nothing is rewritten.
    let out = generate(&Sidecar::new(true).set("PULLTHROUGH_REGISTRY", ""), &app);
    assert_eq!(out.names().len(), 6);
    assert!(!out.stdout.contains(PLATFORM_REGISTRY));
    let dir = root().join("testdata/generate/repo/apps/plain");
    for file in [
        "10-namespace.yaml",
        "deployment.yml",
        "nested/job.yaml",
        "service.json",
    ] {
        let text = fs::read_to_string(dir.join(file)).unwrap();
        assert!(
            out.stdout.contains(&text),
            "{file} not passed through as written"
        );
    }
}

#[test]
fn the_platform_registry_wins_over_the_app() {
    let app = App {
        env: vec![
            (
                "PULLTHROUGH_REGISTRY",
                "999999999999.dkr.ecr.us-east-1.amazonaws.com",
            ),
            ("PULLTHROUGH_EXCLUDE", "docker.io/library/busybox:*"),
        ],
        ..App::new("apps/kustomize")
    };
    let out = generate(&Sidecar::new(true), &app);
    assert!(!out.stdout.contains("999999999999"), "{}", out.stdout);
    assert!(out.stdout.contains(&cached("library/nginx:1.27.1")));
    // What the platform leaves unset, the app may set.
    assert!(
        out.stdout
            .contains("image: docker.io/library/busybox:1.36\n"),
        "{}",
        out.stdout
    );
    // Without a platform registry, the app's is used.
    let out = generate(&Sidecar::new(true).set("PULLTHROUGH_REGISTRY", ""), &app);
    assert!(
        out.stdout.contains(
            "999999999999.dkr.ecr.us-east-1.amazonaws.com/docker-hub/library/nginx:1.27.1"
        )
    );
}

#[test]
fn failures_surface_with_nothing_on_stdout() {
    let sidecar = Sidecar::new(true);
    let cases: [(App, i32, &str); 5] = [
        (
            App::new("apps/broken-chart"),
            1,
            "Error: execution error at (broken/templates/fail.yaml:1:3): broken on purpose",
        ),
        (
            App {
                parameters: json!([{"name": "refuse-empty", "string": "true"}]),
                ..App::new("apps/empty")
            },
            1,
            "rendered no manifests, and empty output is refused",
        ),
        (
            App::new("apps/bad-yaml"),
            1,
            "bad.yaml: document 1, line 4, column 5: invalid YAML",
        ),
        (
            App {
                parameters: json!([{"name": "value-files", "array": ["x.yaml"]}]),
                ..App::new("apps/chart")
            },
            2,
            "plugin parameter \"value-files\": unknown",
        ),
        (
            App {
                parameters: json!([{"name": "values-files", "array": ["../../shared/pod.yaml"]}]),
                ..App::new("apps/chart")
            },
            0,
            "",
        ),
    ];
    for (app, code, message) in &cases[..4] {
        let out = generate(&sidecar, app);
        out.fails(*code, message);
        assert!(
            out.stderr.starts_with("pullthrough: error: "),
            "{}",
            out.stderr
        );
    }
    // A values file elsewhere in the repository is fine; one outside is not.
    assert_eq!(generate(&sidecar, &cases[4].0).code, 0);
    let app = App {
        parameters: json!([{"name": "values-files", "array": ["../../../../../../../../etc/hostname"]}]),
        ..App::new("apps/chart")
    };
    generate(&sidecar, &app).fails(1, "leads out of the repository");
    // No registry anywhere is a configuration error.
    generate(
        &Sidecar::new(true).set("PULLTHROUGH_REGISTRY", ""),
        &App::new("apps/plain"),
    )
    .fails(2, "no cache registry");
    // A symlink out of the repository is not followed.
    generate_with(&sidecar, &App::new("apps/plain"), |repo| {
        std::os::unix::fs::symlink("/etc/hostname", repo.join("apps/plain/escape.yaml")).unwrap();
    })
    .fails(1, "escape.yaml: leads out of the repository");
    // Neither kustomize nor kubectl in the image.
    let bare = Sidecar::new(false).remove("kubectl");
    let only_bin = bare.dir.path().join("bin").display().to_string();
    generate(&bare.set("PATH", &only_bin), &App::new("apps/kustomize"))
        .fails(1, "`kubectl kustomize .`: not found on PATH");
}

/// Issue 21: an app that renders no objects is an empty app, as Argo CD's
/// own sources render it (its automated sync refuses to prune every
/// resource unless the Application sets `allowEmpty`); refusing it only
/// made a legitimately empty app a ComparisonError. Refusing stays
/// possible: the parameter `refuse-empty`, the flag `--refuse-empty`.
#[test]
fn an_empty_render_is_an_empty_app_as_in_argo_cd() {
    let sidecar = Sidecar::new(true);
    // A directory with no manifests; every file skipped; a chart and a
    // kustomization that render nothing; the cache off too.
    let empty_chart = |repo: &Path| {
        let templates = repo.join("apps/glob-chart/templates");
        fs::remove_file(templates.join("deployment.yaml")).unwrap();
        fs::write(
            templates.join("configmap.yaml"),
            "{{- if false }}\nkind: ConfigMap\n{{- end }}\n",
        )
        .unwrap();
    };
    let empty_kustomization = |repo: &Path| {
        fs::write(
            repo.join("apps/kustomize/kustomization.yaml"),
            "resources: []\n",
        )
        .unwrap();
    };
    let skipped = |repo: &Path| {
        fs::write(repo.join("apps/empty/values.yaml"), "replicas: 3\n").unwrap();
    };
    let off = json!([{"name": "enabled", "string": "false"}]);
    let runs = [
        generate(&sidecar, &App::new("apps/empty")),
        generate_with(&sidecar, &App::new("apps/empty"), skipped),
        generate_with(&sidecar, &App::new("apps/glob-chart"), empty_chart),
        generate_with(&sidecar, &App::new("apps/kustomize"), empty_kustomization),
        generate(
            &sidecar,
            &App {
                parameters: off.clone(),
                ..App::new("apps/empty")
            },
        ),
    ];
    for (i, out) in runs.iter().enumerate() {
        assert_eq!(out.code, 0, "run {i}: {}", out.stderr);
        assert!(!out.stderr.contains("error"), "run {i}: {}", out.stderr);
        // Nothing from a directory; a renderer's output as it is, which
        // holds no object.
        let docs = yaml::parse(&out.stdout).unwrap();
        assert!(
            docs.iter().all(|d| yaml::to_json(d).is_null()),
            "run {i}: {:?}",
            out.stdout
        );
        if i < 2 {
            assert_eq!(out.stdout, "", "run {i}");
        }
    }
    // Refused on request, by the app or by the platform's plugin command.
    let refuse = json!([{"name": "refuse-empty", "string": "true"}]);
    let message = "rendered no manifests, and empty output is refused";
    generate_with(
        &sidecar,
        &App {
            parameters: refuse.clone(),
            ..App::new("apps/glob-chart")
        },
        empty_chart,
    )
    .fails(1, "the app (a Helm chart in .) rendered no manifests");
    generate(
        &sidecar,
        &App {
            parameters: json!([{"name": "refuse-empty", "string": "true"}, {"name": "enabled", "string": "false"}]),
            ..App::new("apps/empty")
        },
    )
    .fails(1, message);
    let direct = |args: &[&str]| {
        let dir = root().join("testdata/generate/repo/apps/empty");
        let mut argv = vec!["generate"];
        argv.extend(args);
        argv.push(dir.to_str().unwrap());
        let mut cmd = command(&argv);
        cmd.env("PULLTHROUGH_REGISTRY", REGISTRY);
        run_cmd(cmd, b"")
    };
    let out = direct(&["--refuse-empty"]);
    assert_eq!(
        (out.code, out.stdout.is_empty()),
        (1, true),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains(message), "{}", out.stderr);
    // --allow-empty, the old opt-in, is still accepted: it is the default.
    let out = direct(&["--allow-empty"]);
    assert_eq!(
        (out.code, out.stdout.is_empty()),
        (0, true),
        "{}",
        out.stderr
    );
    assert_eq!(direct(&["--allow-empty", "--refuse-empty"]).code, 2);
}

#[test]
fn a_hung_renderer_is_killed_at_the_timeout() {
    let sidecar = Sidecar::new(true)
        .set("PULLTHROUGH_TIMEOUT", "1s")
        .script("helm", "#!/bin/sh\necho 'rendering…' >&2\nexec sleep 60\n");
    let out = generate(&sidecar, &App::new("apps/chart"));
    out.fails(1, "did not finish within 1s (--timeout) and was killed");
    assert!(
        out.stderr.contains("rendering…"),
        "the renderer's stderr: {}",
        out.stderr
    );
    assert!(out.elapsed < Duration::from_secs(10), "{:?}", out.elapsed);
}

#[test]
fn example_application_names_the_plugin_and_its_parameters() {
    let read = |path: &str| {
        let text = fs::read_to_string(root().join(path)).unwrap();
        yaml::to_json(&yaml::parse(&text).unwrap()[0])
    };
    let plugin = read("plugin.yaml");
    let app = read("deploy/argocd/application.yaml");
    let source = &app["spec"]["source"]["plugin"];
    // Argo CD dials <name>-<version>.sock when the plugin has a version.
    assert_eq!(
        source["name"].as_str().unwrap(),
        format!(
            "{}-{}",
            plugin["metadata"]["name"].as_str().unwrap(),
            plugin["spec"]["version"].as_str().unwrap()
        )
    );
    let announced: Vec<&str> = plugin["spec"]["parameters"]["static"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    let used: Vec<&str> = source["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(used, ["values-files", "helm-parameters", "enabled"]);
    assert!(used.iter().all(|u| announced.contains(u)), "{announced:?}");
    // plugin.yaml announces every parameter generate reads, and no other.
    let mut read = pullthrough::adapter::argocd::PARAMETER_NAMES.to_vec();
    let mut announced = announced.clone();
    read.sort_unstable();
    announced.sort_unstable();
    assert_eq!(announced, read);
    // What the Application sets is what generate accepts.
    let json = serde_json::to_string(&source["parameters"]).unwrap();
    let params = pullthrough::adapter::argocd::Parameters::from_json(&json).unwrap();
    assert_eq!(params.values_files, ["values-prod.yaml"]);
    assert!(params.enabled);
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
    std::os::unix::fs::symlink(outside.path().join("secret.txt"), chart.join("leak.txt")).unwrap();
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
