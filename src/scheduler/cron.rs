//! Cron expressions: accept what people write, hand tokio-cron-scheduler what it needs.
//!
//! tokio-cron-scheduler 0.15 parses with croner and **requires a seconds field**
//! (`Seconds::Required`), so an ordinary crontab line such as `30 2 * * *` is rejected there.
//! [`parse_cron`] accepts 5 fields (minute hour day-of-month month day-of-week) and prepends
//! second `0`, accepts 6 fields (seconds first) as they are, and validates with the very parser
//! configuration the scheduler uses, so an expression that passes here also runs there.
//!
//! Two differences from Vixie cron are inherited from that configuration and worth knowing:
//! when both day-of-month and day-of-week are restricted, **both** must match (`0 9 1-7 * MON` is
//! "the first Monday"; Vixie cron would read "the 1st–7th, and every Monday"); and times are
//! evaluated in Asia/Shanghai ([`TIMEZONE`]), whatever the server's zone.

use chrono::{DateTime, SubsecRound as _, Utc};
use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds};

/// The zone schedules are written in.
pub const TIMEZONE: Tz = chrono_tz::Asia::Shanghai;

/// A cron expression that did not parse, or never fires.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid cron \"{expr}\": {reason}")]
pub struct CronError {
    /// The expression as given.
    pub expr: String,
    /// What is wrong with it.
    pub reason: String,
}

/// A validated schedule expression.
#[derive(Debug, Clone)]
pub struct CronSpec {
    six_fields: String,
    cron: Cron,
}

impl PartialEq for CronSpec {
    fn eq(&self, other: &Self) -> bool {
        self.six_fields == other.six_fields
    }
}

impl CronSpec {
    /// The expression in the 6-field form tokio-cron-scheduler accepts.
    pub fn as_str(&self) -> &str {
        &self.six_fields
    }

    /// The tick a firing at `now` belongs to: the latest scheduled time at or before `now`
    /// (to the second). Every process computes the same slot for the same tick, whatever its
    /// firing lag, as long as the lag is shorter than the interval between ticks.
    pub fn slot_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        // croner keeps the sub-second part of the start time in its answer; ticks are whole
        // seconds.
        let now = now.trunc_subsecs(0);
        self.cron
            .find_previous_occurrence(&now.with_timezone(&TIMEZONE), true)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    /// The first scheduled time strictly after `after`.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron
            .find_next_occurrence(&after.with_timezone(&TIMEZONE), false)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }
}

/// The parser configuration of tokio-cron-scheduler 0.15.1 (`job/mod.rs`, `Job::new_tz`).
fn scheduler_parser() -> CronParser {
    CronParser::builder()
        .seconds(Seconds::Required)
        .dom_and_dow(true)
        .build()
}

/// Converts a 5-field line to 6 fields (second `0`); passes 6 fields and `@daily`-style
/// nicknames through; rejects anything else. Whitespace is normalised to single spaces.
pub fn normalize_cron(expr: &str) -> Result<String, CronError> {
    let error = |reason: String| CronError {
        expr: expr.to_owned(),
        reason,
    };
    let trimmed = expr.trim();
    if trimmed.starts_with('@') {
        return Ok(trimmed.to_owned());
    }
    let fields: Vec<&str> = trimmed.split_whitespace().collect();
    match fields.len() {
        5 => Ok(format!("0 {}", fields.join(" "))),
        6 => Ok(fields.join(" ")),
        0 => Err(error("empty expression".to_owned())),
        n => Err(error(format!(
            "expected 5 fields (minute hour day-of-month month day-of-week) \
             or 6 (second minute hour day-of-month month day-of-week), found {n}"
        ))),
    }
}

/// Normalises and validates `expr`; see the [module docs](self).
pub fn parse_cron(expr: &str) -> Result<CronSpec, CronError> {
    let six_fields = normalize_cron(expr)?;
    let error = |reason: String| CronError {
        expr: expr.to_owned(),
        reason,
    };
    let cron = scheduler_parser()
        .parse(&six_fields)
        .map_err(|e| error(e.to_string()))?;
    let now = Utc::now().with_timezone(&TIMEZONE);
    if let Err(e) = cron.find_next_occurrence(&now, false) {
        return Err(error(format!("it never fires ({e})")));
    }
    Ok(CronSpec { six_fields, cron })
}
