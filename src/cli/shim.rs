//! pullthrough as `helm` or `kustomize` ([`pullthrough::adapter::shim`]
//! decides what to do; this runs it).
//!
//! - **Pass-through**: the real tool is exec'd in this process, so its
//!   arguments, stdin, environment, directory, stdout, stderr, exit status
//!   and signals are its own.
//! - **Render**: the settings are read first (a bad one fails before the
//!   tool runs). The real tool then runs as the shim's child, in a process
//!   group of its own, with stdin and stderr inherited and stdout captured.
//!   On success the stdout is rewritten as the pipe rewrites it; on failure
//!   it is written as it came, with the tool's exit code (or signal).
//!
//! **Why a watchdog.** On its deadline Argo CD kills the process it started
//! with SIGKILL (util/exec: `TimeoutBehavior{SIGKILL}`), and the shim cannot
//! act on that. Beside the tool, the shim starts a watchdog, a second
//! pullthrough process ([`WATCHDOG`], in a process group of its own) that
//! asks the kernel for SIGTERM when the shim dies (`PR_SET_PDEATHSIG`) and
//! then kills the tool's whole process group: the real tool and whatever it started (kustomize's `helm
//! template`, exec functions, helm's plugins). Without `unsafe` (forbidden
//! here) a process can set that signal only for itself, hence a process of
//! its own; it starts beside the tool, not before it, so its start is off
//! the render's path. Once the tool has exited (seen without reaping it,
//! so its process group cannot be reused meanwhile) the shim ends the
//! watchdog. SIGTERM, SIGINT, SIGHUP and SIGQUIT sent to the shim are
//! forwarded to the tool's group.

use std::ffi::{OsStr, OsString};
use std::io::{IsTerminal, Read};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, ExitStatus, Stdio};

use pullthrough::adapter::shim::find::{self, FileId};
use pullthrough::adapter::shim::{self, Action, Tool};
use pullthrough::settings::Settings;
use rustix::process::{Pid, Signal};
use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};

use super::output::{self, Done, finish, write_stdout, write_stdout_pieces};
use super::{Exit, Failure, Host, env};

/// `argv[0]` of the watchdog process: `WATCHDOG SHIM_PID GROUP`.
pub const WATCHDOG: &str = "pullthrough-shim-watchdog";

/// The signals passed on to the real tool.
const FORWARDED: [i32; 4] = [SIGTERM, SIGINT, SIGHUP, SIGQUIT];

/// This process's executable, as the kernel knows it (a copy, link or
/// mount all lead here).
const SELF_EXE: &str = "/proc/self/exe";

/// Why a shim cannot run the real tool.
#[derive(Debug)]
pub enum Error {
    /// No real tool, or it would be the shim itself.
    Find(find::Error),
    /// The real tool cannot be started.
    Start {
        path: PathBuf,
        error: std::io::Error,
    },
    /// A render into files (`--output-dir`, `-o`).
    Refused { tool: Tool, flag: String },
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Find(e) => e.fmt(f),
            Error::Start { path, error } => write!(f, "cannot run {}: {error}", path.display()),
            Error::Refused { tool, flag } => write!(
                f,
                "`{tool} {} {flag}` writes the manifests to files, which the {tool} shim does not \
                 rewrite; render to stdout instead, or run the real {tool} ({}) to write them \
                 unrewritten",
                tool.render_command(),
                tool.variable()
            ),
        }
    }
}

/// pullthrough run as `tool`, with `argv` as given.
pub fn main(tool: Tool, argv: Vec<OsString>) -> ExitCode {
    match run(tool, &argv) {
        Ok(code) => code,
        Err(failure) => {
            let line = format!("pullthrough: error: {failure}");
            eprintln!("{line}");
            let _ = output::log(output::log_from_env().as_deref(), &[line]);
            failure.exit().into()
        }
    }
}

fn run(tool: Tool, argv: &[OsString]) -> Result<ExitCode, Failure> {
    let (argv0, args) = argv.split_first().expect("argv[0]");
    let me = FileId::of(Path::new(SELF_EXE)).map_err(Failure::io(SELF_EXE))?;
    let real = find::real_tool(
        tool,
        me,
        std::env::var_os(tool.variable()).as_deref(),
        std::env::var_os("PATH").as_deref(),
    )
    .map_err(|e| Failure::Shim(Error::Find(e)))?;
    let nested = || {
        (tool == Tool::Helm
            && shim::under_kustomize(std::env::var_os("HELM_CONFIG_HOME").as_deref()))
            || under_a_shim(me)
    };
    match shim::action(tool, args, nested) {
        Action::PassThrough => {
            // Only returns on failure.
            let error = Command::new(&real).arg0(argv0).args(args).exec();
            Err(Failure::Shim(Error::Start { path: real, error }))
        }
        Action::Refuse { flag } => Err(Failure::Shim(Error::Refused { tool, flag })),
        Action::Render => render(tool, &real, argv0, args),
    }
}

/// A render: the settings, the real tool watched, the rewrite.
fn render(tool: Tool, real: &Path, argv0: &OsStr, args: &[OsString]) -> Result<ExitCode, Failure> {
    let host = Host::Shim(tool);
    // The pipe's settings, from the environment alone: clap reads the
    // variables that stand for the flags.
    let cli = super::parse::parse([OsString::from("pullthrough")]).map_err(|e| {
        let text = e.render().to_string();
        Failure::Usage(text.trim_start_matches("error: ").trim_end().to_string())
    })?;
    let inputs = &cli.run.inputs;
    output::report_destination(&inputs.output, false)?;
    let threads = inputs
        .threads
        .threads(env)
        .map_err(|e| Failure::Settings(e, host))?;
    let config = inputs
        .settings
        .sources(Settings::default(), env)
        .and_then(|s| s.resolve())
        .map_err(|e| Failure::Settings(e, host))?;

    let what = format!("{tool} {}", tool.render_command());
    let (status, stdout) = watched(real, &what, argv0, args)?;
    if !status.success() {
        // The tool's own failure, as it was.
        write_stdout(&stdout)?;
        return Ok(mirror(status));
    }
    let outcome =
        pullthrough::plan(&stdout, &config, threads.for_stream(stdout.len())).map_err(|error| {
            Failure::Stream {
                name: Some(format!("{what} output")),
                error,
            }
        })?;
    let done = [Done {
        name: Some(format!("{what} output")),
        outcome,
    }];
    finish(&output::seen(&done), &config.renames, &inputs.output)?;
    write_stdout_pieces(&output::pieces(&done)).map(Into::into)
}

/// Runs the real tool, watched; its exit status and stdout.
fn watched(
    real: &Path,
    what: &str,
    argv0: &OsStr,
    args: &[OsString],
) -> Result<(ExitStatus, Vec<u8>), Failure> {
    // Registered before the tool starts, so none is lost.
    let mut signals =
        signal_hook::iterator::Signals::new(FORWARDED).map_err(Failure::io("handling signals"))?;
    // The tool leads a process group of its own, so that it and all it
    // starts can be killed together; not with a terminal on stdin, where
    // only the foreground group may read it (`helm template -f -` by hand):
    // there the tool stays in the shim's group, and has no watchdog.
    let own_group = !std::io::stdin().is_terminal();
    let mut command = Command::new(real);
    command.arg0(argv0).args(args).stdout(Stdio::piped());
    if own_group {
        command.process_group(0);
    }
    let mut child = command.spawn().map_err(|error| {
        Failure::Shim(Error::Start {
            path: real.to_path_buf(),
            error,
        })
    })?;
    let tool = Pid::from_child(&child);
    let group = own_group.then_some(tool);
    // The watchdog next, in a group of its own too (a supervisor that kills
    // the shim's group must not take it first). It starts while the tool
    // runs, off the render's path; started before the tool, its start cost
    // the render 2 to 3 ms (docs/performance.md). The moment between the
    // two starts is unwatched: Argo CD kills at a deadline, long after.
    let watchdog = match group {
        Some(group) => Command::new(SELF_EXE)
            .arg0(WATCHDOG)
            .arg(std::process::id().to_string())
            .arg(group.as_raw_nonzero().to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .process_group(0)
            .spawn()
            .map(Some),
        None => Ok(None),
    };
    let mut watchdog = match watchdog {
        Ok(w) => w,
        Err(e) => {
            signal_tool(tool, group, Signal::KILL);
            let _ = child.wait();
            return Err(Failure::io(format!("starting {what}'s watchdog"))(e));
        }
    };
    // Until the tool has exited, a signal is the tool's (its group's);
    // after, it has its default meaning for the shim: a SIGTERM while the
    // output is rewritten ends the run with nothing written.
    let exited = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let seen = std::sync::Arc::clone(&exited);
    std::thread::spawn(move || {
        for signal in signals.forever() {
            if seen.load(std::sync::atomic::Ordering::SeqCst) {
                let _ = signal_hook::low_level::emulate_default_handler(signal);
            }
            if let Some(signal) = Signal::from_named_raw(signal) {
                signal_tool(tool, group, signal);
            }
        }
    });
    let mut pipe = child.stdout.take().expect("piped stdout");
    // A render is read whole: a larger pipe takes it in fewer rounds
    // between the tool and us (Linux's default holds 64 KiB; the limit for
    // an unprivileged process is 1 MiB).
    let _ = rustix::pipe::fcntl_setpipe_size(&pipe, 1 << 20);
    let mut stdout = Vec::new();
    let read = pipe.read_to_end(&mut stdout);
    // Exited, and not reaped: its pid stays taken until the watchdog, and
    // the forwarding of signals to it, are done with.
    while let Err(rustix::io::Errno::INTR) = rustix::process::waitid(
        rustix::process::WaitId::Pid(tool),
        rustix::process::WaitIdOptions::EXITED | rustix::process::WaitIdOptions::NOWAIT,
    ) {}
    exited.store(true, std::sync::atomic::Ordering::SeqCst);
    if let Some(watchdog) = watchdog.as_mut() {
        let _ = watchdog.kill();
        let _ = watchdog.wait();
    }
    let status = child.wait();
    read.map_err(Failure::io(format!("reading {what}'s output")))?;
    let status = status.map_err(Failure::io(format!("waiting for {what}")))?;
    Ok((status, stdout))
}

/// Sends `signal` to the tool's process group, or to the tool alone when it
/// runs in the shim's group (a terminal on stdin).
fn signal_tool(tool: Pid, group: Option<Pid>, signal: Signal) {
    let _ = match group {
        Some(group) => rustix::process::kill_process_group(group, signal),
        None => rustix::process::kill_process(tool, signal),
    };
}

/// The watchdog: `argv` is `WATCHDOG SHIM_PID GROUP`. When the shim dies,
/// the group dies.
pub fn watchdog(argv: Vec<OsString>) -> ExitCode {
    let number = |a: Option<&OsString>| {
        a.and_then(|a| a.to_str())
            .and_then(|a| a.parse::<i32>().ok())
            .and_then(Pid::from_raw)
    };
    let (Some(shim), Some(group)) = (number(argv.get(1)), number(argv.get(2))) else {
        eprintln!("pullthrough: error: {WATCHDOG} is started by a shim, not by hand");
        return ExitCode::from(Exit::Usage as u8);
    };
    // Signals only wake the watchdog to look: they are the shim's to act on.
    let Ok(mut signals) = signal_hook::iterator::Signals::new(FORWARDED) else {
        return ExitCode::from(Exit::Input as u8);
    };
    let gone = || rustix::process::getppid() != Some(shim);
    let kill_group = || {
        let _ = rustix::process::kill_process_group(group, Signal::KILL);
    };
    // The shim's death is a SIGTERM here; it may have died before the
    // request took effect.
    if rustix::process::set_parent_process_death_signal(Some(Signal::TERM)).is_err() || gone() {
        kill_group();
        return ExitCode::SUCCESS;
    }
    for _ in signals.forever() {
        if gone() {
            kill_group();
            break;
        }
    }
    ExitCode::SUCCESS
}

/// Whether a rendering shim is among this process's ancestors: a process
/// whose executable is this one's file (a shim that passes a command
/// through has become the real tool, so only a render is found). A render
/// is then running above even if the tool between us cleared the
/// environment that says so (one that runs helm with an environment of its
/// own making). The walk stops at init, at a process it cannot read, or
/// after 32 steps.
fn under_a_shim(me: FileId) -> bool {
    let mut pid = std::os::unix::process::parent_id();
    for _ in 0..32 {
        if pid <= 1 {
            return false;
        }
        match FileId::of(Path::new(&format!("/proc/{pid}/exe"))) {
            Ok(id) if id == me => return true,
            Ok(_) => {}
            Err(_) => return false,
        }
        // `pid (comm) state ppid …`: comm may hold spaces and parentheses.
        let Some(ppid) = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|s| {
                let rest = s.rsplit_once(')')?.1.to_string();
                rest.split_whitespace().nth(1)?.parse().ok()
            })
        else {
            return false;
        };
        pid = ppid;
    }
    false
}

/// Ends as `status` did: its exit code, or its signal raised on this
/// process (the default action, so that the caller sees the same signal).
fn mirror(status: ExitStatus) -> ExitCode {
    if let Some(code) = status.code() {
        return ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    if let Some(signal) = status.signal() {
        let _ = signal_hook::low_level::emulate_default_handler(signal);
        if let Some(signal) = Signal::from_named_raw(signal) {
            let _ = rustix::process::kill_process(rustix::process::getpid(), signal);
        }
        // A signal whose default is to be ignored: as the shell reports it.
        return ExitCode::from(u8::try_from(128 + signal).unwrap_or(1));
    }
    ExitCode::from(Exit::Input as u8)
}
