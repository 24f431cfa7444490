//! Per-host politeness: at most N requests in flight per host, and a minimum interval between
//! request starts.
//!
//! Each host (host name and port) has a semaphore and a "next start" instant. A request takes a
//! permit, reserves the next start slot (so waiting requests queue in order, like a GCRA with
//! burst 1) and sleeps until its slot. A `Retry-After` pushes the host's next start back, so
//! every request to that host waits, not only the one that was told to.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use url::Url;

/// Politeness state for every host seen by one fetcher.
pub(crate) struct HostLimits {
    hosts: Mutex<HashMap<String, Arc<HostState>>>,
    concurrency: usize,
}

struct HostState {
    semaphore: Arc<Semaphore>,
    next_start: Mutex<Instant>,
}

/// Held while a request to a host is in flight.
pub(crate) struct HostPermit {
    _permit: OwnedSemaphorePermit,
}

/// The key politeness is counted under: host and port.
pub(crate) fn host_key(url: &Url) -> String {
    format!(
        "{}:{}",
        url.host_str().unwrap_or(""),
        url.port_or_known_default().unwrap_or(0)
    )
}

impl HostLimits {
    pub(crate) fn new(concurrency: usize) -> Self {
        Self {
            hosts: Mutex::new(HashMap::new()),
            concurrency: concurrency.max(1),
        }
    }

    fn state(&self, key: &str) -> Arc<HostState> {
        // A poisoned lock only means another task panicked mid-insert; the map is still valid.
        let mut hosts = self.hosts.lock().unwrap_or_else(PoisonError::into_inner);
        hosts
            .entry(key.to_string())
            .or_insert_with(|| {
                Arc::new(HostState {
                    semaphore: Arc::new(Semaphore::new(self.concurrency)),
                    next_start: Mutex::new(Instant::now()),
                })
            })
            .clone()
    }

    /// Waits for a concurrency slot and for this request's start slot on `key`.
    pub(crate) async fn acquire(&self, key: &str, min_interval: Duration) -> HostPermit {
        let state = self.state(key);
        // The semaphore is never closed, so acquiring can only succeed; the fallback keeps
        // this panic-free regardless.
        let permit = match state.semaphore.clone().acquire_owned().await {
            Ok(p) => p,
            Err(_) => {
                let fresh = Arc::new(Semaphore::new(1));
                fresh
                    .try_acquire_owned()
                    .expect("fresh semaphore has a permit")
            }
        };
        let start = {
            let mut next = state
                .next_start
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let start = (*next).max(Instant::now());
            *next = start + min_interval;
            start
        };
        tokio::time::sleep_until(start).await;
        HostPermit { _permit: permit }
    }

    /// Makes every request to `key` wait until at least `until`.
    pub(crate) fn defer(&self, key: &str, until: Instant) {
        let state = self.state(key);
        let mut next = state
            .next_start
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *next = (*next).max(until);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn starts_are_spaced_and_concurrency_capped() {
        let limits = Arc::new(HostLimits::new(2));
        let t0 = Instant::now();
        let mut starts = Vec::new();
        let mut held = Vec::new();
        for _ in 0..2 {
            held.push(limits.acquire("h:80", Duration::from_millis(100)).await);
            starts.push(t0.elapsed());
        }
        assert_eq!(starts, [Duration::ZERO, Duration::from_millis(100)]);
        // A third request must wait for a permit, not only for its slot.
        let l2 = limits.clone();
        let third = tokio::spawn(async move {
            let _p = l2.acquire("h:80", Duration::from_millis(100)).await;
            Instant::now()
        });
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(!third.is_finished());
        drop(held);
        let at = third.await.expect("task");
        assert!(at.duration_since(t0) >= Duration::from_millis(500));
    }
}
