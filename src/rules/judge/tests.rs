//! Judge tests: thresholds at their edges, insufficient data, verdicts.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use serde_json::json;

use super::super::model::Severity;
use super::super::overrides::{RuleOverride, RuleOverrides};
use super::super::pack::PackSource;
use super::super::ruleset::RuleSet;
use super::*;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn rules() -> RuleSet {
    RuleSet::compile(
        &PackSource::defaults(),
        &RuleOverrides::default(),
        day("2025-06-01"),
    )
    .unwrap()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 1, 12, 0, 0).unwrap()
}

fn link(target: &str, kind: LinkKind, broken: bool, from: &[(&str, bool)]) -> LinkCheck {
    LinkCheck {
        target: target.into(),
        kind,
        broken,
        linked_from: from
            .iter()
            .map(|(p, h)| LinkSource {
                page: (*p).into(),
                is_home: *h,
            })
            .collect(),
    }
}

#[test]
fn broken_links_count_once_home_wins() {
    let r = rules();
    let checks = vec![
        link(
            "http://a/x.pdf",
            LinkKind::Attachment,
            true,
            &[("http://a/p1", false)],
        ),
        link(
            "http://a/x.pdf",
            LinkKind::Attachment,
            true,
            &[("http://a/", true)],
        ),
        link(
            "http://a/img.png",
            LinkKind::Image,
            true,
            &[("http://a/p2", false), ("http://a/p3", false)],
        ),
        link("http://a/ok", LinkKind::Page, false, &[("http://a/", true)]),
    ];
    let a = r.judge_links(&checks);
    assert_eq!(a.status, Status::Violation);
    assert_eq!(a.judgements.len(), 2);
    let pdf = a
        .judgements
        .iter()
        .find(|j| j.subject == "http://a/x.pdf")
        .unwrap();
    assert_eq!(pdf.points, 1.0);
    assert!(
        pdf.message.contains("首页") && pdf.message.contains("附件"),
        "{}",
        pdf.message
    );
    let img = a
        .judgements
        .iter()
        .find(|j| j.subject == "http://a/img.png")
        .unwrap();
    assert!((img.points - 0.1).abs() < 1e-9);
    assert!(img.message.contains("扣 0.1 分"), "{}", img.message);
    assert_eq!(r.judge_links(&checks[3..]).status, Status::Pass);
}

fn probes(per_day: usize, days: usize, failures: usize) -> Vec<Probe> {
    let mut v = Vec::new();
    let mut failed = 0;
    for d in 0..days {
        for i in 0..per_day {
            let at = now() - Duration::days(d as i64) - Duration::minutes(30 * i as i64 + 1);
            let ok = failed >= failures;
            if !ok {
                failed += 1;
            }
            v.push(Probe { at, ok });
        }
    }
    v
}

#[test]
fn availability_needs_enough_probes_every_day() {
    let r = rules();
    let a = r.judge_availability(&probes(19, 7, 0), now());
    assert_eq!(a.status, Status::InsufficientData);
    assert!(a.detail.contains("至少需要 20 次"), "{}", a.detail);
    // Six days of data only.
    assert_eq!(
        r.judge_availability(&probes(48, 6, 0), now()).status,
        Status::InsufficientData
    );
}

#[test]
fn availability_warns_at_three_and_vetoes_at_five_percent() {
    let r = rules();
    // 7 × 20 = 140 probes: 4 failures = 2.9 %, 5 = 3.6 %, 7 = 5.0 %.
    assert_eq!(
        r.judge_availability(&probes(20, 7, 4), now()).status,
        Status::Pass
    );
    let warn = r.judge_availability(&probes(20, 7, 5), now());
    assert_eq!(warn.judgements[0].severity, Severity::Warn);
    let veto = r.judge_availability(&probes(20, 7, 7), now());
    assert_eq!(veto.judgements[0].severity, Severity::Veto);
    assert!(
        veto.judgements[0].message.contains("失败 7 次"),
        "{}",
        veto.judgements[0].message
    );
    // Probes older than the window or in the future are ignored.
    let mut p = probes(20, 7, 0);
    p.push(Probe {
        at: now() - Duration::days(9),
        ok: false,
    });
    p.push(Probe {
        at: now() + Duration::hours(1),
        ok: false,
    });
    assert_eq!(r.judge_availability(&p, now()).status, Status::Pass);
}

#[test]
fn homepage_thresholds() {
    let r = rules();
    let today = day("2025-06-01");
    assert_eq!(
        r.judge_homepage(Some(day("2025-05-23")), today).status,
        Status::Pass
    );
    let w = r.judge_homepage(Some(day("2025-05-22")), today);
    assert_eq!(w.judgements[0].severity, Severity::Warn);
    let v = r.judge_homepage(Some(day("2025-05-18")), today);
    assert_eq!(v.judgements[0].severity, Severity::Veto);
    assert!(
        v.judgements[0].message.contains("14 天"),
        "{}",
        v.judgements[0].message
    );
    assert_eq!(
        r.judge_homepage(None, today).status,
        Status::InsufficientData
    );
}

fn col(name: &str, newest: Option<&str>, items: usize) -> ColumnInput {
    ColumnInput {
        name: name.into(),
        kind: None,
        newest: newest.map(day),
        item_count: items,
    }
}

#[test]
fn columns_are_classified_by_name() {
    let r = rules();
    assert_eq!(r.classify_column("工作动态"), ColumnKind::Dynamic);
    assert_eq!(r.classify_column("通知公告"), ColumnKind::NoticePolicy);
    assert_eq!(r.classify_column("政策解读"), ColumnKind::NoticePolicy);
    assert_eq!(r.classify_column("人事信息"), ColumnKind::PersonnelPlanning);
    assert_eq!(r.classify_column("人事动态"), ColumnKind::PersonnelPlanning);
    assert_eq!(r.classify_column("发展规划"), ColumnKind::PersonnelPlanning);
    assert_eq!(r.classify_column("机构职能"), ColumnKind::Other);
}

#[test]
fn stale_columns_warn_until_the_veto_counts() {
    let r = rules();
    let today = day("2025-06-01");
    let cols = vec![
        col("工作动态", Some("2025-05-18"), 10), // 14 days: not stale
        col("部门动态", Some("2025-05-17"), 10), // 15 days: stale
        col("通知公告", Some("2024-11-01"), 10), // > 183 days: stale
        col("人事信息", Some("2024-07-01"), 3),  // < 365: fine
        col("机构职能", Some("2010-01-01"), 1),  // no cycle
        col("空栏目", None, 0),                  // blank, not stale
    ];
    let a = r.judge_columns(&cols, today);
    let names: Vec<&str> = a.judgements.iter().map(|j| j.subject.as_str()).collect();
    assert_eq!(names, vec!["部门动态", "通知公告"]);
    assert!(a.judgements.iter().all(|j| j.severity == Severity::Warn));

    let many: Vec<ColumnInput> = (0..5)
        .map(|i| col(&format!("要闻{i}"), Some("2025-01-01"), 5))
        .collect();
    let v = r.judge_columns(&many, today);
    assert_eq!(v.judgements.len(), 5);
    assert!(v.judgements.iter().all(|j| j.severity == Severity::Veto));
    assert!(
        v.judgements[0].message.contains("达到单项否决标准"),
        "{}",
        v.judgements[0].message
    );

    let planning: Vec<ColumnInput> = (0..10)
        .map(|i| col(&format!("规划{i}"), Some("2023-01-01"), 5))
        .collect();
    assert!(
        r.judge_columns(&planning, today)
            .judgements
            .iter()
            .all(|j| j.severity == Severity::Veto)
    );
    let nine = &planning[..9];
    assert!(
        r.judge_columns(nine, today)
            .judgements
            .iter()
            .all(|j| j.severity == Severity::Warn)
    );
}

#[test]
fn blank_columns_thresholds() {
    let r = rules();
    let blank = |n: usize| -> Vec<ColumnInput> {
        (0..n).map(|i| col(&format!("栏目{i}"), None, 0)).collect()
    };
    assert_eq!(r.judge_blank_columns(&blank(2)).status, Status::Pass);
    let w = r.judge_blank_columns(&blank(3));
    assert_eq!(w.judgements.len(), 3);
    assert!(w.judgements.iter().all(|j| j.severity == Severity::Warn));
    let v = r.judge_blank_columns(&blank(5));
    assert!(v.judgements.iter().all(|j| j.severity == Severity::Veto));
    assert!(
        v.judgements[0].message.contains("5 个"),
        "{}",
        v.judgements[0].message
    );
}

#[test]
fn account_activity_and_failing_feeds() {
    let r = rules();
    let feed = |days: Option<i64>| FeedStatus {
        read_ok: true,
        error: None,
        newest_post: days.map(|d| now() - Duration::days(d) - Duration::hours(1)),
    };
    assert_eq!(
        r.judge_account_activity(&feed(Some(6)), now()).status,
        Status::Pass
    );
    let w = r.judge_account_activity(&feed(Some(7)), now());
    assert_eq!(w.judgements[0].severity, Severity::Warn);
    let v = r.judge_account_activity(&feed(Some(14)), now());
    assert_eq!(v.judgements[0].severity, Severity::Veto);
    assert!(!v.judgements[0].dormant);
    let d = r.judge_account_activity(&feed(Some(90)), now());
    assert!(d.judgements[0].dormant);
    assert!(
        d.judgements[0].message.contains("僵尸"),
        "{}",
        d.judgements[0].message
    );
    let none = r.judge_account_activity(&feed(None), now());
    assert_eq!(none.judgements[0].severity, Severity::Veto);

    let failing = FeedStatus {
        read_ok: false,
        error: Some("RSSHub 超时".into()),
        newest_post: None,
    };
    let f = r.judge_account_activity(&failing, now());
    assert_eq!(f.status, Status::SourceUnreachable);
    assert_eq!(f.judgements.len(), 1);
    assert_eq!(f.judgements[0].rule_id, "source.unreachable");
    assert_eq!(f.judgements[0].category, crate::rules::Category::Source);
    assert!(f.judgements[0].message.contains("RSSHub 超时"));
}

fn item(
    rule: &str,
    severity: Severity,
    points: f64,
    confirm: bool,
    confirmed: Option<bool>,
) -> ScoreItem {
    ScoreItem {
        rule_id: rule.into(),
        category: if rule.starts_with("source.") {
            crate::rules::Category::Source
        } else {
            crate::rules::Category::Site
        },
        severity,
        points,
        needs_confirmation: confirm,
        confirmed,
    }
}

#[test]
fn website_score_vetoes_deductions_and_pending_confirmations() {
    let r = rules();
    let pass = r
        .score_website(&[item("link.broken", Severity::Deduct, 1.0, false, None)])
        .unwrap();
    assert_eq!((pass.score, pass.verdict), (99.0, Verdict::Pass));

    let many: Vec<ScoreItem> = (0..41)
        .map(|_| item("link.broken", Severity::Deduct, 1.0, false, None))
        .collect();
    let low = r.score_website(&many).unwrap();
    assert_eq!(low.verdict, Verdict::Fail);
    assert_eq!(low.score, 59.0);

    let veto = r
        .score_website(&[item(
            "site.homepage_stale",
            Severity::Veto,
            0.0,
            false,
            None,
        )])
        .unwrap();
    assert_eq!(veto.verdict, Verdict::Fail);
    assert_eq!(veto.vetoes, vec!["site.homepage_stale"]);

    let pending = r
        .score_website(&[item(
            "error.serious_expression",
            Severity::Veto,
            0.0,
            true,
            None,
        )])
        .unwrap();
    assert_eq!(pending.verdict, Verdict::Pass);
    assert!(pending.provisional);
    let confirmed = r
        .score_website(&[item(
            "error.serious_expression",
            Severity::Veto,
            0.0,
            true,
            Some(true),
        )])
        .unwrap();
    assert_eq!(confirmed.verdict, Verdict::Fail);
    let rejected = r
        .score_website(&[item(
            "error.serious_expression",
            Severity::Veto,
            0.0,
            true,
            Some(false),
        )])
        .unwrap();
    assert_eq!(
        (rejected.verdict, rejected.provisional),
        (Verdict::Pass, false)
    );

    let ops = r
        .score_account(&[item("source.unreachable", Severity::Veto, 0.0, false, None)])
        .unwrap();
    assert_eq!(
        ops.verdict,
        Verdict::Pass,
        "operations alerts never fail an account"
    );
}

#[test]
fn department_roll_up() {
    let r = rules();
    let card = |items: &[ScoreItem]| r.score_account(items).unwrap();
    let accounts = vec![
        AccountResult {
            account: "微信·市民政局".into(),
            card: card(&[]),
        },
        AccountResult {
            account: "微博·市民政局".into(),
            card: card(&[item(
                "activity.inactive_account",
                Severity::Veto,
                0.0,
                false,
                None,
            )]),
        },
        AccountResult {
            account: "抖音·市民政局".into(),
            card: card(&[item(
                "error.serious_expression",
                Severity::Veto,
                0.0,
                true,
                None,
            )]),
        },
    ];
    let d = roll_up("市民政局", &accounts);
    assert_eq!(
        (d.accounts, d.passed, d.failed, d.provisional),
        (3, 2, 1, 1)
    );
    assert_eq!(d.failed_accounts, vec!["微博·市民政局"]);
    assert!(!d.all_passed);
    assert!((d.pass_rate - 2.0 / 3.0).abs() < 1e-9);
    assert!(roll_up("空单位", &[]).all_passed);
}

#[test]
fn judge_thresholds_follow_overrides_and_disabled_rules_say_so() {
    let mut o = RuleOverrides::default();
    o.rules.insert(
        "site.homepage_stale".into(),
        RuleOverride {
            params: [("veto_days".to_string(), json!(21))].into_iter().collect(),
            ..Default::default()
        },
    );
    o.disabled_rules.push("link.broken".into());
    let r = RuleSet::compile(&PackSource::defaults(), &o, day("2025-06-01")).unwrap();
    let a = r.judge_homepage(Some(day("2025-05-15")), day("2025-06-01"));
    assert_eq!(
        a.judgements[0].severity,
        Severity::Warn,
        "17 days is below the new veto line"
    );
    assert_eq!(r.judge_links(&[]).status, Status::Disabled);
}
