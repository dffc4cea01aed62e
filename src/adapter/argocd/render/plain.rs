//! A plain directory, read as Argo CD's directory source reads it
//! (`findManifests` and `getPotentiallyValidManifests` in
//! [repository.go](https://github.com/argoproj/argo-cd/blob/master/reposerver/repository/repository.go),
//! options as `ApplicationSourceDirectory` in
//! [types.go](https://github.com/argoproj/argo-cd/blob/master/pkg/apis/application/v1alpha1/types.go)):
//!
//! - Files named `*.yaml`, `*.yml`, `*.json` or `*.jsonnet`, in path order
//!   (each directory in name order, as Go's `filepath.Walk`), each passed on
//!   as its own stream, byte for byte, if it is a manifest ([`manifest`]);
//!   a file that is not is named on stderr.
//! - Subdirectories only with `recurse`, `false` by default as in Argo CD:
//!   a discovered app carries no parameters, so the default is all it gets.
//! - `exclude`, then `include`: globs on the file's path relative to the
//!   app ([`super::glob`]); empty is no filter, as in Argo CD.
//! - Hidden files and directories are skipped, `.argocd-source.yaml` and
//!   `.argocd-source-<app>.yaml` (Argo CD's parameter overrides, which
//!   argocd-image-updater writes back) among them. Argo CD reads hidden
//!   files as any other; this is where the two differ (docs/argocd.md).
//! - A symlink to a file in the repository is read; a symlink to a
//!   directory is not followed (`filepath.Walk` does not); a symlink that
//!   leads out of the repository is an error, as in Argo CD, which refuses
//!   repositories with out-of-bounds symlinks; so is a loop of symlinks,
//!   while one whose destination is missing is skipped (both as
//!   `filepath.EvalSymlinks` fails in Argo CD).
//! - A file that starts with a UTF-16 byte order mark is read as UTF-16, as
//!   Argo CD's `utfutil` reads it, and passed on as UTF-8
//!   ([`crate::encoding`]).

use std::path::Path;

use walkdir::WalkDir;

use super::manifest::{self, Verdict};
use super::{Error, Part, inside};
use crate::encoding;

/// `directory.*` as plugin parameters; the defaults are Argo CD's (no
/// subdirectories, no include or exclude).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirectoryOptions {
    /// `directory-recurse`: read subdirectories too.
    pub recurse: bool,
    /// `directory-include`: only files whose path matches.
    pub include: String,
    /// `directory-exclude`: no file whose path matches.
    pub exclude: String,
}

/// The names Argo CD's directory source reads (`manifestFile`); case
/// matters, as in Argo CD.
const EXTENSIONS: [&str; 4] = ["yaml", "yml", "json", "jsonnet"];

/// The manifests of the directory `dir`; files skipped are named, one line
/// each, on `notes`.
pub(super) fn files(
    dir: &Path,
    root: &Path,
    options: &DirectoryOptions,
    notes: &mut String,
) -> Result<Vec<Part>, Error> {
    let pattern = |name: &str, value: &str| {
        (!value.is_empty())
            .then(|| {
                super::glob::directory_pattern(value).map_err(|message| Error::Parameter {
                    name: name.to_string(),
                    message: format!("invalid glob {value:?}: {message}"),
                })
            })
            .transpose()
    };
    let include = pattern("directory-include", &options.include)?;
    let exclude = pattern("directory-exclude", &options.exclude)?;
    let note = |notes: &mut String, rel: &Path, why: &str| {
        notes.push_str(&format!("pullthrough: skipped {}: {why}\n", rel.display()));
    };
    let mut parts = Vec::new();
    let mut walk = WalkDir::new(dir).sort_by_file_name().into_iter();
    while let Some(entry) = walk.next() {
        let entry = entry.map_err(|e| Error::Io {
            path: e.path().unwrap_or(dir).to_path_buf(),
            error: e.into(),
        })?;
        if entry.depth() == 0 {
            continue;
        }
        let path = entry.path();
        let rel = path.strip_prefix(dir).unwrap_or(path);
        let name = entry.file_name().to_string_lossy();
        let hidden = name.starts_with('.');
        if entry.file_type().is_dir() {
            if hidden && options.recurse {
                note(notes, rel, "a hidden directory");
            }
            if hidden || !options.recurse {
                walk.skip_current_dir();
            }
            continue;
        }
        let link = entry.path_is_symlink();
        if link {
            match path.canonicalize() {
                Ok(_) => {
                    inside(root, path)?;
                }
                Err(_) if !wanted(&name) || hidden => continue,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    note(notes, rel, "a symlink whose destination is missing");
                    continue;
                }
                // A loop of links: Argo CD's EvalSymlinks fails on it too.
                Err(e) => {
                    return Err(Error::Manifest {
                        name: rel.display().to_string(),
                        message: format!(
                            "cannot follow the symlink: {e}; Argo CD's directory source fails on it too"
                        ),
                    });
                }
            }
        }
        if !wanted(&name) {
            continue;
        }
        if hidden {
            // Argo CD's `repoSourceFile` and `appSourceFile`.
            let overrides = name == ".argocd-source.yaml"
                || (name.starts_with(".argocd-source-") && name.ends_with(".yaml"));
            let why = if overrides {
                "Argo CD's parameter overrides, not manifests"
            } else {
                "a hidden file"
            };
            note(notes, rel, why);
            continue;
        }
        let target = std::fs::metadata(path);
        if !target.as_ref().is_ok_and(|m| m.is_file()) {
            let why = if link && target.is_ok_and(|m| m.is_dir()) {
                "a symlink to a directory, not followed (as in Argo CD)"
            } else {
                "not a regular file"
            };
            note(notes, rel, why);
            continue;
        }
        if exclude.as_ref().is_some_and(|g| g.is_match(rel))
            || include.as_ref().is_some_and(|g| !g.is_match(rel))
        {
            continue;
        }
        let bytes = std::fs::read(path).map_err(|error| Error::Io {
            path: path.to_path_buf(),
            error,
        })?;
        let name = rel.display().to_string();
        // UTF-16 with a byte order mark, as Argo CD (utfutil) and kubectl
        // read it: passed on as UTF-8, which Argo CD reads from a plugin.
        let (bytes, utf16) = encoding::to_utf8(bytes).map_err(|e| Error::Manifest {
            name: name.clone(),
            message: e.to_string(),
        })?;
        if let Some(order) = utf16 {
            notes.push_str(&format!(
                "pullthrough: read {name} as {} (byte order mark), as Argo CD does; passed on as UTF-8\n",
                order.name()
            ));
        }
        match manifest::classify(&name, &bytes) {
            Verdict::Manifest => parts.push(Part { name, bytes }),
            Verdict::Skip(why) => note(notes, rel, &why),
            Verdict::Fail(message) => return Err(Error::Manifest { name, message }),
        }
    }
    Ok(parts)
}

fn wanted(name: &str) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(_, ext)| EXTENSIONS.contains(&ext))
}

/// Checks that no symlink under `dir` (hidden directories included, links
/// followed) leads out of `root`: a renderer given the directory (helm reads
/// every file of a chart, `.Files.Get` included) must not read outside the
/// repository either.
pub(super) fn links_inside(dir: &Path, root: &Path) -> Result<(), Error> {
    let mut escaped = None;
    let walk = WalkDir::new(dir)
        .follow_links(true)
        .into_iter()
        .filter_entry(|e| {
            if e.depth() > 0 && escaped.is_none() && e.path_is_symlink() {
                escaped = inside(root, e.path()).err();
            }
            escaped.is_none()
        });
    for entry in walk {
        entry.map_err(|e| Error::Io {
            path: e.path().unwrap_or(dir).to_path_buf(),
            error: e.into(),
        })?;
    }
    escaped.map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn names(parts: &[Part]) -> Vec<&str> {
        parts.iter().map(|p| p.name.as_str()).collect()
    }

    fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        for (f, text) in files {
            let p = t.path().join(f);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, text).unwrap();
        }
        t
    }

    fn read(dir: &Path, options: &DirectoryOptions) -> (Vec<String>, String) {
        let mut notes = String::new();
        let parts = files(dir, dir, options, &mut notes).unwrap();
        (names(&parts).iter().map(|s| s.to_string()).collect(), notes)
    }

    const OBJECT: &str = "kind: ConfigMap\n";

    /// `directory-recurse: "true"`.
    fn recurse() -> DirectoryOptions {
        DirectoryOptions {
            recurse: true,
            ..DirectoryOptions::default()
        }
    }

    #[test]
    fn path_order_extensions_and_hidden_files() {
        let t = tree(&[
            ("b.yml", OBJECT),
            ("a.yaml", OBJECT),
            ("c.json", r#"{"kind": "ConfigMap"}"#),
            ("sub/x.yaml", OBJECT),
            ("sub.yaml", OBJECT),
            (".hidden/h.yaml", OBJECT),
            (".top.yaml", OBJECT),
            (".argocd-source-web.yaml", "helm: {parameters: []}\n"),
            ("README.md", OBJECT),
            ("k.YAML", OBJECT),
            (".yaml", OBJECT),
        ]);
        let (names, notes) = read(t.path(), &recurse());
        // Each directory in name order: `sub` before `sub.yaml`.
        assert_eq!(
            names,
            ["a.yaml", "b.yml", "c.json", "sub/x.yaml", "sub.yaml"]
        );
        assert_eq!(
            notes,
            "pullthrough: skipped .argocd-source-web.yaml: Argo CD's parameter overrides, not manifests\n\
             pullthrough: skipped .hidden: a hidden directory\n\
             pullthrough: skipped .top.yaml: a hidden file\n\
             pullthrough: skipped .yaml: a hidden file\n"
        );
    }

    #[test]
    fn recurse_include_exclude() {
        let t = tree(&[
            ("deployment.yaml", OBJECT),
            ("config.json", r#"{"kind": "ConfigMap"}"#),
            ("env-use2/a.yaml", OBJECT),
            ("env-use2/deep/b.yaml", OBJECT),
            ("other/c.yaml", OBJECT),
        ]);
        let options = |recurse, include: &str, exclude: &str| DirectoryOptions {
            recurse,
            include: include.into(),
            exclude: exclude.into(),
        };
        let names = |o: DirectoryOptions| read(t.path(), &o).0;
        assert_eq!(
            names(options(false, "", "")),
            ["config.json", "deployment.yaml"]
        );
        assert_eq!(names(options(true, "", "")).len(), 5);
        // Argo CD's documented example, and `*` crossing directories.
        assert_eq!(
            names(options(true, "{config.json,env-use2/*}", "")),
            ["config.json", "env-use2/a.yaml", "env-use2/deep/b.yaml"]
        );
        assert_eq!(
            names(options(true, "*.yaml", "env-use2/deep/*")),
            ["deployment.yaml", "env-use2/a.yaml", "other/c.yaml"]
        );
        assert_eq!(names(options(true, "**/*.yaml", "")).len(), 3);
        let mut notes = String::new();
        let err = files(t.path(), t.path(), &options(true, "[", ""), &mut notes).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("plugin parameter \"directory-include\": invalid glob \"[\""),
            "{err}"
        );
    }

    #[test]
    fn not_manifests_are_named_and_broken_ones_fail() {
        let t = tree(&[
            ("deployment.yaml", OBJECT),
            ("values.yaml", "replicas: 3\n"),
            (
                "chart-template.yaml",
                "# +argocd:skip-file-rendering\n{{ x }}\n",
            ),
        ]);
        let (names, mut notes) = read(t.path(), &DirectoryOptions::default());
        assert_eq!(names, ["deployment.yaml"]);
        assert_eq!(notes.lines().count(), 2, "{notes}");
        assert!(notes.contains("skipped values.yaml: not a Kubernetes object"));
        fs::write(t.path().join("z.json"), r#"{"port": 3306}"#).unwrap();
        let err = files(t.path(), t.path(), &DirectoryOptions::default(), &mut notes);
        let err = err.unwrap_err().to_string();
        assert!(
            err.starts_with("z.json: Failed to unmarshal: Object 'Kind' is missing"),
            "{err}"
        );
    }

    #[test]
    fn symlinks_stay_in_the_repository() {
        let t = tempfile::tempdir().unwrap();
        let repo = t.path().join("repo");
        let app = repo.join("app");
        fs::create_dir_all(app.join("real")).unwrap();
        fs::write(repo.join("shared.yaml"), "kind: A\n").unwrap();
        fs::write(app.join("real/in.yaml"), "kind: B\n").unwrap();
        std::os::unix::fs::symlink("../shared.yaml", app.join("link.yaml")).unwrap();
        std::os::unix::fs::symlink("real", app.join("dir.yaml")).unwrap();
        std::os::unix::fs::symlink("real", app.join("linked-dir")).unwrap();
        std::os::unix::fs::symlink("gone.yaml", app.join("dangling.yaml")).unwrap();
        let mut notes = String::new();
        let parts = files(&app, &repo, &recurse(), &mut notes).unwrap();
        // The directory symlinks are not followed: real/in.yaml once.
        assert_eq!(names(&parts), ["link.yaml", "real/in.yaml"]);
        assert_eq!(parts[0].bytes, b"kind: A\n");
        assert!(notes.contains("skipped dangling.yaml: a symlink whose destination is missing"));
        assert!(notes.contains("skipped dir.yaml: a symlink to a directory"));
        // The same link leads out when the app is the whole repository.
        let err = files(&app, &app, &DirectoryOptions::default(), &mut notes)
            .unwrap_err()
            .to_string();
        assert!(err.contains("leads out of the repository"), "{err}");
        std::os::unix::fs::symlink(t.path(), app.join("outside")).unwrap();
        assert!(files(&app, &repo, &DirectoryOptions::default(), &mut notes).is_err());
    }

    #[test]
    fn a_loop_of_symlinks_fails_as_in_argo_cd() {
        let t = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("b.json", t.path().join("a.json")).unwrap();
        std::os::unix::fs::symlink("a.json", t.path().join("b.json")).unwrap();
        let mut notes = String::new();
        let err = files(t.path(), t.path(), &DirectoryOptions::default(), &mut notes)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("a.json: cannot follow the symlink: "),
            "{err}"
        );
        // Not a manifest name, or hidden: never looked at, as in Argo CD.
        let t = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("b.txt", t.path().join("a.txt")).unwrap();
        std::os::unix::fs::symlink("a.txt", t.path().join("b.txt")).unwrap();
        std::os::unix::fs::symlink(".b.yaml", t.path().join(".a.yaml")).unwrap();
        std::os::unix::fs::symlink(".a.yaml", t.path().join(".b.yaml")).unwrap();
        let parts = files(t.path(), t.path(), &DirectoryOptions::default(), &mut notes).unwrap();
        assert!(parts.is_empty());
    }

    #[test]
    fn utf16_files_are_read_as_utf8() {
        let utf16 = |text: &str, big: bool| {
            let mut out = if big {
                vec![0xFE, 0xFF]
            } else {
                vec![0xFF, 0xFE]
            };
            for u in text.encode_utf16() {
                out.extend(if big {
                    u.to_be_bytes()
                } else {
                    u.to_le_bytes()
                });
            }
            out
        };
        let text = "kind: Namespace\r\napiVersion: v1\r\nmetadata: {name: ns}\r\n";
        let t = tempfile::tempdir().unwrap();
        fs::write(t.path().join("be.yaml"), utf16(text, true)).unwrap();
        fs::write(t.path().join("le.yaml"), utf16(text, false)).unwrap();
        fs::write(
            t.path().join("skip.yaml"),
            utf16("# +argocd:skip-file-rendering\n{{ x }}\n", false),
        )
        .unwrap();
        let mut notes = String::new();
        let parts = files(t.path(), t.path(), &DirectoryOptions::default(), &mut notes).unwrap();
        assert_eq!(names(&parts), ["be.yaml", "le.yaml"]);
        assert!(parts.iter().all(|p| p.bytes == text.as_bytes()));
        assert_eq!(
            notes,
            "pullthrough: read be.yaml as UTF-16BE (byte order mark), as Argo CD does; passed on as UTF-8\n\
             pullthrough: read le.yaml as UTF-16LE (byte order mark), as Argo CD does; passed on as UTF-8\n\
             pullthrough: read skip.yaml as UTF-16LE (byte order mark), as Argo CD does; passed on as UTF-8\n\
             pullthrough: skipped skip.yaml: it holds +argocd:skip-file-rendering\n"
        );
        let mut bad = utf16("kind: A\n", false);
        bad.push(b'x');
        fs::write(t.path().join("odd.yaml"), bad).unwrap();
        let err = files(t.path(), t.path(), &DirectoryOptions::default(), &mut notes)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "odd.yaml: document 1, line 2, column 1: input is not valid UTF-16LE: an odd number of bytes: the last is half a code unit"
        );
    }
}
