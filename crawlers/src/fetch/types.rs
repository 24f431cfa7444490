//! The values a fetch takes and gives: requests, responses, errors, probe results, counters.

use std::time::Duration;

use bytes::Bytes;
use serde::Serialize;
use url::Url;

use crate::observation::{FailureKind, Validators};

/// HTTP method of a fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// HEAD (link checks).
    Head,
}

/// How much of the body to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyLimit {
    /// Read up to `page` bytes, or `attachment` bytes when the response's content type is a
    /// document (pdf, office, zip); more is an error ([`FetchError::TooLarge`]).
    Capped {
        /// Cap for pages.
        page: u64,
        /// Cap for attachments.
        attachment: u64,
    },
    /// Read up to this many bytes and stop quietly (probes, robots.txt).
    Truncate(u64),
    /// Do not read the body at all (link checks).
    Discard,
}

/// One request.
#[derive(Debug, Clone)]
pub struct FetchRequest<'a> {
    /// Target.
    pub url: &'a Url,
    /// Method.
    pub method: Method,
    /// Validators for a conditional GET (sent to the first URL only).
    pub validators: Option<&'a Validators>,
    /// Body reading policy.
    pub body: BodyLimit,
}

/// A response after redirects, with the body read according to the [`BodyLimit`].
#[derive(Debug, Clone)]
pub struct FetchResponse {
    /// URL as requested.
    pub url: Url,
    /// URL after redirects.
    pub final_url: Url,
    /// Final status.
    pub status: u16,
    /// Response headers of the final response.
    pub headers: Vec<(String, String)>,
    /// Body bytes (empty for HEAD, 304 and [`BodyLimit::Discard`]).
    pub body: Bytes,
    /// URLs redirected through, in order, excluding the final one.
    pub redirects: Vec<Url>,
    /// Request start to last body byte of the final response.
    pub elapsed: Duration,
    /// The body was cut at a [`BodyLimit::Truncate`] limit.
    pub truncated: bool,
    /// When the final response arrived.
    pub fetched_at: chrono::DateTime<chrono::Utc>,
}

impl FetchResponse {
    /// First header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `Content-Type` header.
    pub fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }

    /// Validators to remember for the next conditional GET.
    pub fn validators(&self) -> Validators {
        Validators {
            etag: self.header("etag").map(str::to_string),
            last_modified: self.header("last-modified").map(str::to_string),
        }
    }

    /// 2xx status.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Why a fetch produced no response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// Not an absolute http(s) URL.
    #[error("无效网址 / invalid URL: {0}")]
    InvalidUrl(String),
    /// robots.txt forbids the URL; no request was sent for it.
    #[error("{reason}: {url}")]
    RobotsDisallowed {
        /// The URL.
        url: Url,
        /// Why (disallow rule, or robots.txt unavailable).
        reason: String,
    },
    /// The host is (or resolves to) a private/loopback address.
    #[error("拒绝访问内网地址 / refusing non-public address: {0}")]
    Ssrf(String),
    /// No complete response within the timeouts.
    #[error("超时 / timed out ({0})")]
    Timeout(String),
    /// Connection failed.
    #[error("连接失败 / connection failed: {0}")]
    Connect(String),
    /// The body is larger than the cap.
    #[error("内容过大 / body larger than {limit} bytes")]
    TooLarge {
        /// The cap in bytes.
        limit: u64,
    },
    /// A redirect pointed back to a URL already visited.
    #[error("重定向循环 / redirect loop: {}", chain_text(.chain))]
    RedirectLoop {
        /// The URLs visited, ending with the repeated one.
        chain: Vec<Url>,
    },
    /// Too many redirects.
    #[error("重定向次数过多 / too many redirects: {}", chain_text(.chain))]
    TooManyRedirects {
        /// The URLs visited.
        chain: Vec<Url>,
    },
    /// Anything else reqwest reported.
    #[error("请求失败 / request failed: {0}")]
    Other(String),
}

fn chain_text(chain: &[Url]) -> String {
    chain
        .iter()
        .map(Url::as_str)
        .collect::<Vec<_>>()
        .join(" → ")
}

impl FetchError {
    /// The matching observation failure kind.
    pub fn failure_kind(&self) -> FailureKind {
        match self {
            FetchError::InvalidUrl(_) => FailureKind::InvalidUrl,
            FetchError::RobotsDisallowed { .. } => FailureKind::RobotsDisallowed,
            FetchError::Ssrf(_) => FailureKind::Ssrf,
            FetchError::Timeout(_) => FailureKind::Timeout,
            FetchError::Connect(_) => FailureKind::Connect,
            FetchError::TooLarge { .. } => FailureKind::TooLarge,
            FetchError::RedirectLoop { .. } => FailureKind::RedirectLoop,
            FetchError::TooManyRedirects { .. } => FailureKind::TooManyRedirects,
            FetchError::Other(_) => FailureKind::Other,
        }
    }

    pub(crate) fn retryable(&self) -> bool {
        matches!(self, FetchError::Timeout(_) | FetchError::Connect(_))
    }
}

/// Result of an availability probe of a home page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProbeResult {
    /// The URL probed.
    pub url: Url,
    /// 2xx, possibly after redirects, within the timeouts.
    pub ok: bool,
    /// Final status, when the server answered.
    pub status: Option<u16>,
    /// Time taken, including redirects and retries.
    pub elapsed_ms: u64,
    /// Why it failed.
    pub error: Option<String>,
}

/// Counters a progress bar can read while crawls run.
#[derive(Debug, Default)]
pub struct Progress {
    /// Requests sent (all attempts, all methods).
    pub requests: std::sync::atomic::AtomicU64,
    /// Body bytes received.
    pub bytes: std::sync::atomic::AtomicU64,
    /// Pages observed.
    pub pages: std::sync::atomic::AtomicU64,
    /// Link targets checked.
    pub links_checked: std::sync::atomic::AtomicU64,
    /// Pages waiting in crawl frontiers.
    pub queued: std::sync::atomic::AtomicU64,
}
