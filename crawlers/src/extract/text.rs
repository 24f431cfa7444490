//! Text-like attachments: csv, plain text (and Markdown), HTML. All are decoded with the same
//! evidence chain as web pages, since a GBK csv from a government office is the norm.

use url::Url;

use super::sheet::column_letters;
use super::{ExtractError, Sink, TextSegment, located};
use crate::decode::{decode_html, decode_text};
use crate::html::HtmlDocument;

/// Chinese government files: hint the encoding guesser towards GBK.
const TLD_HINT: Option<&str> = Some("cn");

pub(crate) fn csv(
    bytes: &[u8],
    content_type: Option<&str>,
    prefix: &str,
    sink: &mut Sink,
) -> Result<(), ExtractError> {
    let decoded = decode_text(bytes, content_type, TLD_HINT);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(decoded.text.as_bytes());
    for (r, record) in reader.records().enumerate() {
        let record = record.map_err(|e| ExtractError::Malformed(format!("csv: {e}")))?;
        for (c, field) in record.iter().enumerate() {
            let location = format!(
                "第{}行第{}列 ({}{})",
                r + 1,
                c + 1,
                column_letters(c as u32),
                r + 1
            );
            if !sink.push(TextSegment::new(located(prefix, &location), field)) {
                return Ok(());
            }
        }
    }
    Ok(())
}

pub(crate) fn plain(
    bytes: &[u8],
    content_type: Option<&str>,
    prefix: &str,
    sink: &mut Sink,
) -> Result<(), ExtractError> {
    let decoded = decode_text(bytes, content_type, TLD_HINT);
    for (i, line) in decoded.text.lines().enumerate() {
        if !sink.push(TextSegment::new(
            located(prefix, &format!("第{}行", i + 1)),
            line,
        )) {
            break;
        }
    }
    Ok(())
}

pub(crate) fn html(
    bytes: &[u8],
    content_type: Option<&str>,
    prefix: &str,
    sink: &mut Sink,
) -> Result<(), ExtractError> {
    let decoded = decode_html(bytes, content_type, TLD_HINT);
    // Links are irrelevant here; any base URL will do for parsing.
    let base = Url::parse("file:///attachment.html")
        .map_err(|e| ExtractError::Malformed(e.to_string()))?;
    let parsed = HtmlDocument::parse(&decoded.text, &base).extract();
    if let Some(title) = parsed.title {
        sink.push(TextSegment::new(located(prefix, "标题"), title));
    }
    for (i, line) in parsed.text.lines().enumerate() {
        if !sink.push(TextSegment::new(
            located(prefix, &format!("正文第{}行", i + 1)),
            line,
        )) {
            break;
        }
    }
    Ok(())
}
