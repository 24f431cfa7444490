//! The in-memory estate: every served resource by path, and what was planted where, built
//! once at start. Also the small helpers the site builders share (dates in the styles
//! Chinese CMSs print them, HTML escaping, article URLs).

use std::collections::HashMap;

use axum::body::Bytes;
use chrono::{Datelike, Days, Months, NaiveDate};
use url::Url;

use super::Planted;

/// One thing the server answers with.
#[derive(Debug, Clone)]
pub(crate) struct Resource {
    /// HTTP status.
    pub(crate) status: u16,
    /// `Content-Type` header.
    pub(crate) content_type: &'static str,
    /// Body bytes, already in the encoding the content type names.
    pub(crate) body: Bytes,
}

/// Collects resources and planted findings while the sites are generated.
pub(crate) struct Builder {
    /// `http://127.0.0.1:PORT/`.
    pub(crate) base: Url,
    /// The day the estate pretends it is.
    pub(crate) today: NaiveDate,
    pub(crate) resources: HashMap<String, Resource>,
    pub(crate) planted: Vec<Planted>,
    /// Next article number, so article URLs look like a CMS's `t20250516_4401230.html`.
    next_article: u32,
}

impl Builder {
    pub(crate) fn new(base: Url, today: NaiveDate) -> Self {
        Self {
            base,
            today,
            resources: HashMap::new(),
            planted: Vec::new(),
            next_article: 4_401_230,
        }
    }

    /// Serves `body` at `path` (absolute, starting with `/`).
    pub(crate) fn add(
        &mut self,
        path: impl Into<String>,
        status: u16,
        content_type: &'static str,
        body: impl Into<Bytes>,
    ) {
        self.resources.insert(
            path.into(),
            Resource {
                status,
                content_type,
                body: body.into(),
            },
        );
    }

    /// Serves a UTF-8 HTML page.
    pub(crate) fn html(&mut self, path: impl Into<String>, html: String) {
        self.add(path, 200, "text/html; charset=utf-8", html);
    }

    /// Serves an HTML page encoded in GBK, the way many old district CMSs still do.
    /// Characters GBK cannot hold would become numeric character references (encoding_rs's
    /// HTML encoder behaviour); the unit tests prove the demo text has none.
    pub(crate) fn html_gbk(&mut self, path: impl Into<String>, html: String) {
        let (bytes, _, _) = encoding_rs::GBK.encode(&html);
        self.add(path, 200, "text/html; charset=gbk", bytes.into_owned());
    }

    /// The absolute URL of a path on the estate.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path.trim_start_matches('/'))
    }

    /// Records an intended finding.
    pub(crate) fn plant(
        &mut self,
        rule_id: &'static str,
        account: &str,
        url_contains: impl Into<String>,
        location_contains: Option<String>,
        note: &'static str,
    ) {
        self.planted.push(Planted {
            rule_id,
            account: account.to_string(),
            url_contains: url_contains.into(),
            location_contains,
            note,
        });
    }

    /// A CMS-style article path: `{dir}{yyyymm}/t{yyyymmdd}_{n}.html`.
    pub(crate) fn article_path(&mut self, dir: &str, date: NaiveDate) -> String {
        let n = self.next_article;
        self.next_article += 7;
        format!(
            "{dir}{:04}{:02}/t{:04}{:02}{:02}_{n}.html",
            date.year(),
            date.month(),
            date.year(),
            date.month(),
            date.day()
        )
    }

    /// `today` minus `days`.
    pub(crate) fn days_ago(&self, days: u64) -> NaiveDate {
        self.today
            .checked_sub_days(Days::new(days))
            .unwrap_or(self.today)
    }

    /// `today` minus `months` and `days`.
    pub(crate) fn months_ago(&self, months: u32, days: u64) -> NaiveDate {
        self.today
            .checked_sub_months(Months::new(months))
            .and_then(|d| d.checked_sub_days(Days::new(days)))
            .unwrap_or(self.today)
    }
}

/// The ways list pages print dates.
#[derive(Debug, Clone, Copy)]
pub(crate) enum DateStyle {
    /// `2025-05-16`
    Iso,
    /// `2025/5/16`
    Slash,
    /// `2025年5月16日`
    Chinese,
    /// `[05-16]`
    Bracket,
}

impl DateStyle {
    pub(crate) fn format(self, d: NaiveDate) -> String {
        let (y, m, day) = (d.year(), d.month(), d.day());
        match self {
            DateStyle::Iso => format!("{y:04}-{m:02}-{day:02}"),
            DateStyle::Slash => format!("{y}/{m}/{day}"),
            DateStyle::Chinese => format!("{y}年{m}月{day}日"),
            DateStyle::Bracket => format!("[{m:02}-{day:02}]"),
        }
    }
}

/// Fills `{Y}` (year), `{M}` (month) and `{D}` (day) of `date` into a text template.
pub(crate) fn fill(template: &str, date: NaiveDate) -> String {
    template
        .replace("{Y}", &date.year().to_string())
        .replace("{M}", &date.month().to_string())
        .replace("{D}", &date.day().to_string())
}

/// Escapes text for HTML and XML element content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Paragraphs as `<p>` elements, with the indent Chinese official text uses.
pub(crate) fn paragraphs(paras: &[String]) -> String {
    paras
        .iter()
        .map(|p| format!("<p style=\"text-indent:2em\">{}</p>\n", escape(p)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_styles_and_templates() {
        let d = NaiveDate::from_ymd_opt(2025, 5, 6).expect("date");
        assert_eq!(DateStyle::Iso.format(d), "2025-05-06");
        assert_eq!(DateStyle::Slash.format(d), "2025/5/6");
        assert_eq!(DateStyle::Chinese.format(d), "2025年5月6日");
        assert_eq!(DateStyle::Bracket.format(d), "[05-06]");
        assert_eq!(fill("{Y}年{M}月{D}日", d), "2025年5月6日");
        assert_eq!(
            escape("<a href=\"x\">&</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;"
        );
    }

    #[test]
    fn article_paths_look_like_a_cms() {
        let today = NaiveDate::from_ymd_opt(2025, 3, 31).expect("date");
        let mut b = Builder::new(Url::parse("http://127.0.0.1:1/").expect("url"), today);
        assert_eq!(
            b.article_path("/shinan/zwdt/", b.days_ago(1)),
            "/shinan/zwdt/202503/t20250330_4401230.html"
        );
        assert_eq!(
            b.months_ago(1, 0),
            NaiveDate::from_ymd_opt(2025, 2, 28).expect("d")
        );
        assert_eq!(b.url("/edu/"), "http://127.0.0.1:1/edu/");
    }
}
