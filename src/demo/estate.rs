//! The running estate: generation at start, the axum server that answers from memory, and
//! the handle that stops it.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use chrono::NaiveDate;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use url::Url;

use super::content::{Builder, Resource};
use super::{DOUYIN, DemoAccount, Planted, SITE_A, SITE_B, TOUTIAO, WECHAT, WEIBO};
use super::{feeds, files, site_a, site_b};

/// How long [`DemoEstate::shutdown`] waits for open connections before cutting them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A running demo estate. The server stops when this is dropped or [`shutdown`](Self::shutdown).
pub struct DemoEstate {
    base: Url,
    planted: Vec<Planted>,
    served: Arc<Served>,
    cancel: CancellationToken,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl std::fmt::Debug for DemoEstate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoEstate")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

/// What the server answers from.
struct Served {
    resources: HashMap<String, Resource>,
    /// Requests per known path. Keys are only paths of `resources`, so the map cannot grow
    /// with what clients ask for.
    hits: Mutex<HashMap<String, u64>>,
}

impl DemoEstate {
    /// Generates the estate for `today` and serves it on `bind` (`127.0.0.1:0` in tests).
    pub async fn start(bind: SocketAddr, today: NaiveDate) -> std::io::Result<DemoEstate> {
        let listener = tokio::net::TcpListener::bind(bind).await?;
        let mut addr = listener.local_addr()?;
        if addr.ip().is_unspecified() {
            // Bound to every interface: link to loopback, which always reaches us.
            addr.set_ip(if addr.is_ipv4() {
                [127, 0, 0, 1].into()
            } else {
                std::net::Ipv6Addr::LOCALHOST.into()
            });
        }
        let base = Url::parse(&format!("http://{addr}/")).map_err(std::io::Error::other)?;
        let b = generate(base.clone(), today)?;
        let served = Arc::new(Served {
            resources: b.resources,
            hits: Mutex::new(HashMap::new()),
        });
        let app = Router::new().fallback(serve).with_state(served.clone());
        let cancel = CancellationToken::new();
        let stop = cancel.clone().cancelled_owned();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(stop)
                .await
        });
        tracing::info!(%base, today = %today, "demo estate serving");
        Ok(DemoEstate {
            base,
            planted: b.planted,
            served,
            cancel,
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT/`.
    pub fn base_url(&self) -> Url {
        self.base.clone()
    }

    /// The accounts to register, with their departments and crawl URLs.
    pub fn accounts(&self) -> Vec<DemoAccount> {
        let url = |path: &str| Some(format!("{}{}", self.base, path.trim_start_matches('/')));
        let account = |name: &str, platform, department: &str, path: &str, handle: Option<&str>| {
            DemoAccount {
                name: name.to_string(),
                platform,
                department: department.to_string(),
                url: url(path),
                handle: handle.map(str::to_string),
            }
        };
        vec![
            account(
                SITE_A,
                "website",
                "青岛市/市南区人民政府",
                site_a::ROOT,
                None,
            ),
            account(SITE_B, "website", "青岛市/青岛市教育局", site_b::ROOT, None),
            account(
                WECHAT,
                "wechat",
                "青岛市/青岛市人民政府新闻办公室",
                feeds::WECHAT_FEED,
                Some("qingdaofabu"),
            ),
            account(
                WEIBO,
                "weibo",
                "青岛市/市南区人民政府",
                feeds::WEIBO_FEED,
                Some("shinanfabu"),
            ),
            account(
                DOUYIN,
                "douyin",
                "青岛市/市北区人民政府/市北区教育和体育局",
                feeds::DOUYIN_FEED,
                Some("shibeiedu"),
            ),
            account(
                TOUTIAO,
                "toutiao",
                "青岛市/崂山区人民政府",
                feeds::TOUTIAO_FEED,
                Some("laoshanfabu"),
            ),
        ]
    }

    /// Every finding a correct govwatch must report, one entry per finding.
    pub fn planted(&self) -> Vec<Planted> {
        self.planted.clone()
    }

    /// Look-alikes that must never be reported: a masked ID number and mobile (compliant
    /// masking), the bureau's unified social credit code (18 characters like an ID), and
    /// public office lines and the 12345 hotline.
    pub fn never_flagged(&self) -> Vec<&'static str> {
        vec![
            files::MASKED_ID,
            files::MASKED_MOBILE,
            files::credit_code(),
            files::OFFICE_LANDLINE,
            site_b::HOTLINE_LANDLINE,
            site_b::HOTLINE,
        ]
    }

    /// How many requests the server received for `path` (a path it serves; 0 for others).
    /// Tests use it to prove robots.txt kept the crawler out of `/shinan/admin/`.
    pub fn request_count(&self, path: &str) -> u64 {
        self.served
            .hits
            .lock()
            .map(|h| h.get(path).copied().unwrap_or(0))
            .unwrap_or(0)
    }

    /// Stops the server, giving open connections a few seconds to finish.
    pub async fn shutdown(mut self) {
        self.cancel.cancel();
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(SHUTDOWN_GRACE, task).await.is_err() {
                abort.abort();
            }
        }
    }
}

impl Drop for DemoEstate {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// Builds every resource of the estate.
fn generate(base: Url, today: NaiveDate) -> std::io::Result<Builder> {
    let mut b = Builder::new(base, today);
    site_a::build(&mut b)?;
    site_b::build(&mut b);
    feeds::build(&mut b);
    b.add("/robots.txt", 200, "text/plain; charset=utf-8", ROBOTS);
    let index = index_page(&b);
    b.html("/", index);
    b.html("/qdgov/", EXTERNAL.to_string());
    Ok(b)
}

const ROBOTS: &str = "# 市南区人民政府门户网站、青岛市教育局网站（govwatch 演示环境）\nUser-agent: *\nDisallow: /shinan/admin/\n";

const EXTERNAL: &str = "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>青岛市人民政府门户网站（演示外部站点）</title></head>\n<body><h1>青岛市人民政府门户网站</h1><p>这是演示环境中的外部站点，用于检验外部链接检查。</p></body></html>\n";

fn index_page(b: &Builder) -> String {
    let feeds = [
        (WECHAT, "微信公众号，RSS 2.0", feeds::WECHAT_FEED),
        (WEIBO, "微博，Atom", feeds::WEIBO_FEED),
        (DOUYIN, "抖音，JSON Feed", feeds::DOUYIN_FEED),
        (TOUTIAO, "今日头条，订阅源故障", feeds::TOUTIAO_FEED),
    ];
    let feed_items: String = feeds
        .iter()
        .map(|(name, what, path)| format!("<li><a href=\"{path}\">{name}</a>（{what}）</li>\n"))
        .collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>govwatch 演示环境</title></head>\n<body><h1>govwatch 演示环境</h1>\n<p>本服务在本机模拟两个政府网站和四个政务新媒体账号，内容按 {} 生成，其中故意设置了若干问题，供 govwatch 检查发现。</p>\n<h2>网站</h2><ul>\n<li><a href=\"{}\">{SITE_A}</a>（GBK 编码）</li>\n<li><a href=\"{}\">{SITE_B}</a></li>\n</ul>\n<h2>政务新媒体订阅源</h2><ul>\n{feed_items}</ul>\n</body></html>\n",
        b.today.format("%Y年%m月%d日"),
        site_a::ROOT,
        site_b::ROOT
    )
}

/// Answers GET and HEAD from memory; everything else is 405, unknown paths 404.
async fn serve(State(served): State<Arc<Served>>, method: Method, uri: Uri) -> Response {
    if method != Method::GET && method != Method::HEAD {
        let mut resp = Response::new(Body::empty());
        *resp.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
        resp.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return resp;
    }
    let path = uri.path();
    let (status, content_type, body) = match served.resources.get(path) {
        Some(r) => {
            if let Ok(mut hits) = served.hits.lock() {
                *hits.entry(path.to_string()).or_insert(0) += 1;
            }
            (r.status, r.content_type, r.body.clone())
        }
        None => (404, "text/html; charset=utf-8", NOT_FOUND.into()),
    };
    let len = body.len();
    let mut resp = Response::new(if method == Method::HEAD {
        Body::empty()
    } else {
        Body::from(body)
    });
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    resp
}

const NOT_FOUND: &str = "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>404 页面不存在</title></head><body><h1>404</h1><p>抱歉，您访问的页面不存在或已被删除。</p></body></html>\n";

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 3, 31).expect("date")
    }

    #[test]
    fn generation_is_deterministic_and_complete() {
        let base = Url::parse("http://127.0.0.1:9/").expect("url");
        let a = generate(base.clone(), today()).expect("generate");
        let b = generate(base, today()).expect("generate");
        assert_eq!(a.planted, b.planted);
        assert_eq!(a.resources.len(), b.resources.len());
        for (path, r) in &a.resources {
            assert_eq!(
                Some(&r.body),
                b.resources.get(path).map(|x| &x.body),
                "{path} differs"
            );
        }
        // Every planted URL fragment is something the estate serves or links to.
        for p in &a.planted {
            assert!(
                a.resources.keys().any(|k| k.contains(&p.url_contains))
                    || a.resources.values().any(|r| r
                        .body
                        .windows(p.url_contains.len())
                        .any(|w| w == p.url_contains.as_bytes())),
                "planted URL {} not found",
                p.url_contains
            );
        }
    }

    #[test]
    fn gbk_pages_encode_without_loss() {
        let a =
            generate(Url::parse("http://127.0.0.1:9/").expect("url"), today()).expect("generate");
        let gbk: Vec<_> = a
            .resources
            .iter()
            .filter(|(_, r)| r.content_type.contains("gbk"))
            .collect();
        assert!(gbk.len() > 30, "Site A pages: {}", gbk.len());
        for (path, r) in gbk {
            let (text, had_errors) = encoding_rs::GBK.decode_without_bom_handling(&r.body);
            assert!(!had_errors, "{path} is not valid GBK");
            // encoding_rs writes unmappable characters as numeric references: none allowed.
            assert!(
                !text.contains("&#"),
                "{path} has characters GBK cannot hold"
            );
        }
    }

    #[test]
    fn planted_words_are_in_the_text() {
        let a =
            generate(Url::parse("http://127.0.0.1:9/").expect("url"), today()).expect("generate");
        let all_text: String = a
            .resources
            .values()
            .filter(|r| r.content_type.starts_with("text/html"))
            .map(|r| {
                if r.content_type.contains("gbk") {
                    encoding_rs::GBK
                        .decode_without_bom_handling(&r.body)
                        .0
                        .into_owned()
                } else {
                    String::from_utf8_lossy(&r.body).into_owned()
                }
            })
            .collect();
        for word in [
            "再接再励",
            "按装",
            "迫不急待",
            "一带一路战略",
            "中华人民共合国",
            "13953247816",
        ] {
            assert!(all_text.contains(word), "{word} missing");
        }
    }
}
