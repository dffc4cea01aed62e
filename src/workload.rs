//! The workload table: which kinds hold images, and where. Data, not code;
//! [`crate::locate`] walks it.
//!
//! Kinds match by API group and kind, in any version: Volcano's
//! `batch.volcano.sh` Job is not a `batch` Job. Each row's behaviour is pinned
//! by a `testdata/rewrite/kinds-*.yaml` golden file.

use serde::Deserialize;

/// What a path leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A mapping with `metadata` (which can opt out) and a pod `spec`.
    PodTemplate,
    /// A pod spec: `containers`, `initContainers`, `ephemeralContainers`,
    /// `volumes[].image.reference`.
    PodSpec,
    /// One container: a mapping with `image`.
    Container,
    /// A mapping with `metadata` (which can opt out) holding containers at
    /// these paths (relative, same syntax), like an Argo Workflows template or
    /// a Tekton task spec.
    Containers(&'static [&'static str]),
}

/// A path from an object's root, and what is there.
///
/// The path is dotted keys; `key[]` means every item of the sequence under
/// `key`, and `*` every value of a mapping. The empty path is the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Path {
    pub path: &'static str,
    pub shape: Shape,
}

/// One row: an API group, its kinds, and where their images are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Workload {
    /// API group; `""` is the core group (`apiVersion: v1`).
    pub group: &'static str,
    pub kinds: &'static [&'static str],
    pub paths: &'static [Path],
}

const fn template(path: &'static str) -> Path {
    Path {
        path,
        shape: Shape::PodTemplate,
    }
}

const fn pod_spec(path: &'static str) -> Path {
    Path {
        path,
        shape: Shape::PodSpec,
    }
}

const SPEC_TEMPLATE: &[Path] = &[template("spec.template")];

/// The container fields of an Argo Workflows template.
/// <https://argo-workflows.readthedocs.io/en/latest/fields/#template>
const ARGO_TEMPLATE: Shape = Shape::Containers(&[
    "container",
    "script",
    "initContainers[]",
    "sidecars[]",
    "containerSet.containers[]",
]);

/// The container fields of a Tekton task spec.
/// <https://tekton.dev/docs/pipelines/tasks/>
const TEKTON_TASK: Shape = Shape::Containers(&["steps[]", "sidecars[]", "stepTemplate"]);

/// The pod templates of a Ray cluster spec at `at`.
macro_rules! ray_cluster {
    ($at:literal) => {
        [
            template(concat!($at, ".headGroupSpec.template")),
            template(concat!($at, ".workerGroupSpecs[].template")),
        ]
    };
}

/// Every kind the tool knows.
pub const BUILTIN: &[Workload] = &[
    // Kubernetes: https://kubernetes.io/docs/concepts/workloads/
    Workload {
        group: "",
        kinds: &["Pod"],
        paths: &[pod_spec("spec")],
    },
    Workload {
        group: "",
        kinds: &["PodTemplate"],
        paths: &[template("template")],
    },
    Workload {
        group: "",
        kinds: &["ReplicationController"],
        paths: SPEC_TEMPLATE,
    },
    Workload {
        group: "apps",
        kinds: &["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"],
        paths: SPEC_TEMPLATE,
    },
    // Served here until Kubernetes 1.16.
    Workload {
        group: "extensions",
        kinds: &["Deployment", "ReplicaSet", "DaemonSet"],
        paths: SPEC_TEMPLATE,
    },
    Workload {
        group: "batch",
        kinds: &["Job"],
        paths: SPEC_TEMPLATE,
    },
    Workload {
        group: "batch",
        kinds: &["CronJob"],
        paths: &[template("spec.jobTemplate.spec.template")],
    },
    // Argo Rollouts and Argo Workflows.
    Workload {
        group: "argoproj.io",
        kinds: &["Rollout"],
        paths: SPEC_TEMPLATE,
    },
    Workload {
        group: "argoproj.io",
        kinds: &["Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate"],
        paths: &[Path {
            path: "spec.templates[]",
            shape: ARGO_TEMPLATE,
        }],
    },
    Workload {
        group: "argoproj.io",
        kinds: &["CronWorkflow"],
        paths: &[Path {
            path: "spec.workflowSpec.templates[]",
            shape: ARGO_TEMPLATE,
        }],
    },
    // Knative Serving.
    Workload {
        group: "serving.knative.dev",
        kinds: &["Service", "Configuration"],
        paths: SPEC_TEMPLATE,
    },
    Workload {
        group: "serving.knative.dev",
        kinds: &["Revision"],
        paths: &[pod_spec("spec")],
    },
    // Tekton Pipelines.
    Workload {
        group: "tekton.dev",
        kinds: &["Task", "ClusterTask"],
        paths: &[Path {
            path: "spec",
            shape: TEKTON_TASK,
        }],
    },
    Workload {
        group: "tekton.dev",
        kinds: &["Pipeline"],
        paths: &[
            Path {
                path: "spec.tasks[].taskSpec",
                shape: TEKTON_TASK,
            },
            Path {
                path: "spec.finally[].taskSpec",
                shape: TEKTON_TASK,
            },
        ],
    },
    Workload {
        group: "tekton.dev",
        kinds: &["TaskRun"],
        paths: &[Path {
            path: "spec.taskSpec",
            shape: TEKTON_TASK,
        }],
    },
    Workload {
        group: "tekton.dev",
        kinds: &["PipelineRun"],
        paths: &[
            Path {
                path: "spec.pipelineSpec.tasks[].taskSpec",
                shape: TEKTON_TASK,
            },
            Path {
                path: "spec.pipelineSpec.finally[].taskSpec",
                shape: TEKTON_TASK,
            },
        ],
    },
    // KEDA.
    Workload {
        group: "keda.sh",
        kinds: &["ScaledJob"],
        paths: &[template("spec.jobTargetRef.template")],
    },
    // OpenKruise.
    Workload {
        group: "apps.kruise.io",
        kinds: &["CloneSet", "StatefulSet", "DaemonSet", "BroadcastJob"],
        paths: SPEC_TEMPLATE,
    },
    // JobSet.
    Workload {
        group: "jobset.x-k8s.io",
        kinds: &["JobSet"],
        paths: &[template("spec.replicatedJobs[].template.spec.template")],
    },
    // Kubeflow training operator.
    Workload {
        group: "kubeflow.org",
        kinds: &["PyTorchJob"],
        paths: &[template("spec.pytorchReplicaSpecs.*.template")],
    },
    Workload {
        group: "kubeflow.org",
        kinds: &["TFJob"],
        paths: &[template("spec.tfReplicaSpecs.*.template")],
    },
    Workload {
        group: "kubeflow.org",
        kinds: &["MPIJob"],
        paths: &[template("spec.mpiReplicaSpecs.*.template")],
    },
    Workload {
        group: "kubeflow.org",
        kinds: &["XGBoostJob"],
        paths: &[template("spec.xgbReplicaSpecs.*.template")],
    },
    // Volcano.
    Workload {
        group: "batch.volcano.sh",
        kinds: &["Job"],
        paths: &[template("spec.tasks[].template")],
    },
    // KubeRay.
    Workload {
        group: "ray.io",
        kinds: &["RayCluster"],
        paths: &ray_cluster!("spec"),
    },
    Workload {
        group: "ray.io",
        kinds: &["RayJob"],
        paths: &{
            let [head, workers] = ray_cluster!("spec.rayClusterSpec");
            [head, workers, template("spec.submitterPodTemplate")]
        },
    },
    Workload {
        group: "ray.io",
        kinds: &["RayService"],
        paths: &ray_cluster!("spec.rayClusterConfig"),
    },
];

/// An extra workload from the rules file, for a kind the table does not know.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadSpec {
    /// API group; `""` or `core` for `apiVersion: v1`.
    pub group: String,
    pub kind: String,
    /// Paths to pod templates (a string), or `{path, type}` with `type` one
    /// of `podTemplate`, `podSpec`, `container`.
    pub paths: Vec<PathSpec>,
}

/// A [`WorkloadSpec`] that cannot be used. `Display` is the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvalidWorkload {
    NoKind,
    NoPaths,
    /// A path that is not dotted keys, `key[]` and `*`.
    Path(String),
}

impl std::fmt::Display for InvalidWorkload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InvalidWorkload::NoKind => f.write_str("kind must not be empty"),
            InvalidWorkload::NoPaths => f.write_str("paths must not be empty"),
            InvalidWorkload::Path(p) => {
                write!(f, "invalid path {p:?}: use dotted keys, `key[]` and `*`")
            }
        }
    }
}

impl std::error::Error for InvalidWorkload {}

/// One extra path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSpec {
    Template(String),
    Typed { path: String, shape: ShapeName },
}

/// The `{path, type}` form of a [`PathSpec`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TypedPath {
    path: String,
    #[serde(rename = "type")]
    shape: ShapeName,
}

// Hand-written rather than `#[serde(untagged)]`, which would replace the
// inner error (`unknown field "typ"`) with "did not match any variant".
impl<'de> Deserialize<'de> for PathSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = PathSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a path string, or {path, type}")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<PathSpec, E> {
                Ok(PathSpec::Template(s.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<PathSpec, A::Error> {
                let t = TypedPath::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(PathSpec::Typed {
                    path: t.path,
                    shape: t.shape,
                })
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ShapeName {
    PodTemplate,
    PodSpec,
    Container,
}

impl PathSpec {
    pub fn path(&self) -> &str {
        match self {
            PathSpec::Template(p) | PathSpec::Typed { path: p, .. } => p,
        }
    }

    pub fn shape(&self) -> Shape {
        match self {
            PathSpec::Template(_)
            | PathSpec::Typed {
                shape: ShapeName::PodTemplate,
                ..
            } => Shape::PodTemplate,
            PathSpec::Typed {
                shape: ShapeName::PodSpec,
                ..
            } => Shape::PodSpec,
            PathSpec::Typed {
                shape: ShapeName::Container,
                ..
            } => Shape::Container,
        }
    }
}

impl WorkloadSpec {
    /// Checks the kind and the path syntax.
    pub fn validate(&self) -> Result<(), InvalidWorkload> {
        if self.kind.is_empty() {
            return Err(InvalidWorkload::NoKind);
        }
        if self.paths.is_empty() {
            return Err(InvalidWorkload::NoPaths);
        }
        for p in &self.paths {
            let bad = p.path().split('.').any(|seg| {
                let key = seg.strip_suffix("[]").unwrap_or(seg);
                key.is_empty() || key.contains(['[', ']'])
            });
            if bad {
                return Err(InvalidWorkload::Path(p.path().to_string()));
            }
        }
        Ok(())
    }

    fn group(&self) -> &str {
        if self.group == "core" {
            ""
        } else {
            &self.group
        }
    }
}

/// The API group of an `apiVersion`: `apps/v1` → `apps`, `v1` → `""`.
pub fn group(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(group, _)| group)
}

/// Every (path, shape) for a group and kind: the extra workloads first, then
/// the table. `None` when neither knows the kind.
pub fn lookup<'t>(
    extra: &'t [WorkloadSpec],
    group: &str,
    kind: &str,
) -> Option<Vec<(&'t str, Shape)>> {
    let mut found: Option<Vec<(&str, Shape)>> = None;
    for w in extra
        .iter()
        .filter(|w| w.group() == group && w.kind == kind)
    {
        found
            .get_or_insert_default()
            .extend(w.paths.iter().map(|p| (p.path(), p.shape())));
    }
    if let Some(w) = BUILTIN
        .iter()
        .find(|w| w.group == group && w.kinds.contains(&kind))
    {
        found
            .get_or_insert_default()
            .extend(w.paths.iter().map(|p| (p.path, p.shape)));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups() {
        assert_eq!(group("v1"), "");
        assert_eq!(group("apps/v1"), "apps");
        assert_eq!(group("batch.volcano.sh/v1alpha1"), "batch.volcano.sh");
    }

    #[test]
    fn lookup_matches_group_and_kind() {
        assert!(lookup(&[], "batch", "Job").is_some());
        assert_eq!(
            lookup(&[], "batch.volcano.sh", "Job").unwrap()[0].0,
            "spec.tasks[].template"
        );
        assert!(lookup(&[], "apps", "Pod").is_none());
    }

    #[test]
    fn extra_workloads_come_first() {
        let extra = vec![WorkloadSpec {
            group: "core".into(),
            kind: "Pod".into(),
            paths: vec![PathSpec::Typed {
                path: "spec.extra".into(),
                shape: ShapeName::Container,
            }],
        }];
        let found = lookup(&extra, "", "Pod").unwrap();
        assert_eq!(
            found,
            [("spec.extra", Shape::Container), ("spec", Shape::PodSpec)]
        );
    }

    #[test]
    fn table_has_no_duplicate_rows() {
        for (i, a) in BUILTIN.iter().enumerate() {
            for b in &BUILTIN[i + 1..] {
                let shared = a.kinds.iter().any(|k| b.kinds.contains(k));
                assert!(!(a.group == b.group && shared), "{} {:?}", a.group, a.kinds);
            }
        }
    }
}
