//! Runs one renderer: no stdin (as Argo CD gives none), stdout and stderr
//! captured, killed at the deadline.
//!
//! The renderer stays in our process group, so Argo CD's SIGTERM to the
//! group on its own timeout reaches it too. At our deadline only the direct
//! child is killed (`Child::kill`; a process group kill needs `unsafe`
//! here), and its pipes are not waited for past a short grace: a grandchild
//! that holds them open cannot hang the run.

use std::ffi::OsString;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use super::{Error, display};

/// How long to wait for the pipes after the process exits or is killed.
const PIPE_GRACE: Duration = Duration::from_millis(500);

/// What a successful run printed.
#[derive(Debug)]
pub(super) struct Output {
    pub stdout: Vec<u8>,
    pub stderr: String,
}

/// Runs `program args…` in `dir`. `deadline` is the instant to give up at
/// and the whole timeout, for the message.
pub(super) fn run(
    program: &Path,
    args: &[OsString],
    dir: &Path,
    deadline: Option<(Instant, Duration)>,
) -> Result<Output, Error> {
    // Only the first arguments: Argo CD's API versions alone can be many
    // dozens of flags.
    let shown = args.len().min(3);
    let mut command = display(program, &args[..shown]);
    if shown < args.len() {
        command.push_str(" …");
    }
    let mut child = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| Error::Spawn {
            command: command.clone(),
            error,
        })?;
    let (tx, rx) = mpsc::channel();
    let pipes: [(bool, Box<dyn Read + Send>); 2] = [
        (true, Box::new(child.stdout.take().expect("piped stdout"))),
        (false, Box::new(child.stderr.take().expect("piped stderr"))),
    ];
    for (is_stdout, mut pipe) in pipes {
        let tx = tx.clone();
        thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            let _ = tx.send((is_stdout, buf));
        });
    }
    drop(tx);
    let mut pause = Duration::from_millis(1);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(error) => {
                let _ = child.kill();
                return Err(Error::Spawn { command, error });
            }
        }
        if let Some((at, after)) = deadline
            && Instant::now() >= at
        {
            let _ = child.kill();
            let _ = child.wait();
            let (_, stderr) = collect(&rx, Instant::now() + PIPE_GRACE);
            return Err(Error::Timeout {
                command,
                after,
                stderr: String::from_utf8_lossy(&stderr).into_owned(),
            });
        }
        thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    };
    // The process has exited; its pipes close unless a grandchild holds
    // them, so wait for them only up to the deadline (plus a grace).
    let until = deadline
        .map_or(Instant::now() + Duration::from_secs(3600), |(at, _)| at)
        .max(Instant::now() + PIPE_GRACE);
    let (stdout, stderr) = collect(&rx, until);
    let stderr = String::from_utf8_lossy(&stderr).into_owned();
    if status.success() {
        Ok(Output { stdout, stderr })
    } else {
        let status = match status.code() {
            Some(code) => format!("exit status {code}"),
            None => format!("{status}"),
        };
        Err(Error::Failed {
            command,
            status,
            stderr,
        })
    }
}

/// stdout and stderr, as far as they arrived by `until`.
fn collect(rx: &mpsc::Receiver<(bool, Vec<u8>)>, until: Instant) -> (Vec<u8>, Vec<u8>) {
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    for _ in 0..2 {
        let left = until.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok((true, buf)) => stdout = buf,
            Ok((false, buf)) => stderr = buf,
            Err(_) => break,
        }
    }
    (stdout, stderr)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str, timeout: Option<Duration>) -> Result<Output, Error> {
        let args = ["-c".into(), script.into()];
        let deadline = timeout.map(|t| (Instant::now() + t, t));
        run(Path::new("sh"), &args, Path::new("."), deadline)
    }

    #[test]
    fn captures_both_streams() {
        let out = sh("echo out; echo err >&2", None).unwrap();
        assert_eq!(out.stdout, b"out\n");
        assert_eq!(out.stderr, "err\n");
    }

    #[test]
    fn failure_carries_stderr_and_status() {
        let err = sh("echo partial; echo 'Error: boom' >&2; exit 3", None).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("exit status 3"), "{message}");
        assert!(message.ends_with("Error: boom"), "{message}");
    }

    #[test]
    fn no_stdin() {
        let out = sh("cat; echo end", None).unwrap();
        assert_eq!(out.stdout, b"end\n");
    }

    #[test]
    fn kills_at_the_deadline_even_if_a_grandchild_holds_the_pipes() {
        let start = Instant::now();
        let err = sh(
            "echo started >&2; sleep 30 & sleep 30",
            Some(Duration::from_millis(300)),
        )
        .unwrap_err();
        assert!(matches!(err, Error::Timeout { .. }), "{err}");
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn missing_program() {
        let err = run(
            Path::new("pullthrough-no-such-renderer"),
            &[],
            Path::new("."),
            None,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "`pullthrough-no-such-renderer`: not found on PATH"
        );
    }
}
