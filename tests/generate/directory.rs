//! Argo CD's own tests of its directory source, one test per case, named
//! after it: the subtests of `Test_findManifests`,
//! `Test_findManifests_disableExtensionFilter` (its default case),
//! `TestFindResources`, `TestFindManifests_Exclude`,
//! `TestFindManifests_Exclude_NothingMatches`, `TestGenerateNullList` and
//! `TestGenerateFromUTF16` (reposerver/repository/repository_test.go in
//! argoproj/argo-cd), each on a repository of our own in
//! testdata/generate/directory that reproduces the case of Argo CD's
//! testdata (the links that cannot be followed are made by the test, as
//! Argo CD's test makes its circular ones). Each runs the plugin's generate command as argocd-cmp-server
//! does (`super::cmp_command`) and reads stdout as the repo-server reads a
//! plugin's output (`kube.SplitYAML`); the `TestGenerate*` cases then expand
//! lists as `GenerateManifests` does. Where Argo CD errs, generate fails
//! with nothing on stdout; where Argo CD finds no objects, generate exits 0
//! with none.
//!
//! Left out: the three size-limit cases (`reposerver.max.combined.directory.
//! manifests.size` is a repo-server setting the plugin has no equivalent of,
//! docs/argocd.md) and `disableExtensionFilter: true` (no such parameter).

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};

use pullthrough::yaml;
use serde_json::{Value, json};

use super::{App, Generated, Sidecar, cached, generate_with};

/// Generate on the app at `path` of the repository `repo`, with these
/// `directory-*` parameters (Argo CD's `ApplicationSourceDirectory`).
fn case(repo: &'static str, path: &'static str, parameters: &[(&str, &str)]) -> Generated {
    case_with(repo, path, parameters, |_| {})
}

fn case_with(
    repo: &'static str,
    path: &'static str,
    parameters: &[(&str, &str)],
    prepare: impl FnOnce(&std::path::Path),
) -> Generated {
    let parameters: Vec<Value> = parameters
        .iter()
        .map(|(name, value)| json!({"name": name, "string": value}))
        .collect();
    let app = App {
        repo: Some(repo),
        parameters: Value::Array(parameters),
        ..App::new(path)
    };
    generate_with(&Sidecar::new(true), &app, prepare)
}

/// `Recurse: false`, as `noRecurse` in `Test_findManifests` and an
/// Application without `directory`.
const NO_RECURSE: (&str, &str) = ("directory-recurse", "false");
const RECURSE: (&str, &str) = ("directory-recurse", "true");

/// What `findManifests` returns, read from stdout as `kube.SplitYAML`
/// reads a plugin's output: each document with content, as JSON, each an
/// object with a `kind`.
fn objects(out: &Generated) -> Vec<Value> {
    assert_eq!(out.code, 0, "generate failed: {}", out.stderr);
    let objects: Vec<Value> = yaml::parse(&out.stdout)
        .expect("stdout parses")
        .iter()
        .map(yaml::to_json)
        .filter(|v| !v.is_null())
        .collect();
    for o in &objects {
        assert!(o["kind"].is_string(), "not an object: {o}");
    }
    objects
}

/// What `GenerateManifests` makes of them: a list (`items` an array) is
/// its items; a null list (`items: null`, no `spec`, no `status`:
/// `isNullList`) is nothing.
fn manifests(objects: Vec<Value>) -> Vec<Value> {
    let null_list = |o: &Value| {
        o.get("items").is_some_and(Value::is_null)
            && o.get("spec").is_none()
            && o.get("status").is_none()
    };
    objects
        .into_iter()
        .flat_map(|o| match &o["items"] {
            Value::Array(items) => items.clone(),
            _ if null_list(&o) => Vec::new(),
            _ => vec![o],
        })
        .collect()
}

fn names(objects: &[Value]) -> Vec<String> {
    objects
        .iter()
        .map(|o| {
            o["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

/// Argo CD finds no objects: exit 0, nothing on stdout.
#[track_caller]
fn none(out: &Generated) {
    assert_eq!(
        out.code, 0,
        "an app with no objects is no error: {}",
        out.stderr
    );
    assert_eq!(out.stdout, "", "no objects, so nothing on stdout");
    assert!(objects(out).is_empty());
}

// Test_findManifests

/// `Test_findManifests/unreadable file throws error`: the app directory
/// cannot be listed (mode 0111; as root it can, and then its empty JSON
/// file fails to unmarshal, which Argo CD's walk would reach too).
#[test]
fn find_manifests_unreadable_file_throws_error() {
    let out = case_with("unreadable", ".", &[NO_RECURSE], |repo| {
        fs::set_permissions(repo, fs::Permissions::from_mode(0o111)).unwrap();
    });
    out.fails(1, "pullthrough: error: ");
    assert!(
        out.stderr.contains("Permission denied")
            || out.stderr.contains("unreadable.json: Failed to unmarshal"),
        "{}",
        out.stderr
    );
}

/// `Test_findManifests/no recursion when recursion is disabled`: the two
/// objects of the app's own file (a null list is an object here).
#[test]
fn find_manifests_no_recursion_when_recursion_is_disabled() {
    let objects = objects(&case("recurse", ".", &[NO_RECURSE]));
    assert_eq!(names(&objects), ["", "top"]);
    assert_eq!(objects[0]["kind"], "ServiceAccountList");
}

/// `Test_findManifests/recursion when recursion is enabled`: four.
#[test]
fn find_manifests_recursion_when_recursion_is_enabled() {
    let objects = objects(&case("recurse", ".", &[RECURSE]));
    assert_eq!(names(&objects), ["inner", "inner", "", "top"]);
}

/// `Test_findManifests/non-JSON/YAML is skipped`: a file without a manifest
/// extension is never read, whatever it holds.
#[test]
fn find_manifests_non_json_yaml_is_skipped() {
    none(&case("non-manifest-file", ".", &[NO_RECURSE]));
}

/// `Test_findManifests/circular link should throw an error`.
#[test]
fn find_manifests_circular_link_should_throw_an_error() {
    case_with("circular-link", ".", &[NO_RECURSE], |repo| {
        symlink("b.json", repo.join("a.json")).unwrap();
        symlink("a.json", repo.join("b.json")).unwrap();
    })
    .fails(1, "a.json: cannot follow the symlink: ");
}

/// `Test_findManifests/out-of-bounds symlink should throw an error`: the
/// link's destination exists and is an object, beside the repository.
#[test]
fn find_manifests_out_of_bounds_symlink_should_throw_an_error() {
    let out = case_with("out-of-bounds-link", ".", &[NO_RECURSE], |repo| {
        symlink("../outside.json", repo.join("escape.json")).unwrap();
    });
    out.fails(1, "escape.json: leads out of the repository");
    assert!(!out.stderr.contains("outside-the-repository"));
}

/// `Test_findManifests/symlink to a regular file works`: the app is a
/// directory of the repository; its link leads to a file of the repository.
#[test]
fn find_manifests_symlink_to_a_regular_file_works() {
    let objects = objects(&case("in-bounds-link", "app", &[NO_RECURSE]));
    assert_eq!(names(&objects), ["shared"]);
}

/// `Test_findManifests/symlink to nowhere should be ignored`.
#[test]
fn find_manifests_symlink_to_nowhere_should_be_ignored() {
    let out = case_with("link-to-nowhere", ".", &[NO_RECURSE], |repo| {
        symlink("gone.json", repo.join("dangling.json")).unwrap();
    });
    none(&out);
    assert!(
        out.stderr
            .contains("pullthrough: skipped dangling.json: a symlink whose destination is missing"),
        "{}",
        out.stderr
    );
}

/// `Test_findManifests/partially valid YAML file throws an error`.
#[test]
fn find_manifests_partially_valid_yaml_file_throws_an_error() {
    case("partially-valid-yaml", ".", &[NO_RECURSE])
        .fails(1, "partial.yaml: document 2: Object 'Kind' is missing");
}

/// `Test_findManifests/invalid manifest throws an error`: a Helm template
/// in a plain directory looks like a manifest and is not YAML.
#[test]
fn find_manifests_invalid_manifest_throws_an_error() {
    case("invalid-manifests", ".", &[NO_RECURSE]).fails(
        1,
        "template.yaml: document 1, line 6, column 5: invalid YAML",
    );
}

/// `Test_findManifests/invalid manifest containing '+argocd:skip-file-rendering' doesn't throw an error`.
#[test]
fn find_manifests_invalid_manifest_containing_skip_file_rendering_doesnt_throw_an_error() {
    let out = case("invalid-manifests-skipped", ".", &[NO_RECURSE]);
    none(&out);
    assert!(
        out.stderr
            .contains("pullthrough: skipped template.yaml: it holds +argocd:skip-file-rendering"),
        "{}",
        out.stderr
    );
}

/// `Test_findManifests/irrelevant YAML gets skipped, relevant YAML gets parsed`.
#[test]
fn find_manifests_irrelevant_yaml_gets_skipped_relevant_yaml_gets_parsed() {
    let out = case("irrelevant-yaml", ".", &[NO_RECURSE]);
    assert_eq!(names(&objects(&out)), ["relevant"]);
    assert!(
        out.stderr
            .contains("pullthrough: skipped lint-config.yaml: not a Kubernetes object")
    );
}

/// `Test_findManifests/multiple JSON objects in one file throws an error`.
#[test]
fn find_manifests_multiple_json_objects_in_one_file_throws_an_error() {
    case("json-list", ".", &[NO_RECURSE]).fails(1, "secrets.json: Found multiple objects");
}

/// `Test_findManifests/invalid JSON throws an error`.
#[test]
fn find_manifests_invalid_json_throws_an_error() {
    case("invalid-json", ".", &[NO_RECURSE]).fails(1, "truncated.json: Failed to unmarshal");
}

/// `Test_findManifests/valid JSON returns manifest and no error`.
#[test]
fn find_manifests_valid_json_returns_manifest_and_no_error() {
    assert_eq!(
        names(&objects(&case("valid-json", ".", &[NO_RECURSE]))),
        ["valid"]
    );
}

/// `Test_findManifests/YAML with an empty document doesn't throw an error`.
#[test]
fn find_manifests_yaml_with_an_empty_document_doesnt_throw_an_error() {
    let out = case("yaml-with-empty-document", ".", &[NO_RECURSE]);
    assert_eq!(names(&objects(&out)), ["before-empty"]);
}

/// `Test_findManifests_disableExtensionFilter/custom extension is ignored
/// when the extension filter is on (default)`: an include that names the
/// extension does not make the file a manifest.
#[test]
fn find_manifests_disable_extension_filter_custom_extension_is_ignored_by_default() {
    none(&case(
        "custom-extension",
        ".",
        &[NO_RECURSE, ("directory-include", "{*.yaml.sealed,*.yaml}")],
    ));
}

// TestFindResources: `Recurse: true` and an include or an exclude.

fn find_resources(include: &str, exclude: &str) -> Generated {
    let mut parameters = vec![RECURSE];
    if !include.is_empty() {
        parameters.push(("directory-include", include));
    }
    if !exclude.is_empty() {
        parameters.push(("directory-exclude", exclude));
    }
    case("include-exclude", ".", &parameters)
}

fn sorted_names(out: &Generated) -> Vec<String> {
    let mut names = names(&objects(out));
    names.sort();
    names
}

/// `TestFindResources/Include One Match`.
#[test]
fn find_resources_include_one_match() {
    let out = find_resources("subdir/worker.yaml", "");
    assert_eq!(sorted_names(&out), ["worker"]);
    // And rewritten, as every app of the plugin.
    assert!(
        out.stdout
            .contains(&format!("image: {}\n", cached("library/python:3.12-slim")))
    );
}

/// `TestFindResources/Include Everything`: `*` crosses `/`.
#[test]
fn find_resources_include_everything() {
    assert_eq!(
        sorted_names(&find_resources("*.yaml", "")),
        ["web", "worker"]
    );
}

/// `TestFindResources/Include Subdirectory`: `**/` needs a `/`.
#[test]
fn find_resources_include_subdirectory() {
    assert_eq!(sorted_names(&find_resources("**/*.yaml", "")), ["worker"]);
}

/// `TestFindResources/Include No Matches`: an app with no objects.
#[test]
fn find_resources_include_no_matches() {
    none(&find_resources("nothing.yaml", ""));
}

/// `TestFindResources/Exclude - One Match`.
#[test]
fn find_resources_exclude_one_match() {
    assert_eq!(
        sorted_names(&find_resources("", "subdir/worker.yaml")),
        ["web"]
    );
}

/// `TestFindResources/Exclude - Everything`: an app with no objects.
#[test]
fn find_resources_exclude_everything() {
    none(&find_resources("", "*.yaml"));
}

/// `TestFindManifests_Exclude`.
#[test]
fn find_manifests_exclude() {
    let objects = objects(&find_resources("", "subdir/worker.yaml"));
    assert_eq!(names(&objects), ["web"]);
}

/// `TestFindManifests_Exclude_NothingMatches`.
#[test]
fn find_manifests_exclude_nothing_matches() {
    assert_eq!(
        sorted_names(&find_resources("", "nothing.yaml")),
        ["web", "worker"]
    );
}

// TestGenerateNullList: an Application with only a path, so `Recurse:
// false`; the manifests after GenerateManifests' list handling.

/// `TestGenerateNullList/null list`: one manifest.
#[test]
fn generate_null_list_null_list() {
    let manifests = manifests(objects(&case("null-list", ".", &[NO_RECURSE])));
    assert_eq!(names(&manifests), ["after-a-null-list"]);
}

/// `TestGenerateNullList/empty list`: one manifest.
#[test]
fn generate_null_list_empty_list() {
    let manifests = manifests(objects(&case("empty-list", ".", &[NO_RECURSE])));
    assert_eq!(names(&manifests), ["after-an-empty-list"]);
}

/// `TestGenerateNullList/weird list`: null items beside a spec: two.
#[test]
fn generate_null_list_weird_list() {
    let manifests = manifests(objects(&case("weird-list", ".", &[NO_RECURSE])));
    assert_eq!(names(&manifests), ["not-a-list", "after-a-widget"]);
}

/// `TestGenerateFromUTF16`: a UTF-16LE file with CRLF lines, two manifests.
/// The output is the file transcoded to UTF-8 (no byte order mark), its
/// image rewritten and nothing else changed.
#[test]
fn generate_from_utf16() {
    let out = case("utf-16", ".", &[NO_RECURSE]);
    let manifests = manifests(objects(&out));
    assert_eq!(names(&manifests), ["windows", "saved-on-windows"]);
    assert_eq!(manifests[0]["metadata"]["annotations"]["note"], "æøå ✓");
    let text = windows_text();
    assert!(text.contains("\r\n"));
    assert_eq!(
        out.stdout,
        text.replace(
            "\"nginx:1.27\"",
            &format!("\"{}\"", cached("library/nginx:1.27"))
        )
    );
    assert!(
        out.stderr.contains(
            "pullthrough: read windows.yaml as UTF-16LE (byte order mark), as Argo CD does; passed on as UTF-8"
        ),
        "{}",
        out.stderr
    );
}

/// The fixture's text, from UTF-16LE.
fn windows_text() -> String {
    let file =
        fs::read(super::root().join("testdata/generate/directory/utf-16/windows.yaml")).unwrap();
    let units: Vec<u16> = file[2..]
        .chunks_exact(2)
        .map(|p| u16::from_le_bytes([p[0], p[1]]))
        .collect();
    String::from_utf16(&units).unwrap()
}

/// Beyond Argo CD's case: the same file in UTF-16BE reads the same.
#[test]
fn generate_from_utf16_big_endian() {
    let out = case_with("utf-16", ".", &[NO_RECURSE], |repo| {
        let mut bytes = vec![0xFE, 0xFF];
        bytes.extend(windows_text().encode_utf16().flat_map(u16::to_be_bytes));
        fs::write(repo.join("windows.yaml"), bytes).unwrap();
    });
    assert_eq!(
        out.stdout,
        windows_text().replace(
            "\"nginx:1.27\"",
            &format!("\"{}\"", cached("library/nginx:1.27"))
        )
    );
    assert!(
        out.stderr.contains("read windows.yaml as UTF-16BE"),
        "{}",
        out.stderr
    );
}

/// Invalid UTF-16 is an error with its position, as invalid UTF-8 is.
#[test]
fn generate_from_invalid_utf16_names_the_position() {
    let out = case_with("utf-16", ".", &[NO_RECURSE], |repo| {
        let path = repo.join("windows.yaml");
        let mut bytes = fs::read(&path).unwrap();
        // A lone low surrogate in place of the `k` of line 2, `kind:`.
        let at = 2 + 2 * windows_text().find("\r\nkind").unwrap() + 4;
        bytes[at..at + 2].copy_from_slice(&0xDC00u16.to_le_bytes());
        fs::write(path, bytes).unwrap();
    });
    out.fails(
        1,
        "pullthrough: error: windows.yaml: document 1, line 2, column 1: input is not valid UTF-16LE: an unpaired surrogate 0xDC00",
    );
}
