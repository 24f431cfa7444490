//! The national verdicts (合格/不合格) computed from the findings that are still open.
//!
//! A website is scored with [`RuleSet::score_website`] (any veto fails; otherwise 100 minus
//! deductions, below the pass mark fails), a new-media account with
//! [`RuleSet::score_account`]; each department gets [`roll_up`] over the accounts of itself
//! and its sub-departments. Scores are computed on demand from the findings table, so they
//! can never disagree with the findings list the owner sees.
//!
//! The findings store has no "confirmed" column yet: a veto candidate that needs a person's
//! decision (`needs_confirmation`) is therefore always *pending* (`confirmed: None`), which
//! makes a passing verdict provisional instead of failing it.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;

use crate::auth::{Actor, Scope};
use crate::db::entities::{account, department, finding};
use crate::rules::{
    AccountResult, Category, DepartmentRollup, RuleSet, ScoreCard, ScoreItem, Severity, roll_up,
};

/// Finding statuses that still count against an account. `fixed` counts until a crawl no
/// longer sees the problem and the finding becomes `verified`: an owner's word is not a fix.
pub const COUNTED_STATUSES: [&str; 4] = ["open", "assigned", "fixed", "reopened"];

/// Account statuses that are scored: operating or temporarily suspended. Closed, merged and
/// deregistered accounts are no longer inspected.
pub const SCORED_ACCOUNT_STATUSES: [&str; 2] = ["active", "suspended"];

/// One account's verdict.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AccountScore {
    /// Account id.
    pub account_id: i64,
    /// Account name.
    pub name: String,
    /// Platform code (`website`, `wechat`, …).
    pub platform: String,
    /// Platform in Chinese.
    pub platform_label: String,
    /// Owning department.
    pub department_id: i64,
    /// Its name.
    pub department_name: String,
    /// Scored as a website (100-point score) rather than a new-media account (pass/fail).
    pub website: bool,
    /// Findings that count (open, assigned, fixed but not verified, reopened).
    pub open_findings: u64,
    /// The score card; `None` when the `site.score` rule is switched off.
    #[schema(value_type = Option<Object>)]
    pub card: Option<ScoreCard>,
    /// Titles of the vetoes that fail the account.
    pub veto_reasons: Vec<String>,
    /// Titles of the veto candidates waiting for a person's decision.
    pub pending_reasons: Vec<String>,
}

impl AccountScore {
    /// `合格`, `不合格` or `未评分`.
    pub fn verdict_label(&self) -> &'static str {
        self.card.as_ref().map_or("未评分", |c| c.verdict.label())
    }

    /// Whether the account fails.
    pub fn failed(&self) -> bool {
        self.card
            .as_ref()
            .is_some_and(|c| c.verdict == crate::rules::Verdict::Fail)
    }

    /// The score with one decimal (`98.9`), or `—`.
    pub fn score_text(&self) -> String {
        self.card
            .as_ref()
            .map_or_else(|| "—".to_string(), |c| format_points(c.score))
    }
}

/// A department's roll-up over itself and its sub-departments.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DepartmentScore {
    /// Department id.
    pub department_id: i64,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Parent id.
    pub parent_id: Option<i64>,
    /// Depth in the tree (0 for a top-level department).
    pub depth: usize,
    /// Accounts judged, passed, failed, pass rate.
    #[schema(value_type = Object)]
    pub rollup: DepartmentRollup,
}

impl DepartmentScore {
    /// The pass rate as a whole percentage (`67%`).
    pub fn pass_percent(&self) -> String {
        format!("{:.0}%", self.rollup.pass_rate * 100.0)
    }
}

/// Every verdict the caller may see.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Scores {
    /// The day the rule set was compiled for.
    pub as_of: NaiveDate,
    /// One card per scored account, by id.
    pub accounts: Vec<AccountScore>,
    /// One roll-up per department, parents before children.
    pub departments: Vec<DepartmentScore>,
    /// Counted findings by category (`pii`, `error`, `link`, `site`, `activity`, `source`).
    pub open_by_category: BTreeMap<String, u64>,
}

/// `98.9`, `100`: points without float noise.
pub fn format_points(p: f64) -> String {
    let r = (p * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

/// Parses a stored category code.
pub fn parse_category(s: &str) -> Option<Category> {
    Some(match s {
        "pii" => Category::Pii,
        "error" => Category::Error,
        "link" => Category::Link,
        "site" => Category::Site,
        "activity" => Category::Activity,
        "source" => Category::Source,
        _ => return None,
    })
}

/// Parses a stored severity code.
pub fn parse_severity(s: &str) -> Option<Severity> {
    Some(match s {
        "veto" => Severity::Veto,
        "deduct" => Severity::Deduct,
        "warn" => Severity::Warn,
        _ => return None,
    })
}

/// The Chinese name of a category code.
pub fn category_label(code: &str) -> &'static str {
    match code {
        "pii" => "个人信息",
        "error" => "表述错误",
        "link" => "链接可用性",
        "site" => "网站指标",
        "activity" => "账号更新",
        "source" => "数据源",
        _ => "其他",
    }
}

/// The Chinese name of a severity code.
pub fn severity_label(code: &str) -> &'static str {
    match code {
        "veto" => "单项否决",
        "deduct" => "扣分",
        "warn" => "提醒",
        _ => "其他",
    }
}

/// Counted findings of one account and rule: account, rule, category, severity,
/// needs confirmation, summed points, number of findings. Grouping in the database keeps the
/// rows few (a site with 3,000 broken links is one row) and changes no verdict: deductions
/// add up, and a veto counts once per rule either way.
type Row = (i64, String, String, String, bool, f64, i64);

fn item(row: &Row) -> Option<ScoreItem> {
    let (_, rule_id, category, severity, needs_confirmation, points, _) = row;
    let (Some(category), Some(severity)) = (parse_category(category), parse_severity(severity))
    else {
        tracing::warn!(%rule_id, %category, %severity, "finding with unknown category or severity is not scored");
        return None;
    };
    Some(ScoreItem {
        rule_id: rule_id.clone(),
        category,
        severity,
        points: *points,
        needs_confirmation: *needs_confirmation,
        confirmed: None,
    })
}

async fn counted_rows<C: ConnectionTrait>(
    db: &C,
    accounts: Option<&[i64]>,
) -> Result<Vec<Row>, DbErr> {
    let group = [
        finding::Column::AccountId,
        finding::Column::RuleId,
        finding::Column::Category,
        finding::Column::Severity,
        finding::Column::NeedsConfirmation,
    ];
    let mut q = finding::Entity::find()
        .select_only()
        .columns(group)
        .column_as(
            Expr::expr(Func::sum(Expr::col(finding::Column::Points))),
            "points",
        )
        .column_as(Expr::expr(Func::count(Expr::col(finding::Column::Id))), "n")
        .filter(finding::Column::Status.is_in(COUNTED_STATUSES));
    if let Some(ids) = accounts {
        q = q.filter(finding::Column::AccountId.is_in(ids.iter().copied()));
    }
    for c in group {
        q = q.group_by(c);
    }
    q.into_tuple::<Row>().all(db).await
}

fn titles(rules: &RuleSet, ids: &[String]) -> Vec<String> {
    ids.iter()
        .map(|id| {
            rules
                .rule(id)
                .map_or_else(|| id.clone(), |r| r.title.clone())
        })
        .collect()
}

fn card_for(
    rules: &RuleSet,
    a: &account::Model,
    department_name: &str,
    rows: &[&Row],
) -> AccountScore {
    let items: Vec<ScoreItem> = rows.iter().filter_map(|r| item(r)).collect();
    let website = a.platform == "website";
    let card = if website {
        rules.score_website(&items)
    } else {
        rules.score_account(&items)
    };
    let (veto_reasons, pending_reasons) = card.as_ref().map_or_else(Default::default, |c| {
        (
            titles(rules, &c.vetoes),
            titles(rules, &c.pending_confirmation),
        )
    });
    AccountScore {
        account_id: a.id,
        name: a.name.clone(),
        platform_label: crate::registry::Platform::parse(&a.platform)
            .map_or_else(|| a.platform.clone(), |p| p.label().to_string()),
        platform: a.platform.clone(),
        department_id: a.department_id,
        department_name: department_name.to_string(),
        website,
        open_findings: rows.iter().map(|r| r.6.max(0) as u64).sum(),
        card,
        veto_reasons,
        pending_reasons,
    }
}

/// The verdicts of every scored account the actor may see, with department roll-ups and
/// counts of open findings by category.
pub async fn compute<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    rules: &RuleSet,
) -> Result<Scores, DbErr> {
    let mut dq = department::Entity::find();
    if let Scope::Subtree(prefix) = &actor.scope {
        dq = dq.filter(department::Column::Path.starts_with(prefix.as_str()));
    }
    let departments = dq.order_by_asc(department::Column::Path).all(db).await?;
    let dep_ids: Vec<i64> = departments.iter().map(|d| d.id).collect();
    let mut aq = account::Entity::find()
        .filter(account::Column::Status.is_in(SCORED_ACCOUNT_STATUSES))
        .order_by_asc(account::Column::Id);
    if actor.scope != Scope::All {
        aq = aq.filter(account::Column::DepartmentId.is_in(dep_ids));
    }
    let accounts = aq.all(db).await?;
    // Everyone's findings for the office (no id list to send), only theirs for an owner.
    let ids: Vec<i64> = accounts.iter().map(|a| a.id).collect();
    let rows = counted_rows(db, (actor.scope != Scope::All).then_some(ids.as_slice())).await?;
    let mut by_account: HashMap<i64, Vec<&Row>> = HashMap::new();
    for r in &rows {
        by_account.entry(r.0).or_default().push(r);
    }
    let dep_by_id: HashMap<i64, &department::Model> =
        departments.iter().map(|d| (d.id, d)).collect();
    let mut open_by_category: BTreeMap<String, u64> = BTreeMap::new();
    let mut cards = Vec::with_capacity(accounts.len());
    for a in &accounts {
        let rows = by_account.get(&a.id).map(Vec::as_slice).unwrap_or_default();
        for r in rows {
            *open_by_category.entry(r.2.clone()).or_default() += r.6.max(0) as u64;
        }
        let dep_name = dep_by_id
            .get(&a.department_id)
            .map_or("", |d| d.name.as_str());
        cards.push(card_for(rules, a, dep_name, rows));
    }
    let departments = departments
        .iter()
        .map(|d| {
            let results: Vec<AccountResult> = cards
                .iter()
                .filter(|c| {
                    dep_by_id
                        .get(&c.department_id)
                        .is_some_and(|ad| ad.path.starts_with(&d.path))
                })
                .filter_map(|c| {
                    c.card.clone().map(|card| AccountResult {
                        account: c.name.clone(),
                        card,
                    })
                })
                .collect();
            DepartmentScore {
                department_id: d.id,
                code: d.code.clone(),
                name: d.name.clone(),
                parent_id: d.parent_id,
                depth: d.path.matches('/').count().saturating_sub(2),
                rollup: roll_up(&d.name, &results),
            }
        })
        .collect();
    Ok(Scores {
        as_of: rules.as_of(),
        accounts: cards,
        departments,
        open_by_category,
    })
}

/// One account's verdict (the caller has checked that the actor may see it).
pub async fn for_account<C: ConnectionTrait>(
    db: &C,
    rules: &RuleSet,
    account_id: i64,
) -> Result<Option<AccountScore>, DbErr> {
    let Some(a) = account::Entity::find_by_id(account_id).one(db).await? else {
        return Ok(None);
    };
    let dep = department::Entity::find_by_id(a.department_id)
        .one(db)
        .await?;
    let rows = counted_rows(db, Some(&[account_id])).await?;
    let refs: Vec<&Row> = rows.iter().collect();
    Ok(Some(card_for(
        rules,
        &a,
        dep.as_ref().map_or("", |d| d.name.as_str()),
        &refs,
    )))
}

/// The counted findings of one account, heaviest first (veto, deduct, warn), then newest.
pub async fn open_findings<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
    limit: u64,
) -> Result<Vec<finding::Model>, DbErr> {
    let mut rows = finding::Entity::find()
        .filter(finding::Column::AccountId.eq(account_id))
        .filter(finding::Column::Status.is_in(COUNTED_STATUSES))
        .order_by_desc(finding::Column::LastSeenAt)
        .order_by_desc(finding::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    rows.sort_by_key(|f| std::cmp::Reverse(parse_severity(&f.severity)));
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_are_shown_without_float_noise() {
        assert_eq!(format_points(100.0 - 1.0 - 0.1), "98.9");
        assert_eq!(format_points(100.0), "100");
        assert_eq!(format_points(59.95), "60");
    }

    #[test]
    fn unknown_codes_are_not_scored() {
        let row: Row = (1, "x.y".into(), "nope".into(), "veto".into(), false, 0.0, 1);
        assert!(item(&row).is_none());
        let row: Row = (
            1,
            "link.broken".into(),
            "link".into(),
            "deduct".into(),
            false,
            1.1,
            2,
        );
        let it = item(&row).unwrap();
        assert_eq!(
            (it.category, it.severity, it.confirmed),
            (Category::Link, Severity::Deduct, None)
        );
    }
}
