//! Typed parameters of each rule kind, read from the pack's `[rule.params]`
//! merged with the office's overrides.
//!
//! Packs hold the national defaults; the code holds no thresholds of its own. An
//! override may only change a parameter the pack defines, with a value of the same
//! JSON type that passes the kind's range checks; otherwise compiling the rule set
//! fails with an error naming the rule and the parameter.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::error::RulesError;
use super::pii::checks::BinRule;
use super::text::WordSet;

/// Parameters of `pii.resident_id`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResidentIdParams {
    pub context_window_chars: usize,
    pub legacy_context_words: Vec<String>,
    pub credit_code_context_words: Vec<String>,
    pub truncated_note: String,
    #[serde(skip)]
    pub legacy_set: WordSet,
    #[serde(skip)]
    pub credit_set: WordSet,
}

/// Parameters of `pii.mobile`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MobileParams {
    pub context_window_chars: usize,
    pub positive_context_words: Vec<String>,
    pub negative_context_words: Vec<String>,
    pub negative_window_chars: usize,
    pub amount_suffixes: String,
    pub base_confidence: u8,
    pub context_bonus: u8,
    pub negative_penalty: u8,
    pub min_confidence: u8,
    #[serde(skip)]
    pub positive_set: WordSet,
    #[serde(skip)]
    pub negative_set: WordSet,
}

/// Parameters of `pii.bank_card`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BankCardParams {
    pub context_window_chars: usize,
    pub context_words: Vec<String>,
    pub negative_context_words: Vec<String>,
    pub bin_prefixes: Vec<String>,
    #[serde(skip)]
    pub bins: Vec<BinRule>,
    #[serde(skip)]
    pub context_set: WordSet,
    #[serde(skip)]
    pub negative_set: WordSet,
}

/// Parameters of `pii.address`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AddressParams {
    pub street_markers: Vec<String>,
    pub name_labels: Vec<String>,
    pub office_labels: Vec<String>,
    pub org_words: Vec<String>,
    pub max_address_chars: usize,
    pub extra_surnames: String,
    pub extra_name_stopwords: Vec<String>,
    #[serde(skip)]
    pub org_set: WordSet,
    #[serde(skip)]
    pub office_set: WordSet,
}

/// Parameters of `link.broken`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LinkParams {
    pub home_points: f64,
    pub other_points: f64,
}

/// Parameters of `site.unreachable`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AvailabilityParams {
    pub window_days: u32,
    pub min_probes_per_day: u32,
    pub warn_failure_rate: f64,
    pub veto_failure_rate: f64,
}

/// Parameters of `site.homepage_stale`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HomepageParams {
    pub warn_days: i64,
    pub veto_days: i64,
}

/// Parameters of `site.column_stale`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ColumnParams {
    pub dynamic_limit_days: i64,
    pub notice_policy_limit_days: i64,
    pub personnel_planning_limit_days: i64,
    pub veto_total: usize,
    pub veto_first_two_kinds: usize,
    pub stale_severity: String,
    pub stale_points: f64,
    pub personnel_planning_keywords: Vec<String>,
    pub notice_policy_keywords: Vec<String>,
    pub dynamic_keywords: Vec<String>,
}

/// Parameters of `site.column_blank`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BlankParams {
    pub warn_over: usize,
    pub veto_at: usize,
}

/// Parameters of `activity.inactive_account`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ActivityParams {
    pub warn_days: i64,
    pub veto_days: i64,
    pub dormant_days: i64,
    pub dormant_note: String,
}

/// Parameters of `site.score`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScoreParams {
    pub base: f64,
    pub pass_mark: f64,
    pub account_pass_mark: f64,
}

/// Range checks beyond what the types enforce. `Err((param, reason))`.
pub(crate) trait Validate {
    fn validate(&mut self) -> Result<(), (&'static str, String)> {
        Ok(())
    }
}

fn rate(name: &'static str, v: f64) -> Result<(), (&'static str, String)> {
    if (0.0..=1.0).contains(&v) {
        Ok(())
    } else {
        Err((name, format!("应在 0 到 1 之间，实际为 {v}")))
    }
}

fn ordered(
    lo_name: &'static str,
    lo: i64,
    hi_name: &'static str,
    hi: i64,
) -> Result<(), (&'static str, String)> {
    if lo <= 0 {
        return Err((lo_name, format!("应为正数，实际为 {lo}")));
    }
    if lo > hi {
        return Err((hi_name, format!("不应小于 {lo_name}（{lo}），实际为 {hi}")));
    }
    Ok(())
}

fn non_negative(name: &'static str, v: f64) -> Result<(), (&'static str, String)> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err((name, format!("应为非负数，实际为 {v}")))
    }
}

impl Validate for ResidentIdParams {
    fn validate(&mut self) -> Result<(), (&'static str, String)> {
        self.legacy_set = WordSet::new(&self.legacy_context_words);
        self.credit_set = WordSet::new(&self.credit_code_context_words);
        Ok(())
    }
}
impl Validate for AddressParams {
    fn validate(&mut self) -> Result<(), (&'static str, String)> {
        if !(4..=100).contains(&self.max_address_chars) {
            return Err(("max_address_chars", "应在 4 到 100 之间".into()));
        }
        self.org_set = WordSet::new(&self.org_words);
        self.office_set = WordSet::new(&self.office_labels);
        Ok(())
    }
}
impl Validate for MobileParams {
    fn validate(&mut self) -> Result<(), (&'static str, String)> {
        if self.min_confidence > 100 || self.base_confidence > 100 {
            return Err(("min_confidence", "置信度应在 0 到 100 之间".into()));
        }
        self.positive_set = WordSet::new(&self.positive_context_words);
        self.negative_set = WordSet::new(&self.negative_context_words);
        Ok(())
    }
}
impl Validate for BankCardParams {
    fn validate(&mut self) -> Result<(), (&'static str, String)> {
        self.context_set = WordSet::new(&self.context_words);
        self.negative_set = WordSet::new(&self.negative_context_words);
        self.bins = self
            .bin_prefixes
            .iter()
            .map(|s| BinRule::parse(s))
            .collect::<Result<_, _>>()
            .map_err(|e| ("bin_prefixes", e))?;
        Ok(())
    }
}
impl Validate for LinkParams {
    fn validate(&mut self) -> Result<(), (&'static str, String)> {
        non_negative("home_points", self.home_points)?;
        non_negative("other_points", self.other_points)
    }
}
impl Validate for AvailabilityParams {
    fn validate(&mut self) -> Result<(), (&'static str, String)> {
        rate("warn_failure_rate", self.warn_failure_rate)?;
        rate("veto_failure_rate", self.veto_failure_rate)?;
        if self.warn_failure_rate > self.veto_failure_rate {
            return Err(("veto_failure_rate", "不应小于 warn_failure_rate".into()));
        }
        if self.window_days == 0 {
            return Err(("window_days", "应为正数".into()));
        }
        Ok(())
    }
}
impl Validate for HomepageParams {
    fn validate(&mut self) -> Result<(), (&'static str, String)> {
        ordered("warn_days", self.warn_days, "veto_days", self.veto_days)
    }
}
impl Validate for ColumnParams {
    fn validate(&mut self) -> Result<(), (&'static str, String)> {
        for (n, v) in [
            ("dynamic_limit_days", self.dynamic_limit_days),
            ("notice_policy_limit_days", self.notice_policy_limit_days),
            (
                "personnel_planning_limit_days",
                self.personnel_planning_limit_days,
            ),
        ] {
            if v <= 0 {
                return Err((n, format!("应为正数，实际为 {v}")));
            }
        }
        if !matches!(self.stale_severity.as_str(), "warn" | "deduct") {
            return Err(("stale_severity", "只能是 warn 或 deduct".into()));
        }
        non_negative("stale_points", self.stale_points)?;
        if self.veto_total == 0 || self.veto_first_two_kinds == 0 {
            return Err(("veto_total", "否决阈值应为正数".into()));
        }
        Ok(())
    }
}
impl Validate for BlankParams {
    fn validate(&mut self) -> Result<(), (&'static str, String)> {
        if self.veto_at <= self.warn_over {
            return Err(("veto_at", "应大于 warn_over".into()));
        }
        Ok(())
    }
}
impl Validate for ActivityParams {
    fn validate(&mut self) -> Result<(), (&'static str, String)> {
        ordered("warn_days", self.warn_days, "veto_days", self.veto_days)?;
        ordered(
            "veto_days",
            self.veto_days,
            "dormant_days",
            self.dormant_days,
        )
    }
}
impl Validate for ScoreParams {
    fn validate(&mut self) -> Result<(), (&'static str, String)> {
        non_negative("base", self.base)?;
        non_negative("pass_mark", self.pass_mark)?;
        non_negative("account_pass_mark", self.account_pass_mark)?;
        if self.pass_mark > self.base {
            return Err(("pass_mark", "不应高于 base".into()));
        }
        Ok(())
    }
}

/// A JSON value's type name, to compare an override with the pack default.
fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "布尔值",
        Value::Number(_) => "数字",
        Value::String(_) => "字符串",
        Value::Array(_) => "数组",
        Value::Object(_) => "表",
    }
}

/// Merges `overrides` into the pack `base` params and reads them as `T`.
///
/// Each override is checked on its own first, so a bad value is reported under its
/// own name even though serde's messages do not carry field names.
pub(crate) fn resolve<T: DeserializeOwned + Validate>(
    rule: &str,
    base: &Map<String, Value>,
    overrides: &Map<String, Value>,
) -> Result<T, RulesError> {
    let invalid = |param: &str, reason: String| RulesError::InvalidParam {
        rule: rule.to_string(),
        param: param.to_string(),
        reason,
    };
    // The pack itself must be complete and valid.
    let read = |map: Map<String, Value>| -> Result<T, serde_json::Error> {
        serde_json::from_value(Value::Object(map))
    };
    let mut merged = base.clone();
    for (k, v) in overrides {
        let Some(default) = base.get(k) else {
            return Err(RulesError::UnknownParam {
                rule: rule.to_string(),
                param: k.clone(),
            });
        };
        let both_numbers = v.is_number() && default.is_number();
        if !both_numbers && json_type(v) != json_type(default) {
            return Err(invalid(
                k,
                format!("应为{}，实际为{}", json_type(default), json_type(v)),
            ));
        }
        let mut one = base.clone();
        one.insert(k.clone(), v.clone());
        if let Err(e) = read(one) {
            return Err(invalid(k, e.to_string()));
        }
        merged.insert(k.clone(), v.clone());
    }
    let mut typed = read(merged).map_err(|e| RulesError::InvalidRule {
        rule: rule.to_string(),
        reason: format!("参数不完整或类型错误：{e}"),
    })?;
    typed.validate().map_err(|(p, r)| invalid(p, r))?;
    Ok(typed)
}

/// Converts a pack's TOML params table to JSON, the overrides' format.
pub(crate) fn toml_to_json(rule: &str, t: &toml::Table) -> Result<Map<String, Value>, RulesError> {
    match serde_json::to_value(t) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) | Err(_) => Err(RulesError::InvalidRule {
            rule: rule.to_string(),
            reason: "参数表无法转换".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> Map<String, Value> {
        json!({"warn_days": 10, "veto_days": 14})
            .as_object()
            .unwrap()
            .clone()
    }

    #[test]
    fn overrides_merge_and_bad_values_are_named() {
        let ok: HomepageParams = resolve(
            "site.homepage_stale",
            &base(),
            json!({"veto_days": 21}).as_object().unwrap(),
        )
        .unwrap();
        assert_eq!((ok.warn_days, ok.veto_days), (10, 21));

        let err = resolve::<HomepageParams>(
            "site.homepage_stale",
            &base(),
            json!({"veto_dayz": 21}).as_object().unwrap(),
        )
        .unwrap_err();
        assert_eq!(
            err,
            RulesError::UnknownParam {
                rule: "site.homepage_stale".into(),
                param: "veto_dayz".into()
            }
        );

        let err = resolve::<HomepageParams>(
            "site.homepage_stale",
            &base(),
            json!({"veto_days": "两周"}).as_object().unwrap(),
        )
        .unwrap_err();
        assert!(
            matches!(&err, RulesError::InvalidParam { param, .. } if param == "veto_days"),
            "{err:?}"
        );

        let err = resolve::<HomepageParams>(
            "site.homepage_stale",
            &base(),
            json!({"veto_days": 7}).as_object().unwrap(),
        )
        .unwrap_err();
        assert!(
            matches!(&err, RulesError::InvalidParam { param, .. } if param == "veto_days"),
            "{err:?}"
        );

        let err = resolve::<HomepageParams>(
            "site.homepage_stale",
            &base(),
            json!({"veto_days": 14.5}).as_object().unwrap(),
        )
        .unwrap_err();
        assert!(
            matches!(&err, RulesError::InvalidParam { param, .. } if param == "veto_days"),
            "{err:?}"
        );
    }

    #[test]
    fn bin_prefix_overrides_are_parsed_at_compile_time() {
        let base = json!({
            "context_window_chars": 30, "context_words": ["卡号"],
            "negative_context_words": [], "bin_prefixes": ["62:16-19"]
        });
        let err = resolve::<BankCardParams>(
            "pii.bank_card",
            base.as_object().unwrap(),
            json!({"bin_prefixes": ["62"]}).as_object().unwrap(),
        )
        .unwrap_err();
        assert!(
            matches!(&err, RulesError::InvalidParam { param, .. } if param == "bin_prefixes"),
            "{err:?}"
        );
    }
}
