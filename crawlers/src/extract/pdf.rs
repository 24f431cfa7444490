//! PDF text through poppler's `pdftotext`.
//!
//! pdf-extract panics on the CID fonts with predefined CMaps (`UniGB-UCS2-H`) that Chinese
//! office tools write; pdftotext reads them. Reading-order mode (no `-layout`) is used: layout
//! mode pads justified CJK text with spaces *between characters*, which would hide words and
//! numbers from the rules engine, while reading order keeps each table cell's text whole.
//! Pages come back separated by form feeds, which give the `第N页` locations.

use std::ffi::OsStr;
use std::path::Path;

use super::tool::{run, temp_file};
use super::{ExtractError, ExtractLimits, Sink, TextSegment, located};

pub(crate) fn extract(
    bytes: &[u8],
    limits: &ExtractLimits,
    prefix: &str,
    sink: &mut Sink,
) -> Result<(), ExtractError> {
    if !bytes.starts_with(b"%PDF-")
        && !bytes[..bytes.len().min(1024)]
            .windows(5)
            .any(|w| w == b"%PDF-")
    {
        return Err(ExtractError::Malformed("no %PDF- header".into()));
    }
    let file = temp_file(bytes, ".pdf")?;
    extract_path(file.path(), limits, prefix, sink)
}

pub(crate) fn extract_path(
    path: &Path,
    limits: &ExtractLimits,
    prefix: &str,
    sink: &mut Sink,
) -> Result<(), ExtractError> {
    let args = [
        OsStr::new("-enc"),
        OsStr::new("UTF-8"),
        OsStr::new("-q"),
        path.as_os_str(),
        OsStr::new("-"),
    ];
    let out = run(
        "pdftotext",
        &args,
        limits.tool_timeout,
        limits.max_output_bytes,
    )?;
    if !out.success {
        let msg = out.stderr.trim().lines().next().unwrap_or("").to_string();
        // Exit 3 is poppler's "permissions" error; a wrong/missing password is reported on
        // stderr. With -q stderr may be empty, so probe again without it for the message.
        if out.code == Some(3) || out.stderr.to_ascii_lowercase().contains("password") {
            return Err(ExtractError::Encrypted);
        }
        let detail = if msg.is_empty() {
            let loud = [
                OsStr::new("-enc"),
                OsStr::new("UTF-8"),
                path.as_os_str(),
                OsStr::new("-"),
            ];
            let again = run("pdftotext", &loud, limits.tool_timeout, 4096)?;
            if again.stderr.to_ascii_lowercase().contains("password") {
                return Err(ExtractError::Encrypted);
            }
            again.stderr.trim().lines().next().unwrap_or("").to_string()
        } else {
            msg
        };
        return Err(ExtractError::Malformed(format!(
            "pdftotext exit {:?}: {detail}",
            out.code
        )));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    for (i, page) in text.split('\u{c}').enumerate() {
        let page = page.trim();
        if page.is_empty() {
            continue;
        }
        if !sink.push(TextSegment::new(
            located(prefix, &format!("第{}页", i + 1)),
            page,
        )) {
            break;
        }
    }
    if out.truncated {
        sink.mark_truncated();
    }
    Ok(())
}
