//! The Argo CD install of `deploy/argocd/`: the kustomize patch applied to
//! install.yaml's repo-server by the real kubectl, and the argo-cd chart
//! rendered with `values.yaml` by the real Helm, carry the same sidecar, with
//! every mount backed by a volume; the ApplicationSet selects the plugin by
//! the name Argo CD dials.

use std::fs;
use std::process::Command;

use pullthrough::yaml;
use serde_json::Value;

use crate::kit::run::{on_path, root, tool};

fn read(path: &str) -> Vec<Value> {
    let text = fs::read_to_string(root().join(path)).unwrap();
    yaml::parse(&text)
        .unwrap()
        .iter()
        .map(yaml::to_json)
        .collect()
}

/// The pullthrough container of a pod spec, checked: argocd-cmp-server as
/// its command, uid 999, and every mount backed by one of the pod's volumes.
fn sidecar(spec: &Value) -> &Value {
    let containers = spec["containers"].as_array().unwrap();
    let sidecar = containers
        .iter()
        .find(|c| c["name"] == "pullthrough")
        .expect("a pullthrough container");
    assert_eq!(sidecar["command"][0], "/var/run/argocd/argocd-cmp-server");
    assert_eq!(sidecar["securityContext"]["runAsUser"], "999");
    let volumes: Vec<&str> = spec["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    let mounts = sidecar["volumeMounts"].as_array().unwrap();
    for mount in mounts {
        let name = mount["name"].as_str().unwrap();
        assert!(
            volumes.contains(&name),
            "{name} is not a volume: {volumes:?}"
        );
    }
    let paths: Vec<&str> = mounts
        .iter()
        .map(|m| m["mountPath"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        ["/var/run/argocd", "/home/argocd/cmp-server/plugins", "/tmp"]
    );
    sidecar
}

#[test]
fn the_kustomize_patch_adds_the_sidecar_to_install_yamls_repo_server() {
    let dir = tempfile::tempdir().unwrap();
    fs::copy(
        root().join("testdata/generate/argocd/repo-server.yaml"),
        dir.path().join("repo-server.yaml"),
    )
    .unwrap();
    fs::copy(
        root().join("deploy/argocd/repo-server-patch.yaml"),
        dir.path().join("patch.yaml"),
    )
    .unwrap();
    fs::write(
        dir.path().join("kustomization.yaml"),
        "resources: [repo-server.yaml]\npatches: [{path: patch.yaml}]\n",
    )
    .unwrap();
    let out = Command::new(on_path("kubectl"))
        .args(["kustomize", "."])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let docs = yaml::parse(std::str::from_utf8(&out.stdout).unwrap()).unwrap();
    let spec = &yaml::to_json(&docs[0])["spec"]["template"]["spec"];
    let names: Vec<&str> = spec["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["pullthrough", "argocd-repo-server"]);
    sidecar(spec);
}

#[test]
fn the_argo_cd_chart_with_the_values_file_carries_the_sidecar() {
    let out = Command::new(tool("helm3"))
        .args([
            "template",
            "argocd",
            "testdata/charts/argo-cd",
            "-n",
            "argocd",
        ])
        .arg("-f")
        .arg("deploy/argocd/values.yaml")
        .current_dir(root())
        .env("HELM_CACHE_HOME", root().join("target/helm-test/cache"))
        .env("HELM_CONFIG_HOME", root().join("target/helm-test/config"))
        .env("HELM_DATA_HOME", root().join("target/helm-test/data"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let docs: Vec<Value> = yaml::parse(std::str::from_utf8(&out.stdout).unwrap())
        .unwrap()
        .iter()
        .map(yaml::to_json)
        .collect();
    let repo_server = docs
        .iter()
        .find(|d| d["kind"] == "Deployment" && d["metadata"]["name"] == "argocd-repo-server")
        .expect("the chart renders argocd-repo-server");
    let spec = &repo_server["spec"]["template"]["spec"];
    let from_chart = sidecar(spec);
    // The same container as the kustomize patch adds to install.yaml.
    let patch = &read("deploy/argocd/repo-server-patch.yaml")[0];
    let from_patch = &patch["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(from_chart, from_patch, "values.yaml and the patch differ");
    let names: Vec<&str> = spec["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"repo-server"), "{names:?}");
    // The parallelism the sidecar's memory limit is sized for.
    let params = docs
        .iter()
        .find(|d| d["kind"] == "ConfigMap" && d["metadata"]["name"] == "argocd-cmd-params-cm")
        .expect("the chart renders argocd-cmd-params-cm");
    assert_eq!(params["data"]["reposerver.parallelism.limit"], "16");
}

#[test]
fn the_application_set_selects_the_plugin_by_name_and_version() {
    let plugin = &read("plugin.yaml")[0];
    let dialed = format!(
        "{}-{}",
        plugin["metadata"]["name"].as_str().unwrap(),
        plugin["spec"]["version"].as_str().unwrap()
    );
    let set = &read("deploy/argocd/applicationset.yaml")[0];
    assert_eq!(set["kind"], "ApplicationSet");
    assert_eq!(
        set["spec"]["template"]["spec"]["source"]["plugin"]["name"],
        dialed.as_str()
    );
}
