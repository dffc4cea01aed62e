//! Images an operator reads from its own configuration and then runs, in the
//! containers the locator already visits: image environment variables and
//! image flags (CloudNativePG's `OPERATOR_IMAGE_NAME`, OLM's
//! `RELATED_IMAGE_*`, cert-manager's `--acme-http01-solver-image=…`, Argo
//! Workflows' `--executor-image …`). Rewriting them where they are written,
//! before sync, is what stops an operator and a webhook fighting over its
//! pods (cloudnative-pg#3231, #6564, #10418).
//!
//! A value counts only when it reads as an image someone pulls: it parses as
//! a reference *with a tag or a digest*, and is not a bare registry host
//! (`registry.example.com:5000` parses as the name `registry.example.com`
//! with tag `5000`). So `IMAGE_PULL_POLICY: IfNotPresent`, `IMAGE_REGISTRY:
//! docker.io` and `--image-pull-secret=…` stay as written.

use crate::path::FieldPath;
use crate::reference;
use crate::yaml::{Document, NodeId};

/// Operator flags that name an image but whose names do not end in `image`.
/// <https://prometheus-operator.dev/docs/platform/operator/> (`--prometheus-config-reloader`)
const IMAGE_FLAGS: &[&str] = &["prometheus-config-reloader"];

/// Words in a variable's or flag's name that say its image is not one the
/// operator pulls here: a registry (`IMAGE_REGISTRY: myregistry:5000` reads
/// as the image `myregistry`, tag `5000`), or a build's push destination or
/// cache (`PUSH_IMAGE`, `TARGET_IMAGE`, `--cache-image=…`). A miss is better
/// than a false rewrite: the push would go to the cache.
const NOT_PULLED: &[&str] = &[
    "registry",
    "push",
    "pull",
    "target",
    "destination",
    "dest",
    "output",
    "cache",
];

/// The Operator Lifecycle Manager's prefix: every `RELATED_IMAGE_<NAME>`
/// variable holds an image the operator pulls, whatever `<NAME>` says
/// (`RELATED_IMAGE_CACHE: redis:7.4.1-alpine`, `RELATED_IMAGE_REGISTRY_UI`):
/// operator-sdk's `generate bundle --use-image-digests` lists each one in
/// the ClusterServiceVersion's `spec.relatedImages`, the images a
/// disconnected cluster must mirror.
const RELATED_IMAGE: &str = "RELATED_IMAGE_";

/// The variable is one of OLM's related images: `RELATED_IMAGE_` (any
/// case) and a name after it.
fn is_related_image(name: &str) -> bool {
    name.len() > RELATED_IMAGE.len()
        && name
            .get(..RELATED_IMAGE.len())
            .is_some_and(|prefix| prefix.eq_ignore_ascii_case(RELATED_IMAGE))
}

/// `name`, cut into words at `separator`, has a word of [`NOT_PULLED`].
fn names_no_pull(name: &str, separator: char) -> bool {
    name.split(separator)
        .any(|word| NOT_PULLED.iter().any(|n| word.eq_ignore_ascii_case(n)))
}

/// An image value inside a container's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The scalar holding the value.
    pub node: NodeId,
    pub path: FieldPath,
    /// Where the image starts in the scalar's value: after `--flag=`, or 0.
    pub within: usize,
}

/// The image env vars and flags of the container at `container`.
pub fn images(doc: &Document, container: NodeId, path: &FieldPath) -> Vec<Found> {
    let mut found = Vec::new();
    for list in doc.get(container, "env") {
        for (i, &entry) in doc.items(list).iter().enumerate() {
            let Some(name) = doc.get_str(entry, "name") else {
                continue;
            };
            let is_image = name
                .split('_')
                .any(|word| word.eq_ignore_ascii_case("image"));
            // The skip words never apply under OLM's prefix: its images
            // are pulled, whatever their names.
            if !is_image || (!is_related_image(name) && names_no_pull(name, '_')) {
                continue;
            }
            for value in doc.get(entry, "value") {
                if doc.scalar(value).is_some_and(|s| is_pulled_image(&s.value)) {
                    let at = path.key("env").index(i).key("value");
                    found.push(Found {
                        node: value,
                        path: at,
                        within: 0,
                    });
                }
            }
        }
    }
    for key in ["command", "args"] {
        for list in doc.get(container, key) {
            let items = doc.items(list);
            for (i, &item) in items.iter().enumerate() {
                let Some(word) = doc.str(item) else { continue };
                let Some((flag, inline)) = image_flag(word) else {
                    continue;
                };
                let (node, index, within, value) = match inline {
                    // `--solver-image=VALUE`: only the value's bytes change.
                    Some(value) => (item, i, flag.len() + 1, value),
                    // `--executor-image VALUE`: the next element.
                    None => match items.get(i + 1).and_then(|&n| Some((n, doc.str(n)?))) {
                        Some((next, value)) => (next, i + 1, 0, value),
                        None => continue,
                    },
                };
                if is_pulled_image(value) {
                    found.push(Found {
                        node,
                        path: path.key(key).index(index),
                        within,
                    });
                }
            }
        }
    }
    found
}

/// `word` is an image flag: `-x-image`, `--x-image`, `--x-image=VALUE` (any
/// case), or a flag of [`IMAGE_FLAGS`]. The flag as written (dashes
/// included) and the inline value.
fn image_flag(word: &str) -> Option<(&str, Option<&str>)> {
    let name_start = word.len() - word.trim_start_matches('-').len();
    if !(1..=2).contains(&name_start) {
        return None;
    }
    let (flag, value) = match word.split_once('=') {
        Some((flag, value)) => (flag, Some(value)),
        None => (word, None),
    };
    let name = &flag[name_start..];
    let is_image = name.to_ascii_lowercase().ends_with("image") || IMAGE_FLAGS.contains(&name);
    (is_image && !names_no_pull(name, '-')).then_some((flag, value))
}

/// The value reads as an image someone pulls: a reference with a tag or a
/// digest, whose name is not a bare registry host.
fn is_pulled_image(value: &str) -> bool {
    let Ok(r) = reference::parse(value) else {
        return false;
    };
    if r.tag.is_none() && r.digest.is_none() {
        return false;
    }
    let name = value.split(['@']).next().unwrap_or(value);
    let name = match r.tag {
        Some(tag) => name.strip_suffix(&format!(":{tag}")).unwrap_or(name),
        None => name,
    };
    let bare_host = !name.contains('/') && (name.contains('.') || name == "localhost");
    !bare_host
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags() {
        assert_eq!(
            image_flag("--acme-http01-solver-image=a:1"),
            Some(("--acme-http01-solver-image", Some("a:1")))
        );
        assert_eq!(
            image_flag("--executor-image"),
            Some(("--executor-image", None))
        );
        assert_eq!(image_flag("-Image"), Some(("-Image", None)));
        assert_eq!(
            image_flag("--prometheus-config-reloader=quay.io/x:1"),
            Some(("--prometheus-config-reloader", Some("quay.io/x:1")))
        );
        for no in [
            "--push-image=example/app:1",
            "--Target-Image",
            "--build-cache-image=example/cache:1",
            "--image-pull-secret=x",
            "image",
            "---image",
            "--imagePullPolicy",
            "-",
        ] {
            assert_eq!(image_flag(no), None, "{no}");
        }
    }

    #[test]
    fn values_that_are_pulled() {
        for yes in [
            "nginx:1.27",
            "ghcr.io/cloudnative-pg/postgresql:17",
            "busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "localhost:5000/app:1",
        ] {
            assert!(is_pulled_image(yes), "{yes}");
        }
        for no in [
            "IfNotPresent",
            "docker.io",
            "registry.example.com:5000",
            "nginx",
            "localhost:5000",
            "a b",
            "",
        ] {
            assert!(!is_pulled_image(no), "{no}");
        }
    }

    /// Found in review after issue 10: `IMAGE_REGISTRY: myregistry:5000`
    /// (no dot, so not a bare host) and a build's `PUSH_IMAGE` were
    /// rewritten, and a push would have gone to the cache.
    #[test]
    fn registries_and_push_destinations_are_not_pulled() {
        let text = "env:\n\
                    - {name: IMAGE_REGISTRY, value: 'myregistry:5000'}\n\
                    - {name: PUSH_IMAGE, value: 'example/app:1'}\n\
                    - {name: kaniko_cache_image, value: 'example/cache:1'}\n\
                    - {name: SIDECAR_IMAGE, value: 'example/sidecar:1'}\n";
        let doc = crate::yaml::parse(text).unwrap().remove(0);
        let found = images(&doc, doc.root.unwrap(), &FieldPath::default());
        let paths: Vec<String> = found.iter().map(|f| f.path.to_string()).collect();
        assert_eq!(paths, ["env[3].value"]);
    }

    /// Found in issue 19 (item 1): the skip words for push targets left
    /// OLM's `RELATED_IMAGE_CACHE: redis:7.4.1-alpine`,
    /// `RELATED_IMAGE_REGISTRY_UI` and `RELATED_IMAGE_PUSHGATEWAY` as
    /// written, Docker Hub pulls that bypassed the cache.
    #[test]
    fn related_images_are_pulled_whatever_their_names() {
        let text = "env:\n\
                    - {name: RELATED_IMAGE_CACHE, value: 'redis:7.4.1-alpine'}\n\
                    - {name: RELATED_IMAGE_REGISTRY_UI, value: 'joxit/docker-registry-ui:2.5.7'}\n\
                    - {name: RELATED_IMAGE_PUSHGATEWAY, value: 'prom/pushgateway:v1.10.0'}\n\
                    - {name: related_image_build_output, value: 'example/out:1'}\n\
                    - {name: PUSH_IMAGE, value: 'example/app:1'}\n\
                    - {name: IMAGE_REGISTRY, value: 'myregistry:5000'}\n\
                    - {name: RELATED_IMAGE_REGISTRY, value: 'docker.io'}\n\
                    - {name: RELATED_IMAGE_PULL_POLICY, value: IfNotPresent}\n\
                    - {name: XRELATED_IMAGE_CACHE, value: 'example/cache:1'}\n";
        let doc = crate::yaml::parse(text).unwrap().remove(0);
        let found = images(&doc, doc.root.unwrap(), &FieldPath::default());
        let paths: Vec<String> = found.iter().map(|f| f.path.to_string()).collect();
        assert_eq!(
            paths,
            [
                "env[0].value",
                "env[1].value",
                "env[2].value",
                "env[3].value"
            ]
        );
    }
}
