//! The built-in rows of the workload table: data only. Each row names the
//! API group, its kinds and where their images are, with a link to the
//! project's API reference; each is pinned by a `testdata/rewrite/kinds-*`
//! golden case (`workload::tests` checks that every kind has one).

use super::{Path, Workload};

const fn template(path: &'static str) -> Path {
    Path::template(path)
}

const fn pod_spec(path: &'static str) -> Path {
    Path::pod_spec(path)
}

const SPEC_TEMPLATE: &[Path] = &[template("spec.template")];

/// An Argo Workflows template: its container fields, and the templates
/// inline in its DAG tasks and steps, which are templates themselves.
/// <https://argo-workflows.readthedocs.io/en/latest/fields/#template>,
/// `pkg/apis/workflow/v1alpha1/workflow_types.go` (`DAGTask.Inline`,
/// `WorkflowStep.Inline`; `steps` is a list of parallel step lists).
const ARGO_TEMPLATE: &[Path] = &[
    Path::container("container"),
    Path::container("script"),
    Path::container("initContainers[]"),
    Path::container("sidecars[]"),
    Path::container("containerSet.containers[]"),
    Path::same("dag.tasks[].inline"),
    Path::same("steps[][].inline"),
];

/// An Argo workflow spec: its templates, and the executor plugins it
/// declares itself (argo-workflows#15234: `executorPlugins[].spec` is a
/// `pkg/plugins/spec/plugin_types.go` `PluginSpec`, whose sidecar is a
/// container).
const ARGO_WORKFLOW: &[Path] = &[
    Path::fields("templates[]", ARGO_TEMPLATE),
    Path::container("executorPlugins[].spec.sidecar.container"),
];

/// The container fields of a Tekton task spec.
/// <https://tekton.dev/docs/pipelines/tasks/>
const TEKTON_TASK: &[Path] = &[
    Path::container("steps[]"),
    Path::container("sidecars[]"),
    Path::container("stepTemplate"),
];

/// A Tekton pipeline spec: its tasks' and finally tasks' task specs, and the
/// pipelines in pipelines (TEP-0056, `PipelineTask.PipelineSpec` in
/// `pkg/apis/pipeline/v1/pipeline_types.go`), which are pipelines.
/// <https://tekton.dev/docs/pipelines/pipelines/>
const TEKTON_PIPELINE: &[Path] = &[
    Path::fields("tasks[].taskSpec", TEKTON_TASK),
    Path::fields("finally[].taskSpec", TEKTON_TASK),
    Path::same("tasks[].pipelineSpec"),
];

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
        paths: &[Path::fields("spec", ARGO_WORKFLOW)],
    },
    Workload {
        group: "argoproj.io",
        kinds: &["CronWorkflow"],
        paths: &[Path::fields("spec.workflowSpec", ARGO_WORKFLOW)],
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
        paths: &[Path::fields("spec", TEKTON_TASK)],
    },
    // A step that tasks refer to: its spec is one container.
    // `pkg/apis/pipeline/v1beta1/stepaction_types.go` (`StepActionSpec.Image`)
    Workload {
        group: "tekton.dev",
        kinds: &["StepAction"],
        paths: &[Path::container("spec")],
    },
    Workload {
        group: "tekton.dev",
        kinds: &["Pipeline"],
        paths: &[Path::fields("spec", TEKTON_PIPELINE)],
    },
    Workload {
        group: "tekton.dev",
        kinds: &["TaskRun"],
        paths: &[Path::fields("spec.taskSpec", TEKTON_TASK)],
    },
    Workload {
        group: "tekton.dev",
        kinds: &["PipelineRun"],
        paths: &[Path::fields("spec.pipelineSpec", TEKTON_PIPELINE)],
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
    // Containers injected into matching pods.
    // `apis/apps/v1alpha1/sidecarset_types.go` (`SidecarContainer` embeds a
    // container)
    Workload {
        group: "apps.kruise.io",
        kinds: &["SidecarSet"],
        paths: &[
            Path::container("spec.containers[]"),
            Path::container("spec.initContainers[]"),
        ],
    },
    // Images pulled onto nodes ahead of pods: the pods' images, so the same
    // rewrite. `apis/apps/v1alpha1/imagepulljob_types.go` (`Image`),
    // `imagelistpulljob_types.go` (`Images []string`)
    Workload {
        group: "apps.kruise.io",
        kinds: &["ImagePullJob"],
        paths: &[Path::image("spec.image")],
    },
    Workload {
        group: "apps.kruise.io",
        kinds: &["ImageListPullJob"],
        paths: &[Path::image("spec.images[]")],
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
