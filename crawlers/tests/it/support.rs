//! Loopback fixture servers (axum on 127.0.0.1:0) and crawl helpers.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use govwatch_crawlers::{CrawlConfig, CrawlStats, Crawler, Observation, Source};
use tokio::sync::mpsc;
use url::Url;

/// One request the fixture server received.
#[derive(Debug, Clone)]
pub struct Hit {
    pub method: String,
    pub path: String,
    pub headers: HeaderMap,
    pub at: Instant,
}

/// A running fixture server.
pub struct Server {
    pub addr: SocketAddr,
    hits: Arc<Mutex<Vec<Hit>>>,
    /// Highest number of requests in flight at once.
    pub max_in_flight: Arc<AtomicUsize>,
}

impl Server {
    pub fn url(&self, path: &str) -> Url {
        Url::parse(&format!("http://{}{}", self.addr, path)).expect("fixture url")
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.hits.lock().expect("hits lock").clone()
    }

    /// Requests for `path` (path and query), any method.
    pub fn count(&self, path: &str) -> usize {
        self.hits().iter().filter(|h| h.path == path).count()
    }
}

/// Serves `router` on a fresh loopback port, recording every request.
pub async fn serve(router: Router) -> Server {
    let hits: Arc<Mutex<Vec<Hit>>> = Arc::default();
    let in_flight = Arc::new(AtomicUsize::new(0));
    let max_in_flight = Arc::new(AtomicUsize::new(0));
    let (h, f, m) = (hits.clone(), in_flight.clone(), max_in_flight.clone());
    let router = router.layer(middleware::from_fn(move |req: Request, next: Next| {
        let (h, f, m) = (h.clone(), f.clone(), m.clone());
        async move {
            let path = req
                .uri()
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_default();
            h.lock().expect("hits lock").push(Hit {
                method: req.method().to_string(),
                path,
                headers: req.headers().clone(),
                at: Instant::now(),
            });
            let now = f.fetch_add(1, Ordering::SeqCst) + 1;
            m.fetch_max(now, Ordering::SeqCst);
            let resp = next.run(req).await;
            f.fetch_sub(1, Ordering::SeqCst);
            resp
        }
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Server {
        addr,
        hits,
        max_in_flight,
    }
}

/// A canned response.
#[derive(Clone)]
pub struct Canned {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// A static site: path (with query) → canned response; anything else is 404.
#[derive(Clone, Default)]
pub struct Site {
    routes: HashMap<String, Canned>,
}

impl Site {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn html(self, path: &str, body: impl Into<Vec<u8>>) -> Self {
        self.with(
            path,
            200,
            &[("content-type", "text/html; charset=utf-8")],
            body,
        )
    }

    pub fn with(
        mut self,
        path: &str,
        status: u16,
        headers: &[(&str, &str)],
        body: impl Into<Vec<u8>>,
    ) -> Self {
        self.routes.insert(
            path.to_string(),
            Canned {
                status,
                headers: headers
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                body: body.into(),
            },
        );
        self
    }

    pub fn router(self) -> Router {
        let routes = Arc::new(self.routes);
        Router::new().fallback(move |req: Request| {
            let routes = routes.clone();
            async move {
                let key = req
                    .uri()
                    .path_and_query()
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_default();
                let host = req
                    .headers()
                    .get("host")
                    .and_then(|h| h.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                match routes.get(&key) {
                    Some(c) if c.body.windows(6).any(|w| w == b"{base}") => {
                        let body = String::from_utf8_lossy(&c.body)
                            .replace("{base}", &format!("http://{host}"));
                        canned(&Canned {
                            body: body.into_bytes(),
                            ..c.clone()
                        })
                    }
                    Some(c) => canned(c),
                    None => Response::builder()
                        .status(404)
                        .body(Body::from("not found"))
                        .expect("response"),
                }
            }
        })
    }

    pub async fn serve(self) -> Server {
        serve(self.router()).await
    }
}

pub fn canned(c: &Canned) -> Response {
    let mut resp = Response::new(Body::from(c.body.clone()));
    *resp.status_mut() = StatusCode::from_u16(c.status).expect("status");
    for (k, v) in &c.headers {
        resp.headers_mut().insert(
            HeaderName::from_bytes(k.as_bytes()).expect("header name"),
            HeaderValue::from_str(v).expect("header value"),
        );
    }
    resp
}

/// Config for loopback tests: private addresses allowed, no politeness delay, short timeouts.
pub fn test_config() -> CrawlConfig {
    CrawlConfig {
        allow_private_addresses: true,
        per_host_delay: Duration::ZERO,
        per_host_concurrency: 4,
        connect_timeout: Duration::from_secs(2),
        total_timeout: Duration::from_secs(5),
        idle_timeout: Duration::from_secs(3),
        retry_base_delay: Duration::from_millis(20),
        contact_url: "https://govwatch.test/contact".into(),
        ..CrawlConfig::default()
    }
}

/// Runs a crawl to the end, collecting every observation.
pub async fn crawl_all(crawler: &Crawler, source: Source) -> (Vec<Observation>, CrawlStats) {
    let (tx, mut rx) = mpsc::channel(8);
    let collector = tokio::spawn(async move {
        let mut out = Vec::new();
        while let Some(o) = rx.recv().await {
            out.push(o);
        }
        out
    });
    let stats = crawler.crawl(source, tx).await.expect("crawl completes");
    let obs = collector.await.expect("collector");
    (obs, stats)
}

pub fn website(url: Url) -> Source {
    Source {
        url: Some(url),
        ..Source::default()
    }
}

/// Pages in the observations.
pub fn pages(obs: &[Observation]) -> Vec<&govwatch_crawlers::Page> {
    obs.iter()
        .filter_map(|o| match o {
            Observation::Page(p) => Some(p),
            _ => None,
        })
        .collect()
}

pub fn failures(obs: &[Observation]) -> Vec<&govwatch_crawlers::Failure> {
    obs.iter()
        .filter_map(|o| match o {
            Observation::Failure(f) => Some(f),
            _ => None,
        })
        .collect()
}

pub fn link_checks(obs: &[Observation]) -> Vec<&govwatch_crawlers::LinkCheck> {
    obs.iter()
        .filter_map(|o| match o {
            Observation::LinkCheck(l) => Some(l),
            _ => None,
        })
        .collect()
}

pub fn attachments(obs: &[Observation]) -> Vec<&govwatch_crawlers::Attachment> {
    obs.iter()
        .filter_map(|o| match o {
            Observation::Attachment(a) => Some(a),
            _ => None,
        })
        .collect()
}

/// GBK bytes of `s` (byte-exact, as a GBK server would send).
pub fn gbk(s: &str) -> Vec<u8> {
    let (bytes, _, had_errors) = encoding_rs::GBK.encode(s);
    assert!(!had_errors, "GBK can encode {s}");
    bytes.into_owned()
}

/// A port on which nothing listens.
pub async fn dead_port() -> u16 {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = l.local_addr().expect("addr").port();
    drop(l);
    port
}
