//! The HTTP client every crawl goes through: robots.txt, politeness, SSRF guard, timeouts,
//! retries, manual redirects and capped body reads.
//!
//! One [`Fetcher`] is meant to live for the whole process behind an `Arc`: its per-host
//! limits and robots cache are then shared by every crawl, so crawling several accounts on
//! the same host never multiplies the load on it.

mod politeness;
mod retry;
pub mod ssrf;
mod types;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::BytesMut;
use reqwest::header::{self, HeaderMap, HeaderValue};
use tokio::sync::Semaphore;
use url::Url;

use crate::config::CrawlConfig;
use crate::observation::Validators;
use crate::robots::{RobotsCache, RobotsFetch, RobotsRules, robots_url};
pub use retry::parse_retry_after;
pub use types::{
    BodyLimit, FetchError, FetchRequest, FetchResponse, Method, ProbeResult, Progress,
};

use politeness::{HostLimits, host_key};
use ssrf::{GuardedResolver, find_forbidden, is_forbidden_ip};

/// robots.txt bodies are read up to this size (RFC 9309 asks for at least 500 KiB).
const ROBOTS_MAX_BYTES: u64 = 512 * 1024;

/// The shared HTTP client.
pub struct Fetcher {
    client: reqwest::Client,
    config: Arc<CrawlConfig>,
    hosts: HostLimits,
    robots: RobotsCache,
    global: Semaphore,
    progress: Arc<Progress>,
}

impl std::fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetcher").finish_non_exhaustive()
    }
}

impl Fetcher {
    /// Builds the client. Fails only if reqwest cannot initialise TLS.
    pub fn new(config: Arc<CrawlConfig>) -> Result<Self, FetchError> {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_static(
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            ),
        );
        headers.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("zh-CN,zh;q=0.9,en;q=0.5"),
        );
        let client = reqwest::Client::builder()
            .user_agent(config.effective_user_agent())
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.connect_timeout)
            .read_timeout(config.idle_timeout)
            .dns_resolver(GuardedResolver {
                allow_private: config.allow_private_addresses,
            })
            .no_proxy()
            .tcp_nodelay(true)
            .build()
            .map_err(|e| FetchError::Other(format!("cannot build HTTP client: {e}")))?;
        Ok(Self {
            client,
            hosts: HostLimits::new(config.per_host_concurrency),
            robots: RobotsCache::new(),
            global: Semaphore::new(config.global_concurrency.max(1)),
            progress: Arc::new(Progress::default()),
            config,
        })
    }

    /// The configuration this fetcher was built with.
    pub fn config(&self) -> &CrawlConfig {
        &self.config
    }

    /// Live counters.
    pub fn progress(&self) -> Arc<Progress> {
        self.progress.clone()
    }

    /// Fetches `req.url`, obeying robots.txt on every hop.
    pub async fn fetch(&self, req: FetchRequest<'_>) -> Result<FetchResponse, FetchError> {
        self.fetch_inner(req, true).await
    }

    /// Fetches without consulting robots.txt: only for infrastructure we operate ourselves
    /// (the configured RSSHub instance), never for sites under oversight.
    pub(crate) async fn fetch_trusted(
        &self,
        req: FetchRequest<'_>,
    ) -> Result<FetchResponse, FetchError> {
        self.fetch_inner(req, false).await
    }

    /// The robots rules for `url`'s origin (cached).
    pub async fn robots_rules(&self, url: &Url) -> Result<Arc<RobotsRules>, FetchError> {
        let (origin, robots) =
            robots_url(url).ok_or_else(|| FetchError::InvalidUrl(url.to_string()))?;
        self.check_literal_address(url)?;
        let rules = self
            .robots
            .get(
                &origin,
                &self.config.robots_agent,
                self.config.robots_ttl,
                self.config.robots_error_ttl,
                || async {
                    match self.fetch_robots_file(&robots).await {
                        Ok(resp) => RobotsFetch::Response {
                            status: resp.status,
                            body: resp.body,
                        },
                        Err(e) => RobotsFetch::Unreachable(e),
                    }
                },
            )
            .await;
        Ok(rules)
    }

    /// Boxed so the robots lookup inside `fetch_inner` can call back into it.
    fn fetch_robots_file<'a>(
        &'a self,
        robots: &'a Url,
    ) -> Pin<Box<dyn Future<Output = Result<FetchResponse, FetchError>> + Send + 'a>> {
        Box::pin(async move {
            let req = FetchRequest {
                url: robots,
                method: Method::Get,
                validators: None,
                body: BodyLimit::Truncate(ROBOTS_MAX_BYTES),
            };
            self.fetch_inner(req, false).await
        })
    }

    fn check_literal_address(&self, url: &Url) -> Result<(), FetchError> {
        if self.config.allow_private_addresses {
            return Ok(());
        }
        let ip = match url.host() {
            Some(url::Host::Ipv4(ip)) => std::net::IpAddr::V4(ip),
            Some(url::Host::Ipv6(ip)) => std::net::IpAddr::V6(ip),
            Some(url::Host::Domain(d)) if d.eq_ignore_ascii_case("localhost") => {
                return Err(FetchError::Ssrf(url.to_string()));
            }
            _ => return Ok(()),
        };
        if is_forbidden_ip(ip) {
            return Err(FetchError::Ssrf(format!("{url} ({ip})")));
        }
        Ok(())
    }

    async fn fetch_inner(
        &self,
        req: FetchRequest<'_>,
        obey_robots: bool,
    ) -> Result<FetchResponse, FetchError> {
        let started = Instant::now();
        let mut url = req.url.clone();
        let mut chain: Vec<Url> = Vec::new();
        let mut method = req.method;
        loop {
            if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
                return Err(FetchError::InvalidUrl(url.to_string()));
            }
            self.check_literal_address(&url)?;
            let mut min_interval = self.config.per_host_delay;
            if obey_robots {
                let rules = self.robots_rules(&url).await?;
                rules.check(&url)?;
                if let Some(delay) = rules.crawl_delay {
                    min_interval = min_interval.max(delay);
                }
            }
            let validators = if chain.is_empty() {
                req.validators
            } else {
                None
            };
            let mut resp = self
                .send_with_retries(&url, method, validators, req.body, min_interval)
                .await?;
            let location = (300..400)
                .contains(&resp.status)
                .then(|| {
                    resp.header("location")
                        .and_then(|l| url.join(l.trim()).ok())
                })
                .flatten();
            let Some(mut next) = location else {
                resp.url = req.url.clone();
                resp.final_url = url;
                resp.redirects = chain;
                resp.elapsed = started.elapsed();
                return Ok(resp);
            };
            next.set_fragment(None);
            chain.push(url);
            if chain.contains(&next) {
                chain.push(next);
                return Err(FetchError::RedirectLoop { chain });
            }
            if chain.len() > self.config.max_redirects as usize {
                chain.push(next);
                return Err(FetchError::TooManyRedirects { chain });
            }
            if resp.status == 303 {
                method = Method::Get;
            }
            url = next;
        }
    }

    async fn send_with_retries(
        &self,
        url: &Url,
        method: Method,
        validators: Option<&Validators>,
        body: BodyLimit,
        min_interval: Duration,
    ) -> Result<FetchResponse, FetchError> {
        let key = host_key(url);
        let mut attempt = 0u32;
        loop {
            let result = {
                let _host = self.hosts.acquire(&key, min_interval).await;
                // Never closed, so acquire cannot fail; the error arm is unreachable.
                let _global = self.global.acquire().await;
                self.progress
                    .requests
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                match tokio::time::timeout(
                    self.config.total_timeout,
                    self.send_once(url, method, validators, body),
                )
                .await
                {
                    Ok(r) => r,
                    Err(_) => Err(FetchError::Timeout(format!(
                        "{} ms total",
                        self.config.total_timeout.as_millis()
                    ))),
                }
            };
            if attempt >= self.config.max_retries {
                return result;
            }
            let wait = match &result {
                Ok(resp) if retry::retryable_status(resp.status) => {
                    match resp
                        .header("retry-after")
                        .and_then(|v| parse_retry_after(v, SystemTime::now()))
                    {
                        Some(w) if w > self.config.max_retry_after => return result,
                        Some(w) => w,
                        None => retry::backoff(self.config.retry_base_delay, attempt),
                    }
                }
                Err(e) if e.retryable() => retry::backoff(self.config.retry_base_delay, attempt),
                _ => return result,
            };
            tracing::debug!(%url, attempt, ?wait, "retrying");
            self.hosts.defer(&key, tokio::time::Instant::now() + wait);
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    async fn send_once(
        &self,
        url: &Url,
        method: Method,
        validators: Option<&Validators>,
        limit: BodyLimit,
    ) -> Result<FetchResponse, FetchError> {
        let started = Instant::now();
        let mut builder = match method {
            Method::Get => self.client.get(url.clone()),
            Method::Head => self.client.head(url.clone()),
        };
        if let Some(v) = validators {
            if let Some(etag) = &v.etag {
                builder = builder.header(header::IF_NONE_MATCH, etag);
            }
            if let Some(lm) = &v.last_modified {
                builder = builder.header(header::IF_MODIFIED_SINCE, lm);
            }
        }
        let mut resp = builder.send().await.map_err(classify)?;
        let status = resp.status().as_u16();
        let headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let fetched_at = chrono::Utc::now();
        let no_body = method == Method::Head
            || status == 304
            || (300..400).contains(&status)
            || limit == BodyLimit::Discard;
        let (cap, hard) = match limit {
            BodyLimit::Capped { page, attachment } => {
                let ct = resp
                    .headers()
                    .get(header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok());
                let is_doc = ct.is_some_and(crate::extract::is_document_content_type);
                (if is_doc { attachment } else { page }, true)
            }
            BodyLimit::Truncate(n) => (n, false),
            BodyLimit::Discard => (0, false),
        };
        let mut body = BytesMut::new();
        let mut truncated = false;
        if !no_body {
            if hard && resp.content_length().is_some_and(|n| n > cap) {
                return Err(FetchError::TooLarge { limit: cap });
            }
            loop {
                let chunk = tokio::time::timeout(self.config.idle_timeout, resp.chunk())
                    .await
                    .map_err(|_| {
                        FetchError::Timeout(format!(
                            "no data for {} ms",
                            self.config.idle_timeout.as_millis()
                        ))
                    })?
                    .map_err(classify)?;
                let Some(chunk) = chunk else { break };
                self.progress
                    .bytes
                    .fetch_add(chunk.len() as u64, std::sync::atomic::Ordering::Relaxed);
                let room = cap.saturating_sub(body.len() as u64) as usize;
                if chunk.len() > room {
                    if hard {
                        return Err(FetchError::TooLarge { limit: cap });
                    }
                    body.extend_from_slice(&chunk[..room]);
                    truncated = true;
                    break;
                }
                body.extend_from_slice(&chunk);
            }
        }
        Ok(FetchResponse {
            url: url.clone(),
            final_url: url.clone(),
            status,
            headers,
            body: body.freeze(),
            redirects: Vec::new(),
            elapsed: started.elapsed(),
            truncated,
            fetched_at,
        })
    }

    /// Availability probe: GET the URL (following redirects, obeying robots.txt and the
    /// timeouts); 2xx at the end of the chain is "ok".
    pub async fn probe(&self, url: &Url) -> ProbeResult {
        let started = Instant::now();
        let req = FetchRequest {
            url,
            method: Method::Get,
            validators: None,
            body: BodyLimit::Truncate(self.config.max_body_bytes),
        };
        let result = self.fetch(req).await;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        match result {
            Ok(resp) => ProbeResult {
                url: url.clone(),
                ok: resp.is_success(),
                status: Some(resp.status),
                elapsed_ms,
                error: (!resp.is_success()).then(|| format!("HTTP {}", resp.status)),
            },
            Err(e) => ProbeResult {
                url: url.clone(),
                ok: false,
                status: None,
                elapsed_ms,
                error: Some(e.to_string()),
            },
        }
    }
}

/// Maps a reqwest error to our classification, finding the SSRF guard's error if present.
fn classify(e: reqwest::Error) -> FetchError {
    if let Some(f) = find_forbidden(&e) {
        return FetchError::Ssrf(f.to_string());
    }
    let detail = error_chain(&e);
    if e.is_timeout() {
        FetchError::Timeout(detail)
    } else if e.is_connect() || e.is_request() || e.is_body() || e.is_decode() {
        FetchError::Connect(detail)
    } else {
        FetchError::Other(detail)
    }
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = s.source();
    }
    parts.join(": ")
}
