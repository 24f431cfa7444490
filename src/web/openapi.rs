//! The OpenAPI document, generated from the handlers' annotations.

use axum::Json;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use super::api;

#[derive(OpenApi)]
#[openapi(
    info(title = "govwatch API", description = "政务网站与政务新媒体监管平台 API. Authenticate with `Authorization: Bearer gwt_…` (create a token with `govwatch users token NAME`)."),
    paths(
        api::me::me, api::me::create_token,
        api::accounts::list_departments, api::accounts::create_department,
        api::accounts::list, api::accounts::register, api::accounts::get_one,
        api::accounts::history, api::accounts::act,
        api::ledger::verify, api::ledger::list_checkpoints, api::ledger::create_checkpoint, api::ledger::proof,
        api::findings::list, api::findings::get_one, api::findings::scores,
        api::snapshots::crawls, api::snapshots::snapshots, api::snapshots::diff,
        api::rules::list, api::rules::replace, api::rules::add_word,
    ),
    components(schemas(
        crate::web::error::ErrorBody, crate::web::error::ErrorDetail,
        crate::registry::AccountView, crate::registry::AccountInput, crate::registry::AccountPatch,
        crate::registry::Contact, crate::registry::Platform, crate::registry::Status,
        api::accounts::Department, api::accounts::RegisterRequest, api::accounts::ActionRequest,
        crate::registry::departments::DepartmentInput, api::me::Me, api::me::TokenRequest, api::me::TokenResponse,
        api::findings::FindingView, crate::findings::scores::Scores, crate::findings::scores::AccountScore,
        crate::findings::scores::DepartmentScore,
        api::snapshots::CrawlView, api::snapshots::SnapshotView, api::snapshots::SnapshotPage, api::snapshots::SnapshotDiff,
        api::rules::RulesView, crate::findings::overrides::RuleInfo, crate::findings::overrides::StoredOverrides,
        crate::findings::overrides::NewWord,
    )),
    modifiers(&BearerAuth),
    tags((name = "registry", description = "台账：单位与账号"), (name = "findings", description = "问题与评分"), (name = "crawls", description = "采集记录与快照"), (name = "rules", description = "规则与词典"), (name = "ledger", description = "全过程留痕账本"), (name = "auth", description = "身份"))
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The document as a value.
pub fn spec() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// `GET /api/v1/openapi.json`.
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(spec())
}
