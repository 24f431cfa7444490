//! sitemap.xml and sitemap index files: `<loc>` values of `<url>` and `<sitemap>` entries.

use quick_xml::Reader;
use quick_xml::events::Event;
use url::Url;

/// What one sitemap file lists.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SitemapEntries {
    /// Page URLs (`<urlset><url><loc>`).
    pub pages: Vec<Url>,
    /// Child sitemaps (`<sitemapindex><sitemap><loc>`).
    pub sitemaps: Vec<Url>,
}

/// Parses a sitemap body; malformed XML yields what was read before the error. At most
/// `max_urls` URLs are kept.
pub fn parse_sitemap(body: &[u8], max_urls: usize) -> SitemapEntries {
    let mut out = SitemapEntries::default();
    let mut reader = Reader::from_reader(body);
    let mut parent: Option<bool> = None; // Some(true) inside <sitemap>, Some(false) inside <url>
    let mut in_loc = false;
    let mut loc = String::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => match e.local_name().as_ref() {
                "url" => parent = Some(false),
                "sitemap" => parent = Some(true),
                "loc" => {
                    in_loc = true;
                    loc.clear();
                }
                _ => {}
            },
            Ok(Event::Text(t)) if in_loc => loc.push_str(&t.xml10_content()),
            Ok(Event::CData(t)) if in_loc => loc.push_str(&t.into_inner()),
            Ok(Event::GeneralRef(r)) if in_loc => {
                if r.xml10_content() == "amp" {
                    loc.push('&');
                }
            }
            Ok(Event::End(e)) => match e.local_name().as_ref() {
                "loc" => {
                    in_loc = false;
                    if let (Some(is_index), Ok(url)) = (parent, Url::parse(loc.trim())) {
                        if out.pages.len() + out.sitemaps.len() >= max_urls {
                            break;
                        }
                        if is_index {
                            out.sitemaps.push(url);
                        } else {
                            out.pages.push(url);
                        }
                    }
                }
                "url" | "sitemap" => parent = None,
                _ => {}
            },
            Ok(Event::DocType(_)) | Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urlset_and_index() {
        let set = br#"<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
            <url><loc>http://x.gov.cn/a.html</loc></url><url><loc> http://x.gov.cn/b?x=1&amp;y=2 </loc></url></urlset>"#;
        let e = parse_sitemap(set, 100);
        assert_eq!(e.pages.len(), 2);
        assert_eq!(e.pages[1].as_str(), "http://x.gov.cn/b?x=1&y=2");
        let idx =
            br#"<sitemapindex><sitemap><loc>http://x.gov.cn/s1.xml</loc></sitemap></sitemapindex>"#;
        assert_eq!(parse_sitemap(idx, 100).sitemaps.len(), 1);
        assert_eq!(
            parse_sitemap(b"<urlset><url><loc>http://a/</loc>", 100)
                .pages
                .len(),
            1
        );
    }
}
