//! Names the commit in `--version` when built from a git checkout
//! (`pullthrough 0.1.0 (commit 1a2b3c4)`); a build from a crate package has
//! no `.git` and shows the version alone.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs/heads");
    println!("cargo:rerun-if-env-changed=PULLTHROUGH_COMMIT");
    let version = env!("CARGO_PKG_VERSION");
    let commit = std::env::var("PULLTHROUGH_COMMIT").ok().or_else(|| {
        let out = Command::new("git")
            .args(["rev-parse", "--short=12", "HEAD"])
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    });
    let full = match commit.filter(|c| !c.is_empty()) {
        Some(c) => format!("{version} (commit {c})"),
        None => version.to_string(),
    };
    println!("cargo:rustc-env=PULLTHROUGH_VERSION={full}");
}
