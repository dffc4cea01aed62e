//! Finding the real tool behind a shim.
//!
//! 1. **`PULLTHROUGH_HELM` / `PULLTHROUGH_KUSTOMIZE`** when set (and not
//!    blank): that file, as given.
//! 2. **Otherwise the next one on PATH after the shim's own directory**: the
//!    shim's directory is the first PATH entry whose `helm` (or `kustomize`)
//!    is the shim itself, the same file by device and inode, whether it got
//!    there as a copy, a hard link, a symlink or a mounted file. Entries
//!    before it are not searched (they lost to the shim already); with no
//!    such entry (the shim was run by its path), all are.
//! 3. **Never the shim itself**: any candidate with the shim's device and
//!    inode is skipped, and so is a PATH entry that is not absolute (empty,
//!    `.`, `bin`: relative to the working directory, which is the
//!    repository's checkout; Go's `exec.LookPath`, which Argo CD uses,
//!    refuses those too, `ErrDot`). `PULLTHROUGH_HELM` must be absolute.
//! 4. **Never a loop**: each shim searches only after its own directory, so
//!    a chain of copies moves forward along PATH and ends; a variable that
//!    names the shim itself is an error.

use std::ffi::OsStr;
use std::fmt;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::Tool;

/// A file's identity: its device and inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileId {
    pub dev: u64,
    pub ino: u64,
}

impl FileId {
    /// The identity of the file `path` leads to (symlinks followed).
    pub fn of(path: &Path) -> std::io::Result<FileId> {
        let meta = fs::metadata(path)?;
        Ok(FileId {
            dev: meta.dev(),
            ino: meta.ino(),
        })
    }
}

/// Why the real tool cannot be run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// No other executable of the tool's name on PATH.
    NotFound { tool: Tool, searched: Vec<PathBuf> },
    /// `PULLTHROUGH_HELM` names no executable file.
    BadVariable {
        tool: Tool,
        path: PathBuf,
        why: String,
    },
    /// The variable names the shim itself (step 4).
    Loop { tool: Tool, path: PathBuf },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotFound { tool, searched } => {
                let dirs: Vec<_> = searched.iter().map(|d| d.display().to_string()).collect();
                write!(
                    f,
                    "the {tool} shim found no real `{tool}` on PATH after its own directory \
                     (searched: {}); put the real one later on PATH, or set {} to its path",
                    if dirs.is_empty() {
                        "nothing".to_string()
                    } else {
                        dirs.join(":")
                    },
                    tool.variable()
                )
            }
            Error::BadVariable { tool, path, why } => write!(
                f,
                "{}={}: {why}; it must name the real `{tool}` executable",
                tool.variable(),
                path.display()
            ),
            Error::Loop { tool, path } => write!(
                f,
                "{}={} is this shim itself, not the real `{tool}`; set it to the real \
                 `{tool}`, or unset it to take the next `{tool}` on PATH",
                tool.variable(),
                path.display()
            ),
        }
    }
}

impl std::error::Error for Error {}

/// The real tool for a shim whose own file is `me`: from `explicit` (the
/// tool's variable) or `path` (PATH).
pub fn real_tool(
    tool: Tool,
    me: FileId,
    explicit: Option<&OsStr>,
    path: Option<&OsStr>,
) -> Result<PathBuf, Error> {
    if let Some(explicit) = explicit.filter(|e| !e.to_string_lossy().trim().is_empty()) {
        let path = PathBuf::from(explicit);
        let bad = |why: String| Error::BadVariable {
            tool,
            path: path.clone(),
            why,
        };
        if !path.is_absolute() {
            return Err(bad("not an absolute path".to_string()));
        }
        match executable(&path) {
            Ok(id) if id == me => {
                return Err(Error::Loop { tool, path });
            }
            Ok(_) => return Ok(path),
            Err(why) => return Err(bad(why)),
        }
    }
    let dirs: Vec<PathBuf> = path
        .map(|p| std::env::split_paths(p).collect())
        .unwrap_or_default();
    let is_me = |dir: &Path| FileId::of(&dir.join(tool.name())).is_ok_and(|id| id == me);
    let start = dirs
        .iter()
        .position(|d| d.is_absolute() && is_me(d))
        .map_or(0, |i| i + 1);
    let searched = &dirs[start..];
    searched
        .iter()
        .filter(|d| d.is_absolute())
        .map(|d| d.join(tool.name()))
        .find(|candidate| executable(candidate).is_ok_and(|id| id != me))
        .ok_or_else(|| Error::NotFound {
            tool,
            searched: searched.to_vec(),
        })
}

/// The identity of `path` if it is an executable regular file, else why not.
fn executable(path: &Path) -> Result<FileId, String> {
    let meta = fs::metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("not a file".to_string());
    }
    if meta.permissions().mode() & 0o111 == 0 {
        return Err("not executable".to_string());
    }
    Ok(FileId {
        dev: meta.dev(),
        ino: meta.ino(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    struct Dirs {
        _root: tempfile::TempDir,
        shim: PathBuf,
        me: FileId,
        dirs: Vec<PathBuf>,
    }

    /// Directories a, b, c, d: the shim is a/helm; b/helm a hard link to it;
    /// c/helm the real one; d/helm another real one.
    fn layout() -> Dirs {
        let root = tempfile::tempdir().unwrap();
        let dirs: Vec<PathBuf> = ["a", "b", "c", "d"]
            .iter()
            .map(|d| root.path().join(d))
            .collect();
        for d in &dirs {
            fs::create_dir(d).unwrap();
        }
        let shim = dirs[0].join("helm");
        fs::write(&shim, "shim").unwrap();
        fs::set_permissions(&shim, fs::Permissions::from_mode(0o755)).unwrap();
        fs::hard_link(&shim, dirs[1].join("helm")).unwrap();
        for d in &dirs[2..] {
            fs::write(d.join("helm"), "real").unwrap();
            fs::set_permissions(d.join("helm"), fs::Permissions::from_mode(0o755)).unwrap();
        }
        let me = FileId::of(&shim).unwrap();
        Dirs {
            _root: root,
            shim,
            me,
            dirs,
        }
    }

    fn joined(dirs: &[&Path]) -> OsString {
        std::env::join_paths(dirs).unwrap()
    }

    #[test]
    fn the_next_one_after_the_shims_directory_skipping_itself() {
        let l = layout();
        let path = joined(&[&l.dirs[0], &l.dirs[1], &l.dirs[2], &l.dirs[3]]);
        let found = real_tool(Tool::Helm, l.me, None, Some(&path)).unwrap();
        assert_eq!(found, l.dirs[2].join("helm"));
    }

    #[test]
    fn entries_before_the_shim_are_not_searched() {
        let l = layout();
        let path = joined(&[&l.dirs[3], &l.dirs[0], &l.dirs[2]]);
        let found = real_tool(Tool::Helm, l.me, None, Some(&path)).unwrap();
        assert_eq!(found, l.dirs[2].join("helm"));
    }

    #[test]
    fn a_symlink_to_the_shim_is_the_shim() {
        let l = layout();
        let link_dir = l._root.path().join("link");
        fs::create_dir(&link_dir).unwrap();
        std::os::unix::fs::symlink(&l.shim, link_dir.join("helm")).unwrap();
        let path = joined(&[&link_dir, &l.dirs[3]]);
        let found = real_tool(Tool::Helm, l.me, None, Some(&path)).unwrap();
        assert_eq!(found, l.dirs[3].join("helm"));
    }

    #[test]
    fn no_real_tool_is_an_error_naming_the_variable() {
        let l = layout();
        let path = joined(&[&l.dirs[0], &l.dirs[1]]);
        let err = real_tool(Tool::Helm, l.me, None, Some(&path)).unwrap_err();
        assert!(matches!(err, Error::NotFound { .. }));
        assert!(err.to_string().contains("PULLTHROUGH_HELM"), "{err}");
    }

    #[test]
    fn the_variable_wins_and_must_not_be_the_shim() {
        let l = layout();
        let path = joined(&[&l.dirs[0], &l.dirs[2]]);
        let real = l.dirs[3].join("helm");
        let found = real_tool(Tool::Helm, l.me, Some(real.as_os_str()), Some(&path)).unwrap();
        assert_eq!(found, real);
        let err = real_tool(Tool::Helm, l.me, Some(l.shim.as_os_str()), Some(&path)).unwrap_err();
        assert!(matches!(err, Error::Loop { .. }), "{err}");
        let missing = l.dirs[3].join("nope");
        let err = real_tool(Tool::Helm, l.me, Some(missing.as_os_str()), None).unwrap_err();
        assert!(matches!(err, Error::BadVariable { .. }), "{err}");
        let err = real_tool(Tool::Helm, l.me, Some("bin/helm".as_ref()), None).unwrap_err();
        assert!(matches!(err, Error::BadVariable { .. }), "{err}");
        // A blank variable is unset.
        let found = real_tool(Tool::Helm, l.me, Some(" ".as_ref()), Some(&path)).unwrap();
        assert_eq!(found, l.dirs[2].join("helm"));
    }

    #[test]
    fn relative_path_entries_are_never_searched() {
        let l = layout();
        // c/helm by a path relative to the working directory: `../../tmp/…`.
        let cwd = std::env::current_dir().unwrap();
        let mut relative = PathBuf::new();
        for _ in cwd.components().skip(1) {
            relative.push("..");
        }
        relative.push(l.dirs[2].strip_prefix("/").unwrap());
        assert!(relative.join("helm").is_file(), "{}", relative.display());
        // Relative entries lead into the checkout, which a repository
        // controls: skipped, as Go's exec.LookPath refuses them.
        let path = std::env::join_paths([l.dirs[0].clone(), relative, l.dirs[3].clone()]).unwrap();
        let found = real_tool(Tool::Helm, l.me, None, Some(&path)).unwrap();
        assert_eq!(found, l.dirs[3].join("helm"));
    }

    #[test]
    fn non_executables_and_directories_are_skipped() {
        let l = layout();
        let plain = l._root.path().join("plain");
        fs::create_dir_all(plain.join("helm")).unwrap();
        let noexec = l._root.path().join("noexec");
        fs::create_dir(&noexec).unwrap();
        fs::write(noexec.join("helm"), "x").unwrap();
        let path = joined(&[&l.dirs[0], &plain, &noexec, &l.dirs[3]]);
        let found = real_tool(Tool::Helm, l.me, None, Some(&path)).unwrap();
        assert_eq!(found, l.dirs[3].join("helm"));
    }
}
