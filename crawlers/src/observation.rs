//! What a crawl saw: the values sent to the platform through the observation channel.
//!
//! Observations carry facts only (status codes, bytes, text, dates); judging them is the rules
//! engine's job. Raw bodies travel as [`Bytes`] so the platform can snapshot exactly what was
//! served, and are dropped by the crawler as soon as they are sent.

use std::collections::HashMap;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::extract::{AttachmentKind, ExtractError, SkippedEntry, TextSegment};
use crate::feeds::{FeedPost, FeedSummary};
use crate::html::{Link, LinkKind};
use crate::platforms::Platform;

/// One thing to crawl: a website or a social-media account.
#[derive(Debug, Clone, Default)]
pub struct Source {
    /// Which platform the account lives on.
    pub platform: Platform,
    /// Website base URL, or a direct feed URL for other platforms.
    pub url: Option<Url>,
    /// Account handle (uid) used to build an RSSHub route.
    pub handle: Option<String>,
    /// Posts seen on the previous crawl; an empty feed is a failure when this is above zero.
    pub previous_post_count: u64,
    /// Known validators per URL (as a string) for conditional GET. A page answered with 304
    /// is not re-parsed, so for websites its links are not followed on this crawl: pass
    /// validators for attachments, feeds and leaf pages, or accept that an unchanged page's
    /// subtree is skipped.
    pub validators: HashMap<String, Validators>,
}

/// HTTP validators remembered from an earlier fetch of the same URL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validators {
    /// `ETag` response header.
    pub etag: Option<String>,
    /// `Last-Modified` response header.
    pub last_modified: Option<String>,
}

impl Validators {
    /// True when neither validator is known.
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

/// One item in the stream a crawl produces.
#[derive(Debug, Clone)]
pub enum Observation {
    /// A fetched HTML (or other non-attachment) page.
    Page(Page),
    /// A downloaded attachment and the text extracted from it.
    Attachment(Attachment),
    /// A navigation column (栏目) of a website and how fresh its list is.
    Column(ColumnReport),
    /// One post of a feed.
    Post(FeedPost),
    /// The feed as a whole, with its raw body for snapshotting.
    FeedSummary(FeedSummary),
    /// The result of checking one link target.
    LinkCheck(LinkCheck),
    /// Something that could not be fetched or understood.
    Failure(Failure),
}

/// A fetched page.
#[derive(Debug, Clone)]
pub struct Page {
    /// URL as requested.
    pub url: Url,
    /// URL after redirects.
    pub final_url: Url,
    /// Final HTTP status.
    pub status: u16,
    /// When the response arrived.
    pub fetched_at: DateTime<Utc>,
    /// Link depth from the home page.
    pub depth: u32,
    /// Whether this is the site's home page.
    pub is_home: bool,
    /// `Content-Type` header.
    pub content_type: Option<String>,
    /// All response headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body exactly as served (empty on 304).
    pub body: Bytes,
    /// Encoding the text was decoded with (`None` on 304 or non-text bodies).
    pub encoding: Option<String>,
    /// Charset the server or document declared, if any.
    pub declared_encoding: Option<String>,
    /// The declared charset did not fit the bytes (e.g. header says UTF-8, body is GBK).
    pub encoding_mismatch: bool,
    /// `<title>` text.
    pub title: Option<String>,
    /// Visible text, one block element per line.
    pub text: String,
    /// Links found on the page, absolute and without fragments.
    pub links: Vec<Link>,
    /// Validators to remember for the next conditional GET.
    pub validators: Validators,
    /// The server answered 304 Not Modified: no body, nothing parsed.
    pub not_modified: bool,
    /// Time from the first request byte to the last body byte.
    pub elapsed: Duration,
}

/// A downloaded attachment.
#[derive(Debug, Clone)]
pub struct Attachment {
    /// URL of the attachment.
    pub url: Url,
    /// Pages known to link to it when it was fetched.
    pub referrers: Vec<Url>,
    /// HTTP status.
    pub status: u16,
    /// When the response arrived.
    pub fetched_at: DateTime<Utc>,
    /// `Content-Type` header.
    pub content_type: Option<String>,
    /// All response headers.
    pub headers: Vec<(String, String)>,
    /// The body exactly as served.
    pub body: Bytes,
    /// Format, from the extension or the content type.
    pub kind: AttachmentKind,
    /// Extracted text, or why there is none. An error here means "attachment not checked".
    pub result: Result<Vec<TextSegment>, ExtractError>,
    /// Extraction stopped at the output cap; the text is incomplete.
    pub truncated: bool,
    /// Files inside a zip attachment that could not be extracted (not checked).
    pub skipped: Vec<SkippedEntry>,
}

/// A navigation column (栏目) and its list page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnReport {
    /// Home page the column was found on.
    pub home_url: Url,
    /// Column name (anchor text).
    pub name: String,
    /// Column list page.
    pub url: Url,
    /// Items on the first list page (rows with a link and a date).
    pub item_count: usize,
    /// Newest date among the items.
    pub newest_item_date: Option<NaiveDate>,
    /// Whether the list page was fetched with a 2xx status.
    pub fetched_ok: bool,
}

/// Result of checking one link target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkCheck {
    /// The link target.
    pub url: Url,
    /// What kind of resource the link points at.
    pub kind: LinkKind,
    /// Reachable or broken.
    pub result: LinkStatus,
    /// Pages linking to it (up to `max_referrers_per_link`).
    pub linked_from: Vec<LinkSource>,
    /// How many pages link to it in total.
    pub linked_from_count: usize,
    /// Whether the target is on another host.
    pub external: bool,
}

/// Outcome of a link check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkStatus {
    /// Final status 2xx (after redirects).
    Ok {
        /// Final HTTP status.
        status: u16,
    },
    /// Anything else.
    Broken {
        /// HTTP status, when the server answered.
        status: Option<u16>,
        /// Why it counts as broken.
        reason: String,
    },
    /// Not checked: robots.txt forbids fetching the target (it may well work for people).
    Skipped {
        /// Why it was skipped.
        reason: String,
    },
}

impl LinkStatus {
    /// True for [`LinkStatus::Broken`].
    pub fn is_broken(&self) -> bool {
        matches!(self, LinkStatus::Broken { .. })
    }
}

/// A page that links to a checked target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkSource {
    /// The linking page.
    pub page_url: Url,
    /// Whether the linking page is the home page (broken home-page links weigh more).
    pub is_home: bool,
}

/// Something that could not be fetched or understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The URL concerned.
    pub url: Option<Url>,
    /// What failed: the whole source, one page, one attachment, or a robots.txt refusal.
    pub scope: FailureScope,
    /// Machine-readable reason.
    pub kind: FailureKind,
    /// Human-readable reason (Chinese and English).
    pub message: String,
}

/// What a [`Failure`] affects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureScope {
    /// The whole source (home page unreachable, feed broken): nothing else was observed.
    Source,
    /// One page.
    Page,
    /// One attachment.
    Attachment,
    /// A URL robots.txt does not let us fetch.
    Robots,
}

/// Machine-readable failure reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
#[non_exhaustive]
pub enum FailureKind {
    /// The server answered with a non-success status.
    Http {
        /// The status code.
        status: u16,
    },
    /// No complete answer within the timeouts.
    Timeout,
    /// TCP/TLS connection failed (refused, reset, DNS).
    Connect,
    /// The body exceeded the size cap.
    TooLarge,
    /// Redirects went round in a circle.
    RedirectLoop,
    /// More redirects than allowed.
    TooManyRedirects,
    /// The body could not be parsed (malformed XML, broken feed).
    Malformed,
    /// A feed URL returned something that is not a feed (e.g. an RSSHub error page).
    NotAFeed,
    /// The feed has no posts although it had some before.
    EmptyFeed,
    /// robots.txt forbids the URL; it was not fetched.
    RobotsDisallowed,
    /// The URL resolves to a private or loopback address and such addresses are not allowed.
    Ssrf,
    /// An external tool needed for extraction is not installed.
    ToolMissing,
    /// Text extraction failed.
    Extract,
    /// The source description is incomplete (no URL, no handle, no RSSHub base).
    Config,
    /// The URL is not http(s) or cannot be parsed.
    InvalidUrl,
    /// Anything else.
    Other,
}

/// Totals for one crawl.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CrawlStats {
    /// Pages observed (including 304s).
    pub pages: u64,
    /// Attachments downloaded.
    pub attachments: u64,
    /// Link targets checked.
    pub links_checked: u64,
    /// Link targets found broken.
    pub broken_links: u64,
    /// Failure observations sent.
    pub failures: u64,
    /// Body bytes received.
    pub bytes: u64,
    /// 304 answers.
    pub not_modified: u64,
    /// Feed posts observed.
    pub posts: u64,
    /// Wall time of the crawl.
    pub elapsed: Duration,
}
