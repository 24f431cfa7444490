//! Registry pages: the filtered list, an account with its history and lifecycle forms, and
//! the registration form.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::findings::FindingRow;
use super::{UserBar, error_page, opt, render};
use crate::auth::Role;
use crate::findings::scores::{self, AccountScore};
use crate::ledger;
use crate::registry::{
    self, AccountFilter, AccountInput, AccountPatch, AccountView, Action, Contact, Platform,
    RegistryError, Status, departments, next_status, query,
};
use crate::web::AppState;
use crate::web::api::accounts::{ActionRequest, run_action};
use crate::web::api::findings::views;
use crate::web::api::snapshots::recent_crawls;
use crate::web::authn::{Authed, PageUser};

/// One `<option>` of a select.
pub struct Choice {
    code: &'static str,
    label: &'static str,
    selected: bool,
}

fn platforms(selected: &str) -> Vec<Choice> {
    Platform::ALL
        .iter()
        .map(|p| Choice {
            code: p.as_str(),
            label: p.label(),
            selected: p.as_str() == selected,
        })
        .collect()
}

fn statuses(selected: &str) -> Vec<Choice> {
    Status::ALL
        .iter()
        .map(|s| Choice {
            code: s.as_str(),
            label: s.label(),
            selected: s.as_str() == selected,
        })
        .collect()
}

async fn department_options(
    state: &AppState,
    a: &Authed,
) -> Result<Vec<(i64, String)>, RegistryError> {
    Ok(departments::in_scope(&state.db, &a.actor.scope)
        .await?
        .into_iter()
        .map(|d| {
            let depth = d.path.matches('/').count().saturating_sub(2);
            (d.id, format!("{}{}", "　".repeat(depth), d.name))
        })
        .collect())
}

fn registry_error_page(a: &Authed, e: RegistryError) -> Response {
    let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::error!(error = %e, "registry page error");
        return error_page(status, Some(UserBar::of(a)), "服务器内部错误，请联系管理员");
    }
    error_page(status, Some(UserBar::of(a)), e.to_string())
}

#[derive(Template)]
#[template(path = "accounts.html")]
struct ListPage {
    user: Option<UserBar>,
    notice: Option<String>,
    error: Option<String>,
    can_write: bool,
    platforms: Vec<Choice>,
    statuses: Vec<Choice>,
    departments: Vec<(i64, String)>,
    filter_department: i64,
    filter_q: String,
    accounts: Vec<AccountView>,
}

/// The list's query string (empty values mean "any").
#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    platform: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    q: String,
}

/// `GET /accounts`.
pub async fn list(
    State(state): State<AppState>,
    PageUser(a): PageUser,
    Query(q): Query<ListQuery>,
) -> Response {
    let department = q.department.trim().parse::<i64>().ok();
    let filter = AccountFilter {
        platform: opt(&q.platform),
        status: opt(&q.status),
        department,
        q: opt(&q.q),
    };
    let (accounts, departments) = match (
        query::list(&state.db, &a.actor, &filter).await,
        department_options(&state, &a).await,
    ) {
        (Ok(x), Ok(d)) => (x, d),
        (Err(e), _) | (_, Err(e)) => return registry_error_page(&a, e),
    };
    render(
        StatusCode::OK,
        &ListPage {
            user: Some(UserBar::of(&a)),
            notice: None,
            error: None,
            can_write: a.actor.can_write(),
            platforms: platforms(&q.platform),
            statuses: statuses(&q.status),
            departments,
            filter_department: department.unwrap_or(0),
            filter_q: q.q,
            accounts,
        },
    )
}

/// One row of the history table.
pub struct HistoryRow {
    seq: i64,
    time: String,
    action: String,
    actor: String,
    reason: String,
    hash: String,
    hash_short: String,
}

/// A lifecycle form offered on the page.
pub struct ActionForm {
    code: &'static str,
    label: &'static str,
}

/// One crawl run on the account page.
pub struct CrawlRow {
    started: String,
    elapsed: String,
    pages: i64,
    attachments: i64,
    broken_links: i64,
    status: String,
    status_label: &'static str,
    error: String,
}

impl From<crate::db::entities::crawl::Model> for CrawlRow {
    fn from(c: crate::db::entities::crawl::Model) -> Self {
        Self {
            started: crate::time::local(c.started_at),
            elapsed: if c.finished_at.is_some() {
                format!("{:.1} 秒", c.elapsed_ms as f64 / 1000.0)
            } else {
                "—".into()
            },
            pages: c.pages,
            attachments: c.attachments,
            broken_links: c.broken_links,
            status_label: match c.status.as_str() {
                "ok" => "完成",
                "running" => "进行中",
                "failed" => "失败",
                _ => "其他",
            },
            status: c.status,
            error: c.error.unwrap_or_default(),
        }
    }
}

/// Open findings shown on the account page (the findings page has them all).
const ACCOUNT_FINDINGS: u64 = 100;
/// Crawls shown on the account page.
const ACCOUNT_CRAWLS: u64 = 20;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    user: Option<UserBar>,
    notice: Option<String>,
    error: Option<String>,
    csrf: String,
    a: AccountView,
    actions: Vec<ActionForm>,
    departments: Vec<(i64, String)>,
    history: Vec<HistoryRow>,
    score: Option<AccountScore>,
    score_unavailable: bool,
    rows: Vec<FindingRow>,
    /// The findings table omits the account column on the account's own page.
    show_account: bool,
    crawls: Vec<CrawlRow>,
}

/// The account's score card, open findings and recent crawls. A rules problem only hides the
/// score (logged), it does not take the registry page down.
async fn account_checks(
    state: &AppState,
    id: i64,
) -> Result<(Option<AccountScore>, Vec<FindingRow>, Vec<CrawlRow>), sea_orm::DbErr> {
    let score = match state.rules_engine().await {
        Ok(engine) => match engine.rules(&state.db, crate::time::today()).await {
            Ok(rules) => scores::for_account(&state.db, &rules, id).await?,
            Err(e) => {
                tracing::error!(error = %e, "rules unavailable for the account page");
                None
            }
        },
        Err(e) => {
            tracing::error!(error = %e, "rules engine unavailable for the account page");
            None
        }
    };
    let open = scores::open_findings(&state.db, id, ACCOUNT_FINDINGS).await?;
    let rows = views(&state.db, open)
        .await?
        .into_iter()
        .map(FindingRow::from)
        .collect();
    let crawls = recent_crawls(&state.db, id, ACCOUNT_CRAWLS)
        .await?
        .into_iter()
        .map(CrawlRow::from)
        .collect();
    Ok((score, rows, crawls))
}

/// `?done=` after a successful action.
#[derive(Deserialize, Default)]
pub struct Done {
    done: Option<String>,
}

async fn account_page(
    state: &AppState,
    a: &Authed,
    id: i64,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let view = match query::get(&state.db, &a.actor, id).await {
        Ok(v) => v,
        Err(e) => return registry_error_page(a, e),
    };
    let history = match ledger::history(&state.db, "account", &id.to_string()).await {
        Ok(h) => h,
        Err(e) => return registry_error_page(a, e.into()),
    };
    let departments = match department_options(state, a).await {
        Ok(d) => d,
        Err(e) => return registry_error_page(a, e),
    };
    let (score, rows, crawls) = match account_checks(state, id).await {
        Ok(x) => x,
        Err(e) => return registry_error_page(a, e.into()),
    };
    let current = Status::parse(&view.status).unwrap_or(Status::Deregistered);
    let actions = if a.actor.can_write() {
        Action::ALL
            .into_iter()
            .filter(|act| next_status(current, *act).is_some())
            .filter(|act| *act != Action::Deregister || a.actor.role == Role::Office)
            .map(|act| ActionForm {
                code: act.as_str(),
                label: act.label(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let history = history
        .into_iter()
        .map(|e| HistoryRow {
            seq: e.entry.seq,
            time: crate::time::local_str(&e.entry.recorded_at),
            action: Action::label_of_ledger_action(&e.entry.action).to_string(),
            actor: e.entry.actor,
            reason: e.entry.reason,
            hash_short: e.entry.entry_hash.chars().take(12).collect(),
            hash: e.entry.entry_hash,
        })
        .collect();
    render(
        status,
        &AccountPage {
            user: Some(UserBar::of(a)),
            notice,
            error,
            csrf: a.csrf().to_string(),
            a: view,
            actions,
            departments,
            history,
            score_unavailable: score.is_none()
                && scores::SCORED_ACCOUNT_STATUSES.contains(&current.as_str()),
            score,
            rows,
            show_account: false,
            crawls,
        },
    )
}

/// `GET /accounts/{id}`.
pub async fn show(
    State(state): State<AppState>,
    PageUser(a): PageUser,
    Path(id): Path<i64>,
    Query(d): Query<Done>,
) -> Response {
    let notice = d
        .done
        .and_then(|code| Action::ALL.into_iter().find(|x| x.as_str() == code))
        .map(|act| format!("「{}」已完成，并已记入账本", act.label()));
    account_page(&state, &a, id, notice, None, StatusCode::OK).await
}

/// A lifecycle form post.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActionFormData {
    csrf: String,
    action: String,
    reason: String,
    name: String,
    operator: String,
    responsible: String,
    department_id: String,
    notice_url: String,
    closed_on: String,
    into: String,
    reference: String,
}

/// `POST /accounts/{id}/action`.
pub async fn act(
    State(state): State<AppState>,
    PageUser(a): PageUser,
    Path(id): Path<i64>,
    Form(f): Form<ActionFormData>,
) -> Response {
    if let Err(e) = a.check_form_csrf(&f.csrf) {
        return error_page(StatusCode::FORBIDDEN, Some(UserBar::of(&a)), e.message);
    }
    let Some(action) = Action::ALL
        .into_iter()
        .find(|x| x.as_str() == f.action && *x != Action::Register)
    else {
        return error_page(StatusCode::BAD_REQUEST, Some(UserBar::of(&a)), "未知的操作");
    };
    let parse_id = |s: &str, field: &'static str| -> Result<Option<i64>, RegistryError> {
        match opt(s) {
            None => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|_| RegistryError::invalid(field, format!("{v:?} 不是有效编号"))),
        }
    };
    let closed_on = match opt(&f.closed_on) {
        None => None,
        Some(d) => match chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                return account_page(
                    &state,
                    &a,
                    id,
                    None,
                    Some(format!("日期 {d:?} 格式应为 2025-05-16")),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
        },
    };
    let req = (|| -> Result<ActionRequest, RegistryError> {
        Ok(ActionRequest {
            reason: f.reason.clone(),
            patch: AccountPatch {
                name: (action == Action::Update).then(|| f.name.clone()),
                operator: (action == Action::Update).then(|| f.operator.clone()),
                responsible: (action == Action::Update).then(|| f.responsible.clone()),
                ..Default::default()
            },
            department_id: parse_id(&f.department_id, "department_id")?,
            notice_url: opt(&f.notice_url),
            closed_on,
            into: parse_id(&f.into, "into")?,
            reference: opt(&f.reference),
        })
    })();
    let result = match req {
        Ok(req) => run_action(&state, &a, id, action, req).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Redirect::to(&format!("/accounts/{id}?done={}", action.as_str())).into_response(),
        Err(
            e @ (RegistryError::Db(_)
            | RegistryError::Ledger(_)
            | RegistryError::NotFound(_)
            | RegistryError::Forbidden(_)),
        ) => registry_error_page(&a, e),
        Err(e) => {
            let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
            account_page(&state, &a, id, None, Some(e.to_string()), status).await
        }
    }
}

#[derive(Template)]
#[template(path = "account_new.html")]
struct NewPage {
    user: Option<UserBar>,
    notice: Option<String>,
    error: Option<String>,
    csrf: String,
    platforms: Vec<Choice>,
    departments: Vec<(i64, String)>,
    form: NewForm,
}

/// The registration form.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct NewForm {
    csrf: String,
    platform: String,
    name: String,
    handle: String,
    url: String,
    department_id: String,
    operator: String,
    responsible: String,
    contact_name: String,
    contact_phone: String,
    opened_on: String,
    reason: String,
}

async fn new_page(
    state: &AppState,
    a: &Authed,
    form: NewForm,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    if !a.actor.can_write() {
        return error_page(
            StatusCode::FORBIDDEN,
            Some(UserBar::of(a)),
            "审计用户只能查看，不能修改",
        );
    }
    let departments = match department_options(state, a).await {
        Ok(d) => d,
        Err(e) => return registry_error_page(a, e),
    };
    render(
        status,
        &NewPage {
            user: Some(UserBar::of(a)),
            notice: None,
            error,
            csrf: a.csrf().to_string(),
            platforms: platforms(&form.platform),
            departments,
            form,
        },
    )
}

/// `GET /accounts/new`.
pub async fn new_form(State(state): State<AppState>, PageUser(a): PageUser) -> Response {
    new_page(&state, &a, NewForm::default(), None, StatusCode::OK).await
}

/// `POST /accounts/new`.
pub async fn create(
    State(state): State<AppState>,
    PageUser(a): PageUser,
    Form(f): Form<NewForm>,
) -> Response {
    if let Err(e) = a.check_form_csrf(&f.csrf) {
        return error_page(StatusCode::FORBIDDEN, Some(UserBar::of(&a)), e.message);
    }
    let input = (|| -> Result<AccountInput, RegistryError> {
        let platform = Platform::parse(&f.platform)
            .ok_or_else(|| RegistryError::invalid("platform", "请选择平台"))?;
        let department_id = f
            .department_id
            .trim()
            .parse()
            .map_err(|_| RegistryError::invalid("department_id", "请选择主办单位"))?;
        let opened_on =
            match opt(&f.opened_on) {
                None => None,
                Some(d) => Some(chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(
                    |_| RegistryError::invalid("opened_on", "开设日期格式应为 2025-05-16"),
                )?),
            };
        Ok(AccountInput {
            platform,
            name: f.name.clone(),
            handle: opt(&f.handle),
            url: opt(&f.url),
            department_id,
            operator: opt(&f.operator),
            responsible: opt(&f.responsible),
            contacts: opt(&f.contact_name)
                .map(|name| Contact {
                    name,
                    phone: opt(&f.contact_phone),
                    email: None,
                })
                .into_iter()
                .collect(),
            opened_on,
            crawl_cron: None,
        })
    })();
    let result = match input {
        Ok(input) => registry::accounts::register(&state.db, &a.actor, input, &f.reason).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(m) => Redirect::to(&format!("/accounts/{}?done=register", m.id)).into_response(),
        Err(e @ (RegistryError::Db(_) | RegistryError::Ledger(_))) => registry_error_page(&a, e),
        Err(e) => {
            let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
            new_page(&state, &a, f, Some(e.to_string()), status).await
        }
    }
}
