//! A directory that belongs to one `generate` request: Helm's repository
//! cache for that request's `helm dependency build`.
//!
//! argocd-cmp-server runs one `generate` per manifest request, many at once,
//! and they all share the sidecar's `HOME` and Helm directories. Helm 3
//! writes a repository's index into the repository cache with a plain
//! truncate-and-write, and `helm dependency build` reads it back moments
//! later, so two builds that need the same repository at the same time read
//! each other's half-written index: `Error: no cached repository for
//! helm-manager-… found … empty index.yaml file` (argo-cd#18122,
//! <https://github.com/argoproj/argo-cd/issues/18122>; the same race in
//! zapier/kubechecks#343 and dag-andersen/argocd-diff-preview#431). Helm
//! downloads the index on every build anyway (it does not reuse a cached
//! one unless told `--skip-refresh`), so a cache of the request's own costs
//! nothing and shares nothing: `HELM_REPOSITORY_CACHE` points here. Helm only
//! reads the repository config (`repositories.yaml`, where `helm repo add`
//! puts credentials) during a build, so that stays shared and is honoured.
//!
//! The directory is made in the system temp directory (`TMPDIR`, else
//! `/tmp`: the sidecar's emptyDir) and removed when the request ends, also
//! when it fails, times out or is stopped by SIGTERM. A request killed
//! outright (SIGKILL, the OOM killer) cannot remove it, so each new one
//! sweeps the directories whose owner is gone: the owner holds an advisory
//! lock (`flock`) on its directory for as long as it lives, and the kernel
//! drops the lock with the process. Nothing left behind is ever read again,
//! so a killed request cannot break the next one; the sweep only keeps the
//! emptyDir from filling up.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rustix::fs::{FlockOperation, flock};

use super::Error;

/// The start of every request directory's name, which the sweep looks for.
const PREFIX: &str = "pullthrough-helm-";

/// A directory younger than this is never swept: its owner may be between
/// creating it and locking it. Far longer than that moment, and short enough
/// that a killed request's leftovers go soon.
const SWEEP_AFTER: Duration = Duration::from_secs(60);

/// The request's directory, removed on drop.
#[derive(Debug)]
pub(super) struct Scratch {
    dir: tempfile::TempDir,
    /// Held (locked) for the life of the request; see the module doc.
    _lock: File,
}

impl Scratch {
    /// Sweeps what killed requests left in the system temp directory, then
    /// makes this request's own directory there.
    pub(super) fn new() -> Result<Scratch, Error> {
        Scratch::new_in(&std::env::temp_dir())
    }

    fn new_in(parent: &Path) -> Result<Scratch, Error> {
        sweep(parent, SWEEP_AFTER);
        let io = |path: PathBuf| {
            move |error: std::io::Error| Error::Io {
                path: path.clone(),
                error,
            }
        };
        let dir = tempfile::Builder::new()
            .prefix(PREFIX)
            .tempdir_in(parent)
            .map_err(io(parent.join(format!("{PREFIX}*"))))?;
        let lock = File::open(dir.path()).map_err(io(dir.path().to_path_buf()))?;
        flock(&lock, FlockOperation::NonBlockingLockExclusive)
            .map_err(|e| io(dir.path().to_path_buf())(e.into()))?;
        Ok(Scratch { dir, _lock: lock })
    }

    pub(super) fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// Removes the request directories in `parent` that are older than `age`
/// and whose owner no longer holds its lock. Best effort: what cannot be
/// read or removed (another user's, say) is left alone.
fn sweep(parent: &Path, age: Duration) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        if !entry.file_name().to_string_lossy().starts_with(PREFIX) {
            continue;
        }
        let path = entry.path();
        // Not followed: only a real directory of ours is a candidate.
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        let old = meta
            .modified()
            .ok()
            .and_then(|m| m.elapsed().ok())
            .is_some_and(|elapsed| elapsed >= age);
        if !meta.is_dir() || !old {
            continue;
        }
        let Ok(dir) = File::open(&path) else {
            continue;
        };
        if flock(&dir, FlockOperation::NonBlockingLockExclusive).is_ok() {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::SystemTime;

    fn age(path: &Path, by: Duration) {
        File::open(path)
            .unwrap()
            .set_modified(SystemTime::now() - by)
            .unwrap();
    }

    fn leftovers(parent: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(parent)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn removed_when_the_request_ends() {
        let parent = tempfile::tempdir().unwrap();
        let scratch = Scratch::new_in(parent.path()).unwrap();
        assert!(scratch.path().is_dir());
        assert!(
            scratch
                .path()
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(PREFIX)
        );
        std::fs::write(scratch.path().join("index.yaml"), "x").unwrap();
        drop(scratch);
        assert!(leftovers(parent.path()).is_empty());
    }

    #[test]
    fn sweeps_only_old_directories_whose_owner_is_gone() {
        let parent = tempfile::tempdir().unwrap();
        let p = parent.path();
        // A killed request's directory: old, nobody holds its lock.
        let dead = p.join(format!("{PREFIX}dead"));
        std::fs::create_dir(&dead).unwrap();
        std::fs::write(dead.join("half-index.yaml"), "apiVersion: v").unwrap();
        age(&dead, Duration::from_secs(3600));
        // A live request's directory, just as old: its owner holds the lock.
        let live = Scratch::new_in(p).unwrap();
        age(live.path(), Duration::from_secs(3600));
        // A directory just made, not yet locked: too young to judge.
        let young = p.join(format!("{PREFIX}young"));
        std::fs::create_dir(&young).unwrap();
        // Not ours at all, however old.
        let other = p.join("other-tool");
        std::fs::create_dir(&other).unwrap();
        age(&other, Duration::from_secs(3600));

        let next = Scratch::new_in(p).unwrap();
        let live_name = live.path().file_name().unwrap().to_string_lossy();
        let next_name = next.path().file_name().unwrap().to_string_lossy();
        let mut want = vec![
            "other-tool".to_string(),
            live_name.into_owned(),
            next_name.into_owned(),
            format!("{PREFIX}young"),
        ];
        want.sort();
        assert_eq!(leftovers(p), want);
    }

    #[test]
    fn an_unwritable_temp_dir_is_named() {
        let err = Scratch::new_in(Path::new("/nonexistent/pullthrough")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("/nonexistent/pullthrough/pullthrough-helm-*: "),
            "{err}"
        );
    }
}
