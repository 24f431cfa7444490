//! Site A's attachments, generated at start: the 低保名单 spreadsheet (xlsx, by
//! rust_xlsxwriter) and the 临时救助 notice (docx, a minimal WordprocessingML package written
//! with the zip crate). They hold the leaked personal information the security sweep must
//! find, next to look-alikes it must leave alone.

use std::io::{Cursor, Write};
use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, XlsxError};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::SITE_A;
use super::content::{Builder, escape, fill};
use super::ids;
use super::site_a_text::{DIBAO_AGE, DOCX_AGE, DOCX_PATH, XLSX_PATH};

/// A correctly masked ID number (compliant; must never be flagged).
pub(crate) const MASKED_ID: &str = "370202********123X";
/// A correctly masked mobile number (compliant; must never be flagged).
pub(crate) const MASKED_MOBILE: &str = "138****5678";
/// The civil-affairs bureau's published office line (public; must never be flagged).
pub(crate) const OFFICE_LANDLINE: &str = "0532-82873016";

/// The bureau's unified social credit code (public; must never be flagged as an ID number).
pub(crate) fn credit_code() -> &'static str {
    static CODE: LazyLock<String> = LazyLock::new(|| {
        // Fixed input in the GB 32100 alphabet: `credit_code` only fails on other characters,
        // which the unit test `credit_code_is_valid` rules out.
        ids::credit_code("11", "370202", "00387216").expect("valid fixed credit code input")
    });
    &CODE
}

/// One row of the 低保 list.
struct Person {
    name: &'static str,
    /// Birth date; `None` for the masked row.
    birth: Option<(i32, u32, u32)>,
    sequence: u16,
    mobile: &'static str,
    address: &'static str,
    /// Typed into Excel as a number: only 15 significant digits survive.
    id_as_number: bool,
}

const PEOPLE: &[Person] = &[
    Person {
        name: "张秀英",
        birth: Some((1953, 4, 12)),
        sequence: 42,
        mobile: "13573826415",
        address: "市南区宁夏路128号3单元502室",
        id_as_number: false,
    },
    Person {
        name: "李建国",
        birth: Some((1961, 9, 3)),
        sequence: 17,
        mobile: "15192047736",
        address: "市南区漳州二路17号1单元301室",
        id_as_number: false,
    },
    Person {
        name: "王桂兰",
        birth: Some((1948, 11, 26)),
        sequence: 26,
        mobile: "18661803927",
        address: "市南区延安三路210号2单元602室",
        id_as_number: true,
    },
    Person {
        name: "刘德明",
        birth: None,
        sequence: 0,
        mobile: MASKED_MOBILE,
        address: "市南区八大峡街道",
        id_as_number: false,
    },
    Person {
        name: "陈玉梅",
        birth: Some((1972, 2, 29)),
        sequence: 48,
        mobile: "13969718352",
        address: "市南区东海西路35号1单元1201室",
        id_as_number: false,
    },
];

/// The region code of 青岛市市南区.
const REGION: &str = "370202";

fn person_id(p: &Person) -> Option<String> {
    let (y, m, d) = p.birth?;
    ids::resident_id(REGION, NaiveDate::from_ymd_opt(y, m, d)?, p.sequence)
}

fn xlsx_error(e: XlsxError) -> std::io::Error {
    std::io::Error::other(format!("demo spreadsheet: {e}"))
}

/// Adds both attachments and plants their findings.
pub(crate) fn build_site_a(b: &mut Builder) -> std::io::Result<()> {
    let dibao_date = DIBAO_AGE.date(b);
    let xlsx = dibao_xlsx(dibao_date).map_err(xlsx_error)?;
    b.add(
        XLSX_PATH,
        200,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        xlsx,
    );
    for (i, p) in PEOPLE.iter().enumerate() {
        let row = i + 2; // Excel row number: header in row 1.
        if p.birth.is_none() {
            continue; // the masked row: compliant
        }
        let id_note = if p.id_as_number {
            "身份证号以数字格式录入，Excel 仅保留 15 位有效数字，仍泄露地区码和出生日期（截断的身份证号）"
        } else {
            "低保名单附件完整公开了 18 位身份证号码"
        };
        b.plant(
            "pii.resident_id",
            SITE_A,
            XLSX_PATH,
            Some(format!("名单!C{row}")),
            id_note,
        );
        b.plant(
            "pii.mobile",
            SITE_A,
            XLSX_PATH,
            Some(format!("名单!D{row}")),
            "低保名单附件完整公开了手机号码",
        );
        b.plant(
            "pii.address",
            SITE_A,
            XLSX_PATH,
            Some(format!("名单!E{row}")),
            "低保名单附件公开了精确到门牌号的家庭住址",
        );
    }

    let docx_date = DOCX_AGE.date(b);
    let (docx, card_paragraph) = jiuzhu_docx(docx_date)?;
    b.add(
        DOCX_PATH,
        200,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        docx,
    );
    b.plant(
        "pii.bank_card",
        SITE_A,
        DOCX_PATH,
        Some(format!("段落{card_paragraph}")),
        "临时救助公示附件完整公开了救助对象的银行卡号",
    );
    Ok(())
}

fn dibao_xlsx(date: NaiveDate) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let created =
        ExcelDateTime::from_ymd(date.year() as u16, date.month() as u8, date.day() as u8)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(fill("{Y}年{M}月份新增城乡低保对象名单", date))
            .set_author("市南区民政局")
            .set_creation_datetime(&created),
    );
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name("名单")?;
    for (c, (header, width)) in [
        ("序号", 6.0),
        ("姓名", 10.0),
        ("身份证号", 22.0),
        ("联系电话", 14.0),
        ("家庭住址", 34.0),
    ]
    .into_iter()
    .enumerate()
    {
        ws.write_string_with_format(0, c as u16, header, &bold)?;
        ws.set_column_width(c as u16, width)?;
    }
    for (i, p) in PEOPLE.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_number(r, 0, (i + 1) as f64)?;
        ws.write_string(r, 1, p.name)?;
        match person_id(p) {
            // The classic mistake: an ID pasted as a number. Excel (and this file) keep
            // an f64, so the last digits are gone; the value still exposes region and birth.
            Some(id) if p.id_as_number => match id.parse::<u64>() {
                Ok(n) => ws.write_number(r, 2, n as f64)?,
                Err(_) => ws.write_string(r, 2, &id)?,
            },
            Some(id) => ws.write_string(r, 2, &id)?,
            None => ws.write_string(r, 2, MASKED_ID)?,
        };
        ws.write_string(r, 3, p.mobile)?;
        ws.write_string(r, 4, p.address)?;
    }
    wb.save_to_buffer()
}

/// The bank card of the aid recipient: a China Construction Bank UnionPay debit BIN
/// (621700) and a Luhn check digit.
fn recipient_card() -> Option<String> {
    ids::bank_card("621700287004639185")
}

/// The docx bytes and the number of the paragraph holding the bank card.
fn jiuzhu_docx(date: NaiveDate) -> std::io::Result<(Vec<u8>, usize)> {
    let card = recipient_card().ok_or_else(|| std::io::Error::other("demo bank card"))?;
    // Each paragraph is a list of runs, as Word splits text at formatting changes.
    let paragraphs: Vec<Vec<String>> = vec![
        vec!["市南区临时救助资金发放情况公示".into()],
        vec![fill(
            "根据《山东省临时救助办法》有关规定，经个人申请、街道办事处审核、区民政局审批，现将{Y}年{M}月份临时救助资金发放情况公示如下：",
            date,
        )],
        vec!["一、救助对象：赵红霞；救助事由：因病致贫；救助金额：3000元。".into()],
        vec![
            "二、发放方式：通过社会保障卡银行账户代发，".into(),
            "银行卡号：".into(),
            card,
            "，开户行：中国建设银行青岛市南支行。".into(),
        ],
        vec![format!(
            "三、公示期：自公示之日起5个工作日。如有异议，请在公示期内向区民政局社会救助科反映，监督电话：{OFFICE_LANDLINE}。"
        )],
        vec!["青岛市市南区民政局".into()],
        vec![format!("统一社会信用代码：{}", credit_code())],
        vec![fill("{Y}年{M}月{D}日", date)],
    ];
    let card_paragraph = 4;
    let mut body = String::new();
    for (i, runs) in paragraphs.iter().enumerate() {
        let centered = i == 0;
        body.push_str("<w:p>");
        if centered {
            body.push_str("<w:pPr><w:jc w:val=\"center\"/></w:pPr>");
        } else if i >= 5 {
            body.push_str("<w:pPr><w:jc w:val=\"right\"/></w:pPr>");
        }
        for run in runs {
            let props = if centered {
                "<w:rPr><w:b/><w:sz w:val=\"36\"/></w:rPr>"
            } else {
                ""
            };
            body.push_str(&format!(
                "<w:r>{props}<w:t xml:space=\"preserve\">{}</w:t></w:r>",
                escape(run)
            ));
        }
        body.push_str("</w:p>");
    }
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}<w:sectPr><w:pgSz w:w=\"11906\" w:h=\"16838\"/><w:pgMar w:top=\"1440\" w:right=\"1800\" w:bottom=\"1440\" w:left=\"1800\" w:header=\"851\" w:footer=\"992\" w:gutter=\"0\"/></w:sectPr></w:body></w:document>"
    );
    let stamp = zip::DateTime::from_date_and_time(
        date.year() as u16,
        date.month() as u8,
        date.day() as u8,
        9,
        0,
        0,
    )
    .unwrap_or_default();
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(stamp);
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, content) in [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", RELS),
        ("word/document.xml", document.as_str()),
    ] {
        zip.start_file(name, options)
            .map_err(std::io::Error::other)?;
        zip.write_all(content.as_bytes())?;
    }
    let bytes = zip.finish().map_err(std::io::Error::other)?.into_inner();
    Ok((bytes, card_paragraph))
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;

const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credit_code_is_valid() {
        let code = credit_code();
        assert_eq!(code.len(), 18);
        assert_eq!(ids::credit_code_check(&code[..17]), code.chars().nth(17));
        assert_eq!(ids::org_code_check(&code[8..16]), code.chars().nth(16));
    }

    #[test]
    fn planted_ids_validate_and_the_numeric_one_is_numeric() {
        for p in PEOPLE.iter().filter(|p| p.birth.is_some()) {
            let id = person_id(p).expect("id");
            assert_eq!(id.len(), 18);
            assert!(id.starts_with(REGION));
            assert_eq!(ids::resident_id_check(&id[..17]), id.chars().nth(17));
            if p.id_as_number {
                assert!(id.parse::<u64>().is_ok(), "numeric ID must not end in X");
            }
        }
        let card = recipient_card().expect("card");
        assert_eq!(card.len(), 19);
        assert!(card.starts_with("62"));
    }
}
