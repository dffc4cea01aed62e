//! pullthrough inside its real hosts: Helm 3, Helm 4, kustomize (legacy exec
//! plugin and exec KRM function) and kpt, with the fixtures of
//! testdata/hosts.
//!
//! The contract each test checks: the host's result with pullthrough equals
//! the host's result with an identity filter (`cat`) and then pullthrough run
//! directly on it, so the host sees nothing but the images change; the
//! rewritten images are there; and an error in pullthrough fails the host
//! with a message the user can find.
//!
//! The hosts are real binaries: helm3, helm4 and kustomize in `.tools/bin`
//! (scripts/install-hosts.sh, which scripts/test runs), kubectl and kpt on
//! PATH. A missing host fails the test, saying how to install it.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::kit::run::{REGISTRY, on_path, root, run, tool};

/// The Docker Hub images of the fixtures, as the cache serves them.
fn cached(image: &str) -> String {
    format!("{REGISTRY}/docker-hub/{image}")
}

/// A digest that makes pullthrough warn (ECR does not fill the cache on a
/// first pull by digest).
const DIGEST: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

fn pullthrough() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_pullthrough"))
}

/// What a host run did.
struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs a host with no PULLTHROUGH_* or AWS_* variables inherited, so only
/// what the test sets reaches pullthrough.
fn host(cmd: &mut Command) -> Ran {
    for (key, _) in std::env::vars() {
        if key.starts_with("PULLTHROUGH_") || key.starts_with("AWS_") {
            cmd.env_remove(key);
        }
    }
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    Ran {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("host stdout is UTF-8"),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs a host that must succeed; its stdout.
#[track_caller]
fn host_ok(cmd: &mut Command) -> String {
    let ran = host(cmd);
    assert_eq!(ran.code, 0, "{cmd:?} failed:\n{}", ran.stderr);
    ran.stdout
}

/// pullthrough run directly, as the identity host's output is rewritten.
#[track_caller]
fn direct(input: &str) -> String {
    let out = run(&["--registry", REGISTRY], input.as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.stdout()
}

/// An executable identity filter: `cat`, whatever its arguments.
fn identity(path: &Path) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, "#!/bin/sh\nexec cat\n").unwrap();
    make_executable(path);
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

fn link_pullthrough(path: &Path) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(pullthrough(), path).unwrap();
}

/// Copies a directory tree (the hosts edit packages in place, and the
/// kustomize fixtures need a binary beside them).
fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn fixture(name: &str) -> PathBuf {
    root().join("testdata/hosts").join(name)
}

/// The images of the fixtures (chart, kustomizations, kpt package), hooks
/// included, as pullthrough rewrites them.
const FIXTURE_IMAGES: [&str; 4] = [
    "library/nginx:1.25",
    "library/busybox",
    "bitnami/kubectl:1.30",
    "library/alpine:3.20",
];

#[track_caller]
fn assert_images(out: &str, images: &[&str]) {
    for image in images {
        let cached = cached(image);
        assert!(out.contains(&cached), "{cached} missing in:\n{out}");
    }
}

/// Files of a package, by name, sorted.
fn package_files(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, fs::read_to_string(&p).unwrap())
        })
        .collect();
    files.sort();
    files
}

// ---------------------------------------------------------------- Helm

/// A Helm command with its own cache, config and data homes.
fn helm(binary: &Path, homes: &Path) -> Command {
    let mut cmd = Command::new(binary);
    cmd.env("HELM_CACHE_HOME", homes.join("cache"))
        .env("HELM_CONFIG_HOME", homes.join("config"))
        .env("HELM_DATA_HOME", homes.join("data"))
        .env_remove("HELM_PLUGINS");
    cmd
}

fn template(cmd: &mut Command) -> &mut Command {
    cmd.arg("template")
        .arg("rel1")
        .arg(fixture("chart"))
        .arg("--post-renderer")
}

/// Helm 3 post-renders everything but hooks, which it appends afterwards
/// (helm#7891): the hook document is where they start.
const HOOK: &str = "---\n# Source: webapp/templates/hook-job.yaml\n";

#[test]
fn helm3_post_renderer() {
    let tmp = tempfile::tempdir().unwrap();
    let helm3 = tool("helm3");
    let with_cat = host_ok(template(&mut helm(&helm3, tmp.path())).arg("cat"));
    let with_pt = host_ok(
        template(&mut helm(&helm3, tmp.path()))
            .arg(pullthrough())
            .args(["--post-renderer-args", "--registry"])
            .args(["--post-renderer-args", REGISTRY]),
    );
    let hook = with_cat.find(HOOK).expect("helm3 prints the hook last");
    let (rendered, hooks) = with_cat.split_at(hook);
    assert_eq!(with_pt, format!("{}{hooks}", direct(rendered)));
    assert_images(
        &with_pt,
        &[
            "library/nginx:1.25",
            "library/busybox",
            "bitnami/kubectl:1.30",
        ],
    );
    // Helm 3 never post-renders hooks.
    assert!(hooks.contains("image: \"alpine:3.20\""), "{hooks}");
    assert!(with_pt.contains("# Source: webapp/templates/deployment.yaml"));
}

#[test]
fn helm3_shows_the_error() {
    let tmp = tempfile::tempdir().unwrap();
    let ran = host(template(&mut helm(&tool("helm3"), tmp.path())).arg(pullthrough()));
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    assert_eq!(ran.stdout, "");
    assert!(
        ran.stderr
            .contains("error output:\npullthrough: error: no cache registry"),
        "{}",
        ran.stderr
    );
}

/// The plugin directory of the repository with `bin/pullthrough`: the real
/// binary, or an identity filter.
fn helm4_plugin(dir: &Path, real: bool) -> PathBuf {
    let plugin = dir.join("pullthrough");
    copy_dir(&root().join("helm-plugin"), &plugin);
    make_executable(&plugin.join("pullthrough.sh"));
    let bin = plugin.join("bin/pullthrough");
    if real {
        link_pullthrough(&bin);
    } else {
        identity(&bin);
    }
    plugin
}

#[test]
fn helm4_plugin_post_renders_templates_and_hooks() {
    let tmp = tempfile::tempdir().unwrap();
    let helm4 = tool("helm4");
    let homes = tmp.path().join("homes");
    // As a user does: install the plugin directory, then name it.
    let plugin = helm4_plugin(&tmp.path().join("real"), true);
    host_ok(
        helm(&helm4, &homes)
            .args(["plugin", "install"])
            .arg(&plugin),
    );
    let log = tmp.path().join("pullthrough.log");
    let digest = format!("kubectlImage=bitnami/kubectl@{DIGEST}");
    let with_pt = host_ok(
        template(&mut helm(&helm4, &homes))
            .arg("pullthrough")
            .args(["--post-renderer-args", "--registry"])
            .args(["--post-renderer-args", REGISTRY])
            .args(["--set", &digest])
            .env("PULLTHROUGH_LOG", &log),
    );
    // The identity plugin, found through HELM_PLUGINS without installing.
    let identity_dir = tmp.path().join("identity");
    helm4_plugin(&identity_dir, false);
    let with_cat = host_ok(
        template(&mut helm(&helm4, &tmp.path().join("homes-cat")))
            .arg("pullthrough")
            .args(["--set", &digest])
            .env("HELM_PLUGINS", &identity_dir),
    );
    assert_eq!(with_pt, direct(&with_cat));
    assert_images(
        &with_pt,
        &[
            "library/nginx:1.25",
            "library/busybox",
            &format!("bitnami/kubectl@{DIGEST}"),
            // Helm 4 post-renders hooks too.
            "library/alpine:3.20",
        ],
    );
    // The postrender-filename annotation stayed: the files kept their names.
    assert!(with_pt.contains("# Source: webapp/templates/hook-job.yaml"));
    assert!(!with_pt.contains("generated-by-postrender"));
    // Helm 4 throws stderr away; the warning is in the log.
    let log = fs::read_to_string(&log).unwrap();
    assert!(
        log.contains("pullthrough: warning: ") && log.contains("digest"),
        "{log}"
    );
}

#[test]
fn helm4_errors_reach_the_log() {
    let tmp = tempfile::tempdir().unwrap();
    let plugins = tmp.path().join("plugins");
    helm4_plugin(&plugins, true);
    let log = tmp.path().join("pullthrough.log");
    let ran = host(
        template(&mut helm(&tool("helm4"), tmp.path()))
            .arg("pullthrough")
            .env("HELM_PLUGINS", &plugins)
            .env("PULLTHROUGH_LOG", &log),
    );
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    assert_eq!(ran.stdout, "");
    assert!(
        ran.stderr
            .contains("plugin \"pullthrough\" exited with error"),
        "{}",
        ran.stderr
    );
    let log = fs::read_to_string(&log).unwrap();
    assert!(
        log.contains("pullthrough: error: no cache registry"),
        "{log}"
    );
}

// ---------------------------------------------------------------- kustomize

/// The legacy exec plugin's path under a plugin home.
const PLUGIN_PATH: &str = "pullthrough.dev/v1alpha1/pullthrough/PullThrough";

fn kubectl_kustomize(dir: &Path, plugin_home: &Path) -> Command {
    let mut cmd = Command::new(on_path("kubectl"));
    cmd.args(["kustomize", "--enable-alpha-plugins"])
        .arg(dir)
        .env("KUSTOMIZE_PLUGIN_HOME", plugin_home);
    cmd
}

#[test]
fn kustomize_legacy_plugin() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("kustomization");
    copy_dir(&fixture("kustomize-legacy"), &dir);
    let real = tmp.path().join("plugins");
    link_pullthrough(&real.join(PLUGIN_PATH));
    let cat = tmp.path().join("plugins-cat");
    identity(&cat.join(PLUGIN_PATH));
    let with_pt = host_ok(&mut kubectl_kustomize(&dir, &real));
    let with_cat = host_ok(&mut kubectl_kustomize(&dir, &cat));
    assert_eq!(with_pt, direct(&with_cat));
    assert_images(&with_pt, &FIXTURE_IMAGES);
    assert!(with_pt.contains("namespace: apps"));
}

#[test]
fn kustomize_legacy_plugin_shows_the_error() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("kustomization");
    copy_dir(&fixture("kustomize-legacy"), &dir);
    let config = dir.join("pullthrough.yaml");
    let text = fs::read_to_string(&config).unwrap();
    fs::write(&config, text.replace("registry:", "registy:")).unwrap();
    let real = tmp.path().join("plugins");
    link_pullthrough(&real.join(PLUGIN_PATH));
    let ran = host(&mut kubectl_kustomize(&dir, &real));
    assert_ne!(ran.code, 0);
    assert_eq!(ran.stdout, "");
    assert!(
        ran.stderr.contains("pullthrough: error: ") && ran.stderr.contains("registy"),
        "{}",
        ran.stderr
    );
}

fn kustomize_build(dir: &Path) -> Command {
    let mut cmd = Command::new(tool("kustomize"));
    cmd.args(["build", "--enable-alpha-plugins", "--enable-exec"])
        .arg(dir);
    cmd
}

/// The exec KRM function fixture with `bin/pullthrough`.
fn krm_fixture(dir: &Path, real: bool) {
    copy_dir(&fixture("kustomize-krm"), dir);
    if real {
        link_pullthrough(&dir.join("bin/pullthrough"));
    } else {
        identity(&dir.join("bin/pullthrough"));
    }
}

#[test]
fn kustomize_krm_function() {
    let tmp = tempfile::tempdir().unwrap();
    let (real, cat) = (tmp.path().join("real"), tmp.path().join("cat"));
    krm_fixture(&real, true);
    krm_fixture(&cat, false);
    let with_pt = host_ok(&mut kustomize_build(&real));
    let with_cat = host_ok(&mut kustomize_build(&cat));
    assert_eq!(with_pt, direct(&with_cat));
    assert_images(&with_pt, &FIXTURE_IMAGES);
}

#[test]
fn kustomize_krm_function_shows_the_error() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("real");
    krm_fixture(&dir, true);
    let config = dir.join("pullthrough-fn.yaml");
    let text = fs::read_to_string(&config).unwrap();
    fs::write(&config, text.replace("  registry:", "  registy:")).unwrap();
    let ran = host(&mut kustomize_build(&dir));
    assert_ne!(ran.code, 0);
    assert_eq!(ran.stdout, "");
    assert!(
        ran.stderr
            .contains("pullthrough: error: functionConfig.spec")
            && ran.stderr.contains("registy"),
        "{}",
        ran.stderr
    );
}

// ---------------------------------------------------------------- kpt

/// A copy of the kpt package, with one more file whose image is pinned by
/// digest (a warning).
fn kpt_package(dir: &Path) -> PathBuf {
    copy_dir(&fixture("kpt"), dir);
    fs::write(
        dir.join("digest-pod.yaml"),
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: pinned\nspec:\n  containers:\n    - name: a\n      image: redis@{DIGEST}\n"
        ),
    )
    .unwrap();
    dir.to_path_buf()
}

fn kpt() -> Command {
    Command::new(on_path("kpt"))
}

/// The identity function for kpt.
fn kpt_identity(tmp: &Path) -> PathBuf {
    let path = tmp.join("identity");
    identity(&path);
    path
}

#[test]
fn kpt_fn_eval_unwrap() {
    let tmp = tempfile::tempdir().unwrap();
    let package = kpt_package(&tmp.path().join("pkg"));
    let cat = kpt_identity(tmp.path());
    let registry = format!("registry={REGISTRY}");
    let results = tmp.path().join("results");
    let with_pt = host_ok(
        kpt()
            .args(["fn", "eval"])
            .arg(&package)
            .arg("--exec")
            .arg(pullthrough())
            .arg("--results-dir")
            .arg(&results)
            .args(["-o", "unwrap", "--", &registry]),
    );
    let with_cat = host_ok(
        kpt()
            .args(["fn", "eval"])
            .arg(&package)
            .arg("--exec")
            .arg(&cat)
            .args(["-o", "unwrap", "--", &registry]),
    );
    assert_eq!(with_pt, direct(&with_cat));
    assert_images(
        &with_pt,
        &[
            "library/nginx:1.25",
            "library/busybox",
            "bitnami/kubectl:1.30",
            "library/alpine:3.20",
            &format!("library/redis@{DIGEST}"),
        ],
    );
    // The digest warning is a result naming the item, field and file.
    let results = fs::read_to_string(results.join("results.yaml")).unwrap();
    for expected in [
        "severity: warning",
        "kind: Pod",
        "name: pinned",
        "path: spec.containers[0].image",
        "path: digest-pod.yaml",
    ] {
        assert!(results.contains(expected), "{expected} in:\n{results}");
    }
}

#[test]
fn kpt_fn_eval_in_place_with_fn_config() {
    let tmp = tempfile::tempdir().unwrap();
    let real = kpt_package(&tmp.path().join("real"));
    let cat = kpt_package(&tmp.path().join("cat"));
    let identity = kpt_identity(tmp.path());
    for (package, exec) in [(&real, pullthrough()), (&cat, identity)] {
        host_ok(
            kpt()
                .args(["fn", "eval"])
                .arg(package)
                .arg("--exec")
                .arg(exec)
                .arg("--fn-config")
                .arg(package.join("pullthrough-fn-config.yaml")),
        );
    }
    let expected: Vec<_> = package_files(&cat)
        .into_iter()
        .map(|(name, text)| (name, direct(&text)))
        .collect();
    let got = package_files(&real);
    assert_eq!(got, expected);
    let web = &got.iter().find(|(n, _)| n == "web.yaml").unwrap().1;
    assert!(web.contains(&format!(
        "image: \"{}\" # pinned",
        cached("library/nginx:1.25")
    )));
}

#[test]
fn kpt_fn_render() {
    let tmp = tempfile::tempdir().unwrap();
    let identity = kpt_identity(tmp.path());
    let mut rendered = Vec::new();
    for (name, exec) in [("real", pullthrough()), ("cat", identity)] {
        let package = kpt_package(&tmp.path().join(name));
        let kptfile = package.join("Kptfile");
        let text = fs::read_to_string(&kptfile).unwrap();
        let exec = exec.display().to_string();
        fs::write(&kptfile, text.replace("PULLTHROUGH_EXEC", &exec)).unwrap();
        host_ok(
            kpt()
                .args(["fn", "render"])
                .arg(&package)
                .arg("--allow-exec"),
        );
        // The Kptfile names its function: put the placeholder back.
        let files: Vec<_> = package_files(&package)
            .into_iter()
            .map(|(n, t)| (n, t.replace(&exec, "PULLTHROUGH_EXEC")))
            .collect();
        rendered.push(files);
    }
    let (got, cat) = (&rendered[0], &rendered[1]);
    let expected: Vec<_> = cat
        .iter()
        .map(|(name, text)| (name.clone(), direct(text)))
        .collect();
    assert_eq!(got, &expected);
    let cronjob = &got.iter().find(|(n, _)| n == "cronjob.yaml").unwrap().1;
    assert!(
        cronjob.contains(&cached("bitnami/kubectl:1.30")),
        "{cronjob}"
    );
}

#[test]
fn kpt_shows_the_error_and_leaves_files() {
    let tmp = tempfile::tempdir().unwrap();
    let package = kpt_package(&tmp.path().join("pkg"));
    let before = package_files(&package);
    let ran = host(
        kpt()
            .args(["fn", "eval"])
            .arg(&package)
            .arg("--exec")
            .arg(pullthrough())
            .args(["--", "registy=x"]),
    );
    assert_ne!(ran.code, 0);
    let shown = format!("{}{}", ran.stdout, ran.stderr);
    assert!(
        shown.contains("[error]: functionConfig.data.registy: unknown setting"),
        "{shown}"
    );
    assert!(shown.contains("Exit code: 2"), "{shown}");
    assert_eq!(package_files(&package), before);
}

// ---------------------------------------------------------------- modes, directly

const RESOURCE_LIST: &str = "apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: v1
  kind: Pod
  metadata:
    name: p
    annotations:
      internal.config.kubernetes.io/path: 'pod.yaml'
  spec:
    containers:
    - name: a
      image: nginx
functionConfig:
  apiVersion: v1
  kind: ConfigMap
  data: {registry: from-config.example.com}
";

/// Flags over environment over functionConfig: the package's config is the
/// default, and whoever runs the host can override it.
#[test]
fn function_config_layers_under_environment_and_flags() {
    use crate::kit::run::{command, run_cmd};
    let image = |out: &crate::kit::run::Run| {
        assert_eq!(out.code, 0, "{}", out.stderr);
        let text = out.stdout();
        text.lines()
            .find_map(|l| l.trim().strip_prefix("image: "))
            .map(|i| i.split('/').next().unwrap().to_string())
            .unwrap_or_else(|| panic!("{text}"))
    };
    let out = run(&[], RESOURCE_LIST.as_bytes());
    assert_eq!(image(&out), "from-config.example.com");
    assert_eq!(
        out.stdout(),
        RESOURCE_LIST.replace(
            "image: nginx",
            "image: from-config.example.com/docker-hub/library/nginx"
        )
    );
    let mut env = command(&[]);
    env.env("PULLTHROUGH_REGISTRY", "from-env.example.com");
    assert_eq!(
        image(&run_cmd(env, RESOURCE_LIST.as_bytes())),
        "from-env.example.com"
    );
    let mut flag = command(&["--registry", "from-flag.example.com"]);
    flag.env("PULLTHROUGH_REGISTRY", "from-env.example.com");
    assert_eq!(
        image(&run_cmd(flag, RESOURCE_LIST.as_bytes())),
        "from-flag.example.com"
    );
}

/// A failing function answers with the ResourceList, items unchanged, and an
/// error result; the exit is non-zero.
#[test]
fn function_failure_is_an_error_result() {
    let input = RESOURCE_LIST.replace(
        "{registry: from-config.example.com}",
        "{registry: 'not a host'}",
    );
    let out = run(&[], input.as_bytes());
    assert_eq!(out.code, 2, "{}", out.stderr);
    let stdout = out.stdout();
    assert!(
        stdout.starts_with("results:\n- {\"message\":\"registry: "),
        "{stdout}"
    );
    assert!(stdout.contains("\"severity\":\"error\""), "{stdout}");
    assert!(stdout.ends_with(&input), "{stdout}");
    assert!(
        out.stderr.starts_with("pullthrough: error: registry: "),
        "{}",
        out.stderr
    );
}

/// Run as `…/PullThrough CONFIG`, the config's spec gives the settings.
#[test]
fn legacy_plugin_mode_from_the_file_name() {
    let tmp = tempfile::tempdir().unwrap();
    let plugin = tmp.path().join(PLUGIN_PATH);
    link_pullthrough(&plugin);
    let config = tmp.path().join("config.yaml");
    fs::write(
        &config,
        format!("apiVersion: pullthrough.dev/v1alpha1\nkind: PullThrough\nmetadata: {{name: x}}\nspec:\n  registry: {REGISTRY}\n"),
    )
    .unwrap();
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: nginx}]\n";
    let mut cmd = Command::new(&plugin);
    cmd.arg(&config);
    let out = crate::kit::run::run_cmd(cmd, pod.as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout(),
        pod.replace(
            "image: nginx",
            &format!("image: {}", cached("library/nginx"))
        )
    );
    let out = crate::kit::run::run_cmd(Command::new(&plugin), pod.as_bytes());
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("the first argument must be the plugin's config file"),
        "{}",
        out.stderr
    );
}

/// The log file is appended to, one timestamped line per message.
#[test]
fn log_appends_warnings_and_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("log");
    let log_arg = log.to_str().unwrap();
    let pod = format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  containers: [{{name: a, image: 'nginx@{DIGEST}'}}]\n"
    );
    let out = run(
        &["--registry", REGISTRY, "--quiet", "--log", log_arg],
        pod.as_bytes(),
    );
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    let out = run(&["--log", log_arg], pod.as_bytes());
    assert_eq!(out.code, 2);
    // A usage error comes before the flags are read: PULLTHROUGH_LOG.
    let mut cmd = crate::kit::run::command(&["--bogus"]);
    cmd.env("PULLTHROUGH_LOG", &log);
    assert_eq!(crate::kit::run::run_cmd(cmd, pod.as_bytes()).code, 2);
    let text = fs::read_to_string(&log).unwrap();
    let lines: Vec<_> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines[0].contains("Z pullthrough: warning: document 1, ")
            && lines[0].contains("digest-pinned"),
        "{text}"
    );
    assert!(
        lines[1].contains("Z pullthrough: error: no cache registry"),
        "{text}"
    );
    assert!(
        lines[2].ends_with("Z pullthrough: error: unexpected argument '--bogus' found"),
        "{text}"
    );
}
