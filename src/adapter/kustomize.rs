//! kustomize's legacy exec plugin, and the configuration object that it and
//! a KRM function's `functionConfig` share.
//!
//! As a legacy exec plugin, the binary is installed as
//! `$KUSTOMIZE_PLUGIN_HOME/pullthrough.dev/v1alpha1/pullthrough/PullThrough`;
//! kustomize runs it with the config object's file as its first argument
//! and the resources on stdin (integration-contracts §5). The config object
//! is a `pullthrough.dev/v1alpha1` `PullThrough` (or a ConfigMap).

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use crate::settings::{Error, ErrorKind, Settings};
use crate::yaml::{self, Document, NodeId};

/// The file name kustomize's legacy exec plugin has:
/// `$KUSTOMIZE_PLUGIN_HOME/pullthrough.dev/v1alpha1/pullthrough/PullThrough`.
pub const PLUGIN_NAME: &str = "PullThrough";

/// The `apiVersion` of the `PullThrough` configuration object.
pub const CONFIG_API_VERSION: &str = "pullthrough.dev/v1alpha1";

/// The kind of the `PullThrough` configuration object.
pub const CONFIG_KIND: &str = "PullThrough";

/// The arguments for the command line, and the plugin config when run as
/// kustomize's legacy exec plugin: then `argv[0]` is `…/PullThrough`, `argv[1]`
/// the config object's file, and any further words (`argsOneLiner`) are
/// flags.
pub fn legacy_plugin(argv: Vec<OsString>) -> (Vec<OsString>, Option<PathBuf>) {
    let is_plugin = argv
        .first()
        .and_then(|a| Path::new(a).file_name())
        .is_some_and(|name| name == OsStr::new(PLUGIN_NAME));
    if !is_plugin {
        return (argv, None);
    }
    let mut args = argv.into_iter();
    let zero = args.next().unwrap_or_default();
    // No argument at all still selects the mode, so the error says what is
    // missing instead of "no registry".
    let config = args.next().unwrap_or_default();
    (
        std::iter::once(zero).chain(args).collect(),
        Some(config.into()),
    )
}

/// The settings of the legacy plugin's config file: the `PullThrough`
/// object (a ConfigMap works too). `None` is not run as the plugin.
pub fn plugin_settings(config: Option<&Path>) -> Result<Settings, Error> {
    let Some(path) = config else {
        return Ok(Settings::default());
    };
    if path.as_os_str().is_empty() {
        return Err(Error::unreadable(
            "",
            format!(
                "run as kustomize's exec plugin ({PLUGIN_NAME}), the first argument must be the plugin's config file"
            ),
        ));
    }
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| Error::unreadable(&name, e))?;
    let text =
        std::str::from_utf8(&bytes).map_err(|_| Error::unreadable(&name, "not valid UTF-8"))?;
    let docs = yaml::parse(text).map_err(|e| Error::unreadable(&name, e))?;
    let [doc] = docs.as_slice() else {
        return Err(Error::unreadable(&name, "expected one YAML document"));
    };
    let root = doc
        .root
        .ok_or_else(|| Error::unreadable(&name, "empty document"))?;
    // kustomize writes the object to a temporary file of its own: errors
    // name the object the user wrote, as kustomize names resources.
    let kind = doc.get_str(root, "kind").unwrap_or(CONFIG_KIND);
    let object_name = doc
        .get(root, "metadata")
        .find_map(|m| doc.get_str(m, "name"))
        .unwrap_or("(no metadata.name)");
    object_settings(doc, root, &format!("{kind} {object_name}"))
}

/// Settings from a configuration object: a `ConfigMap` whose `data` keys are
/// the long option names (what `kpt fn eval --exec pullthrough -- key=value`
/// sends), or a `pullthrough.dev/v1alpha1` `PullThrough` whose `spec` holds
/// the camelCase settings of a rules file. `source` names the object in
/// errors (`functionConfig`, a file path).
pub fn object_settings(doc: &Document, object: NodeId, source: &str) -> Result<Settings, Error> {
    let invalid = |why: String| Error::invalid(source, why);
    let api_version = doc.get_str(object, "apiVersion").unwrap_or_default();
    let kind = doc.get_str(object, "kind").unwrap_or_default();
    match (api_version, kind) {
        ("v1", "ConfigMap") => {
            let Some(data) = doc.get(object, "data").next() else {
                return Ok(Settings::default());
            };
            if doc.spells_null(data) {
                return Ok(Settings::default());
            }
            if !doc.is_mapping(data) {
                return Err(invalid("data: expected a mapping of strings".into()));
            }
            let mut pairs = Vec::new();
            for &(k, v) in doc.pairs(data) {
                let key = doc.str(k).unwrap_or_default();
                let value = doc
                    .str(v)
                    .ok_or_else(|| invalid(format!("data.{key}: expected a string")))?;
                pairs.push((key, value));
            }
            Settings::from_pairs(pairs).map_err(|e| e.within(&format!("{source}.data"), true))
        }
        (CONFIG_API_VERSION, CONFIG_KIND) => {
            let object = yaml::to_json_at(doc, object);
            match object.get("spec") {
                None | Some(serde_json::Value::Null) => Ok(Settings::default()),
                Some(spec) => Settings::from_json(spec.clone(), &format!("{source}.spec")),
            }
        }
        _ => Err(Error::new(
            source,
            ErrorKind::Invalid(format!(
                "expected a v1 ConfigMap or a {CONFIG_API_VERSION} {CONFIG_KIND}, got {api_version:?} {kind:?}"
            )),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plugin_mode_comes_from_the_file_name() {
        let os = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>();
        let (argv, config) = legacy_plugin(os(&[
            "/p/pullthrough.dev/v1alpha1/pullthrough/PullThrough",
            "/tmp/kust-plugin-config-1",
            "--exclude",
            "x",
        ]));
        assert_eq!(config, Some(PathBuf::from("/tmp/kust-plugin-config-1")));
        assert_eq!(
            argv,
            os(&[
                "/p/pullthrough.dev/v1alpha1/pullthrough/PullThrough",
                "--exclude",
                "x"
            ])
        );
        let (argv, config) = legacy_plugin(os(&["pullthrough", "--registry", "r"]));
        assert_eq!(config, None);
        assert_eq!(argv.len(), 3);
        let (_, config) = legacy_plugin(os(&["PullThrough"]));
        assert_eq!(config, Some(PathBuf::new()));
        assert!(plugin_settings(config.as_deref()).is_err());
    }
}
