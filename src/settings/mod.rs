//! Settings from every source, layered and resolved into one [`Config`].
//!
//! | module       | its one job                                              |
//! |--------------|----------------------------------------------------------|
//! | `table`    | [`SETTINGS`]: each setting declared once, as data; [`Name`] |
//! | `schema`   | [`Settings`]: what one source gives, every field optional |
//! | `text`     | how a text value reads (trimmed, blank is unset); layering, slot by slot |
//! | `sources`  | reading a source (environment, `key=value` pairs, JSON, the rules file); [`Sources`], the precedence |
//! | `describe` | reading `aws ecr describe-pull-through-cache-rules` output |
//! | `resolve`  | checking values and filling defaults: [`Settings`] → [`Config`] |
//! | `error`    | what can be wrong with a setting, as [`ErrorKind`]s       |
//!
//! Precedence is one function, [`Sources::resolve`]: flags (and the
//! variables that stand for them), then the host's config object, then
//! `--rules-from`, then `--config`, then an app's own settings, then the
//! ambient region, then defaults.
//!
//! [`Config`]: crate::Config

mod describe;
mod error;
mod resolve;
mod schema;
mod sources;
mod table;
mod text;

pub use error::{Error, ErrorKind};
pub use schema::{FullRule, Hosts, RenameSpec, RuleList, RuleSpec, Settings};
pub use sources::{Sources, ambient_region, count_var};
pub use table::{Flag, Name, PREFIX, REGION_VARIABLES, SETTINGS, Setting, Slot, option_names};
pub use text::{parse_bool, split_list, value};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_and_defaults() {
        let flags = Settings {
            registry: Some("r.example.com".into()),
            ..Settings::default()
        };
        let file = Settings {
            registry: Some("ignored.example.com".into()),
            docker_hub_prefix: Some("hub".into()),
            ..Settings::default()
        };
        let config = flags.over(file).resolve().unwrap();
        assert_eq!(config.rules.registry, "r.example.com");
        assert_eq!(config.rules.upstreams[0].prefix, "hub");
        assert_eq!(
            config.opt_out_annotation,
            crate::config::DEFAULT_OPT_OUT_ANNOTATION
        );
        assert!(config.generic);
    }

    #[test]
    fn file_errors_name_the_path() {
        let json = serde_json::json!({"registry": "r.io", "rules": [{"hosts": "quay.io", "prefix": "quay", "extra": 1}]});
        let err = Settings::from_json(json, "rules.yaml").unwrap_err();
        assert!(err.to_string().starts_with("rules.yaml"), "{err}");
        let json = serde_json::json!({"registry": "r.io", "registy": "typo"});
        let err = Settings::from_json(json, "rules.yaml").unwrap_err();
        assert!(err.to_string().contains("registy"), "{err}");
    }

    #[test]
    fn pairs_use_long_option_names() {
        let s = Settings::from_pairs([
            ("registry", "r.io"),
            ("rules", "quay.io=quay, ghcr.io=ghcr"),
        ])
        .unwrap();
        let config = s.resolve().unwrap();
        assert_eq!(config.rules.upstreams.len(), 3);
        assert!(Settings::from_pairs([("regsitry", "r.io")]).is_err());
    }

    /// The describe-pull-through-cache-rules JSON, resolved with a region.
    fn in_eu_west_1(json: &str) -> crate::Config {
        let s = Settings::from_describe_rules(json, "rules.json").unwrap();
        Settings {
            region: Some("eu-west-1".into()),
            ..s
        }
        .resolve()
        .unwrap()
    }

    #[test]
    fn describe_rules() {
        let json = r#"{"pullThroughCacheRules": [
            {"ecrRepositoryPrefix": "docker-hub", "upstreamRegistryUrl": "registry-1.docker.io", "registryId": "123456789012", "upstreamRegistry": "docker-hub"},
            {"ecrRepositoryPrefix": "quay", "upstreamRegistryUrl": "quay.io", "registryId": "123456789012", "upstreamRepositoryPrefix": "ROOT"},
            {"ecrRepositoryPrefix": "cg", "upstreamRegistryUrl": "cgr.dev", "registryId": "123456789012", "upstreamRepositoryPrefix": "my-org"}
        ]}"#;
        let config = in_eu_west_1(json);
        let r = &config.rules;
        assert_eq!(r.registry, "123456789012.dkr.ecr.eu-west-1.amazonaws.com");
        let rewrite = |image: &str| match r.decide(image) {
            crate::rules::Decision::Rewrite { image, .. } => image,
            other => panic!("{image}: {other:?}"),
        };
        assert_eq!(
            rewrite("nginx"),
            format!("{}/docker-hub/library/nginx", r.registry)
        );
        assert_eq!(
            rewrite("quay.io/a/b:1"),
            format!("{}/quay/a/b:1", r.registry)
        );
        assert_eq!(
            rewrite("cgr.dev/my-org/go:1"),
            format!("{}/cg/go:1", r.registry)
        );
        assert!(matches!(
            r.decide("cgr.dev/other/go:1"),
            crate::rules::Decision::Keep(_)
        ));
    }

    #[test]
    fn describe_rules_without_docker_hub_leaves_it_alone() {
        let json = r#"{"pullThroughCacheRules": [{"ecrRepositoryPrefix": "quay", "upstreamRegistryUrl": "quay.io", "registryId": "123456789012"}]}"#;
        let config = in_eu_west_1(json);
        assert!(matches!(
            config.rules.decide("nginx"),
            crate::rules::Decision::Keep(_)
        ));
    }
}
