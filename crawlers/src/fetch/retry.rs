//! When to try again, and how long to wait first.
//!
//! Transient failures (5xx, 429, timeouts, dropped connections) are retried with exponential
//! backoff; client errors (4xx other than 429) are answers, not accidents, and are not.
//! A server's `Retry-After` (seconds or an HTTP date) overrides the backoff.

use std::time::{Duration, SystemTime};

/// Whether a status is worth retrying.
pub(crate) fn retryable_status(status: u16) -> bool {
    status >= 500 || status == 429
}

/// Parses `Retry-After`: delta-seconds or an HTTP-date (RFC 9110 §10.2.3).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Backoff before retry number `attempt` (0-based): base × 2^attempt.
pub(crate) fn backoff(base: Duration, attempt: u32) -> Duration {
    base.saturating_mul(1u32 << attempt.min(16))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(7));
        assert_eq!(parse_retry_after(&later, now), Some(Duration::from_secs(7)));
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(7));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(
            backoff(Duration::from_millis(100), 2),
            Duration::from_millis(400)
        );
        assert!(retryable_status(503) && retryable_status(429) && !retryable_status(404));
    }
}
