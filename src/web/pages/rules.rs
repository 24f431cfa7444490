//! The rules page (规则): the rules in force with severities and parameters, the words the
//! office added, and (office only) a form to add a misused word or a serious expression.
//! Auditors read it; each added word is one `rules.override` ledger entry.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::Value;

use super::{UserBar, error_page, opt, render};
use crate::auth::Role;
use crate::findings::overrides::{self, MISUSED_WORD, NewWord, OverridesError, SERIOUS_EXPRESSION};
use crate::findings::scores::{category_label, format_points, severity_label};
use crate::web::AppState;
use crate::web::api::rules::rules_view;
use crate::web::authn::{Authed, PageUser};

/// Array parameters longer than this are shown shortened.
const SHOWN_ITEMS: usize = 8;

/// A rule as a table row.
pub struct RuleRow {
    id: String,
    title: String,
    category: &'static str,
    severity: String,
    needs_confirmation: bool,
    overridden: bool,
    params: Vec<(String, String)>,
}

/// A word the office added.
pub struct WordRow {
    rule: &'static str,
    wrong: String,
    right: String,
    exceptions: String,
    effective: String,
    note: String,
}

/// The add-word form (kept on errors so nothing typed is lost).
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct WordForm {
    csrf: String,
    rule: String,
    wrong: String,
    right: String,
    exceptions: String,
    effective_from: String,
    effective_to: String,
    note: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "rules.html")]
struct RulesPage {
    user: Option<UserBar>,
    notice: Option<String>,
    error: Option<String>,
    csrf: String,
    can_edit: bool,
    as_of: String,
    version: i64,
    updated: String,
    dictionary_entries: usize,
    rules: Vec<RuleRow>,
    disabled: Vec<String>,
    words: Vec<WordRow>,
    form: WordForm,
}

fn show_value(v: &Value) -> String {
    match v {
        Value::String(s) if s.is_empty() => "（空）".into(),
        Value::Array(items) if items.is_empty() => "（无）".into(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.len() > SHOWN_ITEMS => {
            let head: Vec<String> = items.iter().take(SHOWN_ITEMS).map(show_value).collect();
            format!("{} …（共 {} 项）", head.join("、"), items.len())
        }
        Value::Array(items) => items.iter().map(show_value).collect::<Vec<_>>().join("、"),
        other => other.to_string(),
    }
}

fn rule_label(rule: &str) -> &'static str {
    match rule {
        MISUSED_WORD => "错别字",
        SERIOUS_EXPRESSION => "严重表述错误",
        _ => "其他词典",
    }
}

async fn page(
    state: &AppState,
    a: &Authed,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
    form: WordForm,
) -> Response {
    if a.actor.role == Role::Owner {
        return error_page(
            StatusCode::FORBIDDEN,
            Some(UserBar::of(a)),
            "只有办公厅和审计用户可以查看规则配置",
        );
    }
    let view = match rules_view(state).await {
        Ok(v) => v,
        Err(e) => return error_page(e.status, Some(UserBar::of(a)), e.message),
    };
    let stored = &view.overrides;
    let rules = view
        .rules
        .iter()
        .map(|r| RuleRow {
            id: r.id.clone(),
            title: r.title.clone(),
            category: category_label(&r.category),
            severity: if r.severity == "deduct" {
                format!(
                    "{} {} 分",
                    severity_label(&r.severity),
                    format_points(r.points)
                )
            } else {
                severity_label(&r.severity).to_string()
            },
            needs_confirmation: r.needs_confirmation,
            overridden: r.overridden,
            params: r
                .params
                .iter()
                .map(|(k, v)| (k.clone(), show_value(v)))
                .collect(),
        })
        .collect();
    let words = overrides::added_words(&stored.overrides)
        .into_iter()
        .map(|(rule, e)| WordRow {
            rule: rule_label(&rule),
            effective: match (e.effective_from, e.effective_to) {
                (None, None) => "长期".into(),
                (f, t) => format!(
                    "{} 至 {}",
                    f.map_or_else(|| "—".into(), |d| d.to_string()),
                    t.map_or_else(|| "—".into(), |d| d.to_string())
                ),
            },
            wrong: e.wrong,
            right: e.right,
            exceptions: e.exceptions.join("、"),
            note: e.note.unwrap_or_default(),
        })
        .collect();
    let updated = match (&stored.updated_at, &stored.updated_by) {
        (Some(t), Some(by)) => format!("{}（{}）", crate::time::local(*t), by),
        _ => "未修改过（使用内置规则包）".into(),
    };
    render(
        status,
        &RulesPage {
            user: Some(UserBar::of(a)),
            notice,
            error,
            csrf: a.csrf().to_string(),
            can_edit: a.actor.is_office(),
            as_of: view.as_of.to_string(),
            version: stored.version,
            updated,
            dictionary_entries: view.dictionary_entries,
            rules,
            disabled: stored.overrides.disabled_rules.clone(),
            words,
            form,
        },
    )
}

/// `?done=word` after a word was added.
#[derive(Deserialize, Default)]
pub struct Done {
    done: Option<String>,
}

/// `GET /rules`.
pub async fn show(
    State(state): State<AppState>,
    PageUser(a): PageUser,
    Query(d): Query<Done>,
) -> Response {
    let notice =
        (d.done.as_deref() == Some("word")).then(|| "词条已添加，并已记入账本".to_string());
    let form = WordForm {
        rule: MISUSED_WORD.into(),
        ..Default::default()
    };
    page(&state, &a, notice, None, StatusCode::OK, form).await
}

fn parse_date(s: &str, field: &'static str) -> Result<Option<chrono::NaiveDate>, OverridesError> {
    match opt(s) {
        None => Ok(None),
        Some(d) => chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| OverridesError::Input {
                field,
                message: format!("日期 {d:?} 格式应为 2026-05-16"),
            }),
    }
}

/// `POST /rules/words`.
pub async fn add_word(
    State(state): State<AppState>,
    PageUser(a): PageUser,
    Form(f): Form<WordForm>,
) -> Response {
    if let Err(e) = a.check_form_csrf(&f.csrf) {
        return error_page(StatusCode::FORBIDDEN, Some(UserBar::of(&a)), e.message);
    }
    if !a.actor.is_office() {
        return error_page(
            StatusCode::FORBIDDEN,
            Some(UserBar::of(&a)),
            OverridesError::Forbidden.to_string(),
        );
    }
    let word = (|| -> Result<NewWord, OverridesError> {
        Ok(NewWord {
            rule: f.rule.clone(),
            wrong: f.wrong.clone(),
            right: f.right.clone(),
            // One exception per line, or separated by the Chinese enumeration comma.
            exceptions: f
                .exceptions
                .split(['\n', '、', ',', '，'])
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(str::to_string)
                .collect(),
            effective_from: parse_date(&f.effective_from, "effective_from")?,
            effective_to: parse_date(&f.effective_to, "effective_to")?,
            note: opt(&f.note),
        })
    })();
    let result = match word {
        Ok(w) => {
            overrides::add_word(&state.db, &a.actor, &w, &f.reason, crate::time::today()).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to("/rules?done=word").into_response(),
        Err(
            e @ (OverridesError::Invalid(_)
            | OverridesError::Input { .. }
            | OverridesError::Malformed(_)),
        ) => {
            let form = WordForm {
                csrf: String::new(),
                ..f
            };
            page(
                &state,
                &a,
                None,
                Some(e.to_string()),
                StatusCode::UNPROCESSABLE_ENTITY,
                form,
            )
            .await
        }
        Err(OverridesError::Forbidden) => error_page(
            StatusCode::FORBIDDEN,
            Some(UserBar::of(&a)),
            OverridesError::Forbidden.to_string(),
        ),
        Err(e) => {
            tracing::error!(error = %e, "adding a word");
            error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                Some(UserBar::of(&a)),
                "服务器内部错误，请联系管理员",
            )
        }
    }
}
