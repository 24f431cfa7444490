//! Word 2007+ (.docx): `word/document.xml` read with quick-xml.
//!
//! Each `w:p` paragraph becomes one segment located `段落N` (N counts paragraphs in document
//! order, table cells included, since a cell holds paragraphs). Text comes from `w:t`, tabs
//! from `w:tab`, line breaks from `w:br`. Word never writes a DOCTYPE, so a document carrying
//! one is refused outright; quick-xml does not expand custom entities anyway (they arrive as
//! unresolved references and are dropped), so billion-laughs input cannot blow up.

use quick_xml::Reader;
use quick_xml::events::Event;

use super::archive::{open, read_entry};
use super::{ExtractError, ExtractLimits, Sink, TextSegment, located};

/// Parts read, in order: the body, then headers, footers, footnotes.
fn wanted_part(name: &str) -> Option<u8> {
    if name == "word/document.xml" {
        Some(0)
    } else if name.starts_with("word/header") && name.ends_with(".xml") {
        Some(1)
    } else if name.starts_with("word/footer") && name.ends_with(".xml") {
        Some(2)
    } else if name == "word/footnotes.xml" {
        Some(3)
    } else {
        None
    }
}

pub(crate) fn extract(
    bytes: &[u8],
    limits: &ExtractLimits,
    prefix: &str,
    sink: &mut Sink,
) -> Result<(), ExtractError> {
    let mut archive = open(bytes, limits)?;
    let mut parts: Vec<(u8, String, usize)> = (0..archive.len())
        .filter_map(|i| {
            let name = archive.name_for_index(i)?.ok()?.into_owned();
            wanted_part(&name).map(|order| (order, name, i))
        })
        .collect();
    if !parts.iter().any(|(o, _, _)| *o == 0) {
        return Err(ExtractError::Malformed("no word/document.xml".into()));
    }
    parts.sort();
    let mut paragraph = 0usize;
    for (order, name, index) in parts {
        let xml = read_entry(&mut archive, index, sink)?;
        let part_prefix = if order == 0 {
            prefix.to_string()
        } else {
            located(prefix, name.trim_start_matches("word/"))
        };
        paragraphs(&xml, &part_prefix, &mut paragraph, sink)?;
        if sink.is_full() {
            break;
        }
    }
    Ok(())
}

fn paragraphs(
    xml: &[u8],
    prefix: &str,
    counter: &mut usize,
    sink: &mut Sink,
) -> Result<(), ExtractError> {
    let mut reader = Reader::from_reader(xml);
    // Open paragraphs (text boxes nest paragraphs inside paragraphs): (number, text).
    let mut open: Vec<(usize, String)> = Vec::new();
    let mut in_text = false;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| ExtractError::Malformed(format!("document XML: {e}")))?;
        match event {
            Event::DocType(_) => {
                return Err(ExtractError::Malformed(
                    "DOCTYPE in Office XML refused (entity expansion risk)".into(),
                ));
            }
            Event::Start(e) => match e.name().as_ref() {
                "w:p" => {
                    *counter += 1;
                    open.push((*counter, String::new()));
                }
                "w:t" => in_text = true,
                _ => {}
            },
            Event::Empty(e) => match e.name().as_ref() {
                "w:tab" => push_text(&mut open, "\t"),
                "w:br" | "w:cr" => push_text(&mut open, "\n"),
                "w:p" => *counter += 1,
                _ => {}
            },
            Event::End(e) => match e.name().as_ref() {
                "w:t" => in_text = false,
                "w:p" => {
                    if let Some((n, text)) = open.pop()
                        && !sink.push(TextSegment::new(located(prefix, &format!("段落{n}")), text))
                    {
                        return Ok(());
                    }
                }
                _ => {}
            },
            Event::Text(t) if in_text => push_text(&mut open, &t.xml10_content()),
            Event::CData(t) if in_text => push_text(&mut open, &t.into_inner()),
            Event::GeneralRef(r) if in_text => {
                let resolved = if r.is_char_ref() {
                    r.resolve_char_ref().ok().flatten().map(String::from)
                } else {
                    predefined(&r.xml10_content()).map(str::to_string)
                };
                // Custom entities are never expanded: dropped.
                if let Some(s) = resolved {
                    push_text(&mut open, &s);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(())
}

fn predefined(name: &str) -> Option<&'static str> {
    Some(match name {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        _ => return None,
    })
}

fn push_text(open: &mut [(usize, String)], s: &str) {
    if let Some((_, text)) = open.last_mut() {
        text.push_str(s);
    }
}
