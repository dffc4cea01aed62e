//! Running the real binary and the real hosts, and reading test files.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub use super::REGISTRY;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What a run of the real binary did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Run {
    pub fn stdout(&self) -> String {
        String::from_utf8(self.stdout.clone()).expect("stdout is UTF-8")
    }
}

/// A command for the real binary with no PULLTHROUGH_* or AWS_* variables
/// inherited from the environment.
pub fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pullthrough"));
    cmd.args(args);
    for (key, _) in std::env::vars() {
        if key.starts_with("PULLTHROUGH_") || key.starts_with("AWS_") {
            cmd.env_remove(key);
        }
    }
    cmd
}

/// Runs the real binary with `stdin`.
pub fn run_cmd(mut cmd: Command, stdin: &[u8]) -> Run {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn pullthrough");
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn run(args: &[&str], stdin: &[u8]) -> Run {
    run_cmd(command(args), stdin)
}

/// Every file in a directory, sorted.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// A unified diff with line endings and BOMs made visible.
pub fn diff(old: &str, new: &str) -> String {
    let visible = |s: &str| s.replace('\r', "␍").replace('\u{feff}', "<BOM>");
    let (old, new) = (visible(old), visible(new));
    similar::TextDiff::from_lines(&old, &new)
        .unified_diff()
        .context_radius(1)
        .to_string()
}

/// A host binary from `.tools/bin`, installed by scripts/install-hosts.sh.
pub fn tool(name: &str) -> PathBuf {
    let path = root().join(".tools/bin").join(name);
    assert!(
        path.is_file(),
        "{name} is not installed at {}: run scripts/install-hosts.sh (scripts/test does)",
        path.display()
    );
    path
}

/// A host binary from PATH (kubectl, kpt come with the machine image).
pub fn on_path(name: &str) -> PathBuf {
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(name))
                .find(|p| p.is_file())
        })
        .unwrap_or_else(|| {
            panic!("{name} is not on PATH: scripts/install-hosts.sh checks for it; install {name}")
        })
}

/// The process exists and is not a zombie (a killed orphan waits for init
/// to reap it).
pub fn alive(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())).is_ok_and(|stat| {
        stat.rsplit(')')
            .next()
            .is_some_and(|rest| !rest.trim_start().starts_with('Z'))
    })
}
