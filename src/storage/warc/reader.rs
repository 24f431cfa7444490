//! Reads WARC files record by record (plain or gzip, one or many members), with limits.
//!
//! Meant for our own exports (round-trip tests, re-import of an archive); it checks the framing
//! and can verify block digests, but it is not a repair tool for damaged foreign files.

use std::io::{BufRead, BufReader, Read};

use flate2::read::MultiGzDecoder;

use super::{WarcError, sha1_digest};

/// Longest header section accepted.
const MAX_HEADER_BYTES: usize = 64 * 1024;

/// The HTTP message inside a `request` or `response` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpParts<'a> {
    /// `HTTP/1.1 200 OK` or `GET /path HTTP/1.1`.
    pub start_line: String,
    /// Headers in order (values trimmed).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: &'a [u8],
}

/// One record: its WARC headers and its block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarcRecord {
    /// `WARC/1.1` (or whatever version line the file has).
    pub version: String,
    /// Headers in file order.
    pub headers: Vec<(String, String)>,
    /// The block (`Content-Length` bytes).
    pub block: Vec<u8>,
}

impl WarcRecord {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `WARC-Type`.
    pub fn record_type(&self) -> Option<&str> {
        self.header("WARC-Type")
    }

    /// `WARC-Target-URI`.
    pub fn target_uri(&self) -> Option<&str> {
        self.header("WARC-Target-URI")
    }

    /// Whether `WARC-Block-Digest` matches the block (`None` if absent or not `sha1:`).
    pub fn block_digest_ok(&self) -> Option<bool> {
        let declared = self.header("WARC-Block-Digest")?;
        declared
            .starts_with("sha1:")
            .then(|| declared == sha1_digest(&[&self.block]))
    }

    /// For an `application/http` block: the status or request line, the headers and the body.
    pub fn http_parts(&self) -> Result<HttpParts<'_>, WarcError> {
        let end = self
            .block
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .ok_or_else(|| WarcError::Malformed("HTTP head without an empty line".into()))?;
        let head = String::from_utf8_lossy(&self.block[..end]);
        let mut lines = head.split("\r\n");
        let first = lines.next().unwrap_or_default().to_owned();
        let headers = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
            .collect();
        Ok(HttpParts {
            start_line: first,
            headers,
            body: &self.block[end + 4..],
        })
    }
}

/// Iterates over the records of a WARC stream (plain or gzip, one or many members), with
/// limits. Meant for our own exports (round-trip tests, re-import of an archive): it checks the
/// framing and can verify block digests, but it is not a repair tool for damaged foreign files.
pub struct WarcReader {
    input: Box<dyn BufRead + Send>,
    max_record_bytes: u64,
}

impl std::fmt::Debug for WarcReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WarcReader")
            .field("max_record_bytes", &self.max_record_bytes)
            .finish_non_exhaustive()
    }
}

impl WarcReader {
    /// A reader over `input`, gzip-compressed or not (detected from the first bytes). Records
    /// larger than `max_record_bytes` are refused rather than loaded.
    pub fn new(
        input: impl Read + Send + 'static,
        max_record_bytes: u64,
    ) -> Result<Self, WarcError> {
        let mut buffered = BufReader::new(input);
        let gzip = buffered.fill_buf()?.starts_with(&[0x1f, 0x8b]);
        let input: Box<dyn BufRead + Send> = if gzip {
            Box::new(BufReader::new(MultiGzDecoder::new(buffered)))
        } else {
            Box::new(buffered)
        };
        Ok(Self {
            input,
            max_record_bytes,
        })
    }

    /// Reads a `\r\n`-terminated line (without it), at most `budget` bytes; `None` at the end.
    fn line(&mut self, budget: &mut usize) -> Result<Option<String>, WarcError> {
        let mut raw = Vec::new();
        let limit = u64::try_from(*budget).unwrap_or(u64::MAX).saturating_add(1);
        let n = (&mut self.input).take(limit).read_until(b'\n', &mut raw)?;
        if n == 0 {
            return Ok(None);
        }
        if n > *budget || !raw.ends_with(b"\n") {
            return Err(WarcError::Malformed(
                "header line too long or truncated".into(),
            ));
        }
        *budget -= n;
        raw.pop();
        if raw.last() == Some(&b'\r') {
            raw.pop();
        }
        String::from_utf8(raw)
            .map(Some)
            .map_err(|_| WarcError::Malformed("header is not UTF-8".into()))
    }

    /// The next record, or `None` at the end of the stream.
    pub fn next_record(&mut self) -> Result<Option<WarcRecord>, WarcError> {
        let mut budget = MAX_HEADER_BYTES;
        let version = loop {
            match self.line(&mut budget)? {
                None => return Ok(None),
                Some(line) if line.is_empty() => continue, // tolerate extra blank lines
                Some(line) => break line,
            }
        };
        if !version.starts_with("WARC/") {
            return Err(WarcError::Malformed(format!(
                "expected a WARC version line, found {version:?}"
            )));
        }
        let mut headers: Vec<(String, String)> = Vec::new();
        loop {
            let line = self
                .line(&mut budget)?
                .ok_or_else(|| WarcError::Malformed("end of file inside headers".into()))?;
            if line.is_empty() {
                break;
            }
            if line.starts_with([' ', '\t']) {
                // Continuation of the previous header (allowed by WARC 1.1).
                let last = headers
                    .last_mut()
                    .ok_or_else(|| WarcError::Malformed("continuation before any header".into()))?;
                last.1.push(' ');
                last.1.push_str(line.trim());
                continue;
            }
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| WarcError::Malformed(format!("header without a colon: {line:?}")))?;
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
        let length: u64 = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("Content-Length"))
            .and_then(|(_, v)| v.parse().ok())
            .ok_or_else(|| WarcError::Malformed("record without a valid Content-Length".into()))?;
        if length > self.max_record_bytes {
            return Err(WarcError::TooLarge {
                size: length,
                limit: self.max_record_bytes,
            });
        }
        let mut block = Vec::with_capacity(usize::try_from(length).unwrap_or(0));
        (&mut self.input).take(length).read_to_end(&mut block)?;
        if block.len() as u64 != length {
            return Err(WarcError::Malformed("end of file inside a block".into()));
        }
        let mut trailer = [0u8; 4];
        self.input
            .read_exact(&mut trailer)
            .map_err(|_| WarcError::Malformed("record not followed by CRLF CRLF".into()))?;
        if &trailer != b"\r\n\r\n" {
            return Err(WarcError::Malformed(
                "record not followed by CRLF CRLF".into(),
            ));
        }
        Ok(Some(WarcRecord {
            version,
            headers,
            block,
        }))
    }
}

impl Iterator for WarcReader {
    type Item = Result<WarcRecord, WarcError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_record().transpose()
    }
}
