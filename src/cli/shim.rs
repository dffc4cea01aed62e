//! pullthrough as `helm` or `kustomize` ([`pullthrough::adapter::shim`]
//! decides what to do; this runs it).
//!
//! - **Pass-through**: the real tool is exec'd in this process, so its
//!   arguments, stdin, environment, directory, stdout, stderr, exit status
//!   and signals are its own.
//! - **Render**: the settings are read first (a bad one fails before the
//!   tool runs). The real tool then runs under a supervisor, a second
//!   pullthrough process ([`SUPERVISOR`]), with stdin and stderr inherited
//!   and stdout captured. On success the stdout is rewritten as the pipe
//!   rewrites it; on failure it is written as it came, with the tool's exit
//!   code (or signal).
//!
//! **Why a supervisor.** On its deadline Argo CD kills the process it
//! started with SIGKILL (util/exec: `TimeoutBehavior{SIGKILL}`), and the
//! shim cannot act on that. The supervisor asks the kernel for SIGTERM when
//! the shim dies (`PR_SET_PDEATHSIG`), and puts the real tool in a process
//! group of its own, so that on the shim's death it kills the whole group:
//! the real tool and whatever it started (kustomize's `helm template`, exec
//! functions, helm's plugins). Without `unsafe` (forbidden here), a child
//! can only set that signal for itself, hence the second process rather
//! than a hook between fork and exec. SIGTERM, SIGINT, SIGHUP and SIGQUIT
//! sent to the shim are forwarded to the supervisor, which forwards them to
//! the group.

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

/// `argv[0]` of the supervisor process: `SUPERVISOR REAL ARGV0 ARGS…`.
pub const SUPERVISOR: &str = "pullthrough-shim-supervisor";

/// The shim's pid, for the supervisor to tell that it is gone.
const PARENT: &str = "PULLTHROUGH_SHIM_PARENT";

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
        env(shim::RUNNING).as_deref(),
    )
    .map_err(|e| Failure::Shim(Error::Find(e)))?;
    let running = FileId::of(&real)
        .map_err(|error| {
            Failure::Shim(Error::Start {
                path: real.clone(),
                error,
            })
        })?
        .encode();
    let nested = env(shim::RENDERING).is_some_and(|v| !v.is_empty()) || under_supervisor();
    match shim::action(tool, args, nested) {
        Action::PassThrough => {
            // Only returns on failure.
            let error = Command::new(&real)
                .arg0(argv0)
                .args(args)
                .env(shim::RUNNING, running)
                .exec();
            Err(Failure::Shim(Error::Start { path: real, error }))
        }
        Action::Refuse { flag } => Err(Failure::Shim(Error::Refused { tool, flag })),
        Action::Render => render(tool, &real, &running, argv0, args),
    }
}

/// A render: the settings, the real tool under the supervisor, the rewrite.
fn render(
    tool: Tool,
    real: &Path,
    running: &str,
    argv0: &OsStr,
    args: &[OsString],
) -> Result<ExitCode, Failure> {
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
    let (status, stdout) = supervised(real, running, &what, argv0, args)?;
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
    finish(&output::seen(&done), &inputs.output)?;
    write_stdout_pieces(&output::pieces(&done)).map(Into::into)
}

/// Runs the real tool under the supervisor; its exit status and stdout.
fn supervised(
    real: &Path,
    running: &str,
    what: &str,
    argv0: &OsStr,
    args: &[OsString],
) -> Result<(ExitStatus, Vec<u8>), Failure> {
    let mut child = Command::new(SELF_EXE)
        .arg0(SUPERVISOR)
        .arg(real)
        .arg(argv0)
        .args(args)
        .env(shim::RUNNING, running)
        .env(shim::RENDERING, what)
        .env(PARENT, std::process::id().to_string())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(Failure::io(format!("starting {what}")))?;
    let pid = Pid::from_child(&child);
    let mut signals =
        signal_hook::iterator::Signals::new(FORWARDED).map_err(Failure::io("handling signals"))?;
    let handle = signals.handle();
    let forward = std::thread::spawn(move || {
        for signal in signals.forever() {
            if let Some(signal) = Signal::from_named_raw(signal) {
                let _ = rustix::process::kill_process(pid, signal);
            }
        }
    });
    let mut stdout = Vec::new();
    let read = child
        .stdout
        .take()
        .expect("piped stdout")
        .read_to_end(&mut stdout);
    let status = child.wait();
    handle.close();
    let _ = forward.join();
    read.map_err(Failure::io(format!("reading {what}'s output")))?;
    let status = status.map_err(Failure::io(format!("waiting for {what}")))?;
    Ok((status, stdout))
}

/// The supervisor: `argv` is `SUPERVISOR REAL ARGV0 ARGS…`.
pub fn supervise(argv: Vec<OsString>) -> ExitCode {
    let fail = |message: String| {
        eprintln!("pullthrough: error: {message}");
        ExitCode::from(Exit::Input as u8)
    };
    let [_, real, argv0, args @ ..] = argv.as_slice() else {
        return fail(format!("{SUPERVISOR} is started by a shim, not by hand"));
    };
    // The shim's death is a SIGTERM here; then check that it has not died
    // already, before the request took effect.
    let parent = env(PARENT)
        .and_then(|p| p.parse::<i32>().ok())
        .and_then(Pid::from_raw);
    if rustix::process::set_parent_process_death_signal(Some(Signal::TERM)).is_err()
        || parent.is_none()
        || rustix::process::getppid() != parent
    {
        return fail(format!("{SUPERVISOR}: the shim that started it is gone"));
    }
    let mut signals = match signal_hook::iterator::Signals::new(FORWARDED) {
        Ok(s) => s,
        Err(e) => return fail(format!("handling signals: {e}")),
    };
    // A process group of its own, so that the tool and all it starts can be
    // killed together; not with a terminal on stdin, where only the
    // foreground group may read it (`helm template -f -` by hand).
    let own_group = !std::io::stdin().is_terminal();
    let mut command = Command::new(real);
    command.arg0(argv0).args(args).env_remove(PARENT);
    if own_group {
        command.process_group(0);
    }
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(error) => return fail(format!("cannot run {}: {error}", Path::new(real).display())),
    };
    let pid = Pid::from_child(&child);
    let handle = signals.handle();
    let forward = std::thread::spawn(move || {
        for signal in signals.forever() {
            let shim_gone = rustix::process::getppid() != parent;
            let signal = match Signal::from_named_raw(signal) {
                _ if shim_gone => Signal::KILL,
                Some(signal) => signal,
                None => continue,
            };
            let _ = match own_group {
                true => rustix::process::kill_process_group(pid, signal),
                false => rustix::process::kill_process(pid, signal),
            };
        }
    });
    let status = child.wait();
    handle.close();
    let _ = forward.join();
    match status {
        Ok(status) => mirror(status),
        Err(e) => fail(format!("waiting for {}: {e}", Path::new(real).display())),
    }
}

/// Whether a supervisor is among this process's ancestors: a render is
/// running above even if the tool between us cleared the environment that
/// says so (a tool that runs helm with an environment of its own making).
/// The walk stops at init, at a process it cannot read, or after 32 steps.
fn under_supervisor() -> bool {
    let mut pid = std::os::unix::process::parent_id();
    for _ in 0..32 {
        if pid <= 1 {
            return false;
        }
        let argv0 = std::fs::read(format!("/proc/{pid}/cmdline"))
            .ok()
            .and_then(|c| c.split(|b| *b == 0).next().map(<[u8]>::to_vec));
        match argv0 {
            Some(a) if a.rsplit(|b| *b == b'/').next() == Some(SUPERVISOR.as_bytes()) => {
                return true;
            }
            Some(_) => {}
            None => return false,
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
