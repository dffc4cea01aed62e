//! The settings table (`pullthrough::settings::SETTINGS`) against what
//! describes it: the README's settings table and `--help`; and every reader
//! of text values (flags, the environment, `generate`'s, a ConfigMap)
//! trimming and blanking alike.

use pullthrough::settings::{Flag, PREFIX, REGION_VARIABLES, SETTINGS, Setting};

use crate::kit::REGISTRY;
use crate::kit::run::{command, root, run, run_cmd};

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: nginx}\n";

/// The option, environment and default cells of `row`'s line in the
/// README's settings table, as the table says them.
fn readme_cells(row: &Setting) -> Option<[String; 3]> {
    let (option, env) = match row.flag {
        Flag::FileOnly => return None,
        Flag::Value {
            long,
            value_name,
            variable,
        } if row.is_list() => (
            format!("`--{long} {value_name}` (repeatable)"),
            format!("`{PREFIX}{variable}` (comma-separated)"),
        ),
        Flag::Value {
            long,
            value_name,
            variable,
        } => (
            format!("`--{long} {value_name}`"),
            format!("`{PREFIX}{variable}`"),
        ),
        Flag::Choice {
            long,
            values,
            variable,
            ..
        } => (
            format!("`--{long} {}`", values.join("\\|")),
            format!("`{PREFIX}{variable}`"),
        ),
        Flag::Off { long, variable } => {
            (format!("`--{long}`"), format!("`{PREFIX}{variable}=false`"))
        }
        Flag::Ambient { long, value_name } => (
            format!("`--{long} {value_name}`"),
            format!("`{}`, then `{}`", REGION_VARIABLES[0], REGION_VARIABLES[1]),
        ),
    };
    let default = match (row.default, row.flag) {
        (None, _) => "none".to_string(),
        (Some(on), Flag::Off { .. }) => on.to_string(),
        (Some(value), _) => format!("`{value}`"),
    };
    Some([option, env, default])
}

/// The lines of the README's table under `| option | environment | …`,
/// split into cells (an escaped `\|` stays inside its cell).
fn readme_rows() -> Vec<Vec<String>> {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let table = readme
        .split_once("| option | environment | default | meaning |\n")
        .expect("the README's settings table")
        .1;
    table
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            l.trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect()
}

/// Issue 22 (item 2): each setting is declared once, in the table; the
/// README's rows for the settings say what the table says, in its order.
#[test]
fn the_readme_settings_table_is_the_settings_table() {
    let rows = readme_rows();
    let mut last = 0;
    for row in SETTINGS {
        let Some(cells) = readme_cells(row) else {
            continue;
        };
        let at = rows
            .iter()
            .position(|r| r[0] == cells[0])
            .unwrap_or_else(|| panic!("{}: no README row {:?}", row.option, cells[0]));
        assert_eq!(rows[at][..3], cells, "{}", row.option);
        assert!(at >= last, "{}: out of the table's order", row.option);
        last = at;
    }
}

/// The rows of the README's table that are not settings (the files, the
/// report, `--threads`, …) are clap's: each option and variable is in
/// `--help` (`--timeout` in `generate --help`).
#[test]
fn the_readme_rows_beside_the_settings_are_in_help() {
    let help = run(&["--help"], b"").stdout() + &run(&["generate", "--help"], b"").stdout();
    for row in readme_rows() {
        let option = row[0].trim_matches('`').split([' ', '`']).next().unwrap();
        assert!(help.contains(option), "{option} is not in --help");
        if let Some(var) = row[1]
            .strip_prefix('`')
            .and_then(|v| v.split(['`', '=']).next())
        {
            assert!(help.contains(var), "{var} ({option}) is not in --help");
        }
    }
}

/// `--help` shows each setting's flag with the table's help, default and
/// variable.
#[test]
fn help_shows_each_flag_as_the_table_says() {
    let help = run(&["--help"], b"").stdout();
    for row in SETTINGS {
        let Some(long) = row.long() else { continue };
        let flag = match row.flag {
            Flag::Off { .. } => format!("--{long}\n"),
            Flag::Value { value_name, .. }
            | Flag::Choice { value_name, .. }
            | Flag::Ambient { value_name, .. } => format!("--{long} <{value_name}>\n"),
            Flag::FileOnly => unreachable!("no long option"),
        };
        let (_, after) = help
            .split_once(&flag)
            .unwrap_or_else(|| panic!("{flag:?} not in --help"));
        let text = after.trim_start();
        assert!(text.starts_with(row.help), "{long}: {text:.100}");
        let block = &text[..text.find("\n\n").unwrap_or(text.len())];
        if let Some(default) = row
            .default
            .filter(|_| !matches!(row.flag, Flag::Off { .. }))
        {
            assert!(block.contains(&format!("[default: {default}]")), "{block}");
        }
        if let Some(variable) = row.variable() {
            assert!(
                block.contains(&format!("[env: {PREFIX}{variable}")),
                "{block}"
            );
        }
    }
}

/// Found in issue 22 (item 2): `generate` read `PULLTHROUGH_*` and
/// `ARGOCD_ENV_PULLTHROUGH_*` untrimmed (and a ConfigMap its values), while
/// the pipe trimmed the same variables: `PULLTHROUGH_REGISTRY=" r.io "` was
/// a usage error in `generate` only. Every reader now trims, and a blank
/// value is unset in each.
#[test]
fn environment_and_config_map_values_are_trimmed_as_flags_are() {
    let cache = format!("{REGISTRY}/docker-hub/library/nginx");
    let padded = format!(" {REGISTRY} ");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pod.yaml"), POD).unwrap();
    let app = dir.path().to_str().unwrap();
    for (var, args) in [
        ("PULLTHROUGH_REGISTRY", &[][..]),
        ("PULLTHROUGH_REGISTRY", &["generate", app][..]),
        ("ARGOCD_ENV_PULLTHROUGH_REGISTRY", &["generate", app][..]),
    ] {
        let mut cmd = command(args);
        cmd.env(var, &padded);
        let out = run_cmd(cmd, POD.as_bytes());
        assert_eq!(out.code, 0, "{var} {args:?}: {}", out.stderr);
        assert!(out.stdout().contains(&cache), "{var} {args:?}");
    }
    let mut cmd = command(&["generate", app]);
    cmd.env("PULLTHROUGH_ACCOUNT_ID", " 123456789012 ")
        .env("AWS_REGION", " eu-west-1 ");
    let out = run_cmd(cmd, b"");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout().contains(&cache), "{}", out.stdout());
    let list = format!(
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- {}\nfunctionConfig: {{apiVersion: v1, kind: ConfigMap, data: {{registry: '{padded}', generic: ' false ', exclude: ' , '}}}}\n",
        POD.trim_end().replace('\n', "\n  ")
    );
    let out = run(&[], list.as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout().contains(&cache), "{}", out.stdout());
    // Blank is unset in each: the run without the variable.
    let mut cmd = command(&["generate", app]);
    cmd.env("PULLTHROUGH_REGISTRY", REGISTRY)
        .env("ARGOCD_ENV_PULLTHROUGH_GENERIC", "  ")
        .env("PULLTHROUGH_EXCLUDE", " , ");
    let out = run_cmd(cmd, b"");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout().contains(&cache), "{}", out.stdout());
}
