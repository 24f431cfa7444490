//! The scheduler: cron strings, default schedules, firing, reloading, one firing per tick across
//! processes.

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone as _, Timelike as _, Utc};
use govwatch::queue::{JobQueue, Queue, QueueConfig, RedisQueueConfig};
use govwatch::scheduler::{
    CronOverrides, ReplaceSummary, Schedule, ScheduleKind, Scheduler, SchedulerError, TIMEZONE,
    account_schedules, default_cron, normalize_cron, parse_cron,
};
use serde_json::json;

use crate::support::redis::test_redis;

#[test]
fn five_fields_get_a_seconds_field_six_stay() {
    assert_eq!(normalize_cron("30 2 * * *").unwrap(), "0 30 2 * * *");
    assert_eq!(
        normalize_cron("  */15   8-18 * * 1-5 ").unwrap(),
        "0 */15 8-18 * * 1-5"
    );
    assert_eq!(normalize_cron("*/10 * * * * *").unwrap(), "*/10 * * * * *");
    assert_eq!(normalize_cron("@daily").unwrap(), "@daily");
    // The converted form is what tokio-cron-scheduler accepts.
    assert_eq!(parse_cron("30 2 * * *").unwrap().as_str(), "0 30 2 * * *");
    assert!(
        tokio_cron_scheduler::Job::new_async_tz("30 2 * * *", TIMEZONE, |_, _| Box::pin(async {}))
            .is_err(),
        "premise: the engine itself rejects 5 fields"
    );
    assert!(
        tokio_cron_scheduler::Job::new_async_tz(
            parse_cron("30 2 * * *").unwrap().as_str(),
            TIMEZONE,
            |_, _| Box::pin(async {})
        )
        .is_ok()
    );
}

#[test]
fn invalid_cron_is_a_clear_error() {
    let cases = [
        ("", "empty expression"),
        ("* * * *", "found 4"),
        ("0 0 0 * * * 2030 x", "found 8"),
        ("61 * * * *", ""),
        ("0 25 * * *", ""),
        ("every day", "found 2"),
        ("0 0 30 2 *", "never fires"),
    ];
    for (expr, detail) in cases {
        let error = parse_cron(expr).expect_err(expr).to_string();
        assert!(
            error.starts_with(&format!("invalid cron \"{expr}\": ")),
            "{error}"
        );
        assert!(error.contains(detail), "{expr}: {error}");
    }
}

#[test]
fn slot_is_the_tick_a_late_firing_belongs_to() {
    let every_five = parse_cron("*/5 * * * * *").unwrap();
    let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
    assert_eq!(
        every_five.slot_at(at("2026-11-27T04:00:07.300Z")),
        Some(at("2026-11-27T04:00:05Z"))
    );
    assert_eq!(
        every_five.slot_at(at("2026-11-27T04:00:05Z")),
        Some(at("2026-11-27T04:00:05Z"))
    );
    // Schedules are in Shanghai time: 02:30 there is 18:30 UTC the day before.
    let nightly = parse_cron("30 2 * * *").unwrap();
    assert_eq!(
        nightly.slot_at(at("2026-11-27T00:00:00Z")),
        Some(at("2026-11-26T18:30:00Z"))
    );
    assert_eq!(
        nightly.next_after(at("2026-11-26T18:30:00Z")),
        Some(at("2026-11-27T18:30:00Z"))
    );
}

/// Firing times of `cron` during one Shanghai day.
fn firings_on_a_day(cron: &str) -> Vec<DateTime<Utc>> {
    let spec = parse_cron(cron).unwrap();
    let start = TIMEZONE
        .with_ymd_and_hms(2026, 11, 27, 0, 0, 0)
        .unwrap()
        .with_timezone(&Utc);
    let end = start + chrono::Duration::days(1);
    let mut times = Vec::new();
    let mut t = start - chrono::Duration::seconds(1);
    while let Some(next) = spec.next_after(t).filter(|n| *n < end) {
        times.push(next);
        t = next;
    }
    times
}

#[test]
fn default_schedules_parse_and_fire_as_documented() {
    let mut website_minutes = HashSet::new();
    for account_id in (1..=300).chain([0, -1, i64::MAX]) {
        let website = default_cron(ScheduleKind::WebsiteCrawl, account_id);
        let firings = firings_on_a_day(&website);
        assert_eq!(firings.len(), 1, "website daily: {website}");
        let hour = firings[0].with_timezone(&TIMEZONE).hour();
        assert!((1..=5).contains(&hour), "website at night: {website}");
        website_minutes.insert(firings[0].with_timezone(&TIMEZONE).minute());

        let feed = default_cron(ScheduleKind::FeedCrawl, account_id);
        let firings = firings_on_a_day(&feed);
        assert_eq!(firings.len(), 4, "feed every 6 hours: {feed}");
        for pair in firings.windows(2) {
            assert_eq!(pair[1] - pair[0], chrono::Duration::hours(6), "{feed}");
        }

        let probe = default_cron(ScheduleKind::AvailabilityProbe, account_id);
        let firings = firings_on_a_day(&probe);
        assert_eq!(firings.len(), 24, "probe hourly: {probe}");
        assert!(
            firings.len() >= 20,
            "the national indicator needs >= 20 probes a day"
        );

        // Stable: the same account always gets the same times.
        assert_eq!(
            website,
            default_cron(ScheduleKind::WebsiteCrawl, account_id)
        );
    }
    assert!(
        website_minutes.len() > 30,
        "accounts are spread over the hour: {}",
        website_minutes.len()
    );
}

#[test]
fn account_schedules_use_defaults_and_overrides() {
    let schedules =
        account_schedules(42, ScheduleKind::WEBSITE, &CronOverrides::default()).unwrap();
    let names: Vec<&str> = schedules.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["website:42", "probe:42"]);
    assert_eq!(
        schedules[0].cron,
        default_cron(ScheduleKind::WebsiteCrawl, 42)
    );
    assert_eq!(schedules[0].job_template.kind, "crawl");
    assert_eq!(
        schedules[0].job_template.payload,
        json!({"account_id": 42, "target": "website"})
    );
    assert_eq!(schedules[1].job_template.kind, "probe");

    let overrides = CronOverrides {
        feed_crawl: Some("*/30 * * * *".into()),
        ..CronOverrides::default()
    };
    let feed = account_schedules(7, ScheduleKind::NEW_MEDIA, &overrides).unwrap();
    assert_eq!(feed.len(), 1);
    assert_eq!(feed[0].name, "feed:7");
    assert_eq!(feed[0].cron, "*/30 * * * *");

    let bad = CronOverrides {
        website_crawl: Some("0 3 * *".into()),
        ..CronOverrides::default()
    };
    let error = account_schedules(7, ScheduleKind::WEBSITE, &bad).unwrap_err();
    assert!(
        error.to_string().starts_with("invalid cron \"0 3 * *\""),
        "{error}"
    );
}

fn every_second(name: &str) -> Schedule {
    Schedule::new(name, "* * * * * *", "probe", json!({"schedule": name}))
}

/// Drains the queue, returning the de-duplication keys of the jobs.
async fn drain(queue: &Queue) -> Vec<String> {
    let mut keys = Vec::new();
    while let Some(d) = queue
        .dequeue("drain", Duration::from_millis(100))
        .await
        .unwrap()
    {
        keys.push(
            d.job
                .dedup_key
                .clone()
                .expect("scheduled jobs carry a dedup key"),
        );
        queue.ack(&d).await.unwrap();
    }
    keys
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduler_enqueues_and_reloads() {
    let queue = Arc::new(Queue::memory(QueueConfig::default()).unwrap());
    let scheduler = Scheduler::start(
        vec![every_second("a"), every_second("b")],
        Arc::clone(&queue),
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(2600)).await;
    let keys = drain(&queue).await;
    assert!(
        keys.iter().any(|k| k.starts_with("sched:a@"))
            && keys.iter().any(|k| k.starts_with("sched:b@")),
        "{keys:?}"
    );
    assert_eq!(
        keys.len(),
        keys.iter().collect::<HashSet<_>>().len(),
        "one job per tick"
    );

    // Reload: "a" unchanged, "b" removed, "c" new; a bad list changes nothing.
    let bad = scheduler
        .replace(vec![
            every_second("a"),
            Schedule::new("x", "nonsense", "probe", json!({})),
        ])
        .await;
    assert!(
        matches!(bad, Err(SchedulerError::Cron { ref name, .. }) if name == "x"),
        "{bad:?}"
    );
    let duplicate = scheduler
        .replace(vec![every_second("a"), every_second("a")])
        .await;
    assert!(matches!(duplicate, Err(SchedulerError::DuplicateName(_))));
    assert_eq!(scheduler.schedules().await.len(), 2);

    let summary = scheduler
        .replace(vec![every_second("a"), every_second("c")])
        .await
        .unwrap();
    assert_eq!(
        summary,
        ReplaceSummary {
            added: 1,
            removed: 1,
            kept: 1
        }
    );
    drain(&queue).await;
    tokio::time::sleep(Duration::from_millis(2600)).await;
    let keys = drain(&queue).await;
    assert!(keys.iter().any(|k| k.starts_with("sched:c@")), "{keys:?}");
    assert!(
        !keys.iter().any(|k| k.starts_with("sched:b@")),
        "removed schedule still fires: {keys:?}"
    );
    let names: Vec<String> = scheduler
        .schedules()
        .await
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["a", "c"]);

    let stats = scheduler.stats();
    assert!(stats.enqueued >= 4 && stats.failed == 0, "{stats:?}");
    scheduler.shutdown().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    drain(&queue).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(drain(&queue).await.is_empty(), "no firing after shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_schedulers_on_one_redis_enqueue_each_tick_once() {
    let Some(redis) = test_redis("two_schedulers_on_one_redis_enqueue_each_tick_once") else {
        return;
    };
    let connect = || async {
        Arc::new(
            Queue::redis(
                RedisQueueConfig::new(&redis.url).with_prefix(&redis.prefix),
                QueueConfig::default(),
            )
            .await
            .unwrap(),
        )
    };
    // Two `serve` processes: separate clients, same prefix, same schedule.
    let (queue_1, queue_2) = (connect().await, connect().await);
    let first = Scheduler::start(vec![every_second("probe:1")], Arc::clone(&queue_1))
        .await
        .unwrap();
    let second = Scheduler::start(vec![every_second("probe:1")], Arc::clone(&queue_2))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(3200)).await;
    first.shutdown().await.unwrap();
    second.shutdown().await.unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await; // let firings in progress finish

    let keys = drain(&queue_1).await;
    let slots: BTreeSet<&String> = keys.iter().collect();
    assert_eq!(slots.len(), keys.len(), "a tick enqueued twice: {keys:?}");
    assert!(keys.len() >= 2, "about three ticks in 3 s: {keys:?}");
    let (a, b) = (first.stats(), second.stats());
    assert_eq!(a.enqueued + b.enqueued, keys.len() as u64, "{a:?} {b:?}");
    assert_eq!(
        a.fired + b.fired,
        a.enqueued + b.enqueued + a.deduplicated + b.deduplicated
    );
    assert!(
        a.deduplicated + b.deduplicated >= 1,
        "both fired the same ticks: {a:?} {b:?}"
    );
    assert_eq!(a.failed + b.failed, 0);
    for key in &keys {
        let slot = key
            .strip_prefix("sched:probe:1@")
            .expect("key names schedule and slot");
        assert!(DateTime::parse_from_rfc3339(slot).is_ok(), "{key}");
    }
}
