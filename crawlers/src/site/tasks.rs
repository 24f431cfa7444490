//! The units of work of a site crawl, each run as its own tokio task: fetch and parse a page,
//! download and extract an attachment, check a link. Each sends its observations itself
//! (so back-pressure from the channel slows exactly the work that produces) and returns
//! only what the coordinator needs to go on: status and discovered links.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use chrono::NaiveDate;
use tokio::sync::mpsc::Sender;
use url::Url;

use crate::columns::Column;
use crate::config::CrawlConfig;
use crate::decode::{decode_html, tld_of};
use crate::extract::{AttachmentKind, extract_bytes_async, is_document_content_type};
use crate::fetch::{BodyLimit, FetchError, FetchRequest, FetchResponse, Fetcher, Method};
use crate::html::{HtmlDocument, LinkKind, ParsedHtml};
use crate::observation::{
    Attachment, ColumnReport, Failure, FailureKind, FailureScope, LinkStatus, Observation, Page,
    Validators,
};

/// Bodies above this are parsed on the blocking pool instead of a runtime worker.
const INLINE_PARSE_BYTES: usize = 512 * 1024;

/// Atomic totals of one crawl.
#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) pages: AtomicU64,
    pub(crate) attachments: AtomicU64,
    pub(crate) links_checked: AtomicU64,
    pub(crate) broken_links: AtomicU64,
    pub(crate) failures: AtomicU64,
    pub(crate) bytes: AtomicU64,
    pub(crate) not_modified: AtomicU64,
    pub(crate) posts: AtomicU64,
}

/// State shared by the tasks of one crawl.
pub(crate) struct Shared {
    pub(crate) fetcher: Arc<Fetcher>,
    pub(crate) tx: Sender<Observation>,
    pub(crate) counters: Counters,
    pub(crate) today: NaiveDate,
    pub(crate) validators: HashMap<String, Validators>,
    /// Crawl scope (the site base URL); also the home page.
    pub(crate) base: Url,
}

impl Shared {
    pub(crate) fn config(&self) -> &CrawlConfig {
        self.fetcher.config()
    }

    /// Counts and sends an observation; false when the receiver is gone.
    pub(crate) async fn emit(&self, obs: Observation) -> bool {
        let c = &self.counters;
        let progress = self.fetcher.progress();
        match &obs {
            Observation::Page(p) => {
                c.pages.fetch_add(1, Relaxed);
                progress.pages.fetch_add(1, Relaxed);
                c.bytes.fetch_add(p.body.len() as u64, Relaxed);
                if p.not_modified {
                    c.not_modified.fetch_add(1, Relaxed);
                }
            }
            Observation::Attachment(a) => {
                c.attachments.fetch_add(1, Relaxed);
                c.bytes.fetch_add(a.body.len() as u64, Relaxed);
            }
            Observation::FeedSummary(f) => {
                c.bytes.fetch_add(f.body.len() as u64, Relaxed);
                if f.not_modified {
                    c.not_modified.fetch_add(1, Relaxed);
                }
            }
            Observation::Failure(_) => {
                c.failures.fetch_add(1, Relaxed);
            }
            Observation::LinkCheck(l) => {
                c.links_checked.fetch_add(1, Relaxed);
                progress.links_checked.fetch_add(1, Relaxed);
                if l.result.is_broken() {
                    c.broken_links.fetch_add(1, Relaxed);
                }
            }
            Observation::Post(_) => {
                c.posts.fetch_add(1, Relaxed);
            }
            Observation::Column(_) => {}
        }
        self.tx.send(obs).await.is_ok()
    }

    pub(crate) async fn fail(
        &self,
        url: &Url,
        scope: FailureScope,
        kind: FailureKind,
        message: String,
    ) -> bool {
        self.emit(Observation::Failure(Failure {
            url: Some(url.clone()),
            scope,
            kind,
            message,
        }))
        .await
    }
}

/// What a page task reports back.
pub(crate) struct PageOutcome {
    pub(crate) key: u64,
    pub(crate) url: Url,
    pub(crate) depth: u32,
    pub(crate) is_home: bool,
    pub(crate) status: LinkStatus,
    pub(crate) final_url: Option<Url>,
    /// Parsed links (empty unless the page was parsed).
    pub(crate) links: Vec<(Url, LinkKind)>,
    /// Columns detected (home page only).
    pub(crate) columns: Vec<Column>,
    /// The receiver hung up.
    pub(crate) closed: bool,
}

/// The link status a fetch result amounts to.
pub(crate) fn link_status(result: &Result<FetchResponse, FetchError>) -> LinkStatus {
    match result {
        Ok(r) if r.is_success() || r.status == 304 => LinkStatus::Ok { status: r.status },
        Ok(r) => LinkStatus::Broken {
            status: Some(r.status),
            reason: format!("HTTP {}", r.status),
        },
        Err(FetchError::RobotsDisallowed { reason, .. }) => LinkStatus::Skipped {
            reason: reason.clone(),
        },
        Err(e) => LinkStatus::Broken {
            status: None,
            reason: e.to_string(),
        },
    }
}

fn fetch_failure_scope(err: &FetchError, is_home: bool) -> FailureScope {
    match err {
        FetchError::RobotsDisallowed { .. } => FailureScope::Robots,
        _ if is_home => FailureScope::Source,
        _ => FailureScope::Page,
    }
}

/// Everything parsing yields, computed off the async path.
struct Analysis {
    decoded_name: &'static str,
    declared: Option<String>,
    mismatch: bool,
    parsed: ParsedHtml,
    columns: Vec<Column>,
    list: Option<crate::columns::ListSummary>,
}

fn analyse(
    body: &[u8],
    content_type: Option<&str>,
    url: &Url,
    base: &Url,
    is_home: bool,
    is_column: bool,
    today: NaiveDate,
) -> Analysis {
    let decoded = decode_html(body, content_type, url.host_str().and_then(tld_of));
    let doc = HtmlDocument::parse(&decoded.text, url);
    let parsed = doc.extract();
    let columns = if is_home {
        doc.nav_columns(base)
    } else {
        Vec::new()
    };
    let list = is_column.then(|| doc.list_summary(today));
    Analysis {
        decoded_name: decoded.encoding_name,
        declared: decoded.declared,
        mismatch: decoded.mismatch,
        parsed,
        columns,
        list,
    }
}

fn is_html_like(content_type: Option<&str>) -> bool {
    match content_type {
        None => true,
        Some(ct) => {
            let ct = ct.to_ascii_lowercase();
            ct.contains("html") || ct.starts_with("text/") || ct.contains("xml")
        }
    }
}

/// Fetches and parses one page.
pub(crate) async fn page_task(
    shared: Arc<Shared>,
    key: u64,
    url: Url,
    depth: u32,
    is_home: bool,
    column: Option<String>,
) -> PageOutcome {
    let cfg = shared.config();
    let validators = shared
        .validators
        .get(url.as_str())
        .filter(|v| !v.is_empty());
    let req = FetchRequest {
        url: &url,
        method: Method::Get,
        validators,
        body: BodyLimit::Capped {
            page: cfg.max_body_bytes,
            attachment: cfg.max_attachment_bytes,
        },
    };
    let result = shared.fetcher.fetch(req).await;
    let status = link_status(&result);
    let mut out = PageOutcome {
        key,
        url: url.clone(),
        depth,
        is_home,
        status,
        final_url: None,
        links: Vec::new(),
        columns: Vec::new(),
        closed: false,
    };
    let resp = match result {
        Ok(resp) => resp,
        Err(e) => {
            let scope = fetch_failure_scope(&e, is_home);
            out.closed = !shared
                .fail(&url, scope, e.failure_kind(), e.to_string())
                .await;
            if let Some(name) = column {
                out.closed |= !emit_column(&shared, name, &url, 0, None, false).await;
            }
            return out;
        }
    };
    out.final_url = Some(resp.final_url.clone());
    if resp.status != 304 && !resp.is_success() {
        let scope = if is_home {
            FailureScope::Source
        } else {
            FailureScope::Page
        };
        let msg = format!("HTTP {} / 页面返回错误状态 {}", resp.status, resp.status);
        out.closed = !shared
            .fail(
                &url,
                scope,
                FailureKind::Http {
                    status: resp.status,
                },
                msg,
            )
            .await;
        if let Some(name) = column {
            out.closed |= !emit_column(&shared, name, &url, 0, None, false).await;
        }
        return out;
    }
    if resp.content_type().is_some_and(is_document_content_type) {
        // A "page" link that serves a document: treat it as the attachment it is.
        out.closed = !emit_attachment(&shared, resp, vec![]).await;
        return out;
    }
    let not_modified = resp.status == 304;
    let parse = !not_modified && is_html_like(resp.content_type());
    let analysis = if parse {
        let body = resp.body.clone();
        let ct = resp.content_type().map(str::to_string);
        let (page_url, base, today) = (resp.final_url.clone(), shared.base.clone(), shared.today);
        let is_column = column.is_some();
        let run = move || {
            analyse(
                &body,
                ct.as_deref(),
                &page_url,
                &base,
                is_home,
                is_column,
                today,
            )
        };
        if resp.body.len() <= INLINE_PARSE_BYTES {
            Some(run())
        } else {
            tokio::task::spawn_blocking(run).await.ok()
        }
    } else {
        None
    };
    let validators = resp.validators();
    let mut page = Page {
        url: url.clone(),
        final_url: resp.final_url,
        status: resp.status,
        fetched_at: resp.fetched_at,
        depth,
        is_home,
        content_type: resp
            .headers
            .iter()
            .find(|(k, _)| k == "content-type")
            .map(|(_, v)| v.clone()),
        headers: resp.headers,
        body: resp.body,
        encoding: None,
        declared_encoding: None,
        encoding_mismatch: false,
        title: None,
        text: String::new(),
        links: Vec::new(),
        validators,
        not_modified,
        elapsed: resp.elapsed,
    };
    let mut list = None;
    if let Some(a) = analysis {
        page.encoding = Some(a.decoded_name.to_string());
        page.declared_encoding = a.declared;
        page.encoding_mismatch = a.mismatch;
        page.title = a.parsed.title;
        page.text = a.parsed.text;
        out.links = a
            .parsed
            .links
            .iter()
            .map(|l| (l.url.clone(), l.kind))
            .collect();
        page.links = a.parsed.links;
        out.columns = a.columns;
        list = a.list;
    }
    let page_url = page.url.clone();
    out.closed = !shared.emit(Observation::Page(page)).await;
    if let Some(name) = column {
        let (count, newest) = list.map(|l| (l.item_count, l.newest)).unwrap_or((0, None));
        // A 304 list page was not re-read: its freshness is unknown this time, not zero.
        let ok = !not_modified;
        out.closed |= !emit_column(&shared, name, &page_url, count, newest, ok).await;
    }
    out
}

async fn emit_column(
    shared: &Shared,
    name: String,
    url: &Url,
    item_count: usize,
    newest_item_date: Option<NaiveDate>,
    fetched_ok: bool,
) -> bool {
    shared
        .emit(Observation::Column(ColumnReport {
            home_url: shared.base.clone(),
            name,
            url: url.clone(),
            item_count,
            newest_item_date,
            fetched_ok,
        }))
        .await
}

/// The last path segment of a URL, for naming attachments.
fn file_name(url: &Url) -> String {
    url.path_segments()
        .and_then(|mut s| s.next_back())
        .unwrap_or("")
        .to_string()
}

/// Extracts and sends a downloaded attachment; false when the receiver is gone.
async fn emit_attachment(shared: &Shared, resp: FetchResponse, referrers: Vec<Url>) -> bool {
    let name = file_name(&resp.final_url);
    let ct = resp.content_type().map(str::to_string);
    let kind = AttachmentKind::detect(&name, ct.as_deref());
    let limits = shared.config().extract_limits.clone();
    let extracted = extract_bytes_async(name, ct.clone(), resp.body.clone(), limits).await;
    let (result, truncated, skipped) = match extracted {
        Ok(x) => (Ok(x.segments), x.truncated, x.skipped),
        Err(e) => (Err(e), false, Vec::new()),
    };
    shared
        .emit(Observation::Attachment(Attachment {
            url: resp.url,
            referrers,
            status: resp.status,
            fetched_at: resp.fetched_at,
            content_type: ct,
            headers: resp.headers,
            body: resp.body,
            kind,
            result,
            truncated,
            skipped,
        }))
        .await
}

/// Downloads one attachment. Returns its link status and whether the receiver is still there.
pub(crate) async fn attachment_task(
    shared: Arc<Shared>,
    key: u64,
    url: Url,
    referrers: Vec<Url>,
) -> (u64, Url, LinkStatus, bool) {
    let cap = shared.config().max_attachment_bytes;
    let req = FetchRequest {
        url: &url,
        method: Method::Get,
        validators: shared
            .validators
            .get(url.as_str())
            .filter(|v| !v.is_empty()),
        body: BodyLimit::Capped {
            page: cap,
            attachment: cap,
        },
    };
    let result = shared.fetcher.fetch(req).await;
    let status = link_status(&result);
    let open = match result {
        Ok(resp) if resp.is_success() => emit_attachment(&shared, resp, referrers).await,
        Ok(resp) if resp.status == 304 => true,
        Ok(resp) => {
            let msg = format!(
                "附件返回 HTTP {} / attachment answered HTTP {}",
                resp.status, resp.status
            );
            shared
                .fail(
                    &url,
                    FailureScope::Attachment,
                    FailureKind::Http {
                        status: resp.status,
                    },
                    msg,
                )
                .await
        }
        Err(e) => {
            let scope = match e {
                FetchError::RobotsDisallowed { .. } => FailureScope::Robots,
                _ => FailureScope::Attachment,
            };
            shared
                .fail(&url, scope, e.failure_kind(), e.to_string())
                .await
        }
    };
    (key, url, status, open)
}

/// Checks one link target: HEAD, then GET when HEAD is refused or fails.
pub(crate) async fn check_task(fetcher: Arc<Fetcher>, key: u64, url: Url) -> (u64, LinkStatus) {
    let head = fetcher
        .fetch(FetchRequest {
            url: &url,
            method: Method::Head,
            validators: None,
            body: BodyLimit::Discard,
        })
        .await;
    let status = match &head {
        Ok(r) if r.is_success() => link_status(&head),
        Err(FetchError::RobotsDisallowed { .. } | FetchError::Ssrf(_)) => link_status(&head),
        // Timeouts and refused connections are not retried with GET: the method is not
        // the problem, and the server already had its full allowance.
        Err(FetchError::Timeout(_) | FetchError::Connect(_)) => link_status(&head),
        _ => {
            let get = fetcher
                .fetch(FetchRequest {
                    url: &url,
                    method: Method::Get,
                    validators: None,
                    body: BodyLimit::Discard,
                })
                .await;
            link_status(&get)
        }
    };
    (key, status)
}
