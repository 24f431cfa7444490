//! The entry points: [`Crawler`] (one per process, shared) and [`crawl`].

use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Instant;

use chrono::{FixedOffset, Utc};
use tokio::sync::mpsc::Sender;
use url::Url;

use crate::config::CrawlConfig;
use crate::feeds::{FeedSummary, parse_feed};
use crate::fetch::{BodyLimit, FetchError, FetchRequest, Fetcher, Method, ProbeResult, Progress};
use crate::observation::{CrawlStats, Failure, FailureKind, FailureScope, Observation, Source};
use crate::platforms::{Platform, feed_url};
use crate::site::crawl_site;
use crate::site::tasks::{Counters, Shared};

/// Why a crawl stopped before it finished. Problems *with the source* (unreachable site,
/// broken feed) are not errors: they are [`Failure`] observations.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CrawlError {
    /// The observation receiver was dropped.
    #[error("observation channel closed")]
    ChannelClosed,
    /// The HTTP client could not be built.
    #[error("HTTP client: {0}")]
    Client(String),
    /// A crawl task panicked or was cancelled (a bug).
    #[error("internal error: {0}")]
    Internal(String),
}

/// A crawler: the shared [`Fetcher`] (politeness, robots cache) plus the configuration.
/// Build one per process and share it (`Arc<Crawler>` or clones: clones share state).
#[derive(Debug, Clone)]
pub struct Crawler {
    fetcher: Arc<Fetcher>,
}

/// Shanghai time: list dates on Chinese sites are local dates.
fn today_in_china() -> chrono::NaiveDate {
    // UTC+8 is a valid fixed offset; `east_opt` only fails beyond ±24 h.
    let offset = FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    Utc::now().with_timezone(&offset).date_naive()
}

impl Crawler {
    /// Builds the HTTP client and empty politeness/robots state.
    pub fn new(config: CrawlConfig) -> Result<Self, CrawlError> {
        let fetcher =
            Fetcher::new(Arc::new(config)).map_err(|e| CrawlError::Client(e.to_string()))?;
        Ok(Self {
            fetcher: Arc::new(fetcher),
        })
    }

    /// The shared fetcher.
    pub fn fetcher(&self) -> &Arc<Fetcher> {
        &self.fetcher
    }

    /// The configuration.
    pub fn config(&self) -> &CrawlConfig {
        self.fetcher.config()
    }

    /// Live counters over every crawl of this crawler, for a progress bar.
    pub fn progress(&self) -> Arc<Progress> {
        self.fetcher.progress()
    }

    /// Availability probe of a home page.
    pub async fn probe(&self, url: &Url) -> ProbeResult {
        self.fetcher.probe(url).await
    }

    /// Crawls one source, sending observations into `tx`; returns totals when done.
    pub async fn crawl(
        &self,
        source: Source,
        tx: Sender<Observation>,
    ) -> Result<CrawlStats, CrawlError> {
        let started = Instant::now();
        let shared = Arc::new(Shared {
            fetcher: self.fetcher.clone(),
            tx,
            counters: Counters::default(),
            today: today_in_china(),
            validators: source.validators.clone(),
            base: source
                .url
                .clone()
                .unwrap_or_else(|| Url::parse("http://invalid.invalid/").expect("static URL")),
        });
        match source.platform {
            Platform::Website => match &source.url {
                Some(url) if matches!(url.scheme(), "http" | "https") => {
                    crawl_site(shared.clone()).await?;
                }
                _ => {
                    let msg = "网站账号缺少网址 / website account has no http(s) URL".to_string();
                    emit_source_failure(&shared, source.url.clone(), FailureKind::Config, msg)
                        .await?;
                }
            },
            _ => crawl_feed(&shared, &source).await?,
        }
        let c = &shared.counters;
        Ok(CrawlStats {
            pages: c.pages.load(Relaxed),
            attachments: c.attachments.load(Relaxed),
            links_checked: c.links_checked.load(Relaxed),
            broken_links: c.broken_links.load(Relaxed),
            failures: c.failures.load(Relaxed),
            bytes: c.bytes.load(Relaxed),
            not_modified: c.not_modified.load(Relaxed),
            posts: c.posts.load(Relaxed),
            elapsed: started.elapsed(),
        })
    }
}

/// Runs one crawl with a fresh [`Crawler`]. Prefer a shared `Crawler` when crawling several
/// sources, so per-host limits and robots caches are shared.
pub async fn crawl(
    source: Source,
    config: &CrawlConfig,
    tx: Sender<Observation>,
) -> Result<CrawlStats, CrawlError> {
    Crawler::new(config.clone())?.crawl(source, tx).await
}

async fn emit_source_failure(
    shared: &Shared,
    url: Option<Url>,
    kind: FailureKind,
    message: String,
) -> Result<(), CrawlError> {
    let ok = shared
        .emit(Observation::Failure(Failure {
            url,
            scope: FailureScope::Source,
            kind,
            message,
        }))
        .await;
    if ok {
        Ok(())
    } else {
        Err(CrawlError::ChannelClosed)
    }
}

/// Fetches and judges a feed account.
async fn crawl_feed(shared: &Shared, source: &Source) -> Result<(), CrawlError> {
    let cfg = shared.config();
    let url = match feed_url(
        source.platform,
        source.url.as_ref(),
        source.handle.as_deref(),
        cfg.rsshub_base.as_ref(),
        &cfg.route_templates,
    ) {
        Ok(u) => u,
        Err(e) => {
            return emit_source_failure(
                shared,
                source.url.clone(),
                FailureKind::Config,
                e.to_string(),
            )
            .await;
        }
    };
    // Our own RSSHub instance is infrastructure, not a site we crawl: its robots.txt (often
    // "Disallow: /" to keep search engines off) does not apply to us.
    let via_rsshub = cfg.rsshub_base.as_ref().is_some_and(|b| {
        b.host_str() == url.host_str() && b.port_or_known_default() == url.port_or_known_default()
    });
    let validators = source
        .validators
        .get(url.as_str())
        .filter(|v| !v.is_empty());
    let req = FetchRequest {
        url: &url,
        method: Method::Get,
        validators,
        body: BodyLimit::Capped {
            page: cfg.max_body_bytes,
            attachment: cfg.max_body_bytes,
        },
    };
    let result = if via_rsshub {
        shared.fetcher.fetch_trusted(req).await
    } else {
        shared.fetcher.fetch(req).await
    };
    let resp = match result {
        Ok(r) => r,
        Err(e) => {
            let kind = e.failure_kind();
            let msg = match &e {
                FetchError::RobotsDisallowed { .. } => e.to_string(),
                _ => format!("订阅源无法获取 / feed unreachable: {e}"),
            };
            return emit_source_failure(shared, Some(url), kind, msg).await;
        }
    };
    let not_modified = resp.status == 304;
    let parsed = if not_modified {
        None
    } else {
        match parse_feed(&url, resp.status, &resp.body, source.previous_post_count) {
            Ok(p) => Some(p),
            Err(e) => {
                return emit_source_failure(shared, Some(url), e.failure_kind(), e.to_string())
                    .await;
            }
        }
    };
    let (title, count, newest) = match &parsed {
        Some(p) => (p.title.clone(), p.posts.len(), p.newest()),
        None => (None, 0, None),
    };
    let summary = FeedSummary {
        url: url.clone(),
        final_url: resp.final_url.clone(),
        status: resp.status,
        title,
        post_count: count,
        newest_published: newest,
        fetched_at: resp.fetched_at,
        content_type: resp.content_type().map(str::to_string),
        validators: resp.validators(),
        headers: resp.headers,
        body: resp.body,
        not_modified,
    };
    for post in parsed.map(|p| p.posts).unwrap_or_default() {
        if !shared.emit(Observation::Post(post)).await {
            return Err(CrawlError::ChannelClosed);
        }
    }
    if !shared.emit(Observation::FeedSummary(summary)).await {
        return Err(CrawlError::ChannelClosed);
    }
    Ok(())
}
