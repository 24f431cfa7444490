//! `activity.inactive_account` and `source.unreachable`.
//!
//! An account is only judged on a feed we actually read: a feed that fails is our
//! monitoring problem (RSSHub down, platform blocking), reported to the office as
//! `source.unreachable`, never as the account's violation.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::super::model::Severity;
use super::super::ruleset::RuleSet;
use super::{Assessment, Status, judgement};

/// What reading an account's feed gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedStatus {
    /// The feed was fetched and parsed.
    pub read_ok: bool,
    /// Why it failed (shown to the office), when `read_ok` is false.
    pub error: Option<String>,
    /// Publication time of the newest post, if any post was seen.
    pub newest_post: Option<DateTime<Utc>>,
}

impl RuleSet {
    /// Judges an account's activity at `now`: warn after `warn_days` days without a
    /// post, veto after `veto_days`, and flag `dormant` after `dormant_days`.
    /// A feed that could not be read gives `Status::SourceUnreachable` with a
    /// `source.unreachable` judgement instead.
    pub fn judge_account_activity(&self, feed: &FeedStatus, now: DateTime<Utc>) -> Assessment {
        let rule_id = "activity.inactive_account";
        if !feed.read_ok {
            let judgements = self
                .judges
                .source
                .map(|i| {
                    let err = feed.error.as_deref().unwrap_or("原因不明");
                    vec![judgement(
                        &self.rules[i],
                        Severity::Warn,
                        0.0,
                        "feed",
                        &[("error", err)],
                    )]
                })
                .unwrap_or_default();
            return Assessment {
                rule_id: rule_id.into(),
                status: Status::SourceUnreachable,
                judgements,
                detail: "数据源读取失败，未判断更新情况".into(),
            };
        }
        let Some(c) = &self.judges.activity else {
            return Assessment::disabled(rule_id);
        };
        let rule = &self.rules[c.rule];
        let (days, newest) = match feed.newest_post {
            Some(t) => (
                (now - t).num_days(),
                t.format("%Y-%m-%d %H:%M UTC").to_string(),
            ),
            // A readable feed with no post at all: nothing published, as stale as it gets.
            None => (i64::MAX, "无".to_string()),
        };
        let severity = if days >= c.p.veto_days {
            Severity::Veto
        } else if days >= c.p.warn_days {
            Severity::Warn
        } else {
            return Assessment::from_judgements(&rule.id, vec![], &format!("{days} 天前有更新"));
        };
        let dormant = days >= c.p.dormant_days;
        let days_text = if days == i64::MAX {
            "从未".to_string()
        } else {
            days.to_string()
        };
        let mut j = judgement(
            rule,
            severity,
            0.0,
            "feed",
            &[
                ("newest", &newest),
                ("days", &days_text),
                (
                    "dormant",
                    if dormant {
                        c.p.dormant_note.as_str()
                    } else {
                        ""
                    },
                ),
            ],
        );
        j.dormant = dormant;
        Assessment::from_judgements(&rule.id, vec![j], "")
    }
}
