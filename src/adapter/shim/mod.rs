//! Standing in for `helm` and `kustomize`: Argo CD's repo-server runs both
//! from PATH (`exec.CommandContext(ctx, "helm", …)` in util/helm/cmd.go,
//! `kustomize` in util/kustomize/kustomize.go), so a pullthrough found first
//! on PATH under those names sees every render Argo CD makes.
//!
//! This module decides, from `argv`, what a shim does; [`find`] finds the
//! real tool. Running it is the binary's job (`src/cli/shim.rs`).
//!
//! The decision, in order:
//! 1. **The tool is `argv[0]`'s file name**, `helm` or `kustomize` exactly:
//!    a copy, a hard link, a symlink and a mounted file all have it.
//! 2. **Inside another render, pass through.** `kustomize build
//!    --enable-helm` runs `helm template` itself, and kustomize's `images:`
//!    transformer must see the chart's own image names: only the outermost
//!    tool's output is rewritten. A render is running above when a rendering
//!    shim is among the process's ancestors (the binary looks), or when
//!    kustomize runs this helm ([`under_kustomize`]): a kustomize started by
//!    its path (an Application's `kustomize.version`) bypasses the shims,
//!    and rewriting its chart would still break its `images:` overrides.
//!    Nothing is added to the tools' environment, so they render exactly
//!    what they render without the shims.
//! 3. **Only a render is rewritten**: `helm template` (Helm 3 and 4) and
//!    `kustomize build`, found as the first word that is not a global flag
//!    or its value. Every other command (`helm dependency build`, `pull`,
//!    `repo add`, `registry login`, `version`, `kustomize edit …`,
//!    `kustomize version`) is the real tool, exec'd: byte for byte, nothing
//!    of ours in between.
//! 4. **`--help` is no render**: it prints help, not manifests. The values
//!    of the render's own flags are skipped ([`Tool::render_flags_with_values`]):
//!    Argo CD passes an Application's `apiVersions` unchecked, so
//!    `--api-versions -h` is a value, not a request for help.
//! 5. **A render into files is refused**: `helm template --output-dir` and
//!    `kustomize build -o` write manifests we would not see; leaving them
//!    unrewritten without a word would break the promise that every render
//!    goes through the cache. (Argo CD uses neither.)

pub mod find;

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::path::Path;

/// Whether `helm_config_home` (`HELM_CONFIG_HOME`) is one kustomize's
/// helm chart inflator made: kustomize (v4 and v5, standalone or in
/// kubectl) runs `helm` with `HELM_CONFIG_HOME=<tmp>/kustomize-helm-<n>/helm`.
pub fn under_kustomize(helm_config_home: Option<&OsStr>) -> bool {
    helm_config_home.is_some_and(|home| {
        Path::new(home).components().any(|c| {
            c.as_os_str()
                .to_str()
                .and_then(|c| c.strip_prefix("kustomize-helm-"))
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
    })
}

/// The tools a shim stands in for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Helm,
    Kustomize,
}

impl Tool {
    /// The tool `argv[0]` names (step 1), if any.
    pub fn from_argv0(argv0: &OsStr) -> Option<Tool> {
        match Path::new(argv0).file_name()?.to_str()? {
            "helm" => Some(Tool::Helm),
            "kustomize" => Some(Tool::Kustomize),
            _ => None,
        }
    }

    /// The executable's name.
    pub fn name(self) -> &'static str {
        match self {
            Tool::Helm => "helm",
            Tool::Kustomize => "kustomize",
        }
    }

    /// The variable that names the real tool's path.
    pub fn variable(self) -> &'static str {
        match self {
            Tool::Helm => "PULLTHROUGH_HELM",
            Tool::Kustomize => "PULLTHROUGH_KUSTOMIZE",
        }
    }

    /// The subcommand that renders manifests to stdout.
    pub fn render_command(self) -> &'static str {
        match self {
            Tool::Helm => "template",
            Tool::Kustomize => "build",
        }
    }

    /// The global flags that take their value in the next word
    /// (`--namespace ns`), so that word is not taken for the subcommand.
    /// Helm 3.17 and 4's persistent flags; kustomize's only global flag,
    /// `--stack-trace`, takes none.
    fn global_flags_with_values(self) -> &'static [&'static str] {
        match self {
            Tool::Helm => &[
                "--burst-limit",
                "--color",
                "--colour",
                "--content-cache",
                "--kube-apiserver",
                "--kube-as-group",
                "--kube-as-user",
                "--kube-ca-file",
                "--kube-context",
                "--kube-tls-server-name",
                "--kube-token",
                "--kubeconfig",
                "--namespace",
                "-n",
                "--qps",
                "--registry-config",
                "--repository-cache",
                "--repository-config",
            ],
            Tool::Kustomize => &[],
        }
    }

    /// The render's own flags that take their value in the next word: Helm
    /// 3.17 and 4's `template`, kustomize v4 and v5's `build`. Flags whose
    /// value is optional (`--dry-run`, Helm 4's `--wait`) take none there.
    fn render_flags_with_values(self) -> &'static [&'static str] {
        match self {
            Tool::Helm => &[
                "-a",
                "--api-versions",
                "--ca-file",
                "--cert-file",
                "--description",
                "-f",
                "--values",
                "--key-file",
                "--keyring",
                "--kube-version",
                "-l",
                "--labels",
                "--name-template",
                "--output-dir",
                "--password",
                "--post-renderer",
                "--post-renderer-args",
                "--repo",
                "-s",
                "--show-only",
                "--set",
                "--set-file",
                "--set-json",
                "--set-literal",
                "--set-string",
                "--timeout",
                "--username",
                "--version",
            ],
            Tool::Kustomize => &[
                "-e",
                "--env",
                "--helm-api-versions",
                "--helm-command",
                "--helm-kube-version",
                "--load-restrictor",
                "--mount",
                "--network-name",
                "-o",
                "--output",
                "--reorder",
            ],
        }
    }

    /// The render's flags that send its manifests to files (step 5).
    fn output_flags(self) -> &'static [&'static str] {
        match self {
            Tool::Helm => &["--output-dir"],
            Tool::Kustomize => &["--output", "-o"],
        }
    }
}

impl fmt::Display for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a shim does with its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Run the real tool and rewrite its stdout.
    Render,
    /// Exec the real tool: nothing to rewrite.
    PassThrough,
    /// A render whose manifests go to files: refused, with the flag.
    Refuse { flag: String },
}

/// What `tool args…` calls for (steps 2 to 5); `nested` tells whether a
/// render is running above (step 2), asked only of a render.
pub fn action(tool: Tool, args: &[OsString], nested: impl FnOnce() -> bool) -> Action {
    let Some(at) = subcommand(tool, args) else {
        return Action::PassThrough;
    };
    if args[at] != tool.render_command() || nested() {
        return Action::PassThrough;
    }
    let rest = &args[at + 1..];
    let with_values = tool.render_flags_with_values();
    let globals = tool.global_flags_with_values();
    let mut refuse = None;
    let mut i = 0;
    while i < rest.len() {
        let Some(arg) = rest[i].to_str() else {
            i += 1;
            continue;
        };
        // `--` ends the flags: what follows is an operand, even `--help`.
        if arg == "--" {
            break;
        }
        if arg == "--help" || arg == "-h" {
            return Action::PassThrough;
        }
        let name = arg.split_once('=').map_or(arg, |(name, _)| name);
        if refuse.is_none() {
            refuse = output_flag(tool, name, arg);
        }
        // A value in the next word is skipped, whatever it looks like.
        if !arg.contains('=') && (with_values.contains(&arg) || globals.contains(&arg)) {
            i += 1;
        }
        i += 1;
    }
    match refuse {
        Some(flag) => Action::Refuse { flag },
        None => Action::Render,
    }
}

/// The flag, if `arg` (whose name before any `=` is `name`) sends the
/// render to files: `--output-dir`, `-o`, `-oDIR`, `--output`.
fn output_flag(tool: Tool, name: &str, arg: &str) -> Option<String> {
    tool.output_flags()
        .iter()
        .find(|flag| {
            name == **flag || (flag.len() == 2 && arg.starts_with(**flag) && !arg.starts_with("--"))
        })
        .map(|flag| flag.to_string())
}

/// The index of the subcommand: the first word that is neither a flag nor
/// the value of a global flag that takes one.
fn subcommand(tool: Tool, args: &[OsString]) -> Option<usize> {
    let with_values = tool.global_flags_with_values();
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].to_string_lossy();
        if arg == "--" {
            return (i + 1 < args.len()).then_some(i + 1);
        }
        if !arg.starts_with('-') || arg == "-" {
            return Some(i);
        }
        if !arg.contains('=') && with_values.contains(&arg.as_ref()) {
            i += 1;
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn act(tool: Tool, args: &[&str]) -> Action {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        action(tool, &args, || false)
    }

    #[test]
    fn the_tool_is_argv0s_file_name() {
        assert_eq!(Tool::from_argv0("helm".as_ref()), Some(Tool::Helm));
        assert_eq!(
            Tool::from_argv0("/custom-tools/kustomize".as_ref()),
            Some(Tool::Kustomize)
        );
        assert_eq!(Tool::from_argv0("pullthrough".as_ref()), None);
        assert_eq!(Tool::from_argv0("/usr/bin/helm3".as_ref()), None);
        assert_eq!(Tool::from_argv0("helm/pullthrough".as_ref()), None);
    }

    #[test]
    fn argo_cds_template_is_a_render() {
        let args = [
            "template",
            ".",
            "--name-template",
            "web",
            "--namespace",
            "prod",
            "--kube-version",
            "1.31",
            "--values",
            "values.yaml",
            "--api-versions",
            "v1",
            "--include-crds",
        ];
        assert_eq!(act(Tool::Helm, &args), Action::Render);
        assert_eq!(act(Tool::Kustomize, &["build", "apps/web"]), Action::Render);
        assert_eq!(act(Tool::Kustomize, &["build"]), Action::Render);
    }

    #[test]
    fn global_flags_before_the_subcommand() {
        assert_eq!(
            act(Tool::Helm, &["--namespace", "template", "template", "."]),
            Action::Render
        );
        assert_eq!(
            act(Tool::Helm, &["-n", "x", "--debug", "template", "."]),
            Action::Render
        );
        assert_eq!(
            act(Tool::Helm, &["--kube-context=template", "version"]),
            Action::PassThrough
        );
        assert_eq!(
            act(Tool::Kustomize, &["--stack-trace", "build", "."]),
            Action::Render
        );
    }

    #[test]
    fn everything_else_passes_through() {
        for args in [
            &["dependency", "build"][..],
            &["pull", "--repo", "https://charts.example", "redis"],
            &["repo", "add", "x", "https://charts.example"],
            &["registry", "login", "ghcr.io", "--password-stdin"],
            &["show", "values", "."],
            &["lint", "."],
            &["version"],
            &["--help"],
            &[],
            // A word after a value-taking flag is the value, not a command.
            &["--namespace", "template"],
        ] {
            assert_eq!(act(Tool::Helm, args), Action::PassThrough, "{args:?}");
        }
        for args in [
            &["edit", "set", "image", "nginx=nginx:1"][..],
            &["version", "--short"],
            &["cfg", "cat", "."],
        ] {
            assert_eq!(act(Tool::Kustomize, args), Action::PassThrough, "{args:?}");
        }
    }

    #[test]
    fn help_is_no_render() {
        assert_eq!(
            act(Tool::Helm, &["template", "--help"]),
            Action::PassThrough
        );
        assert_eq!(act(Tool::Kustomize, &["build", "-h"]), Action::PassThrough);
        // After `--`, `--help` is an operand.
        assert_eq!(
            act(Tool::Kustomize, &["build", "--", "--help"]),
            Action::Render
        );
    }

    #[test]
    fn a_render_into_files_is_refused() {
        let refused = |flag: &str| Action::Refuse {
            flag: flag.to_string(),
        };
        assert_eq!(
            act(Tool::Helm, &["template", ".", "--output-dir", "out"]),
            refused("--output-dir")
        );
        assert_eq!(
            act(Tool::Helm, &["template", ".", "--output-dir=out"]),
            refused("--output-dir")
        );
        assert_eq!(
            act(Tool::Kustomize, &["build", ".", "-o", "out.yaml"]),
            refused("-o")
        );
        assert_eq!(
            act(Tool::Kustomize, &["build", ".", "-oout.yaml"]),
            refused("-o")
        );
        assert_eq!(
            act(Tool::Kustomize, &["build", ".", "--output=out"]),
            refused("--output")
        );
        // helm template's -o is not a flag of it; --output-dir is the only way.
        assert_eq!(act(Tool::Helm, &["template", "."]), Action::Render);
    }

    #[test]
    fn a_flags_value_is_no_help_and_no_output() {
        // Argo CD passes an Application's apiVersions as they are.
        for args in [
            &["template", ".", "--api-versions", "-h"][..],
            &[
                "template",
                ".",
                "--api-versions",
                "--help",
                "--include-crds",
            ],
            &["template", ".", "-a", "--output-dir"],
            &["template", ".", "--set", "x=1", "--name-template", "--help"],
            &["template", ".", "--namespace", "-h"],
        ] {
            assert_eq!(act(Tool::Helm, args), Action::Render, "{args:?}");
        }
        assert_eq!(
            act(
                Tool::Kustomize,
                &["build", ".", "--helm-api-versions", "-h"]
            ),
            Action::Render
        );
        // The flag's own `=` form holds its value.
        assert_eq!(
            act(Tool::Helm, &["template", ".", "--api-versions=v1", "-h"]),
            Action::PassThrough
        );
    }

    #[test]
    fn kustomizes_helm_is_known_by_its_config_home() {
        let home = |s: &str| under_kustomize(Some(OsStr::new(s)));
        assert!(home("/tmp/kustomize-helm-1719999541/helm"));
        assert!(!home("/tmp/helm/config"));
        assert!(!home("/tmp/kustomize-helm-/helm"));
        assert!(!home("/tmp/kustomize-helm-x1/helm"));
        assert!(!under_kustomize(None));
    }

    #[test]
    fn nested_renders_pass_through() {
        let args: Vec<OsString> = ["template", "."].iter().map(OsString::from).collect();
        assert_eq!(action(Tool::Helm, &args, || true), Action::PassThrough);
    }
}
