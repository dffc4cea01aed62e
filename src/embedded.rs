//! Configuration documents embedded in strings: an Argo Workflows resource
//! template's `manifest`, and the ConfigMap `data` of known operator configs
//! (Argo Events' controller config, Jenkins configuration-as-code). The
//! string's value is parsed as a document of its own, its image sites are
//! found and decided as any others, and each edit's span in the value is
//! mapped back to the bytes of the outer text, so that only the image bytes
//! change.
//!
//! Only a literal block scalar (`|`, `|-`, `|+`) or a single-line scalar maps
//! byte for byte; in any other style the images found are left as written,
//! each with a warning saying why.

use std::ops::Range;

use crate::config::Config;
use crate::locate::{self, Locator, Object, Site};
use crate::path::FieldPath;
use crate::rewrite::{Found, Status};
use crate::workload;
use crate::yaml::{self, Document, NodeId, ScalarStyle, scalar::Unsupported};

/// How deep embedded documents may nest (a resource template's manifest
/// that is a Workflow with resource templates of its own).
const MAX_DEPTH: usize = 4;

/// What a string holds.
#[derive(Debug, Clone, Copy)]
enum Format {
    /// A Kubernetes manifest, rewritten with the same rules as the stream.
    Manifest,
    /// A YAML configuration with images at these table paths.
    Config(&'static [&'static str]),
    /// A GitLab Runner `config.toml`: `[[runners]]`' `[runners.kubernetes]`
    /// `image` and `helper_image`.
    Toml,
}

/// A known operator configuration in a ConfigMap's `data`: which keys hold
/// it, the top-level key its document must have, and its image fields.
struct KnownConfig {
    key: fn(&str) -> bool,
    root: &'static str,
    paths: &'static [&'static str],
}

/// The table of known configs.
const CONFIGS: &[KnownConfig] = &[
    // Argo Events' controller config (`argo-events-controller-config`):
    // the EventBus images by version.
    // <https://github.com/argoproj/argo-events/blob/master/manifests/base/controller-manager/controller-config.yaml>
    KnownConfig {
        key: |k| k == "controller-config.yaml",
        root: "eventBus",
        paths: &[
            "eventBus.nats.versions[].natsStreamingImage",
            "eventBus.nats.versions[].metricsExporterImage",
            "eventBus.jetstream.versions[].natsImage",
            "eventBus.jetstream.versions[].metricsExporterImage",
            "eventBus.jetstream.versions[].configReloaderImage",
        ],
    },
    // Jenkins configuration-as-code: the Kubernetes cloud's pod templates.
    // <https://github.com/jenkinsci/kubernetes-plugin/blob/master/src/test/resources/org/csanchez/jenkins/plugins/kubernetes/casc/casc.yaml>
    KnownConfig {
        key: |k| k.ends_with(".yaml") || k.ends_with(".yml"),
        root: "jenkins",
        paths: &["jenkins.clouds[].kubernetes.templates[].containers[].image"],
    },
];

/// A string holding a document: where it is and what it holds.
pub(crate) struct Target {
    pub node: NodeId,
    pub path: FieldPath,
    pub item: Option<usize>,
    pub object: Object,
    pub opted_out: bool,
    format: Format,
}

/// Every string of the document that holds a known embedded document.
pub(crate) fn targets(locator: &Locator, doc: &Document) -> Vec<Target> {
    let mut out = Vec::new();
    let Some(root) = doc.root else { return out };
    let kind = doc.get_str(root, "kind").unwrap_or_default();
    if kind == "List" {
        for items in doc.get(root, "items") {
            for (i, &node) in doc.items(items).iter().enumerate() {
                let at = FieldPath::default().key("items").index(i);
                object(locator, doc, node, &at, Some(i), &mut out);
            }
        }
    }
    object(locator, doc, root, &FieldPath::default(), None, &mut out);
    out.sort_by_key(|t| doc.node(t.node).span.start);
    out
}

fn object(
    locator: &Locator,
    doc: &Document,
    root: NodeId,
    prefix: &FieldPath,
    item: Option<usize>,
    out: &mut Vec<Target>,
) {
    let Some(kind) = doc.get_str(root, "kind") else {
        return;
    };
    let group = workload::group(doc.get_str(root, "apiVersion").unwrap_or_default());
    let metadata = doc.get(root, "metadata").next();
    let object = Object {
        kind: kind.to_string(),
        namespace: metadata
            .and_then(|m| doc.get_str(m, "namespace"))
            .map(str::to_string),
        name: metadata
            .and_then(|m| doc.get_str(m, "name"))
            .map(str::to_string),
    };
    let opted_out = locator.opts_out(doc, root);
    let templates = match (group, kind) {
        ("argoproj.io", "Workflow" | "WorkflowTemplate" | "ClusterWorkflowTemplate") => {
            Some("spec.templates[]")
        }
        ("argoproj.io", "CronWorkflow") => Some("spec.workflowSpec.templates[]"),
        _ => None,
    };
    if let Some(templates) = templates {
        for (template, at) in locate::resolve(doc, root, templates, prefix) {
            let opted_out = opted_out || locator.opts_out(doc, template);
            for (node, path) in locate::resolve(doc, template, "resource.manifest", &at) {
                if doc.scalar(node).is_some_and(|s| s.is_string()) {
                    out.push(Target {
                        node,
                        path,
                        item,
                        object: object.clone(),
                        opted_out,
                        format: Format::Manifest,
                    });
                }
            }
        }
    }
    if (group, kind) == ("", "ConfigMap") {
        for data in doc.get(root, "data") {
            for &(k, v) in doc.pairs(data) {
                let (Some(key), Some(value)) = (doc.str(k), doc.scalar(v)) else {
                    continue;
                };
                let format = if matches!(key, "config.toml" | "config.template.toml") {
                    let toml = toml_images(&value.value);
                    toml.is_some_and(|t| !t.is_empty()).then_some(Format::Toml)
                } else {
                    CONFIGS
                        .iter()
                        .find(|c| (c.key)(key) && has_root(&value.value, c.root))
                        .map(|c| Format::Config(c.paths))
                };
                let Some(format) = format else { continue };
                out.push(Target {
                    node: v,
                    path: prefix.key("data").key(key),
                    item,
                    object: object.clone(),
                    opted_out,
                    format,
                });
            }
        }
    }
}

/// The text is YAML whose first document is a mapping with `root`.
fn has_root(text: &str, root: &str) -> bool {
    // Cheap first: most data values are not such documents.
    if !text.contains(root) {
        return false;
    }
    let mut found = false;
    let _ = yaml::for_each_document(text, |i, doc| {
        found |= i == 0 && doc.root.is_some_and(|r| doc.get(r, root).next().is_some());
    });
    found
}

/// How offsets of a scalar's value map to offsets of the outer text: for
/// each line of the value, where it starts in the value and in the text.
struct Map {
    lines: Vec<(usize, usize)>,
    /// The value's bytes up to here map; beyond (trailing blanks) they may not.
    len: usize,
}

impl Map {
    fn get(&self, at: usize) -> Option<usize> {
        if at > self.len {
            return None;
        }
        let i = self.lines.partition_point(|&(inner, _)| inner <= at);
        let (inner, outer) = *self.lines.get(i.checked_sub(1)?)?;
        Some(outer + (at - inner))
    }
}

/// The map of the scalar `node`, or why its bytes do not map to its value.
fn map(text: &str, doc: &Document, node: NodeId) -> Result<Map, Status> {
    let n = doc.node(node);
    let s = doc.scalar(node).expect("targets are scalars");
    if s.anchored {
        return Err(Status::Anchored);
    }
    let src = &text[n.span.clone()];
    let value = s.value.as_str();
    let single = |offset: usize| Map {
        lines: vec![(0, offset)],
        len: value.len(),
    };
    match s.style {
        _ if value.contains('\n') && s.style != ScalarStyle::Literal => {
            Err(Status::Unsupported(Unsupported::EmbeddedStyle))
        }
        ScalarStyle::Plain if !src.contains('\n') && src.ends_with(value) => {
            Ok(single(n.span.end - value.len()))
        }
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted if !src.contains('\n') => {
            let q = if s.style == ScalarStyle::SingleQuoted {
                '\''
            } else {
                '"'
            };
            let body = src
                .strip_suffix(q)
                .filter(|b| b.ends_with(value) && b[..b.len() - value.len()].ends_with(q));
            body.map(|_| single(n.span.end - 1 - value.len()))
                .ok_or(Status::Unsupported(Unsupported::EmbeddedStyle))
        }
        ScalarStyle::Literal => literal(text, n.span.clone(), value),
        _ => Err(Status::Unsupported(Unsupported::EmbeddedStyle)),
    }
}

/// A literal block scalar: each content line is the outer line less the
/// block's indentation. The lines rebuilt so must read as the value.
fn literal(text: &str, span: Range<usize>, value: &str) -> Result<Map, Status> {
    let layout = Err(Status::Unsupported(Unsupported::EmbeddedLayout));
    let body = &text[span.clone()];
    let Some(header) = body.find('\n') else {
        return layout;
    };
    let content = &body[header + 1..];
    let indent = content
        .split('\n')
        .find(|l| !l.trim_start_matches(' ').is_empty())
        .map_or(0, |l| l.len() - l.trim_start_matches(' ').len());
    let mut lines = Vec::new();
    let mut built = String::new();
    let mut offset = span.start + header + 1;
    for line in content.split_inclusive('\n') {
        let lead = (line.len() - line.trim_start_matches(' ').len()).min(indent);
        lines.push((built.len(), offset + lead));
        // YAML reads a CR LF line break as LF.
        match line[lead..].strip_suffix("\r\n") {
            Some(content) => {
                built.push_str(content);
                built.push('\n');
            }
            None => built.push_str(&line[lead..]),
        }
        offset += line.len();
    }
    let (a, b) = (built.trim_end(), value.trim_end());
    if a != b {
        return layout;
    }
    Ok(Map {
        lines,
        len: a.len(),
    })
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at];
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        before.matches('\n').count() + 1,
        before[start..].chars().count() + 1,
    )
}

/// The byte offset of a 1-based line and column (in characters).
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start = if line <= 1 {
        0
    } else {
        text.match_indices('\n')
            .nth(line - 2)
            .map_or(text.len(), |(i, _)| i + 1)
    };
    text[start..]
        .char_indices()
        .nth(column - 1)
        .map_or(text.len(), |(i, _)| start + i)
}

/// Finds, decides and maps the images of every embedded document of `doc`
/// into `found`. `depth` is how deep `text` itself is embedded.
pub(crate) fn document(
    found: &mut Found,
    text: &str,
    doc: &Document,
    index: usize,
    config: &Config,
    locator: &Locator,
    depth: usize,
) {
    if depth >= MAX_DEPTH {
        return;
    }
    for target in targets(locator, doc) {
        embed(found, text, doc, index, config, depth, target);
    }
}

#[allow(clippy::too_many_arguments)]
fn embed(
    found: &mut Found,
    text: &str,
    doc: &Document,
    index: usize,
    config: &Config,
    depth: usize,
    target: Target,
) {
    let outer = doc.node(target.node);
    let Some(value) = doc.str(target.node) else {
        return;
    };
    if let Format::Toml = target.format {
        return toml(found, text, doc, index, config, target);
    }
    let mut inner = Found::nested(depth + 1);
    let parsed = yaml::for_each_document(value, |i, d| match target.format {
        Format::Toml => {}
        Format::Manifest => inner.document(value, &d, i, config),
        Format::Config(paths) => {
            let mut sites = Vec::new();
            if let Some(root) = d.root {
                for path in paths {
                    for (node, at) in locate::resolve(&d, root, path, &FieldPath::default()) {
                        // Unset (null, "") is the operator's default.
                        if d.scalar(node)
                            .is_some_and(|s| s.is_null() || s.value.is_empty())
                        {
                            continue;
                        }
                        sites.push(Site {
                            node,
                            path: at,
                            item: None,
                            object: Object::default(),
                            opted_out: false,
                            within: 0,
                        });
                    }
                }
            }
            sites.sort_by_key(|s| d.node(s.node).span.start);
            inner.sites(value, &d, i, sites, config);
        }
    });
    let map = map(text, doc, target.node);
    match (parsed, &map) {
        (Ok(()), _) => {}
        // Not YAML after all (a templated string, say): nothing to edit.
        (Err(_), Ok(_)) => return,
        // Folding or escapes may be what broke it: say why it is left.
        (Err(_), Err(why)) => {
            let image = crate::Image {
                document: index + 1,
                line: outer.line,
                column: outer.column,
                path: target.path.clone(),
                item: target.item,
                object: target.object.clone(),
                original: None,
                result: None,
                status: why.clone(),
            };
            found.warnings.push(crate::Warning {
                document: index + 1,
                line: outer.line,
                column: outer.column,
                path: target.path,
                image: found.images.len(),
                message: why.to_string(),
            });
            found.images.push(image);
            return;
        }
    }
    let base = found.images.len();
    let place = |line: usize, column: usize| -> Option<(usize, usize)> {
        let m = map.as_ref().ok()?;
        m.get(offset_of(value, line, column))
            .map(|at| line_column(text, at))
    };
    let mut left = Vec::new();
    let had_result: Vec<bool> = inner.images.iter().map(|i| i.result.is_some()).collect();
    for (i, mut image) in inner.images.into_iter().enumerate() {
        let (line, column) = place(image.line, image.column).unwrap_or((outer.line, outer.column));
        image.document = index + 1;
        image.line = line;
        image.column = column;
        image.path = target.path.embedded(&image.path);
        image.item = target.item;
        image.object = target.object.clone();
        if target.opted_out && image.status != Status::OptedOut && image.original.is_some() {
            image.status = Status::OptedOut;
            image.result = None;
            left.push(i);
        } else if let (Err(why), Some(_)) = (&map, &image.result) {
            image.status = why.clone();
            image.result = None;
            left.push(i);
        }
        found.images.push(image);
    }
    for mut warning in inner.warnings {
        if left.contains(&warning.image) {
            continue;
        }
        let (line, column) =
            place(warning.line, warning.column).unwrap_or((outer.line, outer.column));
        warning.document = index + 1;
        warning.line = line;
        warning.column = column;
        warning.path = target.path.embedded(&warning.path);
        warning.image += base;
        found.warnings.push(warning);
    }
    for &i in &left {
        let image = &found.images[base + i];
        if let Some(message) = image.status.warning(image.original.as_deref()) {
            found.warnings.push(crate::Warning {
                document: image.document,
                line: image.line,
                column: image.column,
                path: image.path.clone(),
                image: base + i,
                message,
            });
        }
    }
    // One edit per rewritten image, in order: keep those still rewritten.
    let mut edits = inner.edits.into_iter();
    for (i, had) in had_result.into_iter().enumerate() {
        let Some(mut edit) = had.then(|| edits.next()).flatten() else {
            continue;
        };
        let Ok(map) = &map else { continue };
        if left.contains(&i) {
            continue;
        }
        let (Some(start), Some(end)) = (map.get(edit.span.start), map.get(edit.span.end)) else {
            // Cannot happen: edits lie inside the value's content.
            let image = &mut found.images[base + i];
            image.result = None;
            image.status = Status::Unsupported(Unsupported::EmbeddedLayout);
            continue;
        };
        edit.span = start..end;
        found.edits.push(edit);
    }
}

/// A TOML string holding an image: its path, the span of its content in the
/// TOML text (inside the quotes), its value, and whether the content is the
/// value byte for byte (no escapes, not multi-line).
struct TomlImage {
    path: FieldPath,
    span: Range<usize>,
    value: String,
    verbatim: bool,
}

/// The images of a GitLab Runner config, or `None` when it is not TOML.
/// <https://docs.gitlab.com/runner/executors/kubernetes/#configuration-settings>
fn toml_images(text: &str) -> Option<Vec<TomlImage>> {
    use toml::de::{DeTable, DeValue};
    let table = DeTable::parse(text).ok()?;
    fn get<'a, 'i>(t: &'a DeTable<'i>, key: &str) -> Option<&'a toml::Spanned<DeValue<'i>>> {
        t.iter().find(|(k, _)| k.get_ref() == key).map(|(_, v)| v)
    }
    let mut out = Vec::new();
    let Some(runners) = get(table.get_ref(), "runners") else {
        return Some(out);
    };
    let DeValue::Array(runners) = runners.get_ref() else {
        return Some(out);
    };
    for (i, runner) in runners.iter().enumerate() {
        let DeValue::Table(runner) = runner.get_ref() else {
            continue;
        };
        let Some(kubernetes) = get(runner, "kubernetes") else {
            continue;
        };
        let DeValue::Table(kubernetes) = kubernetes.get_ref() else {
            continue;
        };
        for key in ["image", "helper_image"] {
            let Some(field) = get(kubernetes, key) else {
                continue;
            };
            let DeValue::String(value) = field.get_ref() else {
                continue;
            };
            // Unset is the runner's default.
            if value.is_empty() {
                continue;
            }
            let span = field.span();
            let src = &text[span.clone()];
            let quote = if src.starts_with("\"\"\"") || src.starts_with("'''") {
                3
            } else {
                1
            };
            let content =
                span.start + quote..span.end.saturating_sub(quote).max(span.start + quote);
            let verbatim = quote == 1 && text.get(content.clone()) == Some(&**value);
            out.push(TomlImage {
                path: FieldPath::default()
                    .key("runners")
                    .index(i)
                    .key("kubernetes")
                    .key(key),
                span: content,
                value: value.to_string(),
                verbatim,
            });
        }
    }
    Some(out)
}

/// The images of a GitLab Runner config in the string `target`, decided as
/// image fields are, each edit the TOML string's content.
fn toml(
    found: &mut Found,
    text: &str,
    doc: &Document,
    index: usize,
    config: &Config,
    target: Target,
) {
    use crate::rules::Decision;
    let outer = doc.node(target.node);
    let Some(value) = doc.str(target.node) else {
        return;
    };
    let Some(images) = toml_images(value) else {
        return;
    };
    let map = map(text, doc, target.node);
    for t in images {
        let at = map
            .as_ref()
            .ok()
            .and_then(|m| Some((m.get(t.span.start)?, m.get(t.span.end)?)));
        let (line, column) = at.map_or((outer.line, outer.column), |(s, _)| line_column(text, s));
        let mut notes = Vec::new();
        let (status, result) = if target.opted_out {
            (Status::OptedOut, None)
        } else if let Some(pattern) = config.exclude.matches(&t.value) {
            (Status::Excluded(pattern.to_string()), None)
        } else {
            match config.rules.decide(&t.value) {
                Decision::Keep(keep) => (Status::Kept(keep), None),
                Decision::Rewrite { .. }
                    if config.digests == crate::Digests::Keep
                        && crate::reference::is_digest_pinned(&t.value) =>
                {
                    (Status::DigestKept, None)
                }
                Decision::Rewrite { image, notes: n } => match (&map, at) {
                    (Err(why), _) => (why.clone(), None),
                    _ if !t.verbatim => (Status::Unsupported(Unsupported::TomlEscapes), None),
                    _ if !image
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"._-/:@".contains(&b)) =>
                    {
                        (Status::Unsupported(Unsupported::UnsafeValue), None)
                    }
                    (Ok(_), Some((start, end))) => {
                        notes = n.iter().map(ToString::to_string).collect();
                        found.edits.push(crate::Edit {
                            span: start..end,
                            text: image.clone(),
                        });
                        (Status::Rewritten, Some(image))
                    }
                    (Ok(_), None) => (Status::Unsupported(Unsupported::EmbeddedLayout), None),
                },
            }
        };
        let path = target.path.embedded(&t.path);
        let image = found.images.len();
        if let Some(message) = status.warning(Some(&t.value)) {
            notes.push(message);
        }
        for message in notes {
            found.warnings.push(crate::Warning {
                document: index + 1,
                line,
                column,
                path: path.clone(),
                image,
                message,
            });
        }
        found.images.push(crate::Image {
            document: index + 1,
            line,
            column,
            path,
            item: target.item,
            object: target.object.clone(),
            original: Some(t.value),
            result,
            status,
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::Rules;
    use crate::{Config, rewrite};

    const REGISTRY: &str = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";

    fn golden() -> String {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/rewrite/embedded-documents.yaml"
        );
        std::fs::read_to_string(path).unwrap()
    }

    fn config(operator_images: bool) -> Config {
        Config {
            operator_images,
            ..Config::new(Rules::new(REGISTRY.into(), "docker-hub".into()))
        }
    }

    #[test]
    fn switch_off_is_byte_identical() {
        let text = golden();
        let out = rewrite(text.as_bytes(), &config(false)).unwrap();
        assert_eq!(out.text, text);
        assert!(out.edits.is_empty() && out.warnings.is_empty());
    }

    #[test]
    fn paths_name_the_inner_field() {
        let out = rewrite(golden().as_bytes(), &config(true)).unwrap();
        let paths: Vec<String> = out.images.iter().map(|i| i.path.to_string()).collect();
        for want in [
            "spec.templates[0].resource.manifest: spec.template.spec.containers[0].image",
            "data.controller-config.yaml: eventBus.nats.versions[0].natsStreamingImage",
            "data.jcasc-default-config.yaml: jenkins.clouds[0].kubernetes.templates[0].containers[1].image",
            "data.config.toml: runners[0].kubernetes.helper_image",
        ] {
            assert!(paths.iter().any(|p| p == want), "{want} not in {paths:?}");
        }
        assert!(!paths.iter().any(|p| p.starts_with("data.notes.md")));
        assert!(!paths.iter().any(|p| p.starts_with("spec.values")));
    }

    #[test]
    fn literal_blocks_map_each_line_deeper_and_crlf() {
        for eol in ["\n", "\r\n"] {
            let text = "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nspec:\n  templates:\n  - resource:\n      manifest: |+\n            kind: Pod\n            apiVersion: v1\n\n            spec:\n              containers:\n              - image: nginx\n\n"
                .replace('\n', eol);
            let out = rewrite(text.as_bytes(), &config(true)).unwrap();
            assert_eq!(
                out.text,
                text.replace(
                    "image: nginx",
                    &format!("image: {}/docker-hub/library/nginx", REGISTRY)
                ),
            );
            assert_eq!(out.images[0].line, 12);
            assert_eq!(out.images[0].column, 24);
        }
    }
}
