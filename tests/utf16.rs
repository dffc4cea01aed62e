//! Issue 21: YAML written in UTF-16 with a byte order mark, which kubectl
//! and Argo CD read (go-yaml, like libyaml, takes the encoding from the
//! mark), was refused as "not valid UTF-8". The pipe now reads it and writes
//! UTF-8, which every consumer reads, with one warning that says so; the
//! output is the input transcoded (the mark left out) with only the image
//! spans edited. `generate`'s side is in tests/generate/directory.rs.

use pullthrough::settings::{Settings, Sources};
use pullthrough::{Config, rewrite};

use crate::kit::REGISTRY;
use crate::kit::run::{command, files, root, run, run_cmd};

/// `text` in UTF-16 with its byte order mark.
fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let mut out = if big_endian {
        vec![0xFE, 0xFF]
    } else {
        vec![0xFF, 0xFE]
    };
    for unit in text.encode_utf16() {
        out.extend(if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    out
}

/// The config the binary resolves from `--registry REGISTRY` alone.
fn binary_config() -> Config {
    let var = |key: &str| (key == "PULLTHROUGH_REGISTRY").then(|| REGISTRY.to_string());
    let flags = Settings::from_env(var, "PULLTHROUGH_", true).unwrap();
    Sources {
        flags,
        ..Sources::default()
    }
    .resolve()
    .unwrap()
}

const POD: &str = "# a comment, kept\r\napiVersion: v1\r\nkind: Pod\r\nmetadata: {name: p, annotations: {note: \"æøå ✓ 𝄞\"}}\r\nspec:\r\n  containers:\r\n  - name: a\r\n    image: 'nginx:1.27'\r\n";

#[test]
fn utf16_input_is_written_as_utf8_with_one_warning() {
    let want = POD.replace(
        "'nginx:1.27'",
        &format!("'{REGISTRY}/docker-hub/library/nginx:1.27'"),
    );
    for (big_endian, name) in [(false, "UTF-16LE"), (true, "UTF-16BE")] {
        let out = run(&["--registry", REGISTRY], &utf16(POD, big_endian));
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_eq!(out.stdout(), want, "{name}: UTF-8, no byte order mark");
        assert_eq!(
            out.stderr,
            format!(
                "pullthrough: warning: the input is {name} (byte order mark); the output is UTF-8, \
                 as kubectl, Helm and Argo CD read it\n"
            )
        );
    }
    // Files: one warning each, named; a UTF-8 file beside them gets none.
    let dir = tempfile::tempdir().unwrap();
    let (le, be, plain) = (
        dir.path().join("le.yaml"),
        dir.path().join("be.yaml"),
        dir.path().join("plain.yaml"),
    );
    std::fs::write(&le, utf16(POD, false)).unwrap();
    std::fs::write(&be, utf16(POD, true)).unwrap();
    std::fs::write(&plain, POD).unwrap();
    let log = dir.path().join("log");
    let paths = [&le, &plain, &be].map(|p| p.to_str().unwrap().to_string());
    let mut args = vec!["--registry", REGISTRY, "--log", log.to_str().unwrap()];
    args.extend(paths.iter().map(String::as_str));
    let out = run(&args, b"");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout(), [want.as_str(); 3].join("---\n"));
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", out.stderr);
    assert!(lines[0].starts_with(&format!(
        "pullthrough: warning: {}: the input is UTF-16LE",
        paths[0]
    )));
    assert!(lines[1].starts_with(&format!(
        "pullthrough: warning: {}: the input is UTF-16BE",
        paths[2]
    )));
    let logged = std::fs::read_to_string(&log).unwrap();
    assert_eq!(logged.lines().count(), 2, "{logged}");
    // --quiet: none; images and --check read it too.
    let quiet = run(&["--registry", REGISTRY, "-q"], &utf16(POD, false));
    assert_eq!((quiet.code, quiet.stderr.as_str()), (0, ""));
    let images = run(&["images", "--registry", REGISTRY, "-q"], &utf16(POD, true));
    assert_eq!(
        images.stdout(),
        format!("nginx:1.27\t{REGISTRY}/docker-hub/library/nginx:1.27\n")
    );
    let check = run(
        &["--registry", REGISTRY, "--check", "-q", paths[0].as_str()],
        b"",
    );
    assert_eq!(check.code, 3, "{}", check.stderr);
}

#[test]
fn invalid_utf16_is_an_error_with_its_position() {
    // A lone high surrogate at line 4, column 8 (document 2).
    let mut input = utf16("kind: A\n---\nkind: B\nimage: ", false);
    input.extend(0xD834u16.to_le_bytes());
    input.extend(&utf16("x\n", false)[2..]);
    let out = run(&["--registry", REGISTRY], &input);
    assert_eq!(out.code, 1);
    assert!(out.stdout.is_empty(), "nothing on stdout on failure");
    assert_eq!(
        out.stderr,
        "pullthrough: error: document 2, line 4, column 8: input is not valid UTF-16LE: an unpaired surrogate 0xD834\n"
    );
    // An odd number of bytes, in a named file.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("odd.yaml");
    let mut odd = utf16("kind: A\n", true);
    odd.push(0);
    std::fs::write(&path, odd).unwrap();
    let name = path.to_str().unwrap();
    let out = run_cmd(command(&["--registry", REGISTRY, name]), b"");
    assert_eq!((out.code, out.stdout.len()), (1, 0));
    assert_eq!(
        out.stderr,
        format!(
            "pullthrough: error: {name}: document 1, line 2, column 1: input is not valid UTF-16BE: \
             an odd number of bytes: the last is half a code unit\n"
        )
    );
}

/// The invariant on every corpus chart: transcoded to UTF-16 (little- and
/// big-endian, LF and CRLF lines), the binary's output is the UTF-8 text
/// with exactly the library's edits (the image spans) spliced in, and its
/// stderr that of the UTF-8 run with the one warning first.
#[test]
fn corpus_in_utf16_gives_the_utf8_rewrite() {
    let config = binary_config();
    let corpus = files(&root().join("testdata/corpus"));
    assert!(corpus.len() >= 116);
    let mut edits = 0;
    for (i, path) in corpus.iter().enumerate() {
        let name = path.display();
        let mut text = std::fs::read_to_string(path).unwrap();
        if i % 3 == 0 {
            text = text.replace('\n', "\r\n");
        }
        let big_endian = i % 2 == 1;
        let outcome = rewrite(text.as_bytes(), &config).unwrap();
        edits += outcome.edits.len();
        let spliced = crate::kit::invariants::splice(&text, &outcome.edits);
        let out16 = run(&["--registry", REGISTRY], &utf16(&text, big_endian));
        let out8 = run(&["--registry", REGISTRY], text.as_bytes());
        assert_eq!(out16.code, 0, "{name}: {}", out16.stderr);
        assert!(
            out16.stdout == spliced.as_bytes(),
            "{name}: the UTF-16 run is not the UTF-8 text with the image edits"
        );
        assert_eq!(out16.stdout, out8.stdout, "{name}");
        let (first, rest) = out16.stderr.split_once('\n').unwrap();
        assert!(
            first.starts_with("pullthrough: warning: the input is UTF-16"),
            "{name}: {first}"
        );
        assert_eq!(rest, out8.stderr, "{name}: the same warnings otherwise");
    }
    assert!(edits > 400, "the corpus has images to rewrite: {edits}");
}
