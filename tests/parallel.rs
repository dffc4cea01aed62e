//! The parallel path (`--threads`, src/parallel.rs) gives exactly the
//! one-thread outcome: the same output, warnings and report, or the same
//! error. Every corpus chart and golden file is cut at every number of parts
//! from 2 to 4, however short; the corpus as one stream goes through the
//! real binary with and without `--threads 1`; and streams whose seams must
//! not be trusted (a lone `\r`, a directive, a scalar or collection across a
//! marker, an error after a seam) are read whole.

use std::path::PathBuf;

use pullthrough::{Config, Digests, Threads, rewrite, rewrite_with};

use crate::kit::config;
use crate::kit::invariants::parallel_matches;
use crate::kit::run::{command, files, root, run_cmd};

fn inputs() -> Vec<PathBuf> {
    let mut all = files(&root().join("testdata/corpus"));
    all.extend(files(&root().join("testdata/rewrite")));
    all.extend(files(&root().join("testdata/errors")));
    all
}

/// The test config, and the same with every switch the other way.
fn configs() -> [Config; 2] {
    let mut other = config();
    other.generic = false;
    other.operator_images = false;
    other.digests = Digests::Keep;
    [config(), other]
}

#[test]
fn every_file_cut_into_parts_matches_one_thread() {
    let mut cut = 0;
    for path in inputs() {
        let input = std::fs::read(&path).unwrap();
        let crlf = String::from_utf8_lossy(&input).replace('\n', "\r\n");
        for config in &configs() {
            for threads in 2..=4 {
                cut += usize::from(parallel_matches(&input, config, threads));
                parallel_matches(crlf.as_bytes(), config, threads);
            }
        }
    }
    // Not a vacuous pass: most files have `---` lines to cut at.
    assert!(cut > 500, "only {cut} runs were cut into parts");
}

/// The corpus and the golden files, one after another, as one stream.
fn whole_stream() -> Vec<u8> {
    let mut whole = Vec::new();
    for path in files(&root().join("testdata/corpus"))
        .into_iter()
        .chain(files(&root().join("testdata/rewrite")))
    {
        let file = std::fs::read(&path).unwrap();
        whole.extend_from_slice(b"---\n");
        // A byte order mark only at the start of a stream.
        whole.extend(file.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&file));
        if whole.last() != Some(&b'\n') {
            whole.push(b'\n');
        }
    }
    whole
}

#[test]
fn the_whole_corpus_as_one_stream_matches_one_thread() {
    let whole = whole_stream();
    assert!(whole.len() > 4 * Threads::MIN_BYTES);
    for config in &configs() {
        for threads in [2, 3, 8] {
            assert!(parallel_matches(&whole, config, threads));
        }
    }
}

#[test]
fn the_binary_writes_the_same_with_and_without_threads() {
    let whole = whole_stream();
    let dir = tempfile::tempdir().unwrap();
    let run = |threads: Option<&str>, env: Option<&str>| {
        let report = dir.path().join(format!("report-{threads:?}-{env:?}.json"));
        let mut args = vec!["--registry", crate::kit::REGISTRY];
        let report_arg = report.display().to_string();
        args.extend(["--report", &report_arg]);
        if let Some(n) = threads {
            args.extend(["--threads", n]);
        }
        let mut cmd = command(&args);
        if let Some(n) = env {
            cmd.env("PULLTHROUGH_THREADS", n);
        }
        let out = run_cmd(cmd, &whole);
        (
            out.code,
            out.stdout,
            out.stderr,
            std::fs::read(&report).unwrap(),
        )
    };
    let one = run(Some("1"), None);
    assert_eq!(one.0, 0, "{}", one.2);
    assert!(!one.2.is_empty(), "the golden files give warnings");
    for other in [run(None, None), run(Some("2"), None), run(None, Some("3"))] {
        assert!(one == other, "the output differs from --threads 1");
    }
}

#[test]
fn a_bad_thread_count_is_a_usage_error() {
    let out = run_cmd(command(&["--registry", "r.example", "--threads", "0"]), b"");
    assert_eq!(out.code, 2, "{}", out.stderr);
    let mut cmd = command(&["--registry", "r.example"]);
    cmd.env("PULLTHROUGH_THREADS", "many");
    let out = run_cmd(cmd, b"a: 1\n");
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("PULLTHROUGH_THREADS"), "{}", out.stderr);
    assert!(out.stdout.is_empty());
    // Blank is unset, like every other variable.
    let mut cmd = command(&["--registry", "r.example"]);
    cmd.env("PULLTHROUGH_THREADS", " ");
    assert_eq!(run_cmd(cmd, b"a: 1\n").code, 0);
}

/// A pod with an image that is rewritten and one left with a warning: both
/// are reported with their line.
const POD: &str = "kind: Pod\nspec:\n  containers:\n  - image: nginx\n  - image: 'nginx:'\n";

/// Streams whose seams would shift lines, change a document or hide an
/// error: each must come out exactly as from one thread.
#[test]
fn untrusted_seams_read_whole() {
    let cases: Vec<String> = [
        // A lone carriage return before the seam is a line break to libyaml
        // but not a `\n`: the lines after it would shift.
        "a: 1\rb: 2\n---\nc: 3\nPOD",
        "POD---\nkind: Pod\r# c\nspec: {containers: [{image: 5}]}\n---\nPOD",
        // A directive applies to the document after it.
        "a: 1\n...\n%YAML 1.1\n---\nPOD",
        "%TAG !x! tag:example.com,2000:\n---\na: !x!y 1\n---\nPOD",
        // A quoted scalar across a marker is an error in the whole stream.
        "a: \"one\n---\ntwo\"\n---\nPOD",
        "a: 'one\n--- \ntwo'\n",
        // A flow collection across a marker.
        "a: [1,\n---\n2]\nPOD",
        // An error after the seam: its document and line are the whole
        // stream's.
        "POD---\nPOD---\nx: [\n",
        // An error before the seam, and another after it.
        "a: [\n---\nb: {\n",
        // A plain scalar ended by the marker, and a block scalar before it.
        "a: one\n two\n---\nb: |\n  x\n\n---\nPOD",
        // Empty documents, comments and a `...` at the seams.
        "---\n---\n# c\n---\n...\n---\nPOD...\n",
        // Not UTF-8 after the seam.
        "a: 1\n---\nb: \u{0}\n",
    ]
    .iter()
    .map(|case| case.replace("POD", POD))
    .collect();
    for case in &cases {
        for config in &configs() {
            for threads in 2..=4 {
                parallel_matches(case.as_bytes(), config, threads);
            }
        }
    }
    let bad = b"a: 1\n---\nb: \xff\n";
    parallel_matches(bad, &config(), 2);
    // And the errors are today's, with the whole stream's numbers.
    let err = rewrite_with(
        cases[7].as_bytes(),
        &config(),
        Threads {
            count: std::num::NonZeroUsize::new(2).unwrap(),
            min_bytes: 0,
        },
    )
    .unwrap_err();
    assert_eq!(err, rewrite(cases[7].as_bytes(), &config()).unwrap_err());
    assert_eq!((err.document, err.line), (3, 14));
}
