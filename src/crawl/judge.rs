//! Judging the site or account as a whole once a crawl has ended: broken links, the home
//! page's and the columns' freshness, blank columns and availability for websites; activity
//! (or a source failure) for social-media accounts. Each judgement becomes a finding.

use chrono::{Duration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait};

use super::ingest::Ingestor;
use super::{CrawlEngine, CrawlJobError};
use crate::auth::Actor;
use crate::db::entities::{account, post, probe};
use crate::findings::{self, FindingDraft, StoreOutcome};
use crate::ledger;
use crate::rules::{self, Assessment, RuleSet};

/// Runs the structured judgements and stores their findings.
pub async fn judge_after_crawl(
    eng: &CrawlEngine,
    account: &account::Model,
    rules: &RuleSet,
    ing: &mut Ingestor<'_>,
) -> Result<StoreOutcome, CrawlJobError> {
    let now = Utc::now();
    let today = crate::time::today();
    let url = account.url.clone().unwrap_or_default();
    let mut assessments: Vec<Assessment> = Vec::new();
    if account.platform == "website" {
        if ing.source_error.is_none() {
            if ing.links_checked {
                assessments.push(rules.judge_links(&ing.broken_links));
            }
            if let Some(newest) = ing.home {
                assessments.push(rules.judge_homepage(newest, today));
            }
            if !ing.columns.is_empty() {
                assessments.push(rules.judge_columns(&ing.columns, today));
                assessments.push(rules.judge_blank_columns(&ing.columns));
            }
        }
        let since = now - Duration::days(8);
        let probes: Vec<rules::Probe> = probe::Entity::find()
            .filter(probe::Column::AccountId.eq(account.id))
            .filter(probe::Column::ProbedAt.gte(since))
            .order_by_asc(probe::Column::ProbedAt)
            .all(&eng.db)
            .await?
            .into_iter()
            .map(|p| rules::Probe {
                at: p.probed_at,
                ok: p.ok,
            })
            .collect();
        assessments.push(rules.judge_availability(&probes, now));
    } else {
        let mut newest = ing.feed.newest;
        if ing.feed.not_modified || newest.is_none() {
            // Unchanged feed (304) or posts without dates: the newest post we know of.
            let known: Option<Option<chrono::DateTime<Utc>>> = post::Entity::find()
                .filter(post::Column::AccountId.eq(account.id))
                .select_only()
                .column_as(post::Column::PublishedAt.max(), "newest")
                .into_tuple()
                .one(&eng.db)
                .await?;
            newest = newest.max(known.flatten());
        }
        let status = rules::FeedStatus {
            read_ok: ing.feed.ok == Some(true) && ing.source_error.is_none(),
            error: ing
                .feed
                .error
                .clone()
                .or_else(|| ing.source_error.clone())
                .or_else(|| (ing.feed.ok.is_none()).then(|| "未读取到订阅源".to_string())),
            newest_post: newest,
        };
        assessments.push(rules.judge_account_activity(&status, now));
    }
    let target = ing.feed.url.clone().unwrap_or(url);
    // Point each finding at the page it is about: a broken link's target, a column's list
    // page, else the site or feed.
    let drafts: Vec<FindingDraft> = assessments
        .iter()
        .flat_map(|a| a.judgements.iter())
        .map(|j| {
            let url = match j.rule_id.as_str() {
                "link.broken" if j.subject.starts_with("http") => j.subject.clone(),
                "site.column_stale" | "site.column_blank" => ing
                    .column_urls
                    .get(&j.subject)
                    .cloned()
                    .unwrap_or_else(|| target.clone()),
                _ => target.clone(),
            };
            FindingDraft::from_judgement(j, &url)
        })
        .collect();
    if drafts.is_empty() {
        return Ok(StoreOutcome::default());
    }
    let txn = eng.db.begin().await?;
    let mut head = ledger::lock_head(&txn).await?;
    let out = findings::store(
        &txn,
        &mut head,
        &Actor::system("rules"),
        account.id,
        Some(ing.crawl_id()),
        &drafts,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(out)
}
