//! Pages in GBK/GB2312, declared in different places or not at all.

use govwatch_crawlers::{Crawler, Observation};

use crate::support::{Site, crawl_all, gbk, pages, test_config, website};

const BODY_TEXT: &str = "关于进一步加强政府网站信息内容建设的通知。各区人民政府，市政府各委、办、局：\
    为做好政府网站信息发布、解读回应、办事服务和互动交流工作，现将有关事项通知如下。";

async fn crawl_one(content_type: &str, body: Vec<u8>) -> govwatch_crawlers::Page {
    let server = Site::new()
        .with("/", 200, &[("content-type", content_type)], body)
        .serve()
        .await;
    let mut cfg = test_config();
    cfg.check_links = false;
    let crawler = Crawler::new(cfg).expect("crawler");
    let (obs, _) = crawl_all(&crawler, website(server.url("/"))).await;
    let page = pages(&obs).into_iter().next().cloned();
    assert!(
        obs.iter().all(|o| !matches!(o, Observation::Failure(_))),
        "{obs:?}"
    );
    page.expect("home page observed")
}

#[tokio::test]
async fn gbk_page_with_header_charset() {
    let body = gbk(&format!(
        "<html><head><title>市人民政府</title></head><body><p>{BODY_TEXT}</p></body></html>"
    ));
    let page = crawl_one("text/html; charset=GBK", body.clone()).await;
    assert_eq!(
        page.body.as_ref(),
        body.as_slice(),
        "raw bytes kept byte-exact"
    );
    assert_eq!(page.encoding.as_deref(), Some("GBK"));
    assert_eq!(page.declared_encoding.as_deref(), Some("GBK"));
    assert!(!page.encoding_mismatch);
    assert_eq!(page.title.as_deref(), Some("市人民政府"));
    assert!(page.text.contains("解读回应、办事服务"));
}

#[tokio::test]
async fn gb2312_page_with_only_meta_charset() {
    let mut body =
        b"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\">"
            .to_vec();
    body.extend(gbk(&format!(
        "<title>政务公开</title></head><body>{BODY_TEXT}</body></html>"
    )));
    let page = crawl_one("text/html", body).await;
    assert_eq!(
        page.encoding.as_deref(),
        Some("GBK"),
        "gb2312 label decodes as GBK"
    );
    assert_eq!(page.declared_encoding.as_deref(), Some("gb2312"));
    assert_eq!(page.title.as_deref(), Some("政务公开"));
    assert!(page.text.contains("互动交流工作"));
}

#[tokio::test]
async fn gbk_page_without_declaration_is_detected() {
    let body = gbk(&format!(
        "<html><head><title>通知公告</title></head><body><div>{BODY_TEXT}</div></body></html>"
    ));
    let page = crawl_one("text/html", body).await;
    assert_eq!(page.encoding.as_deref(), Some("GBK"));
    assert_eq!(page.declared_encoding, None);
    assert!(!page.encoding_mismatch);
    assert_eq!(page.title.as_deref(), Some("通知公告"));
}

#[tokio::test]
async fn utf8_declared_but_gbk_sent_is_flagged_and_read_correctly() {
    let body = gbk(&format!(
        "<html><head><title>办事服务</title></head><body>{BODY_TEXT}</body></html>"
    ));
    let page = crawl_one("text/html; charset=utf-8", body).await;
    assert!(
        page.encoding_mismatch,
        "declared UTF-8 with GBK bytes is a defect"
    );
    assert_eq!(page.declared_encoding.as_deref(), Some("utf-8"));
    assert_eq!(page.encoding.as_deref(), Some("GBK"));
    assert_eq!(page.title.as_deref(), Some("办事服务"));
    assert!(page.text.contains("政府网站信息发布"));
}
