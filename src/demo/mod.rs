//! The demo / fixture estate (演示环境): two government websites and four social-media feeds
//! served from memory on one loopback port, with problems planted on purpose.
//!
//! It serves two purposes with one body of content:
//! - `govwatch demo` lets a new user see govwatch work with no internet: register the
//!   [`DemoEstate::accounts`], crawl them, browse the findings;
//! - end-to-end tests crawl the same estate and check that every rule fires where
//!   [`DemoEstate::planted`] says, and never on [`DemoEstate::never_flagged`] look-alikes.
//!
//! Everything is generated at start from `today`, so dates stay realistic on any day and two
//! estates started with the same `today` serve the same content (only the port differs).
//!
//! # URL map
//!
//! | path | what |
//! | --- | --- |
//! | `/robots.txt` | allows all but `/shinan/admin/` |
//! | `/` | an index of the estate (UTF-8) |
//! | `/shinan/` | Site A 市南区人民政府门户网站, GBK: 7 columns (`zwdt`, `tzgg`, `zcwj`, `rsxx`, `ghjh`, `ztzl`, `hdjl`), articles `/shinan/<col>/<yyyymm>/t<yyyymmdd>_<n>.html`, `/shinan/zwdt/index_1.html` (page 2) |
//! | `/shinan/files/dibao.xlsx`, `/shinan/files/linshijiuzhu.docx` | attachments with leaked personal information |
//! | `/shinan/szdag/index.html` | 404, linked from Site A's home page |
//! | `/shinan/zcjd/tujie_louyu.html` | 500, linked from a policy article; `/shinan/images/zcjd_louyu.jpg` 404 image on it |
//! | `/shinan/admin/` | the CMS login, closed by robots.txt |
//! | `/edu/` | Site B 青岛市教育局网站, UTF-8: columns `tzgg`, `jydt`, `zcjd`; `/edu/images/banner_zhaosheng.jpg` 404 on the home page |
//! | `/qdgov/` | an out-of-scope "external" site linked from Site A |
//! | `/feeds/qingdaofabu.xml` | WeChat 青岛发布, RSS 2.0 |
//! | `/feeds/shinanfabu.atom` | Weibo 市南发布, Atom |
//! | `/feeds/shibeiedu.json` | Douyin 市北区教育, JSON Feed 1.1 |
//! | `/feeds/laoshan.xml` | Toutiao 崂山发布: HTTP 503 with RSSHub's HTML error page |
//! | `/m/<account>/<n>.html` | one page per feed post |

mod articles;
mod content;
mod estate;
mod feeds;
mod files;
mod ids;
mod register;
mod site_a;
mod site_a_text;
mod site_b;

pub use estate::DemoEstate;
pub use register::register_estate;

/// Site A's account name.
pub const SITE_A: &str = "市南区人民政府门户网站";
/// Site B's account name.
pub const SITE_B: &str = "青岛市教育局网站";
/// The active WeChat account.
pub const WECHAT: &str = "青岛发布";
/// The Weibo account silent for 20 days.
pub const WEIBO: &str = "市南发布";
/// The Douyin account silent for 9 days.
pub const DOUYIN: &str = "市北区教育";
/// The Toutiao account whose feed route is broken.
pub const TOUTIAO: &str = "崂山发布";

/// An account of the estate, as the registry should hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAccount {
    /// Account name (Chinese).
    pub name: String,
    /// Registry platform code: `website`, `wechat`, `weibo`, `douyin`, `toutiao`.
    pub platform: &'static str,
    /// Owning department as a path of names from the city down, e.g. `青岛市/市南区人民政府`.
    pub department: String,
    /// Website base URL, or the direct feed URL of a social-media account.
    pub url: Option<String>,
    /// Account handle on its platform (not needed to crawl: the direct feed URL wins).
    pub handle: Option<String>,
}

/// One finding a correct govwatch must report after crawling the estate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planted {
    /// Rule id, as the rules engine names it (`pii.resident_id`, `link.broken`, ...).
    pub rule_id: &'static str,
    /// Name of the [`DemoAccount`] the finding belongs to.
    pub account: String,
    /// A substring of the finding's URL: the page, attachment, link target, column list page
    /// or feed. For feed posts it is the account's slug (`qingdaofabu`), which both the feed
    /// URL and the post links contain.
    pub url_contains: String,
    /// A substring of the finding's location inside the document, where there is one:
    /// `名单!C2` (spreadsheet cell), `段落4` (docx paragraph).
    pub location_contains: Option<String>,
    /// What was planted (Chinese), for test messages and the demo's guide.
    pub note: &'static str,
}
