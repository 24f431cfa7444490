//! The demo estate crawled by the real crawler: every planted problem shows up in the
//! observations, where `planted()` says, and the look-alikes are really there to be ignored.
//!
//! Observations carry raw personal data (that is the point of the fixture), so these tests
//! never print them: assertion messages name locations and URLs only.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::{DateTime, Days, FixedOffset, Months, NaiveDate, Utc};
use govwatch::demo::{DOUYIN, DemoAccount, DemoEstate, SITE_A, SITE_B, TOUTIAO, WECHAT, WEIBO};
use govwatch_crawlers::{
    Attachment, CrawlConfig, Crawler, FailureKind, FailureScope, LinkCheck, LinkKind, LinkStatus,
    Observation, Source, TextSegment,
};
use url::Url;

/// The crawler dates bare `[05-16]` list items against Shanghai's today, so the estate uses
/// the same day.
fn china_today() -> NaiveDate {
    let offset = FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    Utc::now().with_timezone(&offset).date_naive()
}

fn days_ago(today: NaiveDate, n: u64) -> NaiveDate {
    today.checked_sub_days(Days::new(n)).expect("date")
}

fn china_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
        .date_naive()
}

async fn start() -> (DemoEstate, NaiveDate) {
    let today = china_today();
    let estate = DemoEstate::start("127.0.0.1:0".parse().expect("addr"), today)
        .await
        .expect("estate starts");
    (estate, today)
}

fn crawler() -> Crawler {
    Crawler::new(CrawlConfig {
        allow_private_addresses: true,
        per_host_delay: Duration::ZERO,
        rsshub_base: None,
        retry_base_delay: Duration::from_millis(10),
        ..Default::default()
    })
    .expect("crawler")
}

fn account(estate: &DemoEstate, name: &str) -> DemoAccount {
    estate
        .accounts()
        .into_iter()
        .find(|a| a.name == name)
        .unwrap_or_else(|| panic!("no demo account {name}"))
}

async fn crawl(crawler: &Crawler, account: &DemoAccount) -> Vec<Observation> {
    let source = Source {
        platform: account.platform.parse().expect("platform"),
        url: account.url.as_deref().map(|u| Url::parse(u).expect("url")),
        handle: account.handle.clone(),
        ..Default::default()
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let c = crawler.clone();
    let task = tokio::spawn(async move { c.crawl(source, tx).await });
    let mut out = Vec::new();
    while let Some(o) = rx.recv().await {
        out.push(o);
    }
    task.await.expect("crawl task").expect("crawl");
    out
}

fn pages(obs: &[Observation]) -> impl Iterator<Item = &govwatch_crawlers::Page> {
    obs.iter().filter_map(|o| match o {
        Observation::Page(p) => Some(p),
        _ => None,
    })
}

fn link_checks(obs: &[Observation]) -> Vec<&LinkCheck> {
    obs.iter()
        .filter_map(|o| match o {
            Observation::LinkCheck(l) => Some(l),
            _ => None,
        })
        .collect()
}

fn attachment<'a>(obs: &'a [Observation], path: &str) -> &'a Attachment {
    obs.iter()
        .find_map(|o| match o {
            Observation::Attachment(a) if a.url.path() == path => Some(a),
            _ => None,
        })
        .unwrap_or_else(|| panic!("attachment {path} not observed"))
}

fn segment<'a>(a: &'a Attachment, location: &str) -> &'a TextSegment {
    let segments = a.result.as_ref().expect("attachment extracted");
    segments
        .iter()
        .find(|s| s.location == location)
        .unwrap_or_else(|| panic!("no segment at {location} in {}", a.url))
}

fn columns(obs: &[Observation]) -> BTreeMap<String, (usize, Option<NaiveDate>, bool)> {
    obs.iter()
        .filter_map(|o| match o {
            Observation::Column(c) => Some((
                c.name.clone(),
                (c.item_count, c.newest_item_date, c.fetched_ok),
            )),
            _ => None,
        })
        .collect()
}

/// GB 11643 check, written independently of the estate's generator.
fn valid_resident_id(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = b[..17]
        .iter()
        .zip(w)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    b"10X98765432"[(sum % 11) as usize] == b[17]
}

/// Luhn check, written independently of the estate's generator.
fn luhn_valid(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let d = u32::from(d - b'0');
            if i % 2 == 1 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Runs of ASCII digits in `text`.
fn digit_runs(text: &str) -> Vec<&str> {
    text.split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .collect()
}

fn all_text(obs: &[Observation]) -> String {
    let mut out = String::new();
    for o in obs {
        match o {
            Observation::Page(p) => out.push_str(&p.text),
            Observation::Post(p) => out.push_str(&p.text),
            Observation::Attachment(a) => {
                for s in a.result.iter().flatten() {
                    out.push_str(&s.text);
                    out.push('\n');
                }
            }
            _ => {}
        }
        out.push('\n');
    }
    out
}

#[tokio::test]
async fn site_a_gbk_site_shows_every_planted_problem() {
    let (estate, today) = start().await;
    let site = account(&estate, SITE_A);
    let obs = crawl(&crawler(), &site).await;

    // GBK decoded: the home page says who runs it, in Chinese.
    let home = pages(&obs).find(|p| p.is_home).expect("home page");
    assert_eq!(home.encoding.as_deref(), Some("GBK"));
    assert!(!home.encoding_mismatch);
    assert!(home.text.contains("青岛市市南区人民政府"));
    assert!(home.text.contains("最新动态"));
    assert!(
        pages(&obs).any(|p| p.url.path() == "/shinan/zwdt/index_1.html"),
        "pagination followed"
    );
    let planted = estate.planted();
    for p in planted
        .iter()
        .filter(|p| p.account == SITE_A && p.rule_id.starts_with("error."))
    {
        let page = pages(&obs)
            .find(|pg| pg.url.as_str().contains(&p.url_contains))
            .unwrap_or_else(|| panic!("article {} not crawled", p.url_contains));
        assert!(page.text.contains("市南区"), "{} decoded", p.url_contains);
    }
    let misused = planted
        .iter()
        .find(|p| p.rule_id == "error.misused_word")
        .expect("misused word planted");
    let article = pages(&obs)
        .find(|pg| pg.url.as_str().contains(&misused.url_contains))
        .expect("article");
    for word in ["再接再励", "按装", "迫不急待"] {
        assert!(article.text.contains(word), "{word} in the decoded article");
    }

    // robots.txt: the back office is linked from every page and never fetched.
    assert_eq!(estate.request_count("/shinan/admin/"), 0);
    assert!(estate.request_count("/shinan/") >= 1);
    assert!(obs.iter().any(|o| matches!(o,
        Observation::Failure(f) if f.scope == FailureScope::Robots
            && f.url.as_ref().is_some_and(|u| u.path() == "/shinan/admin/"))));

    // The 低保 spreadsheet: full IDs at C2, C3, C6; the numeric one at C4; masked row 5.
    let xlsx = attachment(&obs, "/shinan/files/dibao.xlsx");
    assert_eq!(segment(xlsx, "名单!C1").text, "身份证号");
    for cell in ["名单!C2", "名单!C3", "名单!C6"] {
        let s = segment(xlsx, cell);
        assert!(s.text.starts_with("370202"), "{cell} has the district code");
        assert!(valid_resident_id(&s.text), "{cell} holds a valid ID number");
        assert!(!s.numeric_precision_loss, "{cell} is a text cell");
    }
    let numeric = segment(xlsx, "名单!C4");
    assert!(numeric.numeric_precision_loss, "numeric ID cell flagged");
    assert_eq!(numeric.text.len(), 18);
    assert!(numeric.text.starts_with("370202") && numeric.text.ends_with("000"));
    let masked = segment(xlsx, "名单!C5");
    assert_eq!(masked.text, "370202********123X");
    assert_eq!(segment(xlsx, "名单!D5").text, "138****5678");
    for cell in ["名单!D2", "名单!D3", "名单!D4", "名单!D6"] {
        let t = &segment(xlsx, cell).text;
        assert!(
            t.len() == 11 && t.starts_with('1'),
            "{cell} is a mobile number"
        );
    }
    for cell in ["名单!E2", "名单!E3", "名单!E4", "名单!E6"] {
        let t = &segment(xlsx, cell).text;
        assert!(
            t.contains('号') && t.contains("单元") && t.ends_with('室'),
            "{cell} is a home address"
        );
    }
    // Every planted spreadsheet and docx location exists.
    for p in planted.iter().filter(|p| p.location_contains.is_some()) {
        let loc = p.location_contains.as_deref().expect("location");
        let a = attachment(&obs, &p.url_contains);
        assert!(
            a.result.iter().flatten().any(|s| s.location.contains(loc)),
            "{} at {loc}",
            p.rule_id
        );
    }

    // The 临时救助 docx: a Luhn-valid UnionPay card beside 银行卡号, plus public look-alikes.
    let docx = attachment(&obs, "/shinan/files/linshijiuzhu.docx");
    let card = segment(docx, "段落4");
    assert!(card.text.contains("银行卡号"));
    assert!(
        digit_runs(&card.text)
            .iter()
            .any(|d| d.len() == 19 && d.starts_with("62") && luhn_valid(d)),
        "a valid UnionPay card number in 段落4"
    );
    let docx_text: String = docx
        .result
        .iter()
        .flatten()
        .map(|s| s.text.as_str())
        .collect();
    for look_alike in ["0532-82873016", "统一社会信用代码"] {
        assert!(docx_text.contains(look_alike), "docx has {look_alike}");
    }

    // Columns: fresh, stale, fresh, fresh, blank ×3.
    let cols = columns(&obs);
    let stale = today.checked_sub_months(Months::new(8)).expect("date");
    let expect: BTreeMap<String, (usize, Option<NaiveDate>, bool)> = [
        ("政务动态", (10, Some(days_ago(today, 1)), true)),
        ("通知公告", (5, Some(stale), true)),
        ("政策文件", (5, Some(days_ago(today, 6)), true)),
        ("人事信息", (4, Some(days_ago(today, 40)), true)),
        ("规划计划", (0, None, true)),
        ("专题专栏", (0, None, true)),
        ("互动交流", (0, None, true)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(cols, expect);

    // Links: exactly the three planted broken ones, the home-page one flagged as such.
    let checks = link_checks(&obs);
    let broken: BTreeMap<&str, &LinkCheck> = checks
        .iter()
        .filter(|l| l.result.is_broken())
        .map(|l| (l.url.path(), *l))
        .collect();
    let planted_broken: BTreeSet<&str> = planted
        .iter()
        .filter(|p| p.rule_id == "link.broken" && p.account == SITE_A)
        .map(|p| p.url_contains.as_str())
        .collect();
    assert_eq!(
        broken.keys().copied().collect::<BTreeSet<_>>(),
        planted_broken
    );
    let home_404 = broken["/shinan/szdag/index.html"];
    assert!(matches!(
        home_404.result,
        LinkStatus::Broken {
            status: Some(404),
            ..
        }
    ));
    assert!(home_404.linked_from.iter().any(|s| s.is_home));
    let err_500 = broken["/shinan/zcjd/tujie_louyu.html"];
    assert!(matches!(
        err_500.result,
        LinkStatus::Broken {
            status: Some(500),
            ..
        }
    ));
    assert!(err_500.linked_from.iter().all(|s| !s.is_home));
    let image = broken["/shinan/images/zcjd_louyu.jpg"];
    assert_eq!(image.kind, LinkKind::Image);
    assert!(matches!(
        image.result,
        LinkStatus::Broken {
            status: Some(404),
            ..
        }
    ));
    let external = checks
        .iter()
        .find(|l| l.url.path() == "/qdgov/")
        .expect("external link checked");
    assert!(matches!(external.result, LinkStatus::Ok { status: 200 }));

    // Nothing else failed: no source, attachment or unexpected page failures.
    for o in &obs {
        if let Observation::Failure(f) = o {
            assert!(
                matches!(f.scope, FailureScope::Page | FailureScope::Robots),
                "unexpected {:?} failure at {:?}",
                f.scope,
                f.url.as_ref().map(Url::path)
            );
        }
    }
    estate.shutdown().await;
}

#[tokio::test]
async fn site_b_is_healthy_but_for_a_broken_banner_and_a_mobile_number() {
    let (estate, today) = start().await;
    let obs = crawl(&crawler(), &account(&estate, SITE_B)).await;
    let home = pages(&obs).find(|p| p.is_home).expect("home page");
    assert_eq!(home.encoding.as_deref(), Some("UTF-8"));
    assert!(home.text.contains("青岛市教育局"));
    let yesterday = days_ago(today, 1).format("%Y-%m-%d").to_string();
    assert!(
        home.text.contains(&yesterday),
        "home page lists yesterday's news"
    );

    let cols = columns(&obs);
    assert_eq!(cols["通知公告"], (5, Some(days_ago(today, 2)), true));
    assert_eq!(cols["教育动态"], (6, Some(days_ago(today, 1)), true));
    assert_eq!(cols["政策解读"], (4, Some(days_ago(today, 3)), true));
    assert_eq!(cols.len(), 3);

    let broken: Vec<&LinkCheck> = link_checks(&obs)
        .into_iter()
        .filter(|l| l.result.is_broken())
        .collect();
    assert_eq!(broken.len(), 1, "only the banner is broken");
    assert_eq!(broken[0].url.path(), "/edu/images/banner_zhaosheng.jpg");
    assert_eq!(broken[0].kind, LinkKind::Image);
    assert!(broken[0].linked_from.iter().any(|s| s.is_home));

    let planted = estate.planted();
    let mobile = planted
        .iter()
        .find(|p| p.account == SITE_B && p.rule_id == "pii.mobile")
        .expect("mobile planted");
    let notice = pages(&obs)
        .find(|p| p.url.as_str().contains(&mobile.url_contains))
        .expect("notice crawled");
    assert!(notice.text.contains("联系人：王老师"));
    let contact_line = notice
        .text
        .lines()
        .find(|l| l.contains("联系人"))
        .expect("contact line");
    assert!(
        digit_runs(contact_line)
            .iter()
            .any(|d| d.len() == 11 && d.starts_with("139")),
        "a full mobile number in the contact line"
    );
    for look_alike in ["0532-85912345", "12345政务服务便民热线"] {
        assert!(contact_line.contains(look_alike), "{look_alike} beside it");
    }
    assert!(!obs.iter().any(|o| matches!(o, Observation::Failure(_))));
    estate.shutdown().await;
}

#[tokio::test]
async fn feeds_report_activity_and_a_broken_route_is_a_source_failure() {
    let (estate, today) = start().await;
    let crawler = crawler();
    let newest = |obs: &[Observation]| {
        obs.iter().find_map(|o| match o {
            Observation::FeedSummary(s) => Some((s.post_count, s.newest_published.map(china_date))),
            _ => None,
        })
    };
    let posts = |obs: &[Observation]| -> Vec<govwatch_crawlers::FeedPost> {
        obs.iter()
            .filter_map(|o| match o {
                Observation::Post(p) => Some(p.clone()),
                _ => None,
            })
            .collect()
    };

    let wechat = crawl(&crawler, &account(&estate, WECHAT)).await;
    assert_eq!(
        newest(&wechat),
        Some((10, Some(today))),
        "青岛发布 posted today"
    );
    let wechat_posts = posts(&wechat);
    assert!(wechat_posts.iter().any(|p| p.text.contains("再接再励")));
    assert!(wechat_posts.iter().all(|p| {
        p.link
            .as_ref()
            .is_some_and(|l| l.path().starts_with("/m/qingdaofabu/"))
    }));

    let weibo = crawl(&crawler, &account(&estate, WEIBO)).await;
    assert_eq!(newest(&weibo), Some((6, Some(days_ago(today, 20)))));

    let douyin = crawl(&crawler, &account(&estate, DOUYIN)).await;
    assert_eq!(newest(&douyin), Some((6, Some(days_ago(today, 9)))));
    assert!(posts(&douyin).iter().any(|p| {
        p.text.contains("电话")
            && digit_runs(&p.text)
                .iter()
                .any(|d| d.len() == 11 && d.starts_with('1'))
    }));

    // A broken RSSHub route is a failure of the source, not an account with no posts.
    let toutiao = crawl(&crawler, &account(&estate, TOUTIAO)).await;
    assert_eq!(toutiao.len(), 1, "only the failure");
    match &toutiao[0] {
        Observation::Failure(f) => {
            assert_eq!(f.scope, FailureScope::Source);
            assert_eq!(f.kind, FailureKind::Http { status: 503 });
            assert!(
                f.message.contains("RSSHub"),
                "error page title in the message"
            );
        }
        _ => panic!("expected a source failure"),
    }

    // Post links lead to real pages.
    let link = wechat_posts[0].link.clone().expect("link");
    let page = reqwest::get(link).await.expect("post page");
    assert_eq!(page.status(), 200);
    estate.shutdown().await;
}

#[tokio::test]
async fn planted_list_covers_every_rule_and_look_alikes_are_really_served() {
    let (estate, _) = start().await;
    let accounts = estate.accounts();
    let names: BTreeSet<&str> = accounts.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names.len(), 6);
    for a in &accounts {
        let url = Url::parse(a.url.as_deref().expect("url")).expect("valid url");
        assert_eq!(url.host_str(), estate.base_url().host_str());
        assert!(a.department.starts_with("青岛市/"));
    }
    let planted = estate.planted();
    let mut per_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &planted {
        assert!(
            names.contains(p.account.as_str()),
            "{} names a demo account",
            p.rule_id
        );
        *per_rule.entry(p.rule_id).or_default() += 1;
    }
    let expected: BTreeMap<&str, usize> = [
        ("activity.inactive_account", 2),
        ("error.misused_word", 4),
        ("error.serious_expression", 2),
        ("link.broken", 4),
        ("pii.address", 4),
        ("pii.bank_card", 1),
        ("pii.mobile", 6),
        ("pii.resident_id", 4),
        ("site.column_blank", 3),
        ("site.column_stale", 1),
        ("source.unreachable", 1),
    ]
    .into_iter()
    .collect();
    assert_eq!(per_rule, expected);

    // Every look-alike is somewhere in what a crawl sees, so "never flagged" means something.
    let crawler = crawler();
    let mut text = String::new();
    for a in &accounts {
        text.push_str(&all_text(&crawl(&crawler, a).await));
    }
    let look_alikes = estate.never_flagged();
    assert_eq!(look_alikes.len(), 6);
    for (i, s) in look_alikes.iter().enumerate() {
        assert!(text.contains(s), "look-alike #{i} is served");
    }
    estate.shutdown().await;
}

#[tokio::test]
async fn shutdown_stops_serving_and_dropping_does_too() {
    let (estate, _) = start().await;
    let robots = estate.base_url().join("robots.txt").expect("url");
    let body = reqwest::get(robots.clone())
        .await
        .expect("up")
        .text()
        .await
        .expect("body");
    assert!(body.contains("Disallow: /shinan/admin/"));
    let missing = reqwest::get(estate.base_url().join("nope.html").expect("url"))
        .await
        .expect("up");
    assert_eq!(missing.status(), 404);
    estate.shutdown().await;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    assert!(client.get(robots).send().await.is_err(), "stopped");

    let (estate, _) = start().await;
    let robots = estate.base_url().join("robots.txt").expect("url");
    drop(estate);
    let mut stopped = false;
    for _ in 0..50 {
        if client.get(robots.clone()).send().await.is_err() {
            stopped = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(stopped, "dropping the estate stops the server");
}
