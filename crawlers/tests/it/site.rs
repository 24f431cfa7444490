//! Website crawls: sitemaps, pagination, columns, attachments, link checks, limits.

use std::io::Write;

use chrono::NaiveDate;
use govwatch_crawlers::{AttachmentKind, Crawler, ExtractError, LinkStatus, Observation};

use crate::extract::{docx_bytes, xlsx_bytes};
use crate::support::{
    Site, attachments, crawl_all, failures, gbk, link_checks, pages, test_config, website,
};

#[tokio::test]
async fn sitemap_and_sitemap_index_seed_the_crawl() {
    // `{base}` is replaced by the server's own origin when served.
    let server = Site::new()
        .html("/", "<p>首页没有链接</p>")
        .with(
            "/robots.txt",
            200,
            &[],
            "User-agent: *\nSitemap: {base}/sitemap_index.xml\n",
        )
        .with(
            "/sitemap.xml",
            200,
            &[],
            "<urlset><url><loc>{base}/orphan.html</loc></url></urlset>",
        )
        .with(
            "/sitemap_index.xml",
            200,
            &[],
            "<sitemapindex><sitemap><loc>{base}/child.xml</loc></sitemap></sitemapindex>",
        )
        .with(
            "/child.xml",
            200,
            &[],
            "<urlset><url><loc>{base}/deep.html</loc></url></urlset>",
        )
        .html("/orphan.html", "<p>只在站点地图中</p>")
        .html("/deep.html", "<p>索引中的子地图</p>")
        .serve()
        .await;
    let crawler = Crawler::new(test_config()).expect("crawler");
    let (obs, _) = crawl_all(&crawler, website(server.url("/"))).await;
    let paths: Vec<&str> = pages(&obs).iter().map(|p| p.url.path()).collect();
    assert!(paths.contains(&"/orphan.html"), "{paths:?}");
    assert!(paths.contains(&"/deep.html"), "{paths:?}");
}

fn list_page(items: &[(&str, &str)], next: Option<&str>) -> String {
    let mut s = String::from("<html><body><ul class=\"list\">");
    for (title, date) in items {
        s.push_str(&format!(
            r#"<li><a href="/art/{title}.html">{title}</a><span>{date}</span></li>"#
        ));
    }
    s.push_str("</ul>");
    if let Some(n) = next {
        s.push_str(&format!(
            r#"<div class="page"><a href="{n}">下一页</a></div>"#
        ));
    }
    s.push_str("</body></html>");
    s
}

#[tokio::test]
async fn columns_pagination_and_list_dates() {
    let home = r#"<html><body><div id="nav"><a href="/">首页</a>
        <a href="/tzgg/index.html">通知公告</a><a href="/zcwj/index.html">政策文件</a>
        <a href="/hdjl/index.html">互动交流</a></div><p>欢迎</p></body></html>"#;
    let server = Site::new()
        .html("/", home)
        .html(
            "/tzgg/index.html",
            list_page(
                &[("a1", "2025-05-16"), ("a2", "2025/5/10"), ("a3", "[04-30]")],
                Some("index_1.html"),
            ),
        )
        .html(
            "/tzgg/index_1.html",
            list_page(&[("a4", "2025.03.01"), ("a5", "2025年2月1日")], None),
        )
        .html("/zcwj/index.html", list_page(&[], None))
        .serve()
        .await;
    let mut cfg = test_config();
    cfg.check_links = false;
    let crawler = Crawler::new(cfg).expect("crawler");
    let (obs, _) = crawl_all(&crawler, website(server.url("/"))).await;
    assert_eq!(server.count("/tzgg/index_1.html"), 1, "pagination followed");
    let cols: Vec<_> = obs
        .iter()
        .filter_map(|o| match o {
            Observation::Column(c) => Some(c),
            _ => None,
        })
        .collect();
    assert_eq!(cols.len(), 3, "{cols:?}");
    let tzgg = cols
        .iter()
        .find(|c| c.name == "通知公告")
        .expect("通知公告");
    assert_eq!(tzgg.item_count, 3, "first list page only");
    // `[04-30]` takes the latest year not after today, so compute what "newest" must be.
    let today = chrono::Utc::now().date_naive();
    let inferred = govwatch_crawlers::columns::parse_list_date("[04-30]", today);
    assert_eq!(
        tzgg.newest_item_date,
        inferred.max(NaiveDate::from_ymd_opt(2025, 5, 16))
    );
    assert!(tzgg.fetched_ok);
    let zcwj = cols
        .iter()
        .find(|c| c.name == "政策文件")
        .expect("政策文件");
    assert_eq!(
        (zcwj.item_count, zcwj.fetched_ok),
        (0, true),
        "blank column"
    );
    let hdjl = cols
        .iter()
        .find(|c| c.name == "互动交流")
        .expect("互动交流");
    assert!(!hdjl.fetched_ok, "404 column reported as not fetched");
}

#[tokio::test]
async fn max_pages_bounds_the_crawl_and_unvisited_links_are_still_checked() {
    let mut site = Site::new();
    let mut home = String::new();
    for i in 0..20 {
        home.push_str(&format!(r#"<a href="/p{i}.html">p{i}</a>"#));
        site = site.html(&format!("/p{i}.html"), "<p>x</p>");
    }
    let server = site.html("/", home).serve().await;
    let mut cfg = test_config();
    cfg.max_pages = 5;
    let crawler = Crawler::new(cfg).expect("crawler");
    let (obs, _) = crawl_all(&crawler, website(server.url("/"))).await;
    assert_eq!(pages(&obs).len(), 5);
    let checks = link_checks(&obs);
    assert_eq!(checks.len(), 20, "every target reported");
    assert!(
        checks
            .iter()
            .all(|c| c.result == LinkStatus::Ok { status: 200 })
    );
    let heads = server.hits().iter().filter(|h| h.method == "HEAD").count();
    assert_eq!(heads, 16, "pages beyond max_pages checked with HEAD");
}

#[tokio::test]
async fn each_link_target_checked_once_with_all_referrers() {
    let nav = r#"<img src="/logo.png"><a href="http://EXT/ext.html">外链</a>"#;
    let ext = Site::new().html("/ext.html", "ext").serve().await;
    let nav = nav.replace("EXT", &ext.addr.to_string());
    let server = Site::new()
        .html(
            "/",
            format!(r#"{nav}<a href="/a.html">a</a><a href="/b.html">b</a>"#),
        )
        .html("/a.html", nav.clone())
        .html("/b.html", nav.clone())
        .with(
            "/logo.png",
            200,
            &[("content-type", "image/png")],
            vec![0u8; 10],
        )
        .serve()
        .await;
    let crawler = Crawler::new(test_config()).expect("crawler");
    let (obs, _) = crawl_all(&crawler, website(server.url("/"))).await;
    assert_eq!(server.count("/logo.png"), 1, "checked once per crawl");
    assert_eq!(ext.count("/ext.html"), 1);
    let logo = link_checks(&obs)
        .into_iter()
        .find(|l| l.url.path() == "/logo.png")
        .expect("logo checked");
    assert_eq!(logo.linked_from.len(), 3);
    assert_eq!(logo.linked_from_count, 3);
    assert_eq!(logo.linked_from.iter().filter(|s| s.is_home).count(), 1);
    let external = link_checks(&obs)
        .into_iter()
        .find(|l| l.external)
        .expect("external checked");
    assert_eq!(external.result, LinkStatus::Ok { status: 200 });

    // With external checks off, the other host is never contacted.
    let ext2 = Site::new().html("/ext.html", "ext").serve().await;
    let server2 = Site::new()
        .html(
            "/",
            format!(r#"<a href="http://{}/ext.html">外链</a>"#, ext2.addr),
        )
        .serve()
        .await;
    let mut cfg = test_config();
    cfg.check_external_links = false;
    let crawler = Crawler::new(cfg).expect("crawler");
    let (obs, _) = crawl_all(&crawler, website(server2.url("/"))).await;
    assert!(ext2.hits().is_empty());
    assert!(link_checks(&obs).is_empty());
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in entries {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .expect("zip entry");
        w.write_all(data).expect("zip write");
    }
    w.finish().expect("zip finish").into_inner()
}

#[tokio::test]
async fn attachments_of_every_type_are_downloaded_and_extracted() {
    let pdf = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/list.pdf"
    ))
    .expect("pdf fixture");
    let xls = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/list.xls"
    ))
    .expect("xls fixture");
    let docx = docx_bytes(&["第一段 公示名单", "张三 13800138000"]);
    let xlsx = xlsx_bytes();
    let csv = gbk("姓名,电话\n李四,13900139000\n");
    let zip = zip_of(&[("附件/名单.docx", &docx)]);
    let home = r#"<a href="/f/a.pdf">pdf</a><a href="/f/b.docx">docx</a><a href="/f/c.xlsx">xlsx</a>
        <a href="/f/d.xls">xls</a><a href="/f/e.csv">csv</a><a href="/f/f.zip">zip</a>
        <a href="/f/g.rar">rar</a><a href="/download?id=7">下载</a>"#;
    let server = Site::new()
        .html("/", home)
        .with("/f/a.pdf", 200, &[("content-type", "application/pdf")], pdf)
        .with("/f/b.docx", 200, &[], docx.clone())
        .with("/f/c.xlsx", 200, &[], xlsx)
        .with(
            "/f/d.xls",
            200,
            &[("content-type", "application/vnd.ms-excel")],
            xls,
        )
        .with("/f/e.csv", 200, &[("content-type", "text/csv")], csv)
        .with("/f/f.zip", 200, &[("content-type", "application/zip")], zip)
        .with("/f/g.rar", 200, &[], b"Rar!\x1a\x07\x00".to_vec())
        .with(
            "/download?id=7",
            200,
            &[(
                "content-type",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            )],
            docx,
        )
        .serve()
        .await;
    let crawler = Crawler::new(test_config()).expect("crawler");
    let (obs, stats) = crawl_all(&crawler, website(server.url("/"))).await;
    let att = attachments(&obs);
    assert_eq!(
        att.len(),
        8,
        "{:?}",
        att.iter().map(|a| a.url.as_str()).collect::<Vec<_>>()
    );
    assert_eq!(stats.attachments, 8);
    let seg = |path: &str| {
        let a = att
            .iter()
            .find(|a| a.url.path() == path || a.url.as_str().ends_with(path))
            .unwrap_or_else(|| panic!("{path} missing"));
        assert_eq!(
            a.referrers,
            vec![server.url("/")]
                .into_iter()
                .filter(|_| path.starts_with("/f/"))
                .collect::<Vec<_>>()
        );
        a.result.clone().unwrap_or_else(|e| panic!("{path}: {e}"))
    };
    let has = |segs: &[govwatch_crawlers::TextSegment], loc: &str, text: &str| {
        assert!(
            segs.iter()
                .any(|s| s.location == loc && s.text.contains(text)),
            "want {loc}: {text} in {segs:?}"
        );
    };
    has(&seg("/f/a.pdf"), "第1页", "11010519491231002X");
    has(&seg("/f/a.pdf"), "第2页", "低保名单");
    has(&seg("/f/b.docx"), "段落2", "13800138000");
    has(&seg("/f/c.xlsx"), "名单!B2", "110105194912310000");
    has(&seg("/f/d.xls"), "名单!B2", "110105194912310000");
    has(&seg("/f/e.csv"), "第2行第2列 (B2)", "13900139000");
    has(&seg("/f/f.zip"), "附件/名单.docx:段落1", "公示名单");
    has(&seg("download?id=7"), "段落1", "公示名单");
    let rar = att
        .iter()
        .find(|a| a.url.path() == "/f/g.rar")
        .expect("rar");
    assert_eq!(rar.kind, AttachmentKind::Rar);
    assert!(matches!(rar.result, Err(ExtractError::Unsupported(_))));
    assert!(failures(&obs).is_empty(), "{:?}", failures(&obs));
}

#[tokio::test]
async fn observations_apply_back_pressure() {
    // A consumer that never reads: the crawl must block, not buffer the site.
    let mut site = Site::new();
    let mut home = String::new();
    for i in 0..50 {
        home.push_str(&format!(r#"<a href="/p{i}.html">p</a>"#));
        site = site.html(&format!("/p{i}.html"), "<p>x</p>");
    }
    let server = site.html("/", home).serve().await;
    let crawler = Crawler::new(test_config()).expect("crawler");
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let source = website(server.url("/"));
    let c2 = crawler.clone();
    let crawl = tokio::spawn(async move { c2.crawl(source, tx).await });
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let fetched = server
        .hits()
        .iter()
        .filter(|h| h.path.starts_with("/p"))
        .count();
    assert!(!crawl.is_finished());
    assert!(
        fetched < 50,
        "crawl ran ahead of the consumer: {fetched} pages fetched"
    );
    drop(rx);
    let result = crawl.await.expect("join");
    assert!(matches!(
        result,
        Err(govwatch_crawlers::CrawlError::ChannelClosed)
    ));
}
