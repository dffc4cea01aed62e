//! The hosts that run `pullthrough` inside them: a KRM function's
//! `ResourceList` (kustomize, kpt), kustomize's legacy exec plugin
//! (`…/PullThrough CONFIG`), and the log file for hosts that throw stderr
//! away (Helm 4).

use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::path::{Path, PathBuf};

use pullthrough::krm::{self, ResourceList};
use pullthrough::settings::Settings;

use super::{Done, Exit, Failure, RunArgs, finish, write_stdout};

/// The file name kustomize's legacy exec plugin has:
/// `$KUSTOMIZE_PLUGIN_HOME/pullthrough.dev/v1alpha1/pullthrough/PullThrough`.
pub const PLUGIN_NAME: &str = "PullThrough";

/// The arguments for clap, and the plugin config when run as kustomize's
/// legacy exec plugin: then argv[0] is `…/PullThrough`, argv[1] the config
/// object's file, and any further words (`argsOneLiner`) are flags.
pub fn legacy_plugin(argv: Vec<OsString>) -> (Vec<OsString>, Option<PathBuf>) {
    let is_plugin = argv
        .first()
        .and_then(|a| Path::new(a).file_name())
        .is_some_and(|name| name == OsStr::new(PLUGIN_NAME));
    if !is_plugin {
        return (argv, None);
    }
    let mut args = argv.into_iter();
    let zero = args.next().unwrap_or_default();
    // No argument at all still selects the mode, so the error says what is
    // missing instead of "no registry".
    let config = args.next().unwrap_or_default();
    (
        std::iter::once(zero).chain(args).collect(),
        Some(config.into()),
    )
}

/// The settings of the legacy plugin's config file: the `PullThrough`
/// object (a ConfigMap works too).
pub fn plugin_settings(config: Option<&Path>) -> Result<Settings, Failure> {
    let Some(path) = config else {
        return Ok(Settings::default());
    };
    let usage = |m: String| Failure(Exit::Usage, m);
    if path.as_os_str().is_empty() {
        return Err(usage(format!(
            "run as kustomize's exec plugin ({PLUGIN_NAME}), the first argument must be the plugin's config file"
        )));
    }
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| usage(format!("{name}: {e}")))?;
    let text =
        std::str::from_utf8(&bytes).map_err(|_| usage(format!("{name}: not valid UTF-8")))?;
    let docs = pullthrough::yaml::parse(text).map_err(|e| usage(format!("{name}: {e}")))?;
    let [doc] = docs.as_slice() else {
        return Err(usage(format!("{name}: expected one YAML document")));
    };
    let root = doc
        .root
        .ok_or_else(|| usage(format!("{name}: empty document")))?;
    krm::config_settings(doc, root, &name).map_err(|e| usage(e.to_string()))
}

/// Runs as a KRM function: settings are the flags and environment over the
/// `functionConfig` over `layer`; the answer is the `ResourceList` with
/// results. On failure stdout still gets a `ResourceList`, with an error
/// result, and the exit is non-zero.
pub fn krm_function(args: &RunArgs, list: &ResourceList, layer: Settings) -> Result<Exit, Failure> {
    let fail = |Failure(code, message): Failure| {
        write_stdout(list.failure(&message).as_bytes())?;
        Err(Failure(code, message))
    };
    let function_config = match list.settings() {
        Ok(s) => s,
        Err(e @ krm::Error::Settings(_)) => return fail(Failure(Exit::Usage, e.to_string())),
        Err(e) => return fail(Failure(Exit::Input, e.to_string())),
    };
    let config = match args.settings.resolve_over(function_config.over(layer)) {
        Ok(config) => config,
        Err(Failure(code, message)) if message.starts_with("no cache registry") => {
            return fail(Failure(
                code,
                format!(
                    "{message}, or `registry` in the functionConfig (ConfigMap data, or {} {} spec)",
                    krm::CONFIG_API_VERSION,
                    krm::CONFIG_KIND
                ),
            ));
        }
        Err(failure) => return fail(failure),
    };
    let response = match list.rewrite(&config) {
        Ok(response) => response,
        Err(e) => return fail(Failure(Exit::Input, e.to_string())),
    };
    let done = [Done {
        name: None,
        outcome: response.outcome,
    }];
    // A report or log that cannot be written is an error like any other:
    // the host still gets the ResourceList, with an error result.
    if let Err(failure) = finish(&done, &args.output) {
        return fail(failure);
    }
    write_stdout(response.text.as_bytes())
}

/// Appends `lines` to the log file (`--log`, `PULLTHROUGH_LOG`), each with a
/// UTC timestamp. Helm 4 discards a post-renderer's stderr; this is where its
/// warnings and errors can be found.
pub fn log(path: Option<&Path>, lines: &[String]) -> Result<(), Failure> {
    let Some(path) = path else {
        return Ok(());
    };
    if lines.is_empty() {
        return Ok(());
    }
    let stamp = timestamp(std::time::SystemTime::now());
    let text: String = lines.iter().map(|l| format!("{stamp} {l}\n")).collect();
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| Failure(Exit::Input, format!("--log {}: {e}", path.display())))
}

/// The log file from the environment alone, for errors found before the
/// flags could be read.
pub fn log_from_env() -> Option<PathBuf> {
    std::env::var_os("PULLTHROUGH_LOG")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// A usage error (unknown flag, missing value) as one log line.
pub fn usage_line(e: &clap::Error) -> String {
    let text = e.to_string();
    let first = text.lines().next().unwrap_or_default();
    format!(
        "pullthrough: error: {}",
        first.strip_prefix("error: ").unwrap_or(first)
    )
}

/// `YYYY-MM-DDThh:mm:ssZ`.
fn timestamp(time: std::time::SystemTime) -> String {
    let secs = time
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_dates() {
        let at = |secs| timestamp(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_767_225_599), "2025-12-31T23:59:59Z");
    }

    #[test]
    fn plugin_mode_comes_from_the_file_name() {
        let os = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>();
        let (argv, config) = legacy_plugin(os(&[
            "/p/pullthrough.dev/v1alpha1/pullthrough/PullThrough",
            "/tmp/kust-plugin-config-1",
            "--exclude",
            "x",
        ]));
        assert_eq!(config, Some(PathBuf::from("/tmp/kust-plugin-config-1")));
        assert_eq!(
            argv,
            os(&[
                "/p/pullthrough.dev/v1alpha1/pullthrough/PullThrough",
                "--exclude",
                "x"
            ])
        );
        let (argv, config) = legacy_plugin(os(&["pullthrough", "--registry", "r"]));
        assert_eq!(config, None);
        assert_eq!(argv.len(), 3);
        let (_, config) = legacy_plugin(os(&["PullThrough"]));
        assert_eq!(config, Some(PathBuf::new()));
        assert!(plugin_settings(config.as_deref()).is_err());
    }
}
