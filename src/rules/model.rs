//! The vocabulary shared by rule packs, overrides, hits and judgements.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What kind of problem a rule looks for; the first part of every rule id
/// (`pii.resident_id` has category `pii`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// Personal information published where it must not be (个人信息).
    Pii,
    /// Wording errors: misused words and serious expression errors (错别字、严重表述错误).
    Error,
    /// Broken links, images and attachments (链接可用性).
    Link,
    /// Whole-site indicators: availability, stale home page and columns, blank columns.
    Site,
    /// New-media account activity (更新频率).
    Activity,
    /// Our own ability to observe a source (an operations alert, not a violation).
    Source,
}

impl Category {
    /// The lowercase name used in rule ids and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Pii => "pii",
            Category::Error => "error",
            Category::Link => "link",
            Category::Site => "site",
            Category::Activity => "activity",
            Category::Source => "source",
        }
    }
}

/// How much a finding weighs in the national verdict.
///
/// Ordered from least to most serious so `max()` picks the heaviest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Reported to the office, no points (提醒).
    Warn,
    /// Deducts points from the 100-point score (扣分).
    Deduct,
    /// Fails the site or account outright (单项否决).
    Veto,
}

impl Severity {
    /// The lowercase name used in packs and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warn => "warn",
            Severity::Deduct => "deduct",
            Severity::Veto => "veto",
        }
    }
}

/// Which detector or judge implements a rule. Packs name it with `kind = "..."`.
///
/// Only `dictionary` may appear more than once: the office can add its own
/// dictionary rules (e.g. a list of outdated department names); the other
/// kinds are code and exist once each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// 18-digit resident ID numbers (GB 11643), legacy 15-digit ones, truncated numeric cells.
    ResidentId,
    /// Mainland mobile numbers of private persons.
    Mobile,
    /// Bank card numbers (Luhn + context or issuer prefix).
    BankCard,
    /// Home addresses below street level next to a person's name.
    Address,
    /// wrong → right word lists matched with Aho-Corasick.
    Dictionary,
    /// Broken links scored by where they are linked from.
    BrokenLinks,
    /// Availability probes over the last days.
    Availability,
    /// Newest update on the home page.
    HomepageFreshness,
    /// Newest item per column, by column kind.
    ColumnFreshness,
    /// Columns without any item.
    BlankColumns,
    /// Newest post of a new-media account.
    AccountActivity,
    /// A feed or page we could not read.
    SourceStatus,
    /// The 100-point verdict: base and pass marks.
    Score,
}

/// One dictionary entry: a wrong form and its correction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DictEntry {
    /// The wrong form as it appears in text (at least two characters).
    pub wrong: String,
    /// The correct form, shown as the suggestion.
    pub right: String,
    /// Longer correct contexts that contain `wrong` and must not be reported,
    /// e.g. `按装修` for the wrong form `按装` (“按装修标准” is correct).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exceptions: Vec<String>,
    /// First day the entry applies (a renamed organ, a new formulation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_from: Option<NaiveDate>,
    /// Last day the entry applies (a leader's title that changed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_to: Option<NaiveDate>,
    /// Explanation added to the message (e.g. the source of the rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl DictEntry {
    /// Whether the entry applies on `day`.
    pub fn in_effect(&self, day: NaiveDate) -> bool {
        self.effective_from.is_none_or(|from| day >= from)
            && self.effective_to.is_none_or(|to| day <= to)
    }
}

/// The descriptive part of a compiled rule, copied into every hit and judgement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleMeta {
    /// Rule id, e.g. `pii.mobile`.
    pub id: String,
    /// Which detector or judge implements it.
    pub kind: RuleKind,
    /// Category (the id's first part).
    pub category: Category,
    /// Severity of a text hit; judges decide their own level from thresholds.
    pub severity: Severity,
    /// Points a `deduct` text hit costs.
    pub points: f64,
    /// A person must confirm the hit before it counts as a veto (是否单否).
    pub needs_confirmation: bool,
    /// Short Chinese title.
    pub title: String,
    /// Chinese message template; `{name}` placeholders are filled per hit.
    pub message: String,
}

/// Fills `{name}` placeholders in a message template. Unknown placeholders stay as they are,
/// so a typo in an office-edited message shows up rather than silently vanishing.
pub(crate) fn fill_template(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match vars.iter().find(|(k, _)| *k == name) {
                    Some((_, v)) => out.push_str(v),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_fills_known_and_keeps_unknown_placeholders() {
        let s = fill_template(
            "“{wrong}”应为“{right}”{x}",
            &[("wrong", "按装"), ("right", "安装")],
        );
        assert_eq!(s, "“按装”应为“安装”{x}");
        assert_eq!(fill_template("无占位符", &[]), "无占位符");
        assert_eq!(fill_template("未闭合{abc", &[("abc", "x")]), "未闭合{abc");
    }

    #[test]
    fn entry_effective_dates_bound_both_ends() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let e = DictEntry {
            wrong: "甲乙".into(),
            right: "丙丁".into(),
            exceptions: vec![],
            effective_from: Some(d("2023-03-16")),
            effective_to: Some(d("2024-12-31")),
            note: None,
        };
        assert!(!e.in_effect(d("2023-03-15")));
        assert!(e.in_effect(d("2023-03-16")));
        assert!(e.in_effect(d("2024-12-31")));
        assert!(!e.in_effect(d("2025-01-01")));
    }

    #[test]
    fn severity_orders_warn_deduct_veto() {
        assert!(Severity::Veto > Severity::Deduct && Severity::Deduct > Severity::Warn);
    }
}
