//! robots.txt (RFC 9309), cached per origin.
//!
//! Parsing is texting_robots' (tested against Google's suite); this module owns the policy:
//! a 2xx file is obeyed, a 4xx means "no rules" (allow all), and a 5xx or an unreachable
//! server means "keep out for now" (disallow all, asked again after a shorter TTL). One
//! origin's file is fetched once even when many tasks ask at the same moment: each origin
//! has its own async mutex around its cache slot.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use texting_robots::Robot;
use tokio::time::Instant;
use url::Url;

use crate::fetch::FetchError;

/// The rules that apply to one origin.
pub struct RobotsRules {
    policy: Policy,
    /// `Crawl-delay` for our agent, if any.
    pub crawl_delay: Option<Duration>,
    /// `Sitemap:` lines.
    pub sitemaps: Vec<String>,
}

enum Policy {
    AllowAll,
    DisallowAll {
        reason: String,
    },
    /// robots.txt could not be fetched at all: the host is down as far as we can tell.
    Unreachable(FetchError),
    Rules(Box<Robot>),
}

impl std::fmt::Debug for RobotsRules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let policy = match &self.policy {
            Policy::AllowAll => "allow-all".to_string(),
            Policy::DisallowAll { reason } => format!("disallow-all ({reason})"),
            Policy::Unreachable(e) => format!("unreachable ({e})"),
            Policy::Rules(_) => "rules".to_string(),
        };
        f.debug_struct("RobotsRules")
            .field("policy", &policy)
            .field("crawl_delay", &self.crawl_delay)
            .finish()
    }
}

impl RobotsRules {
    /// No robots.txt (4xx): everything allowed.
    pub fn allow_all() -> Self {
        Self {
            policy: Policy::AllowAll,
            crawl_delay: None,
            sitemaps: Vec::new(),
        }
    }

    /// robots.txt unavailable (5xx or unreachable): nothing allowed for now.
    pub fn disallow_all(reason: impl Into<String>) -> Self {
        Self {
            policy: Policy::DisallowAll {
                reason: reason.into(),
            },
            crawl_delay: None,
            sitemaps: Vec::new(),
        }
    }

    /// Parses a robots.txt body for `agent`. An unparseable file imposes no rules.
    pub fn parse(agent: &str, body: &[u8]) -> Self {
        match Robot::new(agent, body) {
            Ok(robot) => Self {
                crawl_delay: robot
                    .delay
                    .filter(|d| d.is_finite() && *d > 0.0)
                    .map(|d| Duration::from_secs_f32(d.min(3600.0))),
                sitemaps: robot.sitemaps.clone(),
                policy: Policy::Rules(Box::new(robot)),
            },
            Err(e) => {
                tracing::debug!(error = %e, "unparseable robots.txt, treating as allow-all");
                Self::allow_all()
            }
        }
    }

    /// Whether `url` may be fetched.
    ///
    /// An unreachable robots.txt disallows everything (RFC 9309 §2.3.1.4) and the error is
    /// the network error itself: the URL was not requested, and the honest reason is that
    /// the host could not be reached, not a robots rule.
    pub fn check(&self, url: &Url) -> Result<(), FetchError> {
        let denied = |reason: String| FetchError::RobotsDisallowed {
            url: url.clone(),
            reason,
        };
        match &self.policy {
            Policy::AllowAll => Ok(()),
            Policy::DisallowAll { reason } => Err(denied(reason.clone())),
            Policy::Unreachable(e) => Err(e.clone()),
            Policy::Rules(robot) => {
                if robot.allowed(url.as_str()) {
                    Ok(())
                } else {
                    Err(denied(
                        "robots.txt 禁止抓取 / disallowed by robots.txt".into(),
                    ))
                }
            }
        }
    }
}

struct Cached {
    rules: Arc<RobotsRules>,
    expires: Instant,
}

type Slot = Arc<tokio::sync::Mutex<Option<Cached>>>;

/// Per-origin cache of robots rules.
pub(crate) struct RobotsCache {
    slots: Mutex<HashMap<String, Slot>>,
}

/// How a robots.txt fetch ended, as far as the policy cares.
pub(crate) enum RobotsFetch {
    /// A response with this status and body.
    Response { status: u16, body: bytes::Bytes },
    /// No response (connection failure, timeout).
    Unreachable(FetchError),
}

/// The origin key (`scheme://host:port`) and robots.txt URL of `url`.
pub(crate) fn robots_url(url: &Url) -> Option<(String, Url)> {
    let host = url.host_str()?;
    let port = url.port_or_known_default()?;
    let origin = format!("{}://{}:{}", url.scheme(), host, port);
    let robots = Url::parse(&format!("{origin}/robots.txt")).ok()?;
    Some((origin, robots))
}

impl RobotsCache {
    pub(crate) fn new() -> Self {
        Self {
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// The cached rules for `origin`, fetching with `fetch` when missing or expired.
    pub(crate) async fn get<F, Fut>(
        &self,
        origin: &str,
        agent: &str,
        ttl: Duration,
        error_ttl: Duration,
        fetch: F,
    ) -> Arc<RobotsRules>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = RobotsFetch>,
    {
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
            slots.entry(origin.to_string()).or_default().clone()
        };
        let mut guard = slot.lock().await;
        if let Some(cached) = guard.as_ref()
            && cached.expires > Instant::now()
        {
            return cached.rules.clone();
        }
        let (rules, ttl) = match fetch().await {
            RobotsFetch::Response { status, body } if (200..300).contains(&status) => {
                (RobotsRules::parse(agent, &body), ttl)
            }
            RobotsFetch::Response { status, .. } if (400..500).contains(&status) => {
                (RobotsRules::allow_all(), ttl)
            }
            RobotsFetch::Response { status, .. } => (
                RobotsRules::disallow_all(format!(
                    "robots.txt 返回 {status}，暂不抓取 / robots.txt answered {status}, host closed for now"
                )),
                error_ttl,
            ),
            RobotsFetch::Unreachable(e) => (
                RobotsRules {
                    policy: Policy::Unreachable(e),
                    crawl_delay: None,
                    sitemaps: Vec::new(),
                },
                error_ttl,
            ),
        };
        let rules = Arc::new(rules);
        *guard = Some(Cached {
            rules: rules.clone(),
            expires: Instant::now() + ttl,
        });
        rules
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_and_delay() {
        let r = RobotsRules::parse(
            "govwatch",
            b"User-agent: *\nDisallow: /private/\nCrawl-delay: 2\nSitemap: http://x/s.xml\n",
        );
        let u = |s: &str| Url::parse(s).expect("url");
        assert!(r.check(&u("http://x.gov.cn/public/a.html")).is_ok());
        assert!(r.check(&u("http://x.gov.cn/private/a.html")).is_err());
        assert_eq!(r.crawl_delay, Some(Duration::from_secs(2)));
        assert_eq!(r.sitemaps, ["http://x/s.xml"]);
        assert!(
            RobotsRules::disallow_all("x")
                .check(&u("http://x/"))
                .is_err()
        );
    }
}
