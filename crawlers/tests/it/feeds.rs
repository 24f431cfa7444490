//! Feed accounts: RSS, Atom, JSON Feed, RSSHub routes, and the failures that must never look
//! like "no posts".

use chrono::{TimeZone, Utc};
use govwatch_crawlers::{
    CrawlConfig, Crawler, FailureKind, FailureScope, FeedPost, FeedSummary, Observation, Platform,
    Source,
};

use crate::support::{Site, crawl_all, failures, test_config};

const RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>市政府发布</title>
<item><title>关于开展检查的通知</title><link>https://x.gov.cn/a.html</link><guid>a1</guid>
<description><![CDATA[<p>第一段</p><p>第二段<script>x()</script></p>]]></description>
<pubDate>Fri, 16 May 2025 08:00:00 +0800</pubDate></item>
<item><title>旧闻</title><guid>a0</guid><pubDate>Thu, 01 May 2025 08:00:00 +0800</pubDate></item>
</channel></rss>"#;

const ATOM: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>政务微博</title><id>urn:x</id>
<updated>2025-05-16T00:00:00Z</updated>
<entry><title>今日提示</title><id>urn:e1</id><updated>2025-05-16T01:00:00Z</updated>
<link href="https://weibo.com/1/e1"/><content type="html">&lt;b&gt;注意&lt;/b&gt;防汛</content></entry>
</feed>"#;

const JSON_FEED: &str = r#"{"version":"https://jsonfeed.org/version/1.1","title":"抖音号",
"items":[{"id":"v1","content_html":"<p>视频说明</p>","url":"https://douyin.com/v1",
"date_published":"2025-05-10T10:00:00+08:00"}]}"#;

fn feed_source(platform: Platform, url: url::Url) -> Source {
    Source {
        platform,
        url: Some(url),
        ..Source::default()
    }
}

fn split(obs: &[Observation]) -> (Vec<&FeedPost>, Vec<&FeedSummary>) {
    let posts = obs
        .iter()
        .filter_map(|o| match o {
            Observation::Post(p) => Some(p),
            _ => None,
        })
        .collect();
    let sums = obs
        .iter()
        .filter_map(|o| match o {
            Observation::FeedSummary(s) => Some(s),
            _ => None,
        })
        .collect();
    (posts, sums)
}

#[tokio::test]
async fn rss_atom_and_json_feed_are_parsed() {
    let server = Site::new()
        .with(
            "/rss.xml",
            200,
            &[("content-type", "application/rss+xml")],
            RSS,
        )
        .with(
            "/atom.xml",
            200,
            &[("content-type", "application/atom+xml")],
            ATOM,
        )
        .with(
            "/feed.json",
            200,
            &[("content-type", "application/feed+json")],
            JSON_FEED,
        )
        .serve()
        .await;
    let crawler = Crawler::new(test_config()).expect("crawler");

    let (obs, stats) = crawl_all(
        &crawler,
        feed_source(Platform::Other, server.url("/rss.xml")),
    )
    .await;
    let (posts, sums) = split(&obs);
    assert_eq!(posts.len(), 2);
    assert_eq!(stats.posts, 2);
    assert_eq!(posts[0].title.as_deref(), Some("关于开展检查的通知"));
    assert_eq!(posts[0].text, "第一段\n第二段");
    assert_eq!(
        posts[0].link.as_ref().map(|u| u.as_str()),
        Some("https://x.gov.cn/a.html")
    );
    assert_eq!(
        posts[0].published,
        Some(Utc.with_ymd_and_hms(2025, 5, 16, 0, 0, 0).unwrap())
    );
    assert_eq!(sums[0].post_count, 2);
    assert_eq!(sums[0].title.as_deref(), Some("市政府发布"));
    assert_eq!(sums[0].newest_published, posts[0].published);
    assert_eq!(
        sums[0].body.as_ref(),
        RSS.as_bytes(),
        "raw body kept for the snapshot"
    );

    let (obs, _) = crawl_all(
        &crawler,
        feed_source(Platform::Weibo, server.url("/atom.xml")),
    )
    .await;
    let (posts, _) = split(&obs);
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].text, "注意防汛");
    assert_eq!(
        posts[0].published,
        Some(Utc.with_ymd_and_hms(2025, 5, 16, 1, 0, 0).unwrap())
    );

    let (obs, _) = crawl_all(
        &crawler,
        feed_source(Platform::Douyin, server.url("/feed.json")),
    )
    .await;
    let (posts, sums) = split(&obs);
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].text, "视频说明");
    assert_eq!(sums[0].title.as_deref(), Some("抖音号"));
}

#[tokio::test]
async fn rsshub_route_is_built_from_handle() {
    let server = Site::new()
        .with("/weibo/user/1234567", 200, &[], RSS)
        // RSSHub deployments often forbid robots; our own instance is not crawled politely.
        .with("/robots.txt", 200, &[], "User-agent: *\nDisallow: /\n")
        .serve()
        .await;
    let cfg = CrawlConfig {
        rsshub_base: Some(server.url("/")),
        ..test_config()
    };
    let crawler = Crawler::new(cfg).expect("crawler");
    let source = Source {
        platform: Platform::Weibo,
        handle: Some("1234567".into()),
        ..Source::default()
    };
    let (obs, _) = crawl_all(&crawler, source).await;
    assert_eq!(split(&obs).0.len(), 2, "{obs:?}");
    assert_eq!(server.count("/weibo/user/1234567"), 1);

    let no_base = Crawler::new(test_config()).expect("crawler");
    let source = Source {
        platform: Platform::Bilibili,
        handle: Some("42".into()),
        ..Source::default()
    };
    let (obs, _) = crawl_all(&no_base, source).await;
    let f = failures(&obs);
    assert_eq!(f[0].kind, FailureKind::Config);
    assert!(f[0].message.contains("rsshub_base"));
}

async fn single_failure(
    status: u16,
    content_type: &str,
    body: &str,
    previous: u64,
) -> govwatch_crawlers::Failure {
    let server = Site::new()
        .with(
            "/feed",
            status,
            &[("content-type", content_type)],
            body.to_string(),
        )
        .serve()
        .await;
    let mut cfg = test_config();
    cfg.max_retries = 0;
    let crawler = Crawler::new(cfg).expect("crawler");
    let mut source = feed_source(Platform::Wechat, server.url("/feed"));
    source.previous_post_count = previous;
    let (obs, _) = crawl_all(&crawler, source).await;
    assert_eq!(
        split(&obs).1.len(),
        0,
        "a failed feed has no summary: {obs:?}"
    );
    let f = failures(&obs);
    assert_eq!(f.len(), 1, "{obs:?}");
    assert_eq!(f[0].scope, FailureScope::Source);
    f[0].clone()
}

#[tokio::test]
async fn broken_feeds_are_source_failures() {
    let f = single_failure(
        200,
        "application/xml",
        "<rss><channel><item><title>x</ti",
        0,
    )
    .await;
    assert_eq!(f.kind, FailureKind::Malformed);

    let rsshub_error = "<!DOCTYPE html><html><head><title>Error | RSSHub</title></head><body>Looks like something went wrong</body></html>";
    let f = single_failure(503, "text/html", rsshub_error, 0).await;
    assert_eq!(f.kind, FailureKind::Http { status: 503 });
    assert!(f.message.contains("RSSHub"), "{}", f.message);
    let f = single_failure(200, "text/html", rsshub_error, 0).await;
    assert_eq!(f.kind, FailureKind::NotAFeed);
    let f = single_failure(
        200,
        "application/json",
        r#"{"error":{"message":"weibo rate limited"}}"#,
        0,
    )
    .await;
    assert_eq!(f.kind, FailureKind::NotAFeed);
    assert!(f.message.contains("weibo rate limited"));

    let empty = r#"<rss version="2.0"><channel><title>t</title></channel></rss>"#;
    let f = single_failure(200, "application/rss+xml", empty, 12).await;
    assert_eq!(f.kind, FailureKind::EmptyFeed);
    assert!(f.message.contains("12"));
}
