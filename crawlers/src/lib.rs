//! govwatch-crawlers: turns a source description (a website or a social-media account) into a
//! stream of observations. It knows HTTP, robots.txt, encodings, HTML, feeds and attachment
//! formats, and nothing of the database or the rules: the platform stores what it sends and
//! judges it.
//!
//! # Brief overview
//!
//! - [`Crawler`] is the entry point: build one per process from a [`CrawlConfig`], then call
//!   [`Crawler::crawl`] with a [`Source`] and the sending half of a bounded
//!   `tokio::sync::mpsc` channel, or [`Crawler::probe`] for an availability check.
//!   [`crawl`] is the one-shot form.
//! - [`Observation`] is what comes out: [`Page`], [`Attachment`], [`ColumnReport`],
//!   [`FeedPost`], [`FeedSummary`], [`LinkCheck`] and [`Failure`]. [`CrawlStats`] sums a crawl.
//! - [`Fetcher`] (module [`fetch`]) is the shared HTTP client: robots.txt ([`robots`]),
//!   per-host politeness, SSRF guard, timeouts, retries, manual redirects, capped bodies,
//!   conditional GET.
//! - [`decode`] turns bytes into text (BOM, header, meta prescan, chardetng); [`html`] parses
//!   pages into title, text and [`Link`]s; [`columns`] finds navigation columns (栏目) and
//!   list dates; [`site`] runs the breadth-first website crawl with link checks.
//! - [`feeds`] reads RSS/Atom/JSON Feed; [`platforms`] maps accounts to feed URLs (RSSHub).
//! - [`extract`] pulls located text out of PDF, Office, spreadsheet, csv and zip attachments
//!   ([`extract_bytes`], [`extract_file`]).
//!
//! Failures of the *source* (site down, feed broken, robots.txt says no) are observations, not
//! errors: [`CrawlError`] is only for the crawl itself (channel closed, client broken).
#![deny(missing_docs)]

pub mod columns;
pub mod config;
mod crawler;
pub mod decode;
pub mod extract;
pub mod feeds;
pub mod fetch;
pub mod html;
pub mod observation;
pub mod platforms;
pub mod robots;
pub mod site;

pub use config::CrawlConfig;
pub use crawler::{CrawlError, Crawler, crawl};
pub use extract::{
    AttachmentKind, ExtractError, ExtractLimits, Extracted, TextSegment, extract_bytes,
    extract_file,
};
pub use feeds::{FeedPost, FeedSummary};
pub use fetch::{Fetcher, ProbeResult, Progress};
pub use html::{Link, LinkKind};
pub use observation::{
    Attachment, ColumnReport, CrawlStats, Failure, FailureKind, FailureScope, LinkCheck,
    LinkSource, LinkStatus, Observation, Page, Source, Validators,
};
pub use platforms::Platform;
