//! The operator rows of the workload table: data only. Each row names the
//! image fields an operator reads from its custom resource, with the API
//! types file it was read from (the operator's GitHub repository, path at
//! its default branch); each is pinned by a `testdata/rewrite/kinds-*`
//! golden case (`workload::tests` checks that every kind has one).
//!
//! Only these fields are rewritten: a field is never an image because its
//! name says `image`. A build's output image is a push destination, and
//! `imagePullPolicy` is not an image at all.
//!
//! `--no-operator-images` turns the whole table off. The generic rule still
//! runs on these kinds either way (they are not in the built-in table), so a
//! pod template it finds today, like a SparkApplication's
//! `driver.template`, is found with the table on or off.

use super::{Path, Workload};

/// The images of a Spark application spec: the application's, the driver's
/// and the executors' images, their init containers, sidecars and pod
/// templates. kubeflow/spark-operator `api/v1beta2/sparkapplication_types.go`
/// (`SparkApplicationSpec.Image`, `SparkPodSpec.Image`, `.InitContainers`,
/// `.Sidecars`, `.Template`)
const SPARK_APPLICATION: &[Path] = &[
    Path::image("image"),
    Path::image("driver.image"),
    Path::container("driver.initContainers[]"),
    Path::container("driver.sidecars[]"),
    Path::template("driver.template"),
    Path::image("executor.image"),
    Path::container("executor.initContainers[]"),
    Path::container("executor.sidecars[]"),
    Path::template("executor.template"),
];

/// One k6 pod (runner, starter, initializer): its image and init containers.
/// grafana/k6-operator `api/v1alpha1/testrun_types.go` (`Pod.Image`,
/// `Pod.InitContainers`, an `InitContainer` with `image`)
macro_rules! k6_pod {
    ($at:literal) => {
        [
            Path::image(concat!($at, ".image")),
            Path::container(concat!($at, ".initContainers[]")),
        ]
    };
}

const K6_TEST: &[Path] = &{
    let [a, b] = k6_pod!("spec.runner");
    let [c, d] = k6_pod!("spec.starter");
    let [e, f] = k6_pod!("spec.initializer");
    [a, b, c, d, e, f]
};

/// The image of an operand, its extra containers and init containers, as
/// prometheus-operator's and grafana-agent's custom resources spell them.
const IMAGE_AND_CONTAINERS: [Path; 3] = [
    Path::image("spec.image"),
    Path::container("spec.containers[]"),
    Path::container("spec.initContainers[]"),
];

/// The image of an OpenTelemetry operand and its extra containers.
/// open-telemetry/opentelemetry-operator `apis/v1beta1/common.go`
/// (`OpenTelemetryCommonFields`: `Image`, `InitContainers`,
/// `AdditionalContainers`)
const OTEL_COMMON: [Path; 3] = [
    Path::image("spec.image"),
    Path::container("spec.initContainers[]"),
    Path::container("spec.additionalContainers[]"),
];

/// Every row.
pub const OPERATORS: &[Workload] = &[
    // prometheus-operator: pkg/apis/monitoring/v1/prometheus_types.go
    // (`CommonPrometheusFields`: `Image`, `Containers`, `InitContainers`;
    // `ThanosSpec.Image`), v1alpha1/prometheusagent_types.go (the same
    // common fields), alertmanager_types.go, thanos_types.go
    // (`ThanosRulerSpec`). The deprecated `baseImage`/`tag`/`sha` are left
    // alone: the operator joins them, so none is a reference by itself.
    Workload {
        group: "monitoring.coreos.com",
        kinds: &["Prometheus"],
        paths: &{
            let [image, containers, init] = IMAGE_AND_CONTAINERS;
            [image, containers, init, Path::image("spec.thanos.image")]
        },
    },
    Workload {
        group: "monitoring.coreos.com",
        kinds: &["PrometheusAgent", "Alertmanager", "ThanosRuler"],
        paths: &IMAGE_AND_CONTAINERS,
    },
    // grafana-agent operator: grafana/agent
    // pkg/operator/apis/monitoring/v1alpha1/types.go (`GrafanaAgentSpec`:
    // `Image`, `Containers`, `InitContainers`)
    Workload {
        group: "monitoring.grafana.com",
        kinds: &["GrafanaAgent"],
        paths: &IMAGE_AND_CONTAINERS,
    },
    // Spark operator: a ScheduledSparkApplication's `spec.template` is a
    // SparkApplicationSpec.
    Workload {
        group: "sparkoperator.k8s.io",
        kinds: &["SparkApplication"],
        paths: &[Path::fields("spec", SPARK_APPLICATION)],
    },
    Workload {
        group: "sparkoperator.k8s.io",
        kinds: &["ScheduledSparkApplication"],
        paths: &[Path::fields("spec.template", SPARK_APPLICATION)],
    },
    // CloudNativePG: cloudnative-pg/cloudnative-pg api/v1/cluster_types.go
    // (`ClusterSpec.ImageName`; `PostgresConfiguration.Extensions`, each an
    // `ImageVolumeSource` under `image`), api/v1/imagecatalog_types.go
    // (`ImageCatalogSpec`, which ClusterImageCatalog shares: `Images[].Image`,
    // their `Extensions`, `ExtraImages[].Image`)
    Workload {
        group: "postgresql.cnpg.io",
        kinds: &["Cluster"],
        paths: &[
            Path::image("spec.imageName"),
            Path::image("spec.postgresql.extensions[].image.reference"),
        ],
    },
    Workload {
        group: "postgresql.cnpg.io",
        kinds: &["ImageCatalog", "ClusterImageCatalog"],
        paths: &[
            Path::image("spec.images[].image"),
            Path::image("spec.images[].extensions[].image.reference"),
            Path::image("spec.extraImages[].image"),
        ],
    },
    // RabbitMQ cluster operator: rabbitmq/cluster-operator
    // api/v1beta1/rabbitmqcluster_types.go (`RabbitmqClusterSpec.Image`;
    // `Override.StatefulSet.Spec.Template`, a pod template patched onto the
    // operator's)
    Workload {
        group: "rabbitmq.com",
        kinds: &["RabbitmqCluster"],
        paths: &[
            Path::image("spec.image"),
            Path::template("spec.override.statefulSet.spec.template"),
        ],
    },
    // OpenTelemetry operator: apis/v1beta1/opentelemetrycollector_types.go
    // (the common fields; `TargetAllocatorEmbedded.Image`),
    // apis/v1alpha1/targetallocator_types.go (the common fields),
    // apis/v1alpha1/opampbridge_types.go (`Image`),
    // apis/v1alpha1/instrumentation_types.go (each language's `Image`; Java's
    // `Extensions[].Image`)
    Workload {
        group: "opentelemetry.io",
        kinds: &["OpenTelemetryCollector"],
        paths: &{
            let [image, init, extra] = OTEL_COMMON;
            [
                image,
                init,
                extra,
                Path::image("spec.targetAllocator.image"),
            ]
        },
    },
    Workload {
        group: "opentelemetry.io",
        kinds: &["TargetAllocator"],
        paths: &OTEL_COMMON,
    },
    Workload {
        group: "opentelemetry.io",
        kinds: &["OpAMPBridge"],
        paths: &[Path::image("spec.image")],
    },
    Workload {
        group: "opentelemetry.io",
        kinds: &["Instrumentation"],
        paths: &[
            Path::image("spec.java.image"),
            Path::image("spec.java.extensions[].image"),
            Path::image("spec.nodejs.image"),
            Path::image("spec.python.image"),
            Path::image("spec.dotnet.image"),
            Path::image("spec.go.image"),
            Path::image("spec.apacheHttpd.image"),
            Path::image("spec.nginx.image"),
        ],
    },
    // k6-operator: api/v1alpha1/testrun_types.go (`TestRunSpec.Runner`,
    // `.Starter`, `.Initializer`), k6_types.go (the deprecated K6, the same
    // pods), privateloadzone_types.go (`PrivateLoadZoneSpec.Image`)
    Workload {
        group: "k6.io",
        kinds: &["TestRun", "K6"],
        paths: K6_TEST,
    },
    Workload {
        group: "k6.io",
        kinds: &["PrivateLoadZone"],
        paths: &[Path::image("spec.image")],
    },
    // Altinity clickhouse-operator:
    // pkg/apis/clickhouse.altinity.com/v1/types.go (`ChiTemplates.PodTemplates`,
    // each a `ChiPodTemplate` with `metadata` and a pod `spec`); the keeper's
    // CHK (pkg/apis/clickhouse-keeper.altinity.com/v1) has the same templates.
    Workload {
        group: "clickhouse.altinity.com",
        kinds: &["ClickHouseInstallation", "ClickHouseInstallationTemplate"],
        paths: &[Path::template("spec.templates.podTemplates[]")],
    },
    Workload {
        group: "clickhouse-keeper.altinity.com",
        kinds: &["ClickHouseKeeperInstallation"],
        paths: &[Path::template("spec.templates.podTemplates[]")],
    },
    // MinIO operator: minio/operator pkg/apis/minio.min.io/v2/types.go
    // (`TenantSpec.Image`, `.InitContainers`, `.SideCars.Containers`,
    // `KESConfig.Image`)
    Workload {
        group: "minio.min.io",
        kinds: &["Tenant"],
        paths: &[
            Path::image("spec.image"),
            Path::container("spec.initContainers[]"),
            Path::container("spec.sideCars.containers[]"),
            Path::image("spec.kes.image"),
        ],
    },
    // Jaeger operator: jaegertracing/jaeger-operator apis/v1/jaeger_types.go
    // (`Image` of each component and of the storage jobs; `GRPCPluginSpec`,
    // an init container; `ElasticsearchSpec`, handed to the Elasticsearch
    // operator)
    Workload {
        group: "jaegertracing.io",
        kinds: &["Jaeger"],
        paths: &[
            Path::image("spec.allInOne.image"),
            Path::image("spec.agent.image"),
            Path::image("spec.collector.image"),
            Path::image("spec.ingester.image"),
            Path::image("spec.query.image"),
            Path::image("spec.storage.cassandraCreateSchema.image"),
            Path::image("spec.storage.dependencies.image"),
            Path::image("spec.storage.esIndexCleaner.image"),
            Path::image("spec.storage.esRollover.image"),
            Path::image("spec.storage.elasticsearch.image"),
            Path::image("spec.storage.grpcPlugin.image"),
        ],
    },
];
