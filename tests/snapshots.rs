//! Golden files: each `testdata/rewrite/*` file goes through the real binary;
//! the snapshot holds the arguments, exit code, warnings and the diff from
//! input to output. A first line `# pullthrough-args: …` adds arguments.
//! Review changes with `cargo insta review`.

use crate::kit::run::{REGISTRY, diff, run};

fn args_of(input: &str) -> Vec<String> {
    let mut args = vec!["--registry".to_string(), REGISTRY.to_string()];
    if let Some(extra) = input
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("# pullthrough-args:"))
    {
        args.extend(extra.split_whitespace().map(str::to_string));
    }
    args
}

#[test]
fn rewrite() {
    insta::glob!("../testdata", "rewrite/*", |path| {
        let input = std::fs::read_to_string(path).unwrap();
        let args = args_of(&input);
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(&argv, input.as_bytes());
        let snapshot = format!(
            "args: {}\nexit: {}\n--- stderr\n{}--- diff\n{}",
            args[2..].join(" "),
            out.code,
            out.stderr,
            diff(&input, &out.stdout())
        );
        insta::assert_snapshot!(snapshot);
    });
}

#[test]
fn errors() {
    insta::glob!("../testdata", "errors/*", |path| {
        let input = std::fs::read(path).unwrap();
        let out = run(&["--registry", REGISTRY], &input);
        assert!(
            out.stdout.is_empty(),
            "nothing on stdout when the run fails"
        );
        insta::assert_snapshot!(format!("exit: {}\n--- stderr\n{}", out.code, out.stderr));
    });
}
