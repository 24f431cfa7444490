//! HTML pages: title, visible text and links, in one pass over the parsed tree.
//!
//! The document is parsed once by scraper (html5ever, so broken markup is repaired the way
//! browsers repair it) and walked iteratively with ego-tree's `traverse`, so a maliciously
//! deep document cannot overflow the stack. Column detection ([`crate::columns`]) reuses the
//! same parsed [`HtmlDocument`].

use std::collections::HashSet;

use ego_tree::iter::Edge;
use scraper::{ElementRef, Html, Node};
use serde::{Deserialize, Serialize};
use url::Url;

/// What a link points at, as far as the markup and the URL tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// An ordinary page (`a`, `area`, other `link` relations).
    Page,
    /// An image (`img`, icon, or an `a` to an image file).
    Image,
    /// A script (`script[src]`).
    Script,
    /// A stylesheet (`link[rel=stylesheet]`).
    Stylesheet,
    /// An `iframe`/`frame` source.
    Frame,
    /// A document to download (pdf, doc, xls, zip, ...), decided by extension.
    Attachment,
}

/// A link found on a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Absolute target, fragment removed.
    pub url: Url,
    /// What it points at.
    pub kind: LinkKind,
    /// Anchor text (or the `alt` of an image inside the anchor), whitespace collapsed.
    pub text: String,
}

/// Title, visible text and links of one page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedHtml {
    /// `<title>` text, whitespace collapsed.
    pub title: Option<String>,
    /// Visible text: scripts, styles and `noscript` skipped, one block element per line.
    pub text: String,
    /// Distinct (url, kind) links in document order.
    pub links: Vec<Link>,
}

/// File extensions of documents that count as attachments (lower case).
pub const ATTACHMENT_EXTENSIONS: &[&str] = &[
    "pdf", "doc", "docx", "xls", "xlsx", "wps", "et", "dps", "ppt", "pptx", "csv", "txt", "zip",
    "rar", "7z", "ofd", "ceb", "odt", "ods", "rtf", "md",
];

const IMAGE_EXTENSIONS: &[&str] = &[
    "jpg", "jpeg", "png", "gif", "bmp", "webp", "svg", "ico", "tif", "tiff",
];

/// Elements whose text is never shown.
const HIDDEN: &[&str] = &["script", "style", "noscript", "template", "head", "select"];

/// Elements that start a new line of visible text.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "section",
    "article",
    "table",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "header",
    "footer",
    "nav",
    "aside",
    "form",
    "blockquote",
    "pre",
    "hr",
    "main",
    "figure",
    "figcaption",
    "address",
    "caption",
    "tbody",
    "thead",
    "center",
    "title",
];

/// The extension of a URL's last path segment, lower-cased.
pub fn url_extension(url: &Url) -> Option<String> {
    let last = url.path_segments()?.next_back()?;
    let (_, ext) = last.rsplit_once('.')?;
    (!ext.is_empty() && ext.len() <= 5).then(|| ext.to_ascii_lowercase())
}

/// Classifies an `a`/`area` target by its extension.
pub fn kind_by_extension(url: &Url) -> LinkKind {
    match url_extension(url) {
        Some(ext) if ATTACHMENT_EXTENSIONS.contains(&ext.as_str()) => LinkKind::Attachment,
        Some(ext) if IMAGE_EXTENSIONS.contains(&ext.as_str()) => LinkKind::Image,
        _ => LinkKind::Page,
    }
}

/// A parsed HTML document with the URL it was served from.
pub struct HtmlDocument {
    pub(crate) html: Html,
    pub(crate) url: Url,
}

/// Deepest element nesting parsed. html5ever's tree builder scans the stack of open elements
/// for many start tags, so nesting depth d costs O(d²): a hostile page of 10 MB of `<div>`s
/// would take hours. Real pages stay far below this.
const MAX_NESTING: usize = 2048;

/// Elements that never nest in practice (void, or closed implicitly by the next sibling).
const NON_NESTING: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr", "p", "li", "td", "th", "tr", "option", "dt", "dd", "param",
];

/// The longest prefix of `text` whose estimated element nesting stays under `max_depth`.
/// A linear scan over tags; comments and script bodies are not special-cased, which only
/// makes the estimate conservative.
fn safe_prefix(text: &str, max_depth: usize) -> &str {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(off) = bytes[i..].iter().position(|&b| b == b'<') {
        let start = i + off;
        i = start + 1;
        let closing = bytes.get(i) == Some(&b'/');
        let name_start = if closing { i + 1 } else { i };
        let name_len = bytes[name_start.min(bytes.len())..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if name_len == 0 || !bytes[name_start].is_ascii_alphabetic() {
            continue;
        }
        let name = text[name_start..name_start + name_len].to_ascii_lowercase();
        if NON_NESTING.contains(&name.as_str()) {
            continue;
        }
        if closing {
            depth = depth.saturating_sub(1);
            continue;
        }
        // Bounded look-ahead keeps a run of unterminated tags linear.
        let self_closing = bytes[name_start + name_len..]
            .iter()
            .take(1024)
            .position(|&b| b == b'>')
            .is_some_and(|end| end > 0 && bytes[name_start + name_len + end - 1] == b'/');
        if !self_closing {
            depth += 1;
            if depth > max_depth {
                tracing::warn!(
                    offset = start,
                    "HTML nesting too deep; parsing only the prefix"
                );
                return &text[..start];
            }
        }
    }
    text
}

impl HtmlDocument {
    /// Parses decoded text. Never fails: html5ever repairs any markup. Input nested deeper
    /// than `MAX_NESTING` is cut at that point (see there why).
    pub fn parse(text: &str, url: &Url) -> Self {
        Self {
            html: Html::parse_document(safe_prefix(text, MAX_NESTING)),
            url: url.clone(),
        }
    }

    /// The base URL for relative links: `<base href>` if present and valid, else the page URL.
    pub fn base_url(&self) -> Url {
        self.html
            .tree
            .root()
            .descendants()
            .filter_map(ElementRef::wrap)
            .find(|e| e.value().name() == "base" && e.value().attr("href").is_some())
            .and_then(|e| e.value().attr("href"))
            .and_then(|href| self.url.join(href.trim()).ok())
            .unwrap_or_else(|| self.url.clone())
    }

    /// Title, visible text and links in one traversal.
    pub fn extract(&self) -> ParsedHtml {
        let base = self.base_url();
        let mut out = ParsedHtml::default();
        let mut text = TextBuilder::default();
        let mut title = String::new();
        let mut seen: HashSet<(Url, LinkKind)> = HashSet::new();
        let mut hidden_depth = 0usize;
        let mut in_title = false;
        // Index into out.links of the anchor whose text is being collected.
        let mut anchor: Option<usize> = None;
        let mut anchor_depth = 0usize;

        for edge in self.html.tree.root().traverse() {
            match edge {
                Edge::Open(node) => match node.value() {
                    Node::Element(el) => {
                        let name = el.name();
                        if name == "title" && title.is_empty() {
                            in_title = true;
                        }
                        if HIDDEN.contains(&name) {
                            hidden_depth += 1;
                        }
                        if BLOCKS.contains(&name) {
                            text.line_break();
                        } else if name == "td" || name == "th" {
                            text.space();
                        }
                        if let Some((raw, kind)) = link_attr(el)
                            && let Some(url) = resolve(&base, raw)
                        {
                            let kind = kind.unwrap_or_else(|| kind_by_extension(&url));
                            if seen.insert((url.clone(), kind)) {
                                out.links.push(Link {
                                    url,
                                    kind,
                                    text: String::new(),
                                });
                                if name == "a" || name == "area" {
                                    anchor = Some(out.links.len() - 1);
                                    anchor_depth = 0;
                                }
                            } else if name == "a" {
                                anchor = None;
                            }
                        }
                        if anchor.is_some() {
                            anchor_depth += 1;
                            if name == "img"
                                && let (Some(i), Some(alt)) = (anchor, el.attr("alt"))
                            {
                                push_collapsed(&mut out.links[i].text, alt);
                            }
                        }
                    }
                    Node::Text(t) => {
                        if in_title {
                            push_collapsed(&mut title, t);
                        } else if hidden_depth == 0 {
                            text.push(t);
                            if let Some(i) = anchor {
                                push_collapsed(&mut out.links[i].text, t);
                            }
                        }
                    }
                    _ => {}
                },
                Edge::Close(node) => {
                    if let Node::Element(el) = node.value() {
                        let name = el.name();
                        if name == "title" {
                            in_title = false;
                        }
                        if HIDDEN.contains(&name) {
                            hidden_depth = hidden_depth.saturating_sub(1);
                        }
                        if BLOCKS.contains(&name) {
                            text.line_break();
                        }
                        if anchor.is_some() {
                            anchor_depth = anchor_depth.saturating_sub(1);
                            if anchor_depth == 0 {
                                anchor = None;
                            }
                        }
                    }
                }
            }
        }
        for link in &mut out.links {
            let trimmed = link.text.trim();
            if trimmed.len() != link.text.len() {
                link.text = trimmed.to_string();
            }
        }
        let title = title.trim();
        out.title = (!title.is_empty()).then(|| title.to_string());
        out.text = text.finish();
        out
    }
}

/// The link-bearing attribute of an element and, when the tag decides it, the link kind.
fn link_attr(el: &scraper::node::Element) -> Option<(&str, Option<LinkKind>)> {
    match el.name() {
        "a" | "area" => el.attr("href").map(|h| (h, None)),
        "iframe" | "frame" => el.attr("src").map(|s| (s, Some(LinkKind::Frame))),
        "img" => el.attr("src").map(|s| (s, Some(LinkKind::Image))),
        "script" => el.attr("src").map(|s| (s, Some(LinkKind::Script))),
        "link" => {
            let href = el.attr("href")?;
            let rel = el.attr("rel").unwrap_or("").to_ascii_lowercase();
            let kind = if rel.split_whitespace().any(|r| r == "stylesheet") {
                LinkKind::Stylesheet
            } else if rel.contains("icon") {
                LinkKind::Image
            } else {
                LinkKind::Page
            };
            Some((href, Some(kind)))
        }
        _ => None,
    }
}

/// Resolves a raw attribute value to an absolute http(s) URL without fragment.
pub fn resolve(base: &Url, raw: &str) -> Option<Url> {
    let raw = raw.trim();
    if raw.is_empty() || raw.starts_with('#') {
        return None;
    }
    let lower = raw.get(..11).unwrap_or(raw).to_ascii_lowercase();
    if ["javascript:", "mailto:", "tel:", "data:", "about:", "sms:"]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        return None;
    }
    let mut url = base.join(raw).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return None;
    }
    url.set_fragment(None);
    Some(url)
}

/// Visible text of an HTML fragment (feed item bodies), one block per line.
pub fn visible_text(fragment: &str) -> String {
    let html = Html::parse_fragment(fragment);
    let mut text = TextBuilder::default();
    let mut hidden_depth = 0usize;
    for edge in html.tree.root().traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(el) => {
                    if HIDDEN.contains(&el.name()) {
                        hidden_depth += 1;
                    }
                    if BLOCKS.contains(&el.name()) {
                        text.line_break();
                    }
                }
                Node::Text(t) if hidden_depth == 0 => text.push(t),
                _ => {}
            },
            Edge::Close(node) => {
                if let Node::Element(el) = node.value() {
                    if HIDDEN.contains(&el.name()) {
                        hidden_depth = hidden_depth.saturating_sub(1);
                    }
                    if BLOCKS.contains(&el.name()) {
                        text.line_break();
                    }
                }
            }
        }
    }
    text.finish()
}

/// Appends `s` to `out`, collapsing whitespace runs to one space.
fn push_collapsed(out: &mut String, s: &str) {
    for (i, word) in s.split_whitespace().enumerate() {
        if (i > 0 || s.starts_with(char::is_whitespace)) && !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
        out.push_str(word);
    }
    if s.ends_with(char::is_whitespace) && !out.is_empty() && !out.ends_with(' ') {
        out.push(' ');
    }
}

/// Builds visible text: whitespace collapsed within a line, blank lines dropped.
#[derive(Default)]
struct TextBuilder {
    out: String,
    line_start: usize,
}

impl TextBuilder {
    fn push(&mut self, s: &str) {
        push_collapsed(&mut self.out, s);
    }

    fn space(&mut self) {
        if self.out.len() > self.line_start && !self.out.ends_with(' ') {
            self.out.push(' ');
        }
    }

    fn line_break(&mut self) {
        while self.out.len() > self.line_start && self.out.ends_with(' ') {
            self.out.pop();
        }
        if self.out.len() > self.line_start {
            self.out.push('\n');
            self.line_start = self.out.len();
        }
    }

    fn finish(mut self) -> String {
        self.line_break();
        // Lines may start with a space left by collapsed leading whitespace.
        if self.out.contains("\n ") || self.out.starts_with(' ') {
            self.out = self
                .out
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join("\n");
        } else if self.out.ends_with('\n') {
            self.out.pop();
        }
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("test url")
    }

    #[test]
    fn extracts_title_text_and_links_with_base() {
        let page = r#"<html><head><title> 市政府
            门户 </title><base href="http://x.gov.cn/sub/"><style>.a{}</style>
            <link rel="stylesheet" href="/s.css"><script src="app.js"></script></head>
            <body><div>通知<b>公告</b></div><script>var x = "不可见";</script>
            <p>第二段 <a href="a.html#top">新闻 中心</a> <a href="javascript:void(0)">x</a></p>
            <a href="f.pdf"><img src="i.png" alt="附件图"></a><iframe src="//y.gov.cn/f"></iframe>
            <noscript>隐藏</noscript><table><tr><td>甲</td><td>乙</td></tr></table></body></html>"#;
        let doc = HtmlDocument::parse(page, &url("http://x.gov.cn/index.html"));
        let p = doc.extract();
        assert_eq!(p.title.as_deref(), Some("市政府 门户"));
        assert_eq!(p.text, "通知公告\n第二段 新闻 中心 x\n甲 乙");
        let got: Vec<(&str, LinkKind, &str)> = p
            .links
            .iter()
            .map(|l| (l.url.as_str(), l.kind, l.text.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("http://x.gov.cn/s.css", LinkKind::Stylesheet, ""),
                ("http://x.gov.cn/sub/app.js", LinkKind::Script, ""),
                ("http://x.gov.cn/sub/a.html", LinkKind::Page, "新闻 中心"),
                ("http://x.gov.cn/sub/f.pdf", LinkKind::Attachment, "附件图"),
                ("http://x.gov.cn/sub/i.png", LinkKind::Image, ""),
                ("http://y.gov.cn/f", LinkKind::Frame, ""),
            ]
        );
    }

    #[test]
    fn deep_nesting_is_cut_before_parsing() {
        let page = "<p>前言</p>".to_string() + &"<div>".repeat(200_000) + "深";
        let started = std::time::Instant::now();
        let p = HtmlDocument::parse(&page, &url("http://x.gov.cn/")).extract();
        assert!(p.text.starts_with("前言"));
        assert!(
            !p.text.contains('深'),
            "content past the nesting cap is not parsed"
        );
        assert!(started.elapsed().as_secs() < 20, "linear, not quadratic");
        // Ordinary unclosed list items do not count as nesting.
        let list = "<ul>".to_string() + &"<li>项".repeat(20_000) + "</ul>尾";
        assert!(safe_prefix(&list, MAX_NESTING).ends_with('尾'));
    }

    #[test]
    fn fragment_text_strips_markup() {
        assert_eq!(
            visible_text("<p>第一段</p><p>第二<br>段<script>x</script></p>"),
            "第一段\n第二\n段"
        );
    }
}
