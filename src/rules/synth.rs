//! Synthetic, labelled Chinese text for tests and benchmarks.
//!
//! Everything here is generated: ID numbers with real region codes, real birth
//! dates and correct GB 11643 check characters, mobiles with allocated prefixes,
//! Luhn-valid card numbers with real issuer prefixes — and the look-alikes a
//! detector must leave alone (wrong check digits, masked forms, credit codes,
//! landlines, hotlines, document numbers, dates, order numbers, numbers in URLs,
//! 19-digit serials failing Luhn, 11-digit numbers starting 10/12). None of it
//! belongs to a real person: sequence numbers and card bodies are random.
//!
//! The generator is deterministic for a seed (SplitMix64), so a failing test or a
//! benchmark figure can be reproduced.

use chrono::{Datelike, NaiveDate};

use super::pii::checks::{id_check_value, luhn_ok};

/// SplitMix64: tiny, fast, deterministic, good enough for test data.
#[derive(Debug, Clone)]
pub struct SynthRng(u64);

impl SynthRng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        SynthRng(seed)
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`; returns 0 for `n == 0`).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    /// A random element (`items` must not be empty; the first is returned otherwise).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// `n` random ASCII digits.
    pub fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
}

/// Real county-level region codes (GB/T 2260) across all provinces.
pub const REGION_CODES: &[&str] = &[
    "110101", "110102", "110105", "110108", "120101", "120104", "130102", "130104", "140105",
    "150102", "210102", "210202", "220102", "230102", "310101", "310104", "310115", "320102",
    "320505", "330106", "330203", "340102", "350102", "350203", "360102", "370102", "370202",
    "370203", "370211", "370212", "370213", "370214", "370281", "370283", "410105", "420106",
    "430102", "440103", "440106", "440304", "440305", "450102", "460105", "500103", "510104",
    "510107", "520102", "530102", "540102", "610113", "620102", "630102", "640104", "650102",
];

/// Allocated mainland mobile prefixes.
pub const MOBILE_PREFIXES: &[&str] = &[
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "145", "147", "150",
    "151", "152", "153", "155", "156", "157", "158", "159", "166", "170", "171", "173", "175",
    "176", "177", "178", "180", "181", "182", "183", "184", "185", "186", "187", "188", "189",
    "191", "193", "195", "196", "197", "198", "199",
];

/// Issuer prefixes of Chinese debit cards (ICBC, CCB, ABC, BOC, CMB, BoCom, PSBC) and their lengths.
pub const CARD_BINS: &[(&str, usize)] = &[
    ("622202", 19),
    ("621226", 19),
    ("621700", 19),
    ("622848", 19),
    ("621661", 19),
    ("622588", 16),
    ("622262", 19),
    ("621799", 19),
    ("436742", 19),
    ("622700", 19),
];

/// A random date between 1930 and 2015 as `YYYYMMDD`.
fn birth_date(rng: &mut SynthRng) -> String {
    let start = NaiveDate::from_ymd_opt(1930, 1, 1).map_or(0, |d| d.num_days_from_ce());
    let end = NaiveDate::from_ymd_opt(2015, 12, 31).map_or(1, |d| d.num_days_from_ce());
    let day = start + rng.below((end - start) as usize) as i32;
    NaiveDate::from_num_days_from_ce_opt(day).map_or_else(
        || "19800101".to_string(),
        |d| d.format("%Y%m%d").to_string(),
    )
}

fn check_char(body: &str) -> char {
    let d: Vec<u8> = body.bytes().map(|c| c - b'0').collect();
    match id_check_value(&d) {
        10 => 'X',
        v => char::from(b'0' + v),
    }
}

/// A valid 18-character resident ID (real region, real date, correct check).
pub fn resident_id(rng: &mut SynthRng) -> String {
    let body = format!(
        "{}{}{}",
        rng.pick(REGION_CODES),
        birth_date(rng),
        rng.digits(3)
    );
    let c = check_char(&body);
    format!("{body}{c}")
}

/// An ID-shaped number whose check character is wrong.
pub fn resident_id_bad_check(rng: &mut SynthRng) -> String {
    let id = resident_id(rng);
    let body = &id[..17];
    let good = check_char(body);
    let bad = loop {
        let c = *rng.pick(&['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'X']);
        if c != good {
            break c;
        }
    };
    format!("{body}{bad}")
}

/// A valid ID as Excel shows it after storing it as a number (15 significant digits).
pub fn resident_id_truncated(rng: &mut SynthRng) -> String {
    loop {
        let id = resident_id(rng);
        if !id.ends_with('X') {
            let t = format!("{}000", &id[..15]);
            // Keep only those whose truncation no longer passes the check.
            if check_char(&t[..17]) != t.chars().last().unwrap_or('0') {
                return t;
            }
        }
    }
}

/// A legacy 15-digit ID (region, `YYMMDD` in the 1900s, sequence).
pub fn resident_id_legacy(rng: &mut SynthRng) -> String {
    let d = birth_date(rng);
    let yy = d.strip_prefix("19").unwrap_or("800101");
    format!("{}{}{}", rng.pick(REGION_CODES), yy, rng.digits(3))
}

/// A mobile number with an allocated prefix.
pub fn mobile(rng: &mut SynthRng) -> String {
    format!("{}{}", rng.pick(MOBILE_PREFIXES), rng.digits(8))
}

/// Appends a Luhn check digit to `body`.
fn with_luhn(body: &str) -> String {
    for c in 0..10u8 {
        let s = format!("{body}{c}");
        let d: Vec<u8> = s.bytes().map(|x| x - b'0').collect();
        if luhn_ok(&d) {
            return s;
        }
    }
    format!("{body}0")
}

/// A Luhn-valid debit card number with a real Chinese issuer prefix.
pub fn bank_card(rng: &mut SynthRng) -> String {
    let (bin, len) = *rng.pick(CARD_BINS);
    with_luhn(&format!("{bin}{}", rng.digits(len - bin.len() - 1)))
}

/// A 19-digit serial that fails Luhn (even with a card-like prefix).
pub fn serial_failing_luhn(rng: &mut SynthRng) -> String {
    let good = bank_card(rng);
    let mut s: Vec<u8> = good.into_bytes();
    s.truncate(18);
    while s.len() < 19 {
        s.push(b'0');
    }
    let last = s[18];
    for c in b'0'..=b'9' {
        s[18] = c;
        let d: Vec<u8> = s.iter().map(|x| x - b'0').collect();
        if !luhn_ok(&d) && c != last {
            break;
        }
    }
    String::from_utf8(s).unwrap_or_default()
}

/// A valid GB 32100 unified social credit code of an organisation (with letters).
pub fn credit_code(rng: &mut SynthRng) -> String {
    const CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    const W: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let head = *rng.pick(&["91", "12", "11", "52", "93"]);
    let mut body = format!("{head}{}MA", rng.pick(REGION_CODES));
    while body.len() < 17 {
        body.push(char::from(*rng.pick(CHARS)));
    }
    let sum: u32 = body
        .bytes()
        .zip(W)
        .map(|(c, w)| CHARS.iter().position(|&x| x == c).unwrap_or(0) as u32 * w)
        .sum();
    let check = (31 - sum % 31) % 31;
    body.push(char::from(CHARS[check as usize]));
    body
}

/// Full-width form of the ASCII digits and `X` in `s`.
pub fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(c as u32 - '0' as u32 + 0xFF10).unwrap_or(c),
            'X' => 'Ｘ',
            _ => c,
        })
        .collect()
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "郑", "欧阳", "诸葛",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建国", "淑珍",
];
const STREETS: &[&str] = &[
    "香港中路",
    "幸福路",
    "延安三路",
    "辽阳西路",
    "人民路",
    "解放路",
    "建设街",
    "中山路",
    "福州北路",
    "瑞昌路",
];
const ESTATES: &[&str] = &["阳光花园", "和谐家园", "金色港湾小区", "福林苑", "海润新村"];
const VILLAGES: &[&str] = &["王家村", "李家庄", "前进村", "河东村", "后屯村"];
const CN_NUM: &[&str] = &["一", "二", "三", "四", "五", "六", "七", "八"];
const DISTRICTS: &[&str] = &["市南区", "市北区", "李沧区", "崂山区", "城阳区", "黄岛区"];

/// A random personal name (2–4 characters).
pub fn person_name(rng: &mut SynthRng) -> String {
    format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN))
}

/// A home address down to the house number, room or village group.
pub fn home_address(rng: &mut SynthRng) -> String {
    let d = rng.pick(DISTRICTS);
    match rng.below(3) {
        0 => format!(
            "{d}{}{}号{}单元{}室",
            rng.pick(STREETS),
            1 + rng.below(300),
            1 + rng.below(6),
            101 + rng.below(1800)
        ),
        1 => format!(
            "{d}{}{}号楼{}单元{}户",
            rng.pick(ESTATES),
            1 + rng.below(40),
            1 + rng.below(6),
            101 + rng.below(30)
        ),
        _ => format!("{d}{}{}组", rng.pick(VILLAGES), rng.pick(CN_NUM)),
    }
}

/// Sentences of correct government prose (no misused words, no personal data).
pub const PROSE: &[&str] = &[
    "为深入贯彻落实党中央、国务院决策部署，进一步做好城乡最低生活保障工作，现将有关事项公示如下。",
    "各级各部门要坚持以人民为中心的发展思想，切实履行主体责任，确保各项惠民政策落地见效。",
    "根据《社会救助暂行办法》和省、市有关规定，经个人申请、入户调查、民主评议和审核审批，确定以下家庭为保障对象。",
    "公示期间，如有异议，请以书面形式向区民政局反映，我们将依法依规认真核实处理。",
    "今年以来，我市持续优化营商环境，深化“放管服”改革，推行“一网通办”，企业开办时间压缩至一个工作日。",
    "会议强调，要统筹发展和安全，扎实推进乡村振兴，加快建设宜居宜业和美乡村。",
    "区政府召开常务会议，研究部署安全生产、防汛抗旱和民生实事项目建设等工作。",
    "本次共发放城乡低保金、特困人员救助供养金和临时救助金，资金全部通过社会化方式发放到户。",
    "市政府新闻办举行新闻发布会，介绍全市经济社会发展情况，并回答记者提问。",
    "请各街道、社区于规定时间内完成材料审核，逾期不予受理，相关责任由申请单位承担。",
    "附件：申请表、承诺书及相关证明材料，请从本网站下载。",
    "下一步，我们将持续加强监督检查，及时回应群众关切，不断提升政务服务水平。",
];

/// A generated document with the positions of what was planted in it.
#[derive(Debug, Clone, Default)]
pub struct Doc {
    /// The text.
    pub text: String,
    /// Planted items: rule id and byte span.
    pub planted: Vec<Planted>,
    /// The text stands for numeric spreadsheet cells.
    pub numeric_precision_loss: bool,
}

/// One planted item a detector should find.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planted {
    /// The rule that should report it.
    pub rule_id: String,
    /// Byte span in the text.
    pub start: usize,
    /// One past its last byte.
    pub end: usize,
}

impl Doc {
    /// Appends plain text (nothing planted).
    pub fn push(&mut self, s: &str) {
        self.text.push_str(s);
    }

    /// Appends a planted item for `rule_id`.
    pub fn plant(&mut self, rule_id: &str, s: &str) {
        let start = self.text.len();
        self.text.push_str(s);
        self.planted.push(Planted {
            rule_id: rule_id.to_string(),
            start,
            end: self.text.len(),
        });
    }
}

mod corpus;
pub use corpus::{LookAlike, append_lookalike, append_table, labelled_corpus, prose_with_plants};

mod eval;
pub use eval::{EvalReport, RuleCounts, evaluate};
