//! Structured judgements: pure functions over what the crawlers measured.
//!
//! The lead maps crawl data into the small input structs of each judge
//! ([`LinkCheck`], [`Probe`], [`ColumnInput`], [`FeedStatus`]); every judge reads
//! its thresholds from the compiled rule set and returns an [`Assessment`]: a
//! status plus zero or more [`Judgement`]s, each of which becomes (or refreshes) a
//! finding. A `Pass` assessment is what lets an owner's “fixed” become “verified”.

mod activity;
mod availability;
mod freshness;
mod links;
mod score;

pub use activity::FeedStatus;
pub use availability::Probe;
pub use freshness::{ColumnInput, ColumnKind};
pub use links::{LinkCheck, LinkKind, LinkSource};
pub use score::{AccountResult, DepartmentRollup, ScoreCard, ScoreItem, Verdict, roll_up};

use serde::{Deserialize, Serialize};

use super::model::{Category, RuleMeta, Severity, fill_template};

/// One problem a judge found, ready to become a finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Judgement {
    /// Rule id, e.g. `site.column_stale`.
    pub rule_id: String,
    /// The rule's category.
    pub category: Category,
    /// Level decided from the thresholds.
    pub severity: Severity,
    /// Points deducted (`deduct` only).
    pub points: f64,
    /// A person must confirm before it counts as a veto.
    pub needs_confirmation: bool,
    /// Short Chinese title.
    pub title: String,
    /// Chinese message with the measured values.
    pub message: String,
    /// What the judgement is about, stable across runs (the fingerprint's
    /// location): a link target, a column name, `homepage`, `availability`, `feed`.
    pub subject: String,
    /// The account has not posted for the dormant threshold (僵尸账号).
    pub dormant: bool,
}

/// Outcome of one judge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Judged, nothing wrong.
    Pass,
    /// Judged, see the judgements.
    Violation,
    /// Not enough observations for a verdict (e.g. fewer than 20 probes a day).
    InsufficientData,
    /// The source could not be read; the judgements hold the `source.unreachable` alert.
    SourceUnreachable,
    /// The rule is switched off.
    Disabled,
}

/// A judge's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    /// The judged rule.
    pub rule_id: String,
    /// Outcome.
    pub status: Status,
    /// Problems found (empty on `Pass`, `InsufficientData`, `Disabled`).
    pub judgements: Vec<Judgement>,
    /// Chinese explanation of the outcome (e.g. why data is insufficient).
    pub detail: String,
}

impl Assessment {
    fn disabled(rule_id: &str) -> Assessment {
        Assessment {
            rule_id: rule_id.into(),
            status: Status::Disabled,
            judgements: vec![],
            detail: "规则已停用".into(),
        }
    }

    fn from_judgements(rule_id: &str, judgements: Vec<Judgement>, pass_detail: &str) -> Assessment {
        let status = if judgements.is_empty() {
            Status::Pass
        } else {
            Status::Violation
        };
        Assessment {
            rule_id: rule_id.into(),
            status,
            detail: if judgements.is_empty() {
                pass_detail.into()
            } else {
                format!("发现 {} 个问题", judgements.len())
            },
            judgements,
        }
    }
}

/// Builds a judgement from a rule and message variables.
fn judgement(
    rule: &RuleMeta,
    severity: Severity,
    points: f64,
    subject: &str,
    vars: &[(&str, &str)],
) -> Judgement {
    Judgement {
        rule_id: rule.id.clone(),
        category: rule.category,
        severity,
        points,
        needs_confirmation: rule.needs_confirmation,
        title: rule.title.clone(),
        message: fill_template(&rule.message, vars),
        subject: subject.into(),
        dormant: false,
    }
}

/// Formats points without trailing zeros (`1`, `0.1`).
fn fmt_points(p: f64) -> String {
    let s = format!("{p:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests;
