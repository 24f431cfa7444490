//! The national verdict: any confirmed veto fails; otherwise 100 minus deductions,
//! below the pass mark fails. Plus a per-department roll-up of account verdicts.

use serde::{Deserialize, Serialize};

use super::super::hit::Hit;
use super::super::model::{Category, Severity};
use super::super::ruleset::RuleSet;
use super::{Judgement, fmt_points};

/// One finding as the score sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreItem {
    /// Rule id.
    pub rule_id: String,
    /// Category (`source` items never count: they are our operations alerts).
    pub category: Category,
    /// Severity.
    pub severity: Severity,
    /// Points for `deduct`.
    pub points: f64,
    /// Veto candidates that need a person's decision.
    pub needs_confirmation: bool,
    /// The person's decision: `Some(true)` confirmed, `Some(false)` rejected, `None` pending.
    pub confirmed: Option<bool>,
}

impl From<&Hit> for ScoreItem {
    fn from(h: &Hit) -> Self {
        ScoreItem {
            rule_id: h.rule_id.clone(),
            category: h.category,
            severity: h.severity,
            points: h.points,
            needs_confirmation: h.needs_confirmation,
            confirmed: None,
        }
    }
}

impl From<&Judgement> for ScoreItem {
    fn from(j: &Judgement) -> Self {
        ScoreItem {
            rule_id: j.rule_id.clone(),
            category: j.category,
            severity: j.severity,
            points: j.points,
            needs_confirmation: j.needs_confirmation,
            confirmed: None,
        }
    }
}

/// 合格 / 不合格.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// 合格.
    Pass,
    /// 不合格.
    Fail,
}

impl Verdict {
    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "合格",
            Verdict::Fail => "不合格",
        }
    }
}

/// A site's or account's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreCard {
    /// Base minus deductions, not below 0.
    pub score: f64,
    /// Sum of deducted points.
    pub deductions: f64,
    /// Rule ids of the vetoes that count (confirmed, or not needing confirmation).
    pub vetoes: Vec<String>,
    /// Rule ids of veto candidates still waiting for a person's decision.
    pub pending_confirmation: Vec<String>,
    /// The verdict on what is decided now.
    pub verdict: Verdict,
    /// The verdict may still change: a pending veto candidate would fail a passing result.
    pub provisional: bool,
    /// Chinese summary.
    pub message: String,
}

/// One account's result, for the department roll-up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountResult {
    /// Account identifier (the lead's id or name).
    pub account: String,
    /// Its score card.
    pub card: ScoreCard,
}

/// A department's accounts summed up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DepartmentRollup {
    /// Department identifier.
    pub department: String,
    /// Accounts judged.
    pub accounts: usize,
    /// Accounts passing.
    pub passed: usize,
    /// Accounts failing.
    pub failed: usize,
    /// Accounts whose verdict is provisional.
    pub provisional: usize,
    /// `passed / accounts` (1.0 for a department without accounts).
    pub pass_rate: f64,
    /// Failing accounts.
    pub failed_accounts: Vec<String>,
    /// Every account passes.
    pub all_passed: bool,
}

impl RuleSet {
    /// Scores a website from its findings (text hits and judgements as [`ScoreItem`]s).
    /// `None` if the `site.score` rule is switched off.
    pub fn score_website(&self, items: &[ScoreItem]) -> Option<ScoreCard> {
        let c = self.judges.score.as_ref()?;
        Some(score(items, c.p.base, c.p.pass_mark))
    }

    /// Scores a new-media account the same way with its own pass mark.
    pub fn score_account(&self, items: &[ScoreItem]) -> Option<ScoreCard> {
        let c = self.judges.score.as_ref()?;
        Some(score(items, c.p.base, c.p.account_pass_mark))
    }
}

fn score(items: &[ScoreItem], base: f64, pass_mark: f64) -> ScoreCard {
    let mut vetoes = Vec::new();
    let mut pending = Vec::new();
    let mut deductions = 0.0;
    for it in items.iter().filter(|i| i.category != Category::Source) {
        let counts = !it.needs_confirmation || it.confirmed == Some(true);
        match it.severity {
            Severity::Veto if counts => vetoes.push(it.rule_id.clone()),
            Severity::Veto if it.confirmed.is_none() => pending.push(it.rule_id.clone()),
            Severity::Deduct if it.confirmed != Some(false) => deductions += it.points,
            _ => {}
        }
    }
    vetoes.sort();
    vetoes.dedup();
    pending.sort();
    pending.dedup();
    let score = (base - deductions).max(0.0);
    let verdict = if !vetoes.is_empty() || score < pass_mark {
        Verdict::Fail
    } else {
        Verdict::Pass
    };
    let provisional = verdict == Verdict::Pass && !pending.is_empty();
    let mut message = format!("得分 {}，{}", fmt_points(score), verdict.label());
    if !vetoes.is_empty() {
        message.push_str(&format!("（单项否决：{}）", vetoes.join("、")));
    }
    if provisional {
        message.push_str(&format!(
            "；另有 {} 项单项否决候选待人工确认",
            pending.len()
        ));
    }
    ScoreCard {
        score,
        deductions,
        vetoes,
        pending_confirmation: pending,
        verdict,
        provisional,
        message,
    }
}

/// Sums up a department's account verdicts.
pub fn roll_up(department: &str, accounts: &[AccountResult]) -> DepartmentRollup {
    let failed_accounts: Vec<String> = accounts
        .iter()
        .filter(|a| a.card.verdict == Verdict::Fail)
        .map(|a| a.account.clone())
        .collect();
    let n = accounts.len();
    let passed = n - failed_accounts.len();
    DepartmentRollup {
        department: department.into(),
        accounts: n,
        passed,
        failed: failed_accounts.len(),
        provisional: accounts.iter().filter(|a| a.card.provisional).count(),
        pass_rate: if n == 0 {
            1.0
        } else {
            passed as f64 / n as f64
        },
        all_passed: failed_accounts.is_empty(),
        failed_accounts,
    }
}
