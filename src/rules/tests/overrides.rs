//! The office's overrides: effects, and clear errors for every kind of mistake.

use serde_json::json;

use super::super::{
    DictEntry, PackSource, RuleOverride, RuleOverrides, RuleSet, RulesError, Severity,
};
use super::{day, ids, rules, scan};

fn compile(o: &RuleOverrides) -> Result<RuleSet, RulesError> {
    RuleSet::compile(&PackSource::defaults(), o, day("2025-06-01"))
}

fn with(rule: &str, ov: RuleOverride) -> RuleOverrides {
    let mut o = RuleOverrides::default();
    o.rules.insert(rule.into(), ov);
    o
}

fn entry(wrong: &str, right: &str) -> DictEntry {
    DictEntry {
        wrong: wrong.into(),
        right: right.into(),
        exceptions: vec![],
        effective_from: None,
        effective_to: None,
        note: None,
    }
}

#[test]
fn the_default_rule_set_has_every_rule() {
    let r = rules();
    for id in [
        "pii.resident_id",
        "pii.mobile",
        "pii.bank_card",
        "pii.address",
        "error.misused_word",
        "error.serious_expression",
        "link.broken",
        "site.unreachable",
        "site.homepage_stale",
        "site.column_stale",
        "site.column_blank",
        "activity.inactive_account",
        "source.unreachable",
        "site.score",
    ] {
        assert!(r.rule(id).is_some(), "{id}");
    }
}

#[test]
fn added_disabled_and_excepted_entries_take_effect() {
    let o = with(
        "error.misused_word",
        RuleOverride {
            add_entries: vec![entry("青岛市政付", "青岛市政府")],
            disable_entries: vec!["既使".into()],
            add_exceptions: [("按装".to_string(), vec!["按装订".to_string()])]
                .into_iter()
                .collect(),
            ..Default::default()
        },
    );
    let r = compile(&o).unwrap();
    let listed = r.dictionary_entries("error.misused_word");
    assert!(listed.iter().any(|e| e.wrong == "青岛市政付"));
    assert!(!listed.iter().any(|e| e.wrong == "既使"));
    let with_exception = listed.iter().find(|e| e.wrong == "按装").unwrap();
    assert!(with_exception.exceptions.contains(&"按装订".to_string()));
    assert_eq!(
        scan(&r, "青岛市政付发布")[0].suggestion.as_deref(),
        Some("青岛市政府")
    );
    assert!(scan(&r, "既使困难").is_empty());
    assert!(scan(&r, "按装订要求").is_empty());
    assert_eq!(ids(&scan(&r, "按装空调")), vec!["error.misused_word"]);
}

#[test]
fn severity_points_and_whole_rules_can_be_changed() {
    let mut o = with(
        "error.misused_word",
        RuleOverride {
            points: Some(0.5),
            ..Default::default()
        },
    );
    o.disabled_rules.push("pii.mobile".into());
    let r = compile(&o).unwrap();
    assert_eq!(scan(&r, "按装")[0].points, 0.5);
    assert!(scan(&r, "张伟 13800138000").is_empty());
    let warn = compile(&with(
        "pii.address",
        RuleOverride {
            severity: Some(Severity::Veto),
            needs_confirmation: Some(true),
            ..Default::default()
        },
    ))
    .unwrap();
    let h = &scan(&warn, "户主：李秀英，住址：城阳区前进村三组。")[0];
    assert_eq!((h.severity, h.needs_confirmation), (Severity::Veto, true));
}

#[test]
fn parameter_overrides_change_detectors() {
    // Require a context word for every mobile.
    let o = with(
        "pii.mobile",
        RuleOverride {
            params: [("min_confidence".to_string(), json!(90))]
                .into_iter()
                .collect(),
            ..Default::default()
        },
    );
    let r = compile(&o).unwrap();
    assert!(scan(&r, "张伟 13800138000").is_empty());
    assert_eq!(ids(&scan(&r, "联系电话 13800138000")), vec!["pii.mobile"]);
}

#[test]
fn mistakes_are_named() {
    let mut o = RuleOverrides::default();
    o.disabled_rules.push("pii.phone".into());
    assert_eq!(
        compile(&o).unwrap_err(),
        RulesError::UnknownRule {
            rule: "pii.phone".into()
        }
    );

    let o = with(
        "site.homepage_stale",
        RuleOverride {
            params: [("veto".to_string(), json!(3))].into_iter().collect(),
            ..Default::default()
        },
    );
    assert_eq!(
        compile(&o).unwrap_err(),
        RulesError::UnknownParam {
            rule: "site.homepage_stale".into(),
            param: "veto".into()
        }
    );

    let o = with(
        "site.unreachable",
        RuleOverride {
            params: [("veto_failure_rate".to_string(), json!("5%"))]
                .into_iter()
                .collect(),
            ..Default::default()
        },
    );
    let e = compile(&o).unwrap_err();
    assert!(
        matches!(&e, RulesError::InvalidParam { rule, param, .. } if rule == "site.unreachable" && param == "veto_failure_rate"),
        "{e}"
    );
    assert!(
        e.to_string().contains("site.unreachable") && e.to_string().contains("veto_failure_rate")
    );

    let o = with(
        "site.unreachable",
        RuleOverride {
            params: [("veto_failure_rate".to_string(), json!(0.01))]
                .into_iter()
                .collect(),
            ..Default::default()
        },
    );
    assert!(
        matches!(compile(&o).unwrap_err(), RulesError::InvalidParam { param, .. } if param == "veto_failure_rate")
    );

    let o = with(
        "error.misused_word",
        RuleOverride {
            add_entries: vec![entry("安装", "安装")],
            ..Default::default()
        },
    );
    assert!(
        matches!(compile(&o).unwrap_err(), RulesError::InvalidEntry { wrong, .. } if wrong == "安装")
    );

    let o = with(
        "error.misused_word",
        RuleOverride {
            add_entries: vec![entry("按装", "安装")],
            ..Default::default()
        },
    );
    assert!(
        matches!(compile(&o).unwrap_err(), RulesError::InvalidEntry { reason, .. } if reason == "词条重复")
    );

    let o = with(
        "error.misused_word",
        RuleOverride {
            add_entries: vec![entry("错", "对")],
            ..Default::default()
        },
    );
    assert!(matches!(
        compile(&o).unwrap_err(),
        RulesError::InvalidEntry { .. }
    ));

    let o = with(
        "error.misused_word",
        RuleOverride {
            disable_entries: vec!["没有这个词".into()],
            ..Default::default()
        },
    );
    assert_eq!(
        compile(&o).unwrap_err(),
        RulesError::UnknownEntry {
            rule: "error.misused_word".into(),
            wrong: "没有这个词".into()
        }
    );

    let o = with(
        "error.misused_word",
        RuleOverride {
            add_exceptions: [("按装".to_string(), vec!["安装".to_string()])]
                .into_iter()
                .collect(),
            ..Default::default()
        },
    );
    assert!(
        matches!(compile(&o).unwrap_err(), RulesError::InvalidEntry { wrong, .. } if wrong == "按装")
    );

    let o = with(
        "pii.mobile",
        RuleOverride {
            add_entries: vec![entry("甲乙", "丙丁")],
            ..Default::default()
        },
    );
    assert_eq!(
        compile(&o).unwrap_err(),
        RulesError::NotADictionary {
            rule: "pii.mobile".into()
        }
    );

    let o = with(
        "site.homepage_stale",
        RuleOverride {
            severity: Some(Severity::Warn),
            ..Default::default()
        },
    );
    assert!(matches!(
        compile(&o).unwrap_err(),
        RulesError::NotOverridable { .. }
    ));

    let o = with(
        "error.misused_word",
        RuleOverride {
            points: Some(-1.0),
            ..Default::default()
        },
    );
    assert!(
        matches!(compile(&o).unwrap_err(), RulesError::InvalidParam { param, .. } if param == "points")
    );

    let o = with(
        "pii.bank_card",
        RuleOverride {
            params: [("bin_prefixes".to_string(), json!(["62:40"]))]
                .into_iter()
                .collect(),
            ..Default::default()
        },
    );
    assert!(
        matches!(compile(&o).unwrap_err(), RulesError::InvalidParam { param, .. } if param == "bin_prefixes")
    );
}

#[test]
fn pack_mistakes_are_named_too() {
    let mut sources = PackSource::defaults();
    sources.push(PackSource::new(
        "extra.toml",
        "[[rule]]\nid = \"pii.mobile\"\nkind = \"dictionary\"\ncategory = \"pii\"\nseverity = \"warn\"\ntitle = \"t\"\nmessage = \"m\"\n",
    ));
    assert_eq!(
        RuleSet::compile(&sources, &RuleOverrides::default(), day("2025-06-01")).unwrap_err(),
        RulesError::DuplicateRule {
            id: "pii.mobile".into()
        }
    );
    let mut sources = PackSource::defaults();
    sources.push(PackSource::new(
        "extra.toml",
        "[[rule]]\nid = \"error.local_names\"\nkind = \"dictionary\"\ncategory = \"error\"\nseverity = \"warn\"\ntitle = \"单位旧称\"\nmessage = \"“{wrong}”已更名为“{right}”。\"\n[[rule.entries]]\nwrong = \"市经信委\"\nright = \"市工业和信息化局\"\n",
    ));
    let r = RuleSet::compile(&sources, &RuleOverrides::default(), day("2025-06-01")).unwrap();
    let hits = scan(&r, "市经信委召开会议");
    assert_eq!(ids(&hits), vec!["error.local_names"]);
    assert_eq!(hits[0].message, "“市经信委”已更名为“市工业和信息化局”。");
}
