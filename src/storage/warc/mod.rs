//! WARC 1.1 (ISO 28500:2017) export, and a small reader for our own files.
//!
//! A snapshot leaves the platform as a `response` record whose block is the HTTP message (status
//! line, headers, body), optionally preceded by its `request` record and a `warcinfo` record.
//! Digests are `sha1:` + base32, as wget, Heritrix and pywb write them, so indexers and
//! `warcio check` understand them. `.warc.gz` files have one gzip member per record (the
//! convention that lets a CDX index point into the middle of a file).
//!
//! The body given to the writer is the entity as the crawler received it *after* transfer and
//! content decoding (reqwest decodes gzip and drops those headers). So that the record stays
//! self-consistent for replay tools, `Transfer-Encoding` and `Content-Encoding` headers are kept
//! as `X-Archive-Orig-…` and `Content-Length` is set to the body as stored. WARC 1.1 is simple
//! enough that a dedicated crate (warc 0.4, little maintained) buys nothing over this module.

mod reader;

use std::io::Write;
use std::net::IpAddr;

use chrono::{DateTime, SecondsFormat, Utc};
use sha1::{Digest as _, Sha1};

pub use reader::{HttpParts, WarcReader, WarcRecord};

/// Errors of WARC writing and reading.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WarcError {
    /// Writing or reading the underlying stream failed.
    #[error("warc i/o: {0}")]
    Io(#[from] std::io::Error),
    /// A value cannot be written into a header (line break, control character, space in a URI…):
    /// writing it would corrupt the record or inject another one.
    #[error("invalid {what} for a WARC record: {value:?}")]
    InvalidField {
        /// Which field.
        what: &'static str,
        /// The offending value (shortened).
        value: String,
    },
    /// The input is not a well-formed WARC file.
    #[error("malformed WARC: {0}")]
    Malformed(String),
    /// A record is larger than the reader's limit.
    #[error("WARC record of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// Declared size.
        size: u64,
        /// The limit.
        limit: u64,
    },
}

/// `<urn:uuid:…>`, the identifier of a record.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RecordId(String);

impl RecordId {
    fn new() -> Self {
        Self(format!("<urn:uuid:{}>", uuid::Uuid::new_v4()))
    }

    /// The identifier as written in `WARC-Record-ID` (with the angle brackets).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for RecordId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A fetched HTTP response, as the crawler saw it.
#[derive(Debug, Clone, Copy)]
pub struct HttpResponse<'a> {
    /// The URL fetched (after redirects: the URL this response came from).
    pub url: &'a str,
    /// When the response was received.
    pub fetched_at: DateTime<Utc>,
    /// HTTP status code.
    pub status: u16,
    /// Response headers in received order.
    pub headers: &'a [(String, String)],
    /// The body (decoded entity; see the module docs).
    pub body: &'a [u8],
    /// The server's address, if known.
    pub ip: Option<IpAddr>,
}

/// The HTTP request that produced a response.
#[derive(Debug, Clone, Copy)]
pub struct HttpRequest<'a> {
    /// The URL requested.
    pub url: &'a str,
    /// When it was sent.
    pub sent_at: DateTime<Utc>,
    /// `GET`, `HEAD`, …
    pub method: &'a str,
    /// Request headers sent (a `Host` header is added if absent).
    pub headers: &'a [(String, String)],
}

/// Writes WARC 1.1 records to `W`; see the [module docs](self).
#[derive(Debug)]
pub struct WarcWriter<W: Write> {
    out: W,
    gzip: bool,
    warcinfo: Option<RecordId>,
}

/// `sha1:` + RFC 4648 base32 of the SHA-1 of the parts, the conventional WARC digest.
fn sha1_digest(parts: &[&[u8]]) -> String {
    let mut hasher = Sha1::new();
    for part in parts {
        hasher.update(part);
    }
    format!("sha1:{}", base32(&hasher.finalize()))
}

/// RFC 4648 base32 (upper case, `=` padding).
pub(crate) fn base32(data: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(data.len().div_ceil(5) * 8);
    for chunk in data.chunks(5) {
        let mut block = [0u8; 5];
        block[..chunk.len()].copy_from_slice(chunk);
        let bits = block.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        let symbols = (chunk.len() * 8).div_ceil(5);
        for i in 0..8 {
            if i < symbols {
                let index = (bits >> (35 - i * 5)) & 0x1f;
                out.push(char::from(ALPHABET[index as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn invalid(what: &'static str, value: &str) -> WarcError {
    WarcError::InvalidField {
        what,
        value: value.chars().take(100).collect(),
    }
}

/// A header value may not contain line breaks or other control characters (tab is allowed).
fn check_value(what: &'static str, value: &str) -> Result<(), WarcError> {
    if value.chars().any(|c| c.is_control() && c != '\t') {
        return Err(invalid(what, value));
    }
    Ok(())
}

/// A header name must be an RFC 9110 token.
fn check_name(name: &str) -> Result<(), WarcError> {
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || !name.chars().all(token) {
        return Err(invalid("header name", name));
    }
    Ok(())
}

/// A URI in a WARC header: no whitespace, no control characters, not empty.
fn check_uri(uri: &str) -> Result<(), WarcError> {
    if uri.is_empty() || uri.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid("URI", uri));
    }
    Ok(())
}

fn warc_date(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        410 => "Gone",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

/// The status line and headers of a response block, adjusted to the stored body.
fn response_head(r: &HttpResponse<'_>) -> Result<Vec<u8>, WarcError> {
    if !(100..=999).contains(&r.status) {
        return Err(invalid("HTTP status", &r.status.to_string()));
    }
    let mut head = format!("HTTP/1.1 {} {}\r\n", r.status, reason_phrase(r.status)).into_bytes();
    for (name, value) in r.headers {
        check_name(name)?;
        check_value("header value", value)?;
        let lower = name.to_ascii_lowercase();
        let line = match lower.as_str() {
            "transfer-encoding" | "content-encoding" => {
                format!("X-Archive-Orig-{name}: {value}\r\n")
            }
            "content-length" if value.trim() != r.body.len().to_string() => {
                format!("X-Archive-Orig-{name}: {value}\r\n")
            }
            "content-length" => continue, // written below, once
            _ => format!("{name}: {value}\r\n"),
        };
        head.extend_from_slice(line.as_bytes());
    }
    head.extend_from_slice(format!("Content-Length: {}\r\n\r\n", r.body.len()).as_bytes());
    Ok(head)
}

fn request_head(r: &HttpRequest<'_>) -> Result<Vec<u8>, WarcError> {
    let url = url::Url::parse(r.url).map_err(|_| invalid("URI", r.url))?;
    check_name(r.method)?;
    let mut target = url.path().to_owned();
    if let Some(query) = url.query() {
        target.push('?');
        target.push_str(query);
    }
    let mut head = format!("{} {target} HTTP/1.1\r\n", r.method).into_bytes();
    if !r
        .headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("host"))
    {
        let host = url.host_str().ok_or_else(|| invalid("URI", r.url))?;
        let host = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        head.extend_from_slice(format!("Host: {host}\r\n").as_bytes());
    }
    for (name, value) in r.headers {
        check_name(name)?;
        check_value("header value", value)?;
        head.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    head.extend_from_slice(b"\r\n");
    Ok(head)
}

impl<W: Write> WarcWriter<W> {
    /// Writes an uncompressed `.warc`.
    pub fn new(out: W) -> Self {
        Self {
            out,
            gzip: false,
            warcinfo: None,
        }
    }

    /// Writes a `.warc.gz`: each record is its own gzip member.
    pub fn new_gzip(out: W) -> Self {
        Self {
            out,
            gzip: true,
            warcinfo: None,
        }
    }

    /// Writes a `warcinfo` record describing the file (`software`, `operator`, … as
    /// `application/warc-fields`); later records refer to it with `WARC-Warcinfo-ID`.
    pub fn write_warcinfo(
        &mut self,
        filename: &str,
        fields: &[(&str, &str)],
    ) -> Result<RecordId, WarcError> {
        check_value("filename", filename)?;
        let mut block = Vec::new();
        for (name, value) in fields {
            check_name(name)?;
            check_value("warcinfo field", value)?;
            block.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        }
        let id = RecordId::new();
        let headers = vec![
            ("WARC-Type", "warcinfo".to_owned()),
            ("WARC-Record-ID", id.to_string()),
            ("WARC-Date", warc_date(Utc::now())),
            ("WARC-Filename", filename.to_owned()),
            ("Content-Type", "application/warc-fields".to_owned()),
            ("WARC-Block-Digest", sha1_digest(&[&block])),
        ];
        self.write_record(&headers, &[&block])?;
        self.warcinfo = Some(id.clone());
        Ok(id)
    }

    /// Writes a `response` record; returns its ID (for a request's `WARC-Concurrent-To`).
    pub fn write_response(&mut self, response: &HttpResponse<'_>) -> Result<RecordId, WarcError> {
        check_uri(response.url)?;
        let head = response_head(response)?;
        let id = RecordId::new();
        let mut headers = vec![
            ("WARC-Type", "response".to_owned()),
            ("WARC-Record-ID", id.to_string()),
            ("WARC-Date", warc_date(response.fetched_at)),
            ("WARC-Target-URI", response.url.to_owned()),
        ];
        if let Some(ip) = response.ip {
            headers.push(("WARC-IP-Address", ip.to_string()));
        }
        self.push_warcinfo(&mut headers);
        headers.push((
            "Content-Type",
            "application/http;msgtype=response".to_owned(),
        ));
        headers.push(("WARC-Block-Digest", sha1_digest(&[&head, response.body])));
        headers.push(("WARC-Payload-Digest", sha1_digest(&[response.body])));
        self.write_record(&headers, &[&head, response.body])?;
        Ok(id)
    }

    /// Writes a `request` record, linked to its response by `WARC-Concurrent-To`.
    pub fn write_request(
        &mut self,
        request: &HttpRequest<'_>,
        concurrent_to: Option<&RecordId>,
    ) -> Result<RecordId, WarcError> {
        check_uri(request.url)?;
        let head = request_head(request)?;
        let id = RecordId::new();
        let mut headers = vec![
            ("WARC-Type", "request".to_owned()),
            ("WARC-Record-ID", id.to_string()),
            ("WARC-Date", warc_date(request.sent_at)),
            ("WARC-Target-URI", request.url.to_owned()),
        ];
        if let Some(other) = concurrent_to {
            headers.push(("WARC-Concurrent-To", other.to_string()));
        }
        self.push_warcinfo(&mut headers);
        headers.push((
            "Content-Type",
            "application/http;msgtype=request".to_owned(),
        ));
        headers.push(("WARC-Block-Digest", sha1_digest(&[&head])));
        self.write_record(&headers, &[&head])?;
        Ok(id)
    }

    /// Flushes and returns the underlying writer.
    pub fn finish(mut self) -> Result<W, WarcError> {
        self.out.flush()?;
        Ok(self.out)
    }

    fn push_warcinfo(&self, headers: &mut Vec<(&'static str, String)>) {
        if let Some(info) = &self.warcinfo {
            headers.push(("WARC-Warcinfo-ID", info.to_string()));
        }
    }

    fn write_record(
        &mut self,
        headers: &[(&str, String)],
        block: &[&[u8]],
    ) -> Result<(), WarcError> {
        let length: usize = block.iter().map(|p| p.len()).sum();
        let mut head = String::from("WARC/1.1\r\n");
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!("Content-Length: {length}\r\n\r\n"));
        if self.gzip {
            let mut member =
                flate2::write::GzEncoder::new(&mut self.out, flate2::Compression::default());
            write_parts(&mut member, head.as_bytes(), block)?;
            member.finish()?;
        } else {
            write_parts(&mut self.out, head.as_bytes(), block)?;
        }
        Ok(())
    }
}

fn write_parts(out: &mut impl Write, head: &[u8], block: &[&[u8]]) -> std::io::Result<()> {
    out.write_all(head)?;
    for part in block {
        out.write_all(part)?;
    }
    out.write_all(b"\r\n\r\n")
}
