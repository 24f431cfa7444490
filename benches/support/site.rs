//! The generated benchmark site shared by the crawl benchmarks: 5,000 pages (by default)
//! with ~30 links each (in-site pages, links to a second "external" loopback host, images)
//! and csv/docx/xlsx attachments, served from memory by axum.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering::Relaxed;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::Method;
use axum::http::header::CONTENT_TYPE;
use axum::response::Response;
use bytes::Bytes;

pub struct Resource {
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

pub fn build_site(n: usize, ext: &str) -> HashMap<String, Resource> {
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

pub fn external_site() -> HashMap<String, Resource> {
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
pub static REQUESTS: AtomicU64 = AtomicU64::new(0);
pub static HTML_GETS: AtomicU64 = AtomicU64::new(0);

pub fn router(site: HashMap<String, Resource>, count: bool) -> Router {
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
