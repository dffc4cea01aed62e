//! The image-reference vectors of `testdata/vectors/image-refs.tsv`, checked
//! against `rules::Rules::decide` with the rule set they were written for
//! (ecr-pull-through.md §0, without the `ecr-public.aws.com` alias).
//!
//! Every row is checked and all failures are reported together.

use pullthrough::rules::{Decision, Keep, Note, Rules, is_ecr_host};

use crate::kit::{REGISTRY, rules};

/// One row: `input`, `expected`, `rule_note`, `source`.
struct Row {
    /// 1-based, not counting the header.
    number: usize,
    input: String,
    expected: String,
    note: String,
}

/// Undoes the file's escapes: `\t`, `\n`, `\\`.
fn unescape(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('\\') => out.push('\\'),
            other => panic!("unknown escape after a backslash ({other:?}) in {field:?}"),
        }
    }
    out
}

fn rows() -> Vec<Row> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/vectors/image-refs.tsv"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut lines = text.lines().enumerate();
    let (_, header) = lines.next().expect("a header row");
    assert_eq!(
        header, "input\texpected\trule_note\tsource",
        "header of {path}"
    );
    lines
        .map(|(i, line)| {
            let fields: Vec<&str> = line.split('\t').collect();
            assert_eq!(fields.len(), 4, "{path}:{}: {line:?}", i + 1);
            let input = unescape(fields[0]);
            let expected = match fields[1] {
                "unchanged" => input.clone(),
                expected => unescape(expected),
            };
            Row {
                number: i,
                input,
                expected,
                note: unescape(fields[2]),
            }
        })
        .collect()
}

/// Checks that the reason an image was kept is the one the row's rule note
/// gives (its first `;`-separated part). An unknown note is a failure, so a
/// new kind of row cannot pass unexamined.
fn keep_matches_note(keep: &Keep, note: &str) -> Result<(), String> {
    let first = note.split("; ").next().unwrap_or_default();
    let ok = if let Some(message) = first.strip_prefix("invalid reference: ") {
        matches!(keep, Keep::Invalid(e) if message.contains(&e.kind.to_string()))
    } else if let Some(host) = first.strip_prefix("no rule for host ") {
        let host = host.trim_matches('"');
        match keep {
            Keep::NoRule { host: h } => h == host,
            Keep::AlreadyCached => host == REGISTRY || is_ecr_host(host),
            _ => false,
        }
    } else if first == "leading/trailing whitespace" {
        *keep == Keep::Whitespace
    } else if first == "empty string" {
        *keep == Keep::Empty
    } else if first.starts_with("bare digest") {
        *keep == Keep::ImageId
    } else if first.contains("violates ECR repositoryName pattern") {
        matches!(keep, Keep::NotStorable { .. })
    } else if first.starts_with("rewritten name")
        || first.starts_with("rewritten path")
        || first.starts_with("ECR repositoryName would be")
    {
        matches!(keep, Keep::TooLong { .. })
    } else {
        return Err(format!("unknown rule note {note:?}"));
    };
    if ok {
        Ok(())
    } else {
        Err(format!("{keep:?} does not fit the rule note {note:?}"))
    }
}

fn check(rules: &Rules, row: &Row) -> Result<(), String> {
    match rules.decide(&row.input) {
        Decision::Rewrite { image, notes } => {
            if image != row.expected {
                return Err(format!("rewritten to {image:?}"));
            }
            if row.input.contains('@') != notes.contains(&Note::DigestPinned) {
                return Err(format!("notes {notes:?} for a digest"));
            }
            match rules.decide(&image) {
                Decision::Keep(Keep::AlreadyCached) => Ok(()),
                again => Err(format!("not idempotent: {image:?} gives {again:?}")),
            }
        }
        Decision::Keep(keep) => {
            if row.expected != row.input {
                return Err(format!("kept: {keep}"));
            }
            keep_matches_note(&keep, &row.note)
        }
    }
}

#[test]
fn image_refs() {
    let rules = rules();
    let rows = rows();
    assert_eq!(rows.len(), 90, "rows in image-refs.tsv");
    let failures: Vec<String> = rows
        .iter()
        .filter_map(|row| {
            check(&rules, row).err().map(|got| {
                format!(
                    "row {} (line {}):\n  input    {:?}\n  expected {:?}\n  got      {got}",
                    row.number,
                    row.number + 1,
                    row.input,
                    row.expected
                )
            })
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} vectors failed:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}
