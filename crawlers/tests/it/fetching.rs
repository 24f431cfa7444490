//! The fetcher's rules: robots.txt, SSRF guard, redirects, retries, timeouts, caps,
//! conditional GET and politeness, observed from the server side.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use govwatch_crawlers::{
    Crawler, FailureKind, FailureScope, LinkStatus, Observation, Source, Validators,
};

use crate::support::{
    Site, crawl_all, dead_port, failures, link_checks, pages, serve, test_config, website,
};

#[tokio::test]
async fn robots_disallow_is_never_fetched() {
    let server = Site::new()
        .with(
            "/robots.txt",
            200,
            &[("content-type", "text/plain")],
            "User-agent: *\nDisallow: /secret/\n",
        )
        .html(
            "/",
            r#"<a href="/secret/list.html">内部</a><a href="/open.html">公开</a>"#,
        )
        .html("/open.html", "<p>公开</p>")
        .html("/secret/list.html", "<p>should never be served</p>")
        .serve()
        .await;
    let crawler = Crawler::new(test_config()).expect("crawler");
    let (obs, _) = crawl_all(&crawler, website(server.url("/"))).await;
    assert_eq!(
        server.count("/secret/list.html"),
        0,
        "disallowed URL must not be requested"
    );
    assert_eq!(server.count("/open.html"), 1);
    assert_eq!(
        server.count("/robots.txt"),
        1,
        "robots.txt fetched once per host"
    );
    let f = failures(&obs);
    let robots = f
        .iter()
        .find(|f| f.kind == FailureKind::RobotsDisallowed)
        .expect("robots failure observed");
    assert_eq!(robots.scope, FailureScope::Robots);
    assert!(
        robots
            .url
            .as_ref()
            .is_some_and(|u| u.path() == "/secret/list.html")
    );
    let check = link_checks(&obs)
        .into_iter()
        .find(|l| l.url.path() == "/secret/list.html")
        .expect("link reported");
    assert!(matches!(check.result, LinkStatus::Skipped { .. }));
}

#[tokio::test]
async fn robots_5xx_closes_the_host_for_now() {
    let server = Site::new()
        .with("/robots.txt", 503, &[], "busy")
        .html("/", "<p>home</p>")
        .serve()
        .await;
    let crawler = Crawler::new(test_config()).expect("crawler");
    let (obs, _) = crawl_all(&crawler, website(server.url("/"))).await;
    assert_eq!(server.count("/"), 0);
    assert_eq!(failures(&obs)[0].kind, FailureKind::RobotsDisallowed);
}

#[tokio::test]
async fn ssrf_guard_refuses_loopback_unless_allowed() {
    let server = Site::new().html("/", "<p>intranet</p>").serve().await;
    let mut cfg = test_config();
    cfg.allow_private_addresses = false;
    let crawler = Crawler::new(cfg).expect("crawler");
    let (obs, _) = crawl_all(&crawler, website(server.url("/"))).await;
    let f = failures(&obs);
    assert_eq!(f.len(), 1, "{obs:?}");
    assert_eq!(f[0].kind, FailureKind::Ssrf);
    assert_eq!(f[0].scope, FailureScope::Source);
    // By name too (the resolver guard itself is unit-tested in fetch::ssrf).
    let by_name =
        url::Url::parse(&format!("http://localhost:{}/", server.addr.port())).expect("url");
    let probe = crawler.probe(&by_name).await;
    assert!(!probe.ok);
    assert!(
        probe.error.as_deref().is_some_and(|e| e.contains("内网")),
        "{probe:?}"
    );
    assert!(server.hits().is_empty(), "no request reached the server");
}

#[tokio::test]
async fn redirect_loop_is_a_clear_failure() {
    let server = Site::new()
        .html("/", r#"<a href="/a">A</a>"#)
        .with("/a", 302, &[("location", "/b")], "")
        .with("/b", 301, &[("location", "/a")], "")
        .serve()
        .await;
    let crawler = Crawler::new(test_config()).expect("crawler");
    let (obs, _) = crawl_all(&crawler, website(server.url("/"))).await;
    let f = failures(&obs);
    let lp = f
        .iter()
        .find(|f| f.kind == FailureKind::RedirectLoop)
        .expect("loop reported");
    assert!(lp.message.contains("重定向循环") && lp.message.contains("redirect loop"));
    assert!(
        lp.message.contains("/a → ") && lp.message.contains("/b"),
        "{}",
        lp.message
    );
    assert_eq!(server.count("/a"), 1, "loop detected without re-requesting");
}

#[tokio::test]
async fn broken_links_404_500_refused_and_hanging() {
    let dead = dead_port().await;
    let home = format!(
        r#"<a href="/missing.html">缺</a><a href="/error.html">错</a><img src="/img/none.png">
           <a href="http://127.0.0.1:{dead}/x">拒绝</a><a href="/hang">挂起</a><a href="/ok.html">好</a>"#
    );
    let router = Site::new()
        .html("/", home)
        .html("/ok.html", "fine")
        .with("/error.html", 500, &[], "boom")
        .router()
        .route(
            "/hang",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                "never"
            }),
        );
    let server = serve(router).await;
    let mut cfg = test_config();
    cfg.total_timeout = Duration::from_millis(800);
    cfg.max_retries = 1;
    let crawler = Crawler::new(cfg).expect("crawler");
    let (obs, stats) = crawl_all(&crawler, website(server.url("/"))).await;
    let checks: HashMap<String, &govwatch_crawlers::LinkCheck> = link_checks(&obs)
        .into_iter()
        .map(|l| (l.url.to_string(), l))
        .collect();
    let get = |path: &str| -> &govwatch_crawlers::LinkCheck {
        let key = if path.starts_with("http") {
            path.to_string()
        } else {
            server.url(path).to_string()
        };
        checks
            .get(&key)
            .copied()
            .unwrap_or_else(|| panic!("no check for {key}: {checks:?}"))
    };
    assert!(matches!(
        get("/missing.html").result,
        LinkStatus::Broken {
            status: Some(404),
            ..
        }
    ));
    assert!(matches!(
        get("/error.html").result,
        LinkStatus::Broken {
            status: Some(500),
            ..
        }
    ));
    assert_eq!(
        server.count("/error.html"),
        2,
        "5xx retried once (max_retries = 1)"
    );
    assert_eq!(server.count("/missing.html"), 1, "4xx not retried");
    assert!(matches!(
        get("/img/none.png").result,
        LinkStatus::Broken {
            status: Some(404),
            ..
        }
    ));
    let refused = get(&format!("http://127.0.0.1:{dead}/x"));
    assert!(refused.external);
    assert!(
        matches!(&refused.result, LinkStatus::Broken { status: None, reason } if reason.contains("连接失败"))
    );
    let hang = get("/hang");
    assert!(
        matches!(&hang.result, LinkStatus::Broken { status: None, reason } if reason.contains("超时")),
        "{hang:?}"
    );
    assert_eq!(get("/ok.html").result, LinkStatus::Ok { status: 200 });
    for check in checks.values() {
        assert_eq!(check.linked_from.len(), 1);
        assert!(check.linked_from[0].is_home);
    }
    assert_eq!(stats.broken_links, 5);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let router = Router::new().route(
        "/",
        get(move || {
            let n = h.fetch_add(1, Ordering::SeqCst);
            async move {
                if n == 0 {
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        [("retry-after", "1")],
                        "later",
                    )
                        .into_response()
                } else {
                    "ok".into_response()
                }
            }
        }),
    );
    let server = serve(router).await;
    let crawler = Crawler::new(test_config()).expect("crawler");
    let probe = crawler.probe(&server.url("/")).await;
    assert!(probe.ok, "{probe:?}");
    assert_eq!(probe.status, Some(200));
    let root_hits: Vec<_> = server
        .hits()
        .into_iter()
        .filter(|h| h.path == "/")
        .collect();
    assert_eq!(root_hits.len(), 2);
    let gap = root_hits[1].at - root_hits[0].at;
    assert!(
        gap >= Duration::from_millis(950),
        "waited {gap:?} (Retry-After: 1)"
    );
}

#[tokio::test]
async fn oversized_body_is_capped_while_streaming() {
    // No Content-Length: the cap must trip while reading, not from the header.
    let router = Router::new()
        .route(
            "/",
            get(|| async { axum::response::Html(r#"<a href="/big.html">big</a>"#) }),
        )
        .route(
            "/big.html",
            get(|| async {
                let chunk = bytes::Bytes::from(vec![b'a'; 64 * 1024]);
                let stream = futures::stream::iter(
                    (0..1024).map(move |_| Ok::<_, std::io::Error>(chunk.clone())),
                );
                Response::builder()
                    .header("content-type", "text/html")
                    .body(Body::from_stream(stream))
                    .expect("response")
            }),
        );
    let server = serve(router).await;
    let mut cfg = test_config();
    cfg.max_body_bytes = 256 * 1024;
    let crawler = Crawler::new(cfg).expect("crawler");
    let (obs, stats) = crawl_all(&crawler, website(server.url("/"))).await;
    let f = failures(&obs);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].kind, FailureKind::TooLarge);
    assert!(stats.bytes < 1024 * 1024, "no body kept beyond the cap");
    let fetched_bytes = crawler.progress().bytes.load(Ordering::Relaxed);
    assert!(
        fetched_bytes < 1024 * 1024,
        "stopped reading near the cap: {fetched_bytes}"
    );
}

#[tokio::test]
async fn conditional_get_gives_not_modified_on_second_crawl() {
    let router = Router::new().route(
        "/",
        get(|headers: HeaderMap| async move {
            if headers.get("if-none-match").is_some_and(|v| v == "\"v1\"") {
                StatusCode::NOT_MODIFIED.into_response()
            } else {
                (
                    [("etag", "\"v1\""), ("content-type", "text/html")],
                    "<title>首页</title>",
                )
                    .into_response()
            }
        }),
    );
    let server = serve(router).await;
    let crawler = Crawler::new(test_config()).expect("crawler");
    let (first, s1) = crawl_all(&crawler, website(server.url("/"))).await;
    let p1 = pages(&first)[0].clone();
    assert!(!p1.not_modified);
    assert_eq!(p1.title.as_deref(), Some("首页"));
    assert_eq!(s1.not_modified, 0);
    let mut source = website(server.url("/"));
    source.validators = HashMap::from([(server.url("/").to_string(), p1.validators.clone())]);
    assert_eq!(
        p1.validators,
        Validators {
            etag: Some("\"v1\"".into()),
            last_modified: None
        }
    );
    let (second, s2) = crawl_all(&crawler, source).await;
    let p2 = pages(&second)[0];
    assert!(p2.not_modified);
    assert_eq!(p2.status, 304);
    assert!(p2.body.is_empty() && p2.title.is_none());
    assert_eq!(s2.not_modified, 1);
}

#[tokio::test]
async fn per_host_politeness_caps_concurrency_and_spaces_starts() {
    let mut site = Site::new();
    let mut home = String::new();
    for i in 0..8 {
        home.push_str(&format!(r#"<a href="/p{i}.html">p{i}</a>"#));
        site = site.html(&format!("/p{i}.html"), "<p>x</p>");
    }
    let router = site
        .html("/", home)
        .router()
        .layer(axum::middleware::from_fn(
            |req: axum::extract::Request, next: axum::middleware::Next| async move {
                tokio::time::sleep(Duration::from_millis(60)).await;
                next.run(req).await
            },
        ));
    let server = serve(router).await;
    let mut cfg = test_config();
    cfg.per_host_concurrency = 2;
    cfg.per_host_delay = Duration::from_millis(100);
    let crawler = Crawler::new(cfg).expect("crawler");
    let (obs, _) = crawl_all(&crawler, website(server.url("/"))).await;
    assert_eq!(pages(&obs).len(), 9);
    assert!(server.max_in_flight.load(Ordering::SeqCst) <= 2);
    let mut starts: Vec<_> = server.hits().iter().map(|h| h.at).collect();
    starts.sort();
    for pair in starts.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(
            gap >= Duration::from_millis(90),
            "request starts {gap:?} apart, want ≥ 100 ms"
        );
    }
    let ua = server.hits()[0]
        .headers
        .get("user-agent")
        .cloned()
        .expect("UA sent");
    assert_eq!(
        ua,
        format!(
            "govwatch/{} (+https://govwatch.test/contact)",
            env!("CARGO_PKG_VERSION")
        )
        .as_str()
    );
}

#[tokio::test]
async fn crawl_delay_raises_the_interval() {
    let server = Site::new()
        .with("/robots.txt", 200, &[], "User-agent: *\nCrawl-delay: 1\n")
        .html("/", r#"<a href="/a.html">a</a>"#)
        .html("/a.html", "a")
        .serve()
        .await;
    let mut cfg = test_config();
    cfg.check_links = false;
    let crawler = Crawler::new(cfg).expect("crawler");
    let (obs, _) = crawl_all(&crawler, website(server.url("/"))).await;
    assert_eq!(pages(&obs).len(), 2);
    let hits = server.hits();
    let home = hits.iter().find(|h| h.path == "/").expect("home");
    let a = hits.iter().find(|h| h.path == "/a.html").expect("a");
    assert!(a.at - home.at >= Duration::from_millis(950));
}

#[tokio::test]
async fn source_without_url_is_a_config_failure() {
    let crawler = Crawler::new(test_config()).expect("crawler");
    let (obs, _) = crawl_all(&crawler, Source::default()).await;
    assert!(matches!(&obs[..], [Observation::Failure(f)] if f.kind == FailureKind::Config));
}

#[tokio::test]
async fn stalled_body_hits_the_idle_timeout() {
    let router = Router::new().route(
        "/",
        get(|| async {
            let first = futures::stream::iter([Ok::<_, std::io::Error>(
                bytes::Bytes::from_static(b"<html><body>"),
            )]);
            let stall = futures::stream::once(async {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                Ok(bytes::Bytes::from_static(b"never"))
            });
            Response::builder()
                .header("content-type", "text/html")
                .body(Body::from_stream(futures::StreamExt::chain(first, stall)))
                .expect("response")
        }),
    );
    let server = serve(router).await;
    let mut cfg = test_config();
    cfg.idle_timeout = Duration::from_millis(300);
    cfg.total_timeout = Duration::from_secs(30);
    cfg.max_retries = 0;
    let crawler = Crawler::new(cfg).expect("crawler");
    let started = std::time::Instant::now();
    let probe = crawler.probe(&server.url("/")).await;
    assert!(!probe.ok);
    assert!(
        probe.error.as_deref().is_some_and(|e| e.contains("超时")),
        "{probe:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "idle timeout, not total"
    );
}

#[tokio::test]
async fn too_many_redirects_and_gzip_and_head_fallback() {
    let mut site = Site::new();
    for i in 0..12 {
        site = site.with(
            &format!("/r{i}"),
            302,
            &[("location", &format!("/r{}", i + 1))],
            "",
        );
    }
    let gz = {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut e, "<title>压缩页面</title>".as_bytes()).expect("gzip");
        e.finish().expect("gzip")
    };
    let router = site
        .html(
            "/",
            r#"<a href="/r0">跳转</a><a href="/gz.html">gz</a><img src="/nohead.png">"#,
        )
        .with(
            "/gz.html",
            200,
            &[
                ("content-type", "text/html; charset=utf-8"),
                ("content-encoding", "gzip"),
            ],
            gz,
        )
        .router()
        .route(
            "/nohead.png",
            axum::routing::get(|| async { ([("content-type", "image/png")], vec![1u8; 8]) })
                .head(|| async { StatusCode::METHOD_NOT_ALLOWED }),
        );
    let server = serve(router).await;
    let mut cfg = test_config();
    cfg.max_redirects = 10;
    let crawler = Crawler::new(cfg).expect("crawler");
    let (obs, _) = crawl_all(&crawler, website(server.url("/"))).await;
    let f = failures(&obs);
    let too_many = f
        .iter()
        .find(|f| f.kind == FailureKind::TooManyRedirects)
        .expect("too many redirects reported");
    assert!(too_many.message.contains("重定向次数过多"));
    assert_eq!(server.count("/r11"), 0, "stopped at the limit");
    let gz_page = pages(&obs)
        .into_iter()
        .find(|p| p.url.path() == "/gz.html")
        .expect("gzip page");
    assert_eq!(gz_page.title.as_deref(), Some("压缩页面"), "gzip decoded");
    let nohead = link_checks(&obs)
        .into_iter()
        .find(|l| l.url.path() == "/nohead.png")
        .expect("checked");
    assert_eq!(
        nohead.result,
        LinkStatus::Ok { status: 200 },
        "GET after HEAD 405"
    );
    let methods: Vec<String> = server
        .hits()
        .iter()
        .filter(|h| h.path == "/nohead.png")
        .map(|h| h.method.clone())
        .collect();
    assert_eq!(methods, ["HEAD", "GET"]);
}
