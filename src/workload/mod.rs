//! The workload table: which kinds hold images, and where. Data, not code;
//! [`crate::locate`] walks it.
//!
//! Kinds match by API group and kind, in any version: Volcano's
//! `batch.volcano.sh` Job is not a `batch` Job. Each row's behaviour is pinned
//! by a `testdata/rewrite/kinds-*.yaml` golden file.
//!
//! Two tables: [`BUILTIN`], always on, for Kubernetes and the workload kinds
//! that embed pod specs; and [`OPERATORS`], the image fields that operators
//! read from their custom resources, which `--no-operator-images` turns off.
//! A kind is in at most one of them.

mod operators;
mod steps;
mod table;

use serde::Deserialize;

pub use operators::OPERATORS;
pub use steps::{Route, Row, Step, Steps, builtin, operators};
pub use table::BUILTIN;

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
    /// The node is itself an image reference: Prometheus's `spec.image`,
    /// CloudNativePG's `spec.imageName`, each item of `spec.images[]`. Left
    /// unset (`null`, `""`), such an optional field is no image.
    Image,
    /// A mapping with `metadata` (which can opt out) whose images are at these
    /// paths, relative to it, like an Argo Workflows template or a Tekton task
    /// spec.
    Fields(&'static [Path]),
    /// Inside [`Shape::Fields`]: the same fields again, one level down. An
    /// Argo template's inline templates are templates; a Tekton pipeline's
    /// pipelines are pipelines.
    Same,
}

/// A path from an object's root, and what is there.
///
/// The path is dotted keys; `key[]` means every item of the sequence under
/// `key`, `key[][]` every item of every item (Argo's `steps`), and `*` every
/// value of a mapping ([`Steps`], which it is parsed into once).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Path {
    pub path: &'static str,
    pub shape: Shape,
}

impl Path {
    pub const fn template(path: &'static str) -> Path {
        Path {
            path,
            shape: Shape::PodTemplate,
        }
    }

    pub const fn pod_spec(path: &'static str) -> Path {
        Path {
            path,
            shape: Shape::PodSpec,
        }
    }

    pub const fn container(path: &'static str) -> Path {
        Path {
            path,
            shape: Shape::Container,
        }
    }

    pub const fn image(path: &'static str) -> Path {
        Path {
            path,
            shape: Shape::Image,
        }
    }

    pub const fn fields(path: &'static str, fields: &'static [Path]) -> Path {
        Path {
            path,
            shape: Shape::Fields(fields),
        }
    }

    pub const fn same(path: &'static str) -> Path {
        Path {
            path,
            shape: Shape::Same,
        }
    }
}

/// One row: an API group, its kinds, and where their images are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Workload {
    /// API group; `""` is the core group (`apiVersion: v1`).
    pub group: &'static str,
    pub kinds: &'static [&'static str],
    pub paths: &'static [Path],
}

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
    /// A path that is not dotted keys, `key[]` (`key[][]`) and `*`.
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

/// One extra path: as written, and parsed when the rules file is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathSpec {
    pub path: String,
    pub shape: ShapeName,
    /// The path's steps and shape; `None` when it is not a path, which
    /// [`WorkloadSpec::validate`] reports.
    route: Option<Route>,
}

impl PathSpec {
    /// `path`, parsed, leading to `shape`.
    pub fn new(path: impl Into<String>, shape: ShapeName) -> PathSpec {
        let path = path.into();
        let shape_is = match shape {
            ShapeName::PodTemplate => Shape::PodTemplate,
            ShapeName::PodSpec => Shape::PodSpec,
            ShapeName::Container => Shape::Container,
        };
        let route = Steps::parse(&path).map(|steps| Route::to(steps, shape_is));
        PathSpec { path, shape, route }
    }
}

/// The `{path, type}` form of a [`PathSpec`]; a string is a pod template.
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
                Ok(PathSpec::new(s, ShapeName::PodTemplate))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<PathSpec, A::Error> {
                let t = TypedPath::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(PathSpec::new(t.path, t.shape))
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

impl WorkloadSpec {
    /// Checks the kind and the path syntax.
    pub fn validate(&self) -> Result<(), InvalidWorkload> {
        if self.kind.is_empty() {
            return Err(InvalidWorkload::NoKind);
        }
        if self.paths.is_empty() {
            return Err(InvalidWorkload::NoPaths);
        }
        match self.paths.iter().find(|p| p.route.is_none()) {
            Some(bad) => Err(InvalidWorkload::Path(bad.path.clone())),
            None => Ok(()),
        }
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

/// Every route for a group and kind: the extra workloads' first, then the
/// built-in table's. `None` when neither knows the kind.
pub fn lookup<'t>(
    extra: &'t [WorkloadSpec],
    group: &str,
    kind: &str,
) -> Option<impl Iterator<Item = &'t Route>> {
    let matches = move |w: &&WorkloadSpec| w.group() == group && w.kind == kind;
    let row = find(builtin(), group, kind);
    (row.is_some() || extra.iter().any(|w| matches(&w))).then(move || {
        let extra = extra.iter().filter(matches);
        // A path `validate` rejected never reaches a `Config`.
        let extra = extra.flat_map(|w| w.paths.iter().filter_map(|p| p.route.as_ref()));
        extra.chain(row.into_iter().flat_map(|r| r.routes.iter()))
    })
}

/// The row of `table` for a group and kind.
pub fn find(table: &'static [Row], group: &str, kind: &str) -> Option<&'static Row> {
    table
        .iter()
        .find(|w| w.group == group && w.kinds.contains(&kind))
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

    fn found(extra: &[WorkloadSpec], group: &str, kind: &str) -> Option<Vec<Route>> {
        lookup(extra, group, kind).map(|routes| routes.cloned().collect())
    }

    fn route(path: &str, shape: Shape) -> Route {
        Route::to(Steps::parse(path).unwrap(), shape)
    }

    #[test]
    fn lookup_matches_group_and_kind() {
        assert!(found(&[], "batch", "Job").is_some());
        assert_eq!(
            found(&[], "batch.volcano.sh", "Job").unwrap()[0],
            route("spec.tasks[].template", Shape::PodTemplate)
        );
        assert!(found(&[], "apps", "Pod").is_none());
    }

    #[test]
    fn extra_workloads_come_first() {
        let extra = vec![WorkloadSpec {
            group: "core".into(),
            kind: "Pod".into(),
            paths: vec![PathSpec::new("spec.extra", ShapeName::Container)],
        }];
        assert_eq!(
            found(&extra, "", "Pod").unwrap(),
            [
                route("spec.extra", Shape::Container),
                route("spec", Shape::PodSpec)
            ]
        );
        assert!(found(&extra, "", "Thing").is_none());
    }

    /// Both tables, each row with the table it is in.
    fn rows() -> impl Iterator<Item = (&'static str, &'static Workload)> {
        let builtin = BUILTIN.iter().map(|w| ("built-in", w));
        builtin.chain(OPERATORS.iter().map(|w| ("operator", w)))
    }

    /// A kind is in one row of one table: the switch that turns the
    /// operator table off must not change what the built-in table finds.
    #[test]
    fn tables_have_no_duplicate_rows() {
        let all: Vec<_> = rows().collect();
        for (i, (t, a)) in all.iter().enumerate() {
            for (u, b) in &all[i + 1..] {
                let shared = a.kinds.iter().any(|k| b.kinds.contains(k));
                assert!(
                    !(a.group == b.group && shared),
                    "{t}/{u}: {} {:?}",
                    a.group,
                    a.kinds
                );
            }
        }
    }

    /// Every path parses, and `Shape::Same` appears only among the fields of
    /// a `Shape::Fields`, where it means those fields again.
    #[test]
    fn table_paths_are_well_formed() {
        fn check(paths: &[Path], inside_fields: bool, row: &str) {
            for p in paths {
                assert!(
                    Steps::parse(p.path).is_some(),
                    "{row}: bad path {:?}",
                    p.path
                );
                match p.shape {
                    Shape::Same => assert!(inside_fields, "{row}: {:?} outside Fields", p.path),
                    Shape::Fields(fields) => check(fields, true, row),
                    _ => {}
                }
            }
        }
        for (table, w) in rows() {
            check(
                w.paths,
                false,
                &format!("{table} {} {:?}", w.group, w.kinds),
            );
        }
    }

    /// Every kind of both tables has a golden case: a document of its group
    /// and kind in a `testdata/rewrite/kinds-*` file, whose snapshot pins
    /// what is rewritten.
    #[test]
    fn every_table_kind_has_a_golden_case() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/rewrite");
        let mut golden = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if !name.starts_with("kinds-") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for doc in crate::yaml::parse(&text).unwrap() {
                let Some(root) = doc.root else { continue };
                let api_version = doc.get_str(root, "apiVersion").unwrap_or_default();
                let kind = doc.get_str(root, "kind").unwrap_or_default();
                golden.push((group(api_version).to_string(), kind.to_string()));
            }
        }
        let missing: Vec<String> = rows()
            .flat_map(|(_, w)| w.kinds.iter().map(move |k| (w.group, *k)))
            .filter(|&(g, k)| !golden.iter().any(|(gg, kk)| gg == g && kk == k))
            .map(|(g, k)| format!("{g}/{k}"))
            .collect();
        assert!(
            missing.is_empty(),
            "no testdata/rewrite/kinds-* golden case for {missing:?}"
        );
    }

    #[test]
    fn rules_file_paths_may_nest_lists() {
        let spec = |path: &str| WorkloadSpec {
            group: "example.com".into(),
            kind: "Thing".into(),
            paths: vec![PathSpec::new(path, ShapeName::PodTemplate)],
        };
        assert!(spec("spec.steps[][].template").validate().is_ok());
        assert!(spec("spec.*.template").validate().is_ok());
        assert!(spec("spec.steps[0]").validate().is_err());
        assert!(spec("spec..template").validate().is_err());
    }
}
