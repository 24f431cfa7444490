//! A fresh, migrated database per test.
//!
//! Without `GOVWATCH_TEST_DATABASE_URL` each test gets an SQLite file in a temporary
//! directory (the embedded default, with WAL, exactly as in production). With it set to a
//! PostgreSQL URL, each test creates its own database `t_<uuid>` on that server and drops it
//! afterwards; an unreachable server fails the test — it never silently skips.

use sea_orm::{ConnectionTrait, DatabaseConnection};
use tempfile::TempDir;

pub struct TestDb {
    pub db: DatabaseConnection,
    pub url: String,
    pub dir: TempDir,
    pg: Option<(String, String)>,
}

pub fn pg_url() -> Option<String> {
    std::env::var("GOVWATCH_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

fn with_database(url: &str, name: &str) -> String {
    let mut u = url::Url::parse(url).expect("GOVWATCH_TEST_DATABASE_URL is not a URL");
    u.set_path(&format!("/{name}"));
    u.to_string()
}

pub async fn test_db() -> TestDb {
    govwatch::install_crypto_provider();
    let dir = tempfile::tempdir().expect("tempdir");
    match pg_url() {
        Some(admin_url) => {
            let name = format!("t_{}", uuid::Uuid::new_v4().simple());
            let admin = govwatch::db::connect(&admin_url).await.unwrap_or_else(|e| {
                panic!("GOVWATCH_TEST_DATABASE_URL is set but PostgreSQL is unreachable: {e}")
            });
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("create test database");
            admin.close().await.ok();
            let url = with_database(&admin_url, &name);
            let db = govwatch::db::connect_and_migrate(&url)
                .await
                .expect("migrate postgres");
            TestDb {
                db,
                url,
                dir,
                pg: Some((admin_url, name)),
            }
        }
        None => {
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
            let db = govwatch::db::connect_and_migrate(&url)
                .await
                .expect("migrate sqlite");
            TestDb {
                db,
                url,
                dir,
                pg: None,
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.pg.take() {
            // Dropping needs async; do it on a short-lived runtime in its own thread.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                rt.block_on(async {
                    let admin = govwatch::db::connect(&admin_url).await.ok()?;
                    admin
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .await
                        .ok()?;
                    admin.close().await.ok()
                })
            })
            .join();
        }
    }
}
