//! The web server: the JSON API (`/api/v1`), the pages (`dashboards/`), health and metrics.

pub mod api;
pub mod authn;
pub mod error;
pub mod metrics;
pub mod openapi;
pub mod pages;
pub mod statics;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::get;
use sea_orm::DatabaseConnection;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::csrf::CsrfLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::config::Settings;
use crate::findings::{EngineError, RulesEngine};
use crate::ledger::{self, LedgerError, VerifyOptions, keys};

/// Shared state of the web server (cheap to clone).
#[derive(Clone)]
pub struct AppState {
    /// The database pool.
    pub db: DatabaseConnection,
    /// Settings.
    pub settings: Arc<Settings>,
    /// Login attempt limiter.
    pub login_limiter: Arc<authn::LoginLimiter>,
    /// The rules runtime (today's compiled rule set, the keyed hasher). Opened on first use
    /// from the hash key in the data directory, so that building the state cannot fail and a
    /// key problem shows up as an error of the pages that need the rules, not as a server
    /// that does not start; [`AppState::with_rules_engine`] shares an engine already open.
    rules: Arc<tokio::sync::OnceCell<Arc<RulesEngine>>>,
}

impl AppState {
    /// New state.
    pub fn new(db: DatabaseConnection, settings: Settings) -> Self {
        let login_limiter = authn::LoginLimiter::new(settings.auth.failed_logins_per_minute);
        Self {
            db,
            settings: Arc::new(settings),
            login_limiter,
            rules: Arc::new(tokio::sync::OnceCell::new()),
        }
    }

    /// The same state using `engine` (e.g. the one the in-process crawl workers use, so the
    /// compiled rule set is cached once).
    pub fn with_rules_engine(mut self, engine: Arc<RulesEngine>) -> Self {
        self.rules = Arc::new(tokio::sync::OnceCell::new_with(Some(engine)));
        self
    }

    /// The rules runtime, opened on first use from `settings.hash_key_path()`.
    pub async fn rules_engine(&self) -> Result<Arc<RulesEngine>, EngineError> {
        self.rules
            .get_or_try_init(|| async {
                let path = self.settings.hash_key_path();
                // Reading (or creating and syncing) the key file is blocking file I/O.
                tokio::task::spawn_blocking(move || RulesEngine::open(&path).map(Arc::new))
                    .await
                    .map_err(|e| EngineError::Overrides(format!("规则引擎初始化任务失败: {e}")))?
            })
            .await
            .cloned()
    }

    /// What `verify` should check besides the database: this installation's key (so that a
    /// checkpoint re-signed with another key is refused) and the checkpoint log file.
    pub fn verify_options(&self) -> Result<VerifyOptions, LedgerError> {
        verify_options(&self.settings)
    }
}

/// Verification options from the settings (shared with the CLI).
pub fn verify_options(settings: &Settings) -> Result<VerifyOptions, LedgerError> {
    let pinned_key = keys::load(&settings.signing_key_path())?.map(|k| k.verifying_key());
    let log = settings.data_dir.join("ledger").join("checkpoints.jsonl");
    let external_checkpoints = if log.exists() {
        ledger::checkpoint::read_file(&log)?
    } else {
        Vec::new()
    };
    Ok(VerifyOptions {
        pinned_key,
        external_checkpoints,
    })
}

/// Builds the whole router.
pub fn router(state: AppState) -> Router {
    // Install the metrics recorder before the first request is counted.
    let _ = metrics::handle();
    let mut csrf = CsrfLayer::new();
    for origin in &state.settings.auth.trusted_origins {
        match csrf.clone().add_trusted_origin(origin) {
            Ok(c) => csrf = c,
            Err(e) => tracing::warn!(origin, error = ?e, "ignoring invalid trusted origin"),
        }
    }
    Router::new()
        .nest("/api/v1", api::routes())
        .merge(pages::routes())
        .route("/healthz", get(health))
        .route("/metrics", get(metrics::render))
        .route("/static/{*path}", get(statics::serve))
        .with_state(state)
        .layer(csrf)
        .layer(RequestBodyLimitLayer::new(8 * 1024 * 1024))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(120),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'"),
        ))
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(TraceLayer::new_for_http())
        .layer(CatchPanicLayer::new())
}

async fn health(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> (axum::http::StatusCode, &'static str) {
    match state.db.ping().await {
        Ok(()) => (axum::http::StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "database unavailable",
            )
        }
    }
}
