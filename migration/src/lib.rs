//! The database schema of AI Tracker, as sea-orm migrations.
//!
//! Migrations use SeaQuery builders, so the same code serves Postgres and SQLite (the
//! exceptions, an index and an unlogged table SeaQuery cannot express, say why). They are additive: a later change adds
//! a migration, never edits a landed one.

pub use sea_orm_migration::prelude::*;

mod m20261129_000001_catalog;
mod m20261129_000002_editing;
mod m20261129_000003_analytics;
mod m20261130_000004_feedback;
mod m20261130_000006_import;
mod m20261130_000007_newest_first;
mod m20261204_000008_limit_window;
mod m20261204_000009_risk_taxonomy;
mod m20261204_000010_import_candidates;
mod m20261204_000011_largest_first;
mod m20261204_000012_intervals;
mod m20261204_000013_threshold_counts;
mod m20261205_000014_history;
mod m20261206_000015_predictions;
mod m20261207_000016_history_by_model;
mod m20261208_000017_model_figures;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261129_000001_catalog::Migration),
            Box::new(m20261129_000002_editing::Migration),
            Box::new(m20261129_000003_analytics::Migration),
            Box::new(m20261130_000004_feedback::Migration),
            Box::new(m20261130_000006_import::Migration),
            Box::new(m20261130_000007_newest_first::Migration),
            Box::new(m20261204_000008_limit_window::Migration),
            Box::new(m20261204_000009_risk_taxonomy::Migration),
            Box::new(m20261204_000010_import_candidates::Migration),
            Box::new(m20261204_000011_largest_first::Migration),
            Box::new(m20261204_000012_intervals::Migration),
            Box::new(m20261204_000013_threshold_counts::Migration),
            Box::new(m20261205_000014_history::Migration),
            Box::new(m20261206_000015_predictions::Migration),
            Box::new(m20261207_000016_history_by_model::Migration),
            Box::new(m20261208_000017_model_figures::Migration),
        ]
    }
}
