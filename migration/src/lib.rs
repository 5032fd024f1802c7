//! The database schema of AI Tracker, as sea-orm migrations.
//!
//! Migrations use SeaQuery builders only, so the same code serves Postgres and SQLite. They are
//! additive: a later change adds a migration, never edits a landed one.

pub use sea_orm_migration::prelude::*;

mod m20261129_000001_catalog;
mod m20261129_000002_editing;
mod m20261129_000003_analytics;
mod m20261130_000006_import;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261129_000001_catalog::Migration),
            Box::new(m20261129_000002_editing::Migration),
            Box::new(m20261129_000003_analytics::Migration),
            Box::new(m20261130_000006_import::Migration),
        ]
    }
}
