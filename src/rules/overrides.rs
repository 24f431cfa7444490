//! The office's run-time changes to the built-in packs.
//!
//! Overrides are data (JSON in the database, one ledger entry per change), applied
//! on top of the packs each time the rule set is compiled; the packs themselves
//! never change at run time. Everything is checked when compiling: an override
//! that names a missing rule, parameter or entry fails loudly instead of being
//! ignored, so the office sees its mistake at once.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::model::{DictEntry, Severity};

/// All overrides of one deployment.
///
/// ```json
/// {
///   "disabled_rules": ["pii.address"],
///   "rules": {
///     "error.misused_word": {
///       "add_entries": [{"wrong": "青岛市政付", "right": "青岛市政府"}],
///       "disable_entries": ["既使"],
///       "add_exceptions": {"按装": ["按装订"]}
///     },
///     "site.homepage_stale": {"params": {"veto_days": 14}}
///   }
/// }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RuleOverrides {
    /// Rule ids switched off entirely.
    pub disabled_rules: Vec<String>,
    /// Per-rule changes, by rule id.
    pub rules: BTreeMap<String, RuleOverride>,
}

/// Changes to one rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RuleOverride {
    /// New severity for text rules (pii, dictionaries). Judges decide theirs from thresholds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// New points for a `deduct` text rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub points: Option<f64>,
    /// Whether hits need a person's confirmation before counting as a veto.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub needs_confirmation: Option<bool>,
    /// Parameter values replacing the pack's (same names, same JSON types).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, Value>,
    /// Dictionary entries added to a dictionary rule.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub add_entries: Vec<DictEntry>,
    /// Wrong forms whose entries are switched off.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub disable_entries: Vec<String>,
    /// Extra exception contexts, by wrong form.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub add_exceptions: BTreeMap<String, Vec<String>>,
}

impl RuleOverrides {
    /// Whether nothing is overridden.
    pub fn is_empty(&self) -> bool {
        self.disabled_rules.is_empty() && self.rules.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_round_trip_through_json_and_reject_unknown_fields() {
        let json = r#"{
            "disabled_rules": ["pii.address"],
            "rules": {
                "error.misused_word": {
                    "add_entries": [{"wrong": "青岛市政付", "right": "青岛市政府"}],
                    "disable_entries": ["既使"],
                    "add_exceptions": {"按装": ["按装订"]}
                },
                "site.homepage_stale": {"params": {"veto_days": 14}}
            }
        }"#;
        let o: RuleOverrides = serde_json::from_str(json).unwrap();
        assert_eq!(
            o.rules["error.misused_word"].add_entries[0].right,
            "青岛市政府"
        );
        let back: RuleOverrides =
            serde_json::from_str(&serde_json::to_string(&o).unwrap()).unwrap();
        assert_eq!(back, o);
        assert!(serde_json::from_str::<RuleOverrides>(r#"{"disabled": []}"#).is_err());
        assert!(RuleOverrides::default().is_empty());
    }
}
