//! The consume loop of `govwatch worker` (and of the in-process workers of `govwatch serve`).

use std::fmt::Display;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures::FutureExt as _;
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;

use super::{Job, JobQueue};

/// Tuning of [`run_worker_with`].
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// Longest wait for a job before the loop looks at the shutdown token again: the upper
    /// bound of how long a graceful stop takes when the worker is idle.
    pub poll: Duration,
    /// Longest pause after a queue error (Redis restarting, network down); the pause doubles
    /// from 100 ms up to this.
    pub max_error_backoff: Duration,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        Self {
            poll: Duration::from_secs(1),
            max_error_backoff: Duration::from_secs(10),
        }
    }
}

/// What a worker did before it stopped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkerSummary {
    /// Jobs whose handler returned `Ok` (and that were acked).
    pub succeeded: u64,
    /// Jobs whose handler returned `Err` or panicked (and that were failed).
    pub failed: u64,
    /// Queue operations that errored (the loop backed off and went on).
    pub queue_errors: u64,
}

/// [`run_worker_with`] with default options.
pub async fn run_worker<Q, H, Fut, E>(
    queue: &Q,
    consumer: &str,
    handler: H,
    shutdown: CancellationToken,
) -> WorkerSummary
where
    Q: JobQueue + ?Sized,
    H: Fn(Job) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: Display,
{
    run_worker_with(
        queue,
        consumer,
        handler,
        shutdown,
        &WorkerOptions::default(),
    )
    .await
}

/// Takes jobs from `queue` as `consumer` and runs `handler` on each, one at a time, until
/// `shutdown` is cancelled.
///
/// - `Ok` → the job is acked (so the handler must have committed its results before it returns).
/// - `Err(e)` or a panic → the job is failed with the error text, to be retried or dead-lettered.
/// - Queue errors are logged and retried with a backoff: a worker outlives a Redis restart.
/// - Shutdown is graceful: a running handler is never interrupted; the loop stops after it has
///   acked or failed the job, or within [`WorkerOptions::poll`] when idle. A dequeue in progress
///   is allowed to finish rather than dropped, so no job is left half-delivered.
///
/// For concurrency, run several of these with different consumer names.
pub async fn run_worker_with<Q, H, Fut, E>(
    queue: &Q,
    consumer: &str,
    handler: H,
    shutdown: CancellationToken,
    options: &WorkerOptions,
) -> WorkerSummary
where
    Q: JobQueue + ?Sized,
    H: Fn(Job) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: Display,
{
    let mut summary = WorkerSummary::default();
    let mut backoff = Duration::from_millis(100);
    tracing::info!(%consumer, "worker started");
    while !shutdown.is_cancelled() {
        let delivery = match queue.dequeue(consumer, options.poll).await {
            Ok(Some(delivery)) => delivery,
            Ok(None) => continue,
            Err(e) => {
                summary.queue_errors += 1;
                tracing::error!(%consumer, error = %e, "dequeue failed; backing off");
                pause(&shutdown, backoff).await;
                backoff = (backoff * 2).min(options.max_error_backoff);
                continue;
            }
        };
        backoff = Duration::from_millis(100);
        let job_id = delivery.job.id.clone();
        let span = tracing::info_span!("job", %job_id, kind = %delivery.job.kind, attempt = delivery.attempt);
        let outcome = run_handler(&handler, delivery.job.clone())
            .instrument(span)
            .await;
        let result = match &outcome {
            Ok(()) => {
                summary.succeeded += 1;
                queue.ack(&delivery).await
            }
            Err(error) => {
                summary.failed += 1;
                tracing::warn!(%consumer, %job_id, attempt = delivery.attempt, %error, "job failed");
                queue.fail(&delivery, error).await
            }
        };
        if let Err(e) = result {
            // The job stays in flight and comes back after the visibility timeout; handlers are
            // idempotent, so running it again stores nothing twice.
            summary.queue_errors += 1;
            tracing::error!(%consumer, %job_id, error = %e, "could not settle job; it will be redelivered");
        }
    }
    tracing::info!(%consumer, ?summary, "worker stopped");
    summary
}

/// Runs the handler, turning an error or a panic into the text recorded with the job.
async fn run_handler<H, Fut, E>(handler: &H, job: Job) -> Result<(), String>
where
    H: Fn(Job) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: Display,
{
    let future = match std::panic::catch_unwind(AssertUnwindSafe(|| handler(job))) {
        Ok(future) => future,
        Err(panic) => return Err(panic_text(panic.as_ref())),
    };
    match AssertUnwindSafe(future).catch_unwind().await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(panic) => Err(panic_text(panic.as_ref())),
    }
}

fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-text panic payload".to_owned());
    format!("handler panicked: {message}")
}

async fn pause(shutdown: &CancellationToken, duration: Duration) {
    tokio::select! {
        () = shutdown.cancelled() => {}
        () = tokio::time::sleep(duration) => {}
    }
}
