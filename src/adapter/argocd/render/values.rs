//! The `values-files` parameter resolved as Argo CD resolves a Helm
//! source's `valueFiles` (`valueFileResolver.ResolveValueFiles` in
//! [value_file_resolver.go](https://github.com/argoproj/argo-cd/blob/master/reposerver/repository/value_file_resolver.go),
//! paths by `ResolveValueFilePathOrUrl` in
//! [util/io/path/resolved.go](https://github.com/argoproj/argo-cd/blob/master/util/io/path/resolved.go)):
//!
//! 1. Each entry gets the build environment substituted ([`BuildEnv`]).
//! 2. A relative entry is relative to the app; an absolute one (`/envs/a.yaml`)
//!    to the repository root. Either must stay inside the repository.
//! 3. An entry holding `*`, `?` or `[` is a doublestar glob: its matches in
//!    doublestar's order ([`doublestar`]), each pattern in turn. A glob that
//!    matches nothing fails (`values file glob "…" matched no files`) unless
//!    `ignore-missing-values-files` is set. A file that is also listed by
//!    name is left out of the glob's matches: it goes where it is named.
//!    A file listed twice goes in once, at its first place.
//! 4. A named file that does not exist is skipped with
//!    `ignore-missing-values-files`; otherwise it is an error.
//!
//! Remote values files (`https://…`) are not fetched: the plugin refuses
//! them (Argo CD fetches the schemes in `helm.valuesFileSchemes`).

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

use super::{BuildEnv, Error, doublestar, inside};

/// The `--values` arguments for `raw` (the parameter's entries), in order:
/// each path with `..` resolved (as Argo CD hands helm the path it
/// checked, so that `link/..` cannot lead helm elsewhere), relative to
/// `dir` when under it, else absolute.
pub(super) fn resolve(
    raw: &[String],
    dir: &Path,
    root: &Path,
    env: &BuildEnv,
    ignore_missing: bool,
) -> Result<Vec<PathBuf>, Error> {
    let canonical = |p: &Path| {
        p.canonicalize().map_err(|error| Error::Io {
            path: p.to_path_buf(),
            error,
        })
    };
    let (dir, root) = (canonical(dir)?, canonical(root)?);
    let entries: Vec<Entry> = raw
        .iter()
        .map(|r| Entry::new(r, &env.envsubst(r), &dir, &root))
        .collect::<Result<_, _>>()?;
    let named: HashSet<&Path> = entries
        .iter()
        .filter(|e| !e.glob)
        .map(|e| e.path.as_path())
        .collect();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for entry in &entries {
        if !entry.glob {
            if ignore_missing && std::fs::metadata(&entry.path).is_err() {
                continue;
            }
            inside(&root, &entry.path).map_err(|e| entry.error(e.to_string()))?;
            if seen.insert(entry.path.clone()) {
                out.push(relative(&entry.path, &dir));
            }
            continue;
        }
        let matches =
            doublestar::matches(&entry.pattern(&root)?).map_err(|e| entry.error(e.to_string()))?;
        if matches.is_empty() {
            if ignore_missing {
                continue;
            }
            return Err(entry.error(format!("values file glob {:?} matched no files", entry.raw)));
        }
        for m in matches {
            inside(&root, &m).map_err(|e| entry.error(e.to_string()))?;
            if !named.contains(m.as_path()) && seen.insert(m.clone()) {
                out.push(relative(&m, &dir));
            }
        }
    }
    Ok(out)
}

fn relative(path: &Path, dir: &Path) -> PathBuf {
    path.strip_prefix(dir).unwrap_or(path).to_path_buf()
}

/// One entry of the parameter.
struct Entry {
    raw: String,
    /// Absolute and normalised: what is checked, compared and read.
    path: PathBuf,
    glob: bool,
}

impl Entry {
    fn new(raw: &str, value: &str, dir: &Path, root: &Path) -> Result<Entry, Error> {
        let fail = |message: String| Error::ValuesFile {
            entry: raw.to_string(),
            message,
        };
        if let Some(scheme) = url_scheme(value) {
            return Err(fail(format!(
                "a {scheme}: URL; the plugin reads values files from the repository only"
            )));
        }
        let path = match value.strip_prefix('/') {
            Some(rest) => normalize(&root.join(rest)),
            None => normalize(&dir.join(value)),
        };
        // As Argo CD, the path (a glob's too) is checked before any match.
        if !path.starts_with(root) {
            return Err(fail("leads out of the repository".to_string()));
        }
        Ok(Entry {
            raw: raw.to_string(),
            glob: value.contains(['*', '?', '[']),
            path,
        })
    }

    /// The glob as doublestar text: the repository root's part escaped, so
    /// that only what the entry says is a pattern.
    fn pattern(&self, root: &Path) -> Result<String, Error> {
        let utf8 = |p: &Path| {
            p.to_str()
                .map(str::to_string)
                .ok_or_else(|| self.error("not valid UTF-8".to_string()))
        };
        let root_text = utf8(root)?;
        let rest = utf8(self.path.strip_prefix(root).unwrap_or(&self.path))?;
        let mut text: String = root_text
            .chars()
            .flat_map(|c| {
                let meta = "*?[]{},\\".contains(c);
                meta.then_some('\\').into_iter().chain([c])
            })
            .collect();
        text.push('/');
        text.push_str(&rest);
        Ok(text)
    }

    fn error(&self, message: String) -> Error {
        Error::ValuesFile {
            entry: self.raw.clone(),
            message,
        }
    }
}

/// The scheme of a URL (`https` of `https://…`) as Go's `url.Parse` finds
/// one: letters, digits, `+`, `-`, `.`, starting with a letter, then `:`.
fn url_scheme(value: &str) -> Option<&str> {
    let (scheme, _) = value.split_once(':')?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then_some(scheme)
}

/// `path` with `.` and `..` resolved lexically, as Go's `filepath.Clean`.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn app() -> (tempfile::TempDir, PathBuf) {
        let t = tempfile::tempdir().unwrap();
        let app = t.path().canonicalize().unwrap().join("apps/web");
        for f in [
            "values.yaml",
            "envs/b.yaml",
            "envs/a.yaml",
            "envs/a.yml",
            "envs/z/c.yaml",
            "envs/m/d.yaml",
            "envs/.hidden.yaml",
            "shop.yaml",
        ] {
            let p = app.join(f);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, "a: 1\n").unwrap();
        }
        fs::write(t.path().join("apps/shared.yaml"), "b: 2\n").unwrap();
        (t, app)
    }

    fn resolved(app: &Path, raw: &[&str], ignore: bool) -> Result<Vec<String>, String> {
        let env = BuildEnv::from_lookup(|n| (n == "ARGOCD_APP_NAMESPACE").then(|| "shop".into()));
        let raw: Vec<String> = raw.iter().map(|s| s.to_string()).collect();
        let root = app.parent().unwrap().parent().unwrap();
        resolve(&raw, app, root, &env, ignore)
            .map(|v| v.iter().map(|p| p.display().to_string()).collect())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn globs_in_doublestar_order() {
        let (_t, app) = app();
        let ok = |raw: &[&str]| resolved(&app, raw, false).unwrap();
        assert_eq!(
            ok(&["envs/*.yaml"]),
            ["envs/.hidden.yaml", "envs/a.yaml", "envs/b.yaml"]
        );
        // The directory's own files first, then each directory below.
        assert_eq!(
            ok(&["envs/**/*.yaml"]),
            [
                "envs/.hidden.yaml",
                "envs/a.yaml",
                "envs/b.yaml",
                "envs/m/d.yaml",
                "envs/z/c.yaml"
            ]
        );
        assert_eq!(ok(&["envs/*.{yml,yaml}"]).len(), 4);
        // Alternatives merged in string order; `{…}` alone is no glob in
        // Argo CD (`isGlobPath`): a file of that name.
        assert_eq!(
            ok(&["envs/{b,a}*.yaml", "values.yaml"]),
            ["envs/a.yaml", "envs/b.yaml", "values.yaml"]
        );
        let literal = resolved(&app, &["envs/{b,a}.yaml"], false).unwrap_err();
        assert!(
            literal.contains("envs/{b,a}.yaml: No such file"),
            "{literal}"
        );
        // Named files go where they are named; duplicates once.
        assert_eq!(
            ok(&["envs/*.yaml", "envs/a.yaml", "values.yaml", "values.yaml"]),
            [
                "envs/.hidden.yaml",
                "envs/b.yaml",
                "envs/a.yaml",
                "values.yaml"
            ]
        );
        // Build environment, absolute (repository-relative) and `..` paths.
        assert_eq!(ok(&["$ARGOCD_APP_NAMESPACE.yaml"]), ["shop.yaml"]);
        assert_eq!(ok(&["/apps/web/values.yaml"]), ["values.yaml"]);
        assert!(ok(&["/apps/shared.yaml"])[0].ends_with("/apps/shared.yaml"));
        assert!(ok(&["/apps/shared.yaml"])[0].starts_with('/'));
        assert_eq!(ok(&["../*.yaml"]).len(), 1);
        let all = ok(&["envs/**"]);
        assert_eq!(all[0], "envs", "a final ** matches the directory too");
    }

    #[test]
    fn what_argo_cd_refuses() {
        let (_t, app) = app();
        let err = |raw: &[&str]| resolved(&app, raw, false).unwrap_err();
        assert_eq!(
            err(&["missing/*.yaml"]),
            "values-files \"missing/*.yaml\": values file glob \"missing/*.yaml\" matched no files"
        );
        assert!(err(&["../../../*.yaml"]).contains("leads out of the repository"));
        assert!(err(&["https://example.com/v.yaml"]).contains("a https: URL"));
        assert!(err(&["nope.yaml"]).contains("nope.yaml"));
        assert!(err(&["envs/[.yaml"]).contains("envs/[.yaml"));
        // Missing files and empty globs are dropped when asked.
        let kept = resolved(&app, &["missing/*.yaml", "nope.yaml", "values.yaml"], true);
        assert_eq!(kept.unwrap(), ["values.yaml"]);
    }

    #[test]
    fn the_repository_path_is_never_a_pattern() {
        let t = tempfile::tempdir().unwrap();
        let app = t.path().join("re{po,x}[1]*/app");
        fs::create_dir_all(app.join("envs")).unwrap();
        fs::write(app.join("envs/a.yaml"), "a: 1\n").unwrap();
        let root = app.parent().unwrap();
        let raw = ["envs/*.yaml".to_string()];
        let files = resolve(&raw, &app, root, &BuildEnv::default(), false).unwrap();
        assert_eq!(files, [Path::new("envs/a.yaml")]);
    }

    #[test]
    fn globs_do_not_follow_links_out() {
        let (t, app) = app();
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("x.yaml"), "a: 1\n").unwrap();
        std::os::unix::fs::symlink(outside.path(), app.join("linked")).unwrap();
        let err = resolved(&app, &["linked/*.yaml"], false).unwrap_err();
        assert!(err.contains("leads out of the repository"), "{err}");
        // A loop is walked once.
        std::os::unix::fs::symlink(&app, app.join("envs/loop")).unwrap();
        assert_eq!(
            resolved(&app, &["envs/**/d.yaml"], false).unwrap(),
            ["envs/m/d.yaml"]
        );
        drop(t);
    }

    #[test]
    fn helm_reads_the_path_that_was_checked() {
        let (_t, app) = app();
        let outside = tempfile::tempdir().unwrap();
        fs::create_dir(outside.path().join("deep")).unwrap();
        fs::write(outside.path().join("values.yaml"), "secret: 1\n").unwrap();
        std::os::unix::fs::symlink(outside.path().join("deep"), app.join("out")).unwrap();
        // The OS would read outside/values.yaml; the checked path is the app's.
        let files = resolved(&app, &["out/../values.yaml", "./envs/../shop.yaml"], false);
        assert_eq!(files.unwrap(), ["values.yaml", "shop.yaml"]);
    }

    #[test]
    fn schemes_and_paths() {
        assert_eq!(url_scheme("https://x/v.yaml"), Some("https"));
        assert_eq!(url_scheme("s3+x.y-z:bucket"), Some("s3+x.y-z"));
        assert_eq!(url_scheme("values.yaml"), None);
        assert_eq!(url_scheme("1a:b"), None);
        assert_eq!(url_scheme("./a:b"), None);
        assert_eq!(normalize(Path::new("/a/./b/../c")), Path::new("/a/c"));
        assert_eq!(normalize(Path::new("/../a")), Path::new("/a"));
    }
}
