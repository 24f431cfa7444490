//! Text from attachments, each piece with the place it came from.
//!
//! Government sites publish lists (低保名单, 公示名单) as PDF, Word, Excel and zip files; the
//! rules engine needs their text *and* a location a person can find again (PDF page,
//! spreadsheet cell, paragraph). Every extractor is defensive: inputs come from the open web,
//! so size, entry count, decompressed bytes, output and subprocess time are all capped, and
//! anything odd comes back as an [`ExtractError`], never a panic.
//!
//! | format | how |
//! | --- | --- |
//! | pdf | poppler's `pdftotext` subprocess, pages split on form feeds |
//! | xlsx, xls, ods, et | calamine (xlsx cells streamed, no dense grid) |
//! | docx | zip + quick-xml, `w:t` text per `w:p` paragraph |
//! | doc, wps | `antiword`, then `catdoc` |
//! | csv, txt, md, html | decoded like web pages |
//! | zip | each entry extracted recursively (depth limit), location prefixed |

mod archive;
mod docx;
mod pdf;
mod sheet;
mod text;
mod tool;

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Document formats the crawler recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AttachmentKind {
    /// PDF.
    Pdf,
    /// Word 97-2003.
    Doc,
    /// Word 2007+.
    Docx,
    /// WPS Writer (legacy binary).
    Wps,
    /// Excel 97-2003.
    Xls,
    /// Excel 2007+.
    Xlsx,
    /// WPS Spreadsheets.
    Et,
    /// OpenDocument spreadsheet.
    Ods,
    /// Comma-separated values.
    Csv,
    /// Plain text (also Markdown).
    Txt,
    /// HTML.
    Html,
    /// Zip archive.
    Zip,
    /// RAR archive (not extracted).
    Rar,
    /// 7-Zip archive (not extracted).
    SevenZip,
    /// PowerPoint and other office formats (not extracted).
    Presentation,
    /// OFD and other formats we do not read.
    Other,
}

impl AttachmentKind {
    /// Decides the kind from the file name's extension, then the content type.
    pub fn detect(file_name: &str, content_type: Option<&str>) -> Self {
        let ext = file_name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        let by_ext = match ext.as_str() {
            "pdf" => Some(Self::Pdf),
            "doc" => Some(Self::Doc),
            "docx" => Some(Self::Docx),
            "wps" => Some(Self::Wps),
            "xls" => Some(Self::Xls),
            "xlsx" | "xlsm" => Some(Self::Xlsx),
            "et" => Some(Self::Et),
            "ods" => Some(Self::Ods),
            "csv" => Some(Self::Csv),
            "txt" | "md" | "text" => Some(Self::Txt),
            "html" | "htm" | "shtml" | "xhtml" => Some(Self::Html),
            "zip" => Some(Self::Zip),
            "rar" => Some(Self::Rar),
            "7z" => Some(Self::SevenZip),
            "ppt" | "pptx" | "dps" => Some(Self::Presentation),
            _ => None,
        };
        by_ext
            .or_else(|| content_type.and_then(Self::from_content_type))
            .unwrap_or(Self::Other)
    }

    /// The kind a `Content-Type` names, if it names one.
    pub fn from_content_type(content_type: &str) -> Option<Self> {
        let mime = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        Some(match mime.as_str() {
            "application/pdf" => Self::Pdf,
            "application/msword" => Self::Doc,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => Self::Docx,
            "application/vnd.ms-excel" => Self::Xls,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => Self::Xlsx,
            "application/vnd.oasis.opendocument.spreadsheet" => Self::Ods,
            "text/csv" => Self::Csv,
            "text/plain" | "text/markdown" => Self::Txt,
            "text/html" | "application/xhtml+xml" => Self::Html,
            "application/zip" | "application/x-zip-compressed" => Self::Zip,
            "application/vnd.rar" | "application/x-rar-compressed" => Self::Rar,
            "application/x-7z-compressed" => Self::SevenZip,
            "application/vnd.ms-powerpoint"
            | "application/vnd.openxmlformats-officedocument.presentationml.presentation" => {
                Self::Presentation
            }
            "application/kswps" | "application/wps-office.wps" => Self::Wps,
            "application/kset" | "application/wps-office.et" => Self::Et,
            _ => return None,
        })
    }
}

/// Whether a response with this content type is a document to download rather than a page.
pub fn is_document_content_type(content_type: &str) -> bool {
    matches!(
        AttachmentKind::from_content_type(content_type),
        Some(k) if !matches!(k, AttachmentKind::Html | AttachmentKind::Txt)
    ) || content_type
        .to_ascii_lowercase()
        .starts_with("application/octet-stream")
}

/// One piece of extracted text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextSegment {
    /// Where it is: `第3页`, `名单!C7`, `段落12`, `第2行第3列 (C2)`, or prefixed with the path
    /// inside a zip (`附件/名单.xlsx:名单!C7`).
    pub location: String,
    /// The text.
    pub text: String,
    /// A numeric spreadsheet cell with more than 15 significant digits: the stored value lost
    /// its last digits (an ID number typed as a number). The text shows what Excel shows.
    pub numeric_precision_loss: bool,
}

impl TextSegment {
    pub(crate) fn new(location: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            location: location.into(),
            text: text.into(),
            numeric_precision_loss: false,
        }
    }
}

/// Text extracted from one attachment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted {
    /// Detected format.
    pub kind: AttachmentKind,
    /// Text pieces in document order.
    pub segments: Vec<TextSegment>,
    /// Output reached `max_output_bytes`; later text is missing.
    pub truncated: bool,
    /// Entries of a zip attachment that could not be extracted: not checked.
    pub skipped: Vec<SkippedEntry>,
}

/// A file inside a zip attachment whose text could not be extracted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedEntry {
    /// Path inside the archive.
    pub location: String,
    /// Why.
    pub error: ExtractError,
}

/// Limits that keep extraction bounded in memory and time.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ExtractLimits {
    /// Largest input accepted.
    pub max_input_bytes: u64,
    /// Total text kept; extraction stops (and reports `truncated`) beyond it.
    pub max_output_bytes: usize,
    /// Entries allowed in one zip container (docx/xlsx are zips too).
    pub max_zip_entries: usize,
    /// Bytes actually decompressed from one zip container, all entries together.
    pub max_unzipped_bytes: u64,
    /// Nesting of zip files inside zip files.
    pub max_zip_depth: u32,
    /// Wall time for one external tool run (pdftotext, antiword).
    #[serde(rename = "tool_timeout_ms", with = "crate::config::millis")]
    pub tool_timeout: Duration,
}

impl Default for ExtractLimits {
    fn default() -> Self {
        Self {
            max_input_bytes: 64 * 1024 * 1024,
            max_output_bytes: 32 * 1024 * 1024,
            max_zip_entries: 10_000,
            max_unzipped_bytes: 256 * 1024 * 1024,
            max_zip_depth: 2,
            tool_timeout: Duration::from_secs(60),
        }
    }
}

/// Why an attachment yielded no text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "detail")]
#[non_exhaustive]
pub enum ExtractError {
    /// An external program needed for this format is not installed: the attachment was
    /// **not checked**, which the platform must say loudly.
    #[error("缺少工具 {0}，附件未检查 / tool missing: {0}, attachment not checked")]
    ToolMissing(String),
    /// We do not read this format.
    #[error("不支持的格式 / unsupported format: {0}")]
    Unsupported(String),
    /// Password-protected.
    #[error("文件已加密 / file is encrypted")]
    Encrypted,
    /// The file is damaged or not what its name says.
    #[error("文件损坏或格式不符 / malformed file: {0}")]
    Malformed(String),
    /// A size limit was hit.
    #[error("超出大小限制 / too large: {0}")]
    TooLarge(String),
    /// A zip decompresses to far more than its size suggests, or has too many entries.
    #[error("疑似压缩炸弹 / zip bomb refused: {0}")]
    ZipBomb(String),
    /// The external tool ran out of time.
    #[error("提取超时 / extraction timed out after {0} ms")]
    Timeout(u64),
    /// The external tool failed.
    #[error("提取工具失败 / extraction tool failed: {0}")]
    ToolFailed(String),
    /// Reading the file failed.
    #[error("读取失败 / I/O error: {0}")]
    Io(String),
}

impl ExtractError {
    /// Stable machine-readable code (`tool_missing`, `zip_bomb`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            ExtractError::ToolMissing(_) => "tool_missing",
            ExtractError::Unsupported(_) => "unsupported",
            ExtractError::Encrypted => "encrypted",
            ExtractError::Malformed(_) => "malformed",
            ExtractError::TooLarge(_) => "too_large",
            ExtractError::ZipBomb(_) => "zip_bomb",
            ExtractError::Timeout(_) => "timeout",
            ExtractError::ToolFailed(_) => "tool_failed",
            ExtractError::Io(_) => "io",
        }
    }
}

/// Collects segments up to the output cap.
///
/// It also carries the decompression budget shared by every zip container met during one
/// extraction (a zip of docx files included), so nesting cannot multiply the work.
pub(crate) struct Sink {
    segments: Vec<TextSegment>,
    skipped: Vec<SkippedEntry>,
    bytes: usize,
    max: usize,
    truncated: bool,
    /// Bytes that may still be decompressed.
    pub(crate) unzip_budget: u64,
}

impl Sink {
    pub(crate) fn new(limits: &ExtractLimits) -> Self {
        Self {
            segments: Vec::new(),
            skipped: Vec::new(),
            bytes: 0,
            max: limits.max_output_bytes,
            truncated: false,
            unzip_budget: limits.max_unzipped_bytes,
        }
    }

    /// Records a zip entry that could not be extracted.
    pub(crate) fn skip(&mut self, location: String, error: ExtractError) {
        if self.skipped.len() < 1000 {
            self.skipped.push(SkippedEntry { location, error });
        }
    }

    /// Adds a segment; returns false once the cap is reached (callers should stop).
    pub(crate) fn push(&mut self, seg: TextSegment) -> bool {
        if self.truncated {
            return false;
        }
        if seg.text.trim().is_empty() {
            return true;
        }
        let size = seg.text.len() + seg.location.len();
        if self.bytes + size > self.max {
            self.truncated = true;
            return false;
        }
        self.bytes += size;
        self.segments.push(seg);
        true
    }

    /// Records that output was cut somewhere other than in `push` (e.g. a tool's stdout cap).
    pub(crate) fn mark_truncated(&mut self) {
        self.truncated = true;
    }

    pub(crate) fn is_full(&self) -> bool {
        self.truncated
    }

    pub(crate) fn finish(self, kind: AttachmentKind) -> Extracted {
        Extracted {
            kind,
            segments: self.segments,
            truncated: self.truncated,
            skipped: self.skipped,
        }
    }
}

/// Extracts text from an attachment held in memory.
///
/// CPU-bound and possibly slow (subprocesses): call it from `spawn_blocking` in async code,
/// or use [`extract_bytes_async`].
pub fn extract_bytes(
    file_name: &str,
    content_type: Option<&str>,
    bytes: &[u8],
    limits: &ExtractLimits,
) -> Result<Extracted, ExtractError> {
    let kind = AttachmentKind::detect(file_name, content_type);
    let mut sink = Sink::new(limits);
    extract_into(
        kind,
        file_name,
        content_type,
        bytes,
        limits,
        0,
        "",
        &mut sink,
    )?;
    Ok(sink.finish(kind))
}

/// [`extract_bytes`] on the blocking thread pool.
pub async fn extract_bytes_async(
    file_name: String,
    content_type: Option<String>,
    bytes: bytes::Bytes,
    limits: ExtractLimits,
) -> Result<Extracted, ExtractError> {
    tokio::task::spawn_blocking(move || {
        extract_bytes(&file_name, content_type.as_deref(), &bytes, &limits)
    })
    .await
    .map_err(|e| ExtractError::ToolFailed(format!("extraction task failed: {e}")))?
}

/// Extracts text from a file on disk (used by `govwatch scan PATH`).
pub fn extract_file(path: &Path, limits: &ExtractLimits) -> Result<Extracted, ExtractError> {
    let meta = std::fs::metadata(path).map_err(|e| ExtractError::Io(e.to_string()))?;
    if meta.len() > limits.max_input_bytes {
        return Err(ExtractError::TooLarge(format!(
            "{} bytes > {}",
            meta.len(),
            limits.max_input_bytes
        )));
    }
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let kind = AttachmentKind::detect(name, None);
    if kind == AttachmentKind::Pdf {
        // pdftotext reads the file in place; no copy needed.
        let mut sink = Sink::new(limits);
        pdf::extract_path(path, limits, "", &mut sink)?;
        return Ok(sink.finish(kind));
    }
    let bytes = std::fs::read(path).map_err(|e| ExtractError::Io(e.to_string()))?;
    extract_bytes(name, None, &bytes, limits)
}

/// Dispatches on `kind`; `prefix` is prepended to locations (zip entries), `depth` counts zip
/// nesting.
#[allow(clippy::too_many_arguments)]
pub(crate) fn extract_into(
    kind: AttachmentKind,
    file_name: &str,
    content_type: Option<&str>,
    bytes: &[u8],
    limits: &ExtractLimits,
    depth: u32,
    prefix: &str,
    sink: &mut Sink,
) -> Result<(), ExtractError> {
    if bytes.len() as u64 > limits.max_input_bytes {
        return Err(ExtractError::TooLarge(format!(
            "{} bytes > {}",
            bytes.len(),
            limits.max_input_bytes
        )));
    }
    match kind {
        AttachmentKind::Pdf => pdf::extract(bytes, limits, prefix, sink),
        AttachmentKind::Docx => docx::extract(bytes, limits, prefix, sink),
        AttachmentKind::Xlsx | AttachmentKind::Xls | AttachmentKind::Ods | AttachmentKind::Et => {
            sheet::extract(kind, bytes, limits, prefix, sink)
        }
        AttachmentKind::Doc | AttachmentKind::Wps => tool::legacy_word(bytes, limits, prefix, sink),
        AttachmentKind::Csv => text::csv(bytes, content_type, prefix, sink),
        AttachmentKind::Txt => text::plain(bytes, content_type, prefix, sink),
        AttachmentKind::Html => text::html(bytes, content_type, prefix, sink),
        AttachmentKind::Zip => archive::extract_zip(bytes, limits, depth, prefix, sink),
        AttachmentKind::Rar
        | AttachmentKind::SevenZip
        | AttachmentKind::Presentation
        | AttachmentKind::Other => Err(ExtractError::Unsupported(if file_name.is_empty() {
            format!("{kind:?}")
        } else {
            file_name.to_string()
        })),
    }
}

/// `prefix` + `location`, separated by `:` when there is a prefix.
pub(crate) fn located(prefix: &str, location: &str) -> String {
    if prefix.is_empty() {
        location.to_string()
    } else {
        format!("{prefix}:{location}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_kinds() {
        assert_eq!(
            AttachmentKind::detect("名单.XLSX", None),
            AttachmentKind::Xlsx
        );
        assert_eq!(
            AttachmentKind::detect("download", Some("application/pdf; x=y")),
            AttachmentKind::Pdf
        );
        assert_eq!(AttachmentKind::detect("a.rar", None), AttachmentKind::Rar);
        assert!(is_document_content_type("application/vnd.ms-excel"));
        assert!(!is_document_content_type("text/html; charset=utf-8"));
    }

    #[test]
    fn sink_caps_output() {
        let mut sink = Sink::new(&ExtractLimits {
            max_output_bytes: 10,
            ..ExtractLimits::default()
        });
        assert!(sink.push(TextSegment::new("a", "12345")));
        assert!(!sink.push(TextSegment::new("b", "123456789")));
        let out = sink.finish(AttachmentKind::Txt);
        assert!(out.truncated);
        assert_eq!(out.segments.len(), 1);
    }
}
