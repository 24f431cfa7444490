//! Crawl throughput and peak memory: govwatch-crawlers against `wget --spider -r` on the same
//! generated loopback site, in the same run.
//!
//! Run with `cargo bench -p govwatch-crawlers --bench crawl_vs_wget`. The site (5,000 pages,
//! ~30 links each: in-site pages, links to a second "external" loopback host, images, and
//! csv/docx/xlsx attachments) is served in-process; each crawler runs as a child process under
//! `/usr/bin/time -v` so its peak RSS is measured alone. Our crawler does more than wget:
//! it parses every page (text, links, columns), checks every distinct link target including
//! the external host, downloads and extracts attachments, and a consumer hashes every body
//! (the snapshot-ish work); wget only spiders the one host.
//!
//! Environment: `BENCH_PAGES` (default 5000).

use std::collections::HashMap;
use std::io::Write;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::Method;
use axum::http::header::CONTENT_TYPE;
use axum::response::Response;
use bytes::Bytes;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        let url = args.get(i + 1).expect("--child URL");
        child(url);
        return;
    }
    driver();
}

// ---------------------------------------------------------------------------------------
// The site

struct Resource {
    content_type: &'static str,
    body: Bytes,
}

const PARAGRAPH: &str = "关于进一步加强政府网站信息内容建设的通知。各区人民政府，市政府各委、办、局：\
为做好政府网站信息发布、解读回应、办事服务和互动交流工作，现将有关事项通知如下。";

fn page(i: usize, n: usize, ext: &str) -> String {
    let mut s = String::with_capacity(6000);
    s.push_str(&format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>页面 {i}</title>\
         <link rel=\"stylesheet\" href=\"/static/site.css\"></head><body>\
         <div class=\"nav\"><a href=\"/\">首页</a><a href=\"/p/1.html\">新闻中心</a>\
         <a href=\"/p/2.html\">政务公开</a><a href=\"/p/3.html\">办事服务</a></div><ul class=\"list\">"
    ));
    // 20 in-site links: next page, a doubling link, and pseudo-random ones.
    let mut targets = vec![(i + 1) % n, (i * 2 + 1) % n];
    for k in 0..18 {
        targets.push((i.wrapping_mul(7919) + k * 104_729 + k * k) % n);
    }
    for (k, t) in targets.iter().enumerate() {
        s.push_str(&format!(
            "<li><a href=\"/p/{t}.html\">第{t}号文件的标题</a><span>2025-0{}-1{}</span></li>",
            1 + k % 9,
            k % 10
        ));
    }
    s.push_str("</ul>");
    for k in 0..4 {
        s.push_str(&format!(
            "<a href=\"http://{ext}/x/{}.html\">外部链接</a>",
            (i * 31 + k) % 500
        ));
    }
    for k in 0..4 {
        s.push_str(&format!(
            "<img src=\"/img/{}.png\" alt=\"图\">",
            (i + k * 25) % 100
        ));
    }
    if i.is_multiple_of(10) {
        let f = (i / 10) % 50;
        s.push_str(&format!(
            "<a href=\"/files/{f}.csv\">附件</a><a href=\"/files/{f}.docx\">附件</a><a href=\"/files/{f}.xlsx\">附件</a>"
        ));
    }
    for _ in 0..8 {
        s.push_str("<p>");
        s.push_str(PARAGRAPH);
        s.push_str("</p>");
    }
    s.push_str("</body></html>");
    s
}

fn docx(i: usize) -> Vec<u8> {
    let doc = format!(
        "<?xml version=\"1.0\"?><w:document xmlns:w=\"w\"><w:body>\
         <w:p><w:r><w:t>公示名单 {i}</w:t></w:r></w:p><w:p><w:r><w:t>{PARAGRAPH}</w:t></w:r></w:p>\
         </w:body></w:document>"
    );
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    w.start_file(
        "word/document.xml",
        zip::write::SimpleFileOptions::default(),
    )
    .expect("zip");
    w.write_all(doc.as_bytes()).expect("zip");
    w.finish().expect("zip").into_inner()
}

fn xlsx(i: usize) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for r in 0..20u32 {
        ws.write_string(r, 0, format!("姓名{i}-{r}")).expect("xlsx");
        ws.write_number(r, 1, f64::from(r) * 3.5).expect("xlsx");
    }
    wb.save_to_buffer().expect("xlsx")
}

fn build_site(n: usize, ext: &str) -> HashMap<String, Resource> {
    let mut site = HashMap::new();
    let html = "text/html; charset=utf-8";
    let mut home = String::from("<html><head><title>首页</title></head><body><div id=\"nav\">");
    for i in 0..30 {
        home.push_str(&format!("<a href=\"/p/{i}.html\">栏目{i}</a>"));
    }
    home.push_str("</div></body></html>");
    site.insert(
        "/".into(),
        Resource {
            content_type: html,
            body: home.into(),
        },
    );
    for i in 0..n {
        site.insert(
            format!("/p/{i}.html"),
            Resource {
                content_type: html,
                body: page(i, n, ext).into(),
            },
        );
    }
    for i in 0..100 {
        site.insert(
            format!("/img/{i}.png"),
            Resource {
                content_type: "image/png",
                body: Bytes::from(vec![0u8; 512]),
            },
        );
    }
    site.insert(
        "/static/site.css".into(),
        Resource {
            content_type: "text/css",
            body: "body{}".into(),
        },
    );
    for f in 0..50 {
        let csv = format!("姓名,电话\n张{f},1380013{f:04}\n");
        site.insert(
            format!("/files/{f}.csv"),
            Resource {
                content_type: "text/csv",
                body: csv.into(),
            },
        );
        site.insert(
            format!("/files/{f}.docx"),
            Resource {
                content_type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                body: docx(f).into(),
            },
        );
        site.insert(
            format!("/files/{f}.xlsx"),
            Resource {
                content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                body: xlsx(f).into(),
            },
        );
    }
    site
}

fn external_site() -> HashMap<String, Resource> {
    (0..500)
        .map(|i| {
            (
                format!("/x/{i}.html"),
                Resource {
                    content_type: "text/html",
                    body: Bytes::from(format!("<p>外部 {i}</p>")),
                },
            )
        })
        .collect()
}

/// Requests served by the main site: (all, GETs of HTML pages).
static REQUESTS: AtomicU64 = AtomicU64::new(0);
static HTML_GETS: AtomicU64 = AtomicU64::new(0);

fn router(site: HashMap<String, Resource>, count: bool) -> Router {
    let site = Arc::new(site);
    Router::new().fallback(move |req: Request| {
        let site = site.clone();
        async move {
            if count {
                REQUESTS.fetch_add(1, Relaxed);
                let path = req.uri().path();
                if req.method() == Method::GET && (path == "/" || path.ends_with(".html")) {
                    HTML_GETS.fetch_add(1, Relaxed);
                }
            }
            match site.get(req.uri().path()) {
                Some(r) => Response::builder()
                    .header(CONTENT_TYPE, r.content_type)
                    .body(Body::from(r.body.clone()))
                    .expect("response"),
                None => Response::builder()
                    .status(404)
                    .body(Body::from("not found"))
                    .expect("response"),
            }
        }
    })
}

// ---------------------------------------------------------------------------------------
// The driver

fn driver() {
    let n: usize = std::env::var("BENCH_PAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("server runtime");
    let (main_addr, ext_addr) = rt.block_on(async {
        let ext = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let ext_addr = ext.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(ext, router(external_site(), false)).await });
        let main = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let main_addr = main.local_addr().expect("addr");
        let site = build_site(n, &ext_addr.to_string());
        tokio::spawn(async move { axum::serve(main, router(site, true)).await });
        (main_addr, ext_addr)
    });
    let base = format!("http://{main_addr}/");
    println!("site: {n} pages on {main_addr}, external host {ext_addr}");

    let exe = std::env::current_exe().expect("current exe");
    let ours = timed(
        Command::new("/usr/bin/time")
            .arg("-v")
            .arg(&exe)
            .arg("--child")
            .arg(&base),
    );
    let child_out = String::from_utf8_lossy(&ours.stdout).into_owned();
    let stat = |key: &str| -> f64 {
        child_out
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(f64::NAN)
    };
    let our_pages = stat("pages");
    // Wall time of the child process, like wget's below.
    let our_secs = ours.elapsed.as_secs_f64();
    let our_requests = REQUESTS.swap(0, Relaxed);
    HTML_GETS.store(0, Relaxed);

    let dir = tempfile::tempdir().expect("tempdir");
    let wget = timed(
        Command::new("/usr/bin/time")
            .arg("-v")
            .arg("wget")
            .args([
                "--spider",
                "-r",
                "-l",
                "inf",
                "--no-verbose",
                "-e",
                "robots=on",
                "-P",
            ])
            .arg(dir.path())
            .arg(&base),
    );
    // Pages wget fetched, counted by the server (wget sends HEAD then GET for each page).
    let wget_pages = HTML_GETS.load(Relaxed) as f64;
    let wget_requests = REQUESTS.load(Relaxed);
    let wget_secs = wget.elapsed.as_secs_f64();

    println!();
    println!(
        "| crawler | pages | requests to site | seconds | pages/s | peak RSS (MiB) | work done |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | --- |");
    println!(
        "| govwatch-crawlers | {our_pages:.0} | {our_requests} | {our_secs:.2} | {:.0} | {:.1} | parse + text + columns, {} link checks ({} broken), {} attachments extracted, blake3 of every body |",
        our_pages / our_secs,
        ours.max_rss_kib as f64 / 1024.0,
        stat("links_checked"),
        stat("broken_links"),
        stat("attachments"),
    );
    println!(
        "| wget --spider -r | {wget_pages:.0} | {wget_requests} | {wget_secs:.2} | {:.0} | {:.1} | spider one host |",
        wget_pages / wget_secs,
        wget.max_rss_kib as f64 / 1024.0,
    );
    println!();
    println!(
        "speed-up: {:.2}x pages/s (goal ≥ 1.5x)",
        (our_pages / our_secs) / (wget_pages / wget_secs)
    );
    for line in String::from_utf8_lossy(&ours.stderr)
        .lines()
        .filter(|l| l.starts_with("child Vm"))
    {
        println!("{line}");
    }
    if !ours.status_ok {
        eprintln!(
            "crawler child failed:\n{}",
            String::from_utf8_lossy(&ours.stderr)
        );
        std::process::exit(1);
    }
}

struct Timed {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    elapsed: Duration,
    max_rss_kib: u64,
    status_ok: bool,
}

/// Runs a command under `/usr/bin/time -v`, parsing its peak RSS from stderr.
fn timed(cmd: &mut Command) -> Timed {
    let started = Instant::now();
    let out = cmd.output().expect("run child");
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let max_rss_kib = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    Timed {
        stdout: out.stdout,
        stderr: out.stderr,
        elapsed,
        max_rss_kib,
        status_ok: out.status.success(),
    }
}

// ---------------------------------------------------------------------------------------
// The crawler child

fn child(base: &str) {
    use govwatch_crawlers::{CrawlConfig, Crawler, Observation, Source};

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let config = CrawlConfig {
            allow_private_addresses: true,
            per_host_concurrency: 16,
            per_host_delay: Duration::ZERO,
            global_concurrency: 32,
            max_pages: 100_000,
            max_depth: 1000,
            ..CrawlConfig::default()
        };
        let crawler = Crawler::new(config).expect("crawler");
        let (tx, mut rx) = tokio::sync::mpsc::channel(64);
        let consumer = tokio::spawn(async move {
            let mut digest = blake3::Hasher::new();
            let mut n = 0u64;
            while let Some(obs) = rx.recv().await {
                let body: &[u8] = match &obs {
                    Observation::Page(p) => &p.body,
                    Observation::Attachment(a) => &a.body,
                    _ => &[],
                };
                digest.update(blake3::hash(body).as_bytes());
                n += 1;
            }
            (n, digest.finalize())
        });
        let source = Source {
            url: Some(url::Url::parse(base).expect("base url")),
            ..Source::default()
        };
        let started = Instant::now();
        let stats = crawler.crawl(source, tx).await.expect("crawl");
        let (observations, _) = consumer.await.expect("consumer");
        let secs = started.elapsed().as_secs_f64();
        println!("pages={}", stats.pages);
        println!("seconds={secs}");
        println!("attachments={}", stats.attachments);
        println!("links_checked={}", stats.links_checked);
        println!("broken_links={}", stats.broken_links);
        println!("failures={}", stats.failures);
        println!("observations={observations}");
        println!("bytes={}", stats.bytes);
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        for line in status
            .lines()
            .filter(|l| l.starts_with("VmRSS") || l.starts_with("VmHWM"))
        {
            eprintln!("child {line}");
        }
    });
}
