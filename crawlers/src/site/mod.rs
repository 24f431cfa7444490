//! Website crawl: breadth-first from the home page (plus sitemap.xml), within scope, with
//! attachments downloaded and every distinct link target checked once.
//!
//! # Architecture
//!
//! One coordinator loop owns all crawl state (frontier, seen-set, [`links::LinkTable`]) and
//! spawns three kinds of tasks ([`tasks`]): pages, attachments and link checks. Tasks fetch
//! through the shared [`Fetcher`](crate::Fetcher), which applies per-host politeness, and
//! send their observations straight into the bounded channel, so a slow consumer slows the
//! crawl instead of filling memory. Bodies live only inside the observation that carries them.
//!
//! Memory grows with the site only through the frontier, the seen-set (64-bit hashes) and
//! the link table, and all three stop growing at `max_pages`: pages beyond it are never
//! parsed, so they contribute no new targets. Link-check reports are sent at the end,
//! when every referrer of every target is known.
//!
//! The home page is fetched first and alone: its navigation gives the columns (栏目), whose
//! list pages are then crawled first and always, whatever `max_pages` says.

pub(crate) mod links;
pub mod sitemap;
pub(crate) mod tasks;

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use tokio::task::JoinSet;
use url::Url;

use crate::CrawlError;
use crate::columns::in_scope;
use crate::fetch::{BodyLimit, FetchRequest, Method};
use crate::html::LinkKind;
use crate::observation::{LinkStatus, Observation};
use links::{LinkTable, url_key};
use tasks::{PageOutcome, Shared, attachment_task, check_task, page_task};

/// Sitemap files read per crawl (index files included).
const MAX_SITEMAP_FILES: usize = 20;

enum Done {
    Page(Box<PageOutcome>),
    Attachment(u64, Url, LinkStatus, bool),
    Check(u64, LinkStatus),
    Sitemaps(Vec<Url>),
}

/// What to do with a newly discovered link target.
enum Action {
    Crawl,
    Download,
    Check,
    Ignore,
}

fn same_origin(a: &Url, b: &Url) -> bool {
    a.host_str() == b.host_str() && a.port_or_known_default() == b.port_or_known_default()
}

struct Coordinator {
    shared: Arc<Shared>,
    seen: HashSet<u64>,
    frontier: VecDeque<(Box<str>, u32)>,
    links: LinkTable,
    columns: HashMap<u64, String>,
    check_queue: VecDeque<(u64, Url)>,
    attach_queue: VecDeque<(u64, Url)>,
    pages_enqueued: usize,
    home_done: bool,
    inflight_pages: usize,
    inflight_checks: usize,
    inflight_attachments: usize,
}

/// Crawls the website at `shared.base`.
pub(crate) async fn crawl_site(shared: Arc<Shared>) -> Result<(), CrawlError> {
    let mut c = Coordinator {
        shared: shared.clone(),
        seen: HashSet::new(),
        frontier: VecDeque::new(),
        links: LinkTable::default(),
        columns: HashMap::new(),
        check_queue: VecDeque::new(),
        attach_queue: VecDeque::new(),
        pages_enqueued: 1,
        home_done: false,
        inflight_pages: 1,
        inflight_checks: 0,
        inflight_attachments: 0,
    };
    let cfg = shared.config();
    let mut tasks: JoinSet<Done> = JoinSet::new();
    let home = shared.base.clone();
    let home_key = url_key(home.as_str());
    c.seen.insert(home_key);
    let s = shared.clone();
    tasks.spawn(
        async move { Done::Page(Box::new(page_task(s, home_key, home, 0, true, None).await)) },
    );
    if cfg.use_sitemaps {
        let s = shared.clone();
        tasks.spawn(async move { Done::Sitemaps(discover_sitemaps(&s).await) });
    }
    let page_cap = cfg.global_concurrency.max(1);
    let check_cap = cfg.global_concurrency.max(1) * 2;
    let attach_cap = (cfg.global_concurrency / 4).max(2);
    let mut final_checks_done = false;
    loop {
        if c.home_done {
            while c.inflight_pages < page_cap {
                let Some((raw, depth)) = c.frontier.pop_front() else {
                    break;
                };
                let Ok(url) = Url::parse(&raw) else { continue };
                let key = url_key(&raw);
                let column = c.columns.get(&key).cloned();
                let s = shared.clone();
                c.inflight_pages += 1;
                tasks.spawn(async move {
                    Done::Page(Box::new(page_task(s, key, url, depth, false, column).await))
                });
            }
        }
        while c.inflight_checks < check_cap {
            let Some((key, url)) = c.check_queue.pop_front() else {
                break;
            };
            let f = shared.fetcher.clone();
            c.inflight_checks += 1;
            tasks.spawn(async move {
                let (k, st) = check_task(f, key, url).await;
                Done::Check(k, st)
            });
        }
        while c.inflight_attachments < attach_cap {
            let Some((key, url)) = c.attach_queue.pop_front() else {
                break;
            };
            let referrers = c.links.referrer_urls(key);
            let s = shared.clone();
            c.inflight_attachments += 1;
            tasks.spawn(async move {
                let (k, u, st, open) = attachment_task(s, key, url, referrers).await;
                Done::Attachment(k, u, st, open)
            });
        }
        shared
            .fetcher
            .progress()
            .queued
            .store(c.frontier.len() as u64, Relaxed);
        if tasks.is_empty() {
            if !final_checks_done && cfg.check_links {
                final_checks_done = true;
                // Targets nobody fetched: in-scope pages beyond max_pages/max_depth.
                let external_ok = cfg.check_external_links;
                for (key, url) in c.links.unresolved() {
                    if external_ok || same_origin(&url, &shared.base) {
                        c.check_queue.push_back((key, url));
                    }
                }
                if !c.check_queue.is_empty() {
                    continue;
                }
            }
            break;
        }
        let Some(joined) = tasks.join_next().await else {
            break;
        };
        let done = joined.map_err(|e| CrawlError::Internal(format!("crawl task failed: {e}")))?;
        match done {
            Done::Page(outcome) => c.on_page(*outcome)?,
            Done::Attachment(key, url, status, open) => {
                c.inflight_attachments -= 1;
                if !open {
                    return Err(CrawlError::ChannelClosed);
                }
                c.links.set_status(key, &url, LinkKind::Attachment, status);
            }
            Done::Check(key, status) => {
                c.inflight_checks -= 1;
                if let Some(entry) = c.links.get_mut(key) {
                    entry.status = Some(status);
                }
            }
            Done::Sitemaps(urls) => c.on_sitemaps(urls),
        }
    }
    if cfg.check_links {
        for report in std::mem::take(&mut c.links).into_reports() {
            if !shared.emit(Observation::LinkCheck(report)).await {
                return Err(CrawlError::ChannelClosed);
            }
        }
    }
    Ok(())
}

impl Coordinator {
    fn try_enqueue_page(&mut self, key: u64, url: &Url, depth: u32) -> bool {
        let cfg = self.shared.config();
        if self.seen.contains(&key) {
            return true;
        }
        if depth > cfg.max_depth || self.pages_enqueued >= cfg.max_pages {
            return false;
        }
        self.seen.insert(key);
        self.pages_enqueued += 1;
        self.frontier.push_back((url.as_str().into(), depth));
        true
    }

    fn on_page(&mut self, o: PageOutcome) -> Result<(), CrawlError> {
        self.inflight_pages -= 1;
        if o.closed {
            return Err(CrawlError::ChannelClosed);
        }
        if o.is_home {
            self.home_done = true;
        }
        self.links
            .set_status(o.key, &o.url, LinkKind::Page, o.status.clone());
        let page_url = o.final_url.clone().unwrap_or_else(|| o.url.clone());
        if page_url != o.url {
            let final_key = url_key(page_url.as_str());
            self.seen.insert(final_key);
            self.links
                .set_status(final_key, &page_url, LinkKind::Page, o.status.clone());
        }
        // Columns go to the front of the frontier, exempt from max_pages.
        for col in o.columns.iter().rev() {
            let key = url_key(col.url.as_str());
            self.columns.insert(key, col.name.clone());
            if self.seen.insert(key) {
                self.frontier.push_front((col.url.as_str().into(), 1));
            }
        }
        if o.links.is_empty() {
            return Ok(());
        }
        let page_id = self.links.add_page(&page_url, o.is_home);
        let cfg = self.shared.config();
        let (max_refs, check_links, check_external, fetch_attachments) = (
            cfg.max_referrers_per_link,
            cfg.check_links,
            cfg.check_external_links,
            cfg.fetch_attachments,
        );
        let base = self.shared.base.clone();
        for (url, kind) in o.links {
            let key = url_key(url.as_str());
            let external = !same_origin(&url, &base);
            let (entry, _) = self
                .links
                .add_link(key, &url, kind, external, page_id, max_refs);
            if entry.status.is_some() || entry.pending {
                continue;
            }
            entry.pending = true;
            let action = match kind {
                LinkKind::Page | LinkKind::Frame if in_scope(&base, &url) => Action::Crawl,
                LinkKind::Attachment if !external && fetch_attachments => Action::Download,
                _ if !check_links || (external && !check_external) => Action::Ignore,
                _ => Action::Check,
            };
            match action {
                Action::Crawl => {
                    if !self.try_enqueue_page(key, &url, o.depth + 1) && check_links {
                        self.check_queue.push_back((key, url));
                    }
                }
                Action::Download => self.attach_queue.push_back((key, url)),
                Action::Check => self.check_queue.push_back((key, url)),
                Action::Ignore => {}
            }
        }
        Ok(())
    }

    fn on_sitemaps(&mut self, urls: Vec<Url>) {
        let base = self.shared.base.clone();
        for url in urls {
            if in_scope(&base, &url) {
                let key = url_key(url.as_str());
                if !self.try_enqueue_page(key, &url, 1) {
                    break;
                }
            }
        }
    }
}

/// Reads `/sitemap.xml` and the sitemaps robots.txt names; returns the page URLs listed.
async fn discover_sitemaps(shared: &Shared) -> Vec<Url> {
    let cfg = shared.config();
    let base = &shared.base;
    let mut queue: Vec<Url> = Vec::new();
    if let Ok(u) = base.join("/sitemap.xml") {
        queue.push(u);
    }
    if let Ok(rules) = shared.fetcher.robots_rules(base).await {
        queue.extend(rules.sitemaps.iter().filter_map(|s| Url::parse(s).ok()));
    }
    let mut visited = HashSet::new();
    let mut pages = Vec::new();
    let max_urls = cfg.max_pages.saturating_mul(2);
    while let Some(sitemap) = queue.pop() {
        if visited.len() >= MAX_SITEMAP_FILES || !visited.insert(sitemap.clone()) {
            continue;
        }
        if !same_origin(&sitemap, base) {
            continue;
        }
        let resp = shared
            .fetcher
            .fetch(FetchRequest {
                url: &sitemap,
                method: Method::Get,
                validators: None,
                body: BodyLimit::Capped {
                    page: cfg.max_body_bytes,
                    attachment: cfg.max_body_bytes,
                },
            })
            .await;
        match resp {
            Ok(r) if r.is_success() && !r.body.starts_with(&[0x1f, 0x8b]) => {
                let entries = sitemap::parse_sitemap(&r.body, max_urls.saturating_sub(pages.len()));
                pages.extend(entries.pages);
                queue.extend(entries.sitemaps);
            }
            Ok(r) => tracing::debug!(%sitemap, status = r.status, "no usable sitemap"),
            Err(e) => tracing::debug!(%sitemap, error = %e, "sitemap not fetched"),
        }
        if pages.len() >= max_urls {
            break;
        }
    }
    pages
}
