//! Zip containers (zip attachments, and docx/xlsx/ods which are zips) read defensively.
//!
//! A zip's declared sizes are whatever the author wrote, so every entry is read through a
//! `Take` of the remaining budget and the bytes *actually* produced are counted: an entry that
//! inflates past the budget is a zip bomb, whatever its header claims. The budget lives in
//! the [`Sink`] and is shared by nested containers.

use std::io::{Cursor, Read};

use encoding_rs::GBK;
use zip::ZipArchive;
use zip::result::ZipError;

use super::{AttachmentKind, ExtractError, ExtractLimits, Sink, extract_into, located};

pub(crate) type Archive<'a> = ZipArchive<Cursor<&'a [u8]>>;

/// Opens a zip and checks its entry count.
pub(crate) fn open<'a>(
    bytes: &'a [u8],
    limits: &ExtractLimits,
) -> Result<Archive<'a>, ExtractError> {
    let archive = ZipArchive::new(Cursor::new(bytes)).map_err(zip_error)?;
    if archive.len() > limits.max_zip_entries {
        return Err(ExtractError::ZipBomb(format!(
            "{} entries > {}",
            archive.len(),
            limits.max_zip_entries
        )));
    }
    Ok(archive)
}

pub(crate) fn zip_error(e: ZipError) -> ExtractError {
    match e {
        ZipError::UnsupportedArchive(msg) if msg.to_ascii_lowercase().contains("password") => {
            ExtractError::Encrypted
        }
        ZipError::InvalidPassword => ExtractError::Encrypted,
        ZipError::Io(e) => ExtractError::Malformed(e.to_string()),
        other => ExtractError::Malformed(other.to_string()),
    }
}

/// An entry's name: UTF-8 when valid, else GBK (what Chinese Windows zip tools write).
pub(crate) fn entry_name(raw: &[u8]) -> String {
    match std::str::from_utf8(raw) {
        Ok(s) => s.to_string(),
        Err(_) => GBK.decode_without_bom_handling(raw).0.into_owned(),
    }
}

/// Reads entry `index` completely, charging the bytes produced to the sink's budget.
pub(crate) fn read_entry(
    archive: &mut Archive<'_>,
    index: usize,
    sink: &mut Sink,
) -> Result<Vec<u8>, ExtractError> {
    let file = archive.by_index(index).map_err(zip_error)?;
    if file.encrypted() {
        return Err(ExtractError::Encrypted);
    }
    let budget = sink.unzip_budget;
    let mut buf = Vec::with_capacity(file.size().min(budget).min(1 << 20) as usize);
    file.take(budget + 1)
        .read_to_end(&mut buf)
        .map_err(|e| ExtractError::Malformed(e.to_string()))?;
    charge(sink, buf.len() as u64)?;
    Ok(buf)
}

/// Reads entry `index` without keeping it, only counting (pre-flight for calamine).
fn count_entry(
    archive: &mut Archive<'_>,
    index: usize,
    sink: &mut Sink,
) -> Result<(), ExtractError> {
    let file = archive.by_index(index).map_err(zip_error)?;
    if file.encrypted() {
        return Err(ExtractError::Encrypted);
    }
    let n = std::io::copy(&mut file.take(sink.unzip_budget + 1), &mut std::io::sink())
        .map_err(|e| ExtractError::Malformed(e.to_string()))?;
    charge(sink, n)
}

fn charge(sink: &mut Sink, n: u64) -> Result<(), ExtractError> {
    if n > sink.unzip_budget {
        sink.unzip_budget = 0;
        return Err(ExtractError::ZipBomb(
            "decompressed data exceeds max_unzipped_bytes".into(),
        ));
    }
    sink.unzip_budget -= n;
    Ok(())
}

/// Decompresses every entry once, counting real output, before a library that trusts the
/// archive (calamine) gets it.
pub(crate) fn preflight(
    bytes: &[u8],
    limits: &ExtractLimits,
    sink: &mut Sink,
) -> Result<(), ExtractError> {
    let mut archive = open(bytes, limits)?;
    for i in 0..archive.len() {
        count_entry(&mut archive, i, sink)?;
    }
    Ok(())
}

/// Extracts every file of a zip attachment, recursing into supported formats.
pub(crate) fn extract_zip(
    bytes: &[u8],
    limits: &ExtractLimits,
    depth: u32,
    prefix: &str,
    sink: &mut Sink,
) -> Result<(), ExtractError> {
    if depth >= limits.max_zip_depth {
        return Err(ExtractError::TooLarge(format!(
            "zip nested deeper than {}",
            limits.max_zip_depth
        )));
    }
    let mut archive = open(bytes, limits)?;
    for i in 0..archive.len() {
        if sink.is_full() {
            break;
        }
        let (name, is_dir) = {
            let f = archive.by_index_raw(i).map_err(zip_error)?;
            (entry_name(f.name_raw()), f.is_dir())
        };
        if is_dir {
            continue;
        }
        let inner = located(prefix, &name);
        let kind = AttachmentKind::detect(&name, None);
        let result = read_entry(&mut archive, i, sink).and_then(|data| {
            extract_into(kind, &name, None, &data, limits, depth + 1, &inner, sink)
        });
        match result {
            Ok(()) => {}
            // A bomb anywhere condemns the whole attachment.
            Err(e @ ExtractError::ZipBomb(_)) => return Err(e),
            Err(e) => sink.skip(inner, e),
        }
    }
    Ok(())
}
