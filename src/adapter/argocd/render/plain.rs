//! A plain directory: every `*.yaml`, `*.yml` and `*.json` file below it, in
//! path order, as Argo CD's own directory source reads it. Hidden
//! directories (`.git`, `.github`) are skipped. Symlinks inside the
//! repository are followed; one that leads out of it is an error, as in
//! Argo CD, which refuses repositories with out-of-bounds symlinks.

use std::path::Path;

use walkdir::WalkDir;

use super::{Error, Part, inside};

const EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

pub(super) fn files(dir: &Path, root: &Path) -> Result<Vec<Part>, Error> {
    let mut escaped = None;
    let walk = WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            if e.depth() == 0 || escaped.is_some() {
                return escaped.is_none();
            }
            if e.file_type().is_dir() && e.file_name().to_string_lossy().starts_with('.') {
                return false;
            }
            if e.path_is_symlink() {
                if let Err(err) = inside(root, e.path()) {
                    escaped = Some(err);
                    return false;
                }
            }
            true
        });
    let mut parts = Vec::new();
    for entry in walk {
        let entry = entry.map_err(|e| Error::Io {
            path: e.path().unwrap_or(dir).to_path_buf(),
            error: e.into(),
        })?;
        let path = entry.path();
        let wanted = path
            .extension()
            .is_some_and(|x| EXTENSIONS.iter().any(|w| x == *w));
        if !entry.file_type().is_file() || !wanted {
            continue;
        }
        let bytes = std::fs::read(path).map_err(|error| Error::Io {
            path: path.to_path_buf(),
            error,
        })?;
        let name = path.strip_prefix(dir).unwrap_or(path).display().to_string();
        parts.push(Part { name, bytes });
    }
    match escaped {
        Some(err) => Err(err),
        None => Ok(parts),
    }
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

    #[test]
    fn path_order_extensions_and_hidden_directories() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        for f in [
            "b.yml",
            "a.yaml",
            "c.json",
            "sub/x.yaml",
            ".hidden/h.yaml",
            ".top.yaml",
            "README.md",
            "k.YAML",
        ] {
            let p = d.join(f);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, f).unwrap();
        }
        let parts = files(d, d).unwrap();
        assert_eq!(
            names(&parts),
            [".top.yaml", "a.yaml", "b.yml", "c.json", "sub/x.yaml"]
        );
        assert_eq!(parts[1].bytes, b"a.yaml");
    }

    #[test]
    fn symlinks_stay_in_the_repository() {
        let t = tempfile::tempdir().unwrap();
        let repo = t.path().join("repo");
        let app = repo.join("app");
        fs::create_dir_all(&app).unwrap();
        fs::write(repo.join("shared.yaml"), "kind: A\n").unwrap();
        std::os::unix::fs::symlink("../shared.yaml", app.join("link.yaml")).unwrap();
        let parts = files(&app, &repo).unwrap();
        assert_eq!(names(&parts), ["link.yaml"]);
        assert_eq!(parts[0].bytes, b"kind: A\n");
        // The same link leads out when the app is the whole repository.
        let err = files(&app, &app).unwrap_err().to_string();
        assert!(err.contains("leads out of the repository"), "{err}");
        fs::write(t.path().join("secret.yaml"), "x").unwrap();
        std::os::unix::fs::symlink(t.path(), app.join("outside")).unwrap();
        assert!(files(&app, &repo).is_err());
    }
}
