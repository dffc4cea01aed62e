//! One rule for every value a source gives as text (a flag, a variable, a
//! ConfigMap value) and for the strings of a rules file: trimmed, and blank
//! is unset. A text value then reads by its setting's type
//! ([`Slot`]); layering fills slot by slot ([`Settings::over`]).

use super::table::{SETTINGS, Setting, Slot};
use super::{Error, RenameSpec, RuleList, RuleSpec, Settings};

/// The value `raw` stands for: trimmed, and `None` when blank. Pod specs
/// and charts' env blocks often hold empty values, and a value pasted with
/// a space around it means the same as without.
pub fn value(raw: &str) -> Option<&str> {
    Some(raw.trim()).filter(|v| !v.is_empty())
}

impl Setting {
    /// Reads the text `raw` into this setting of `settings`; blank leaves it
    /// unset. `at` names where it was written, for messages
    /// (`PULLTHROUGH_GENERIC`, a ConfigMap key).
    pub fn read(&self, settings: &mut Settings, raw: &str, at: &str) -> Result<(), Error> {
        let Some(v) = value(raw) else {
            return Ok(());
        };
        match (self.slot)(settings) {
            Slot::Text(slot) => *slot = Some(v.to_string()),
            // A list of no items (`,`) is blank too.
            Slot::List(slot) => {
                let list = split_list(v);
                *slot = (!list.is_empty()).then_some(list);
            }
            Slot::Rules(slot) => {
                let rules: Vec<RuleSpec> = split_list(v).into_iter().map(RuleSpec::Short).collect();
                *slot = (!rules.is_empty()).then_some(RuleList::List(rules));
            }
            // `FROM=TO`; what FROM and TO may be is checked with the rest.
            Slot::Renames(slot) => {
                let renames = split_list(v)
                    .into_iter()
                    .map(|pair| match pair.split_once('=') {
                        Some((from, to)) => Ok(RenameSpec {
                            from: from.trim().to_string(),
                            to: to.trim().to_string(),
                        }),
                        None => Err(Error::invalid(
                            at,
                            format!("expected FROM=TO, got {pair:?}"),
                        )),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                *slot = (!renames.is_empty()).then_some(renames);
            }
            Slot::Switch(slot) => {
                let on = parse_bool(v).ok_or_else(|| {
                    Error::invalid(at, format!("expected true or false, got {v:?}"))
                })?;
                *slot = Some(on);
            }
            Slot::Digests(slot) => *slot = Some(v.parse().map_err(|e| Error::invalid(at, e))?),
            // Only a rules file has workloads: no text reads as one.
            Slot::Workloads(_) => {
                return Err(Error::invalid(at, "only a rules file sets workloads"));
            }
        }
        Ok(())
    }
}

impl Settings {
    /// These settings, with `lower` filling what they leave unset.
    #[must_use]
    pub fn over(mut self, mut lower: Settings) -> Settings {
        // The registry, or the account it is built from, is one setting:
        // a higher source naming either replaces both.
        if self.registry.is_some() || self.account_id.is_some() {
            lower.registry = None;
            lower.account_id = None;
        }
        for row in SETTINGS {
            match ((row.slot)(&mut self), (row.slot)(&mut lower)) {
                (Slot::Text(hi), Slot::Text(lo)) => fill(hi, lo),
                (Slot::List(hi), Slot::List(lo)) => fill(hi, lo),
                (Slot::Rules(hi), Slot::Rules(lo)) => fill(hi, lo),
                (Slot::Renames(hi), Slot::Renames(lo)) => fill(hi, lo),
                (Slot::Switch(hi), Slot::Switch(lo)) => fill(hi, lo),
                (Slot::Digests(hi), Slot::Digests(lo)) => fill(hi, lo),
                (Slot::Workloads(hi), Slot::Workloads(lo)) => fill(hi, lo),
                _ => unreachable!("one row, one slot"),
            }
        }
        self
    }

    /// The strings of a rules file under the rule of text values: each
    /// trimmed, a blank one unset, a blank list item dropped.
    pub(crate) fn tidy(mut self) -> Settings {
        for row in SETTINGS {
            match (row.slot)(&mut self) {
                Slot::Text(slot) => *slot = slot.as_deref().and_then(value).map(str::to_string),
                Slot::List(Some(list)) => {
                    *list = list
                        .iter()
                        .filter_map(|v| value(v))
                        .map(str::to_string)
                        .collect();
                }
                Slot::Renames(Some(list)) => {
                    for rename in list {
                        rename.from = rename.from.trim().to_string();
                        rename.to = rename.to.trim().to_string();
                    }
                }
                Slot::Rules(slot) => {
                    if matches!(slot, Some(RuleList::Joined(s)) if split_list(s).is_empty()) {
                        *slot = None;
                    }
                }
                _ => {}
            }
        }
        self
    }
}

fn fill<T>(hi: &mut Option<T>, lo: &mut Option<T>) {
    if hi.is_none() {
        *hi = lo.take();
    }
}

/// Splits a comma-separated list, trimming and dropping blanks.
pub fn split_list(s: &str) -> Vec<String> {
    s.split(',').filter_map(value).map(str::to_string).collect()
}

/// `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`, any case and trimmed.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}
