//! The in-process engine: the default when no Redis is configured.
//!
//! Everything lives behind one `std::sync::Mutex` that is never held across an `.await`, so
//! every operation is atomic and `dequeue` is cancellation-safe (a delivery is created and
//! returned within the same poll). Blocked consumers wait on a [`Notify`] and wake up when a job
//! is enqueued, a job is failed (its retry time may be earlier than what they wait for), or the
//! earliest in-flight job reaches its visibility timeout.
//!
//! Reclaiming scans the in-flight entries (O(in-flight) per `dequeue`), which is fine for the
//! thousands of jobs one process handles; larger estates use the Redis engine.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::Notify;
use tokio::time::Instant;

use super::{DeadLetter, Delivery, Job, JobQueue, QueueConfig, QueueError, QueueStats, Receipt};

/// In-process queue with the same semantics as the Redis engine (visibility timeout,
/// redelivery, attempts, dead letters, de-duplication); see the [module docs](super).
#[derive(Debug)]
pub struct MemoryQueue {
    config: QueueConfig,
    state: Mutex<State>,
    changed: Notify,
}

#[derive(Debug, Default)]
struct State {
    next_seq: u64,
    /// Sequence numbers never delivered, oldest first.
    ready: VecDeque<u64>,
    /// Every live job (ready or in flight), by sequence number.
    entries: BTreeMap<u64, Entry>,
    /// Newest last; trimmed to `max_dead_letters`.
    dead: VecDeque<DeadLetter>,
    /// De-duplication keys and when they expire.
    dedup: HashMap<String, Instant>,
    /// Purge expired keys once the map grows past this (amortised O(1) per enqueue).
    dedup_purge_at: usize,
}

#[derive(Debug)]
struct Entry {
    job: Job,
    deliveries: u32,
    /// Set while in flight: the consumer and when the job may be reclaimed (or retried).
    lease: Option<Lease>,
    last_error: Option<String>,
}

#[derive(Debug)]
struct Lease {
    consumer: String,
    visible_at: Instant,
}

impl MemoryQueue {
    /// An empty queue.
    pub fn new(config: QueueConfig) -> Result<Self, QueueError> {
        config.validate()?;
        Ok(Self {
            config,
            state: Mutex::new(State {
                dedup_purge_at: 1024,
                ..State::default()
            }),
            changed: Notify::new(),
        })
    }

    /// The configuration this queue runs with.
    pub fn config(&self) -> &QueueConfig {
        &self.config
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves no half-made change (every mutation below is
        // completed before any call that could panic), so a poisoned state is still consistent.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// One non-blocking attempt: reclaim, then take the oldest ready job. Otherwise returns
    /// when the earliest lease expires (the next moment a reclaim could succeed).
    fn try_take(&self, state: &mut State, consumer: &str) -> Result<Delivery, Option<Instant>> {
        let now = Instant::now();
        // Reclaim: the oldest expired lease first.
        let mut next_expiry: Option<Instant> = None;
        let mut expired = Vec::new();
        for (seq, entry) in &state.entries {
            if let Some(lease) = &entry.lease {
                if lease.visible_at <= now {
                    expired.push(*seq);
                } else {
                    next_expiry =
                        Some(next_expiry.map_or(lease.visible_at, |t| t.min(lease.visible_at)));
                }
            }
        }
        for seq in expired {
            let Some(entry) = state.entries.get(&seq) else {
                continue;
            };
            if entry.deliveries >= self.config.max_attempts {
                let error = entry
                    .last_error
                    .clone()
                    .unwrap_or_else(|| timeout_error(entry.deliveries));
                self.dead_letter(state, seq, error);
                continue;
            }
            return Ok(self.deliver(state, seq, consumer, now));
        }
        match state.ready.pop_front() {
            Some(seq) => Ok(self.deliver(state, seq, consumer, now)),
            None => Err(next_expiry),
        }
    }

    fn deliver(&self, state: &mut State, seq: u64, consumer: &str, now: Instant) -> Delivery {
        let entry = state
            .entries
            .get_mut(&seq)
            // Invariant: `seq` comes from `ready` or from iterating `entries`, both under the
            // same lock; an entry leaves `ready` exactly when it leaves `entries` or is leased.
            .expect("queued sequence number has an entry");
        entry.deliveries += 1;
        entry.lease = Some(Lease {
            consumer: consumer.to_owned(),
            visible_at: now + self.config.visibility_timeout,
        });
        Delivery {
            job: entry.job.clone(),
            attempt: entry.deliveries,
            last_error: entry.last_error.clone(),
            receipt: Receipt::Memory {
                seq,
                consumer: consumer.to_owned(),
            },
        }
    }

    fn dead_letter(&self, state: &mut State, seq: u64, error: String) {
        if let Some(entry) = state.entries.remove(&seq) {
            state.ready.retain(|s| *s != seq);
            tracing::warn!(job_id = %entry.job.id, kind = %entry.job.kind, attempts = entry.deliveries,
                %error, "job dead-lettered");
            state.dead.push_back(DeadLetter {
                job: entry.job,
                attempts: entry.deliveries,
                error,
                failed_at: Utc::now(),
            });
            while state.dead.len() > self.config.max_dead_letters {
                state.dead.pop_front();
            }
        }
    }
}

fn timeout_error(deliveries: u32) -> String {
    format!(
        "not acknowledged within the visibility timeout after {deliveries} deliveries (worker died or hung?)"
    )
}

fn memory_receipt(delivery: &Delivery) -> Result<(u64, &str), QueueError> {
    match &delivery.receipt {
        Receipt::Memory { seq, consumer } => Ok((*seq, consumer)),
        Receipt::Redis { .. } => Err(QueueError::Config(
            "a Redis delivery was passed to the in-process queue".into(),
        )),
    }
}

impl JobQueue for MemoryQueue {
    async fn enqueue(&self, job: Job) -> Result<bool, QueueError> {
        {
            let mut state = self.lock();
            let now = Instant::now();
            if let Some(key) = &job.dedup_key {
                if state.dedup.get(key).is_some_and(|expires| *expires > now) {
                    return Ok(false);
                }
                if state.dedup.len() >= state.dedup_purge_at {
                    state.dedup.retain(|_, expires| *expires > now);
                    state.dedup_purge_at = (state.dedup.len() * 2).max(1024);
                }
                state.dedup.insert(key.clone(), now + self.config.dedup_ttl);
            }
            let seq = state.next_seq;
            state.next_seq += 1;
            state.entries.insert(
                seq,
                Entry {
                    job,
                    deliveries: 0,
                    lease: None,
                    last_error: None,
                },
            );
            state.ready.push_back(seq);
        }
        self.changed.notify_waiters();
        Ok(true)
    }

    async fn dequeue(
        &self,
        consumer: &str,
        block: Duration,
    ) -> Result<Option<Delivery>, QueueError> {
        let deadline = Instant::now() + block;
        loop {
            // Register interest before looking, so a job enqueued between the look and the wait
            // still wakes us (`Notified::enable` makes `notify_waiters` count for this future).
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();

            let next_expiry = {
                let mut state = self.lock();
                match self.try_take(&mut state, consumer) {
                    Ok(delivery) => return Ok(Some(delivery)),
                    Err(next_expiry) => next_expiry,
                }
            };
            let now = Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            let wake_at = next_expiry.map_or(deadline, |t| t.min(deadline));
            tokio::select! {
                () = &mut notified => {}
                () = tokio::time::sleep_until(wake_at) => {}
            }
        }
    }

    async fn ack(&self, delivery: &Delivery) -> Result<(), QueueError> {
        let (seq, _) = memory_receipt(delivery)?;
        let mut state = self.lock();
        // Acking a delivery that was meanwhile reclaimed still deletes the job: its results
        // were committed, so the other attempt has nothing left to add.
        if state.entries.remove(&seq).is_some() {
            state.ready.retain(|s| *s != seq);
        }
        Ok(())
    }

    async fn fail(&self, delivery: &Delivery, error: &str) -> Result<(), QueueError> {
        let (seq, consumer) = memory_receipt(delivery)?;
        {
            let mut state = self.lock();
            let Some(entry) = state.entries.get_mut(&seq) else {
                return Ok(()); // already acked or dead-lettered
            };
            let current = entry.deliveries == delivery.attempt
                && entry.lease.as_ref().is_some_and(|l| l.consumer == consumer);
            if !current {
                tracing::debug!(job_id = %entry.job.id, "ignoring failure of a superseded delivery");
                return Ok(());
            }
            if entry.deliveries >= self.config.max_attempts {
                self.dead_letter(&mut state, seq, error.to_owned());
            } else {
                entry.last_error = Some(error.to_owned());
                entry.lease = Some(Lease {
                    consumer: consumer.to_owned(),
                    visible_at: Instant::now() + self.config.effective_retry_delay(),
                });
            }
        }
        // Blocked consumers may be sleeping until a later expiry; let them recompute.
        self.changed.notify_waiters();
        Ok(())
    }

    async fn stats(&self) -> Result<QueueStats, QueueError> {
        let state = self.lock();
        let pending = state.ready.len() as u64;
        Ok(QueueStats {
            pending,
            in_flight: state.entries.len() as u64 - pending,
            dead_lettered: state.dead.len() as u64,
        })
    }

    async fn dead_letters(&self, limit: usize) -> Result<Vec<DeadLetter>, QueueError> {
        let state = self.lock();
        Ok(state.dead.iter().rev().take(limit).cloned().collect())
    }
}
