//! Time: stored in UTC, shown in Asia/Shanghai (the office's calendar day).

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Asia::Shanghai;

/// Today's date in Asia/Shanghai.
pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&Shanghai).date_naive()
}

/// A UTC time as Beijing time, `2026-11-27 16:05`.
pub fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&Shanghai)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// A canonical UTC string (as kept in the ledger) as Beijing time; unparseable text is
/// returned as it is.
pub fn local_str(s: &str) -> String {
    DateTime::parse_from_rfc3339(s)
        .map(|t| {
            t.with_timezone(&Shanghai)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_else(|_| s.to_string())
}
