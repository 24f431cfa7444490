//! Columns (栏目): the site's navigation sections and how fresh each section's list is.
//!
//! The national indicators single-veto a site whose columns are not updated or are blank, so
//! the crawler reports, per column, how many items its first list page shows and the newest
//! item date. Detection is heuristic by necessity (every CMS marks up menus differently):
//! first an element whose tag is `nav` or whose class/id says nav/menu/column/lm (栏目 in
//! pinyin), then, failing that, the first list of in-scope links with short anchor texts.

use std::collections::HashSet;
use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
use ego_tree::iter::Edge;
use regex::Regex;
use scraper::{ElementRef, Node};
use url::Url;

use crate::html::{HtmlDocument, LinkKind, kind_by_extension, resolve};

/// A navigation column found on the home page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Anchor text.
    pub name: String,
    /// List page URL.
    pub url: Url,
}

/// What a list page shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListSummary {
    /// List items (li/tr/dd rows) carrying a link and a date.
    pub item_count: usize,
    /// Newest date among them.
    pub newest: Option<NaiveDate>,
}

/// Longest anchor text (in characters) that still looks like a column name.
const MAX_COLUMN_NAME_CHARS: usize = 12;

/// Whether `url` is inside the crawl scope of `base`: same scheme-less origin and under the
/// base URL's directory.
pub fn in_scope(base: &Url, url: &Url) -> bool {
    url.host_str() == base.host_str()
        && url.port_or_known_default() == base.port_or_known_default()
        && url.path().starts_with(scope_prefix(base))
}

/// The directory part of the base URL's path (`/a/b/index.html` → `/a/b/`).
pub fn scope_prefix(base: &Url) -> &str {
    let path = base.path();
    match path.rfind('/') {
        Some(i) => &path[..=i],
        None => "/",
    }
}

fn marks_navigation(el: &scraper::node::Element) -> bool {
    if el.name() == "nav" {
        return true;
    }
    let id = el.id().into_iter();
    let classes = el.classes();
    id.chain(classes).any(|v| {
        v.split(|c: char| !c.is_ascii_alphanumeric())
            .map(str::to_ascii_lowercase)
            .any(|t| {
                t.contains("nav")
                    || t.contains("menu")
                    || t.contains("column")
                    || t.starts_with("lm")
            })
    })
}

impl HtmlDocument {
    /// Navigation columns of a home page, restricted to links inside `scope` (the site base).
    pub fn nav_columns(&self, scope: &Url) -> Vec<Column> {
        let base = self.base_url();
        let root = self.html.root_element();
        let candidates = root
            .descendants()
            .filter_map(ElementRef::wrap)
            .filter(|e| marks_navigation(e.value()));
        for candidate in candidates {
            let cols = self.column_links(candidate, &base, scope);
            if cols.len() >= 2 {
                return cols;
            }
        }
        root.descendants()
            .filter_map(ElementRef::wrap)
            .filter(|e| matches!(e.value().name(), "ul" | "ol"))
            .map(|list| self.column_links(list, &base, scope))
            .find(|cols| cols.len() >= 3)
            .unwrap_or_default()
    }

    fn column_links(&self, container: ElementRef<'_>, base: &Url, scope: &Url) -> Vec<Column> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for a in container.descendants().filter_map(ElementRef::wrap) {
            if a.value().name() != "a" {
                continue;
            }
            let Some(url) = a.value().attr("href").and_then(|h| resolve(base, h)) else {
                continue;
            };
            let name = a.text().collect::<String>();
            let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
            let chars = name.chars().count();
            if chars == 0
                || chars > MAX_COLUMN_NAME_CHARS
                || !in_scope(scope, &url)
                || kind_by_extension(&url) != LinkKind::Page
                || is_home_url(scope, &url)
                || !seen.insert(url.clone())
            {
                continue;
            }
            out.push(Column { name, url });
        }
        out
    }

    /// Counts list items (li, tr, dd without nested rows) that carry a link and a date.
    pub fn list_summary(&self, today: NaiveDate) -> ListSummary {
        let mut summary = ListSummary::default();
        // A stack of open row elements: (has link, text so far, has nested row).
        let mut rows: Vec<(bool, String, bool)> = Vec::new();
        for edge in self.html.tree.root().traverse() {
            match edge {
                Edge::Open(node) => match node.value() {
                    Node::Element(el) => {
                        if is_row(el.name()) {
                            if let Some(parent) = rows.last_mut() {
                                parent.2 = true;
                            }
                            rows.push((false, String::new(), false));
                        }
                        if el.name() == "a"
                            && el.attr("href").is_some()
                            && let Some(row) = rows.last_mut()
                        {
                            row.0 = true;
                        }
                    }
                    Node::Text(t) => {
                        if let Some(row) = rows.last_mut()
                            && row.1.len() < 4096
                        {
                            row.1.push_str(t);
                            row.1.push(' ');
                        }
                    }
                    _ => {}
                },
                Edge::Close(node) => {
                    if let Node::Element(el) = node.value()
                        && is_row(el.name())
                        && let Some((has_link, text, nested)) = rows.pop()
                    {
                        if let Some(parent) = rows.last_mut() {
                            parent.1.push_str(&text);
                        }
                        if has_link
                            && !nested
                            && let Some(date) = parse_list_date(&text, today)
                        {
                            summary.item_count += 1;
                            summary.newest = summary.newest.max(Some(date));
                        }
                    }
                }
            }
        }
        summary
    }
}

fn is_row(name: &str) -> bool {
    matches!(name, "li" | "tr" | "dd")
}

fn is_home_url(scope: &Url, url: &Url) -> bool {
    let prefix = scope_prefix(scope);
    let path = url.path();
    url.query().is_none()
        && (path == prefix
            || path
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with("index.") && !rest.contains('/')))
}

static FULL_DATE: LazyLock<Regex> = LazyLock::new(|| {
    // 2025-05-16, 2025/5/16, 2025.05.16, 2025年5月16日. Literal pattern: cannot fail.
    Regex::new(r"(?:^|\D)(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?:\s*日|\D|$)")
        .expect("static regex")
});

static MONTH_DAY: LazyLock<Regex> = LazyLock::new(|| {
    // [05-16] or 05-16, not part of a longer number or date.
    Regex::new(r"(?:^|[^\d\-/.])\[?(\d{1,2})-(\d{1,2})\]?(?:[^\d\-/.]|$)").expect("static regex")
});

/// Finds a list date in item text. Full dates win; a bare month-day (`05-16`, `[05-16]`)
/// gets the most recent year that does not put it after `today`.
pub fn parse_list_date(text: &str, today: NaiveDate) -> Option<NaiveDate> {
    for c in FULL_DATE.captures_iter(text) {
        let y = c[1].parse().ok()?;
        let m = c[2].parse().ok()?;
        let d = c[3].parse().ok()?;
        if let Some(date) = NaiveDate::from_ymd_opt(y, m, d) {
            return Some(date);
        }
    }
    for c in MONTH_DAY.captures_iter(text) {
        let (Ok(m), Ok(d)) = (c[1].parse::<u32>(), c[2].parse::<u32>()) else {
            continue;
        };
        // Feb 29 may need to go back up to eight years to find a leap year.
        let found = (0..8).find_map(|back| {
            NaiveDate::from_ymd_opt(today.year() - back, m, d).filter(|date| *date <= today)
        });
        if found.is_some() {
            return found;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    #[test]
    fn all_five_date_formats() {
        let today = day(2025, 6, 1);
        assert_eq!(
            parse_list_date("通知 2025-05-16", today),
            Some(day(2025, 5, 16))
        );
        assert_eq!(
            parse_list_date("通知2025/5/16", today),
            Some(day(2025, 5, 16))
        );
        assert_eq!(
            parse_list_date("(2025.05.16)", today),
            Some(day(2025, 5, 16))
        );
        assert_eq!(
            parse_list_date("发布：2025年5月16日", today),
            Some(day(2025, 5, 16))
        );
        assert_eq!(
            parse_list_date("公告[05-16]", today),
            Some(day(2025, 5, 16))
        );
        assert_eq!(parse_list_date("公告 05-16", today), Some(day(2025, 5, 16)));
    }

    #[test]
    fn month_day_year_is_the_latest_not_after_today() {
        let today = day(2025, 3, 1);
        assert_eq!(parse_list_date("[12-30]", today), Some(day(2024, 12, 30)));
        assert_eq!(parse_list_date("03-01", today), Some(day(2025, 3, 1)));
        assert_eq!(parse_list_date("02-29", today), Some(day(2024, 2, 29)));
        assert_eq!(parse_list_date("电话 0531-88886666", today), None);
        assert_eq!(parse_list_date("13-45", today), None);
        assert_eq!(parse_list_date("无日期", today), None);
    }

    #[test]
    fn detects_nav_columns_in_scope() {
        let page = r#"<div class="top-nav"><a href="/">首页</a><a href="/xwzx/">新闻中心</a>
            <a href="/zwgk/index.html">政务公开</a><a href="http://other.cn/x">外站</a>
            <a href="/hdjl/">互动交流</a></div>"#;
        let home = Url::parse("http://x.gov.cn/").expect("url");
        let cols = HtmlDocument::parse(page, &home).nav_columns(&home);
        let names: Vec<&str> = cols.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["新闻中心", "政务公开", "互动交流"]);
        assert_eq!(cols[1].url.as_str(), "http://x.gov.cn/zwgk/index.html");
    }

    #[test]
    fn falls_back_to_first_short_link_list() {
        let page = r#"<p><a href="/long">这是一条非常非常长的新闻标题不像栏目名称</a></p>
            <ul><li><a href="/a/">机构</a></li><li><a href="/b/">政策</a></li>
            <li><a href="/c/">服务</a></li></ul>"#;
        let home = Url::parse("http://x.gov.cn/index.html").expect("url");
        let cols = HtmlDocument::parse(page, &home).nav_columns(&home);
        assert_eq!(cols.len(), 3);
    }

    #[test]
    fn list_summary_counts_dated_rows_with_links() {
        let page = r#"<ul class="nav"><li><a href="/a">栏目</a></li></ul>
            <ul><li><a href="1.html">通知一</a><span>2025-05-16</span></li>
            <li><a href="2.html">通知二</a><span>[05-20]</span></li>
            <li>没有链接 2025-05-30</li></ul>
            <table><tr><td><a href="3.html">公告</a></td><td>2025年4月1日</td></tr></table>"#;
        let url = Url::parse("http://x.gov.cn/tzgg/").expect("url");
        let s = HtmlDocument::parse(page, &url).list_summary(day(2025, 6, 1));
        assert_eq!(s.item_count, 3);
        assert_eq!(s.newest, Some(day(2025, 5, 20)));
    }
}
