//! The Argo CD install of `deploy/argocd/`: the kustomize patch applied to
//! install.yaml's repo-server by the real kubectl, and the argo-cd chart
//! rendered with `values.yaml` by the real Helm, carry the same sidecar, with
//! every mount backed by a volume; the ApplicationSet selects the plugin by
//! the name Argo CD dials. The transparent setup (`transparent-patch.yaml`,
//! `transparent-values.yaml`), rendered the same two ways, puts the shims on
//! the repo-server's PATH and adds the discovering sidecar, leaving what was
//! there in place.

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

/// The PATH of the argocd image: it sets none of its own, so Ubuntu's
/// default from its base image; its helm and kustomize are in /usr/local/bin.
const ARGOCD_IMAGE_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The named pullthrough sidecar as repo-server-patch.yaml adds it: what the
/// other deploy files are compared with.
fn patch_sidecar() -> Value {
    let patch = &read("deploy/argocd/repo-server-patch.yaml")[0];
    patch["spec"]["template"]["spec"]["containers"][0].clone()
}

/// The names of a list of containers or volumes, in order.
fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect()
}

/// The one item of a list of containers, volumes, variables or mounts with
/// this name.
fn named<'a>(list: &'a Value, name: &str) -> &'a Value {
    let mut found = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["name"] == name);
    let item = found
        .next()
        .unwrap_or_else(|| panic!("no {name} in {list}"));
    assert!(found.next().is_none(), "two of {name} in {list}");
    item
}

/// The value of a container's environment variable.
fn env<'a>(container: &'a Value, name: &str) -> &'a str {
    named(&container["env"], name)["value"].as_str().unwrap()
}

/// Every mount of every container and init container of a pod spec is one of
/// its volumes.
fn every_mount_a_volume(spec: &Value) {
    let volumes = names(&spec["volumes"]);
    let containers = spec["containers"].as_array().unwrap();
    let inits = spec["initContainers"].as_array().unwrap();
    for container in containers.iter().chain(inits) {
        for mount in container["volumeMounts"].as_array().unwrap() {
            let name = mount["name"].as_str().unwrap();
            assert!(
                volumes.contains(&name),
                "{}: {name} is not a volume: {volumes:?}",
                container["name"]
            );
        }
    }
}

/// A plugin container of a pod spec, checked: argocd-cmp-server as its
/// command, uid 999, and every mount backed by one of the pod's volumes.
fn plugin_sidecar<'a>(spec: &'a Value, name: &str) -> &'a Value {
    let sidecar = named(&spec["containers"], name);
    assert_eq!(sidecar["command"][0], "/var/run/argocd/argocd-cmp-server");
    assert_eq!(sidecar["securityContext"]["runAsUser"], "999");
    let volumes = names(&spec["volumes"]);
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

/// The pullthrough container of a pod spec, checked as a plugin sidecar.
fn sidecar(spec: &Value) -> &Value {
    plugin_sidecar(spec, "pullthrough")
}

/// The transparent setup in a pod spec whose repo-server container is
/// `repo_server`, checked: the init container copying the binary in as the
/// shims, their volume first on the repo-server's PATH with the argocd
/// image's PATH after it, the cache registry in the repo-server's
/// environment, and the discovering sidecar, configured as the named one but
/// for its plugin config and a /tmp of its own.
fn transparent(spec: &Value, repo_server: &str) {
    every_mount_a_volume(spec);
    let named_sidecar = patch_sidecar();
    let registry = env(&named_sidecar, "PULLTHROUGH_REGISTRY");

    let tools = named(&spec["volumes"], "custom-tools");
    assert!(tools["emptyDir"].is_object(), "{tools}");
    let mount = serde_json::json!([{"name": "custom-tools", "mountPath": "/custom-tools"}]);

    let shims = named(&spec["initContainers"], "pullthrough-shims");
    assert_eq!(shims["image"], named_sidecar["image"]);
    assert_eq!(
        shims["command"],
        serde_json::json!(["pullthrough", "install-shims", "/custom-tools"])
    );
    assert_eq!(shims["volumeMounts"], mount);
    assert_eq!(
        shims["securityContext"], named_sidecar["securityContext"],
        "the init container runs as the sidecar does"
    );

    let server = named(&spec["containers"], repo_server);
    let mounted = named(&server["volumeMounts"], "custom-tools");
    assert_eq!(mounted["mountPath"], "/custom-tools");
    assert_eq!(mounted["readOnly"], true);
    let path = env(server, "PATH");
    assert_eq!(
        path.strip_prefix("/custom-tools:"),
        Some(ARGOCD_IMAGE_PATH),
        "{path}"
    );
    assert_eq!(env(server, "PULLTHROUGH_REGISTRY"), registry);

    // The named sidecar but for its name, the plugin config it reads, and
    // the volume of its /tmp.
    let directory = plugin_sidecar(spec, "pullthrough-directory");
    assert_eq!(
        directory["args"],
        serde_json::json!(["--config-dir-path", "/home/argocd/cmp-server/directory"])
    );
    let mut expected = named_sidecar.clone();
    expected["name"] = "pullthrough-directory".into();
    expected["args"] = directory["args"].clone();
    expected["volumeMounts"][2]["name"] = directory["volumeMounts"][2]["name"].clone();
    assert_eq!(directory, &expected);
    let tmp = directory["volumeMounts"][2]["name"].as_str().unwrap();
    assert!(named(&spec["volumes"], tmp)["emptyDir"].is_object());
    for container in spec["containers"].as_array().unwrap() {
        if container["name"] != "pullthrough-directory" {
            for mount in container["volumeMounts"].as_array().unwrap() {
                assert_ne!(mount["name"], tmp, "{} shares {tmp}", container["name"]);
            }
        }
    }
}

/// A list of containers, volumes, variables or mounts without the items of
/// these names.
fn without(list: &Value, added: &[&str]) -> Value {
    list.as_array()
        .unwrap()
        .iter()
        .filter(|item| !added.iter().any(|name| item["name"] == *name))
        .cloned()
        .collect()
}

/// A repo-server container without what the transparent setup adds to it.
fn repo_server_without_shims(container: &Value) -> Value {
    let mut container = container.clone();
    container["env"] = without(&container["env"], &["PATH", "PULLTHROUGH_REGISTRY"]);
    container["volumeMounts"] = without(&container["volumeMounts"], &["custom-tools"]);
    container
}

/// The one document `kubectl kustomize` makes of `resource` with `patches`
/// (files under the project root), in a directory of their own.
fn kustomize(resource: &str, patches: &[&str]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    fs::copy(root().join(resource), dir.path().join("resource.yaml")).unwrap();
    let mut listed = Vec::new();
    for (i, patch) in patches.iter().enumerate() {
        let name = format!("patch-{i}.yaml");
        fs::copy(root().join(patch), dir.path().join(&name)).unwrap();
        listed.push(format!("{{path: {name}}}"));
    }
    fs::write(
        dir.path().join("kustomization.yaml"),
        format!(
            "resources: [resource.yaml]\npatches: [{}]\n",
            listed.join(", ")
        ),
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
    assert_eq!(docs.len(), 1);
    yaml::to_json(&docs[0])
}

/// Every document of the vendored argo-cd chart rendered by the real Helm
/// with a values file.
fn helm_template(values: &str) -> Vec<Value> {
    let out = Command::new(tool("helm3"))
        .args([
            "template",
            "argocd",
            "testdata/charts/argo-cd",
            "-n",
            "argocd",
        ])
        .arg("-f")
        .arg(values)
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
    yaml::parse(std::str::from_utf8(&out.stdout).unwrap())
        .unwrap()
        .iter()
        .map(yaml::to_json)
        .collect()
}

/// The chart's argocd-repo-server Deployment.
fn repo_server(docs: &[Value]) -> &Value {
    docs.iter()
        .find(|d| d["kind"] == "Deployment" && d["metadata"]["name"] == "argocd-repo-server")
        .expect("the chart renders argocd-repo-server")
}

/// reposerver.parallelism.limit of the chart's argocd-cmd-params-cm.
fn parallelism_limit(docs: &[Value]) -> &str {
    let params = docs
        .iter()
        .find(|d| d["kind"] == "ConfigMap" && d["metadata"]["name"] == "argocd-cmd-params-cm")
        .expect("the chart renders argocd-cmd-params-cm");
    params["data"]["reposerver.parallelism.limit"]
        .as_str()
        .unwrap()
}

#[test]
fn the_kustomize_patch_adds_the_sidecar_to_install_yamls_repo_server() {
    let deployment = kustomize(
        "testdata/generate/argocd/repo-server.yaml",
        &["deploy/argocd/repo-server-patch.yaml"],
    );
    let spec = &deployment["spec"]["template"]["spec"];
    assert_eq!(
        names(&spec["containers"]),
        ["pullthrough", "argocd-repo-server"]
    );
    sidecar(spec);
}

#[test]
fn the_argo_cd_chart_with_the_values_file_carries_the_sidecar() {
    let docs = helm_template("deploy/argocd/values.yaml");
    let spec = &repo_server(&docs)["spec"]["template"]["spec"];
    let from_chart = sidecar(spec);
    // The same container as the kustomize patch adds to install.yaml.
    assert_eq!(
        from_chart,
        &patch_sidecar(),
        "values.yaml and the patch differ"
    );
    let names = names(&spec["containers"]);
    assert!(names.contains(&"repo-server"), "{names:?}");
    // The parallelism the sidecar's memory limit is sized for.
    assert_eq!(parallelism_limit(&docs), "16");
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

#[test]
fn the_transparent_patch_puts_the_shims_and_the_discovering_sidecar_on_install_yamls_repo_server() {
    let fixture = "testdata/generate/argocd/install-repo-server.yaml";
    let original = &read(fixture)[0]["spec"]["template"]["spec"];
    let deployment = kustomize(fixture, &["deploy/argocd/transparent-patch.yaml"]);
    let spec = &deployment["spec"]["template"]["spec"];
    transparent(spec, "argocd-repo-server");

    // What install.yaml had is still there, unchanged: taking out what the
    // patch added gives the original back.
    assert_eq!(
        without(&spec["initContainers"], &["pullthrough-shims"]),
        original["initContainers"],
        "copyutil, and only it, before"
    );
    let mut containers = names(&spec["containers"]);
    containers.sort_unstable();
    assert_eq!(containers, ["argocd-repo-server", "pullthrough-directory"]);
    assert_eq!(
        repo_server_without_shims(named(&spec["containers"], "argocd-repo-server")),
        named(&original["containers"], "argocd-repo-server").clone()
    );
    assert_eq!(
        without(
            &spec["volumes"],
            &["custom-tools", "pullthrough-directory-tmp"]
        ),
        original["volumes"]
    );
    let mut rest = deployment.clone();
    let mut before = read(fixture)[0].clone();
    rest["spec"]["template"]["spec"] = Value::Null;
    before["spec"]["template"]["spec"] = Value::Null;
    assert_eq!(rest, before, "the patch touches the pod spec only");
}

#[test]
fn the_transparent_patch_composes_with_the_sidecar_patch() {
    let deployment = kustomize(
        "testdata/generate/argocd/install-repo-server.yaml",
        &[
            "deploy/argocd/repo-server-patch.yaml",
            "deploy/argocd/transparent-patch.yaml",
        ],
    );
    let spec = &deployment["spec"]["template"]["spec"];
    let mut containers = names(&spec["containers"]);
    containers.sort_unstable();
    assert_eq!(
        containers,
        ["argocd-repo-server", "pullthrough", "pullthrough-directory"]
    );
    sidecar(spec);
    transparent(spec, "argocd-repo-server");
}

#[test]
fn the_argo_cd_chart_with_the_transparent_values_has_the_shims_and_the_discovering_sidecar() {
    let docs = helm_template("deploy/argocd/transparent-values.yaml");
    let spec = &repo_server(&docs)["spec"]["template"]["spec"];
    transparent(spec, "repo-server");
    // The chart's own copyutil and repo-server stay; nothing else is added.
    let mut inits = names(&spec["initContainers"]);
    inits.sort_unstable();
    assert_eq!(inits, ["copyutil", "pullthrough-shims"]);
    let mut containers = names(&spec["containers"]);
    containers.sort_unstable();
    assert_eq!(containers, ["pullthrough-directory", "repo-server"]);
    // The chart with values.yaml, which leaves the repo-server container,
    // copyutil and the chart's volumes as they are: the same but for what
    // each values file adds.
    let named_docs = helm_template("deploy/argocd/values.yaml");
    let plain = &repo_server(&named_docs)["spec"]["template"]["spec"];
    assert_eq!(
        named(&spec["initContainers"], "copyutil"),
        named(&plain["initContainers"], "copyutil")
    );
    assert_eq!(
        repo_server_without_shims(named(&spec["containers"], "repo-server")),
        named(&plain["containers"], "repo-server").clone()
    );
    assert_eq!(
        without(
            &spec["volumes"],
            &["custom-tools", "pullthrough-directory-tmp"]
        ),
        without(&plain["volumes"], &["pullthrough-tmp"])
    );
    // The sidecar's memory limit holds this many requests at once.
    assert_eq!(parallelism_limit(&docs), "16");
}
