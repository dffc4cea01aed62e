//! `pullthrough generate`: Argo CD's request ([`PluginRequest`]) and settings
//! → [`render::render`] → [`pullthrough::plan()`] → stdout. Nothing is
//! written until everything has succeeded.

use pullthrough::adapter::argocd::render::{self, Request, Source, Tools};
use pullthrough::adapter::argocd::{self, PluginRequest};
use pullthrough::stream;

use super::args::GenerateArgs;
use super::output::{self, Done, finish, write_stdout, write_stdout_pieces};
use super::{Exit, Failure, Host, env};

pub fn generate(args: &GenerateArgs) -> Result<Exit, Failure> {
    output::report_destination(&args.output, false)?;
    let request = PluginRequest::from_env(env).map_err(Failure::Parameters)?;
    let threads = args
        .threads
        .threads(env)
        .map_err(|e| Failure::Settings(e, Host::ArgoCd))?;
    // Resolved before rendering, so a bad setting fails fast.
    let config = if request.parameters.enabled {
        let sources = argocd::sources(env, args.rules_from.as_deref(), args.config.as_deref())
            .map_err(|e| Failure::Settings(e, Host::ArgoCd))?;
        Some(
            sources
                .resolve()
                .map_err(|e| Failure::Settings(e, Host::ArgoCd))?,
        )
    } else {
        None
    };
    let root = request.root(&args.dir, args.repo_root.as_deref());
    let tools = Tools::on_path(std::env::var_os("PATH").as_deref());
    let stop = render::stop_on_signals().map_err(Failure::io("cannot handle signals"))?;
    let stopped = || {
        stop.load(std::sync::atomic::Ordering::Relaxed)
            .then_some(Failure::Stopped)
    };
    let rendered = render::render(&Request {
        dir: &args.dir,
        root: &root,
        tools: &tools,
        helm: &request.helm,
        directory: &request.parameters.directory,
        timeout: (!args.timeout.is_zero()).then_some(args.timeout),
        cancel: Some(&stop),
    })
    .map_err(Failure::Render)?;
    if !args.output.quiet && !rendered.stderr.trim().is_empty() {
        eprintln!("{}", rendered.stderr.trim_end());
    }
    // An app with no objects is an empty app, as in Argo CD, unless the
    // platform (--refuse-empty) or the app (refuse-empty) wants an error.
    let refuse_empty = args.refuse_empty || request.parameters.refuse_empty;
    let empty = || Failure::Empty {
        what: match rendered.source {
            Source::Kustomization => "a kustomization",
            Source::Chart => "a Helm chart",
            Source::Directory => "a plain directory",
        },
        dir: args.dir.display().to_string(),
    };
    let Some(config) = config else {
        if rendered.is_empty() && refuse_empty {
            return Err(empty());
        }
        // enabled: "false": the rendered app, unchanged.
        let texts = rendered
            .parts
            .iter()
            .map(|p| {
                std::str::from_utf8(&p.bytes).map_err(|_| Failure::NotUtf8 {
                    name: p.name.clone(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(failure) = stopped() {
            return Err(failure);
        }
        return write_stdout(stream::join(&texts).as_bytes());
    };
    let mut done = Vec::with_capacity(rendered.parts.len());
    for part in &rendered.parts {
        let outcome = pullthrough::plan(&part.bytes, &config, threads.for_stream(part.bytes.len()))
            .map_err(|error| Failure::Stream {
                name: Some(part.name.clone()),
                error,
            })?;
        done.push(Done {
            name: Some(part.name.clone()),
            outcome,
        });
    }
    // Counted by the rewrite itself: no second parse of a large app.
    if done.iter().all(|d| d.outcome.documents == 0) && refuse_empty {
        return Err(empty());
    }
    // Stopped: nothing written, the report and log included.
    if let Some(failure) = stopped() {
        return Err(failure);
    }
    finish(&output::seen(&done), &config.renames, &args.output)?;
    write_stdout_pieces(&output::pieces(&done))
}
