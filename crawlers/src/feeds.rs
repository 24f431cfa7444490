//! Feeds (RSS 0.x/1/2, Atom, JSON Feed) through feed-rs.
//!
//! The one rule that matters: **a feed that fails is a source failure, never "no posts"**.
//! The inactivity indicator (an account not updated for two weeks) would otherwise fire, or
//! stay silent, on an RSSHub outage. RSSHub reports upstream errors as an HTML or JSON page,
//! with 503/500 or sometimes 200, so the body is checked before it is believed; and an empty
//! feed from an account that had posts before is reported, not trusted.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use url::Url;

use crate::html::visible_text;
use crate::observation::{FailureKind, Validators};

/// One post of a feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedPost {
    /// The feed it came from.
    pub feed_url: Url,
    /// Entry id (feed-rs derives one when the feed has none).
    pub id: String,
    /// Title.
    pub title: Option<String>,
    /// Body text with HTML stripped, one block per line.
    pub text: String,
    /// Link to the post.
    pub link: Option<Url>,
    /// Publication (or, lacking it, update) time.
    pub published: Option<DateTime<Utc>>,
}

/// The feed as a whole.
#[derive(Debug, Clone)]
pub struct FeedSummary {
    /// Feed URL as requested.
    pub url: Url,
    /// After redirects.
    pub final_url: Url,
    /// HTTP status.
    pub status: u16,
    /// Feed title.
    pub title: Option<String>,
    /// Number of posts.
    pub post_count: usize,
    /// Newest publication time among the posts.
    pub newest_published: Option<DateTime<Utc>>,
    /// When it was fetched.
    pub fetched_at: DateTime<Utc>,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// Response headers, for the snapshot.
    pub headers: Vec<(String, String)>,
    /// Raw body, for the snapshot (empty on 304).
    pub body: Bytes,
    /// Validators for the next conditional GET.
    pub validators: Validators,
    /// 304: unchanged since the validators passed in; no posts were parsed.
    pub not_modified: bool,
}

/// Why a feed body is not a usable feed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FeedError {
    /// Non-success HTTP status.
    #[error("订阅源返回 HTTP {status} / feed answered HTTP {status}{detail}")]
    Http {
        /// Status.
        status: u16,
        /// Title or message of the error page, if any.
        detail: String,
    },
    /// HTML or JSON error page instead of a feed.
    #[error("返回内容不是订阅源（可能是 RSSHub 错误页）/ not a feed (RSSHub error page?){0}")]
    NotAFeed(String),
    /// XML/JSON that feed-rs cannot read.
    #[error("订阅源格式错误 / malformed feed: {0}")]
    Malformed(String),
    /// No posts although the account had some before.
    #[error(
        "订阅源为空，但此前有 {previous} 条内容 / feed is empty but had {previous} posts before"
    )]
    EmptyFeed {
        /// Posts seen on the previous crawl.
        previous: u64,
    },
}

impl FeedError {
    /// The matching observation failure kind.
    pub fn failure_kind(&self) -> FailureKind {
        match self {
            FeedError::Http { status, .. } => FailureKind::Http { status: *status },
            FeedError::NotAFeed(_) => FailureKind::NotAFeed,
            FeedError::Malformed(_) => FailureKind::Malformed,
            FeedError::EmptyFeed { .. } => FailureKind::EmptyFeed,
        }
    }
}

/// A parsed feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedFeed {
    /// Feed title.
    pub title: Option<String>,
    /// Posts in feed order.
    pub posts: Vec<FeedPost>,
}

impl ParsedFeed {
    /// Newest publication time.
    pub fn newest(&self) -> Option<DateTime<Utc>> {
        self.posts.iter().filter_map(|p| p.published).max()
    }
}

fn looks_like_html(body: &[u8]) -> bool {
    let start = trim_start(body);
    let head: Vec<u8> = start[..start.len().min(64)].to_ascii_lowercase();
    head.starts_with(b"<!doctype html")
        || head.starts_with(b"<html")
        || head.starts_with(b"<head")
        || head.starts_with(b"<body")
}

fn trim_start(body: &[u8]) -> &[u8] {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let n = body.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &body[n..]
}

/// A short description of an error body: the HTML title, a JSON `error`/`message`, or the
/// first line of text.
fn error_detail(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(4096)]);
    let detail = if looks_like_html(body) {
        let doc = scraper::Html::parse_document(&text);
        let title = scraper::Selector::parse("title")
            .ok()
            .and_then(|s| doc.select(&s).next().map(|t| t.text().collect::<String>()));
        title.unwrap_or_default()
    } else if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) {
        v.get("error")
            .and_then(|e| e.get("message").or(Some(e)))
            .or_else(|| v.get("message"))
            .map(|m| {
                m.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| m.to_string())
            })
            .unwrap_or_default()
    } else {
        text.lines().next().unwrap_or("").to_string()
    };
    let detail: String = detail.trim().chars().take(200).collect();
    if detail.is_empty() {
        String::new()
    } else {
        format!(" — {detail}")
    }
}

/// Judges a feed response and parses it.
pub fn parse_feed(
    feed_url: &Url,
    status: u16,
    body: &[u8],
    previous_post_count: u64,
) -> Result<ParsedFeed, FeedError> {
    if !(200..300).contains(&status) {
        return Err(FeedError::Http {
            status,
            detail: error_detail(body),
        });
    }
    if looks_like_html(body) {
        return Err(FeedError::NotAFeed(error_detail(body)));
    }
    let trimmed = trim_start(body);
    let is_json = trimmed.starts_with(b"{");
    let feed = match feed_rs::parser::parse(body) {
        Ok(feed) => feed,
        Err(e) if is_json => {
            let detail = error_detail(trimmed);
            return Err(FeedError::NotAFeed(if detail.is_empty() {
                format!(" — {e}")
            } else {
                detail
            }));
        }
        Err(e) if trimmed.is_empty() => {
            return Err(FeedError::Malformed(format!("empty body ({e})")));
        }
        Err(e) => return Err(FeedError::Malformed(e.to_string())),
    };
    let posts: Vec<FeedPost> = feed
        .entries
        .into_iter()
        .map(|entry| {
            let body_html = entry
                .content
                .as_ref()
                .and_then(|c| c.body.clone())
                .or_else(|| entry.summary.as_ref().map(|s| s.content.clone()))
                .unwrap_or_default();
            FeedPost {
                feed_url: feed_url.clone(),
                id: entry.id,
                title: entry
                    .title
                    .map(|t| visible_text(&t.content))
                    .filter(|t| !t.is_empty()),
                text: visible_text(&body_html),
                link: entry
                    .links
                    .first()
                    .and_then(|l| feed_url.join(l.href.trim()).ok()),
                published: entry.published.or(entry.updated),
            }
        })
        .collect();
    if posts.is_empty() && previous_post_count > 0 {
        return Err(FeedError::EmptyFeed {
            previous: previous_post_count,
        });
    }
    Ok(ParsedFeed {
        title: feed.title.map(|t| visible_text(&t.content)),
        posts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> Url {
        Url::parse("http://rsshub.local/weibo/user/1").expect("url")
    }

    #[test]
    fn rsshub_error_pages_are_not_feeds() {
        let html = b"<!DOCTYPE html><html><head><title>Error: weibo 403</title></head></html>";
        assert!(
            matches!(parse_feed(&url(), 200, html, 0), Err(FeedError::NotAFeed(d)) if d.contains("weibo 403"))
        );
        let err = parse_feed(&url(), 503, html, 0).expect_err("503");
        assert_eq!(err.failure_kind(), FailureKind::Http { status: 503 });
        let json = br#"{"error":{"message":"Route not found"}}"#;
        assert!(
            matches!(parse_feed(&url(), 200, json, 0), Err(FeedError::NotAFeed(d)) if d.contains("Route not found"))
        );
        assert!(matches!(
            parse_feed(&url(), 200, b"<rss><channel><item>", 0),
            Err(FeedError::Malformed(_))
        ));
    }

    #[test]
    fn empty_feed_depends_on_history() {
        let rss =
            br#"<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>"#;
        assert_eq!(parse_feed(&url(), 200, rss, 0).expect("ok").posts.len(), 0);
        assert_eq!(
            parse_feed(&url(), 200, rss, 3),
            Err(FeedError::EmptyFeed { previous: 3 })
        );
    }
}
