//! Property tests: generated manifests and mutated golden files keep the
//! invariants of [`crate::kit::invariants`] (the ones the fuzz targets check too): no panic;
//! when the input parses, the output parses and reads the same except at the
//! edits, bytes outside the edits are identical, a second run changes
//! nothing. Generated manifests also check where images are found and what
//! is decided for each, CRLF and a 64 KiB window boundary.
//!
//! `PROPTEST_CASES=10000 cargo test --test integration properties` runs
//! longer.

use std::sync::LazyLock;

use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::Config as Cases;
use pullthrough::Status;
use pullthrough::rules::Decision;

use crate::kit::run::{files, root};

/// Proptest's defaults (256 cases, `PROPTEST_CASES` overrides), without
/// failure files: a finding becomes a test in `tests/regression.rs`.
fn cases() -> Cases {
    Cases {
        failure_persistence: None,
        ..Cases::default()
    }
}

// ---------------------------------------------------------------------------
// Image strings

const HEX64: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// A reference that distribution/reference accepts, on any of the hosts that
/// matter: Docker Hub and its aliases, a rule's host, other hosts, the cache.
fn valid_image() -> impl Strategy<Value = String> {
    let domain = select(vec![
        "",
        "",
        "docker.io/",
        "index.docker.io/",
        "registry-1.docker.io/",
        "registry.hub.docker.com/",
        "quay.io/",
        "ghcr.io/",
        "localhost:5000/",
        "DOCKER.IO/",
        "[::1]:5000/",
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub/",
    ]);
    let component = "[a-z0-9]{1,6}(([._]|__|-{1,2})[a-z0-9]{1,4})?";
    let path = prop::collection::vec(component, 1..4).prop_map(|c| c.join("/"));
    let tag = prop::option::of("[A-Za-z0-9_][A-Za-z0-9_.-]{0,12}");
    let digest = prop::option::of(prop_oneof![
        Just(format!("sha256:{HEX64}")),
        "[0-9a-f]{64}".prop_map(|h| format!("sha256:{h}")),
        Just(format!("sha512:{HEX64}{HEX64}")),
    ]);
    (domain, path, tag, digest).prop_map(|(domain, path, tag, digest)| {
        let mut s = format!("{domain}{path}");
        if let Some(tag) = tag {
            s.push(':');
            s.push_str(&tag);
        }
        if let Some(digest) = digest {
            s.push('@');
            s.push_str(&digest);
        }
        s
    })
}

/// Strings that are no image, or that YAML reads as something else.
fn odd_image() -> impl Strategy<Value = String> {
    let specials: Vec<String> = [
        "",
        " ",
        " nginx",
        "nginx ",
        "nginx\n",
        "123",
        "0755",
        "0x1F",
        "1e3",
        ".inf",
        "true",
        "yes",
        "No",
        "null",
        "~",
        "nginx:",
        "Nginx",
        "nginx:latest # c",
        "a: b",
        "- x",
        "[x]",
        "{x: y}",
        "*a",
        "&a nginx",
        "!x nginx",
        "!!str nginx",
        "|",
        ">-",
        "'q'",
        "\"q\"",
        "#x",
        "%x",
        "@x",
        "`x",
        "? x",
        "x\ty",
        "dock__er/x",
        "a--b/c",
        "ünïcode",
        "日本/語",
        "nginx\u{2028}",
        "\u{feff}nginx",
        "nginx\r",
        "a\\b",
    ]
    .iter()
    .map(ToString::to_string)
    .chain([
        format!("sha256:{HEX64}"),
        HEX64.to_string(),
        "a/".repeat(130),
    ])
    .collect();
    prop_oneof![
        select(specials),
        "[ -~]{0,24}",
        "\\PC{0,12}",
        prop::collection::vec(any::<char>(), 0..8).prop_map(String::from_iter),
    ]
}

fn image() -> impl Strategy<Value = String> {
    prop_oneof![4 => valid_image(), 2 => odd_image()]
}

// ---------------------------------------------------------------------------
// Scalars

/// How a scalar is written. `Raw` puts the string in as it is, whatever YAML
/// then makes of it; the others write it so that it reads back exactly,
/// falling back to double quotes where the style cannot hold the string.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Style {
    Plain,
    Single,
    Double,
    Literal(&'static str),
    Folded(&'static str),
    Raw,
}

fn style() -> impl Strategy<Value = Style> {
    prop_oneof![
        3 => Just(Style::Plain),
        2 => Just(Style::Single),
        2 => Just(Style::Double),
        1 => select(vec!["-", "", "+"]).prop_map(Style::Literal),
        1 => select(vec!["-", "", "+"]).prop_map(Style::Folded),
        1 => Just(Style::Raw),
    ]
}

/// YAML's `c-printable`, less the line breaks and the BOM.
fn printable(c: char) -> bool {
    matches!(c, '\t' | ' '..='~' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
        && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}')
}

fn plain_ok(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '/' | '_'))
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._/@:+-".contains(c))
        && !s.ends_with(':')
}

fn double(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if printable(c) && c != '\t' => out.push(c),
            c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// The scalar as it follows `key: ` (or `- `); `indent` is the indentation
/// of a block scalar's content line. In flow context there are no block
/// scalars.
fn encode(s: &str, style: Style, indent: usize, flow: bool) -> String {
    let one_line = !s.is_empty() && s.chars().all(|c| printable(c) && c != '\t');
    match style {
        Style::Raw => s.to_string(),
        Style::Plain if plain_ok(s) => s.to_string(),
        Style::Single if s.chars().all(printable) => format!("'{}'", s.replace('\'', "''")),
        Style::Literal(chomp) | Style::Folded(chomp)
            if !flow && one_line && !s.starts_with(' ') && !s.ends_with(' ') =>
        {
            let indicator = if matches!(style, Style::Literal(_)) {
                '|'
            } else {
                '>'
            };
            format!("{indicator}{chomp}\n{}{s}", " ".repeat(indent))
        }
        _ => double(s),
    }
}

/// What `encode` reads back as, or `None` when YAML may read it otherwise
/// (raw text, or a plain scalar that is no string).
fn reads_as(s: &str, style: Style, flow: bool) -> Option<String> {
    match style {
        Style::Raw => None,
        Style::Plain if plain_ok(s) => None,
        Style::Literal(chomp) | Style::Folded(chomp)
            if !flow
                && !s.is_empty()
                && s.chars().all(|c| printable(c) && c != '\t')
                && !s.starts_with(' ')
                && !s.ends_with(' ') =>
        {
            Some(if chomp == "-" {
                s.to_string()
            } else {
                format!("{s}\n")
            })
        }
        _ => Some(s.to_string()),
    }
}

// ---------------------------------------------------------------------------
// Manifests

/// A YAML value to write in block or flow style.
#[derive(Debug, Clone)]
enum V {
    Scalar(String, Style),
    /// An image scalar, with node properties or a line break before it.
    Image(Img),
    Map(Vec<(String, V)>),
    Seq(Vec<V>),
    /// The value written in flow style (`{…}`, `[…]`).
    Flow(Box<V>),
    /// A comment line before the next key (in a block mapping).
    Comment(String),
}

fn plain(s: &str) -> V {
    V::Scalar(s.to_string(), Style::Plain)
}

/// Writes a block mapping or sequence at `indent`.
fn block(v: &V, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        V::Map(pairs) => {
            for (key, value) in pairs {
                if let V::Comment(text) = value {
                    out.push_str(&format!("{pad}# {text}\n"));
                    continue;
                }
                out.push_str(&format!("{pad}{key}:"));
                value_after_key(value, indent, out);
            }
        }
        V::Seq(items) => {
            for item in items {
                match item {
                    V::Map(pairs) if !pairs.is_empty() => {
                        let mut inner = String::new();
                        block(item, indent + 2, &mut inner);
                        out.push_str(&pad);
                        out.push_str("- ");
                        out.push_str(&inner[indent + 2..]);
                    }
                    V::Scalar(s, style) => {
                        out.push_str(&format!(
                            "{pad}- {}\n",
                            encode(s, *style, indent + 2, false)
                        ));
                    }
                    other => {
                        out.push_str(&format!("{pad}-"));
                        value_after_key(other, indent, out);
                    }
                }
            }
        }
        other => value_after_key(other, indent, out),
    }
}

fn value_after_key(value: &V, indent: usize, out: &mut String) {
    match value {
        V::Scalar(s, style) => {
            out.push(' ');
            out.push_str(&encode(s, *style, indent + 2, false));
            out.push('\n');
        }
        V::Image(img) => {
            let enc = |indent| encode(&img.value, img.style, indent, false);
            let block_style = matches!(img.style, Style::Literal(_) | Style::Folded(_));
            let next_line = format!("\n{}", " ".repeat(indent + 2));
            let text = match img.props {
                Props::None => format!(" {}", enc(indent + 2)),
                Props::StrTag => format!(" !!str {}", enc(indent + 2)),
                Props::OtherTag => format!(" !custom {}", enc(indent + 2)),
                Props::Anchor => format!(" &img {}", enc(indent + 2)),
                _ if block_style => format!(" {}", enc(indent + 2)),
                Props::NextLine => format!("{next_line}{}", enc(indent + 4)),
                Props::CommentNextLine => format!(" # c{next_line}{}", enc(indent + 4)),
                Props::StrTagCommentNextLine => {
                    format!(" !!str # c{next_line}{}", enc(indent + 4))
                }
            };
            out.push_str(&text);
            out.push('\n');
        }
        V::Map(p) if p.is_empty() => out.push_str(" {}\n"),
        V::Seq(i) if i.is_empty() => out.push_str(" []\n"),
        V::Map(_) | V::Seq(_) => {
            out.push('\n');
            block(value, indent + 2, out);
        }
        V::Flow(inner) => {
            out.push(' ');
            flow(inner, out);
            out.push('\n');
        }
        V::Comment(text) => out.push_str(&format!(" # {text}\n")),
    }
}

fn flow(v: &V, out: &mut String) {
    match v {
        V::Scalar(s, style) => out.push_str(&encode(s, *style, 0, true)),
        V::Image(img) => {
            out.push_str(match img.props {
                Props::StrTag => "!!str ",
                Props::OtherTag => "!custom ",
                Props::Anchor => "&img ",
                _ => "",
            });
            out.push_str(&encode(&img.value, img.style, 0, true));
        }
        V::Map(pairs) => {
            out.push('{');
            let pairs: Vec<_> = pairs
                .iter()
                .filter(|(_, v)| !matches!(v, V::Comment(_)))
                .collect();
            for (i, (key, value)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(key);
                out.push_str(": ");
                flow(value, out);
            }
            out.push('}');
        }
        V::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                flow(item, out);
            }
            out.push(']');
        }
        V::Flow(inner) => flow(inner, out),
        V::Comment(_) => out.push_str("null"),
    }
}

/// apiVersion, kind, and the keys from the root to the pod spec (`None`: no
/// images are looked for in this kind).
const KINDS: &[(&str, &str, Option<&[&str]>)] = &[
    ("v1", "Pod", Some(&["spec"])),
    ("v1", "PodTemplate", Some(&["template", "spec"])),
    (
        "v1",
        "ReplicationController",
        Some(&["spec", "template", "spec"]),
    ),
    ("apps/v1", "Deployment", Some(&["spec", "template", "spec"])),
    (
        "apps/v1",
        "StatefulSet",
        Some(&["spec", "template", "spec"]),
    ),
    ("apps/v1", "DaemonSet", Some(&["spec", "template", "spec"])),
    ("batch/v1", "Job", Some(&["spec", "template", "spec"])),
    (
        "batch/v1",
        "CronJob",
        Some(&["spec", "jobTemplate", "spec", "template", "spec"]),
    ),
    (
        "argoproj.io/v1alpha1",
        "Rollout",
        Some(&["spec", "template", "spec"]),
    ),
    (
        "serving.knative.dev/v1",
        "Service",
        Some(&["spec", "template", "spec"]),
    ),
    (
        "apps.kruise.io/v1alpha1",
        "CloneSet",
        Some(&["spec", "template", "spec"]),
    ),
    // Unknown kinds: the generic rule.
    (
        "example.com/v1",
        "Widget",
        Some(&["spec", "template", "spec"]),
    ),
    // Not workloads: `image` here is never touched.
    ("v1", "ConfigMap", None),
    ("batch.volcano.sh/v1alpha1", "Job", None),
    ("helm.toolkit.fluxcd.io/v2", "HelmRelease", None),
];

/// One container's image, as generated.
#[derive(Debug, Clone)]
struct Img {
    value: String,
    style: Style,
    props: Props,
}

/// What comes between `image:` and the scalar.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Props {
    None,
    /// `!!str`: still a string.
    StrTag,
    /// `!custom`: go-yaml v2, and so Kubernetes, reads the string.
    OtherTag,
    /// `&img`: never rewritten (aliases could be anywhere).
    Anchor,
    /// The scalar on the next line (block context only).
    NextLine,
    /// `# c`, then the scalar on the next line.
    CommentNextLine,
    /// `!!str # c`, then the scalar on the next line.
    StrTagCommentNextLine,
}

fn props() -> impl Strategy<Value = Props> {
    prop_oneof![
        6 => Just(Props::None),
        1 => Just(Props::StrTag),
        1 => Just(Props::OtherTag),
        1 => Just(Props::Anchor),
        1 => Just(Props::NextLine),
        1 => Just(Props::CommentNextLine),
        1 => Just(Props::StrTagCommentNextLine),
    ]
}

#[derive(Debug, Clone)]
struct Doc {
    kind: usize,
    opted_out: bool,
    /// containers, then initContainers.
    containers: Vec<Img>,
    init: Vec<Img>,
    /// Write the pod spec (or the whole spec) in flow style.
    flow_spec: bool,
    comments: Vec<String>,
    extra: Vec<(String, Style)>,
    /// Put the object in the `items` of a `kind: List`.
    in_list: bool,
}

fn img() -> impl Strategy<Value = Img> {
    (image(), style(), props()).prop_map(|(value, style, props)| Img {
        value,
        style,
        props,
    })
}

fn comment() -> impl Strategy<Value = String> {
    "[ -~àé日本✓]{0,16}"
}

fn doc() -> impl Strategy<Value = Doc> {
    (
        0..KINDS.len(),
        prop::bool::weighted(0.15),
        prop::collection::vec(img(), 1..4),
        prop::collection::vec(img(), 0..2),
        prop::bool::weighted(0.25),
        prop::collection::vec(comment(), 0..3),
        prop::collection::vec(("[ -~]{0,12}", style()), 0..3),
        prop::bool::weighted(0.15),
    )
        .prop_map(
            |(kind, opted_out, containers, init, flow_spec, comments, extra, in_list)| Doc {
                kind,
                opted_out,
                containers,
                init,
                flow_spec,
                comments,
                extra,
                in_list,
            },
        )
}

impl Doc {
    fn workload(&self) -> bool {
        KINDS[self.kind].2.is_some()
    }

    /// Whether every image is written so that it reads back as generated.
    fn exact(&self) -> bool {
        self.images().all(|i| i.style != Style::Raw)
            && self.extra.iter().all(|(_, s)| *s != Style::Raw)
    }

    fn images(&self) -> impl Iterator<Item = &Img> {
        self.containers.iter().chain(&self.init)
    }

    fn container(&self, i: usize, img: &Img) -> V {
        let mut pairs = vec![("name".to_string(), plain(&format!("c{i}")))];
        if let Some(text) = self.comments.get(i) {
            pairs.push((String::new(), V::Comment(text.clone())));
        }
        pairs.push(("image".to_string(), V::Image(img.clone())));
        if i == 0 && !self.extra.is_empty() {
            let args = self
                .extra
                .iter()
                .map(|(s, style)| V::Scalar(s.clone(), *style))
                .collect();
            pairs.push(("args".to_string(), V::Seq(args)));
            pairs.push((
                "ports".to_string(),
                V::Seq(vec![V::Map(vec![("containerPort".into(), plain("8080"))])]),
            ));
        }
        V::Map(pairs)
    }

    fn value(&self) -> V {
        let (api_version, kind, path) = KINDS[self.kind];
        let mut metadata = vec![("name".to_string(), plain("app"))];
        if self.opted_out {
            metadata.push((
                "annotations".to_string(),
                V::Map(vec![(
                    "idp.jppol.dk/ecr-pull-through-cache".to_string(),
                    V::Scalar("Disabled".into(), Style::Double),
                )]),
            ));
        }
        let containers = V::Seq(
            self.containers
                .iter()
                .enumerate()
                .map(|(i, c)| self.container(i, c))
                .collect(),
        );
        let mut pod = vec![("containers".to_string(), containers)];
        if !self.init.is_empty() {
            let init = self
                .init
                .iter()
                .enumerate()
                .map(|(i, c)| self.container(100 + i, c))
                .collect();
            pod.push(("initContainers".to_string(), V::Seq(init)));
        }
        pod.push(("restartPolicy".to_string(), plain("Always")));
        let mut pod = V::Map(pod);
        if self.flow_spec {
            pod = V::Flow(Box::new(pod));
        }
        // Wrap the pod spec in its path; a non-workload gets `data.image`
        // style keys instead.
        let body = match path {
            Some(path) => path
                .iter()
                .rev()
                .fold(pod, |inner, key| V::Map(vec![((*key).to_string(), inner)])),
            None => V::Map(vec![
                (
                    "data".to_string(),
                    V::Map(
                        self.images()
                            .map(|i| ("image".to_string(), V::Scalar(i.value.clone(), i.style)))
                            .collect(),
                    ),
                ),
                // No `template` key: the generic rule does not apply.
                (
                    "spec".to_string(),
                    V::Map(vec![(
                        "values".to_string(),
                        V::Map(vec![("spec".to_string(), pod)]),
                    )]),
                ),
            ]),
        };
        let V::Map(body) = body else { unreachable!() };
        let mut top = vec![
            ("apiVersion".to_string(), plain(api_version)),
            ("kind".to_string(), plain(kind)),
            ("metadata".to_string(), V::Map(metadata)),
        ];
        if let Some(text) = self.comments.first() {
            top.insert(0, (String::new(), V::Comment(text.clone())));
        }
        top.extend(body);
        V::Map(top)
    }

    fn text(&self) -> String {
        let mut value = self.value();
        if self.in_list {
            value = V::Map(vec![
                ("apiVersion".to_string(), plain("v1")),
                ("kind".to_string(), plain("List")),
                ("items".to_string(), V::Seq(vec![value])),
            ]);
        }
        let mut out = String::new();
        block(&value, 0, &mut out);
        out
    }
}

/// A stream: documents and how they are joined and encoded.
#[derive(Debug, Clone)]
struct Stream {
    docs: Vec<Doc>,
    leading_dashes: bool,
    dots: bool,
    bom: bool,
    crlf: bool,
    final_newline: bool,
}

fn stream() -> impl Strategy<Value = Stream> {
    (
        prop::collection::vec(doc(), 1..4),
        any::<bool>(),
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.15),
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.8),
    )
        .prop_map(
            |(docs, leading_dashes, dots, bom, crlf, final_newline)| Stream {
                docs,
                leading_dashes,
                dots,
                bom,
                crlf,
                final_newline,
            },
        )
}

impl Stream {
    /// The stream with LF line endings (before `crlf` applies).
    fn lf(&self) -> String {
        let mut out = String::new();
        if self.bom {
            out.push('\u{feff}');
        }
        for (i, doc) in self.docs.iter().enumerate() {
            if i > 0 || self.leading_dashes {
                out.push_str("---\n");
            }
            out.push_str(&doc.text());
            if self.dots {
                out.push_str("...\n");
            }
        }
        if !self.final_newline {
            out.pop();
        }
        out
    }

    fn text(&self) -> String {
        let lf = self.lf();
        if self.crlf {
            lf.replace('\n', "\r\n")
        } else {
            lf
        }
    }

    fn exact(&self) -> bool {
        self.docs.iter().all(Doc::exact)
    }
}

proptest! {
    #![proptest_config(cases())]

    /// Generated streams: the invariants; and, when every scalar is written
    /// so that it reads back, one image per container of each workload (none
    /// elsewhere), the rules' decision for each, nothing rewritten in an
    /// opted-out object, and CRLF giving the same output as LF.
    #[test]
    fn generated_manifests(stream in stream()) {
        let config = crate::kit::invariants::config();
        let text = stream.text();
        let out = crate::kit::invariants::rewrite_invariants(text.as_bytes(), &config);
        if !stream.exact() {
            return Ok(());
        }
        let out = out.unwrap_or_else(|| panic!("generated stream does not parse:\n{text}"));

        let mut images = out.images.iter();
        for (index, doc) in stream.docs.iter().enumerate() {
            if !doc.workload() {
                continue;
            }
            for (i, generated) in doc.images().enumerate() {
                let seen = images.next().unwrap_or_else(|| panic!("image {i} of document {} not found:\n{text}", index + 1));
                prop_assert_eq!(seen.document, index + 1);
                let flow = doc.flow_spec;
                if let Some(value) = reads_as(&generated.value, generated.style, flow) {
                    prop_assert_eq!(seen.original.as_deref(), Some(value.as_str()));
                }
                if generated.props == Props::Anchor {
                    prop_assert!(seen.status != Status::Rewritten, "anchored, but rewritten");
                }
                let rules = &config.rules;
                match (&seen.status, seen.original.as_deref()) {
                    (Status::Rewritten, Some(original)) => {
                        prop_assert!(!doc.opted_out, "opted out, but rewritten");
                        let Decision::Rewrite { image, .. } = rules.decide(original) else {
                            panic!("rewritten, but the rules keep {original:?}");
                        };
                        prop_assert_eq!(seen.result.as_deref(), Some(image.as_str()));
                    }
                    (Status::Kept(keep), Some(original)) => {
                        prop_assert_eq!(rules.decide(original), Decision::Keep(keep.clone()));
                    }
                    (Status::OptedOut, _) => prop_assert!(doc.opted_out),
                    _ => {}
                }
            }
        }
        prop_assert!(images.next().is_none(), "images found outside the workloads:\n{}", text);

        // CRLF: the same edits, the same output modulo line endings.
        if !stream.crlf {
            let crlf = text.replace('\n', "\r\n");
            let out_crlf = pullthrough::rewrite(crlf.as_bytes(), &config).expect("CRLF parses");
            prop_assert_eq!(out_crlf.text, out.text.replace('\n', "\r\n"));
        }
    }
}

// ---------------------------------------------------------------------------
// Mutated golden files

static GOLDEN: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    files(&root().join("testdata/rewrite"))
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect()
});

#[derive(Debug, Clone)]
enum Mutation {
    Delete(usize, usize),
    Insert(usize, Vec<u8>),
    /// Replace the rest of the n-th `image:` line with a new image.
    Image(usize, String, Style),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    Indent(usize, bool),
    Truncate(usize),
    Crlf,
    Bom,
}

fn token() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        select(vec![
            "---\n",
            "...\n",
            "\n",
            "\r\n",
            "\r",
            " ",
            "  ",
            "\t",
            "#",
            " # c",
            "'",
            "\"",
            "\\",
            ": ",
            "- ",
            "? ",
            ",",
            "[",
            "]",
            "{",
            "}",
            "&a ",
            "*a",
            "!!str ",
            "!x",
            "|",
            "|-\n",
            ">\n",
            "%YAML 1.1\n",
            "\u{feff}",
            "é",
            "\u{2028}",
            "\u{85}",
            "image: nginx\n",
            "containers: []",
            "kind: List\nitems:\n",
            "\0",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        prop::collection::vec(any::<u8>(), 1..4),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        1 => (any::<usize>(), 1..16usize).prop_map(|(at, n)| Mutation::Delete(at, n)),
        1 => (any::<usize>(), token()).prop_map(|(at, t)| Mutation::Insert(at, t)),
        3 => (any::<usize>(), image(), style()).prop_map(|(n, i, s)| Mutation::Image(n, i, s)),
        1 => any::<usize>().prop_map(Mutation::DuplicateLine),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        1 => (any::<usize>(), any::<bool>()).prop_map(|(at, more)| Mutation::Indent(at, more)),
        1 => any::<usize>().prop_map(Mutation::Truncate),
        1 => Just(Mutation::Crlf),
        1 => Just(Mutation::Bom),
    ]
}

/// Byte ranges of the lines, line break included.
fn lines(text: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &b) in text.iter().enumerate() {
        if b == b'\n' {
            out.push(start..i + 1);
            start = i + 1;
        }
    }
    if start < text.len() {
        out.push(start..text.len());
    }
    out
}

fn apply(text: &mut Vec<u8>, mutation: &Mutation) {
    let len = text.len();
    let lines = lines(text);
    match mutation {
        Mutation::Delete(at, n) if len > 0 => {
            let at = at % len;
            text.drain(at..(at + n).min(len));
        }
        Mutation::Insert(at, bytes) => {
            let at = at % (len + 1);
            text.splice(at..at, bytes.iter().copied());
        }
        Mutation::Image(n, image, style) => {
            let sites: Vec<_> = lines
                .iter()
                .filter_map(|l| {
                    let line = &text[l.clone()];
                    let key = line.windows(6).position(|w| w == b"image:")?;
                    Some((l.start + key + 6, l.end, key))
                })
                .collect();
            if sites.is_empty() {
                return;
            }
            let (start, end, indent) = sites[n % sites.len()];
            let keep_break = text[..end].ends_with(b"\n");
            let mut new = format!(" {}", encode(image, *style, indent + 2, false));
            if keep_break {
                new.push('\n');
            }
            text.splice(start..end, new.bytes());
        }
        Mutation::DuplicateLine(at) if !lines.is_empty() => {
            let l = lines[at % lines.len()].clone();
            let copy = text[l.clone()].to_vec();
            text.splice(l.start..l.start, copy);
        }
        Mutation::SwapLines(a, b) if lines.len() > 1 => {
            let (a, b) = (a % lines.len(), b % lines.len());
            let (a, b) = (lines[a.min(b)].clone(), lines[a.max(b)].clone());
            if a != b {
                let mut out = text[..a.start].to_vec();
                out.extend_from_slice(&text[b.clone()]);
                out.extend_from_slice(&text[a.end..b.start]);
                out.extend_from_slice(&text[a.clone()]);
                out.extend_from_slice(&text[b.end..]);
                *text = out;
            }
        }
        Mutation::Indent(at, more) if !lines.is_empty() => {
            let l = lines[at % lines.len()].clone();
            if *more {
                text.splice(l.start..l.start, *b"  ");
            } else if text[l.clone()].starts_with(b"  ") {
                text.drain(l.start..l.start + 2);
            }
        }
        Mutation::Truncate(at) => text.truncate(at % (len + 1)),
        Mutation::Crlf => {
            let mut out = Vec::with_capacity(len * 2);
            for &b in text.iter() {
                if b == b'\n' {
                    out.push(b'\r');
                }
                out.push(b);
            }
            *text = out;
        }
        Mutation::Bom => {
            text.splice(0..0, "\u{feff}".bytes());
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(cases())]

    /// Golden files with one to four mutations (bytes deleted or inserted,
    /// images replaced, lines duplicated, swapped, re-indented, a truncated
    /// end, CRLF, a BOM): the invariants, whether or not the result parses.
    #[test]
    fn mutated_golden_files(
        file in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..5),
    ) {
        let mut text = file.get(&GOLDEN).clone();
        for m in &mutations {
            apply(&mut text, m);
        }
        crate::kit::invariants::rewrite_invariants(&text, &crate::kit::invariants::config());
    }

    /// Only images replaced, in a golden file that stays valid YAML: every
    /// image is found again and decided as the rules say.
    #[test]
    fn golden_files_with_new_images(
        file in any::<prop::sample::Index>(),
        replacements in prop::collection::vec((any::<usize>(), image(), style()), 1..6),
    ) {
        let mut text = file.get(&GOLDEN).clone();
        for (n, image, style) in replacements {
            apply(&mut text, &Mutation::Image(n, image, style));
        }
        crate::kit::invariants::rewrite_invariants(&text, &crate::kit::invariants::config());
    }

    /// The reference parser and the rules on generated strings.
    #[test]
    fn references(input in image()) {
        crate::kit::invariants::reference_invariants(&input, &crate::kit::invariants::rules());
    }
}

// ---------------------------------------------------------------------------
// The parser's 64 KiB window

proptest! {
    #![proptest_config(cases())]

    /// A document padded so that the next one starts anywhere around the
    /// parser's 64 KiB read window, with multibyte characters across the
    /// boundary: the same edits as without the padding, shifted.
    #[test]
    fn across_the_read_window(
        shift in 0usize..64,
        filler in select(vec!["é", "日", "😀", "a"]),
        doc in doc(),
    ) {
        let plain = doc.text();
        let config = crate::kit::invariants::config();
        let Some(alone) = pullthrough::rewrite(plain.as_bytes(), &config).ok() else {
            return Ok(());
        };
        // A comment line of multibyte characters ending just before the
        // boundary, then the document.
        let target = 64 * 1024 - 32 + shift;
        let head = "# ";
        let count = (target - head.len() - "\n---\n".len()) / filler.len();
        let padding = format!("{head}{}\n---\n", filler.repeat(count));
        let text = format!("{padding}{plain}");
        let out = crate::kit::invariants::rewrite_invariants(text.as_bytes(), &config).expect("padded stream parses");
        let shifted: Vec<_> = alone
            .edits
            .iter()
            .map(|e| (e.span.start + padding.len()..e.span.end + padding.len(), e.text.clone()))
            .collect();
        let edits: Vec<_> = out.edits.iter().map(|e| (e.span.clone(), e.text.clone())).collect();
        prop_assert_eq!(edits, shifted);
    }
}
