//! The settings' flags, built from the settings table
//! ([`pullthrough::settings::SETTINGS`]) with clap's builder: a row is a
//! flag, its variable and its help, so `--help`, the completions and the
//! man page come from the table too.
//!
//! Built rather than derived: a derive would spell each setting's long
//! option, variable and help once more, beside the table, and nothing but
//! a test would keep the two alike. clap stays the parser: the args are
//! clap's own, flattened into the derived commands.

use clap::builder::PossibleValuesParser;
use clap::{Arg, ArgAction, ArgMatches, Command};
use pullthrough::settings::{self, Flag, PREFIX, REGION_VARIABLES, SETTINGS, Setting, Settings};

/// The settings flags given on the command line (or, for the flags clap
/// reads a variable for, in the environment).
#[derive(Debug, Clone, Default)]
pub struct TableFlags {
    /// Each given row, with its values joined by `,`; a switch's is
    /// `false`.
    given: Vec<(&'static Setting, String)>,
}

impl TableFlags {
    /// The settings the flags give. A switch or a choice not given reads
    /// its variable here, not in clap; a flag given wins, and its variable
    /// is then not read at all. Every value reads as text values do
    /// ([`Setting::read`]): trimmed, blank is unset.
    pub fn settings(
        &self,
        var: &impl Fn(&str) -> Option<String>,
    ) -> Result<Settings, settings::Error> {
        let mut settings = Settings::default();
        for row in SETTINGS {
            if let Some((_, value)) = self.given.iter().find(|(r, _)| r.name == row.name) {
                row.read(&mut settings, value, row.option)?;
            } else if let Flag::Off { variable, .. } | Flag::Choice { variable, .. } = row.flag {
                let name = format!("{PREFIX}{variable}");
                if let Some(raw) = var(&name) {
                    row.read(&mut settings, &raw, &name)?;
                }
            }
        }
        Ok(settings)
    }
}

/// The flag of `row`, with its help; none for a setting only a rules file
/// has.
fn arg(row: &Setting) -> Option<Arg> {
    let help = row.help;
    let default = row
        .default
        .map(|d| format!(" [default: {d}]"))
        .unwrap_or_default();
    let arg = match row.flag {
        Flag::FileOnly => return None,
        Flag::Value {
            long,
            value_name,
            variable,
        } => {
            let arg = Arg::new(long)
                .long(long)
                .value_name(value_name)
                .env(format!("{PREFIX}{variable}"))
                .help(format!("{help}{default}"));
            match row.is_list() {
                true => arg.action(ArgAction::Append).value_delimiter(','),
                false => arg.action(ArgAction::Set),
            }
        }
        Flag::Choice {
            long,
            value_name,
            values,
            variable,
        } => Arg::new(long)
            .long(long)
            .value_name(value_name)
            .value_parser(PossibleValuesParser::new(values))
            .action(ArgAction::Set)
            .help(format!("{help}{default} [env: {PREFIX}{variable}]")),
        Flag::Off { long, variable } => Arg::new(long)
            .long(long)
            .action(ArgAction::SetTrue)
            .help(format!("{help} [env: {PREFIX}{variable}=false]")),
        Flag::Ambient { long, value_name } => Arg::new(long)
            .long(long)
            .value_name(value_name)
            .action(ArgAction::Set)
            .help(format!("{help} [env: {}]", REGION_VARIABLES.join(", "))),
    };
    Some(arg)
}

/// The value `row`'s flag was given, if it was.
fn given(row: &Setting, matches: &ArgMatches) -> Option<String> {
    let long = row.long()?;
    match row.flag {
        Flag::Off { .. } => matches.get_flag(long).then(|| "false".to_string()),
        _ => matches
            .get_many::<String>(long)
            .map(|values| values.cloned().collect::<Vec<_>>().join(",")),
    }
}

impl clap::FromArgMatches for TableFlags {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let given = SETTINGS
            .iter()
            .filter_map(|row| given(row, matches).map(|value| (row, value)))
            .collect();
        Ok(TableFlags { given })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = TableFlags::from_arg_matches(matches)?;
        Ok(())
    }
}

impl clap::Args for TableFlags {
    fn augment_args(cmd: Command) -> Command {
        cmd.args(SETTINGS.iter().filter_map(arg))
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        TableFlags::augment_args(cmd)
    }
}

/// `generate --help`'s list of what it reads besides its flags:
/// argocd-cmp-server passes none of the filter's flags, so the settings
/// come from the environment.
pub fn generate_environment() -> String {
    let [region, default_region] = REGION_VARIABLES;
    let variables: Vec<String> = SETTINGS
        .iter()
        .filter_map(|row| match row.flag {
            Flag::Ambient { .. } => Some(format!("{region} (or {default_region})")),
            _ => row.variable().map(|v| format!("{PREFIX}{v}")),
        })
        .chain(["LOG", "REPORT"].map(|v| format!("{PREFIX}{v}")))
        .collect();
    format!(
        "Settings, highest precedence first:\n{}\n{}",
        wrap(&format!("the sidecar's environment: {}", variables.join(", "))),
        "  the sidecar's files: --rules-from (PULLTHROUGH_RULES_FROM), --config (PULLTHROUGH_CONFIG)
  the app's plugin env: the same names as ARGOCD_ENV_PULLTHROUGH_* (they fill in only what the
    sidecar leaves unset)
Threads: --threads, else the sidecar's PULLTHROUGH_THREADS, else the cores available.
From Argo CD: ARGOCD_APP_NAME, ARGOCD_APP_NAMESPACE, ARGOCD_APP_SOURCE_PATH, ARGOCD_APP_PARAMETERS,
  KUBE_VERSION, KUBE_API_VERSIONS, and the build environment substituted in Helm parameters."
    )
}

/// `text` as an item of the help's list: indented by two, continued by
/// four, lines of at most 100 columns.
fn wrap(text: &str) -> String {
    let mut lines = vec![String::from("  ")];
    for word in text.split(' ') {
        let line = lines.last_mut().expect("one line");
        if line.trim().is_empty() || line.len() + 1 + word.len() <= 100 {
            if !line.trim().is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        } else {
            lines.push(format!("    {word}"));
        }
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generate_list_wraps_at_100_columns() {
        let text = generate_environment();
        assert!(text.lines().all(|l| l.len() <= 100), "{text}");
        let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for row in SETTINGS.iter().filter_map(Setting::variable) {
            assert!(words.contains(&format!("{PREFIX}{row},")), "{row}: {text}");
        }
        assert!(
            words.contains("AWS_REGION (or AWS_DEFAULT_REGION),"),
            "{text}"
        );
    }
}
