//! Building the application so that `main` and the tests start it the same way: open the
//! database (migrating if configured), bind the listener (port 0 in tests), serve.

use std::future::Future;
use std::net::SocketAddr;

use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;

use crate::config::Settings;
use crate::db;
use crate::web::{self, AppState};

/// Errors while starting.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Db(#[from] db::DbOpenError),
    /// The address could not be bound.
    #[error("无法监听 {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// Opens the database named by the settings, running migrations when `auto_migrate` is on.
pub async fn open_database(settings: &Settings) -> Result<DatabaseConnection, db::DbOpenError> {
    let url = settings.database_url();
    if settings.auto_migrate {
        db::connect_and_migrate(&url).await
    } else {
        db::connect(&url).await
    }
}

/// A bound, ready-to-run server.
pub struct Application {
    listener: TcpListener,
    state: AppState,
}

impl Application {
    /// Binds `settings.listen` with an open database.
    pub async fn build(settings: Settings, db: DatabaseConnection) -> Result<Self, StartupError> {
        let addr = settings.listen;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| StartupError::Bind { addr, source })?;
        Ok(Self {
            listener,
            state: AppState::new(db, settings),
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// The state (for tests that need the database handle).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let app = web::router(self.state);
        axum::serve(
            self.listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
    }
}
