//! Database access: connecting to SQLite or PostgreSQL, running migrations, and the
//! entities (one file per table in `entities/`).
//!
//! SQLite is tuned for the embedded default: WAL journal, `synchronous = NORMAL`, a busy
//! timeout so that a CLI command and a running server can share the file, and foreign keys.

pub mod entities;

use std::time::Duration;

use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbBackend, DbErr};

/// Errors while opening the database.
#[derive(Debug, thiserror::Error)]
pub enum DbOpenError {
    /// The data directory for an SQLite file could not be created.
    #[error("无法创建数据目录 {path}: {source}")]
    DataDir {
        /// The directory.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The URL scheme is neither sqlite nor postgres.
    #[error("不支持的数据库地址 {0:?}（应以 sqlite:// 或 postgres:// 开头）")]
    Scheme(String),
    /// Connecting failed.
    #[error("无法连接数据库 {url}: {source}")]
    Connect {
        /// The URL with any password removed.
        url: String,
        /// The driver error.
        source: DbErr,
    },
    /// A migration failed.
    #[error("数据库迁移失败: {0}")]
    Migrate(DbErr),
}

/// Opens the database at `url`. For an SQLite file the parent directory is created.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbOpenError> {
    let mut opts = ConnectOptions::new(url.to_string());
    opts.sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30));
    if url.starts_with("sqlite:") {
        if let Some(path) = sqlite_file_path(url) {
            if let Some(dir) = std::path::Path::new(&path).parent()
                && !dir.as_os_str().is_empty()
            {
                std::fs::create_dir_all(dir).map_err(|source| DbOpenError::DataDir {
                    path: dir.display().to_string(),
                    source,
                })?;
            }
            opts.max_connections(8).min_connections(1);
        } else {
            // An in-memory database exists once per connection: keep exactly one.
            opts.max_connections(1).min_connections(1);
        }
        opts.map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                .create_if_missing(true)
        });
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        opts.max_connections(16).min_connections(1);
    } else {
        return Err(DbOpenError::Scheme(redact_url(url)));
    }
    Database::connect(opts)
        .await
        .map_err(|source| DbOpenError::Connect {
            url: redact_url(url),
            source,
        })
}

/// Opens the database and runs pending migrations.
pub async fn connect_and_migrate(url: &str) -> Result<DatabaseConnection, DbOpenError> {
    let db = connect(url).await?;
    migrate(&db).await?;
    Ok(db)
}

/// Runs pending migrations.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbOpenError> {
    Migrator::up(db, None).await.map_err(DbOpenError::Migrate)
}

/// Which backend a connection talks to.
pub fn backend(db: &DatabaseConnection) -> DbBackend {
    db.get_database_backend()
}

/// The file path of an `sqlite://path?...` URL, or `None` for an in-memory database.
fn sqlite_file_path(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" || rest.contains("mode=memory") {
        None
    } else {
        Some(path.to_string())
    }
}

/// Removes a password from a database URL before it is shown or logged.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

/// True when `e` is a unique-constraint violation (on either backend).
pub fn is_unique_violation(e: &DbErr) -> bool {
    matches!(
        e.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_paths() {
        assert_eq!(
            sqlite_file_path("sqlite://data/g.db?mode=rwc").as_deref(),
            Some("data/g.db")
        );
        assert_eq!(sqlite_file_path("sqlite::memory:"), None);
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
    }
}
