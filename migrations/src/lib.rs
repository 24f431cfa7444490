//! Database migrations for govwatch, one file per schema change.
//!
//! Migrations are frozen history: they never import the application's entities, and
//! every migration runs on both SQLite (the embedded default) and PostgreSQL.
//! One ALTER operation per statement, because SQLite accepts no more.

pub use sea_orm_migration::prelude::*;

mod m20261127_000001_create_registry;
mod m20261127_000002_create_ledger;
mod m20261127_000003_create_crawl_data;
mod m20261127_000004_create_findings;
mod m20261128_000005_create_snapshot_objects;

/// The ordered list of migrations; `govwatch migrate` and start-up run it.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261127_000001_create_registry::Migration),
            Box::new(m20261127_000002_create_ledger::Migration),
            Box::new(m20261127_000003_create_crawl_data::Migration),
            Box::new(m20261127_000004_create_findings::Migration),
            Box::new(m20261128_000005_create_snapshot_objects::Migration),
        ]
    }
}
