//! The shared limit store: one row per limited key (a client address, an email, a payer of the
//! query budget), holding its GCRA "theoretical arrival time" (`tat`): when the key's
//! allowance will be whole again. A row whose `tat` has passed means the same as no row, and
//! the service deletes such rows in the background.
//!
//! Postgres only, and not a SeaQuery builder: the table is UNLOGGED (a crash empties it, which
//! only forgets recent attempts, and its writes skip the WAL), which SeaQuery cannot say. SQLite
//! runs one process, which keeps its limits in memory. The table has no index besides its key,
//! so that every update of `tat` is a HOT update.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(
                    "CREATE UNLOGGED TABLE limit_window (key text PRIMARY KEY, tat timestamptz NOT NULL, \
                     allowed boolean NOT NULL) WITH (fillfactor = 70)",
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            manager.get_connection().execute_unprepared("DROP TABLE IF EXISTS limit_window").await?;
        }
        Ok(())
    }
}
