//! Runs one renderer: no stdin (as Argo CD gives none), stdout and stderr
//! captured, killed at the deadline.
//!
//! The renderer runs in a process group of its own, so that everything it
//! starts (helm's plugins, kustomize's exec functions) can be stopped
//! together: at our deadline the group is killed, and when we are told to
//! stop (SIGTERM or SIGINT, seen through [`Limits::cancel`]) the group gets
//! SIGTERM, then SIGKILL after a grace. Its pipes are not waited for past a
//! short grace: a grandchild that holds them open cannot hang the run.

use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use super::{Error, display};

/// How long to wait for the pipes after the process exits or is killed.
const PIPE_GRACE: Duration = Duration::from_millis(500);

/// How long a renderer told to stop (SIGTERM) gets before SIGKILL.
const TERM_GRACE: Duration = Duration::from_secs(2);

/// When to stop a renderer.
#[derive(Debug, Clone, Copy, Default)]
pub struct Limits<'a> {
    /// The instant to give up at, and the whole timeout (for the message).
    pub deadline: Option<(Instant, Duration)>,
    /// Set (by a signal handler) when the run must stop now.
    pub cancel: Option<&'a AtomicBool>,
}

impl Limits<'_> {
    fn cancelled(&self) -> bool {
        self.cancel.is_some_and(|c| c.load(Ordering::Relaxed))
    }
}

/// A flag that SIGTERM (Argo CD's timeout, a pod shutdown) and SIGINT set,
/// for `Limits::cancel`: the renderer's whole process group is then
/// stopped and the run writes nothing.
pub fn stop_on_signals() -> std::io::Result<std::sync::Arc<AtomicBool>> {
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(signal, std::sync::Arc::clone(&stop))?;
    }
    Ok(stop)
}

/// What a successful run printed.
#[derive(Debug)]
pub(super) struct Output {
    pub stdout: Vec<u8>,
    pub stderr: String,
}

/// Runs `program args…` in `dir`, within `limits`.
pub(super) fn run(
    program: &Path,
    args: &[OsString],
    dir: &Path,
    limits: &Limits,
) -> Result<Output, Error> {
    run_with_env(program, args, dir, &[], limits)
}

/// [`run`] with `env` set on top of the inherited environment (e.g. the
/// request's own Helm repository cache, see [`super::scratch`]).
pub(super) fn run_with_env(
    program: &Path,
    args: &[OsString],
    dir: &Path,
    env: &[(&str, &OsStr)],
    limits: &Limits,
) -> Result<Output, Error> {
    let deadline = limits.deadline;
    // Only the first arguments: Argo CD's API versions alone can be many
    // dozens of flags.
    let shown = args.len().min(3);
    let mut command = display(program, &args[..shown]);
    if shown < args.len() {
        command.push_str(" …");
    }
    let mut child = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
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
                kill_group(&mut child, rustix::process::Signal::KILL);
                return Err(Error::Spawn { command, error });
            }
        }
        if limits.cancelled() {
            stop(&mut child);
            return Err(Error::Cancelled { command });
        }
        if let Some((at, after)) = deadline
            && Instant::now() >= at
        {
            kill_group(&mut child, rustix::process::Signal::KILL);
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

/// Sends `signal` to the child's process group, then (for SIGKILL) reaps
/// the child.
fn kill_group(child: &mut Child, signal: rustix::process::Signal) {
    let pid = i32::try_from(child.id())
        .ok()
        .and_then(rustix::process::Pid::from_raw);
    match pid {
        Some(pid) => {
            let _ = rustix::process::kill_process_group(pid, signal);
        }
        None => {
            let _ = child.kill();
        }
    }
    if signal == rustix::process::Signal::KILL {
        let _ = child.wait();
    }
}

/// SIGTERM to the group, then SIGKILL if the child has not exited within
/// [`TERM_GRACE`] (the group gets it either way: grandchildren may linger).
fn stop(child: &mut Child) {
    kill_group(child, rustix::process::Signal::TERM);
    let until = Instant::now() + TERM_GRACE;
    while Instant::now() < until && matches!(child.try_wait(), Ok(None)) {
        thread::sleep(Duration::from_millis(10));
    }
    kill_group(child, rustix::process::Signal::KILL);
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
        let limits = Limits {
            deadline: timeout.map(|t| (Instant::now() + t, t)),
            cancel: None,
        };
        run(Path::new("sh"), &args, Path::new("."), &limits)
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
            &Limits::default(),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "`pullthrough-no-such-renderer`: not found on PATH"
        );
    }
}

#[cfg(test)]
mod group_tests {
    use super::*;

    /// The process exists and is not a zombie (a killed orphan waits to be
    /// reaped by init, which may take a moment).
    fn alive(pid: &str) -> bool {
        std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())).is_ok_and(|stat| {
            stat.rsplit(')')
                .next()
                .is_some_and(|rest| !rest.trim_start().starts_with('Z'))
        })
    }

    #[test]
    fn cancel_stops_the_renderer_and_its_children() {
        let dir = tempfile::tempdir().unwrap();
        let pids = dir.path().join("pids");
        let script = format!(
            "sleep 30 & echo $! > {0}; echo $$ >> {0}; wait",
            pids.display()
        );
        let cancel = AtomicBool::new(false);
        let limits = Limits {
            deadline: None,
            cancel: Some(&cancel),
        };
        std::thread::scope(|s| {
            s.spawn(|| {
                while std::fs::read_to_string(&pids).map_or(true, |p| p.lines().count() < 2) {
                    thread::sleep(Duration::from_millis(10));
                }
                cancel.store(true, Ordering::Relaxed);
            });
            let err = run(
                Path::new("sh"),
                &["-c".into(), script.into()],
                dir.path(),
                &limits,
            )
            .unwrap_err();
            assert!(matches!(err, Error::Cancelled { .. }), "{err}");
        });
        thread::sleep(Duration::from_millis(100));
        for pid in std::fs::read_to_string(&pids).unwrap().lines() {
            assert!(!alive(pid), "process {pid} survived");
        }
    }
}
