//! The transparent Argo CD setup's two commands: `install-shims`, which an
//! init container runs (the image has no shell to copy with), and
//! `discover`, the discovering plugin's match command.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use pullthrough::adapter::argocd::discover;
use pullthrough::adapter::shim::Tool;

use super::output::write_stdout;
use super::{Exit, Failure};

/// `pullthrough install-shims DIR`: this binary as `DIR/helm` and
/// `DIR/kustomize`, DIR made if missing (an emptyDir exists already; a
/// directory by hand may not). Each is written beside its final name and
/// renamed into place, so a repo-server that starts early never runs half a
/// file.
pub fn install_shims(dir: &Path) -> Result<Exit, Failure> {
    let me = std::env::current_exe().map_err(Failure::io("finding this executable"))?;
    fs::create_dir_all(dir).map_err(Failure::io(dir.display().to_string()))?;
    let mut first: Option<std::path::PathBuf> = None;
    for tool in [Tool::Helm, Tool::Kustomize] {
        let target = dir.join(tool.name());
        let temporary = dir.join(format!(".{}.pullthrough-new", tool.name()));
        let _ = fs::remove_file(&temporary);
        // The second is a hard link to the first: one copy in the emptyDir.
        let linked = first
            .as_ref()
            .is_some_and(|f| fs::hard_link(f, &temporary).is_ok());
        if !linked {
            fs::copy(&me, &temporary).map_err(Failure::io(format!(
                "copying {} to {}",
                me.display(),
                temporary.display()
            )))?;
            fs::set_permissions(&temporary, fs::Permissions::from_mode(0o755))
                .map_err(Failure::io(temporary.display().to_string()))?;
        }
        fs::rename(&temporary, &target).map_err(Failure::io(target.display().to_string()))?;
        eprintln!("pullthrough: installed {}", target.display());
        first.get_or_insert(target);
    }
    Ok(Exit::Success)
}

/// `pullthrough discover [DIR]`: a line on stdout when Argo CD would read
/// DIR as a plain directory (argocd-cmp-server takes any output for a
/// match), nothing when it is a Helm, Kustomize or Jsonnet app.
pub fn discover(dir: &Path) -> Result<Exit, Failure> {
    match discover::not_plain(dir).map_err(Failure::io(dir.display().to_string()))? {
        None => write_stdout(b"plain directory\n"),
        Some(_) => Ok(Exit::Success),
    }
}
