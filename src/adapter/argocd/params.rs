//! The plugin parameters an Application sets, from Argo CD's
//! `ARGOCD_APP_PARAMETERS`: a JSON array like
//! `[{"name":"values-files","array":["a.yaml"]},{"name":"helm-parameters","map":{"image.tag":"v1"}}]`,
//! or `null` when the Application sets none. Argo CD sends what the
//! Application says, never the announced defaults.
//!
//! Besides `enabled`, they are the options of Argo CD's own sources that a
//! plugin source otherwise lacks: `directory.recurse`, `.include`,
//! `.exclude`, and `helm.valueFiles`, `.parameters`,
//! `.ignoreMissingValueFiles`
//! ([types.go](https://github.com/argoproj/argo-cd/blob/master/pkg/apis/application/v1alpha1/types.go)).

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

use super::render::DirectoryOptions;

/// Every parameter name, as `plugin.yaml` announces them.
pub const NAMES: [&str; 8] = [
    "enabled",
    "refuse-empty",
    "values-files",
    "helm-parameters",
    "ignore-missing-values-files",
    "directory-recurse",
    "directory-include",
    "directory-exclude",
];

/// The parameters `plugin.yaml` announces, with their defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameters {
    /// `enabled`: `"false"` renders the app and passes it through unchanged.
    pub enabled: bool,
    /// `refuse-empty`: `"true"` fails a render with no objects (default
    /// `"false"`: an app with no objects, as in Argo CD).
    pub refuse_empty: bool,
    /// `values-files` (array): Helm values files, relative to the app.
    pub values_files: Vec<String>,
    /// `helm-parameters` (map): Helm `--set` values, in key order.
    pub helm_parameters: Vec<(String, String)>,
    /// `ignore-missing-values-files`: leave out values files that do not
    /// exist and globs that match nothing (default `"false"`).
    pub ignore_missing_values_files: bool,
    /// `directory-recurse` (default `"false"`, as Argo CD's),
    /// `directory-include`, `directory-exclude` (globs; default none).
    pub directory: DirectoryOptions,
}

impl Default for Parameters {
    fn default() -> Self {
        Parameters {
            enabled: true,
            refuse_empty: false,
            values_files: Vec::new(),
            helm_parameters: Vec::new(),
            ignore_missing_values_files: false,
            directory: DirectoryOptions::default(),
        }
    }
}

/// A parameter that cannot be used. `Display` is the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamError {
    /// The parameter's name; empty when the whole value is wrong.
    pub name: String,
    pub kind: ParamErrorKind,
}

/// What is wrong with a parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamErrorKind {
    /// `ARGOCD_APP_PARAMETERS` is not the JSON Argo CD sends.
    Json(String),
    /// A name `plugin.yaml` does not announce.
    Unknown,
    /// A string, array or map where another is expected: the expected one.
    Shape(&'static str),
    /// A flag that is not `"true"` or `"false"`: the value.
    NotBool(String),
    /// A directory glob that does not compile.
    Glob {
        value: String,
        error: super::render::glob::BadGlob,
    },
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.name.is_empty() {
            write!(f, "plugin parameters: ")?;
        } else {
            write!(f, "plugin parameter {:?}: ", self.name)?;
        }
        match &self.kind {
            ParamErrorKind::Json(e) => write!(f, "invalid ARGOCD_APP_PARAMETERS: {e}"),
            ParamErrorKind::Unknown => {
                write!(f, "unknown (expected one of {})", NAMES.join(", "))
            }
            ParamErrorKind::Shape(want) => write!(f, "expected {want}"),
            ParamErrorKind::NotBool(value) => {
                write!(f, "expected \"true\" or \"false\", got {value:?}")
            }
            ParamErrorKind::Glob { value, error } => write!(f, "invalid glob {value:?}: {error}"),
        }
    }
}

impl std::error::Error for ParamError {}

/// One entry, as `ApplicationSourcePluginParameter` marshals it.
#[derive(Debug, Deserialize)]
struct Param {
    name: String,
    string: Option<String>,
    array: Option<Vec<String>>,
    map: Option<BTreeMap<String, String>>,
}

impl Parameters {
    /// Parses `ARGOCD_APP_PARAMETERS`. Empty and `null` are no parameters.
    /// An unknown name is an error: a misspelt `values-files` would
    /// otherwise deploy the chart with its defaults.
    pub fn from_json(text: &str) -> Result<Parameters, ParamError> {
        let fail = |name: &str, kind: ParamErrorKind| ParamError {
            name: name.to_string(),
            kind,
        };
        let text = text.trim();
        if text.is_empty() || text == "null" {
            return Ok(Parameters::default());
        }
        let list: Vec<Param> = serde_json::from_str(text)
            .map_err(|e| fail("", ParamErrorKind::Json(e.to_string())))?;
        let mut out = Parameters::default();
        for p in list {
            let shape = |want: &'static str| fail(&p.name, ParamErrorKind::Shape(want));
            let flag = |default: bool| {
                let value = p.string.as_deref().ok_or_else(|| shape("a string"))?;
                boolean(value, default)
                    .ok_or_else(|| fail(&p.name, ParamErrorKind::NotBool(value.to_string())))
            };
            let glob = || {
                let value = p.string.clone().ok_or_else(|| shape("a string"))?;
                if !value.is_empty() {
                    super::render::glob::directory_pattern(&value).map_err(|error| {
                        let value = value.clone();
                        fail(&p.name, ParamErrorKind::Glob { value, error })
                    })?;
                }
                Ok(value)
            };
            match p.name.as_str() {
                "enabled" => out.enabled = flag(true)?,
                "refuse-empty" => out.refuse_empty = flag(false)?,
                "values-files" => {
                    out.values_files = p.array.clone().ok_or_else(|| shape("an array"))?;
                }
                "helm-parameters" => {
                    out.helm_parameters = p
                        .map
                        .clone()
                        .ok_or_else(|| shape("a map"))?
                        .into_iter()
                        .collect();
                }
                "ignore-missing-values-files" => out.ignore_missing_values_files = flag(false)?,
                "directory-recurse" => out.directory.recurse = flag(false)?,
                "directory-include" => out.directory.include = glob()?,
                "directory-exclude" => out.directory.exclude = glob()?,
                _ => return Err(fail(&p.name, ParamErrorKind::Unknown)),
            }
        }
        Ok(out)
    }
}

/// A string parameter read as a flag; empty is the default.
fn boolean(value: &str, default: bool) -> Option<bool> {
    if value.trim().is_empty() {
        return Some(default);
    }
    crate::settings::parse_bool(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argo_cd_shapes() {
        let p = Parameters::from_json(
            r#"[{"name":"values-files","array":["values-prod.yaml","b.yaml"]},
                {"name":"helm-parameters","map":{"replicas":"3","image.tag":"v1"}},
                {"name":"enabled","string":"False"},
                {"name":"refuse-empty","string":"true"}]"#,
        )
        .unwrap();
        assert!(p.refuse_empty);
        assert_eq!(p.values_files, ["values-prod.yaml", "b.yaml"]);
        assert_eq!(
            p.helm_parameters,
            [
                ("image.tag".into(), "v1".into()),
                ("replicas".into(), "3".into())
            ]
        );
        assert!(!p.enabled);
        assert_eq!(p.directory, DirectoryOptions::default());
    }

    #[test]
    fn argo_cd_source_options() {
        let p = Parameters::from_json(
            r#"[{"name":"directory-recurse","string":"false"},
                {"name":"directory-include","string":"{config.yaml,env-use2/*}"},
                {"name":"directory-exclude","string":"*.json"},
                {"name":"ignore-missing-values-files","string":"true"},
                {"name":"values-files","array":["envs/*.yaml","envs/$ARGOCD_APP_NAME.yaml"]}]"#,
        )
        .unwrap();
        assert_eq!(
            p.directory,
            DirectoryOptions {
                recurse: false,
                include: "{config.yaml,env-use2/*}".into(),
                exclude: "*.json".into(),
            }
        );
        assert!(p.ignore_missing_values_files);
        // Kept as written: globs and variables are resolved at render time.
        assert_eq!(
            p.values_files,
            ["envs/*.yaml", "envs/$ARGOCD_APP_NAME.yaml"]
        );
        let empty = Parameters::from_json(r#"[{"name":"directory-recurse","string":""}]"#);
        assert!(!empty.unwrap().directory.recurse);
    }

    #[test]
    fn none_is_defaults() {
        for none in ["", "null", " null\n", "[]"] {
            assert_eq!(Parameters::from_json(none).unwrap(), Parameters::default());
        }
    }

    #[test]
    fn mistakes_name_the_parameter() {
        let cases = [
            (
                r#"[{"name":"value-files","array":["a"]}]"#,
                "plugin parameter \"value-files\": unknown",
            ),
            (
                r#"[{"name":"values-files","string":"a"}]"#,
                "plugin parameter \"values-files\": expected an array",
            ),
            (
                r#"[{"name":"enabled","string":"nope"}]"#,
                "plugin parameter \"enabled\": expected \"true\" or \"false\"",
            ),
            ("{", "plugin parameters: invalid ARGOCD_APP_PARAMETERS"),
            (
                r#"[{"name":"directory-include","string":"[a"}]"#,
                "plugin parameter \"directory-include\": invalid glob \"[a\"",
            ),
            (
                r#"[{"name":"directory-exclude","array":["a"]}]"#,
                "plugin parameter \"directory-exclude\": expected a string",
            ),
            (
                r#"[{"name":"directory-recurse","string":"sometimes"}]"#,
                "plugin parameter \"directory-recurse\": expected \"true\" or \"false\"",
            ),
        ];
        for (json, want) in cases {
            let got = Parameters::from_json(json).unwrap_err().to_string();
            assert!(got.starts_with(want), "{json}: {got}");
        }
    }
}
