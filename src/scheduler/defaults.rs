//! Default schedules per account, and the per-account overrides.
//!
//! | what | default | why |
//! | --- | --- | --- |
//! | website crawl | daily, between 01:00 and 05:59 | a full crawl is heavy; nights are quiet for the sites too |
//! | feed crawl | every 6 hours | new-media accounts post several times a day; 2-week inactivity is the veto |
//! | availability probe | hourly | the national availability indicator needs at least 20 probes a day; 24 leaves room for a few lost ones |
//!
//! The minute (and the hour, where there is a choice) is spread by a hash of the account ID, so
//! a thousand accounts do not all fire at 02:00:00. The hash is BLAKE3, not `std`'s randomly
//! seeded hasher: every process and every release must compute the same times, or two `serve`
//! processes would fire the same account at different minutes and both crawls would run.

use super::{CronError, Schedule, parse_cron};

/// Job kind of website and feed crawls.
pub const JOB_KIND_CRAWL: &str = "crawl";
/// Job kind of availability probes.
pub const JOB_KIND_PROBE: &str = "probe";

/// The periodic tasks an account can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScheduleKind {
    /// Full crawl of a website.
    WebsiteCrawl,
    /// Crawl of an account's feed (new media, or a site's RSS).
    FeedCrawl,
    /// Is the website's home page reachable?
    AvailabilityProbe,
}

impl ScheduleKind {
    /// The tasks a website account gets by default.
    pub const WEBSITE: &'static [Self] = &[Self::WebsiteCrawl, Self::AvailabilityProbe];
    /// The tasks any other (new-media) account gets by default.
    pub const NEW_MEDIA: &'static [Self] = &[Self::FeedCrawl];

    /// Short name, used in schedule names (`website:42`) and job payloads.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WebsiteCrawl => "website",
            Self::FeedCrawl => "feed",
            Self::AvailabilityProbe => "probe",
        }
    }
}

/// Per-account cron overrides (5 or 6 fields, Asia/Shanghai); `None` keeps the default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CronOverrides {
    /// Replaces the daily website crawl.
    pub website_crawl: Option<String>,
    /// Replaces the 6-hourly feed crawl.
    pub feed_crawl: Option<String>,
    /// Replaces the hourly availability probe.
    pub availability_probe: Option<String>,
}

impl CronOverrides {
    fn get(&self, kind: ScheduleKind) -> Option<&str> {
        match kind {
            ScheduleKind::WebsiteCrawl => self.website_crawl.as_deref(),
            ScheduleKind::FeedCrawl => self.feed_crawl.as_deref(),
            ScheduleKind::AvailabilityProbe => self.availability_probe.as_deref(),
        }
    }
}

/// A stable pseudo-random number for (`kind`, `account_id`).
fn spread(kind: ScheduleKind, account_id: i64) -> u64 {
    let mut hasher = blake3::Hasher::new();
    hasher.update(kind.as_str().as_bytes());
    hasher.update(&account_id.to_le_bytes());
    let digest = hasher.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest.as_bytes()[..8]);
    u64::from_le_bytes(first)
}

/// The default 5-field cron line of `kind` for `account_id` (see the [module docs](self)).
pub fn default_cron(kind: ScheduleKind, account_id: i64) -> String {
    let s = spread(kind, account_id);
    let minute = s % 60;
    match kind {
        ScheduleKind::WebsiteCrawl => format!("{minute} {} * * *", 1 + (s / 60) % 5),
        ScheduleKind::FeedCrawl => {
            let h = (s / 60) % 6;
            format!("{minute} {},{},{},{} * * *", h, h + 6, h + 12, h + 18)
        }
        ScheduleKind::AvailabilityProbe => format!("{minute} * * * *"),
    }
}

/// The schedules of one account: one per kind, with its override or default cron.
///
/// Names are `<kind>:<account_id>` (e.g. `website:42`); jobs are `crawl` with payload
/// `{"account_id": 42, "target": "website"|"feed"}` or `probe` with `{"account_id": 42}`.
pub fn account_schedules(
    account_id: i64,
    kinds: &[ScheduleKind],
    overrides: &CronOverrides,
) -> Result<Vec<Schedule>, CronError> {
    kinds
        .iter()
        .map(|&kind| {
            let cron = overrides
                .get(kind)
                .map_or_else(|| default_cron(kind, account_id), str::to_owned);
            parse_cron(&cron)?;
            let (job_kind, payload) = match kind {
                ScheduleKind::WebsiteCrawl | ScheduleKind::FeedCrawl => (
                    JOB_KIND_CRAWL,
                    serde_json::json!({"account_id": account_id, "target": kind.as_str()}),
                ),
                ScheduleKind::AvailabilityProbe => (
                    JOB_KIND_PROBE,
                    serde_json::json!({"account_id": account_id}),
                ),
            };
            Ok(Schedule::new(
                format!("{}:{account_id}", kind.as_str()),
                cron,
                job_kind,
                payload,
            ))
        })
        .collect()
}
