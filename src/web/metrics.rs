//! Prometheus metrics at `/metrics`: request counts and latencies by route, plus the
//! counters other modules record (ledger appends, registry changes).
//!
//! Only office and auditor users may read them (a session, or an API token as Prometheus
//! sends it: `Authorization: Bearer …`): route names, error rates and crawl activity tell an
//! outsider which parts of the platform to probe, and behind a reverse proxy every request
//! comes from loopback, so "local only" would protect nothing.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::auth::Role;
use crate::web::authn::Authed;
use crate::web::error::ApiError;

/// The process-wide recorder (installed once; tests start many apps in one process).
pub fn handle() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| match PrometheusBuilder::new().install_recorder() {
            Ok(h) => Some(h),
            Err(e) => {
                tracing::warn!(error = %e, "metrics recorder not installed");
                None
            }
        })
        .as_ref()
}

/// `GET /metrics` (office and auditors).
pub async fn render(a: Authed) -> Result<Response, ApiError> {
    if !matches!(a.actor.role, Role::Office | Role::Auditor) {
        return Err(ApiError::forbidden("只有办公厅和审计用户可以查看运行指标"));
    }
    Ok(match handle() {
        Some(h) => (
            [(
                axum::http::header::CONTENT_TYPE,
                "text/plain; version=0.0.4",
            )],
            h.render(),
        )
            .into_response(),
        None => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "metrics unavailable",
        )
            .into_response(),
    })
}

/// Middleware recording each request.
pub async fn track(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let method = req.method().to_string();
    let resp = next.run(req).await;
    let status = resp.status().as_u16().to_string();
    metrics::counter!("govwatch_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!("govwatch_http_request_seconds", "method" => method, "route" => route)
        .record(start.elapsed().as_secs_f64());
    resp
}
