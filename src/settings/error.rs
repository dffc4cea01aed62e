//! What can be wrong with a setting, as kinds: the binary maps a kind to an
//! exit code, and a host adapter adds its own hint to a kind (never to a
//! message's text).

use std::fmt;

use super::table::{self, Name, REGION_VARIABLES};

/// A setting that cannot be used, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// Which setting, as the user wrote it: a field path in a file
    /// (`rules.yaml: rules[2].prefix`), a setting's [`Name`], a file path.
    /// Empty when no one setting is to blame ([`ErrorKind::NoRegistry`]).
    pub setting: String,
    pub kind: ErrorKind,
}

/// Why a setting cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// No source gives a cache registry (`registry`, or `accountId` and a
    /// region).
    NoRegistry,
    /// An account ID is given (by `accountId`, or `registryId` in
    /// `--rules-from`), but no region to build the host with.
    NoRegion,
    /// A key no schema has, or a value of the wrong type: what the
    /// deserializer said (`unknown field `prefx``).
    Schema(String),
    /// A key of a `key=value` source (a ConfigMap's `data`) that names no
    /// setting.
    UnknownSetting,
    /// A value of the right type that cannot be used: what is wrong with it.
    Invalid(String),
    /// A settings file or object that cannot be read: not there, not UTF-8,
    /// not YAML, not one document.
    Unreadable(String),
}

impl Error {
    pub(crate) fn new(setting: impl Into<String>, kind: ErrorKind) -> Error {
        Error {
            setting: setting.into(),
            kind,
        }
    }

    pub(crate) fn invalid(setting: impl Into<String>, why: impl fmt::Display) -> Error {
        Error::new(setting, ErrorKind::Invalid(why.to_string()))
    }

    pub(crate) fn unreadable(setting: impl Into<String>, why: impl fmt::Display) -> Error {
        Error::new(setting, ErrorKind::Unreadable(why.to_string()))
    }

    /// The same error, found inside `source` (a file, an object): its
    /// setting becomes `source: setting` (or `source.setting` when `dotted`).
    pub(crate) fn within(self, source: &str, dotted: bool) -> Error {
        let setting = match (self.setting.is_empty(), dotted) {
            (true, _) => source.to_string(),
            (false, true) => format!("{source}.{}", self.setting),
            (false, false) => format!("{source}: {}", self.setting),
        };
        Error { setting, ..self }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // Where a registry can be set depends on the host: the caller
            // says (the binary's `Failure`).
            ErrorKind::NoRegistry => f.write_str("no cache registry"),
            ErrorKind::NoRegion => {
                let [first, then] = REGION_VARIABLES;
                write!(
                    f,
                    "missing: an account ID is set, and the registry host needs its region too \
                     (--{}, {first} or {then})",
                    Name::Region.setting().long().unwrap_or_default()
                )
            }
            ErrorKind::UnknownSetting => {
                write!(f, "unknown setting (expected {})", table::option_names())
            }
            ErrorKind::Schema(m) | ErrorKind::Invalid(m) | ErrorKind::Unreadable(m) => {
                f.write_str(m)
            }
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.setting.is_empty() {
            self.kind.fmt(f)
        } else {
            write!(f, "{}: {}", self.setting, self.kind)
        }
    }
}

impl std::error::Error for Error {}
