//! What the binary writes: stdout (a closed pipe is not an error), the
//! warnings on stderr, the JSON report, and the log file for hosts that
//! throw stderr away (Helm 4).

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use pullthrough::rename::Renames;
use pullthrough::{Image, Plan, Warning, report, stream};

use super::args::OutputArgs;
use super::{Exit, Failure};

/// One input's outcome: its name (none for stdin) and what the rewrite did.
pub struct Done<'a> {
    pub name: Option<String>,
    /// What was found; its rewritten text comes in pieces, written out
    /// without a second copy of the stream.
    pub outcome: Plan<'a>,
}

/// `name: `, the prefix of a message about a named input.
pub fn at(name: Option<&str>) -> String {
    name.map(|n| format!("{n}: ")).unwrap_or_default()
}

/// What one input's rewrite saw: its name (none for stdin), the image
/// records and the warnings.
#[derive(Debug, Clone, Copy)]
pub struct Seen<'a> {
    pub name: Option<&'a str>,
    pub images: &'a [Image],
    pub warnings: &'a [Warning],
}

/// What each input's rewrite saw.
pub fn seen<'a>(done: &'a [Done]) -> Vec<Seen<'a>> {
    done.iter()
        .map(|d| Seen {
            name: d.name.as_deref(),
            images: &d.outcome.images,
            warnings: &d.outcome.warnings,
        })
        .collect()
}

/// Prints and logs the warnings, one for each rename rule that matched no
/// image of the run, and writes the report.
pub fn finish(done: &[Seen], renames: &Renames, output: &OutputArgs) -> Result<(), Failure> {
    let unused = report::unused_renames(renames, done.iter().flat_map(|d| d.images));
    let warnings: Vec<String> = done
        .iter()
        .flat_map(|d| {
            let at = at(d.name);
            d.warnings
                .iter()
                .map(move |w| format!("pullthrough: warning: {at}{w}"))
        })
        .chain(
            unused
                .iter()
                .map(|rule| format!("pullthrough: warning: rename \"{rule}\" matches no image")),
        )
        .collect();
    if !output.quiet {
        for w in &warnings {
            eprintln!("{w}");
        }
    }
    log(output.log.as_deref(), &warnings)?;
    if let Some(path) = &output.report {
        write_report(path, done)?;
    }
    Ok(())
}

fn write_report(path: &Path, done: &[Seen]) -> Result<(), Failure> {
    let entries: Vec<_> = done
        .iter()
        .flat_map(|d| d.images.iter().map(|i| report::Entry::new(i, d.name)))
        .collect();
    let warnings: Vec<_> = done
        .iter()
        .flat_map(|d| d.warnings.iter().map(|w| format!("{}{w}", at(d.name))))
        .collect();
    let json = serde_json::json!({ "images": entries, "warnings": warnings });
    let text = serde_json::to_string_pretty(&json).expect("JSON of plain data") + "\n";
    if path == Path::new("-") {
        // Only with --check, which writes nothing else on stdout.
        return write_stdout(text.as_bytes()).map(|_| ());
    }
    std::fs::write(path, text).map_err(Failure::io(format!("--report {}", path.display())))
}

/// Prints (unless `--quiet`) and logs lines that are not about one image.
pub fn notes(lines: &[String], output: &OutputArgs) -> Result<(), Failure> {
    if !output.quiet {
        for line in lines {
            eprintln!("{line}");
        }
    }
    log(output.log.as_deref(), lines)
}

/// `--report -` only where nothing else goes to stdout (`--check`).
pub fn report_destination(output: &OutputArgs, stdout_free: bool) -> Result<(), Failure> {
    match output.report.as_deref() {
        Some(path) if path == Path::new("-") && !stdout_free => Err(Failure::ReportToStdout),
        _ => Ok(()),
    }
}

/// The `--check` line of an image that would be rewritten: `original ->
/// result`, or with a rename, both steps: `original -> renamed -> result`,
/// and `original -> renamed (not cached)` when the cache rules keep it.
pub fn change_line(name: Option<&str>, image: &Image) -> String {
    let result = image.result.as_deref().unwrap_or_default();
    let steps = match image.renamed.as_deref() {
        Some(renamed) if renamed == result => format!("{renamed} (not cached)"),
        Some(renamed) => format!("{renamed} -> {result}"),
        None => result.to_string(),
    };
    format!(
        "{}document {}, line {}, column {}: {}: {} -> {steps}",
        at(name),
        image.document,
        image.line,
        image.column,
        image.path,
        image.original.as_deref().unwrap_or_default(),
    )
}

/// Writes all of stdout. A closed pipe (`| head`) is not an error.
pub fn write_stdout(bytes: &[u8]) -> Result<Exit, Failure> {
    write_stdout_pieces(&[bytes])
}

/// The rewritten streams as one stream, in pieces (`stream::pieces`): no
/// copy of a stream is made to write it.
pub fn pieces<'a>(done: &'a [Done]) -> Vec<&'a [u8]> {
    let streams: Vec<Vec<&str>> = done.iter().map(|d| d.outcome.pieces().collect()).collect();
    stream::pieces(&streams)
        .into_iter()
        .map(str::as_bytes)
        .collect()
}

/// Writes the pieces to stdout, in order. A closed pipe is not an error.
pub fn write_stdout_pieces(pieces: &[&[u8]]) -> Result<Exit, Failure> {
    // Long pieces go straight through; the short ones between them (a new
    // image) are gathered, rather than a write for each.
    let mut stdout = io::BufWriter::with_capacity(256 * 1024, io::stdout().lock());
    let result = pieces
        .iter()
        .try_for_each(|p| stdout.write_all(p))
        .and_then(|()| stdout.flush());
    match result {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(Failure::io("writing stdout")(e)),
        _ => Ok(Exit::Success),
    }
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
        .map_err(Failure::io(format!("--log {}", path.display())))
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
}
