//! Writing and reading findings.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::auth::{Actor, Scope};
use crate::db::entities::{account, department, finding};
use crate::ledger::{self, Head, LedgerError, NewEntry};

/// A finding about to be stored (built from a rule hit or judgement).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingDraft {
    /// Rule id, e.g. `pii.resident_id`.
    pub rule_id: String,
    /// Category: `pii`, `error`, `link`, `site`, `activity`, `source`.
    pub category: String,
    /// `veto`, `deduct` or `warn`.
    pub severity: String,
    /// Points deducted.
    pub points: f64,
    /// The page, attachment or feed URL.
    pub url: String,
    /// Where inside it: `第3页`, `名单!C7`, `段落12`, or empty for the page itself.
    pub location: String,
    /// Short title.
    pub title: String,
    /// Message.
    pub message: String,
    /// Masked excerpt with surrounding words.
    pub excerpt: String,
    /// Masked value (personal information).
    pub masked_value: Option<String>,
    /// Suggested correction.
    pub suggestion: Option<String>,
    /// Keyed hash of the value (or the matched word): part of the fingerprint.
    pub value_hash: String,
    /// A person must confirm before it counts as a veto.
    pub needs_confirmation: bool,
}

impl FindingDraft {
    /// SHA-256 over rule, account, URL, location and value hash, length-prefixed.
    pub fn fingerprint(&self, account_id: i64) -> String {
        let mut h = Sha256::new();
        let account = account_id.to_string();
        for part in [
            self.rule_id.as_str(),
            &account,
            &self.url,
            &self.location,
            &self.value_hash,
        ] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part.as_bytes());
        }
        hex::encode(h.finalize())
    }
}

/// What storing did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StoreOutcome {
    /// Findings opened now.
    pub opened: u64,
    /// Findings seen again (only `last_seen_at` moved).
    pub seen_again: u64,
}

/// Stores drafts for an account inside an open ledger transaction.
pub async fn store<C: ConnectionTrait>(
    txn: &C,
    head: &mut Head,
    actor: &Actor,
    account_id: i64,
    crawl_id: Option<i64>,
    drafts: &[FindingDraft],
    now: DateTime<Utc>,
) -> Result<StoreOutcome, LedgerError> {
    let mut out = StoreOutcome::default();
    // The same problem can be reported twice in one batch (e.g. a page listed twice).
    let mut seen = std::collections::HashSet::new();
    for d in drafts {
        let fp = d.fingerprint(account_id);
        if !seen.insert(fp.clone()) {
            continue;
        }
        let existing = finding::Entity::find()
            .filter(finding::Column::Fingerprint.eq(fp.as_str()))
            .select_only()
            .column(finding::Column::Id)
            .into_tuple::<i64>()
            .one(txn)
            .await?;
        if let Some(id) = existing {
            finding::Entity::update_many()
                .col_expr(finding::Column::LastSeenAt, now.into())
                .col_expr(finding::Column::LastCrawlId, crawl_id.into())
                .filter(finding::Column::Id.eq(id))
                .exec(txn)
                .await?;
            out.seen_again += 1;
            continue;
        }
        let inserted = finding::Entity::insert(finding::ActiveModel {
            id: NotSet,
            fingerprint: Set(fp),
            rule_id: Set(d.rule_id.clone()),
            category: Set(d.category.clone()),
            severity: Set(d.severity.clone()),
            points: Set(d.points),
            account_id: Set(account_id),
            url: Set(d.url.clone()),
            location: Set(d.location.clone()),
            title: Set(d.title.clone()),
            message: Set(d.message.clone()),
            excerpt: Set(d.excerpt.clone()),
            masked_value: Set(d.masked_value.clone()),
            suggestion: Set(d.suggestion.clone()),
            value_hash: Set(d.value_hash.clone()),
            needs_confirmation: Set(d.needs_confirmation),
            status: Set("open".into()),
            first_seen_at: Set(now),
            last_seen_at: Set(now),
            last_crawl_id: Set(crawl_id),
        })
        .exec_with_returning(txn)
        .await?;
        ledger::append(
            txn,
            head,
            NewEntry {
                actor: &actor.name,
                action: "finding.open",
                subject_type: "finding",
                subject_id: inserted.id.to_string(),
                reason: &d.title,
                payload: serde_json::json!({
                    "account_id": account_id,
                    "rule_id": d.rule_id,
                    "severity": d.severity,
                    "url": d.url,
                    "location": d.location,
                    "excerpt": d.excerpt,
                    "masked_value": d.masked_value,
                    "crawl_id": crawl_id,
                }),
            },
        )
        .await?;
        out.opened += 1;
    }
    Ok(out)
}

/// Filters for listing findings.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct FindingFilter {
    /// Rule id or prefix (`pii` matches every `pii.*` rule).
    pub rule: Option<String>,
    /// Account id.
    pub account: Option<i64>,
    /// Status (`open`, …).
    pub status: Option<String>,
    /// At most this many (default 500).
    pub limit: Option<u64>,
}

/// Findings the actor may see, newest first.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    filter: &FindingFilter,
) -> Result<Vec<finding::Model>, DbErr> {
    let mut q = finding::Entity::find();
    if let Scope::Subtree(prefix) = &actor.scope {
        let deps: Vec<i64> = department::Entity::find()
            .filter(department::Column::Path.starts_with(prefix.as_str()))
            .select_only()
            .column(department::Column::Id)
            .into_tuple()
            .all(db)
            .await?;
        let accounts: Vec<i64> = account::Entity::find()
            .filter(account::Column::DepartmentId.is_in(deps))
            .select_only()
            .column(account::Column::Id)
            .into_tuple()
            .all(db)
            .await?;
        q = q.filter(finding::Column::AccountId.is_in(accounts));
    }
    if let Some(rule) = filter
        .rule
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        let prefix = rule.trim_end_matches('.');
        q = q.filter(
            Condition::any()
                .add(finding::Column::RuleId.eq(prefix))
                .add(finding::Column::RuleId.starts_with(format!("{prefix}."))),
        );
    }
    if let Some(a) = filter.account {
        q = q.filter(finding::Column::AccountId.eq(a));
    }
    if let Some(s) = filter.status.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(finding::Column::Status.eq(s));
    }
    q.order_by_desc(finding::Column::LastSeenAt)
        .order_by_desc(finding::Column::Id)
        .limit(filter.limit.unwrap_or(500))
        .all(db)
        .await
}
