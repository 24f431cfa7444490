//! Spreadsheets (xlsx, xls, ods, WPS .et) through calamine, one segment per non-empty cell,
//! located `Sheet!C7`.
//!
//! Numbers come back from calamine as `f64`. An 18-digit ID number typed into Excel as a
//! number keeps only 15 significant digits (`110105194912310000`), yet its region code and
//! birth date are still exposed, so such cells are rendered the way Excel shows them and
//! flagged `numeric_precision_loss` for the rules engine.
//!
//! xlsx is streamed cell by cell (`worksheet_cells_reader`): calamine's `Range` is a dense
//! grid, and two cells at opposite corners of a sheet would allocate billions of slots.
//! xlsx/ods archives are decompressed once up front with real byte counting (zip-bomb check)
//! before calamine, which trusts the archive, touches them.

use std::io::Cursor;

use calamine::{Data, DataRef, Ods, Reader, Xls, Xlsx};

use super::archive::preflight;
use super::{AttachmentKind, ExtractError, ExtractLimits, Sink, TextSegment, located};

pub(crate) fn extract(
    kind: AttachmentKind,
    bytes: &[u8],
    limits: &ExtractLimits,
    prefix: &str,
    sink: &mut Sink,
) -> Result<(), ExtractError> {
    let is_zip = bytes.starts_with(b"PK\x03\x04");
    let is_ole = bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]);
    match kind {
        AttachmentKind::Xlsx | AttachmentKind::Et if is_zip => xlsx(bytes, limits, prefix, sink),
        AttachmentKind::Ods if is_zip => ods(bytes, limits, prefix, sink),
        AttachmentKind::Xls | AttachmentKind::Et if is_ole => xls(bytes, prefix, sink),
        // An encrypted xlsx is an OLE container holding the encrypted package.
        AttachmentKind::Xlsx if is_ole => match xls(bytes, prefix, sink) {
            Ok(()) => Ok(()),
            Err(_) => Err(ExtractError::Encrypted),
        },
        AttachmentKind::Xls if is_zip => xlsx(bytes, limits, prefix, sink),
        AttachmentKind::Et => Err(ExtractError::Unsupported(
            "WPS .et in an unknown container".into(),
        )),
        _ => Err(ExtractError::Malformed(format!(
            "not a {kind:?} spreadsheet (unrecognised header)"
        ))),
    }
}

fn calamine_error(e: impl std::fmt::Display) -> ExtractError {
    let msg = e.to_string();
    let lower = msg.to_ascii_lowercase();
    if lower.contains("password") || lower.contains("encrypt") {
        ExtractError::Encrypted
    } else {
        ExtractError::Malformed(msg)
    }
}

fn xlsx(
    bytes: &[u8],
    limits: &ExtractLimits,
    prefix: &str,
    sink: &mut Sink,
) -> Result<(), ExtractError> {
    preflight(bytes, limits, sink)?;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(calamine_error)?;
    for name in book.sheet_names() {
        let mut cells = book.worksheet_cells_reader(&name).map_err(calamine_error)?;
        while let Some(cell) = cells.next_cell().map_err(calamine_error)? {
            let (row, col) = cell.get_position();
            let rendered = match cell.get_value() {
                DataRef::SharedString(s) => Some(((*s).to_string(), false)),
                DataRef::String(s) => Some((s.clone(), false)),
                DataRef::Int(i) => Some((i.to_string(), false)),
                DataRef::Float(f) => Some(render_float(*f)),
                DataRef::Bool(b) => Some((if *b { "TRUE" } else { "FALSE" }.into(), false)),
                DataRef::DateTime(dt) => Some((render_datetime(dt), false)),
                DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Some((s.clone(), false)),
                DataRef::Error(_) | DataRef::Empty => None,
            };
            if let Some((text, lossy)) = rendered
                && !push_cell(sink, prefix, &name, row, col, text, lossy)
            {
                return Ok(());
            }
        }
    }
    Ok(())
}

fn xls(bytes: &[u8], prefix: &str, sink: &mut Sink) -> Result<(), ExtractError> {
    let mut book: Xls<_> = Xls::new(Cursor::new(bytes)).map_err(calamine_error)?;
    ranges(&mut book, prefix, sink)
}

fn ods(
    bytes: &[u8],
    limits: &ExtractLimits,
    prefix: &str,
    sink: &mut Sink,
) -> Result<(), ExtractError> {
    preflight(bytes, limits, sink)?;
    let mut book: Ods<_> = Ods::new(Cursor::new(bytes)).map_err(calamine_error)?;
    ranges(&mut book, prefix, sink)
}

/// xls/ods: calamine only offers whole-sheet ranges here (xls is bounded by BIFF's
/// 65,536 × 256 grid).
fn ranges<'a, R>(book: &mut R, prefix: &str, sink: &mut Sink) -> Result<(), ExtractError>
where
    R: Reader<Cursor<&'a [u8]>>,
    R::Error: std::fmt::Display,
{
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).map_err(calamine_error)?;
        let (row0, col0) = range.start().unwrap_or((0, 0));
        for (r, c, data) in range.used_cells() {
            if let Some((text, lossy)) = render_data(data) {
                let (row, col) = (row0 + r as u32, col0 + c as u32);
                if !push_cell(sink, prefix, &name, row, col, text, lossy) {
                    return Ok(());
                }
            }
        }
    }
    Ok(())
}

fn render_data(data: &Data) -> Option<(String, bool)> {
    match data {
        Data::String(s) => Some((s.clone(), false)),
        Data::Int(i) => Some((i.to_string(), false)),
        Data::Float(f) => Some(render_float(*f)),
        Data::Bool(b) => Some((if *b { "TRUE" } else { "FALSE" }.into(), false)),
        Data::DateTime(dt) => Some((render_datetime(dt), false)),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Some((s.clone(), false)),
        Data::Error(_) | Data::Empty => None,
    }
}

fn push_cell(
    sink: &mut Sink,
    prefix: &str,
    sheet: &str,
    row: u32,
    col: u32,
    text: String,
    lossy: bool,
) -> bool {
    let location = located(
        prefix,
        &format!("{sheet}!{}{}", column_letters(col), row + 1),
    );
    sink.push(TextSegment {
        location,
        text,
        numeric_precision_loss: lossy,
    })
}

/// Renders a numeric cell as Excel displays it; the flag says digits were lost.
///
/// Integers print without `.0`. Above 15 significant digits, f64 (and Excel) cannot hold the
/// value, so the digits past the 15th are shown as zeros, exactly like Excel's display.
pub(crate) fn render_float(f: f64) -> (String, bool) {
    if !f.is_finite() {
        return (f.to_string(), false);
    }
    if f.fract() == 0.0 && f.abs() < 1e21 {
        let exact = format!("{f:.0}");
        let digits = exact.trim_start_matches('-').len();
        if digits > 15 {
            let sign = if f < 0.0 { "-" } else { "" };
            let body = exact.trim_start_matches('-');
            let shown = format!("{}{}", &body[..15], "0".repeat(digits - 15));
            return (format!("{sign}{shown}"), true);
        }
        return (exact, false);
    }
    (f.to_string(), false)
}

fn render_datetime(dt: &calamine::ExcelDateTime) -> String {
    match dt.as_datetime() {
        Some(t) if t.time() == chrono::NaiveTime::MIN => t.format("%Y-%m-%d").to_string(),
        Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
        None => render_float(dt.as_f64()).0,
    }
}

/// 0 → A, 25 → Z, 26 → AA.
pub(crate) fn column_letters(mut col: u32) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    out.reverse();
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_render_like_excel() {
        assert_eq!(render_float(42.0), ("42".into(), false));
        assert_eq!(render_float(3.5), ("3.5".into(), false));
        assert_eq!(
            render_float(110105194912310021.0),
            ("110105194912310000".into(), true)
        );
        assert_eq!(render_float(13800138000.0), ("13800138000".into(), false));
    }

    #[test]
    fn a1_columns() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(2), "C");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }
}
