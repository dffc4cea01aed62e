//! Which files of a plain directory are manifests, by Argo CD's rule
//! (`getObjsFromYAMLOrJSON` and `getPotentiallyValidManifestFile` in
//! [repository.go](https://github.com/argoproj/argo-cd/blob/master/reposerver/repository/repository.go)),
//! so that a directory renders under the plugin what Argo CD's directory
//! source renders, and fails where it fails.
//!
//! - A file holding `+argocd:skip-file-rendering` is skipped.
//! - `*.yaml`, `*.yml`: every document that is not empty or null must be a
//!   mapping with a `kind` (Argo CD decodes each into an
//!   `unstructured.Unstructured`, which requires one; `apiVersion` it does
//!   not check). If the first document with content is not an object, the
//!   file is some other YAML (a Helm `values.yaml` kept beside the
//!   manifests, a tool's configuration) and is skipped, unless it holds
//!   `apiVersion:`, `kind:` and `metadata:` all three: then it is taken for
//!   a broken manifest and fails. A later document that is not an object,
//!   or invalid YAML after an object, fails: part of the file is a
//!   manifest, so it is a mistake.
//! - `*.json`: exactly one JSON value, an object with a `kind`; anything
//!   else fails (`Failed to unmarshal`, `Found multiple objects`).
//! - `*.jsonnet`: Argo CD evaluates it; the plugin does not, and fails
//!   rather than leave its objects out of the app.
//!
//! A manifest file is passed on as it is, byte for byte: this only decides
//! whether it is one.

use crate::yaml::{self, Document};

/// What to do with one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Verdict {
    Manifest,
    /// Not a manifest; the reason, for stderr.
    Skip(String),
    /// Argo CD fails on this file; the message.
    Fail(String),
}

/// Argo CD's marker for a file its directory source must not read.
pub(super) const SKIP_MARKER: &str = "+argocd:skip-file-rendering";

/// The hint every failure ends with.
const EXCLUDE: &str = "Argo CD's directory source fails on this file too (fix it, or leave it out with the plugin parameter directory-exclude)";

/// The verdict on a file named `name` holding `bytes`.
pub(super) fn classify(name: &str, bytes: &[u8]) -> Verdict {
    if contains(bytes, SKIP_MARKER) {
        return Verdict::Skip(format!("it holds {SKIP_MARKER}"));
    }
    if name.ends_with(".jsonnet") {
        return Verdict::Fail(
            "Jsonnet is not evaluated by the plugin (Argo CD's directory source evaluates it); \
             leave it out with the plugin parameter directory-exclude"
                .to_string(),
        );
    }
    // Argo CD reads files with utfutil: a UTF-8 byte order mark is dropped
    // (a UTF-16 file is UTF-8 by now: `plain` transcodes it first).
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Verdict::Fail("not valid UTF-8".to_string());
    };
    if name.ends_with(".json") {
        json(text)
    } else {
        yaml(text)
    }
}

fn contains(bytes: &[u8], needle: &str) -> bool {
    bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn yaml(text: &str) -> Verdict {
    let mut objects = 0;
    let mut bad: Option<String> = None;
    let parsed = yaml::for_each_document(text, |i, doc| {
        if bad.is_some() || !doc.has_content() {
            return;
        }
        match not_an_object(&doc) {
            None => objects += 1,
            Some(why) => bad = Some(format!("document {}: {why}", i + 1)),
        }
    });
    let problem = match (bad, parsed) {
        (Some(why), _) => why,
        (None, Err(e)) => e.to_string(),
        (None, Ok(())) => return Verdict::Manifest,
    };
    let looks_like_one = ["apiVersion:", "kind:", "metadata:"]
        .iter()
        .all(|k| text.contains(k));
    if objects > 0 || looks_like_one {
        Verdict::Fail(format!("{problem}; {EXCLUDE}"))
    } else {
        Verdict::Skip(format!(
            "not a Kubernetes object ({problem}); Argo CD skips it too"
        ))
    }
}

/// Why the document is not what `unstructured.Unstructured` decodes.
fn not_an_object(doc: &Document) -> Option<&'static str> {
    let root = doc.root?;
    if !doc.is_mapping(root) {
        return Some("not a mapping, so not an object");
    }
    let kind = doc.get(root, "kind").find_map(|v| doc.scalar(v));
    match kind {
        Some(k) if k.is_string() && !k.value.is_empty() => None,
        _ => Some("Object 'Kind' is missing"),
    }
}

fn json(text: &str) -> Verdict {
    let mut values = serde_json::Deserializer::from_str(text).into_iter::<serde_json::Value>();
    let fail = |why: String| Verdict::Fail(format!("{why}; {EXCLUDE}"));
    let value = match values.next() {
        None => return fail("Failed to unmarshal: no JSON value (EOF)".to_string()),
        Some(Err(e)) => return fail(format!("Failed to unmarshal: {e}")),
        Some(Ok(v)) => v,
    };
    if values.next().is_some() {
        return fail(
            "Found multiple objects: only single objects are allowed in JSON files".into(),
        );
    }
    match value.get("kind").and_then(|k| k.as_str()) {
        Some(k) if !k.is_empty() => Verdict::Manifest,
        _ => fail("Failed to unmarshal: Object 'Kind' is missing".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(name: &str, text: &str) -> &'static str {
        match classify(name, text.as_bytes()) {
            Verdict::Manifest => "manifest",
            Verdict::Skip(_) => "skip",
            Verdict::Fail(_) => "fail",
        }
    }

    #[test]
    fn yaml_as_argo_cd_reads_it() {
        let cases = [
            (
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
                "manifest",
            ),
            ("kind: ConfigMap\n", "manifest"),
            (
                "---\n# only comments\n---\nnull\n---\nkind: A\n",
                "manifest",
            ),
            ("", "manifest"),
            ("kind: List\nitems: []\n", "manifest"),
            // Helm values, a tool's configuration, a list.
            ("replicas: 3\n", "skip"),
            ("some: [irrelevant, yaml]\n", "skip"),
            ("- a\n- b\n", "skip"),
            ("kind: 5\n", "skip"),
            ("kind: ''\n", "skip"),
            ("just text\n", "skip"),
            ("a: [\n", "skip"),
            ("replicas: 3\n---\nkind: A\n", "skip"),
            // Partly a manifest: a mistake.
            ("kind: A\n---\nreplicas: 3\n", "fail"),
            ("kind: A\n---\na: [\n", "fail"),
            // Looks like one and is broken.
            ("apiVersion: v1\nkind: Pod\nmetadata: {name: bad\n", "fail"),
            ("apiVersion: v1\nmetadata: {}\nspec: {kind: x}\n", "fail"),
            // Argo CD's own escape hatch.
            ("# +argocd:skip-file-rendering\nkind: {{ .x }}\n", "skip"),
        ];
        for (text, want) in cases {
            assert_eq!(verdict("f.yaml", text), want, "{text:?}");
        }
        let Verdict::Skip(why) = classify("values.yaml", b"replicas: 3\n") else {
            panic!()
        };
        assert_eq!(
            why,
            "not a Kubernetes object (document 1: Object 'Kind' is missing); Argo CD skips it too"
        );
    }

    #[test]
    fn json_is_one_object() {
        let cases = [
            (r#"{"apiVersion": "v1", "kind": "Pod"}"#, "manifest"),
            ("\u{feff}{\"kind\": \"Pod\"}\n", "manifest"),
            (r#"{"host": "127.0.0.1", "port": 3306}"#, "fail"),
            (r#"[{"kind": "Pod"}]"#, "fail"),
            (r#"{"kind": "A"} {"kind": "B"}"#, "fail"),
            ("{", "fail"),
            ("", "fail"),
            ("null", "fail"),
        ];
        for (text, want) in cases {
            assert_eq!(verdict("f.json", text), want, "{text:?}");
        }
        assert_eq!(verdict("guestbook.jsonnet", "{}"), "fail");
        assert_eq!(verdict("f.yaml", "\u{0}\u{ff}"), "skip");
        assert_eq!(
            classify("f.yaml", b"\xff"),
            Verdict::Fail("not valid UTF-8".into())
        );
    }
}
