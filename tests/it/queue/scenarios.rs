//! Queue semantics: delivery, de-duplication, retries, dead letters, reclaim.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use govwatch::queue::{Job, JobQueue, QueueConfig, QueueStats};
use serde_json::json;

use super::{Engine, Harness, both_engines, fast_config};

both_engines!(
    enqueue_dequeue_ack,
    dedup_key_collapses_equal_jobs,
    retry_then_dead_letter_with_error,
    job_of_dead_worker_is_redelivered_after_visibility_timeout,
    worker_dying_every_time_is_dead_lettered,
    superseded_delivery_cannot_fail_the_job,
    blocking_dequeue_wakes_when_a_job_arrives,
    concurrent_consumers_each_job_delivered_once,
);

fn stats(pending: u64, in_flight: u64, dead_lettered: u64) -> QueueStats {
    QueueStats {
        pending,
        in_flight,
        dead_lettered,
    }
}

async fn enqueue_dequeue_ack(engine: Engine) {
    let Some(h) = Harness::new(engine, "enqueue_dequeue_ack", fast_config()) else {
        return;
    };
    let q = h.queue().await;
    let job = Job::new("crawl", json!({"account_id": 42, "target": "website"}));
    assert!(q.enqueue(job.clone()).await.unwrap());
    assert_eq!(q.stats().await.unwrap(), stats(1, 0, 0));

    let d = q
        .dequeue("w1", Duration::from_secs(1))
        .await
        .unwrap()
        .expect("a job");
    assert_eq!(d.job, job);
    assert_eq!(d.attempt, 1);
    assert_eq!(d.last_error, None);
    assert_eq!(d.consumer(), "w1");
    assert_eq!(q.stats().await.unwrap(), stats(0, 1, 0));

    q.ack(&d).await.unwrap();
    assert_eq!(q.stats().await.unwrap(), stats(0, 0, 0));
    // Acked means gone: not even after the visibility timeout does it come back.
    tokio::time::sleep(h.config.visibility_timeout + Duration::from_millis(100)).await;
    assert!(
        q.dequeue("w1", Duration::from_millis(50))
            .await
            .unwrap()
            .is_none()
    );
}

async fn dedup_key_collapses_equal_jobs(engine: Engine) {
    let config = QueueConfig {
        dedup_ttl: Duration::from_secs(1),
        ..fast_config()
    };
    let Some(h) = Harness::new(engine, "dedup_key_collapses_equal_jobs", config) else {
        return;
    };
    let q = h.queue().await;
    let key = "crawl:42:2026-11-27T06";
    assert!(
        q.enqueue(Job::new("crawl", json!({"n": 1})).with_dedup_key(key))
            .await
            .unwrap()
    );
    assert!(
        !q.enqueue(Job::new("crawl", json!({"n": 2})).with_dedup_key(key))
            .await
            .unwrap()
    );
    assert!(
        q.enqueue(Job::new("crawl", json!({"n": 3})).with_dedup_key("crawl:43:2026-11-27T06"))
            .await
            .unwrap()
    );
    assert!(
        q.enqueue(Job::new("crawl", json!({"n": 4}))).await.unwrap(),
        "no key, no dedup"
    );
    assert_eq!(q.stats().await.unwrap().pending, 3);

    // The first job is the one kept.
    let d = q
        .dequeue("w", Duration::from_secs(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.job.payload, json!({"n": 1}));

    // The key expires after the TTL, whether or not the job ran.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert!(
        q.enqueue(Job::new("crawl", json!({"n": 5})).with_dedup_key(key))
            .await
            .unwrap()
    );
}

async fn retry_then_dead_letter_with_error(engine: Engine) {
    let Some(h) = Harness::new(engine, "retry_then_dead_letter_with_error", fast_config()) else {
        return;
    };
    let q = h.queue().await;
    let job = Job::new("crawl", json!({"account_id": 7}));
    q.enqueue(job.clone()).await.unwrap();

    for attempt in 1..=3u32 {
        let d = q
            .dequeue("w1", Duration::from_secs(3))
            .await
            .unwrap()
            .expect("redelivered");
        assert_eq!(d.job, job);
        assert_eq!(d.attempt, attempt);
        let expected_last = (attempt > 1).then(|| format!("HTTP 503 on attempt {}", attempt - 1));
        assert_eq!(d.last_error, expected_last);
        q.fail(&d, &format!("HTTP 503 on attempt {attempt}"))
            .await
            .unwrap();
    }

    assert_eq!(q.stats().await.unwrap(), stats(0, 0, 1));
    let dead = q.dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].job, job);
    assert_eq!(dead[0].attempts, 3);
    assert_eq!(dead[0].error, "HTTP 503 on attempt 3");
    assert!((chrono::Utc::now() - dead[0].failed_at).num_seconds() < 60);
    // Dead means no more deliveries.
    assert!(
        q.dequeue("w1", Duration::from_millis(700))
            .await
            .unwrap()
            .is_none()
    );
}

async fn job_of_dead_worker_is_redelivered_after_visibility_timeout(engine: Engine) {
    let Some(h) = Harness::new(engine, "job_of_dead_worker_is_redelivered", fast_config()) else {
        return;
    };
    let (process_a, process_b) = (h.queue().await, h.queue().await);
    let job = Job::new("crawl", json!({"account_id": 1}));
    process_a.enqueue(job.clone()).await.unwrap();

    let taken = process_a
        .dequeue("a", Duration::from_secs(1))
        .await
        .unwrap()
        .unwrap();
    drop(taken); // worker "a" dies: no ack, no fail
    drop(process_a);

    // Before the visibility timeout the job belongs to "a".
    assert!(
        process_b
            .dequeue("b", Duration::from_millis(100))
            .await
            .unwrap()
            .is_none()
    );
    let again = process_b
        .dequeue("b", Duration::from_secs(3))
        .await
        .unwrap()
        .expect("reclaimed");
    assert_eq!(again.job, job);
    assert_eq!(again.attempt, 2);
    assert_eq!(again.consumer(), "b");
    process_b.ack(&again).await.unwrap();
    assert_eq!(process_b.stats().await.unwrap(), stats(0, 0, 0));
}

async fn worker_dying_every_time_is_dead_lettered(engine: Engine) {
    let config = QueueConfig {
        max_attempts: 2,
        visibility_timeout: Duration::from_millis(200),
        ..fast_config()
    };
    let Some(h) = Harness::new(engine, "worker_dying_every_time", config) else {
        return;
    };
    let q = h.queue().await;
    let job = Job::new("crawl", json!({"poison": true}));
    q.enqueue(job.clone()).await.unwrap();
    for attempt in 1..=2 {
        let d = q
            .dequeue("w", Duration::from_secs(2))
            .await
            .unwrap()
            .expect("delivered");
        assert_eq!(d.attempt, attempt);
    }
    // The third delivery would exceed max_attempts: it is buried instead.
    assert!(
        q.dequeue("w", Duration::from_millis(600))
            .await
            .unwrap()
            .is_none()
    );
    let dead = q.dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].job, job);
    assert_eq!(dead[0].attempts, 2);
    assert!(
        dead[0].error.contains("visibility timeout"),
        "{}",
        dead[0].error
    );
    assert_eq!(q.stats().await.unwrap(), stats(0, 0, 1));
}

async fn superseded_delivery_cannot_fail_the_job(engine: Engine) {
    let config = QueueConfig {
        max_attempts: 2,
        ..fast_config()
    };
    let Some(h) = Harness::new(engine, "superseded_delivery_cannot_fail", config) else {
        return;
    };
    let q = h.queue().await;
    q.enqueue(Job::new("crawl", json!({}))).await.unwrap();
    let slow = q
        .dequeue("slow", Duration::from_secs(1))
        .await
        .unwrap()
        .unwrap();
    tokio::time::sleep(h.config.visibility_timeout + Duration::from_millis(50)).await;
    let fresh = q
        .dequeue("fresh", Duration::from_secs(2))
        .await
        .unwrap()
        .expect("reclaimed");
    assert_eq!(fresh.attempt, 2);

    // The slow worker finally fails, at what would be the last attempt: ignored, the job
    // belongs to "fresh" now and is neither retried nor dead-lettered.
    q.fail(&slow, "timeout from the slow worker").await.unwrap();
    assert_eq!(q.stats().await.unwrap(), stats(0, 1, 0));
    q.ack(&fresh).await.unwrap();
    assert_eq!(q.stats().await.unwrap(), stats(0, 0, 0));
    assert!(q.dead_letters(10).await.unwrap().is_empty());
}

async fn blocking_dequeue_wakes_when_a_job_arrives(engine: Engine) {
    let config = QueueConfig {
        visibility_timeout: Duration::from_secs(60),
        ..fast_config()
    };
    let Some(h) = Harness::new(engine, "blocking_dequeue_wakes", config) else {
        return;
    };
    let (consumer_side, producer_side) = (h.queue().await, h.queue().await);
    let block = Duration::from_secs(10);
    let waiter = tokio::spawn(async move {
        let started = Instant::now();
        let got = consumer_side.dequeue("waiter", block).await.unwrap();
        (got, started.elapsed())
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !waiter.is_finished(),
        "dequeue returned before any job existed"
    );
    let job = Job::new("probe", json!({"account_id": 3}));
    producer_side.enqueue(job.clone()).await.unwrap();
    let (got, waited) = waiter.await.unwrap();
    assert_eq!(got.expect("woken with the job").job, job);
    // Woken by the job, not by the end of the block.
    assert!(waited < block, "waited {waited:?}");
}

async fn concurrent_consumers_each_job_delivered_once(engine: Engine) {
    let config = QueueConfig {
        visibility_timeout: Duration::from_secs(60),
        ..fast_config()
    };
    let Some(h) = Harness::new(engine, "concurrent_consumers", config) else {
        return;
    };
    let producer = h.queue().await;
    let mut ids = HashSet::new();
    for n in 0..40 {
        let job = Job::new("crawl", json!({"n": n}));
        ids.insert(job.id.clone());
        producer.enqueue(job).await.unwrap();
    }
    let mut consumers = Vec::new();
    for c in 0..4 {
        let q = h.queue().await;
        consumers.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            while let Some(d) = q
                .dequeue(&format!("c{c}"), Duration::from_millis(300))
                .await
                .unwrap()
            {
                seen.push(d.job.id.clone());
                q.ack(&d).await.unwrap();
            }
            seen
        }));
    }
    let mut delivered = Vec::new();
    for consumer in consumers {
        delivered.extend(consumer.await.unwrap());
    }
    assert_eq!(delivered.len(), 40, "every job exactly once");
    assert_eq!(delivered.into_iter().collect::<HashSet<_>>(), ids);
    assert_eq!(producer.stats().await.unwrap(), stats(0, 0, 0));
}
