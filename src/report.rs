//! What a run did, as data for people and programs: the JSON report
//! (`--report`), the `--check` lines, and the distinct images
//! (`pullthrough images`). Knows nothing of how they are printed.

use serde::Serialize;

use crate::rules::Keep;
use crate::{FieldPath, Image, Status};

/// One image field in the JSON report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry<'a> {
    /// 1-based document number in its stream.
    pub document: usize,
    /// The file the document came from; absent for stdin.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<&'a str>,
    pub kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    pub path: &'a FieldPath,
    pub line: usize,
    pub column: usize,
    /// The image as written; null when the field is not a scalar.
    pub original: Option<&'a str>,
    /// The image a rename rule made of it; absent when none did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renamed: Option<&'a str>,
    /// The new image; null when it was left as written.
    pub result: Option<&'a str>,
    /// `rewritten`, `renamed` (renamed, not cached: `reason` says why), or
    /// why not: `opted-out`, `excluded`, `digest-kept`, `no-rule`,
    /// `already-cached`, `empty`, `whitespace`, `image-id`, `invalid`,
    /// `not-storable`, `too-long`, `not-a-string`, `alias`, `anchored`,
    /// `unsupported-style`.
    pub status: &'static str,
    /// A human explanation when the image was left as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl<'a> Entry<'a> {
    pub fn new(image: &'a Image, file: Option<&'a str>) -> Entry<'a> {
        Entry {
            document: image.document,
            file,
            kind: &image.object.kind,
            namespace: image.object.namespace.as_deref(),
            name: image.object.name.as_deref(),
            path: &image.path,
            line: image.line,
            column: image.column,
            original: image.original.as_deref(),
            renamed: image.renamed.as_deref(),
            result: image.result.as_deref(),
            status: status_name(&image.status),
            reason: reason(&image.status),
        }
    }
}

/// The short, stable name of a status.
pub fn status_name(status: &Status) -> &'static str {
    match status {
        Status::Rewritten => "rewritten",
        Status::OptedOut => "opted-out",
        Status::Renamed(_) => "renamed",
        Status::Excluded(_) => "excluded",
        Status::DigestKept => "digest-kept",
        Status::Kept(keep) => match keep {
            Keep::NoRule { .. } => "no-rule",
            Keep::AlreadyCached => "already-cached",
            Keep::Empty => "empty",
            Keep::Whitespace => "whitespace",
            Keep::ImageId => "image-id",
            Keep::Invalid(_) => "invalid",
            Keep::NotStorable { .. } => "not-storable",
            Keep::TooLong { .. } => "too-long",
        },
        Status::NotAString => "not-a-string",
        Status::Alias => "alias",
        Status::Anchored => "anchored",
        Status::Unsupported(_) => "unsupported-style",
    }
}

fn reason(status: &Status) -> Option<String> {
    (*status != Status::Rewritten).then(|| status.to_string())
}

/// The distinct rewritten images, sorted: `(upstream image, cache image)`.
pub fn distinct<'a>(images: impl IntoIterator<Item = &'a Image>) -> Vec<(&'a str, &'a str)> {
    let mut pairs: Vec<_> = images
        .into_iter()
        .filter_map(|i| Some((i.original.as_deref()?, i.result.as_deref()?)))
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// The rename rules that match no image of a run (as written; opted-out and
/// excluded images count, as the rule matches them all the same): a typo in
/// FROM is the likely cause.
pub fn unused_renames<'a>(
    renames: &'a crate::rename::Renames,
    images: impl IntoIterator<Item = &'a Image>,
) -> Vec<&'a crate::rename::Rename> {
    let mut used = vec![false; renames.rules().len()];
    for image in images {
        let Some(original) = image.original.as_deref() else {
            continue;
        };
        if let Some((rule, _)) = renames.rename(original) {
            let at = renames.rules().iter().position(|r| std::ptr::eq(r, rule));
            used[at.expect("a rule of these renames")] = true;
        }
    }
    renames
        .rules()
        .iter()
        .zip(used)
        .filter_map(|(rule, used)| (!used).then_some(rule))
        .collect()
}

/// The name of an image as written: the reference less its `:tag` and
/// `@digest`, which kustomize's images transformer matches on.
pub fn name_as_written(image: &str) -> Option<&str> {
    let r = crate::reference::parse(image).ok()?;
    let suffix = r.tag.map_or(0, |t| t.len() + 1) + r.digest.map_or(0, |d| d.len() + 1);
    image.get(..image.len() - suffix)
}

/// One entry of a kustomization's `images:` list (kustomize's, and Flux's
/// `spec.images` and `postRenderers[].kustomize.images`): every image
/// named `name` gets `new_name`, its tag and digest kept as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KustomizeImage<'a> {
    pub name: &'a str,
    pub new_name: &'a str,
}

/// The kustomize `images:` entries that rewrite the names the manifests use
/// as the tool rewrites them, one per name form (`nginx`,
/// `docker.io/library/nginx`, …), sorted; and the names kustomize cannot
/// rewrite exactly, because the same name is also left as written
/// somewhere (opted out, excluded): its transformer matches by name alone.
pub fn kustomize_images<'a>(
    images: impl IntoIterator<Item = &'a Image> + Clone,
) -> (Vec<KustomizeImage<'a>>, Vec<&'a str>) {
    let mut entries: Vec<KustomizeImage> = images
        .clone()
        .into_iter()
        .filter_map(|i| {
            let name = name_as_written(i.original.as_deref()?)?;
            let new_name = name_as_written(i.result.as_deref()?)?;
            Some(KustomizeImage { name, new_name })
        })
        .collect();
    entries.sort_unstable_by_key(|e| (e.name, e.new_name));
    entries.dedup();
    let mut ambiguous: Vec<&str> = images
        .into_iter()
        .filter(|i| i.result.is_none())
        .filter_map(|i| name_as_written(i.original.as_deref()?))
        .filter(|name| entries.iter().any(|e| e.name == *name))
        .collect();
    ambiguous.sort_unstable();
    ambiguous.dedup();
    (entries, ambiguous)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_as_kustomize_matches_them() {
        assert_eq!(name_as_written("nginx"), Some("nginx"));
        assert_eq!(name_as_written("nginx:1.27"), Some("nginx"));
        assert_eq!(
            name_as_written(&format!(
                "docker.io/library/nginx:1@sha256:{}",
                "a".repeat(64)
            )),
            Some("docker.io/library/nginx")
        );
        assert_eq!(
            name_as_written("localhost:5000/app:v1"),
            Some("localhost:5000/app")
        );
        assert_eq!(name_as_written("Not An Image"), None);
        assert!(crate::reference::is_digest_pinned(&format!(
            "redis@sha256:{}",
            "b".repeat(64)
        )));
        assert!(!crate::reference::is_digest_pinned("redis:7"));
    }
}
