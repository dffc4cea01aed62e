//! Answering a KRM function (kustomize, kpt): settings are the flags and
//! environment over the `functionConfig` over the kustomize plugin's config;
//! the answer is the `ResourceList` with results. On failure stdout still
//! gets a `ResourceList`, with an error result, and the exit is non-zero.

use pullthrough::adapter::krm::ResourceList;
use pullthrough::settings::Settings;

use super::args::RunArgs;
use super::output::{Seen, finish, write_stdout};
use super::{Exit, Failure, Host, env};

pub fn function(args: &RunArgs, list: &ResourceList, plugin: Settings) -> Result<Exit, Failure> {
    let answer = || -> Result<String, Failure> {
        let function_config = list.settings().map_err(Failure::Krm)?;
        let config = args
            .inputs
            .settings
            .sources(function_config.over(plugin), env)
            .and_then(|s| s.resolve())
            .map_err(|e| Failure::Settings(e, Host::Krm))?;
        let response = list.rewrite(&config).map_err(Failure::Krm)?;
        let seen = Seen {
            name: None,
            images: &response.outcome.images,
            warnings: &response.outcome.warnings,
        };
        // A report or log that cannot be written is an error like any other:
        // the host still gets the ResourceList, with an error result.
        finish(&[seen], &config.renames, &args.inputs.output)?;
        Ok(response.text)
    };
    match answer() {
        Ok(text) => write_stdout(text.as_bytes()),
        Err(failure) => {
            write_stdout(list.failure(&failure.to_string()).as_bytes())?;
            Err(failure)
        }
    }
}
