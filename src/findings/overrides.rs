//! The office's rule overrides as the API and the pages change them: read the stored JSON,
//! replace it or add one dictionary word, always checking that the result compiles before it
//! is stored, and always with one ledger entry (`rules.override`, payload before/after) in
//! the same transaction as the change (全过程留痕).
//!
//! Also the read-only catalog of the rules in force (id, category, severity, parameters), for
//! the rules page and `GET /api/v1/rules`.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::auth::Actor;
use crate::db::entities::rule_override;
use crate::ledger::{self, LedgerError, NewEntry};
use crate::rules::{DictEntry, PackSource, RuleOverrides, RuleSet, RulesError};

/// The misused-word dictionary rule (错别字, deducts points).
pub const MISUSED_WORD: &str = "error.misused_word";
/// The serious-expression dictionary rule (严重表述错误, a veto candidate).
pub const SERIOUS_EXPRESSION: &str = "error.serious_expression";
/// The dictionary rules the office adds words to from the UI.
pub const WORD_RULES: [&str; 2] = [MISUSED_WORD, SERIOUS_EXPRESSION];

/// The ledger action of every change.
pub const LEDGER_ACTION: &str = "rules.override";

/// Why the overrides could not be read or changed.
#[derive(Debug, thiserror::Error)]
pub enum OverridesError {
    /// Only the office changes rules.
    #[error("只有办公厅可以修改规则")]
    Forbidden,
    /// The new overrides do not compile (the error names the rule, parameter or entry).
    #[error("{0}")]
    Invalid(#[from] RulesError),
    /// The body is not a valid overrides document (e.g. an unknown field).
    #[error("规则覆盖配置格式错误：{0}")]
    Malformed(String),
    /// A field of a form or request is missing or wrong.
    #[error("{message}")]
    Input {
        /// The field.
        field: &'static str,
        /// What is wrong (Chinese).
        message: String,
    },
    /// The stored overrides are corrupt.
    #[error("已保存的规则覆盖配置损坏：{0}")]
    Stored(String),
    /// The compile check could not run.
    #[error("规则编译任务失败：{0}")]
    Task(String),
    /// Ledger.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// Database.
    #[error("数据库错误: {0}")]
    Db(#[from] DbErr),
}

impl OverridesError {
    /// The rule and parameter (or entry) at fault, for the API's error details.
    pub fn details(&self) -> Option<Value> {
        let v = match self {
            OverridesError::Invalid(e) => match e {
                RulesError::UnknownRule { rule } | RulesError::NotADictionary { rule } => {
                    serde_json::json!({ "rule": rule })
                }
                RulesError::UnknownParam { rule, param }
                | RulesError::InvalidParam { rule, param, .. } => {
                    serde_json::json!({ "rule": rule, "param": param })
                }
                RulesError::InvalidEntry { rule, wrong, .. }
                | RulesError::UnknownEntry { rule, wrong } => {
                    serde_json::json!({ "rule": rule, "entry": wrong })
                }
                RulesError::NotOverridable { rule, field } => {
                    serde_json::json!({ "rule": rule, "field": field })
                }
                RulesError::InvalidRule { rule, .. } => serde_json::json!({ "rule": rule }),
                _ => return None,
            },
            OverridesError::Input { field, .. } => serde_json::json!({ "field": field }),
            _ => return None,
        };
        Some(v)
    }
}

/// The stored overrides with their version.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct StoredOverrides {
    /// The overrides document.
    #[schema(value_type = Object)]
    pub overrides: RuleOverrides,
    /// Incremented on every change (0: never changed).
    pub version: i64,
    /// Last change (UTC).
    pub updated_at: Option<DateTime<Utc>>,
    /// Who made it.
    pub updated_by: Option<String>,
}

fn parse_stored(row: Option<rule_override::Model>) -> Result<StoredOverrides, OverridesError> {
    match row {
        None => Ok(StoredOverrides::default()),
        Some(r) => Ok(StoredOverrides {
            overrides: serde_json::from_str(&r.body)
                .map_err(|e| OverridesError::Stored(e.to_string()))?,
            version: r.version,
            updated_at: Some(r.updated_at),
            updated_by: Some(r.updated_by),
        }),
    }
}

/// The overrides as stored now.
pub async fn current<C: ConnectionTrait>(db: &C) -> Result<StoredOverrides, OverridesError> {
    parse_stored(rule_override::Entity::find_by_id(1).one(db).await?)
}

/// Parses an overrides document sent by a client (unknown fields are refused).
pub fn parse(body: Value) -> Result<RuleOverrides, OverridesError> {
    serde_json::from_value(body).map_err(|e| OverridesError::Malformed(e.to_string()))
}

/// Checks that `overrides` compile with the built-in packs for `today`.
pub async fn check(overrides: &RuleOverrides, today: NaiveDate) -> Result<(), OverridesError> {
    let o = overrides.clone();
    tokio::task::spawn_blocking(move || RuleSet::compile(&PackSource::defaults(), &o, today))
        .await
        .map_err(|e| OverridesError::Task(e.to_string()))??;
    Ok(())
}

/// Replaces the overrides (office only). Returns the stored result; replacing them with what
/// is already stored changes nothing and records nothing.
pub async fn replace(
    db: &DatabaseConnection,
    actor: &Actor,
    new: RuleOverrides,
    reason: &str,
    today: NaiveDate,
) -> Result<StoredOverrides, OverridesError> {
    change(db, actor, reason, today, |_| Ok(new)).await
}

/// A dictionary word the office adds.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewWord {
    /// `error.misused_word` or `error.serious_expression`.
    pub rule: String,
    /// The wrong form as it appears in text (at least two characters).
    pub wrong: String,
    /// The correct form.
    pub right: String,
    /// Longer correct contexts that contain the wrong form.
    #[serde(default)]
    pub exceptions: Vec<String>,
    /// First day the entry applies.
    #[serde(default)]
    pub effective_from: Option<NaiveDate>,
    /// Last day the entry applies.
    #[serde(default)]
    pub effective_to: Option<NaiveDate>,
    /// Explanation shown with each hit.
    #[serde(default)]
    pub note: Option<String>,
}

impl NewWord {
    fn entry(&self) -> Result<(String, DictEntry), OverridesError> {
        let rule = self.rule.trim();
        if !WORD_RULES.contains(&rule) {
            return Err(OverridesError::Input {
                field: "rule",
                message: format!("只能向 {MISUSED_WORD} 或 {SERIOUS_EXPRESSION} 添加词条"),
            });
        }
        let clean = |s: &str| s.trim().to_string();
        Ok((
            rule.to_string(),
            DictEntry {
                wrong: clean(&self.wrong),
                right: clean(&self.right),
                exceptions: self
                    .exceptions
                    .iter()
                    .map(|x| clean(x))
                    .filter(|x| !x.is_empty())
                    .collect(),
                effective_from: self.effective_from,
                effective_to: self.effective_to,
                note: self.note.as_deref().map(clean).filter(|n| !n.is_empty()),
            },
        ))
    }
}

/// Adds one dictionary entry to the overrides (office only). A wrong form the dictionary
/// already has is refused by the compile check ("词条重复").
pub async fn add_word(
    db: &DatabaseConnection,
    actor: &Actor,
    word: &NewWord,
    reason: &str,
    today: NaiveDate,
) -> Result<StoredOverrides, OverridesError> {
    let (rule, entry) = word.entry()?;
    let reason = if reason.trim().is_empty() {
        format!("新增词条：“{}”应为“{}”", entry.wrong, entry.right)
    } else {
        reason.to_string()
    };
    change(db, actor, &reason, today, move |cur| {
        let mut o = cur.clone();
        o.rules.entry(rule).or_default().add_entries.push(entry);
        Ok(o)
    })
    .await
}

/// Read, modify, check, write and record, all under the ledger lock so that two offices
/// editing at once cannot lose each other's change.
async fn change(
    db: &DatabaseConnection,
    actor: &Actor,
    reason: &str,
    today: NaiveDate,
    modify: impl FnOnce(&RuleOverrides) -> Result<RuleOverrides, OverridesError>,
) -> Result<StoredOverrides, OverridesError> {
    if !actor.is_office() {
        return Err(OverridesError::Forbidden);
    }
    let reason = match reason.trim() {
        "" => "更新规则覆盖配置",
        r => r,
    };
    let txn = db.begin().await?;
    let mut head = ledger::lock_head(&txn).await?;
    let row = rule_override::Entity::find_by_id(1).one(&txn).await?;
    let exists = row.is_some();
    let before = parse_stored(row)?;
    let after = modify(&before.overrides)?;
    if after == before.overrides {
        return Ok(before);
    }
    check(&after, today).await?;
    let body =
        serde_json::to_string(&after).map_err(|e| OverridesError::Malformed(e.to_string()))?;
    let version = before.version + 1;
    let now = Utc::now();
    if exists {
        rule_override::Entity::update_many()
            .col_expr(rule_override::Column::Body, body.into())
            .col_expr(rule_override::Column::Version, version.into())
            .col_expr(rule_override::Column::UpdatedAt, now.into())
            .col_expr(rule_override::Column::UpdatedBy, actor.name.clone().into())
            .filter(rule_override::Column::Id.eq(1))
            .exec(&txn)
            .await?;
    } else {
        rule_override::Entity::insert(rule_override::ActiveModel {
            id: Set(1),
            body: Set(body),
            version: Set(version),
            updated_at: Set(now),
            updated_by: Set(actor.name.clone()),
        })
        .exec_without_returning(&txn)
        .await?;
    }
    ledger::append(
        &txn,
        &mut head,
        NewEntry {
            actor: &actor.name,
            action: LEDGER_ACTION,
            subject_type: "rule_overrides",
            subject_id: "1".into(),
            reason,
            payload: serde_json::json!({
                "version": version,
                "before": before.overrides,
                "after": after,
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(StoredOverrides {
        overrides: after,
        version,
        updated_at: Some(now),
        updated_by: Some(actor.name.clone()),
    })
}

/// One rule in force, as the catalog shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RuleInfo {
    /// Rule id.
    pub id: String,
    /// Category code.
    pub category: String,
    /// Severity code of a text hit (judges decide theirs from the thresholds).
    pub severity: String,
    /// Points a `deduct` text hit costs.
    pub points: f64,
    /// A person confirms a hit before it counts as a veto.
    pub needs_confirmation: bool,
    /// Chinese title.
    pub title: String,
    /// Detector or judge (`dictionary`, `broken_links`, …).
    pub kind: String,
    /// Parameters in force: the pack's values with the office's overrides applied.
    #[schema(value_type = Object)]
    pub params: Map<String, Value>,
    /// The office has overridden something of this rule.
    pub overridden: bool,
}

/// The pack parameters of every rule, read once from the built-in packs. The rule set keeps
/// them only in typed form, so the catalog reads the same TOML the compiler reads.
static PACK_PARAMS: LazyLock<BTreeMap<String, Map<String, Value>>> = LazyLock::new(|| {
    #[derive(Deserialize)]
    struct File {
        #[serde(default)]
        rule: Vec<Spec>,
    }
    #[derive(Deserialize)]
    struct Spec {
        id: String,
        #[serde(default)]
        params: toml::Table,
    }
    let mut out = BTreeMap::new();
    for src in PackSource::defaults()
        .iter()
        .filter(|s| s.name.ends_with(".toml"))
    {
        match toml::from_str::<File>(&src.text) {
            Ok(f) => {
                for r in f.rule {
                    let params = match serde_json::to_value(&r.params) {
                        Ok(Value::Object(m)) => m,
                        _ => Map::new(),
                    };
                    out.insert(r.id, params);
                }
            }
            Err(e) => {
                tracing::error!(pack = %src.name, error = %e, "rule pack unreadable for the catalog")
            }
        }
    }
    out
});

/// The rules in force, in pack order, with their parameters.
pub fn catalog(set: &RuleSet, overrides: &RuleOverrides) -> Vec<RuleInfo> {
    set.rules()
        .iter()
        .map(|r| {
            let mut params = PACK_PARAMS.get(&r.id).cloned().unwrap_or_default();
            let o = overrides.rules.get(&r.id);
            if let Some(o) = o {
                for (k, v) in &o.params {
                    params.insert(k.clone(), v.clone());
                }
            }
            RuleInfo {
                id: r.id.clone(),
                category: r.category.as_str().to_string(),
                severity: r.severity.as_str().to_string(),
                points: r.points,
                needs_confirmation: r.needs_confirmation,
                title: r.title.clone(),
                kind: serde_json::to_value(r.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                params,
                overridden: o.is_some(),
            }
        })
        .collect()
}

/// The words the office has added, by rule.
pub fn added_words(overrides: &RuleOverrides) -> Vec<(String, DictEntry)> {
    overrides
        .rules
        .iter()
        .flat_map(|(rule, o)| o.add_entries.iter().map(move |e| (rule.clone(), e.clone())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_shows_pack_parameters_with_overrides_applied() {
        let today = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        let mut o = RuleOverrides::default();
        o.rules
            .entry("site.homepage_stale".into())
            .or_default()
            .params
            .insert("veto_days".into(), Value::from(21));
        let set = RuleSet::compile(&PackSource::defaults(), &o, today).unwrap();
        let cat = catalog(&set, &o);
        let home = cat.iter().find(|r| r.id == "site.homepage_stale").unwrap();
        assert_eq!(home.params["veto_days"], 21);
        assert_eq!(home.params["warn_days"], 10);
        assert!(home.overridden);
        let links = cat.iter().find(|r| r.id == "link.broken").unwrap();
        assert_eq!(links.params["home_points"], 1.0);
        assert!(!links.overridden);
    }

    #[test]
    fn words_go_only_to_the_dictionary_rules() {
        let w = NewWord {
            rule: "pii.mobile".into(),
            wrong: "青岛市政付".into(),
            right: "青岛市政府".into(),
            exceptions: vec![],
            effective_from: None,
            effective_to: None,
            note: None,
        };
        assert!(matches!(
            w.entry(),
            Err(OverridesError::Input { field: "rule", .. })
        ));
    }
}
