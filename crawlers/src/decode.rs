//! Bytes to text, the way browsers do it, plus a record of what the server claimed.
//!
//! Order of evidence: byte-order mark, HTTP `Content-Type` charset, a prescan of the first
//! 1024 bytes for `<meta charset>` / `http-equiv` (or the XML declaration of a feed), and
//! finally a statistical guess by chardetng with the site's top-level domain as a hint.
//! A *declared* charset that does not fit the bytes is itself a defect worth reporting (a
//! server saying UTF-8 while sending GBK shows mojibake to some visitors), so the text is
//! re-decoded with the guess and `mismatch` is set.

use std::sync::LazyLock;

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{Encoding, UTF_8};
use regex::bytes::Regex;

/// How many bytes the `<meta>` prescan looks at (the HTML standard's figure).
const PRESCAN_BYTES: usize = 1024;
/// How many bytes chardetng sees; enough for a confident guess, bounded for huge bodies.
const DETECT_BYTES: usize = 256 * 1024;

/// Text decoded from a body, with the evidence used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The decoded text (malformed sequences replaced by U+FFFD).
    pub text: String,
    /// WHATWG name of the encoding actually used, e.g. `GBK`, `UTF-8`.
    pub encoding_name: &'static str,
    /// The charset label the server or document declared, as written.
    pub declared: Option<String>,
    /// The declared charset did not decode the bytes cleanly and another encoding was used.
    pub mismatch: bool,
}

/// Decodes an HTML (or other text) body.
///
/// `content_type` is the HTTP header; `tld` the last label of the host (`"cn"`), a hint for
/// the statistical guess.
pub fn decode_html(bytes: &[u8], content_type: Option<&str>, tld: Option<&str>) -> Decoded {
    decode_with(bytes, content_type, tld, prescan_meta)
}

/// Decodes an XML body (feed, sitemap): like HTML, but the in-document declaration is the
/// `<?xml ... encoding="..."?>` prolog.
pub fn decode_xml(bytes: &[u8], content_type: Option<&str>, tld: Option<&str>) -> Decoded {
    decode_with(bytes, content_type, tld, prescan_xml_decl)
}

/// Decodes plain text with no in-document declaration (txt, csv).
pub fn decode_text(bytes: &[u8], content_type: Option<&str>, tld: Option<&str>) -> Decoded {
    decode_with(bytes, content_type, tld, |_| None)
}

fn decode_with(
    bytes: &[u8],
    content_type: Option<&str>,
    tld: Option<&str>,
    prescan: fn(&[u8]) -> Option<String>,
) -> Decoded {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
        return Decoded {
            text: text.into_owned(),
            encoding_name: encoding.name(),
            declared: None,
            mismatch: false,
        };
    }
    let declared_label = content_type
        .and_then(charset_from_content_type)
        .or_else(|| prescan(&bytes[..bytes.len().min(PRESCAN_BYTES)]));
    let declared_encoding = declared_label
        .as_deref()
        .and_then(|l| Encoding::for_label(l.trim().as_bytes()))
        // A document cannot really be UTF-16 if its meta tag was readable as ASCII.
        .map(|e| e.output_encoding());
    match declared_encoding {
        Some(encoding) => {
            if let Some(text) = encoding.decode_without_bom_handling_and_without_replacement(bytes)
            {
                return Decoded {
                    text: text.into_owned(),
                    encoding_name: encoding.name(),
                    declared: declared_label,
                    mismatch: false,
                };
            }
            let guessed = guess(bytes, tld);
            let used = if guessed == encoding {
                encoding
            } else {
                guessed
            };
            let (text, _) = used.decode_without_bom_handling(bytes);
            Decoded {
                text: text.into_owned(),
                encoding_name: used.name(),
                declared: declared_label,
                mismatch: used != encoding,
            }
        }
        None => {
            let used = guess(bytes, tld);
            let (text, _) = used.decode_without_bom_handling(bytes);
            Decoded {
                text: text.into_owned(),
                encoding_name: used.name(),
                declared: declared_label,
                mismatch: false,
            }
        }
    }
}

/// chardetng's guess; pure ASCII comes back as windows-1252, which we report as UTF-8 since
/// both decode ASCII identically and UTF-8 is the better default for what follows.
fn guess(bytes: &[u8], tld: Option<&str>) -> &'static Encoding {
    let sample = &bytes[..bytes.len().min(DETECT_BYTES)];
    if sample.is_ascii() {
        return UTF_8;
    }
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    detector.feed(sample, sample.len() == bytes.len());
    let tld = tld.map(|t| t.as_bytes()).filter(|t| t.is_ascii());
    detector.guess(tld, Utf8Detection::Allow)
}

/// The `charset` parameter of a `Content-Type` value.
pub fn charset_from_content_type(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(['"', '\'']).to_string())
            .filter(|v| !v.is_empty())
    })
}

static META_CHARSET: LazyLock<Regex> = LazyLock::new(|| {
    // Covers `<meta charset="gbk">` and `<meta http-equiv="Content-Type" content="text/html;
    // charset=gb2312">`. The pattern is a literal, so construction cannot fail.
    Regex::new(r#"(?i)<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)"#)
        .expect("static regex")
});

static XML_DECL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^\s*<\?xml\b[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:\-]+)["']"#)
        .expect("static regex")
});

fn prescan_meta(head: &[u8]) -> Option<String> {
    META_CHARSET
        .captures(head)
        .and_then(|c| c.get(1))
        .map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned())
}

fn prescan_xml_decl(head: &[u8]) -> Option<String> {
    XML_DECL
        .captures(head)
        .and_then(|c| c.get(1))
        .map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned())
        .or_else(|| prescan_meta(head))
}

/// The last label of a host name (`www.example.gov.cn` → `cn`), used as the detection hint.
pub fn tld_of(host: &str) -> Option<&str> {
    host.rsplit('.')
        .next()
        .filter(|t| t.bytes().all(|b| b.is_ascii_alphabetic()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::GBK;

    fn gbk(s: &str) -> Vec<u8> {
        GBK.encode(s).0.into_owned()
    }

    #[test]
    fn header_charset_gb2312_decodes_as_gbk() {
        let body = gbk("<html><body>政务公开 通知公告</body></html>");
        let d = decode_html(&body, Some("text/html; charset=GB2312"), Some("cn"));
        assert_eq!(d.encoding_name, "GBK");
        assert!(d.text.contains("政务公开 通知公告"));
        assert_eq!(d.declared.as_deref(), Some("GB2312"));
        assert!(!d.mismatch);
    }

    #[test]
    fn meta_http_equiv_is_found_in_prescan() {
        let mut body =
            b"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gbk\">"
                .to_vec();
        body.extend(gbk("<title>市人民政府</title>"));
        let d = decode_html(&body, Some("text/html"), None);
        assert_eq!(d.encoding_name, "GBK");
        assert!(d.text.contains("市人民政府"));
    }

    #[test]
    fn declared_utf8_but_gbk_is_a_mismatch() {
        let body = gbk("<p>关于开展政府网站检查工作的通知，请各单位认真落实。</p>");
        let d = decode_html(&body, Some("text/html; charset=utf-8"), Some("cn"));
        assert!(d.mismatch);
        assert_eq!(d.encoding_name, "GBK");
        assert!(d.text.contains("政府网站检查"));
    }

    #[test]
    fn bom_wins_over_declaration() {
        let mut body = vec![0xEF, 0xBB, 0xBF];
        body.extend("<meta charset=gbk>你好".as_bytes());
        let d = decode_html(&body, None, None);
        assert_eq!(d.encoding_name, "UTF-8");
        assert!(d.text.ends_with("你好"));
    }

    #[test]
    fn xml_declaration_is_honoured() {
        let mut body = b"<?xml version=\"1.0\" encoding=\"gb2312\"?><rss>".to_vec();
        body.extend(gbk("<title>新闻</title></rss>"));
        let d = decode_xml(&body, Some("application/xml"), None);
        assert_eq!(d.encoding_name, "GBK");
        assert!(d.text.contains("新闻"));
    }

    #[test]
    fn content_type_charset_parsing() {
        assert_eq!(
            charset_from_content_type("text/html;charset=\"UTF-8\"").as_deref(),
            Some("UTF-8")
        );
        assert_eq!(charset_from_content_type("text/html"), None);
        assert_eq!(tld_of("www.beijing.gov.cn"), Some("cn"));
        assert_eq!(tld_of("127.0.0.1"), None);
    }
}
