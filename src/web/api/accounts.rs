//! Registry endpoints: departments, accounts, lifecycle actions and account history.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use serde::Deserialize;

use crate::db::entities::department;
use crate::ledger::{self, EntryView};
use crate::registry::departments::{self, DepartmentInput};
use crate::registry::{
    self, AccountFilter, AccountInput, AccountPatch, AccountView, Action, query,
};
use crate::web::AppState;
use crate::web::authn::Authed;
use crate::web::error::ApiError;

/// Lists departments visible to the caller.
#[utoipa::path(get, path = "/api/v1/departments", tag = "registry", responses((status = 200, body = [Department])))]
pub async fn list_departments(
    State(state): State<AppState>,
    a: Authed,
) -> Result<Json<Vec<Department>>, ApiError> {
    let deps = departments::in_scope(&state.db, &a.actor.scope).await?;
    Ok(Json(deps.into_iter().map(Department::from).collect()))
}

/// A department.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Department {
    /// Id.
    pub id: i64,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Parent id.
    pub parent_id: Option<i64>,
}

impl From<department::Model> for Department {
    fn from(d: department::Model) -> Self {
        Self {
            id: d.id,
            code: d.code,
            name: d.name,
            parent_id: d.parent_id,
        }
    }
}

/// Creates a department (office).
#[utoipa::path(post, path = "/api/v1/departments", tag = "registry", request_body = DepartmentInput,
    responses((status = 201, body = Department), (status = 403), (status = 422)))]
pub async fn create_department(
    State(state): State<AppState>,
    a: Authed,
    Json(input): Json<DepartmentInput>,
) -> Result<(StatusCode, Json<Department>), ApiError> {
    let d = departments::create(&state.db, &a.actor, input).await?;
    Ok((StatusCode::CREATED, Json(d.into())))
}

/// Lists accounts visible to the caller, filtered.
#[utoipa::path(get, path = "/api/v1/accounts", tag = "registry", params(AccountFilter),
    responses((status = 200, body = [AccountView])))]
pub async fn list(
    State(state): State<AppState>,
    a: Authed,
    Query(filter): Query<AccountFilter>,
) -> Result<Json<Vec<AccountView>>, ApiError> {
    Ok(Json(query::list(&state.db, &a.actor, &filter).await?))
}

/// A registration request.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct RegisterRequest {
    /// The account.
    #[serde(flatten)]
    pub account: AccountInput,
    /// Why (required).
    pub reason: String,
}

/// Registers (开设) an account.
#[utoipa::path(post, path = "/api/v1/accounts", tag = "registry", request_body = RegisterRequest,
    responses((status = 201, body = AccountView), (status = 403), (status = 409), (status = 422)))]
pub async fn register(
    State(state): State<AppState>,
    a: Authed,
    Json(req): Json<RegisterRequest>,
) -> Result<(StatusCode, Json<AccountView>), ApiError> {
    let m = registry::accounts::register(&state.db, &a.actor, req.account, &req.reason).await?;
    Ok((
        StatusCode::CREATED,
        Json(query::get(&state.db, &a.actor, m.id).await?),
    ))
}

/// One account.
#[utoipa::path(get, path = "/api/v1/accounts/{id}", tag = "registry", params(("id" = i64, Path)),
    responses((status = 200, body = AccountView), (status = 403), (status = 404)))]
pub async fn get_one(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<i64>,
) -> Result<Json<AccountView>, ApiError> {
    Ok(Json(query::get(&state.db, &a.actor, id).await?))
}

/// An account's whole history from the ledger, oldest first.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/history", tag = "registry", params(("id" = i64, Path)),
    responses((status = 200, description = "ledger entries with payloads"), (status = 403), (status = 404)))]
pub async fn history(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<i64>,
) -> Result<Json<Vec<EntryView>>, ApiError> {
    query::get(&state.db, &a.actor, id).await?;
    Ok(Json(
        ledger::history(&state.db, "account", &id.to_string()).await?,
    ))
}

/// The body of a lifecycle action. Which fields matter depends on the action:
/// `update` takes the account fields, `transfer` `department_id`, `close` `notice_url` and
/// `closed_on`, `merge` `into`, `deregister` `reference`. `reason` is always required.
#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct ActionRequest {
    /// Why (required).
    pub reason: String,
    /// `update`: the fields to change.
    #[serde(flatten)]
    pub patch: AccountPatch,
    /// `transfer`: the new department.
    pub department_id: Option<i64>,
    /// `close`: the closure notice's URL.
    pub notice_url: Option<String>,
    /// `close`: the closure date (default today).
    pub closed_on: Option<NaiveDate>,
    /// `merge`: the main account.
    pub into: Option<i64>,
    /// `deregister`: proof or reference.
    pub reference: Option<String>,
}

/// Runs a lifecycle action (`update`, `transfer`, `suspend`, `resume`, `close`, `merge`,
/// `deregister`). An impossible transition answers 409 `invalid_transition`.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/{action}", tag = "registry",
    params(("id" = i64, Path), ("action" = String, Path, description = "update | transfer | suspend | resume | close | merge | deregister")),
    request_body = ActionRequest,
    responses((status = 200, body = AccountView), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn act(
    State(state): State<AppState>,
    a: Authed,
    Path((id, action)): Path<(i64, String)>,
    Json(req): Json<ActionRequest>,
) -> Result<Json<AccountView>, ApiError> {
    let action = Action::ALL
        .into_iter()
        .find(|x| x.as_str() == action && *x != Action::Register)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown_action",
                format!("没有名为 {action} 的操作"),
            )
        })?;
    run_action(&state, &a, id, action, req).await?;
    Ok(Json(query::get(&state.db, &a.actor, id).await?))
}

/// Dispatches an action (shared with the pages).
pub async fn run_action(
    state: &AppState,
    a: &Authed,
    id: i64,
    action: Action,
    req: ActionRequest,
) -> Result<(), registry::RegistryError> {
    let (db, actor, reason) = (&state.db, &a.actor, req.reason.as_str());
    use registry::accounts as acc;
    match action {
        Action::Register => {
            return Err(registry::RegistryError::invalid(
                "action",
                "开设请使用新增账号",
            ));
        }
        Action::Update => acc::update(db, actor, id, req.patch, reason).await?,
        Action::Transfer => {
            let to = req.department_id.ok_or_else(|| {
                registry::RegistryError::invalid("department_id", "请选择划转到的单位")
            })?;
            acc::transfer(db, actor, id, to, reason).await?
        }
        Action::Suspend => acc::suspend(db, actor, id, reason).await?,
        Action::Resume => acc::resume(db, actor, id, reason).await?,
        Action::Close => {
            acc::close(
                db,
                actor,
                id,
                req.notice_url.as_deref(),
                req.closed_on,
                reason,
            )
            .await?
        }
        Action::Merge => {
            let into = req
                .into
                .ok_or_else(|| registry::RegistryError::invalid("into", "请填写主账号编号"))?;
            acc::merge(db, actor, id, into, reason).await?
        }
        Action::Deregister => {
            acc::deregister(db, actor, id, req.reference.as_deref(), reason).await?
        }
    };
    Ok(())
}
