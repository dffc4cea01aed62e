//! Flux runs no plugins, but its Kustomization (`spec.images`) and
//! HelmRelease (`postRenderers[].kustomize.images`) take a kustomize
//! `images:` list. `pullthrough images --format kustomize` prints one; applied
//! by the real `kubectl kustomize` to every corpus chart, it must give the
//! same container images as the tool's own rewrite.

use std::fs;
use std::path::Path;
use std::process::Command;

use pullthrough::yaml;
use serde_json::Value;

use crate::kit::REGISTRY;
use crate::kit::run::{files, on_path, root, run};

/// Every `image` of a `containers` or `initContainers` list, anywhere: the
/// fields kustomize's images transformer sets.
fn container_images(stream: &str) -> Vec<String> {
    let mut images = Vec::new();
    let mut stack: Vec<Value> = yaml::parse(stream)
        .unwrap()
        .iter()
        .map(yaml::to_json)
        .collect();
    while let Some(value) = stack.pop() {
        match value {
            Value::Object(map) => {
                for (key, v) in map {
                    if matches!(key.as_str(), "containers" | "initContainers") {
                        for c in v.as_array().into_iter().flatten() {
                            if let Some(image) = c["image"].as_str() {
                                images.push(image.to_string());
                            }
                        }
                    }
                    stack.push(v);
                }
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    images.sort();
    images
}

/// The images a file ends with through kustomize and the printed list, or
/// `None` when kustomize cannot build the file at all.
fn through_kustomize(kubectl: &Path, file: &Path) -> Option<String> {
    let list = run(
        &[
            "images",
            "--format",
            "kustomize",
            "--registry",
            REGISTRY,
            "-q",
            file.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(list.code, 0, "{}: {}", file.display(), list.stderr);
    let dir = tempfile::tempdir().unwrap();
    fs::copy(file, dir.path().join("resources.yaml")).unwrap();
    fs::write(
        dir.path().join("kustomization.yaml"),
        format!("resources: [resources.yaml]\n{}", list.stdout()),
    )
    .unwrap();
    let out = Command::new(kubectl)
        .args(["kustomize", "."])
        .current_dir(dir.path())
        .output()
        .unwrap();
    out.status
        .success()
        .then(|| String::from_utf8(out.stdout).unwrap())
}

#[test]
fn the_kustomize_images_list_rewrites_as_the_tool_does() {
    let kubectl = on_path("kubectl");
    let corpus = files(&root().join("testdata/corpus"));
    let built = std::sync::atomic::AtomicUsize::new(0);
    // Two at a time: kustomize is the slow part.
    let (even, odd): (Vec<_>, Vec<_>) = corpus.iter().enumerate().partition(|(i, _)| i % 2 == 0);
    std::thread::scope(|s| {
        for half in [even, odd] {
            let (kubectl, built) = (&kubectl, &built);
            s.spawn(move || {
                for (_, file) in half {
                    let Some(kustomized) = through_kustomize(kubectl, file) else {
                        continue;
                    };
                    built.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let ours = run(&["--registry", REGISTRY, "-q", file.to_str().unwrap()], b"");
                    assert_eq!(ours.code, 0, "{}", ours.stderr);
                    assert_eq!(
                        container_images(&kustomized),
                        container_images(&ours.stdout()),
                        "{}: kustomize's images differ from the tool's",
                        file.display()
                    );
                }
            });
        }
    });
    let built = built.into_inner();
    assert!(
        built * 10 >= corpus.len() * 9,
        "kustomize built only {built} of {} corpus files",
        corpus.len()
    );
}
