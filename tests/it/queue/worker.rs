//! `run_worker`: ack after success, fail on error or panic, idempotent results when a job runs
//! twice, graceful shutdown.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use govwatch::queue::{Job, JobQueue, QueueConfig, WorkerOptions, run_worker, run_worker_with};
use serde_json::json;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::{Engine, Harness, both_engines, fast_config};

both_engines!(
    job_run_twice_stores_results_once,
    handler_error_and_panic_are_retried_then_dead_lettered,
    graceful_shutdown_finishes_the_running_job,
    idle_worker_stops_on_shutdown,
);

/// What a crawl handler would write: result rows keyed by (job, page), like findings keyed by
/// their fingerprint. Writing a row again replaces it.
#[derive(Default)]
struct ResultStore {
    rows: Mutex<HashMap<(String, String), String>>,
    runs: AtomicU32,
}

impl ResultStore {
    fn commit(&self, job: &Job) {
        self.runs.fetch_add(1, Ordering::SeqCst);
        let mut rows = self.rows.lock().unwrap();
        for page in ["index.html", "notice.html"] {
            rows.insert((job.id.clone(), page.to_owned()), format!("crawled {page}"));
        }
    }
}

async fn job_run_twice_stores_results_once(engine: Engine) {
    let Some(h) = Harness::new(engine, "job_run_twice_stores_results_once", fast_config()) else {
        return;
    };
    let (process_a, process_b) = (h.queue().await, h.queue().await);
    let store = Arc::new(ResultStore::default());
    let jobs: Vec<Job> = (0..3)
        .map(|n| Job::new("crawl", json!({"account_id": n})))
        .collect();
    for job in &jobs {
        process_a.enqueue(job.clone()).await.unwrap();
    }

    // Worker A commits the results of one job and dies before it can ack.
    let taken = process_a
        .dequeue("a", Duration::from_secs(1))
        .await
        .unwrap()
        .unwrap();
    store.commit(&taken.job);
    drop(taken);
    drop(process_a);

    // Worker B runs until everything is done, including A's job after the visibility timeout.
    let shutdown = CancellationToken::new();
    let handler_store = Arc::clone(&store);
    let worker_queue = Arc::clone(&process_b);
    let worker_shutdown = shutdown.clone();
    let worker = tokio::spawn(async move {
        run_worker(
            &worker_queue,
            "b",
            move |job: Job| {
                let store = Arc::clone(&handler_store);
                async move {
                    store.commit(&job);
                    Ok::<(), String>(())
                }
            },
            worker_shutdown,
        )
        .await
    });
    wait_until(Duration::from_secs(10), || async {
        let s = process_b.stats().await.unwrap();
        s.pending + s.in_flight == 0
    })
    .await;
    shutdown.cancel();
    let summary = worker.await.unwrap();

    assert_eq!(summary.succeeded, 3, "B ran all three jobs, A's included");
    assert_eq!(store.runs.load(Ordering::SeqCst), 4, "A's job ran twice");
    let rows = store.rows.lock().unwrap();
    assert_eq!(rows.len(), 3 * 2, "one set of results per job, not two");
    for job in &jobs {
        assert!(rows.contains_key(&(job.id.clone(), "index.html".to_owned())));
    }
}

async fn handler_error_and_panic_are_retried_then_dead_lettered(engine: Engine) {
    let config = QueueConfig {
        max_attempts: 2,
        ..fast_config()
    };
    let Some(h) = Harness::new(engine, "handler_error_and_panic", config) else {
        return;
    };
    let q = h.queue().await;
    let job = Job::new("crawl", json!({"account_id": 9}));
    q.enqueue(job.clone()).await.unwrap();

    let calls = Arc::new(AtomicU32::new(0));
    let shutdown = CancellationToken::new();
    let (worker_queue, worker_calls, worker_shutdown) =
        (Arc::clone(&q), Arc::clone(&calls), shutdown.clone());
    let worker = tokio::spawn(async move {
        run_worker(
            &worker_queue,
            "w",
            move |_job: Job| {
                let calls = Arc::clone(&worker_calls);
                async move {
                    if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                        panic!("parser exploded");
                    }
                    Err::<(), String>("robots.txt disallows /".to_owned())
                }
            },
            worker_shutdown,
        )
        .await
    });
    wait_until(Duration::from_secs(10), || async {
        q.stats().await.unwrap().dead_lettered == 1
    })
    .await;
    shutdown.cancel();
    let summary = worker.await.unwrap();

    assert_eq!(summary.failed, 2);
    assert_eq!(summary.succeeded, 0);
    let dead = q.dead_letters(5).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].job, job);
    assert_eq!(dead[0].error, "robots.txt disallows /");
    assert_eq!(dead[0].attempts, 2);
}

async fn graceful_shutdown_finishes_the_running_job(engine: Engine) {
    let Some(h) = Harness::new(
        engine,
        "graceful_shutdown",
        QueueConfig {
            visibility_timeout: Duration::from_secs(60),
            ..fast_config()
        },
    ) else {
        return;
    };
    let q = h.queue().await;
    q.enqueue(Job::new("crawl", json!({}))).await.unwrap();

    let started = Arc::new(Notify::new());
    let finished = Arc::new(AtomicU32::new(0));
    let shutdown = CancellationToken::new();
    let worker = {
        let (q, started, finished, shutdown) = (
            Arc::clone(&q),
            Arc::clone(&started),
            Arc::clone(&finished),
            shutdown.clone(),
        );
        tokio::spawn(async move {
            run_worker(
                &q,
                "w",
                move |_job: Job| {
                    let (started, finished) = (Arc::clone(&started), Arc::clone(&finished));
                    async move {
                        started.notify_one();
                        tokio::time::sleep(Duration::from_millis(500)).await;
                        finished.fetch_add(1, Ordering::SeqCst);
                        Ok::<(), String>(())
                    }
                },
                shutdown,
            )
            .await
        })
    };
    started.notified().await;
    shutdown.cancel(); // while the handler is still running
    let summary = tokio::time::timeout(Duration::from_secs(10), worker)
        .await
        .expect("worker stopped")
        .unwrap();
    assert_eq!(
        finished.load(Ordering::SeqCst),
        1,
        "the running job was not interrupted"
    );
    assert_eq!(summary.succeeded, 1);
    let s = q.stats().await.unwrap();
    assert_eq!(
        (s.pending, s.in_flight),
        (0, 0),
        "and it was acked before the worker stopped"
    );
}

async fn idle_worker_stops_on_shutdown(engine: Engine) {
    let Some(h) = Harness::new(engine, "idle_worker_stops", fast_config()) else {
        return;
    };
    let q = h.queue().await;
    let shutdown = CancellationToken::new();
    let options = WorkerOptions {
        poll: Duration::from_millis(200),
        ..WorkerOptions::default()
    };
    let worker = {
        let (q, shutdown) = (Arc::clone(&q), shutdown.clone());
        tokio::spawn(async move {
            run_worker_with(
                &q,
                "idle",
                |_job: Job| async { Ok::<(), String>(()) },
                shutdown,
                &options,
            )
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!worker.is_finished());
    shutdown.cancel();
    let summary = tokio::time::timeout(Duration::from_secs(10), worker)
        .await
        .expect("idle worker stopped")
        .unwrap();
    assert_eq!(summary.succeeded + summary.failed + summary.queue_errors, 0);
    // A job enqueued after the stop stays for the next worker.
    q.enqueue(Job::new("crawl", json!({}))).await.unwrap();
    assert_eq!(q.stats().await.unwrap().pending, 1);
}

/// Polls `condition` every 50 ms; panics after `limit`.
async fn wait_until<F, Fut>(limit: Duration, condition: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    while !condition().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition not reached within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
