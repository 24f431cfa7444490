//! Attachment extraction: every format with locations, and hostile inputs.

use std::io::Write;
use std::time::Instant;

use govwatch_crawlers::{AttachmentKind, ExtractError, ExtractLimits, extract_bytes, extract_file};

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn zip_entries(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in entries {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .expect("zip entry");
        w.write_all(data).expect("zip write");
    }
    w.finish().expect("zip finish").into_inner()
}

/// A minimal docx with the given paragraphs, then a 1×2 table.
pub fn docx_bytes(paragraphs: &[&str]) -> Vec<u8> {
    let mut body = String::new();
    for p in paragraphs {
        body.push_str(&format!(
            "<w:p><w:r><w:t xml:space=\"preserve\">{p}</w:t></w:r></w:p>"
        ));
    }
    body.push_str(
        "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>单元格甲</w:t></w:r></w:p></w:tc>\
         <w:tc><w:p><w:r><w:t>A&amp;B</w:t><w:tab/><w:t>乙</w:t></w:r></w:p></w:tc></w:tr></w:tbl>",
    );
    let doc = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">\
         <w:body>{body}</w:body></w:document>"
    );
    let content_types = r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;
    zip_entries(&[
        ("[Content_Types].xml", content_types.as_bytes()),
        ("word/document.xml", doc.as_bytes()),
    ])
}

/// An xlsx (rust_xlsxwriter) with an ID typed as a number and one typed as text.
pub fn xlsx_bytes() -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("名单").expect("sheet name");
    ws.write_string(0, 0, "姓名").expect("write");
    ws.write_string(0, 1, "身份证号").expect("write");
    ws.write_string(1, 0, "王五").expect("write");
    ws.write_number(1, 1, 110105194912310021.0).expect("write");
    ws.write_number(1, 2, 42.0).expect("write");
    ws.write_string(2, 1, "11010519491231002X").expect("write");
    ws.write_number(2, 2, 2.5).expect("write");
    wb.save_to_buffer().expect("xlsx")
}

fn limits() -> ExtractLimits {
    ExtractLimits {
        max_unzipped_bytes: 64 * 1024 * 1024,
        ..ExtractLimits::default()
    }
}

fn find<'a>(x: &'a govwatch_crawlers::Extracted, loc: &str) -> &'a govwatch_crawlers::TextSegment {
    x.segments
        .iter()
        .find(|s| s.location == loc)
        .unwrap_or_else(|| panic!("no segment at {loc}: {:?}", x.segments))
}

#[test]
fn pdf_pages_via_pdftotext_including_cid_fonts() {
    let x = extract_file(&fixture("list.pdf"), &limits()).expect("pdf");
    assert_eq!(x.kind, AttachmentKind::Pdf);
    let p1 = &find(&x, "第1页").text;
    assert!(
        p1.contains("Zhang San") && p1.contains("11010519491231002X"),
        "{p1}"
    );
    let p2 = &find(&x, "第2页").text;
    assert!(
        p2.contains("低保名单") && p2.contains("13800138000"),
        "{p2}"
    );
    let bytes = std::fs::read(fixture("list.pdf")).expect("read");
    let again = extract_bytes("list.pdf", None, &bytes, &limits()).expect("pdf bytes");
    assert_eq!(again.segments, x.segments);
}

#[test]
fn malformed_and_encrypted_pdfs_are_errors() {
    let err = extract_bytes("x.pdf", None, b"%PDF-1.4\ngarbage", &limits()).expect_err("bad pdf");
    assert!(matches!(err, ExtractError::Malformed(_)), "{err:?}");
    let err = extract_bytes("x.pdf", None, b"not a pdf at all", &limits()).expect_err("not pdf");
    assert!(matches!(err, ExtractError::Malformed(_)));
}

#[test]
fn docx_paragraphs_and_table_cells() {
    let x = extract_bytes(
        "a.docx",
        None,
        &docx_bytes(&["通知", "张三 电话 13800138000"]),
        &limits(),
    )
    .expect("docx");
    assert_eq!(find(&x, "段落1").text, "通知");
    assert_eq!(find(&x, "段落2").text, "张三 电话 13800138000");
    assert_eq!(find(&x, "段落3").text, "单元格甲");
    assert_eq!(find(&x, "段落4").text, "A&B\t乙");
}

#[test]
fn xlsx_cells_with_a1_locations_and_precision_flag() {
    let x = extract_bytes("名单.xlsx", None, &xlsx_bytes(), &limits()).expect("xlsx");
    assert_eq!(x.kind, AttachmentKind::Xlsx);
    let id = find(&x, "名单!B2");
    assert_eq!(id.text, "110105194912310000");
    assert!(
        id.numeric_precision_loss,
        "an ID typed as a number lost digits"
    );
    let text_id = find(&x, "名单!B3");
    assert_eq!(text_id.text, "11010519491231002X");
    assert!(!text_id.numeric_precision_loss);
    assert_eq!(find(&x, "名单!C2").text, "42");
    assert_eq!(find(&x, "名单!C3").text, "2.5");
    assert_eq!(find(&x, "名单!A1").text, "姓名");
}

#[test]
fn xls_fixture_from_xlwt() {
    let x = extract_file(&fixture("list.xls"), &limits()).expect("xls");
    assert_eq!(x.kind, AttachmentKind::Xls);
    let id = find(&x, "名单!B2");
    assert_eq!(id.text, "110105194912310000");
    assert!(id.numeric_precision_loss);
    assert_eq!(find(&x, "名单!B3").text, "11010519491231002X");
    assert_eq!(find(&x, "名单!C2").text, "3");
}

#[test]
fn csv_txt_and_html() {
    let csv = encoding_rs::GBK
        .encode("姓名,电话\n李四,13900139000\n")
        .0
        .into_owned();
    let x = extract_bytes("a.csv", None, &csv, &limits()).expect("csv");
    assert_eq!(find(&x, "第2行第2列 (B2)").text, "13900139000");
    assert_eq!(find(&x, "第1行第1列 (A1)").text, "姓名");
    let x = extract_bytes(
        "a.txt",
        Some("text/plain"),
        "第一行\n\n第三行".as_bytes(),
        &limits(),
    )
    .expect("txt");
    assert_eq!(find(&x, "第3行").text, "第三行");
    let x = extract_bytes(
        "a.html",
        None,
        "<title>标题</title><p>正文<script>x</script></p>".as_bytes(),
        &limits(),
    )
    .expect("html");
    assert_eq!(find(&x, "标题").text, "标题");
    assert_eq!(find(&x, "正文第1行").text, "正文");
}

#[test]
fn zip_wrapped_files_are_extracted_recursively_with_limits() {
    let docx = docx_bytes(&["公示名单"]);
    let inner = zip_entries(&[("深/名单.docx", &docx)]);
    let outer = zip_entries(&[
        ("附件/名单.docx", &docx),
        ("附件/a.csv", "x,y".as_bytes()),
        ("inner.zip", &inner),
        ("unknown.rar", b"Rar!"),
    ]);
    let x = extract_bytes("files.zip", None, &outer, &limits()).expect("zip");
    assert_eq!(find(&x, "附件/名单.docx:段落1").text, "公示名单");
    assert_eq!(find(&x, "附件/a.csv:第1行第2列 (B1)").text, "y");
    assert_eq!(find(&x, "inner.zip:深/名单.docx:段落1").text, "公示名单");
    assert_eq!(x.skipped.len(), 1, "{:?}", x.skipped);
    assert_eq!(x.skipped[0].location, "unknown.rar");
    // Three levels deep is refused (depth limit 2).
    let outer2 = zip_entries(&[("l1.zip", &zip_entries(&[("l2.zip", &inner)]))]);
    let x = extract_bytes("deep.zip", None, &outer2, &limits()).expect("zip");
    assert!(x.segments.is_empty());
    assert!(
        matches!(x.skipped[0].error, ExtractError::TooLarge(_)),
        "{:?}",
        x.skipped
    );
}

#[test]
fn gbk_file_names_in_zip_are_decoded() {
    // Chinese Windows zip tools write GBK names without the UTF-8 flag.
    let name = encoding_rs::GBK.encode("名单.txt").0.into_owned();
    let data = "张三".as_bytes();
    let zip = stored_zip(&name, data, data.len() as u32);
    let x = extract_bytes("a.zip", None, &zip, &limits()).expect("zip");
    assert_eq!(x.segments[0].location, "名单.txt:第1行");
    assert_eq!(x.segments[0].text, "张三");
}

/// A zip with one stored (uncompressed) entry and a raw name.
fn stored_zip(name: &[u8], data: &[u8], declared: u32) -> Vec<u8> {
    raw_zip(name, 0, data, declared, crc32fast::hash(data))
}

/// A zip with one entry built by hand: method 0 (stored) or 8 (deflate).
fn raw_zip(name: &[u8], method: u16, payload: &[u8], declared_size: u32, crc: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let le16 = |v: u16| v.to_le_bytes();
    let le32 = |v: u32| v.to_le_bytes();
    out.extend(le32(0x0403_4b50));
    out.extend(le16(20));
    out.extend(le16(0));
    out.extend(le16(method));
    out.extend(le16(0));
    out.extend(le16(0x21));
    out.extend(le32(crc));
    out.extend(le32(payload.len() as u32));
    out.extend(le32(declared_size));
    out.extend(le16(name.len() as u16));
    out.extend(le16(0));
    out.extend(name);
    out.extend(payload);
    let cd_offset = out.len() as u32;
    out.extend(le32(0x0201_4b50));
    out.extend(le16(20));
    out.extend(le16(20));
    out.extend(le16(0));
    out.extend(le16(method));
    out.extend(le16(0));
    out.extend(le16(0x21));
    out.extend(le32(crc));
    out.extend(le32(payload.len() as u32));
    out.extend(le32(declared_size));
    out.extend(le16(name.len() as u16));
    out.extend(le16(0));
    out.extend(le16(0));
    out.extend(le16(0));
    out.extend(le16(0));
    out.extend(le32(0));
    out.extend(le32(0));
    out.extend(name);
    let cd_size = out.len() as u32 - cd_offset;
    out.extend(le32(0x0605_4b50));
    out.extend(le16(0));
    out.extend(le16(0));
    out.extend(le16(1));
    out.extend(le16(1));
    out.extend(le32(cd_size));
    out.extend(le32(cd_offset));
    out.extend(le16(0));
    out
}

/// A raw deflate stream of `mib` MiB of zeros, stream-generated: one full-flushed 1 MiB
/// block repeated, then an empty final block. ~1 KB per MiB.
fn zeros_deflate(mib: usize) -> Vec<u8> {
    let zeros = vec![0u8; 1 << 20];
    let mut c = flate2::Compress::new(flate2::Compression::best(), false);
    let mut block = Vec::with_capacity(64 * 1024);
    c.compress_vec(&zeros, &mut block, flate2::FlushCompress::Full)
        .expect("deflate");
    let mut out = Vec::with_capacity(block.len() * mib + 2);
    for _ in 0..mib {
        out.extend_from_slice(&block);
    }
    // Final empty fixed-Huffman block: BFINAL=1, BTYPE=01, end-of-block.
    out.extend_from_slice(&[0x03, 0x00]);
    out
}

#[test]
fn zip_bomb_is_refused_by_actual_bytes() {
    let three_gib = 3 * 1024;
    let payload = zeros_deflate(three_gib);
    assert!(
        payload.len() < 8 * 1024 * 1024,
        "small on disk: {}",
        payload.len()
    );
    let limits = limits();
    for declared in [(three_gib as u32) << 20, 1024] {
        // Honest 3 GiB header, then a header that lies (1 KiB): the bytes read decide.
        let bomb = raw_zip(b"zeros.txt", 8, &payload, declared, 0);
        let started = Instant::now();
        let result = extract_bytes("bomb.zip", None, &bomb, &limits);
        match result {
            Err(ExtractError::ZipBomb(_)) => {}
            Ok(x) => {
                // A reader that stops at the declared size never produced the bomb.
                let total: usize = x.segments.iter().map(|s| s.text.len()).sum();
                assert!(
                    declared == 1024 && total <= 1024,
                    "bomb inflated: {total} bytes"
                );
            }
            Err(e) => panic!("unexpected {e:?}"),
        }
        assert!(started.elapsed().as_secs() < 20, "bounded work");
        // The same bomb as a docx body and as an xlsx sheet.
        let docx = raw_zip(b"word/document.xml", 8, &payload, declared, 0);
        let err = extract_bytes("bomb.docx", None, &docx, &limits).expect_err("docx bomb");
        assert!(
            matches!(err, ExtractError::ZipBomb(_) | ExtractError::Malformed(_)),
            "{err:?}"
        );
        let xlsx = raw_zip(b"xl/worksheets/sheet1.xml", 8, &payload, declared, 0);
        let err = extract_bytes("bomb.xlsx", None, &xlsx, &limits).expect_err("xlsx bomb");
        assert!(
            matches!(err, ExtractError::ZipBomb(_) | ExtractError::Malformed(_)),
            "{err:?}"
        );
    }
}

#[test]
fn too_many_zip_entries_refused() {
    let names: Vec<String> = (0..50).map(|i| format!("f{i}.txt")).collect();
    let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"x"[..])).collect();
    let zip = zip_entries(&entries);
    let small = ExtractLimits {
        max_zip_entries: 10,
        ..limits()
    };
    assert!(matches!(
        extract_bytes("a.zip", None, &zip, &small),
        Err(ExtractError::ZipBomb(_))
    ));
}

#[test]
fn billion_laughs_docx_is_refused_quickly() {
    let mut doc = String::from("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">");
    doc.push_str("<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">");
    for i in 2..10 {
        let prev = format!("&lol{};", i - 1).repeat(10);
        doc.push_str(&format!("<!ENTITY lol{i} \"{prev}\">"));
    }
    doc.push_str("]><w:document xmlns:w=\"w\"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>");
    let docx = zip_entries(&[("word/document.xml", doc.as_bytes())]);
    let started = Instant::now();
    let err = extract_bytes("lol.docx", None, &docx, &limits()).expect_err("refused");
    assert!(
        matches!(err, ExtractError::Malformed(ref m) if m.contains("DOCTYPE")),
        "{err:?}"
    );
    assert!(started.elapsed().as_millis() < 2000);
    // Without the DOCTYPE, an undefined entity is dropped, never expanded.
    let doc = "<w:document xmlns:w=\"w\"><w:body><w:p><w:r><w:t>a&lol9;b</w:t></w:r></w:p></w:body></w:document>";
    let docx = zip_entries(&[("word/document.xml", doc.as_bytes())]);
    let x = extract_bytes("lol.docx", None, &docx, &limits()).expect("harmless");
    assert_eq!(x.segments[0].text, "ab");
}

#[test]
fn malformed_office_files_are_errors_not_panics() {
    for (name, bytes) in [
        ("a.xlsx", b"PK\x03\x04garbage".to_vec()),
        ("a.xlsx", b"not a zip".to_vec()),
        ("a.xls", vec![0xD0, 0xCF, 0x11, 0xE0, 0, 1, 2]),
        ("a.docx", b"PK\x05\x06".to_vec()),
        ("a.docx", zip_entries(&[("other.xml", b"<x/>")])),
        ("a.et", b"???".to_vec()),
    ] {
        let err = extract_bytes(name, None, &bytes, &limits()).expect_err(name);
        assert!(
            matches!(
                err,
                ExtractError::Malformed(_) | ExtractError::Unsupported(_)
            ),
            "{name}: {err:?}"
        );
    }
}

#[test]
fn legacy_doc_uses_antiword_or_catdoc() {
    // Not a real .doc: the tools run and fail, which must be a clear error value.
    let err =
        extract_bytes("a.doc", None, b"plain bytes, not OLE", &limits()).expect_err("bad doc");
    assert!(
        matches!(
            err,
            ExtractError::ToolFailed(_) | ExtractError::ToolMissing(_) | ExtractError::Malformed(_)
        ),
        "{err:?}"
    );
}
