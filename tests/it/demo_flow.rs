//! Every rule firing end to end from a crawl of the demo estate: register it, crawl every
//! account through the platform, and find each planted problem as a stored finding — with
//! nothing extra where look-alikes were planted, and no raw personal information stored.

use std::collections::HashMap;
use std::time::Duration;

use govwatch::db::entities::{account, finding};
use govwatch::demo::{DemoEstate, register_estate};
use sea_orm::EntityTrait;

use crate::support::db::test_db;

#[tokio::test]
async fn each_planted_problem_is_found_from_a_crawl() {
    let t = test_db().await;
    let estate = DemoEstate::start("127.0.0.1:0".parse().unwrap(), govwatch::time::today())
        .await
        .unwrap();
    let ids = register_estate(&t.db, &estate).await.unwrap();
    assert_eq!(ids.len(), estate.accounts().len());
    // Registering again finds the same accounts.
    assert_eq!(register_estate(&t.db, &estate).await.unwrap(), ids);

    let mut settings = crate::support::app::settings_for(&t);
    settings.crawler.allow_private_addresses = true;
    settings.crawler.per_host_delay = Duration::ZERO;
    settings.crawler.retry_base_delay = Duration::from_millis(10);
    let engine = govwatch::worker::crawl_engine(&settings, t.db.clone()).unwrap();
    for id in &ids {
        engine.crawl_account(*id, None).await.unwrap();
    }

    let names: HashMap<i64, String> = account::Entity::find()
        .all(&t.db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let findings = finding::Entity::find().all(&t.db).await.unwrap();
    for p in estate.planted() {
        let hit = findings.iter().any(|f| {
            f.rule_id == p.rule_id
                && names.get(&f.account_id) == Some(&p.account)
                && (f.url.contains(&p.url_contains) || f.location.contains(&p.url_contains))
                && p.location_contains
                    .as_deref()
                    .is_none_or(|l| f.location.contains(l))
        });
        assert!(
            hit,
            "planted {} on {} at {} {:?} ({}) was not found",
            p.rule_id, p.account, p.url_contains, p.location_contains, p.note
        );
    }

    // Exactly as many personal-information findings as planted: the masked row, the office
    // landlines, the 12345 hotline and the organisation's credit code are not leaks.
    let mut planted_count: HashMap<&str, usize> = HashMap::new();
    for p in estate.planted() {
        *planted_count.entry(p.rule_id).or_default() += 1;
    }
    for rule in [
        "pii.resident_id",
        "pii.mobile",
        "pii.bank_card",
        "pii.address",
        "error.misused_word",
        "error.serious_expression",
        "link.broken",
        "activity.inactive_account",
        "source.unreachable",
    ] {
        let found = findings.iter().filter(|f| f.rule_id == rule).count();
        assert_eq!(
            found,
            planted_count.get(rule).copied().unwrap_or(0),
            "{rule}: found {found}"
        );
    }
    // The failing feed is an operations alert, never an inactive account.
    let toutiao = names
        .iter()
        .find(|(_, n)| n.as_str() == govwatch::demo::TOUTIAO)
        .map(|(id, _)| *id)
        .unwrap();
    assert!(
        !findings
            .iter()
            .any(|f| f.account_id == toutiao && f.rule_id == "activity.inactive_account")
    );
    // No raw personal information in the database: every pii finding is masked.
    for f in findings.iter().filter(|f| f.category == "pii") {
        let masked = f.masked_value.as_deref().unwrap_or_default();
        assert!(masked.contains('*'), "{}: masked value {masked}", f.rule_id);
        assert!(
            !f.excerpt
                .chars()
                .collect::<Vec<_>>()
                .windows(11)
                .any(|w| w.iter().all(char::is_ascii_digit)),
            "{}: unmasked digits in excerpt {}",
            f.rule_id,
            f.excerpt
        );
    }
    for s in estate.never_flagged().iter().filter(|s| !s.contains('*')) {
        assert!(
            !findings.iter().any(|f| f.category == "pii"
                && f.excerpt.contains(s)
                && f.masked_value.as_deref().is_some_and(|m| m
                    .chars()
                    .filter(char::is_ascii_digit)
                    .count()
                    >= 4
                    && s.contains(&m.replace('*', "")[..3]))),
            "{s} was flagged"
        );
    }
    let v = govwatch::ledger::verify(&t.db, &Default::default(), |_, _| {})
        .await
        .unwrap();
    assert!(v.ok(), "{:?}", v.problem);
}
