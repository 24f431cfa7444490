//! Labelled documents: 公示 tables with planted personal data, look-alikes and prose
//! with planted misused words.

use super::{
    Doc, PROSE, SynthRng, bank_card, credit_code, full_width, home_address, mobile, person_name,
    resident_id, resident_id_bad_check, resident_id_legacy, resident_id_truncated,
    serial_failing_luhn,
};

/// Look-alikes that must not be reported as personal information.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookAlike {
    /// ID-shaped number with a wrong check character.
    IdBadCheck,
    /// Masked ID, mobile and card forms.
    Masked,
    /// Unified social credit code of an organisation.
    CreditCode,
    /// Office landlines and hotlines.
    Landline,
    /// Document numbers (文号).
    DocNumber,
    /// Dates and times.
    Date,
    /// Order and serial numbers with their labels.
    OrderNumber,
    /// Numbers inside URLs and e-mail addresses.
    Url,
    /// 19-digit serials with a card prefix failing Luhn.
    SerialBadLuhn,
    /// 11-digit numbers starting 10 or 12.
    ElevenDigits,
    /// Amounts and statistics.
    Amount,
    /// An office's address with its phone (no personal name).
    OfficeAddress,
    /// Labelled codes that happen to look like mobiles or IDs.
    Codes,
}

impl LookAlike {
    /// Every kind, for round-robin generation.
    pub const ALL: [LookAlike; 13] = [
        LookAlike::IdBadCheck,
        LookAlike::Masked,
        LookAlike::CreditCode,
        LookAlike::Landline,
        LookAlike::DocNumber,
        LookAlike::Date,
        LookAlike::OrderNumber,
        LookAlike::Url,
        LookAlike::SerialBadLuhn,
        LookAlike::ElevenDigits,
        LookAlike::Amount,
        LookAlike::OfficeAddress,
        LookAlike::Codes,
    ];
}

/// Appends one look-alike sentence of the given kind.
pub fn append_lookalike(doc: &mut Doc, rng: &mut SynthRng, kind: LookAlike) {
    let s = match kind {
        LookAlike::IdBadCheck => format!(
            "经核查，证件号码 {} 校验位有误，已退回重新填报。",
            resident_id_bad_check(rng)
        ),
        LookAlike::Masked => {
            let id = resident_id(rng);
            let m = mobile(rng);
            let c = bank_card(rng);
            format!(
                "身份证号：{}********{}，联系电话：{}****{}，账号：{} **** **** {}，曾用号码35*************{}。",
                &id[..6],
                &id[14..],
                &m[..3],
                &m[7..],
                &c[..4],
                &c[c.len() - 4..],
                rng.digits(3)
            )
        }
        LookAlike::CreditCode => format!(
            "项目承办单位统一社会信用代码：{}，注册地址见营业执照。",
            credit_code(rng)
        ),
        LookAlike::Landline => format!(
            "咨询电话：0532-8{}，（0532）8{}，政务服务便民热线12345，客服电话400-{}-{}，银行客服95588。",
            rng.digits(7),
            rng.digits(7),
            rng.digits(3),
            rng.digits(4)
        ),
        LookAlike::DocNumber => format!(
            "根据《青岛市人民政府办公厅关于印发有关实施方案的通知》（青政办发〔20{}〕{}号）和鲁政字〔2024〕{}号文件精神。",
            20 + rng.below(6),
            1 + rng.below(40),
            100 + rng.below(300)
        ),
        LookAlike::Date => format!(
            "发布日期：2025{:02}{:02}，更新时间：2025-{:02}-{:02} 14:{:02}，有效期至2026年{}月{}日。",
            1 + rng.below(12),
            1 + rng.below(28),
            1 + rng.below(12),
            1 + rng.below(28),
            rng.below(60),
            1 + rng.below(12),
            1 + rng.below(28)
        ),
        LookAlike::OrderNumber => format!(
            "订单号：{}，流水号：{}，批次编号：{}，快递单号：{}。",
            mobile(rng),
            bank_card(rng),
            rng.digits(20),
            format_args!("SF{}", rng.digits(12))
        ),
        LookAlike::Url => format!(
            "原文链接：http://www.qingdao.gov.cn/zwgk/xxgk/art/2025/5/16/art_{}_{}.html 或 https://ggfw.gov.cn/query?id={}&tel={}，邮箱{}@163.com。",
            rng.digits(5),
            resident_id(rng),
            bank_card(rng),
            mobile(rng),
            mobile(rng)
        ),
        LookAlike::SerialBadLuhn => format!("设备序列号 {} 已登记备案。", serial_failing_luhn(rng)),
        LookAlike::ElevenDigits => format!(
            "登记编号{}，另一编号 12{}，档案号10{}。",
            format_args!("10{}", rng.digits(9)),
            rng.digits(9),
            rng.digits(9)
        ),
        LookAlike::Amount => format!(
            "全年完成投资{}元，其中财政资金{}万元，惠及群众{}人次。",
            format_args!("1{}{}", 3 + rng.below(7), rng.digits(9)),
            rng.digits(6),
            rng.digits(5)
        ),
        LookAlike::OfficeAddress => format!(
            "办公地址：青岛市市南区香港中路{}号，邮编266071，联系电话：0532-8{}。",
            1 + rng.below(200),
            rng.digits(7)
        ),
        LookAlike::Codes => format!(
            "发票代码：1370219{}，发票号码：{}，准考证号：{}，统计编码 {}，合同号{}，时间戳{}，No.{}。",
            rng.digits(5),
            mobile(rng),
            mobile(rng),
            mobile(rng),
            mobile(rng),
            format_args!("17{}", rng.digits(11)),
            mobile(rng)
        ),
    };
    doc.push(&s);
    doc.push("\n");
}

/// Appends a 公示 table (header + rows, `\t` between cells) with planted values.
pub fn append_table(doc: &mut Doc, rng: &mut SynthRng, rows: usize) {
    doc.push("序号\t姓名\t身份证号码\t联系电话\t银行卡号\t家庭住址\t保障人数\n");
    for i in 0..rows {
        doc.push(&format!("{}\t{}\t", i + 1, person_name(rng)));
        let id = resident_id(rng);
        match rng.below(8) {
            0 => doc.plant("pii.resident_id", &id.to_lowercase()),
            1 => doc.plant("pii.resident_id", &full_width(&id)),
            _ => doc.plant("pii.resident_id", &id),
        }
        doc.push("\t");
        let m = mobile(rng);
        match rng.below(6) {
            0 => doc.plant(
                "pii.mobile",
                &format!("{} {} {}", &m[..3], &m[3..7], &m[7..]),
            ),
            1 => doc.plant(
                "pii.mobile",
                &format!("{}-{}-{}", &m[..3], &m[3..7], &m[7..]),
            ),
            2 => doc.plant("pii.mobile", &format!("+86 {m}")),
            _ => doc.plant("pii.mobile", &m),
        }
        doc.push("\t");
        let c = bank_card(rng);
        if rng.chance(0.3) {
            let grouped: Vec<String> = c
                .as_bytes()
                .chunks(4)
                .map(|g| String::from_utf8_lossy(g).into_owned())
                .collect();
            doc.plant("pii.bank_card", &grouped.join(" "));
        } else {
            doc.plant("pii.bank_card", &c);
        }
        doc.push("\t");
        doc.plant("pii.address", &home_address(rng));
        doc.push(&format!("\t{}\n", 1 + rng.below(5)));
    }
}

/// Appends prose with one planted misused word (from `misused`, wrong → right) or none.
fn append_prose(doc: &mut Doc, rng: &mut SynthRng, misused: &[(String, String)]) {
    doc.push(PROSE[rng.below(PROSE.len())]);
    if !misused.is_empty() && rng.chance(0.5) {
        let (wrong, _) = rng.pick(misused);
        doc.push("工作中要");
        doc.plant("error.misused_word", wrong);
        doc.push("，");
    }
    doc.push(PROSE[rng.below(PROSE.len())]);
    doc.push("\n");
}

/// Appends personal data in running text (with and without context words).
fn append_pii_sentences(doc: &mut Doc, rng: &mut SynthRng) {
    let name = person_name(rng);
    doc.push(&format!("{name}，公民身份号码"));
    doc.plant("pii.resident_id", &resident_id(rng));
    doc.push("，联系电话：");
    doc.plant("pii.mobile", &mobile(rng));
    doc.push("；开户银行：农商银行，账号");
    doc.plant("pii.bank_card", &bank_card(rng));
    doc.push("。\n");
    doc.push("申请人");
    doc.push(&person_name(rng));
    doc.push("，原身份证号");
    doc.plant("pii.resident_id", &resident_id_legacy(rng));
    doc.push("，手机");
    doc.plant("pii.mobile", &mobile(rng));
    doc.push("，住址：");
    doc.plant("pii.address", &home_address(rng));
    doc.push("。\n");
}

/// A labelled corpus of `docs` documents: tables, running text with personal
/// data, numeric-cell sheets with truncated IDs, look-alikes of every kind, and
/// prose with misused words from `misused`.
pub fn labelled_corpus(seed: u64, docs: usize, misused: &[(String, String)]) -> Vec<Doc> {
    let mut rng = SynthRng::new(seed);
    let mut out = Vec::with_capacity(docs);
    for i in 0..docs {
        let mut doc = Doc::default();
        match i % 4 {
            0 => {
                doc.push("城乡居民最低生活保障对象公示名单\n");
                let rows = 3 + rng.below(6);
                append_table(&mut doc, &mut rng, rows);
            }
            1 => append_pii_sentences(&mut doc, &mut rng),
            2 => {
                // A sheet of numeric cells as calamine formats them: the flag
                // describes the whole text, so nothing else goes in this document.
                doc.numeric_precision_loss = true;
                for _ in 0..3 {
                    doc.push(&format!("{}\t", person_name(&mut rng)));
                    doc.plant("pii.resident_id", &resident_id_truncated(&mut rng));
                    doc.push(&format!("\t{}\n", rng.digits(4)));
                }
                out.push(doc);
                continue;
            }
            _ => {}
        }
        for k in LookAlike::ALL {
            if rng.chance(0.5) {
                append_lookalike(&mut doc, &mut rng, k);
            }
        }
        append_prose(&mut doc, &mut rng, misused);
        out.push(doc);
    }
    out
}

/// Prose of about `bytes` bytes with planted personal data and misused words at a
/// low density (about one planted item per `every` bytes), plus look-alikes.
pub fn prose_with_plants(
    seed: u64,
    bytes: usize,
    every: usize,
    misused: &[(String, String)],
) -> Doc {
    let mut rng = SynthRng::new(seed);
    let mut doc = Doc::default();
    doc.text.reserve(bytes + 4096);
    let mut next_plant = every;
    let mut k = 0usize;
    while doc.text.len() < bytes {
        doc.push(PROSE[rng.below(PROSE.len())]);
        if rng.chance(0.15) {
            doc.push(&format!(
                "2025年{}月{}日，",
                1 + rng.below(12),
                1 + rng.below(28)
            ));
        }
        if rng.chance(0.1) {
            doc.push(&format!(
                "共{}户{}人，发放资金{}.{}万元。",
                rng.below(900),
                rng.below(3000),
                rng.below(9000),
                rng.digits(2)
            ));
        }
        if doc.text.len() >= next_plant {
            next_plant += every;
            match k % 4 {
                0 => append_pii_sentences(&mut doc, &mut rng),
                1 => append_table(&mut doc, &mut rng, 2),
                2 => append_lookalike(
                    &mut doc,
                    &mut rng,
                    LookAlike::ALL[(k / 4) % LookAlike::ALL.len()],
                ),
                _ => append_prose(&mut doc, &mut rng, misused),
            }
            k += 1;
        }
        if rng.chance(0.3) {
            doc.push("\n");
        }
    }
    doc
}
