//! `pullthrough discover`: whether Argo CD would read an app as a plain
//! directory, for the discovering plugin (`plugin-directory.yaml`).
//!
//! Argo CD asks every discovering plugin first, for each app whose source
//! names no type, and falls back to its own detection when none answers
//! (util/app/discovery/discovery.go, `Discover` and `AppType`). With the
//! shims standing in for `helm` and `kustomize`, Helm and Kustomize apps
//! must fall through to Argo CD, so the plugin takes exactly the apps
//! Argo CD would read as plain directories:
//!
//! 1. **Not Helm**: no file at the app's root whose name ends in
//!    `Chart.yaml` (Argo CD tests `strings.HasSuffix(base, "Chart.yaml")`, so
//!    `MyChart.yaml` counts).
//! 2. **Not Kustomize**: no `kustomization.yaml`, `kustomization.yml` or
//!    `Kustomization` there (`kustomize.IsKustomization`).
//! 3. Only the root counts: `AppType` looks only at `apps["."]`. Files are
//!    what `filepath.Walk` reports as not directories: a symlink named
//!    `Chart.yaml` counts, a directory named so does not.
//! 4. **Not Jsonnet**: a `*.jsonnet` file at the root is left to Argo CD,
//!    which evaluates it; `generate` refuses Jsonnet, so taking the app
//!    would turn a working app into an error. Such an app is not rewritten
//!    (docs/argocd.md says what to do with it).

use std::fs;
use std::io;
use std::path::Path;

use super::render::KUSTOMIZATION_FILES;

/// Why an app is not the plugin's, or `None` when it is a plain directory
/// the plugin takes.
pub fn not_plain(dir: &Path) -> io::Result<Option<String>> {
    let mut names: Vec<String> = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        // Not followed: filepath.Walk lstats, so a symlink is a file.
        if entry.file_type()?.is_dir() {
            continue;
        }
        names.push(entry.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    let found = |test: &dyn Fn(&str) -> bool, what: &str| {
        names
            .iter()
            .find(|n| test(n))
            .map(|n| format!("{n}: {what}"))
    };
    Ok(
        found(&|n| KUSTOMIZATION_FILES.contains(&n), "a Kustomize app")
            .or_else(|| found(&|n| n.ends_with("Chart.yaml"), "a Helm app"))
            .or_else(|| found(&|n| n.ends_with(".jsonnet"), "Jsonnet, left to Argo CD")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(files: &[&str], dirs: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for f in files {
            fs::write(dir.path().join(f), "kind: ConfigMap\n").unwrap();
        }
        for d in dirs {
            fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        dir
    }

    #[test]
    fn a_plain_directory_is_taken() {
        let dir = app(
            &["deployment.yaml", "values.yaml", "README.md"],
            &["sub/Chart.yaml", "sub2"],
        );
        fs::write(dir.path().join("sub2/kustomization.yaml"), "").unwrap();
        assert_eq!(not_plain(dir.path()).unwrap(), None);
        assert_eq!(not_plain(app(&[], &[]).path()).unwrap(), None);
    }

    #[test]
    fn helm_and_kustomize_apps_fall_through_to_argo_cd() {
        for file in [
            "Chart.yaml",
            "MyChart.yaml",
            "kustomization.yaml",
            "kustomization.yml",
            "Kustomization",
        ] {
            let dir = app(&[file, "deployment.yaml"], &[]);
            let why = not_plain(dir.path()).unwrap();
            assert!(why.is_some_and(|w| w.starts_with(file)), "{file}");
        }
    }

    #[test]
    fn a_directory_named_chart_yaml_is_no_chart() {
        let dir = app(&["deployment.yaml"], &["Chart.yaml"]);
        assert_eq!(not_plain(dir.path()).unwrap(), None);
    }

    #[test]
    fn a_symlink_named_chart_yaml_is_a_chart() {
        let dir = app(&["real.yaml"], &[]);
        std::os::unix::fs::symlink("real.yaml", dir.path().join("Chart.yaml")).unwrap();
        assert!(not_plain(dir.path()).unwrap().is_some());
    }

    #[test]
    fn jsonnet_is_left_to_argo_cd() {
        let dir = app(&["main.jsonnet", "deployment.yaml"], &[]);
        assert!(not_plain(dir.path()).unwrap().unwrap().contains("Jsonnet"));
    }
}
