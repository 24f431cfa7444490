//! The JSON API under `/api/v1`. Every handler goes through the same registry and ledger
//! functions as the CLI and the pages; the OpenAPI document is generated from these
//! handlers' annotations (`/api/v1/openapi.json`).

pub mod accounts;
pub mod findings;
pub mod ledger;
pub mod me;
pub mod rules;
pub mod snapshots;

use axum::Router;
use axum::routing::{get, post, put};

use super::AppState;

/// The API routes (mounted under `/api/v1`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/me", get(me::me))
        .route("/tokens", post(me::create_token))
        .route(
            "/departments",
            get(accounts::list_departments).post(accounts::create_department),
        )
        .route("/accounts", get(accounts::list).post(accounts::register))
        .route("/accounts/{id}", get(accounts::get_one))
        .route("/accounts/{id}/history", get(accounts::history))
        .route("/accounts/{id}/crawls", get(snapshots::crawls))
        .route("/accounts/{id}/snapshots", get(snapshots::snapshots))
        .route("/accounts/{id}/{action}", post(accounts::act))
        .route("/findings", get(findings::list))
        .route("/findings/{id}", get(findings::get_one))
        .route("/scores", get(findings::scores))
        .route("/snapshots/{id}/diff/{other}", get(snapshots::diff))
        .route("/rules", get(rules::list))
        .route("/rules/overrides", put(rules::replace))
        .route("/rules/words", post(rules::add_word))
        .route("/ledger/verify", get(ledger::verify))
        .route(
            "/ledger/checkpoints",
            get(ledger::list_checkpoints).post(ledger::create_checkpoint),
        )
        .route("/ledger/proof/{seq}", get(ledger::proof))
        .route("/openapi.json", get(super::openapi::document))
}
