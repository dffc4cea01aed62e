//! The workload table: which kinds hold pod specs, and where. Data, not code;
//! [`crate::locate`] walks it.
//!
//! Kinds match by API group and kind, in any version: Volcano's
//! `batch.volcano.sh` Job is not a `batch` Job.

/// What a path leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A mapping with `metadata` (which can opt out) and a pod `spec`.
    PodTemplate,
    /// A pod spec: `containers`, `initContainers`, `ephemeralContainers`,
    /// `volumes[].image`.
    PodSpec,
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

/// One row: an API group, its kinds, and where their pod specs are.
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

const SPEC_TEMPLATE: &[Path] = &[template("spec.template")];

/// Built-in Kubernetes workloads.
/// <https://kubernetes.io/docs/concepts/workloads/>
pub const BUILTIN: &[Workload] = &[
    Workload {
        group: "",
        kinds: &["Pod"],
        paths: &[Path {
            path: "spec",
            shape: Shape::PodSpec,
        }],
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
    // Deployment, DaemonSet and ReplicaSet were served here until Kubernetes 1.16.
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
];

/// The API group of an `apiVersion`: `apps/v1` → `apps`, `v1` → `""`.
pub fn group(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(group, _)| group)
}

/// The paths for a group and kind, if the table knows them.
pub fn lookup<'t>(table: &'t [Workload], group: &str, kind: &str) -> Option<&'t [Path]> {
    table
        .iter()
        .find(|w| w.group == group && w.kinds.contains(&kind))
        .map(|w| w.paths)
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
        assert!(lookup(BUILTIN, "batch", "Job").is_some());
        assert!(lookup(BUILTIN, "batch.volcano.sh", "Job").is_none());
        assert!(lookup(BUILTIN, "apps", "Pod").is_none());
    }
}
