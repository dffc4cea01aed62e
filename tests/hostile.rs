//! Hostile input: every case ends with exit 0 and the right output, or exit 1,
//! a message and an empty stdout; never a crash, a signal or an exit code of
//! 100 or more.

use crate::kit::run::{REGISTRY, Run, run};

/// Runs the binary on `input` and checks the safe-failure contract.
#[track_caller]
fn hostile(input: &[u8]) -> Run {
    let out = run(&["--registry", REGISTRY, "--quiet"], input);
    assert!(out.code >= 0, "killed by a signal: {}", out.stderr);
    assert!(out.code < 100, "exit code {}: {}", out.code, out.stderr);
    match out.code {
        0 => {}
        1 => {
            assert!(out.stdout.is_empty(), "stdout must be empty on failure");
            assert!(
                out.stderr.starts_with("pullthrough: error: "),
                "{}",
                out.stderr
            );
            assert_eq!(out.stderr.lines().count(), 1, "one message: {}", out.stderr);
        }
        code => panic!("unexpected exit code {code}: {}", out.stderr),
    }
    out
}

#[track_caller]
fn passes_through(input: &[u8]) {
    let out = hostile(input);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout == input, "output differs from input");
}

#[track_caller]
fn fails_at(input: &[u8], needle: &str) {
    let out = hostile(input);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains(needle),
        "expected {needle:?} in {}",
        out.stderr
    );
}

#[test]
fn deep_flow_nesting_is_an_error() {
    fails_at(
        "[".repeat(100_000).as_bytes(),
        "nesting deeper than 10000 levels",
    );
    let closed = format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    fails_at(closed.as_bytes(), "document 1, line 1, column 10003");
}

#[test]
fn deep_block_nesting_passes_through() {
    let mut text = String::new();
    for depth in 0..5_000 {
        text.push_str(&" ".repeat(depth));
        text.push_str("k:\n");
    }
    text.push_str(&" ".repeat(5_000));
    text.push_str("v\n");
    passes_through(text.as_bytes());
}

#[test]
fn alias_bomb_is_not_expanded() {
    let mut text = String::from("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..26u8 {
        let (name, prev) = ((b'a' + i) as char, (b'a' + i - 1) as char);
        let refs = vec![format!("*{prev}"); 9].join(", ");
        text.push_str(&format!("{name}: &{name} [{refs}]\n"));
    }
    passes_through(text.as_bytes());
}

#[test]
fn bytes_yaml_forbids_fail_with_a_position() {
    fails_at(
        b"a: 1\nb: \"x\x00y\"\n",
        "line 2, column 6: invalid YAML: control characters are not allowed",
    );
    fails_at(
        b"a: 1\nb: \xff\n",
        "line 2, column 4: input is not valid UTF-8",
    );
    fails_at(b"a: \"unterminated\n", "found unexpected end of stream");
}

#[test]
fn an_error_after_valid_documents_writes_nothing() {
    let mut text = String::new();
    for i in 0..50 {
        text.push_str(&format!("---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}}}\nspec: {{containers: [{{image: nginx}}]}}\n"));
    }
    text.push_str("---\nkind: [\n");
    fails_at(text.as_bytes(), "document 51, line 253");
}

#[test]
fn empty_and_comment_only_streams_pass_through() {
    passes_through(b"");
    passes_through(b"\n\n");
    passes_through(b"# just a comment\n");
    passes_through(b"---\n# one\n---\n# two\n...\n");
    passes_through("\u{feff}# BOM and a comment\r\n".as_bytes());
}

#[test]
fn a_20_mb_scalar_passes_through() {
    let text = format!(
        "apiVersion: v1\nkind: ConfigMap\ndata:\n  big: \"{}\"\n",
        "x".repeat(20_000_000)
    );
    passes_through(text.as_bytes());
}

#[test]
fn a_hundred_thousand_documents() {
    let doc = "---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a, image: nginx}]}\n";
    let input = doc.repeat(100_000);
    let out = hostile(input.as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    let stdout = out.stdout();
    assert_eq!(
        stdout
            .matches(&format!("image: {REGISTRY}/docker-hub/library/nginx}}"))
            .count(),
        100_000
    );
    assert_eq!(
        stdout.len(),
        input.len() + 100_000 * (REGISTRY.len() + "/docker-hub/library/".len())
    );
}

#[test]
fn a_stream_without_a_final_line_break_inside_a_block_scalar() {
    // libyaml-safer 0.3 panicked here; found by review.
    let text = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: |-\n      nginx";
    let out = hostile(text.as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout()
            .ends_with(&format!("      {REGISTRY}/docker-hub/library/nginx"))
    );
}

#[test]
fn every_truncation_of_a_golden_file_is_handled() {
    use pullthrough::rewrite;
    let config = crate::kit::config();
    let path = crate::kit::run::root().join("testdata/rewrite/quoted-and-block-scalars.yaml");
    let bytes = std::fs::read(path).unwrap();
    for end in 0..=bytes.len() {
        let input = &bytes[..end];
        let result = std::panic::catch_unwind(|| rewrite(input, &config));
        let outcome = result.unwrap_or_else(|_| panic!("panic at truncation {end}"));
        if let Ok(out) = outcome {
            let again = rewrite(out.text.as_bytes(), &config).expect("output parses");
            assert_eq!(again.text, out.text, "truncation {end}: not idempotent");
        }
    }
}

#[test]
fn sigterm_during_generate_stops_the_renderers_and_writes_nothing() {
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let (app, bin) = (dir.path().join("app"), dir.path().join("bin"));
    std::fs::create_dir_all(&app).unwrap();
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(app.join("kustomization.yaml"), "resources: []\n").unwrap();
    // A renderer that hangs, with a child of its own.
    let pids = dir.path().join("pids");
    let kustomize = bin.join("kustomize");
    std::fs::write(
        &kustomize,
        format!(
            "#!/bin/sh\nsleep 60 &\necho $! >> {0}\necho $$ >> {0}\nwait\n",
            pids.display()
        ),
    )
    .unwrap();
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&kustomize)
        .status()
        .unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd =
        crate::kit::run::command(&["generate", "--timeout", "50s", app.to_str().unwrap()]);
    cmd.env("PATH", path)
        .env("PULLTHROUGH_REGISTRY", REGISTRY)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = cmd.spawn().unwrap();
    let started = Instant::now();
    while std::fs::read_to_string(&pids).map_or(true, |p| p.lines().count() < 2) {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the renderer never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("terminated by a signal"));
    std::thread::sleep(Duration::from_millis(200));
    for pid in std::fs::read_to_string(&pids).unwrap().lines() {
        assert!(
            !crate::kit::run::alive(pid),
            "renderer process {pid} survived"
        );
    }
}

#[test]
fn a_200_mb_stream_in_at_most_three_times_its_size() {
    use std::io::{Read, Write};
    use std::process::Stdio;
    let corpus = crate::kit::run::files(&crate::kit::run::root().join("testdata/corpus"));
    let mut chunk = Vec::new();
    for path in corpus {
        chunk.extend_from_slice(b"---\n");
        chunk.extend(std::fs::read(path).unwrap());
    }
    let copies = 200_000_000 / chunk.len() + 1;
    let size = chunk.len() * copies;
    let mut child = crate::kit::run::command(&["--registry", REGISTRY, "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        for _ in 0..copies {
            stdin.write_all(&chunk).unwrap();
        }
    });
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut buf = vec![0; 1 << 20];
        let mut total = 0usize;
        while let Ok(n @ 1..) = stdout.read(&mut buf) {
            total += n;
        }
        total
    });
    // Peak resident memory, read from /proc while the process runs.
    let status = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0usize;
    let code = loop {
        if let Some(kib) = std::fs::read_to_string(&status).ok().and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmHWM:"))?.to_string();
            line.split_whitespace().nth(1)?.parse().ok()
        }) {
            peak_kib = peak_kib.max(kib);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    writer.join().unwrap();
    let written = reader.join().unwrap();
    assert_eq!(code, Some(0));
    assert!(
        written > size,
        "every image rewritten makes the output longer"
    );
    let ratio = (peak_kib * 1024) as f64 / size as f64;
    assert!(
        ratio <= 3.0,
        "peak memory {ratio:.2}x the {size}-byte input"
    );
}
