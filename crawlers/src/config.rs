//! Crawler configuration: every limit that bounds time, memory and load on the sites we watch.
//!
//! The platform embeds [`CrawlConfig`] in `govwatch.toml` (`[crawler]`), so every field has a
//! serde default and durations are written as milliseconds (`total_timeout_ms = 15000`): plain
//! integers survive every TOML editor and need no duration-string parser.

use std::collections::HashMap;
use std::time::Duration;

use serde::Deserialize;
use url::Url;

use crate::extract::ExtractLimits;
use crate::platforms::Platform;

/// Settings for one [`crate::Crawler`]; shared by every crawl and probe it runs.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct CrawlConfig {
    /// Full `User-Agent` header. Empty means `govwatch/<version> (+<contact_url>)`, which tells
    /// a site's operator who is crawling and where to complain.
    pub user_agent: String,
    /// Where site operators can reach the people running this crawler.
    pub contact_url: String,
    /// Product token matched against `User-agent:` lines in robots.txt.
    pub robots_agent: String,
    /// TCP + TLS connect timeout.
    #[serde(rename = "connect_timeout_ms", with = "millis")]
    pub connect_timeout: Duration,
    /// Whole-request timeout (headers and body). 15 s is the national availability indicator:
    /// a page that takes longer counts as unreachable.
    #[serde(rename = "total_timeout_ms", with = "millis")]
    pub total_timeout: Duration,
    /// Longest silence allowed between two body chunks, so a server that stops sending mid-body
    /// cannot hold a connection until the total timeout.
    #[serde(rename = "idle_timeout_ms", with = "millis")]
    pub idle_timeout: Duration,
    /// Cap on a page body (bytes). Reading stops at the cap.
    pub max_body_bytes: u64,
    /// Cap on an attachment body (bytes).
    pub max_attachment_bytes: u64,
    /// Redirects followed before giving up.
    pub max_redirects: u32,
    /// Retries after the first attempt for 5xx, 429, timeouts and connection errors.
    pub max_retries: u32,
    /// First backoff step; doubled on each retry.
    #[serde(rename = "retry_base_delay_ms", with = "millis")]
    pub retry_base_delay: Duration,
    /// A `Retry-After` longer than this is not waited for: the request fails instead.
    #[serde(rename = "max_retry_after_ms", with = "millis")]
    pub max_retry_after: Duration,
    /// Concurrent requests per host (host and port).
    pub per_host_concurrency: usize,
    /// Minimum time between two request starts on one host. robots.txt `Crawl-delay` raises it.
    #[serde(rename = "per_host_delay_ms", with = "millis")]
    pub per_host_delay: Duration,
    /// Concurrent requests over all hosts.
    pub global_concurrency: usize,
    /// Pages fetched per website crawl.
    pub max_pages: usize,
    /// Link depth from the home page (home = 0).
    pub max_depth: u32,
    /// Check every distinct link target once per crawl.
    pub check_links: bool,
    /// Also check links to other hosts (with the same politeness).
    pub check_external_links: bool,
    /// Download and extract same-host attachments.
    pub fetch_attachments: bool,
    /// Read sitemap.xml (and the sitemaps robots.txt names) to seed the crawl.
    pub use_sitemaps: bool,
    /// Pages listed per link target in a [`crate::LinkCheck`]; the total count is always kept.
    pub max_referrers_per_link: usize,
    /// Allow fetching private, loopback and link-local addresses. Off in production so a
    /// registry entry cannot point the crawler at the intranet; tests and the demo turn it on.
    pub allow_private_addresses: bool,
    /// How long a robots.txt answer is cached per host.
    #[serde(rename = "robots_ttl_ms", with = "millis")]
    pub robots_ttl: Duration,
    /// How long an unreachable or 5xx robots.txt keeps the host closed before asking again.
    #[serde(rename = "robots_error_ttl_ms", with = "millis")]
    pub robots_error_ttl: Duration,
    /// Base URL of the RSSHub instance that turns social-media accounts into feeds.
    pub rsshub_base: Option<Url>,
    /// Feed URL templates per platform, with `{base}` and `{handle}`; merged over the defaults.
    pub route_templates: HashMap<Platform, String>,
    /// Limits for attachment text extraction.
    pub extract_limits: ExtractLimits,
    /// Capacity of the observation channel the caller passes in (a hint for callers building it).
    pub channel_capacity: usize,
}

impl Default for CrawlConfig {
    fn default() -> Self {
        Self {
            user_agent: String::new(),
            contact_url: "https://example.invalid/govwatch".into(),
            robots_agent: "govwatch".into(),
            connect_timeout: Duration::from_secs(5),
            total_timeout: Duration::from_secs(15),
            idle_timeout: Duration::from_secs(10),
            max_body_bytes: 10 * 1024 * 1024,
            max_attachment_bytes: 50 * 1024 * 1024,
            max_redirects: 10,
            max_retries: 2,
            retry_base_delay: Duration::from_millis(500),
            max_retry_after: Duration::from_secs(60),
            per_host_concurrency: 2,
            per_host_delay: Duration::from_millis(500),
            global_concurrency: 16,
            max_pages: 2000,
            max_depth: 8,
            check_links: true,
            check_external_links: true,
            fetch_attachments: true,
            use_sitemaps: true,
            max_referrers_per_link: 100,
            allow_private_addresses: false,
            robots_ttl: Duration::from_secs(3600),
            robots_error_ttl: Duration::from_secs(300),
            rsshub_base: None,
            route_templates: HashMap::new(),
            extract_limits: ExtractLimits::default(),
            channel_capacity: 64,
        }
    }
}

impl CrawlConfig {
    /// The `User-Agent` header actually sent.
    pub fn effective_user_agent(&self) -> String {
        if self.user_agent.is_empty() {
            format!(
                "govwatch/{} (+{})",
                env!("CARGO_PKG_VERSION"),
                self.contact_url
            )
        } else {
            self.user_agent.clone()
        }
    }
}

/// Serde helper: a `Duration` written as integer milliseconds.
pub(crate) mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer};

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_fill_missing_fields_and_durations_are_millis() {
        let cfg: CrawlConfig = serde_json::from_str(
            r#"{"per_host_delay_ms": 250, "max_pages": 10, "route_templates": {"wechat": "{base}/wx/{handle}"}}"#,
        )
        .expect("valid config");
        assert_eq!(cfg.per_host_delay, Duration::from_millis(250));
        assert_eq!(cfg.max_pages, 10);
        assert_eq!(cfg.total_timeout, Duration::from_secs(15));
        assert_eq!(cfg.route_templates[&Platform::Wechat], "{base}/wx/{handle}");
        assert!(
            cfg.effective_user_agent()
                .starts_with(&format!("govwatch/{} (+", env!("CARGO_PKG_VERSION")))
        );
    }
}
