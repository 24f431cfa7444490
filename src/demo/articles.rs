//! Article data shared by the two demo sites: what a column lists, how old each item is,
//! and which problems an article carries on purpose.
//!
//! Texts are templates: `{Y}`/`{M}`/`{D}` become the article's own publication date, so the
//! estate reads naturally on any day it is started.

use chrono::NaiveDate;

use super::content::{Builder, DateStyle, escape, fill, paragraphs};

/// How long ago an item was published.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Age {
    /// Days before today.
    Days(u64),
    /// Months and then days before today.
    Months(u32, u64),
}

/// Markup an article carries besides its text.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Extra {
    /// Plain article.
    None,
    /// A downloadable attachment: link text and path.
    Attachment(&'static str, &'static str),
    /// A link to a page and an image, given as (link text, page path, image path).
    Illustrated(&'static str, &'static str, &'static str),
    /// A related link to another site: link text and path.
    Related(&'static str, &'static str),
}

/// A problem planted in an article's text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plant {
    /// Rule that must fire.
    pub(crate) rule_id: &'static str,
    /// The offending text, exactly as it appears in the article.
    pub(crate) needle: &'static str,
    /// What was planted (Chinese).
    pub(crate) note: &'static str,
}

/// One article of a column.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Article {
    pub(crate) age: Age,
    pub(crate) title: &'static str,
    pub(crate) source: &'static str,
    pub(crate) paras: &'static [&'static str],
    pub(crate) extra: Extra,
    pub(crate) plants: &'static [Plant],
}

impl Article {
    /// A plain article with no extras and nothing planted.
    pub(crate) const fn plain(
        age: Age,
        title: &'static str,
        source: &'static str,
        paras: &'static [&'static str],
    ) -> Self {
        Self {
            age,
            title,
            source,
            paras,
            extra: Extra::None,
            plants: &[],
        }
    }
}

/// A navigation column (栏目) and its items, newest first.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    /// Directory under the site root, e.g. `zwdt`.
    pub(crate) slug: &'static str,
    /// Column name as shown in the navigation.
    pub(crate) name: &'static str,
    /// How the list page prints dates.
    pub(crate) style: DateStyle,
    /// Items, newest first; empty for a blank column.
    pub(crate) articles: &'static [Article],
}

/// An article as generated: where it lives and what it says.
#[derive(Debug, Clone)]
pub(crate) struct Rendered {
    pub(crate) path: String,
    pub(crate) date: NaiveDate,
    pub(crate) title: String,
    /// Article body markup (title, meta line, paragraphs, extras).
    pub(crate) body: String,
}

impl Age {
    pub(crate) fn date(self, b: &Builder) -> NaiveDate {
        match self {
            Age::Days(d) => b.days_ago(d),
            Age::Months(m, d) => b.months_ago(m, d),
        }
    }
}

/// Generates the article's path and body markup, and records what it plants for `account`.
pub(crate) fn render(
    b: &mut Builder,
    site_root: &str,
    column: &Column,
    a: &Article,
    account: &str,
) -> Rendered {
    let date = a.age.date(b);
    let path = b.article_path(&format!("{site_root}{}/", column.slug), date);
    let title = fill(a.title, date);
    let paras: Vec<String> = a.paras.iter().map(|p| fill(p, date)).collect();
    let extra = match a.extra {
        Extra::None => String::new(),
        Extra::Attachment(label, href) => format!(
            "<div class=\"attach\"><p>附件：<a href=\"{href}\">{}</a></p></div>\n",
            escape(&fill(label, date))
        ),
        Extra::Illustrated(label, href, img) => format!(
            "<p>相关解读：<a href=\"{href}\">{}</a></p>\n<p style=\"text-align:center\"><img src=\"{img}\" alt=\"政策图解\" width=\"600\"></p>\n",
            escape(label)
        ),
        Extra::Related(label, href) => format!(
            "<p>相关链接：<a href=\"{href}\" target=\"_blank\">{}</a></p>\n",
            escape(label)
        ),
    };
    let body = format!(
        "<div class=\"article\">\n<h1>{}</h1>\n<div class=\"info\">发布日期：{}　来源：{}</div>\n<div class=\"content\">\n{}{extra}</div>\n</div>\n",
        escape(&title),
        DateStyle::Iso.format(date),
        escape(a.source),
        paragraphs(&paras)
    );
    for p in a.plants {
        // Only what the text really carries is promised: a typo fixed in the data must
        // not leave a stale entry in the planted list.
        if paras.iter().any(|t| t.contains(p.needle)) {
            b.plant(p.rule_id, account, path.clone(), None, p.note);
        } else {
            tracing::warn!(rule = p.rule_id, %path, "planted text missing from demo article");
        }
    }
    Rendered {
        path,
        date,
        title,
        body,
    }
}

/// List rows for rendered items in a column's date style.
pub(crate) fn list_rows(items: &[Rendered], style: DateStyle) -> String {
    items
        .iter()
        .map(|r| {
            format!(
                "<li><a href=\"{}\" title=\"{t}\" target=\"_blank\">{t}</a><span class=\"date\">{}</span></li>\n",
                r.path,
                style.format(r.date),
                t = escape(&r.title)
            )
        })
        .collect()
}
