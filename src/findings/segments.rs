//! Scanning extracted text segments. Spreadsheet cells (`名单!C7`) arrive one per segment,
//! but row rules need the row: a name in B7 and an address in E7 make a leak that neither
//! cell shows alone. Cells of one row are therefore scanned together (`\t` between cells,
//! the rules engine's convention) and each hit is reported at the cell it falls in.

use govwatch_crawlers::TextSegment;

use crate::rules::{Hit, RuleFilter, RuleSet, TextContext, ValueHasher};

/// `Sheet!C7` → (`Sheet`, 7). `None` for anything that is not an A1-style cell location.
fn sheet_row(location: &str) -> Option<(&str, u32)> {
    let (sheet, cell) = location.rsplit_once('!')?;
    let digits = cell.trim_start_matches(|c: char| c.is_ascii_uppercase());
    if digits.len() == cell.len()
        || digits.is_empty()
        || !digits.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    Some((sheet, digits.parse().ok()?))
}

/// Scans segments with `rules`, returning each hit with its location.
pub fn scan_segments(
    rules: &RuleSet,
    hasher: &ValueHasher,
    filter: &RuleFilter,
    segments: &[TextSegment],
) -> Vec<(String, Hit)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < segments.len() {
        let seg = &segments[i];
        let Some((sheet, row)) = sheet_row(&seg.location) else {
            let ctx = TextContext {
                numeric_precision_loss: seg.numeric_precision_loss,
                ..Default::default()
            };
            for hit in rules.scan_text_filtered(&seg.text, &ctx, hasher, filter) {
                out.push((seg.location.clone(), hit));
            }
            i += 1;
            continue;
        };
        // Gather the row's cells: (start offset in the row text, location).
        let mut text = String::new();
        let mut cells: Vec<(usize, &str)> = Vec::new();
        let mut numeric = false;
        let mut j = i;
        while j < segments.len() && sheet_row(&segments[j].location) == Some((sheet, row)) {
            if !text.is_empty() {
                text.push('\t');
            }
            cells.push((text.len(), segments[j].location.as_str()));
            text.push_str(&segments[j].text.replace(['\t', '\n'], " "));
            numeric |= segments[j].numeric_precision_loss;
            j += 1;
        }
        let ctx = TextContext {
            numeric_precision_loss: numeric,
            ..Default::default()
        };
        for hit in rules.scan_text_filtered(&text, &ctx, hasher, filter) {
            let cell = cells
                .iter()
                .rev()
                .find(|(start, _)| *start <= hit.span.start)
                .map_or(cells[0].1, |(_, loc)| loc);
            out.push((cell.to_string(), hit));
        }
        i = j;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_locations_parse() {
        assert_eq!(sheet_row("名单!C7"), Some(("名单", 7)));
        assert_eq!(sheet_row("Sheet1!AB12"), Some(("Sheet1", 12)));
        assert_eq!(sheet_row("第3页"), None);
        assert_eq!(
            sheet_row("a.zip/x.xlsx:名单!C7"),
            Some(("a.zip/x.xlsx:名单", 7))
        );
        assert_eq!(sheet_row("段落4"), None);
    }
}
