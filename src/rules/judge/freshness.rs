//! `site.homepage_stale`, `site.column_stale`, `site.column_blank`.
//!
//! Column limits follow the national indicator: dynamic/news columns 2 weeks,
//! notices and policy documents 6 months, personnel and planning 1 year. The
//! indicator makes stale columns a veto only in numbers (≥ 10 in all, or ≥ 5 of
//! the first two kinds); below that each stale column is reported as a warning by
//! default (`stale_severity = "warn"`; an office whose local scheme deducts points
//! sets `deduct` and `stale_points`).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::super::model::Severity;
use super::super::ruleset::RuleSet;
use super::{Assessment, Status, judgement};

/// Kind of column, which sets how often it must be updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    /// 动态、要闻类 (news, work updates): 2 weeks.
    Dynamic,
    /// 通知公告、政策文件类: 6 months.
    NoticePolicy,
    /// 人事、规划计划类: 1 year.
    PersonnelPlanning,
    /// No update cycle in the indicator (e.g. 机构职能).
    Other,
}

impl ColumnKind {
    fn label(self) -> &'static str {
        match self {
            ColumnKind::Dynamic => "动态要闻类",
            ColumnKind::NoticePolicy => "通知公告政策文件类",
            ColumnKind::PersonnelPlanning => "人事规划计划类",
            ColumnKind::Other => "其他",
        }
    }
}

/// One column of a site as the crawler saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnInput {
    /// Column name as shown on the site, e.g. `工作动态`.
    pub name: String,
    /// Kind set by the office; `None` ⇒ classified from the name.
    pub kind: Option<ColumnKind>,
    /// Date of the newest item (`None` if no item carried a date).
    pub newest: Option<NaiveDate>,
    /// Number of items listed.
    pub item_count: usize,
}

impl RuleSet {
    /// Classifies a column by name: personnel/planning words first (人事动态 is
    /// personnel), then notices/policy, then dynamic/news; otherwise `Other`.
    pub fn classify_column(&self, name: &str) -> ColumnKind {
        let Some(c) = &self.judges.columns else {
            return ColumnKind::Other;
        };
        let has = |words: &[String]| words.iter().any(|w| name.contains(w.as_str()));
        if has(&c.p.personnel_planning_keywords) {
            ColumnKind::PersonnelPlanning
        } else if has(&c.p.notice_policy_keywords) {
            ColumnKind::NoticePolicy
        } else if has(&c.p.dynamic_keywords) {
            ColumnKind::Dynamic
        } else {
            ColumnKind::Other
        }
    }

    /// Judges the home page's newest update against `today`:
    /// warn from `warn_days`, veto from `veto_days` days without update.
    pub fn judge_homepage(&self, newest_update: Option<NaiveDate>, today: NaiveDate) -> Assessment {
        let Some(c) = &self.judges.homepage else {
            return Assessment::disabled("site.homepage_stale");
        };
        let rule = &self.rules[c.rule];
        let Some(newest) = newest_update else {
            return Assessment {
                rule_id: rule.id.clone(),
                status: Status::InsufficientData,
                judgements: vec![],
                detail: "首页未识别到带日期的信息".into(),
            };
        };
        let days = (today - newest).num_days();
        let severity = if days >= c.p.veto_days {
            Severity::Veto
        } else if days >= c.p.warn_days {
            Severity::Warn
        } else {
            return Assessment::from_judgements(&rule.id, vec![], &format!("{days} 天前更新"));
        };
        let j = judgement(
            rule,
            severity,
            0.0,
            "homepage",
            &[("newest", &newest.to_string()), ("days", &days.to_string())],
        );
        Assessment::from_judgements(&rule.id, vec![j], "")
    }

    /// Judges column update cycles. A column is stale when its newest item is older
    /// than its kind's limit; columns without items are left to
    /// [`RuleSet::judge_blank_columns`], columns without dates are not judged.
    pub fn judge_columns(&self, columns: &[ColumnInput], today: NaiveDate) -> Assessment {
        let Some(c) = &self.judges.columns else {
            return Assessment::disabled("site.column_stale");
        };
        let rule = &self.rules[c.rule];
        let mut stale = Vec::new();
        for col in columns.iter().filter(|c| c.item_count > 0) {
            let kind = col.kind.unwrap_or_else(|| self.classify_column(&col.name));
            let limit = match kind {
                ColumnKind::Dynamic => c.p.dynamic_limit_days,
                ColumnKind::NoticePolicy => c.p.notice_policy_limit_days,
                ColumnKind::PersonnelPlanning => c.p.personnel_planning_limit_days,
                ColumnKind::Other => continue,
            };
            let Some(newest) = col.newest else { continue };
            let days = (today - newest).num_days();
            if days > limit {
                stale.push((col, kind, newest, days, limit));
            }
        }
        let first_two = stale
            .iter()
            .filter(|s| matches!(s.1, ColumnKind::Dynamic | ColumnKind::NoticePolicy))
            .count();
        let veto = stale.len() >= c.p.veto_total || first_two >= c.p.veto_first_two_kinds;
        let (severity, points) = if veto {
            (Severity::Veto, 0.0)
        } else if c.p.stale_severity == "deduct" {
            (Severity::Deduct, c.p.stale_points)
        } else {
            (Severity::Warn, 0.0)
        };
        let summary = if veto {
            format!(
                "全站不更新栏目 {} 个（其中动态要闻类和通知公告政策文件类 {} 个），达到单项否决标准。",
                stale.len(),
                first_two
            )
        } else {
            String::new()
        };
        let judgements = stale
            .iter()
            .map(|(col, kind, newest, days, limit)| {
                judgement(
                    rule,
                    severity,
                    points,
                    &col.name,
                    &[
                        ("column", &col.name),
                        ("kind", kind.label()),
                        ("newest", &newest.to_string()),
                        ("days", &days.to_string()),
                        ("limit", &limit.to_string()),
                        ("summary", &summary),
                    ],
                )
            })
            .collect();
        Assessment::from_judgements(&rule.id, judgements, "栏目均按期更新")
    }

    /// Judges blank columns (no items): more than `warn_over` warns, `veto_at` or
    /// more is a veto; each blank column gets its own judgement at that level.
    pub fn judge_blank_columns(&self, columns: &[ColumnInput]) -> Assessment {
        let Some(c) = &self.judges.blank else {
            return Assessment::disabled("site.column_blank");
        };
        let rule = &self.rules[c.rule];
        let blank: Vec<&ColumnInput> = columns.iter().filter(|c| c.item_count == 0).collect();
        let severity = if blank.len() >= c.p.veto_at {
            Severity::Veto
        } else if blank.len() > c.p.warn_over {
            Severity::Warn
        } else {
            let detail = format!("空白栏目 {} 个，未超过 {} 个", blank.len(), c.p.warn_over);
            return Assessment::from_judgements(&rule.id, vec![], &detail);
        };
        let count = blank.len().to_string();
        let judgements = blank
            .iter()
            .map(|col| {
                judgement(
                    rule,
                    severity,
                    0.0,
                    &col.name,
                    &[("column", &col.name), ("count", &count)],
                )
            })
            .collect();
        Assessment::from_judgements(&rule.id, judgements, "")
    }
}
