//! Personal-information detectors: what they find, what they must leave alone,
//! and that no raw value escapes.

use super::super::pii::checks::{id_check_value, luhn_ok};
use super::super::synth::full_width;
use super::super::{Category, Severity, TextContext};
use super::{hasher, ids, rules, scan, scan_rules};

/// Completes a 17-digit body with its GB 11643 check character.
fn id(body: &str) -> String {
    let d: Vec<u8> = body.bytes().map(|c| c - b'0').collect();
    match id_check_value(&d) {
        10 => format!("{body}X"),
        v => format!("{body}{v}"),
    }
}

/// Completes a card body with its Luhn digit.
fn card(body: &str) -> String {
    (0..10)
        .map(|c| format!("{body}{c}"))
        .find(|s| luhn_ok(&s.bytes().map(|c| c - b'0').collect::<Vec<_>>()))
        .unwrap()
}

fn pii_ids(text: &str) -> Vec<String> {
    ids(&scan_rules(&rules(), text, "pii"))
        .into_iter()
        .map(String::from)
        .collect()
}

#[test]
fn full_ids_are_found_in_every_spelling() {
    let r = rules();
    let v = id("37020219800101123");
    for text in [
        format!("姓名：张伟，身份证号：{v}。"),
        format!("张伟 {}", v.to_lowercase()),
        format!("张伟\t{}\t", full_width(&v)),
        format!("张伟 {} {} {}", &v[..6], &v[6..14], &v[14..]),
        "户主 11010519491231002x".to_string(),
    ] {
        let hits = scan_rules(&r, &text, "pii.resident_id");
        assert_eq!(ids(&hits), vec!["pii.resident_id"], "{text}");
        let h = &hits[0];
        assert_eq!(h.severity, Severity::Veto);
        assert!(h.needs_confirmation);
        assert_eq!(h.confidence, 100);
        let m = h.masked_value.as_deref().unwrap();
        assert!(m.len() == 18 && &m[6..14] == "********", "{m}");
    }
    // The same ID in any spelling gives the same fingerprint.
    let a = scan(&r, &format!("身份证 {v}"))[0].value_hash.clone();
    let b = scan(&r, &format!("身份证 {}", full_width(&v)))[0]
        .value_hash
        .clone();
    assert_eq!(a, b);
}

#[test]
fn ids_with_wrong_check_impossible_dates_or_regions_are_not_ids() {
    let v = id("37020219800101123");
    let last = v.chars().last().unwrap();
    let wrong = if last == '1' { '2' } else { '1' };
    let bad = format!("{}{wrong}", &v[..17]);
    assert!(pii_ids(&format!("身份证号：{bad}")).is_empty());
    assert!(
        pii_ids(&format!("身份证号：{}", id("37020219800231123"))).is_empty(),
        "no 31 February"
    );
    assert!(
        pii_ids(&format!("身份证号：{}", id("99020219800101123"))).is_empty(),
        "no province 99"
    );
    assert!(
        pii_ids(&format!("身份证号：{}", id("37020220300101123"))).is_empty(),
        "not born in the future"
    );
    assert!(
        pii_ids(&format!("身份证号：{}", id("37020218890101123"))).is_empty(),
        "not before 1900"
    );
}

#[test]
fn ids_inside_longer_runs_codes_and_urls_are_not_reported() {
    let v = id("37020219800101123");
    for text in [
        format!("编号9{v}"),
        format!("编号{v}1"),
        format!("ABC{v}"),
        format!("{v}abc"),
        format!("http://www.gov.cn/art/{v}.html"),
        format!("https://a.gov.cn/q?id={v}"),
        format!("文件art_{v}_1.pdf"),
        format!("{v}@qq.com"),
    ] {
        assert!(pii_ids(&text).is_empty(), "{text}");
    }
}

#[test]
fn legacy_fifteen_digit_ids_need_a_context_word() {
    assert_eq!(
        pii_ids("身份证号码：370202800101123"),
        vec!["pii.resident_id"]
    );
    assert_eq!(
        pii_ids("公民身份号码 110105491231002"),
        vec!["pii.resident_id"]
    );
    assert!(pii_ids("批次号 370202800101123").is_empty());
    assert!(
        pii_ids("身份证号码：370202801301123").is_empty(),
        "month 13"
    );
}

#[test]
fn truncated_numeric_cells_are_ids_only_when_the_caller_says_so() {
    let r = rules();
    let ctx = TextContext {
        numeric_precision_loss: true,
        ..Default::default()
    };
    let text = "张伟\t110105194912310000\t3";
    let hits = r.scan_text(text, &ctx, &hasher());
    assert_eq!(ids(&hits), vec!["pii.resident_id"]);
    assert!(
        hits[0]
            .note
            .as_deref()
            .unwrap()
            .contains("数值型单元格，末位已丢失")
    );
    assert!(hits[0].message.contains("数值型单元格"));
    assert_eq!(hits[0].masked_value.as_deref(), Some("110105********0000"));
    assert!(
        scan(&r, text).is_empty(),
        "a string cell keeps all digits: a bad check is no ID"
    );
    // A 17-digit numeric cell (check digit dropped) and a non-zero ending.
    assert_eq!(
        ids(&r.scan_text("11010519491231000", &ctx, &hasher())),
        vec!["pii.resident_id"]
    );
    assert!(
        r.scan_text("110105194912310001", &ctx, &hasher())
            .is_empty()
    );
}

#[test]
fn masked_forms_are_never_flagged() {
    for text in [
        "身份证号：370202********123X",
        "身份证号：35*************123",
        "联系电话：138****1234",
        "身份证号：110105********002X",
        "银行账号：6222 **** **** 1234",
        "银行账号：622202*********0128",
        "户主张*明，身份证号 3702**********1234，手机 1380013****",
    ] {
        assert!(scan(&rules(), text).is_empty(), "{text}");
    }
}

/// A valid GB 32100 code from a 17-character body.
fn credit(body: &str) -> String {
    const CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    const W: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let sum: u32 = body
        .bytes()
        .zip(W)
        .map(|(c, w)| CHARS.iter().position(|&x| x == c).unwrap() as u32 * w)
        .sum();
    format!("{body}{}", CHARS[((31 - sum % 31) % 31) as usize] as char)
}

#[test]
fn credit_codes_of_organisations_are_never_flagged() {
    let codes = [
        credit("91370200163562681"),
        credit("12370200MB1234567"),
        credit("52370000MJ0123456"),
    ];
    for c in &codes {
        assert!(super::super::pii::checks::uscc_valid(c.as_bytes()), "{c}");
        let text = format!("统一社会信用代码：{c}");
        assert!(scan(&rules(), &text).is_empty(), "{text}");
    }
    // An all-digit code that also passes as an ID is a code when labelled as one.
    let mut found = None;
    for seq in 0..1000 {
        let body = format!("1137020019800101{}", seq % 10);
        let c = credit(&body);
        let d: Vec<u8> = c
            .bytes()
            .filter(u8::is_ascii_digit)
            .map(|x| x - b'0')
            .collect();
        if d.len() == 18 && id_check_value(&d[..17]) == d[17] {
            found = Some(c);
            break;
        }
    }
    if let Some(c) = found {
        assert!(pii_ids(&format!("统一社会信用代码 {c}")).is_empty(), "{c}");
    }
}

#[test]
fn landlines_hotlines_document_numbers_and_dates_are_never_flagged() {
    for text in [
        "联系电话：0532-85912345",
        "咨询电话（0532）85912345",
        "（0532）85912345",
        "053285912345",
        "政务服务便民热线12345",
        "客服电话400-820-1234，4008201234",
        "银行客服95588",
        "青政办发〔2025〕5号",
        "鲁政字〔2024〕112号",
        "发布日期：20250516",
        "2025-05-16 14:30:00",
        "2025年5月16日",
        "订单号：202505161234567890123",
        "档案号12345678901，登记编号10086123456",
    ] {
        assert!(scan(&rules(), text).is_empty(), "{text}");
    }
}

#[test]
fn mobiles_in_name_lists_with_and_without_context() {
    let r = rules();
    for text in [
        "张伟 13800138000",
        "张伟\t13800138000\t",
        "联系电话：138-0013-8000",
        "手机 138 0013 8000",
        "电话+86 13800138000",
        "Tel:+86-138-0013-8000",
        "Tel13800138000",
        "联系方式 0086 13800138000",
        "手机：１３８００１３８０００",
    ] {
        let hits = scan_rules(&r, text, "pii");
        assert_eq!(ids(&hits), vec!["pii.mobile"], "{text}");
        assert_eq!(
            hits[0].masked_value.as_deref(),
            Some("138****8000"),
            "{text}"
        );
    }
    let bare = &scan(&r, "张伟 13800138000")[0];
    let ctx = &scan(&r, "联系电话：13800138000")[0];
    assert!(ctx.confidence > bare.confidence);
    assert_eq!(bare.value_hash, ctx.value_hash);
}

#[test]
fn mobile_look_alikes_are_not_mobiles() {
    for text in [
        "订单号：13800138000",
        "快递单号 13912345678",
        "QQ 13800138000",
        "投资13500000000元",
        "http://www.qingdao.gov.cn/art/13800138000.html",
        "https://a.cn/?tel=13800138000",
        "邮箱13800138000@163.com",
        "编码A13800138000",
        "138001380001",
        "1380013800",
        "12800138000",
        "10086138000",
        "流水138001380001234",
    ] {
        assert!(pii_ids(text).is_empty(), "{text}");
    }
}

#[test]
fn bank_cards_need_luhn_and_bank_words_or_an_issuer_prefix() {
    let r = rules();
    let icbc = card("622202123456789012");
    let visa = card("411111111111111");
    let unknown = card("880000123456789");
    for text in [
        format!("银行卡号：{icbc}"),
        format!("张伟\t{icbc}"),
        format!(
            "惠农一卡通账号 {}",
            icbc.as_bytes()
                .chunks(4)
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect::<Vec<_>>()
                .join(" ")
        ),
        format!("开户行：农商银行，账号{unknown}"),
        format!("卡号 {visa}"),
    ] {
        let hits = scan_rules(&r, &text, "pii");
        assert_eq!(ids(&hits), vec!["pii.bank_card"], "{text}");
        let m = hits[0].masked_value.clone().unwrap();
        assert!(m.starts_with(&text[text.find(|c: char| c.is_ascii_digit()).unwrap()..][..4]));
        assert!(m.contains("****"), "{m}");
    }
    // No bank word and no known prefix; failing Luhn; serial labels.
    assert!(pii_ids(&format!("编号 {unknown}")).is_empty());
    let bad = format!("{}{}", &icbc[..18], (icbc.as_bytes()[18] - b'0' + 1) % 10);
    assert!(pii_ids(&format!("设备序列号 {bad}")).is_empty());
    assert!(pii_ids(&format!("流水号：{icbc}")).is_empty());
}

#[test]
fn valid_ids_are_never_bank_cards() {
    // A Gansu (62) ID that is also Luhn-valid, next to bank words: an ID, not a card.
    let mut o = super::super::RuleOverrides::default();
    o.disabled_rules.push("pii.resident_id".into());
    let no_id =
        super::super::RuleSet::compile(&super::super::PackSource::defaults(), &o, rules().as_of())
            .unwrap();
    let mut found = 0;
    for seq in 0..2000 {
        let v = id(&format!(
            "6201021985{:02}{:02}{:03}",
            1 + seq % 12,
            1 + seq % 28,
            seq % 1000
        ));
        if v.ends_with('X') || !luhn_ok(&v.bytes().map(|c| c - b'0').collect::<Vec<_>>()) {
            continue;
        }
        found += 1;
        assert_eq!(
            pii_ids(&format!("银行卡号 {v}")),
            vec!["pii.resident_id"],
            "{v}"
        );
        assert!(
            scan(&no_id, &format!("银行卡号 {v}")).is_empty(),
            "{v} must not turn into a card"
        );
    }
    assert!(found > 10);
}

#[test]
fn addresses_next_to_names_are_found_office_addresses_are_not() {
    let r = rules();
    let row = "1\t王伟\t市南区幸福路12号3单元401室\t3";
    let hits = scan_rules(&r, row, "pii.address");
    assert_eq!(ids(&hits), vec!["pii.address"]);
    assert_eq!(
        hits[0].masked_value.as_deref(),
        Some("市南区幸福路**号*单元***室")
    );
    assert_eq!(hits[0].category, Category::Pii);
    assert_eq!(
        ids(&scan_rules(
            &r,
            "户主：李秀英，住址：城阳区前进村三组。",
            "pii.address"
        )),
        vec!["pii.address"]
    );
    assert_eq!(
        ids(&scan_rules(
            &r,
            "申请人 欧阳娜 阳光花园5号楼2单元301户",
            "pii.address"
        )),
        vec!["pii.address"]
    );
    for text in [
        "办公地址：青岛市市南区香港中路11号，联系电话：0532-85912345",
        "地址：市南区香港中路11号 联系人：张伟",
        "市民政局位于幸福路12号",
        "1\t青岛某某有限公司\t王伟\t幸福路12号",
        "市南区幸福路12号3单元401室",
        "2025年5月第3号公告",
        "市长王伟到幸福路12号调研，李娜、张强陪同。",
        "青政办发〔2025〕5号",
    ] {
        assert!(scan_rules(&r, text, "pii.address").is_empty(), "{text}");
    }
}

#[test]
fn excerpts_mask_this_value_and_every_other_value_nearby() {
    let r = rules();
    let v = id("37020219800101123");
    let m = "13800138000";
    let text = format!("户主王伟，身份证号{v}，手机{m}，住幸福路12号3单元401室。");
    let hits = scan(&r, &text);
    assert!(hits.len() >= 3, "{hits:?}");
    for h in &hits {
        assert!(!h.excerpt.contains(&v), "{}", h.excerpt);
        assert!(!h.excerpt.contains(m), "{}", h.excerpt);
        assert!(h.excerpt.contains("370202********"), "{}", h.excerpt);
        assert!(h.excerpt.contains("138****8000"), "{}", h.excerpt);
        let json = serde_json::to_string(h).unwrap();
        let debug = format!("{h:?}");
        for raw in [v.as_str(), m] {
            assert!(
                !json.contains(raw) && !debug.contains(raw),
                "{raw} leaked: {json}"
            );
        }
        assert!(
            !h.excerpt.contains("401") && !h.message.contains("401"),
            "{json}"
        );
    }
}

#[test]
fn excerpts_of_wording_errors_mask_personal_data_even_when_pii_rules_are_filtered_out() {
    let r = rules();
    let text = "请按装，联系13800138000，卡号6222021234567890128";
    let hits = scan_rules(&r, text, "error");
    assert_eq!(ids(&hits), vec!["error.misused_word"]);
    assert!(
        !hits[0].excerpt.contains("13800138000"),
        "{}",
        hits[0].excerpt
    );
    assert!(
        hits[0].excerpt.contains("138****8000"),
        "{}",
        hits[0].excerpt
    );
}

#[test]
fn a_window_edge_never_cuts_a_value_in_half() {
    let r = rules();
    let v = id("37020219800101123");
    // 20 characters of context end inside the ID: it must still be masked whole.
    let text = format!("按装{}{}", "一".repeat(15), v);
    let hits = scan_rules(&r, &text, "error");
    assert_eq!(hits.len(), 1);
    assert!(!hits[0].excerpt.contains(&v[..9]), "{}", hits[0].excerpt);
}

#[test]
fn filters_restrict_rules() {
    let r = rules();
    let text = "按装 13800138000";
    assert_eq!(ids(&scan_rules(&r, text, "pii")), vec!["pii.mobile"]);
    assert_eq!(
        ids(&scan_rules(&r, text, "error.misused_word")),
        vec!["error.misused_word"]
    );
    assert_eq!(
        ids(&scan(&r, text)),
        vec!["error.misused_word", "pii.mobile"]
    );
}

#[test]
fn a_huge_single_line_with_many_addresses_is_read_per_window() {
    // 20,000 labelled addresses on one line (1.2 MB): each is judged in a window
    // around its anchor, not against the whole line.
    let unit = "户主：李秀英，住址：幸福路12号3单元401室；";
    let text = unit.repeat(20_000);
    let hits = scan_rules(&rules(), &text, "pii.address");
    assert_eq!(hits.len(), 20_000);
    assert!(
        hits.iter()
            .all(|h| h.masked_value.as_deref() == Some("幸福路**号*单元***室"))
    );
}

#[test]
fn rule_sets_can_be_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<crate::rules::RuleSet>();
    shared::<crate::rules::ValueHasher>();
}
