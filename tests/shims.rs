//! The shims (`helm`, `kustomize`) run as Argo CD's repo-server runs its
//! tools: the commands of util/helm/cmd.go and util/kustomize/kustomize.go,
//! once with the real binaries alone on PATH and once with the shims first.
//!
//! The contract: a render's stdout through the shim is exactly the pipe's
//! output on the real render, and its stderr begins with the real one;
//! every other command, and every failure, is the real tool's, byte for
//! byte, with its exit code. Helm 3 and Helm 4 (`.tools/bin`, from
//! scripts/install-hosts.sh), kustomize v4 (`.tools/bin`) and kustomize v5
//! (kubectl's, behind a `kustomize` wrapper, for `--enable-helm`).

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::kit::run::{REGISTRY, alive, files, on_path, root, run, tool};

/// How the shims got into their directory: Argo CD's init container
/// copies (`install-shims`); a symlink and a hard link must work as well.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Install {
    Copy,
    Symlink,
    HardLink,
}

/// Which real tools are behind the shims.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Real {
    Helm3,
    Helm4,
}

/// A sandbox: `shims/` (helm and kustomize as pullthrough), `real/` (the
/// real helm and kustomize), `kustomize5/` (a `kustomize` that is kubectl's
/// kustomize v5), and HOME and Helm's directories of its own.
struct Sandbox {
    dir: tempfile::TempDir,
    real: Real,
}

fn make_executable(path: &Path) {
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

fn pullthrough() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_pullthrough"))
}

impl Sandbox {
    fn new(real: Real, install: Install) -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let at = |p: &str| dir.path().join(p);
        for d in ["shims", "real", "kustomize5", "home", "bin"] {
            fs::create_dir(at(d)).unwrap();
        }
        match install {
            Install::Copy => {
                let out = Command::new(pullthrough())
                    .args(["install-shims".as_ref(), at("shims").as_os_str()])
                    .output()
                    .unwrap();
                assert!(out.status.success(), "{out:?}");
                assert!(out.stdout.is_empty());
            }
            Install::Symlink => {
                for name in ["helm", "kustomize"] {
                    std::os::unix::fs::symlink(pullthrough(), at("shims").join(name)).unwrap();
                }
            }
            Install::HardLink => {
                // A hard link needs one file system: link a copy of the binary.
                fs::copy(pullthrough(), at("bin/pullthrough")).unwrap();
                for name in ["helm", "kustomize"] {
                    fs::hard_link(at("bin/pullthrough"), at("shims").join(name)).unwrap();
                }
            }
        }
        let helm = tool(match real {
            Real::Helm3 => "helm3",
            Real::Helm4 => "helm4",
        });
        std::os::unix::fs::symlink(helm, at("real/helm")).unwrap();
        std::os::unix::fs::symlink(tool("kustomize"), at("real/kustomize")).unwrap();
        let wrapper = at("kustomize5/kustomize");
        fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\n# kustomize v5: kubectl's, as `kustomize build DIR`.\n\
                 [ \"$1\" = build ] && shift\nexec {} kustomize \"$@\"\n",
                on_path("kubectl").display()
            ),
        )
        .unwrap();
        make_executable(&wrapper);
        Sandbox { dir, real }
    }

    fn at(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    /// `program args…` in `cwd`, with the shims first on PATH or not, and
    /// `kustomize5` for kubectl's kustomize in place of kustomize v4.
    fn command(&self, shims: bool, kustomize5: bool, program: &str, args: &[&str]) -> Command {
        let mut path = Vec::new();
        if shims {
            path.push(self.at("shims"));
        }
        if kustomize5 {
            path.push(self.at("kustomize5"));
        }
        path.push(self.at("real"));
        path.extend(["/usr/local/bin", "/usr/bin", "/bin"].map(PathBuf::from));
        let mut cmd = Command::new(program);
        cmd.args(args).env_clear();
        cmd.env("PATH", std::env::join_paths(path).unwrap())
            .env("HOME", self.at("home"))
            // As Argo CD's Cmd.run: Helm's directories in a temporary home.
            .env("XDG_CACHE_HOME", self.at("home/cache"))
            .env("XDG_CONFIG_HOME", self.at("home/config"))
            .env("XDG_DATA_HOME", self.at("home/data"))
            .env("HELM_CONFIG_HOME", self.at("home/config"))
            .env("PULLTHROUGH_REGISTRY", REGISTRY)
            .stdin(Stdio::null());
        cmd
    }
}

/// What a command did.
#[derive(Debug, PartialEq, Eq)]
struct Ran {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
}

fn ran(cmd: &mut Command) -> Ran {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    Ran {
        code: out.status.code(),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The pipe on `stdout`: what the shim must print for a render.
fn piped(stdout: &[u8]) -> Vec<u8> {
    let out = run(&["--registry", REGISTRY, "--quiet"], stdout);
    assert_eq!(out.code, 0, "the pipe failed: {}", out.stderr);
    out.stdout
}

/// Runs `program args` in `cwd` (a fresh copy of `app` for each run when
/// given, as renders may write into it) natively and through the shims, and
/// checks the contract: a successful render is the pipe on the native
/// output; anything else is the same run.
#[track_caller]
fn same_as_native(
    sandbox: &Sandbox,
    kustomize5: bool,
    app: Option<&Path>,
    cwd_in_app: &str,
    program: &str,
    args: &[&str],
    render: bool,
) -> (Ran, bool) {
    let one = |shims: bool| {
        let cwd = match app {
            Some(app) => {
                // The same path both times: messages may name it.
                let copy = sandbox.at("work");
                let _ = fs::remove_dir_all(&copy);
                copy_dir(app, &copy);
                copy.join(cwd_in_app)
            }
            None => sandbox.at("home"),
        };
        let mut cmd = sandbox.command(shims, kustomize5, program, args);
        cmd.current_dir(&cwd);
        ran(&mut cmd)
    };
    let native = one(false);
    let shimmed = one(true);
    let what = format!("{program} {} ({:?})", args.join(" "), sandbox.real);
    if render && native.code == Some(0) {
        assert_eq!(shimmed.code, Some(0), "{what}: {}", shimmed.stderr);
        let want = piped(&native.stdout);
        assert!(
            shimmed.stdout == want,
            "{what}: the shim's output is not the pipe's on the native render:\n{}",
            crate::kit::run::diff(
                &String::from_utf8_lossy(&want),
                &String::from_utf8_lossy(&shimmed.stdout)
            )
        );
        assert!(
            shimmed.stderr.starts_with(&native.stderr),
            "{what}: stderr\n{}\nis not the real tool's\n{}",
            shimmed.stderr,
            native.stderr
        );
    } else {
        assert_eq!(shimmed, native, "{what}");
    }
    let rewritten = shimmed.stdout != native.stdout;
    (native, rewritten)
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            copy_dir(&entry.path(), &target);
        } else if kind.is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(entry.path()).unwrap(), &target).unwrap();
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// `helm template` as util/helm/cmd.go builds it for an app.
fn argo_cd_template(extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "template",
        ".",
        "--name-template",
        "shop",
        "--namespace",
        "shop",
        "--kube-version",
        "1.31.0",
    ]
    .map(String::from)
    .to_vec();
    args.extend(extra.iter().map(|s| s.to_string()));
    for v in ["v1", "apps/v1", "batch/v1", "monitoring.coreos.com/v1"] {
        args.extend(["--api-versions".to_string(), v.to_string()]);
    }
    args
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// Helm apps of testdata, with the arguments Argo CD would add.
/// What a render of an app should do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Render, with Docker Hub images to rewrite.
    Rewritten,
    /// Render, with no Docker Hub image (the argo-cd chart's are quay.io's
    /// and ECR Public's).
    Unchanged,
    /// Fail in the real tool.
    Fails,
}

fn helm_apps() -> Vec<(PathBuf, &'static str, Vec<String>, Expect)> {
    // Copied whole: a chart's `file://../../charts/cache` dependency is
    // relative to it.
    let repo = root().join("testdata/generate/repo");
    let with = |extra: &[&str]| argo_cd_template(extra);
    let prod = [
        "--set",
        "replicas=3",
        "--set-string",
        "image.tag=1.27",
        "--values",
        "values-prod.yaml",
        "--include-crds",
    ];
    let crds = ["--include-crds"];
    vec![
        (repo.clone(), "apps/chart", with(&prod), Expect::Rewritten),
        (
            repo.clone(),
            "apps/chart",
            with(&["--skip-crds", "--skip-tests"]),
            Expect::Rewritten,
        ),
        (
            repo.clone(),
            "apps/glob-chart",
            with(&[
                "--values",
                "envs/a.yaml",
                "--values",
                "envs/b.yaml",
                "--include-crds",
            ]),
            Expect::Rewritten,
        ),
        (
            repo.clone(),
            "apps/broken-chart",
            with(&crds),
            Expect::Fails,
        ),
        (repo, "charts/cache", with(&crds), Expect::Rewritten),
        (
            root().join("testdata/hosts/chart"),
            ".",
            with(&crds),
            Expect::Rewritten,
        ),
        (
            root().join("testdata/charts/argo-cd"),
            ".",
            with(&crds),
            Expect::Unchanged,
        ),
    ]
}

#[test]
fn argo_cds_helm_commands_on_testdatas_charts_helm_3_and_4() {
    for real in [Real::Helm3, Real::Helm4] {
        let sandbox = Sandbox::new(real, Install::Copy);
        for (app, chart, args, expect) in helm_apps() {
            // Argo CD builds the dependencies first when charts/ lacks them,
            same_as_native(
                &sandbox,
                false,
                Some(&app),
                chart,
                "helm",
                &["dependency", "build"],
                false,
            );
            // then renders in the directory the build filled.
            let built = sandbox.at("built");
            let _ = fs::remove_dir_all(&built);
            copy_dir(&app, &built);
            let _ = ran(sandbox
                .command(false, false, "helm", &["dependency", "build"])
                .current_dir(built.join(chart)));
            let (native, rewritten) = same_as_native(
                &sandbox,
                false,
                Some(&built),
                chart,
                "helm",
                &strs(&args),
                true,
            );
            let what = format!("{}/{chart} ({real:?})", app.display());
            let renders = expect != Expect::Fails;
            assert_eq!(native.code == Some(0), renders, "{what}: {}", native.stderr);
            assert_eq!(rewritten, expect == Expect::Rewritten, "{what}: rewritten");
        }
    }
}

#[test]
fn argo_cds_kustomize_build_from_the_repository_root() {
    let sandbox = Sandbox::new(Real::Helm3, Install::Symlink);
    let repo = root().join("testdata/generate/repo");
    for (kustomize5, path, renders) in [
        (false, "apps/kustomize", true),
        (false, "bases/web", true),
        (true, "apps/kustomize", true),
        (false, "apps/no-such-app", false),
    ] {
        let (native, rewritten) = same_as_native(
            &sandbox,
            kustomize5,
            Some(&repo),
            ".",
            "kustomize",
            &["build", path],
            true,
        );
        assert_eq!(native.code == Some(0), renders, "{path}: {}", native.stderr);
        assert_eq!(rewritten, renders, "{path}");
    }
}

/// Every corpus chart as a Helm app (its rendered file served by
/// `.Files.Get`) and as a kustomization, under Helm 3 and Helm 4.
#[test]
fn every_corpus_chart_through_argo_cds_commands() {
    let corpus = files(&root().join("testdata/corpus"));
    assert!(corpus.len() >= 100, "the corpus is missing");
    let sandboxes = [
        Sandbox::new(Real::Helm3, Install::HardLink),
        Sandbox::new(Real::Helm4, Install::Copy),
    ];
    let counts: Vec<(usize, usize, usize)> = std::thread::scope(|scope| {
        let workers: Vec<_> = sandboxes
            .iter()
            .map(|sandbox| {
                let corpus = &corpus;
                scope.spawn(move || {
                    // Renders rewritten; kustomize builds that rendered; rewritten.
                    let (mut helm_rewritten, mut built, mut built_rewritten) = (0, 0, 0);
                    for file in corpus {
                        let app = sandbox.at("corpus-app");
                        let _ = fs::remove_dir_all(&app);
                        fs::create_dir_all(app.join("templates")).unwrap();
                        fs::copy(file, app.join("rendered.yaml")).unwrap();
                        fs::write(
                            app.join("Chart.yaml"),
                            "apiVersion: v2\nname: corpus\nversion: 0.1.0\n",
                        )
                        .unwrap();
                        fs::write(
                            app.join("templates/all.yaml"),
                            "{{ .Files.Get \"rendered.yaml\" }}\n",
                        )
                        .unwrap();
                        fs::write(app.join("values-extra.yaml"), "extra: true\n").unwrap();
                        fs::write(
                            app.join("kustomization.yaml"),
                            "resources: [rendered.yaml]\n",
                        )
                        .unwrap();
                        let args = argo_cd_template(&[
                            "--set",
                            "a=1",
                            "--set-string",
                            "b=2",
                            "--set-file",
                            "c=values-extra.yaml",
                            "--values",
                            "values-extra.yaml",
                            "--include-crds",
                        ]);
                        let name = file.file_name().unwrap().to_string_lossy().into_owned();
                        let (rendered, rewritten) = same_as_native(
                            sandbox,
                            false,
                            Some(&app),
                            ".",
                            "helm",
                            &strs(&args),
                            true,
                        );
                        assert_eq!(rendered.code, Some(0), "{name}: {}", rendered.stderr);
                        helm_rewritten += usize::from(rewritten);
                        if sandbox.real == Real::Helm3 {
                            let (build, rewritten) = same_as_native(
                                sandbox,
                                true,
                                Some(&app),
                                "..",
                                "kustomize",
                                &["build", "work"],
                                true,
                            );
                            built += usize::from(build.code == Some(0));
                            built_rewritten += usize::from(rewritten);
                        }
                    }
                    (helm_rewritten, built, built_rewritten)
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    // Nearly every corpus chart has a Docker Hub image; kustomize refuses a
    // few (duplicate objects), and those failures were compared above.
    let n = corpus.len();
    eprintln!("corpus of {n}: (helm rewritten, kustomize built, rewritten) {counts:?}");
    for (helm, (rewritten, _, _)) in ["Helm 3", "Helm 4"].iter().zip(&counts) {
        assert!(
            *rewritten * 10 >= n * 9,
            "{helm}: only {rewritten} of {n} rewritten"
        );
    }
    let (_, built, rewritten) = counts[0];
    assert!(built * 10 >= n * 8, "kustomize built only {built} of {n}");
    assert!(
        rewritten * 10 >= built * 9,
        "{rewritten} of {built} builds rewritten"
    );
}

#[test]
fn commands_that_render_nothing_are_the_real_tools_byte_for_byte() {
    let chart = root().join("testdata/hosts/chart");
    let kustomization = root().join("testdata/generate/repo/apps/kustomize");
    for real in [Real::Helm3, Real::Helm4] {
        let sandbox = Sandbox::new(real, Install::Symlink);
        for args in [
            &["version"][..],
            &["--help"],
            &["template", "--help"],
            &["template", ".", "-h"],
            &["show", "chart", "."],
            &["show", "values", "."],
            &["lint", "."],
            &["repo", "list"],
            &["dependency", "list", "."],
            &["no-such-command"],
            &["pull", "oci://127.0.0.1:1/charts/web", "--version", "1.0.0"],
        ] {
            same_as_native(&sandbox, false, Some(&chart), ".", "helm", args, false);
        }
        for args in [
            &["version"][..],
            &["build", "--help"],
            &["--help"],
            &["cfg", "tree", "."],
        ] {
            same_as_native(
                &sandbox,
                false,
                Some(&kustomization),
                ".",
                "kustomize",
                args,
                false,
            );
        }
    }
}

#[test]
fn pass_through_keeps_stdin_and_edits_files_as_the_real_tool() {
    let sandbox = Sandbox::new(Real::Helm4, Install::Copy);
    let app = root().join("testdata/generate/repo/apps/kustomize");
    let edited = |shims: bool| {
        let work = sandbox.at(if shims { "edit-shim" } else { "edit-real" });
        copy_dir(&app, &work);
        let out = ran(sandbox
            .command(
                shims,
                false,
                "kustomize",
                &["edit", "set", "image", "nginx=nginx:1.28"],
            )
            .current_dir(&work));
        (out, fs::read(work.join("kustomization.yaml")).unwrap())
    };
    assert_eq!(edited(true), edited(false));
    // stdin reaches the real tool: helm registry login reads the password.
    let login = |shims: bool| {
        let mut cmd = sandbox.command(
            shims,
            false,
            "helm",
            &[
                "registry",
                "login",
                "127.0.0.1:1",
                "--username",
                "u",
                "--password-stdin",
            ],
        );
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(b"secret\n").unwrap();
        let out = child.wait_with_output().unwrap();
        (out.status.code(), out.stdout, out.stderr)
    };
    assert_eq!(login(true), login(false));
}

#[test]
fn a_nested_render_is_rewritten_once_and_keeps_kustomizes_images_override() {
    let sandbox = Sandbox::new(Real::Helm3, Install::Copy);
    let app = root().join("testdata/shims/helm-in-kustomize");
    let native = same_as_native(
        &sandbox,
        true,
        Some(&app),
        ".",
        "kustomize",
        &["build", "--enable-helm", "."],
        true,
    );
    let native = String::from_utf8(native.0.stdout).unwrap();
    assert!(native.contains("image: nginx:1.27.1"), "{native}");
    let mut cmd = sandbox.command(true, true, "kustomize", &["build", "--enable-helm", "."]);
    let work = sandbox.at("nested");
    copy_dir(&app, &work);
    let out = ran(cmd.current_dir(&work));
    let out = String::from_utf8(out.stdout).unwrap();
    // The override held (the inner helm was not rewritten), and the outer
    // render was.
    assert!(
        out.contains(&format!(
            "image: {REGISTRY}/docker-hub/library/nginx:1.27.1"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "image: {REGISTRY}/docker-hub/library/busybox:1.36"
        )),
        "{out}"
    );
    assert!(out.contains("imagePullPolicy: IfNotPresent"), "{out}");
}

#[test]
fn a_failed_rewrite_prints_nothing_and_says_why() {
    let sandbox = Sandbox::new(Real::Helm4, Install::Symlink);
    let app = root().join("testdata/hosts/chart");
    // No registry: a usage error before the real tool runs.
    let mut cmd = sandbox.command(true, false, "helm", &["template", "web", "."]);
    cmd.current_dir(&app).env_remove("PULLTHROUGH_REGISTRY");
    let out = ran(&mut cmd);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.starts_with(
            "pullthrough: error: no cache registry: the shims take it from the environment"
        ),
        "{}",
        out.stderr
    );
    // A render that is not YAML: the tool succeeded, the rewrite cannot.
    let fake = sandbox.at("fake");
    fs::create_dir(&fake).unwrap();
    fs::write(
        fake.join("helm"),
        "#!/bin/sh\nprintf 'kind: A\\n---\\na: [\\n'\n",
    )
    .unwrap();
    make_executable(&fake.join("helm"));
    let mut cmd = sandbox.command(true, false, "helm", &["template", "x", "."]);
    cmd.env("PULLTHROUGH_HELM", fake.join("helm"));
    let out = ran(&mut cmd);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr
            .starts_with("pullthrough: error: helm template output: document 2"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_render_into_files_is_refused() {
    let sandbox = Sandbox::new(Real::Helm3, Install::Symlink);
    let app = root().join("testdata/hosts/chart");
    let out_dir = sandbox.at("out");
    let out = ran(sandbox
        .command(
            true,
            false,
            "helm",
            &[
                "template",
                "web",
                ".",
                "--output-dir",
                out_dir.to_str().unwrap(),
            ],
        )
        .current_dir(&app));
    assert_eq!(out.code, Some(2));
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr
            .contains("`helm template --output-dir` writes the manifests to files"),
        "{}",
        out.stderr
    );
    assert!(!out_dir.exists(), "the real helm ran");
    let out = ran(sandbox
        .command(true, false, "kustomize", &["build", ".", "-o", "out.yaml"])
        .current_dir(root().join("testdata/generate/repo/apps/kustomize")));
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains("`kustomize build -o`"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_shim_never_runs_itself() {
    let sandbox = Sandbox::new(Real::Helm3, Install::Symlink);
    // Only the shims on PATH: no real helm.
    let mut cmd = sandbox.command(true, false, "helm", &["version"]);
    cmd.env("PATH", sandbox.at("shims"));
    let out = ran(&mut cmd);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(
        out.stderr.contains("found no real `helm` on PATH"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("PULLTHROUGH_HELM"), "{}", out.stderr);
    // A copy of pullthrough taken for the real helm (another file, so not
    // skipped as the shim itself): it searches on after its own directory,
    // finds nothing, and says so; the chain ends.
    let copy = sandbox.at("copy");
    fs::create_dir(&copy).unwrap();
    fs::copy(pullthrough(), copy.join("helm")).unwrap();
    let path = std::env::join_paths([sandbox.at("shims"), copy.clone()]).unwrap();
    for args in [&["version"][..], &["template", "x", "."]] {
        let mut cmd = sandbox.command(true, false, "helm", args);
        cmd.env("PATH", &path);
        let out = ran(&mut cmd);
        assert_eq!(out.code, Some(2), "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.contains("found no real `helm` on PATH"),
            "{}",
            out.stderr
        );
    }
    // PULLTHROUGH_HELM naming the shim itself.
    let mut cmd = sandbox.command(true, false, "helm", &["version"]);
    cmd.env("PULLTHROUGH_HELM", sandbox.at("shims/helm"));
    let out = ran(&mut cmd);
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("is this shim itself"), "{}", out.stderr);
    // PULLTHROUGH_HELM naming the real one, with no real one on PATH.
    let mut cmd = sandbox.command(true, false, "helm", &["version", "--short"]);
    cmd.env("PATH", sandbox.at("shims"))
        .env("PULLTHROUGH_HELM", tool("helm3"));
    let out = ran(&mut cmd);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("v3."));
}

/// A fake real tool that records its pid and its child's, then waits.
fn sleeper(dir: &Path, name: &str, pids: &Path, trap: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(
        &path,
        format!(
            "#!/bin/sh\n{trap}\nsleep 30 &\necho $$ $! >> {}\nwait\n",
            pids.display()
        ),
    )
    .unwrap();
    make_executable(&path);
    path
}

fn wait_for_pids(pids: &Path) -> Vec<String> {
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(text) = fs::read_to_string(pids) {
            if text.ends_with('\n') {
                return text.split_whitespace().map(str::to_string).collect();
            }
        }
        assert!(Instant::now() < until, "the fake tool never started");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Every descendant of `pid`, from /proc.
fn descendants(pid: u32) -> Vec<String> {
    let mut found = vec![pid.to_string()];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i].clone();
        for entry in fs::read_dir("/proc").unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            let Ok(stat) = fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1).map(str::to_string));
            if ppid.as_deref() == Some(parent.as_str()) && !found.contains(&name) {
                found.push(name);
            }
        }
        i += 1;
    }
    found
}

#[track_caller]
fn all_gone(pids: &[String]) {
    let until = Instant::now() + Duration::from_secs(5);
    while pids.iter().any(|p| alive(p)) {
        assert!(
            Instant::now() < until,
            "outlived the shim: {:?}",
            pids.iter().filter(|p| alive(p)).collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn no_process_outlives_a_killed_shim() {
    let sandbox = Sandbox::new(Real::Helm3, Install::Copy);
    // kustomize build --enable-helm, killed while its helm runs: the shim,
    // its watchdog, kustomize, the inner helm (a fake that sleeps) and its
    // child must all go.
    let fake = sandbox.at("fake");
    fs::create_dir(&fake).unwrap();
    let pids = sandbox.at("pids");
    let helm = sleeper(&fake, "helm", &pids, "");
    let app = sandbox.at("nested");
    copy_dir(&root().join("testdata/shims/helm-in-kustomize"), &app);
    let mut cmd = sandbox.command(true, true, "kustomize", &["build", "--enable-helm", "."]);
    cmd.current_dir(&app)
        .env("PULLTHROUGH_HELM", &helm)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut shim = cmd.spawn().unwrap();
    let fake_pids = wait_for_pids(&pids);
    let tree = descendants(shim.id());
    assert!(tree.len() >= 4, "{tree:?}");
    shim.kill().unwrap();
    shim.wait().unwrap();
    all_gone(&tree);
    all_gone(&fake_pids);
}

#[test]
fn sigterm_and_sigint_reach_the_real_tool() {
    let sandbox = Sandbox::new(Real::Helm4, Install::Symlink);
    let fake = sandbox.at("fake");
    fs::create_dir(&fake).unwrap();
    for (signal, name, code) in [
        (rustix::process::Signal::TERM, "TERM", 7),
        (rustix::process::Signal::INT, "INT", 5),
    ] {
        let pids = sandbox.at("pids");
        let _ = fs::remove_file(&pids);
        // The fake stops its child and exits with a code of its own.
        let trap = format!("trap 'kill $!; exit {code}' {name}");
        let helm = sleeper(&fake, name, &pids, &trap);
        let mut cmd = sandbox.command(true, false, "helm", &["template", "x", "."]);
        cmd.env("PULLTHROUGH_HELM", &helm)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let shim = cmd.spawn().unwrap();
        let fake_pids = wait_for_pids(&pids);
        let tree = descendants(shim.id());
        let pid = rustix::process::Pid::from_raw(shim.id() as i32).unwrap();
        rustix::process::kill_process(pid, signal).unwrap();
        let out = shim.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(code), "{name}: {out:?}");
        assert!(out.stdout.is_empty(), "{out:?}");
        all_gone(&tree);
        all_gone(&fake_pids);
    }
}

#[test]
fn a_tool_killed_by_a_signal_kills_the_shim_by_it() {
    let sandbox = Sandbox::new(Real::Helm3, Install::Symlink);
    let fake = sandbox.at("fake");
    fs::create_dir(&fake).unwrap();
    fs::write(
        fake.join("helm"),
        "#!/bin/sh\necho partial\nkill -SEGV $$\n",
    )
    .unwrap();
    make_executable(&fake.join("helm"));
    let mut cmd = sandbox.command(true, false, "helm", &["template", "x", "."]);
    cmd.env("PULLTHROUGH_HELM", fake.join("helm"));
    let out = cmd.output().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(out.status.signal(), Some(11), "{out:?}");
    // The tool's own output, as it came.
    assert_eq!(out.stdout, b"partial\n");
}

#[test]
fn discover_takes_exactly_argo_cds_plain_directories() {
    let repo = root().join("testdata/generate/repo");
    for (app, plain) in [
        ("apps/plain", true),
        ("apps/directory", true),
        ("apps/empty", true),
        ("apps/chart", false),
        ("apps/glob-chart", false),
        ("apps/kustomize", false),
        ("bases/web", false),
    ] {
        let out = crate::kit::run::command(&["discover"])
            .current_dir(repo.join(app))
            .output()
            .unwrap();
        assert!(out.status.success(), "{app}: {out:?}");
        assert_eq!(!out.stdout.is_empty(), plain, "{app}: {out:?}");
        let out = crate::kit::run::command(&["discover", repo.join(app).to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(!out.stdout.is_empty(), plain, "{app}");
    }
}

#[test]
fn install_shims_writes_both_executables_and_replaces_old_ones() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("helm"), "old").unwrap();
    for _ in 0..2 {
        let out = crate::kit::run::command(&["install-shims", dir.path().to_str().unwrap()])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        assert!(out.stdout.is_empty());
    }
    let binary = fs::read(pullthrough()).unwrap();
    for name in ["helm", "kustomize"] {
        let path = dir.path().join(name);
        assert!(
            fs::read(&path).unwrap() == binary,
            "{name} is not the binary"
        );
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o755
        );
    }
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    // A missing directory is made; one that cannot be is an error naming it.
    let new = dir.path().join("new/tools");
    let out = crate::kit::run::command(&["install-shims", new.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(new.join("helm").is_file() && new.join("kustomize").is_file());
    let blocked = dir.path().join("helm/tools");
    let out = crate::kit::run::command(&["install-shims", blocked.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("helm/tools"),
        "{out:?}"
    );
}

#[test]
fn warnings_go_to_stderr_and_the_log_and_the_report_is_written() {
    let sandbox = Sandbox::new(Real::Helm4, Install::Symlink);
    let fake = sandbox.at("fake");
    fs::create_dir(&fake).unwrap();
    // A digest pin: the cache cannot be filled by it, and pullthrough warns.
    let digest = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
    fs::write(
        fake.join("helm"),
        format!(
            "#!/bin/sh\necho 'from helm' >&2\nprintf 'kind: Pod\\nspec:\\n  containers:\\n    - image: nginx@{digest}\\n'\n"
        ),
    )
    .unwrap();
    make_executable(&fake.join("helm"));
    let log = sandbox.at("pullthrough.log");
    let report = sandbox.at("report.json");
    let mut cmd = sandbox.command(true, false, "helm", &["template", "x", "."]);
    cmd.env("PULLTHROUGH_HELM", fake.join("helm"))
        .env("PULLTHROUGH_LOG", &log)
        .env("PULLTHROUGH_REPORT", &report);
    let out = ran(&mut cmd);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains(&format!(
            "image: {REGISTRY}/docker-hub/library/nginx@{digest}"
        )),
        "{stdout}"
    );
    // The tool's stderr first, then pullthrough's warning.
    assert!(
        out.stderr
            .starts_with("from helm\npullthrough: warning: helm template output: "),
        "{}",
        out.stderr
    );
    let logged = fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("pullthrough: warning: helm template output: "),
        "{logged}"
    );
    let report = fs::read_to_string(&report).unwrap();
    assert!(report.contains("\"images\""), "{report}");
    // A blank variable is unset, as everywhere.
    let mut cmd = sandbox.command(true, false, "helm", &["template", "x", "."]);
    cmd.env("PULLTHROUGH_HELM", fake.join("helm"))
        .env("PULLTHROUGH_LOG", "")
        .env("PULLTHROUGH_REPORT", " ");
    let out = ran(&mut cmd);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
}

/// Review finding: a kustomize that Argo CD runs by its path (an
/// Application's `kustomize.version`) bypasses the kustomize shim but still
/// runs `helm` from PATH; that helm must not be rewritten, or the
/// kustomization's `images:` override no longer matches the chart's names.
#[test]
fn a_kustomize_run_by_its_path_keeps_its_images_override() {
    let sandbox = Sandbox::new(Real::Helm3, Install::Copy);
    let app = root().join("testdata/shims/helm-in-kustomize");
    let kustomize = sandbox.at("kustomize5/kustomize");
    let run = |shims: bool| {
        let work = sandbox.at(if shims {
            "by-path-shims"
        } else {
            "by-path-real"
        });
        copy_dir(&app, &work);
        let mut cmd = sandbox.command(
            shims,
            false,
            kustomize.to_str().unwrap(),
            &["build", "--enable-helm", "."],
        );
        cmd.current_dir(&work).output().unwrap()
    };
    let (native, shimmed) = (run(false), run(true));
    assert!(native.status.success(), "{native:?}");
    assert_eq!(shimmed.stdout, native.stdout);
    assert!(String::from_utf8_lossy(&shimmed.stdout).contains("image: nginx:1.27.1"));
}

/// Review finding: Argo CD passes an Application's `apiVersions` as they
/// are, so `--api-versions -h` is a value, not a request for help.
#[test]
fn a_flag_value_that_looks_like_help_is_still_rendered() {
    let sandbox = Sandbox::new(Real::Helm4, Install::Symlink);
    let chart = root().join("testdata/hosts/chart");
    let (native, rewritten) = same_as_native(
        &sandbox,
        false,
        Some(&chart),
        ".",
        "helm",
        &[
            "template",
            "x",
            ".",
            "--api-versions",
            "-h",
            "--api-versions",
            "--help",
        ],
        true,
    );
    assert_eq!(native.code, Some(0), "{}", native.stderr);
    assert!(rewritten);
}

/// Review finding: a supervisor that kills the shim's whole process group
/// (argocd-cmp-server kills `-pid`) must take the tool with it too.
#[test]
fn no_process_outlives_a_killed_process_group() {
    let sandbox = Sandbox::new(Real::Helm3, Install::Symlink);
    let fake = sandbox.at("fake");
    fs::create_dir(&fake).unwrap();
    let pids = sandbox.at("pids");
    let helm = sleeper(&fake, "helm", &pids, "trap '' TERM");
    let mut cmd = sandbox.command(true, false, "helm", &["template", "x", "."]);
    use std::os::unix::process::CommandExt;
    cmd.env("PULLTHROUGH_HELM", &helm)
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut shim = cmd.spawn().unwrap();
    let fake_pids = wait_for_pids(&pids);
    let tree = descendants(shim.id());
    let group = rustix::process::Pid::from_raw(shim.id() as i32).unwrap();
    rustix::process::kill_process_group(group, rustix::process::Signal::KILL).unwrap();
    shim.wait().unwrap();
    all_gone(&tree);
    all_gone(&fake_pids);
}

/// Review finding: a SIGTERM that comes once the tool has exited, while the
/// output is rewritten, ends the shim by it, with nothing written.
#[test]
fn a_sigterm_while_rewriting_writes_nothing() {
    let sandbox = Sandbox::new(Real::Helm3, Install::Symlink);
    let fake = sandbox.at("fake");
    fs::create_dir(&fake).unwrap();
    // Enough manifests to keep the rewrite busy well after the tool exits.
    let big = sandbox.at("big.yaml");
    let doc = "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: nginx:1.25\n";
    fs::write(&big, doc.repeat(200_000)).unwrap();
    let done = sandbox.at("done");
    fs::write(
        fake.join("helm"),
        format!(
            "#!/bin/sh\ncat {}\ntouch {}\n",
            big.display(),
            done.display()
        ),
    )
    .unwrap();
    make_executable(&fake.join("helm"));
    let mut cmd = sandbox.command(true, false, "helm", &["template", "x", "."]);
    cmd.env("PULLTHROUGH_HELM", fake.join("helm"))
        .env("PULLTHROUGH_THREADS", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let shim = cmd.spawn().unwrap();
    let until = Instant::now() + Duration::from_secs(60);
    while !done.exists() {
        assert!(Instant::now() < until, "the fake tool never finished");
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(50));
    let pid = rustix::process::Pid::from_raw(shim.id() as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    let out = shim.wait_with_output().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(out.status.signal(), Some(15), "{:?}", out.status);
    assert!(out.stdout.is_empty(), "{} bytes written", out.stdout.len());
}

/// Review finding: the real tool's environment is its own; the shims add
/// nothing to it (a kustomize env file's bare key reads the environment).
#[test]
fn the_tools_environment_is_untouched() {
    let sandbox = Sandbox::new(Real::Helm4, Install::Copy);
    let fake = sandbox.at("fake");
    fs::create_dir(&fake).unwrap();
    // The environment as YAML comments: the rewrite leaves them as they are.
    fs::write(
        fake.join("helm"),
        "#!/bin/sh\nenv | grep -v '^_=' | sort | sed 's/^/# /'\n",
    )
    .unwrap();
    make_executable(&fake.join("helm"));
    let env_of = |shims: bool, args: &[&str]| {
        let mut cmd = sandbox.command(shims, false, "helm", args);
        // The fake is the real helm: first on PATH, after the shims.
        let mut path = vec![fake.clone()];
        if shims {
            path.insert(0, sandbox.at("shims"));
        }
        path.extend(["/usr/bin", "/bin"].map(PathBuf::from));
        cmd.env("PATH", std::env::join_paths(path).unwrap());
        let out = ran(&mut cmd);
        assert_eq!(out.code, Some(0), "{}", out.stderr);
        String::from_utf8(out.stdout).unwrap()
    };
    for args in [&["template", "x", "."][..], &["version"]] {
        // PATH differs by the shims' own directory, as it must.
        let strip = |s: String| {
            s.lines()
                .filter(|l| !l.starts_with("# PATH="))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(
            strip(env_of(true, args)),
            strip(env_of(false, args)),
            "{args:?}"
        );
    }
}
