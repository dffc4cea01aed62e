//! The built-in rows of the workload table: data only. Each row names the
//! API group, its kinds and where their images are, with a link to the
//! project's API reference; each is pinned by a `testdata/rewrite/kinds-*`
//! golden case (tests/snapshots.rs checks that every kind has one).

use super::{Path, Shape, Workload};

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
