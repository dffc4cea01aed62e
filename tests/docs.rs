//! The documentation: every relative link and anchor of the README and
//! `docs/` leads somewhere, the sample messages are the tool's real ones,
//! and the README stays short enough to read in ten minutes.

use std::fs;
use std::path::{Path, PathBuf};

use crate::kit::run::root;

/// The Markdown files a reader follows.
fn pages() -> Vec<PathBuf> {
    let mut pages = vec![
        root().join("README.md"),
        root().join("CHANGELOG.md"),
        root().join("testdata/README.md"),
    ];
    let mut docs: Vec<PathBuf> = fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    pages.extend(docs);
    pages
}

/// The text outside fenced code blocks.
fn prose(text: &str) -> String {
    let mut fenced = false;
    let mut out = String::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if !fenced {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// GitHub's anchor for a heading: lowercase, punctuation dropped, spaces
/// to `-`.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn anchors(path: &Path) -> Vec<String> {
    let text = fs::read_to_string(path).unwrap();
    prose(&text)
        .lines()
        .filter_map(|l| {
            l.trim_start_matches('#')
                .strip_prefix(' ')
                .filter(|_| l.starts_with('#'))
        })
        .map(anchor)
        .collect()
}

/// `[text](target)` links of the prose.
fn links(text: &str) -> Vec<String> {
    let prose = prose(text);
    let mut out = Vec::new();
    let mut rest = prose.as_str();
    while let Some(i) = rest.find("](") {
        let after = &rest[i + 2..];
        let Some(end) = after.find(')') else { break };
        out.push(after[..end].to_string());
        rest = &after[end..];
    }
    out
}

#[test]
fn every_relative_link_and_anchor_resolves() {
    let mut broken = Vec::new();
    for page in pages() {
        let text = fs::read_to_string(&page).unwrap();
        for link in links(&text) {
            if link.starts_with("http://") || link.starts_with("https://") {
                continue;
            }
            let (file, fragment) = link.split_once('#').unwrap_or((&link, ""));
            let target = if file.is_empty() {
                page.clone()
            } else {
                page.parent().unwrap().join(file)
            };
            if !target.exists() {
                broken.push(format!("{}: {link}: no such file", page.display()));
            } else if !fragment.is_empty() && !anchors(&target).contains(&fragment.to_string()) {
                broken.push(format!("{}: {link}: no such heading", page.display()));
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn sample_messages_are_real_ones() {
    let snapshots: String = fs::read_dir(root().join("tests/snapshots"))
        .unwrap()
        .map(|e| fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    for page in pages() {
        let text = fs::read_to_string(&page).unwrap();
        for line in text.lines().filter(|l| l.starts_with("pullthrough: ")) {
            assert!(
                snapshots.contains(line),
                "{}: sample {line:?} is not a message the golden files show",
                page.display()
            );
        }
    }
}

#[test]
fn the_readme_reads_in_ten_minutes() {
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    assert!(
        // 15 KB again (issue 19): the performance figures live in
        // docs/performance.md, the dependencies' reasons in docs/design.md.
        readme.len() <= 15_000,
        "README.md is {} bytes; move detail to docs/ (at most 15 KB)",
        readme.len()
    );
}

/// Found in issue 19 (item 5): the README had grown to 15.9 KB, most of it
/// the performance figures and the dependencies' long reasons. The figures
/// live in docs/performance.md and the reasons in docs/design.md; the README
/// links to both and repeats neither.
#[test]
fn the_performance_figures_and_dependency_reasons_live_in_docs() {
    let read = |path: &str| fs::read_to_string(root().join(path)).unwrap();
    let (readme, performance, design) = (
        read("README.md"),
        read("docs/performance.md"),
        read("docs/design.md"),
    );
    let section = |text: &str, heading: &str| -> String {
        let start = text
            .find(heading)
            .unwrap_or_else(|| panic!("no {heading:?}"));
        let rest = &text[start + heading.len()..];
        rest[..rest.find("\n## ").unwrap_or(rest.len())].to_string()
    };
    let figures = section(&readme, "\n## Performance\n");
    assert!(
        links(&figures).iter().any(|l| l == "docs/performance.md"),
        "{figures}"
    );
    for figure in ["MB/s", " ms ", "fuzz target"] {
        assert!(!readme.contains(figure), "{figure:?} in the README");
    }
    assert!(performance.contains("MB/s") && performance.contains("peak RSS"));
    // Every crate the README names has its full reasons in docs/design.md.
    let short = section(&readme, "\n## Dependencies, and why\n");
    let full = section(&design, "\n## Dependencies, and why\n");
    assert!(
        links(&short).contains(&"docs/design.md#dependencies-and-why".to_string()),
        "{short}"
    );
    let crates = |table: &str| -> Vec<String> {
        let mut names: Vec<String> = table
            .lines()
            .filter_map(|l| l.strip_prefix("| `"))
            .flat_map(|l| {
                let cell = l.split(" | ").next().unwrap_or_default();
                cell.split('`')
                    .filter(|w| {
                        w.chars()
                            .all(|c| c.is_ascii_lowercase() || c == '_' || c == '-')
                    })
                    .filter(|w| !w.is_empty())
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .collect();
        names.sort();
        names
    };
    assert_eq!(crates(&short), crates(&full));
    assert!(
        full.len() > short.len(),
        "the reasons in full are in design.md"
    );
}
