//! Table paths parsed into typed steps, once: the built-in and operator
//! tables when they are first read, a rules file's `workloads:` paths when
//! the file is read (in [`super::PathSpec`]'s deserializer). The locator
//! walks steps, never the dotted text.
//!
//! The syntax: dotted keys; `key[]` is every item of the sequence under
//! `key`, `key[][]` every item of every item (Argo's `steps`); `*` is every
//! value of a mapping.

use std::sync::LazyLock;

use super::{BUILTIN, OPERATORS, Path, Shape, Workload};

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The value under `key`, then every item `lists` times over
    /// (`steps[][]` is `steps`, 2).
    Key { key: String, lists: usize },
    /// `*`: every value of a mapping.
    AnyValue,
}

/// A path, parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Steps(Vec<Step>);

impl Steps {
    /// The steps of a dotted path; `None` when a segment is empty
    /// (`spec..template`, the empty path) or holds a bracket other than a
    /// trailing `[]` (`a[0]`, `a[]b`, `[]`).
    pub fn parse(path: &str) -> Option<Steps> {
        path.split('.').map(step).collect::<Option<_>>().map(Steps)
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Step> {
        self.0.iter()
    }
}

/// One segment: `*`, or a key and the `[]`s after it.
fn step(segment: &str) -> Option<Step> {
    if segment == "*" {
        return Some(Step::AnyValue);
    }
    let mut key = segment;
    let mut lists = 0;
    while let Some(k) = key.strip_suffix("[]") {
        key = k;
        lists += 1;
    }
    (!key.is_empty() && !key.contains(['[', ']'])).then(|| Step::Key {
        key: key.to_string(),
        lists,
    })
}

/// A table path parsed, and what is at its end: what the locator walks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub steps: Steps,
    pub shape: Shape,
    /// For [`Shape::Fields`], its fields parsed (the shape's own slice is
    /// the text they were parsed from); empty for every other shape.
    pub fields: Vec<Route>,
}

impl Route {
    /// `path` of the table, parsed with its fields. The tables' paths are
    /// checked by `workload::tests::table_paths_are_well_formed`.
    fn of(path: &Path) -> Route {
        let fields = match path.shape {
            Shape::Fields(fields) => fields.iter().map(Route::of).collect(),
            _ => Vec::new(),
        };
        Route {
            steps: Steps::parse(path.path)
                .unwrap_or_else(|| panic!("bad table path {:?}", path.path)),
            shape: path.shape,
            fields,
        }
    }

    /// A rules file's path: a pod template, pod spec or container there.
    pub fn to(steps: Steps, shape: Shape) -> Route {
        Route {
            steps,
            shape,
            fields: Vec::new(),
        }
    }
}

/// A row of a table with its paths parsed.
#[derive(Debug)]
pub struct Row {
    pub group: &'static str,
    pub kinds: &'static [&'static str],
    pub routes: Vec<Route>,
}

fn rows(table: &'static [Workload]) -> Vec<Row> {
    table
        .iter()
        .map(|w| Row {
            group: w.group,
            kinds: w.kinds,
            routes: w.paths.iter().map(Route::of).collect(),
        })
        .collect()
}

static BUILTIN_ROWS: LazyLock<Vec<Row>> = LazyLock::new(|| rows(BUILTIN));
static OPERATOR_ROWS: LazyLock<Vec<Row>> = LazyLock::new(|| rows(OPERATORS));

/// [`BUILTIN`], parsed the first time it is read.
pub fn builtin() -> &'static [Row] {
    &BUILTIN_ROWS
}

/// [`OPERATORS`], parsed the first time it is read.
pub fn operators() -> &'static [Row] {
    &OPERATOR_ROWS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(key: &str, lists: usize) -> Step {
        Step::Key {
            key: key.into(),
            lists,
        }
    }

    #[test]
    fn parses_keys_lists_and_any_value() {
        let steps = Steps::parse("spec.steps[][].x.*.tasks[]").unwrap();
        assert_eq!(
            steps.0,
            [
                key("spec", 0),
                key("steps", 2),
                key("x", 0),
                Step::AnyValue,
                key("tasks", 1)
            ]
        );
        for bad in ["", "[]", "a[0]", "a[]b", "spec..template", ".spec", "spec."] {
            assert_eq!(Steps::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn fields_are_parsed_with_their_path() {
        let argo = operators()
            .iter()
            .chain(builtin())
            .find(|r| r.kinds.contains(&"Workflow"))
            .unwrap();
        let templates = &argo.routes[0].fields[0];
        assert_eq!(templates.steps.0, [key("templates", 1)]);
        assert!(!templates.fields.is_empty());
    }
}
