//! The settings table: each setting declared once, as data. A row holds
//! the setting's name in messages and ConfigMaps, its rules-file key, how
//! the command line and the environment give it, its help and default, and
//! where it lives in [`Settings`] (whose type is its parser). Every reader
//! (flags, variables, a ConfigMap `functionConfig`, a rules file, `generate`'s
//! `ARGOCD_ENV_*`) and every message that names settings goes through it.

use std::fmt;

use super::{RenameSpec, RuleList, Settings};
use crate::config::{DEFAULT_DOCKER_HUB_PREFIX, DEFAULT_OPT_OUT_ANNOTATION, Digests};
use crate::workload::WorkloadSpec;

/// A setting, for messages that are about the setting rather than one place
/// it was written: a row of [`SETTINGS`], in the table's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Name {
    Registry,
    AccountId,
    Region,
    DockerHubPrefix,
    DockerHub,
    Rules,
    OptOutAnnotation,
    Exclude,
    Renames,
    Workloads,
    Generic,
    OperatorImages,
    Digests,
}

/// One row of the table.
#[derive(Debug)]
pub struct Setting {
    pub name: Name,
    /// Its name in messages, and its key in a ConfigMap `functionConfig`
    /// (what `kpt fn eval --exec pullthrough -- key=value` sends).
    pub option: &'static str,
    /// Its key in a rules file and a `PullThrough` spec (camelCase).
    pub file_key: &'static str,
    /// How the command line and the environment give it.
    pub flag: Flag,
    /// The flag's help, without its default and variable.
    pub help: &'static str,
    /// What an unset setting is, as the help and the README say it.
    pub default: Option<&'static str>,
    /// Where the value lives in [`Settings`]; the field's type decides how
    /// a text value reads.
    pub slot: fn(&mut Settings) -> Slot<'_>,
}

/// How the command line and the environment give a setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    /// Only in a rules file or a `PullThrough` spec.
    FileOnly,
    /// `--long VALUE` (repeatable for a list; its variable comma-separated),
    /// and the variable [`PREFIX`]`<variable>`. clap reads the variable,
    /// so that `--help` shows it and a flag wins without it being read.
    Value {
        long: &'static str,
        value_name: &'static str,
        variable: &'static str,
    },
    /// `--long VALUE`, one of `values`; its variable is read with the
    /// settings, not by clap, which would refuse a bad one for every
    /// subcommand (`man` included) and any case but the flag's.
    Choice {
        long: &'static str,
        value_name: &'static str,
        values: &'static [&'static str],
        variable: &'static str,
    },
    /// `--long` turns the setting off; the variable is `true` or `false`.
    Off {
        long: &'static str,
        variable: &'static str,
    },
    /// `--long VALUE`, and else the ambient [`REGION_VARIABLES`] below every
    /// source: EKS sets them in many pods.
    Ambient {
        long: &'static str,
        value_name: &'static str,
    },
}

/// The prefix of the variables that stand for the flags.
pub const PREFIX: &str = "PULLTHROUGH_";

/// The ambient region variables, in the AWS CLI's order: EKS sets them in
/// many pods, so they only ever fill in a region no source gives.
pub const REGION_VARIABLES: [&str; 2] = ["AWS_REGION", "AWS_DEFAULT_REGION"];

/// Where a setting's value lives, by its type.
#[derive(Debug)]
pub enum Slot<'a> {
    Text(&'a mut Option<String>),
    /// A comma-separated text value is a list.
    List(&'a mut Option<Vec<String>>),
    Rules(&'a mut Option<RuleList>),
    Switch(&'a mut Option<bool>),
    Digests(&'a mut Option<Digests>),
    /// `FROM=TO` pairs; a comma-separated text value is a list.
    Renames(&'a mut Option<Vec<RenameSpec>>),
    Workloads(&'a mut Option<Vec<WorkloadSpec>>),
}

/// Every setting, in the rules file's order (the order of [`Name`]).
pub const SETTINGS: &[Setting] = &[
    Setting {
        name: Name::Registry,
        option: "registry",
        file_key: "registry",
        flag: Flag::Value {
            long: "registry",
            value_name: "HOST",
            variable: "REGISTRY",
        },
        help: "Cache registry host, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com",
        default: None,
        slot: |s| Slot::Text(&mut s.registry),
    },
    Setting {
        name: Name::AccountId,
        option: "account-id",
        file_key: "accountId",
        flag: Flag::Value {
            long: "account-id",
            value_name: "ID",
            variable: "ACCOUNT_ID",
        },
        help: "AWS account ID (12 digits) to build the ECR host from, with --region",
        default: None,
        slot: |s| Slot::Text(&mut s.account_id),
    },
    Setting {
        name: Name::Region,
        option: "region",
        file_key: "region",
        flag: Flag::Ambient {
            long: "region",
            value_name: "REGION",
        },
        help: "AWS region to build the ECR host from",
        default: None,
        slot: |s| Slot::Text(&mut s.region),
    },
    Setting {
        name: Name::DockerHubPrefix,
        option: "docker-hub-prefix",
        file_key: "dockerHubPrefix",
        flag: Flag::Value {
            long: "docker-hub-prefix",
            value_name: "PREFIX",
            variable: "DOCKER_HUB_PREFIX",
        },
        help: "ECR repository prefix of the Docker Hub pull-through cache rule",
        default: Some(DEFAULT_DOCKER_HUB_PREFIX),
        slot: |s| Slot::Text(&mut s.docker_hub_prefix),
    },
    Setting {
        name: Name::DockerHub,
        option: "docker-hub",
        file_key: "dockerHub",
        flag: Flag::FileOnly,
        help: "Whether Docker Hub images are rewritten at all (false leaves only the rules)",
        default: Some("true"),
        slot: |s| Slot::Switch(&mut s.docker_hub),
    },
    Setting {
        name: Name::Rules,
        option: "rules",
        file_key: "rules",
        flag: Flag::Value {
            long: "rule",
            value_name: "HOST=PREFIX",
            variable: "RULES",
        },
        help: "Another upstream: images on HOST go to the cache prefix PREFIX (e.g. \
               quay.io=quay). Repeatable; the variable is comma-separated",
        default: None,
        slot: |s| Slot::Rules(&mut s.rules),
    },
    Setting {
        name: Name::OptOutAnnotation,
        option: "opt-out-annotation",
        file_key: "optOutAnnotation",
        flag: Flag::Value {
            long: "opt-out-annotation",
            value_name: "KEY",
            variable: "OPT_OUT_ANNOTATION",
        },
        help: "Annotation that opts an object or pod template out when set to \"disabled\"",
        default: Some(DEFAULT_OPT_OUT_ANNOTATION),
        slot: |s| Slot::Text(&mut s.opt_out_annotation),
    },
    Setting {
        name: Name::Exclude,
        option: "exclude",
        file_key: "exclude",
        flag: Flag::Value {
            long: "exclude",
            value_name: "GLOB",
            variable: "EXCLUDE",
        },
        help: "Image glob never rewritten, matched as written and in canonical form (e.g. \
               'docker.io/library/*'). Repeatable; the variable is comma-separated",
        default: None,
        slot: |s| Slot::List(&mut s.exclude),
    },
    Setting {
        name: Name::Renames,
        option: "renames",
        file_key: "renames",
        flag: Flag::Value {
            long: "rename",
            value_name: "FROM=TO",
            variable: "RENAMES",
        },
        help: "Rename repository FROM (and every repository under it) to TO before the cache \
               rules, tag and digest kept (e.g. bitnami=bitnamilegacy). Repeatable; the \
               variable is comma-separated",
        default: None,
        slot: |s| Slot::Renames(&mut s.renames),
    },
    Setting {
        name: Name::Workloads,
        option: "workloads",
        file_key: "workloads",
        flag: Flag::FileOnly,
        help: "Extra workload paths for kinds the table does not know",
        default: None,
        slot: |s| Slot::Workloads(&mut s.workloads),
    },
    Setting {
        name: Name::Generic,
        option: "generic",
        file_key: "generic",
        flag: Flag::Off {
            long: "no-generic",
            variable: "GENERIC",
        },
        help: "Do not look for pod templates in kinds the workload table does not know",
        default: Some("on"),
        slot: |s| Slot::Switch(&mut s.generic),
    },
    Setting {
        name: Name::OperatorImages,
        option: "operator-images",
        file_key: "operatorImages",
        flag: Flag::Off {
            long: "no-operator-images",
            variable: "OPERATOR_IMAGES",
        },
        help: "Leave the images operators read from their configuration as written: operator \
               custom-resource fields, image env vars and flags, embedded configs",
        default: Some("on"),
        slot: |s| Slot::Switch(&mut s.operator_images),
    },
    Setting {
        name: Name::Digests,
        option: "digests",
        file_key: "digests",
        flag: Flag::Choice {
            long: "digests",
            value_name: "POLICY",
            values: &["rewrite", "keep"],
            variable: "DIGESTS",
        },
        help: "Digest-pinned images: rewrite them (ECR fills the cache only after a pull by \
               tag), or keep them as written",
        default: Some("rewrite"),
        slot: |s| Slot::Digests(&mut s.digests),
    },
];

impl Name {
    /// This setting's row.
    pub fn setting(self) -> &'static Setting {
        &SETTINGS[self as usize]
    }

    /// Its name in messages and ConfigMaps: `docker-hub-prefix`.
    pub fn option(self) -> &'static str {
        self.setting().option
    }

    /// The key in a rules file and a `PullThrough` spec: `dockerHubPrefix`.
    pub fn file_key(self) -> &'static str {
        self.setting().file_key
    }
}

/// Its one name is the option's; where a rules file spells it otherwise,
/// that spelling follows in parentheses: `docker-hub-prefix (dockerHubPrefix)`.
impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (option, key) = (self.option(), self.file_key());
        if option == key {
            f.write_str(option)
        } else {
            write!(f, "{option} ({key})")
        }
    }
}

impl From<Name> for String {
    fn from(name: Name) -> String {
        name.to_string()
    }
}

impl Setting {
    /// The row named `option` that a text source (a ConfigMap) may set.
    pub fn by_option(option: &str) -> Option<&'static Setting> {
        SETTINGS
            .iter()
            .find(|s| s.option == option && s.flag != Flag::FileOnly)
    }

    /// The variable that stands for it, without the prefix (`REGISTRY`);
    /// `None` for the region, whose variables are ambient.
    pub fn variable(&self) -> Option<&'static str> {
        match self.flag {
            Flag::Value { variable, .. }
            | Flag::Choice { variable, .. }
            | Flag::Off { variable, .. } => Some(variable),
            Flag::FileOnly | Flag::Ambient { .. } => None,
        }
    }

    /// Its long option, without dashes (`rule`, `no-generic`).
    pub fn long(&self) -> Option<&'static str> {
        match self.flag {
            Flag::Value { long, .. }
            | Flag::Choice { long, .. }
            | Flag::Off { long, .. }
            | Flag::Ambient { long, .. } => Some(long),
            Flag::FileOnly => None,
        }
    }

    /// The flag with its value, as messages write it: `--registry HOST`.
    pub fn flag_and_value(&self) -> String {
        match self.flag {
            Flag::Value {
                long, value_name, ..
            }
            | Flag::Choice {
                long, value_name, ..
            }
            | Flag::Ambient { long, value_name } => format!("--{long} {value_name}"),
            Flag::Off { long, .. } => format!("--{long}"),
            Flag::FileOnly => self.option.to_string(),
        }
    }

    /// Whether a text value is a comma-separated list.
    pub fn is_list(&self) -> bool {
        let mut probe = Settings::default();
        matches!(
            (self.slot)(&mut probe),
            Slot::List(_) | Slot::Rules(_) | Slot::Renames(_)
        )
    }
}

/// The names a ConfigMap may set, for the unknown-setting message:
/// `registry, account-id, … or digests`.
pub fn option_names() -> String {
    let names: Vec<&str> = SETTINGS
        .iter()
        .filter(|s| s.flag != Flag::FileOnly)
        .map(|s| s.option)
        .collect();
    match names.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_in_the_order_of_their_names() {
        for (i, row) in SETTINGS.iter().enumerate() {
            assert_eq!(row.name as usize, i, "{}", row.option);
        }
    }

    /// The rules-file schema (the serde derive of [`Settings`]) has exactly
    /// the table's file keys, in its order, each filling its row's slot.
    #[test]
    fn the_rules_file_schema_is_the_table() {
        let err = serde_json::from_value::<Settings>(serde_json::json!({"?": 1})).unwrap_err();
        let keys: Vec<String> = SETTINGS
            .iter()
            .map(|s| format!("`{}`", s.file_key))
            .collect();
        let expected = format!("unknown field `?`, expected one of {}", keys.join(", "));
        assert_eq!(err.to_string(), expected);
        for row in SETTINGS {
            let mut probe = Settings::default();
            let sample = match (row.slot)(&mut probe) {
                Slot::Text(_) | Slot::Rules(_) => serde_json::json!("x=y"),
                Slot::List(_) | Slot::Renames(_) | Slot::Workloads(_) => serde_json::json!([]),
                Slot::Switch(_) => serde_json::json!(false),
                Slot::Digests(_) => serde_json::json!("keep"),
            };
            let mut read: Settings =
                serde_json::from_value(serde_json::json!({ row.file_key: sample })).unwrap();
            let filled = match (row.slot)(&mut read) {
                Slot::Text(v) => v.take().is_some(),
                Slot::List(v) => v.take().is_some(),
                Slot::Rules(v) => v.take().is_some(),
                Slot::Switch(v) => v.take().is_some(),
                Slot::Digests(v) => v.take().is_some(),
                Slot::Renames(v) => v.take().is_some(),
                Slot::Workloads(v) => v.take().is_some(),
            };
            assert!(filled, "{} fills another field", row.file_key);
            assert_eq!(read, Settings::default(), "{} fills more", row.file_key);
        }
    }

    #[test]
    fn the_unknown_setting_message_lists_what_a_config_map_may_set() {
        assert_eq!(
            option_names(),
            "registry, account-id, region, docker-hub-prefix, rules, opt-out-annotation, \
             exclude, renames, generic, operator-images or digests"
        );
    }
}
