//! Opening the database (Postgres or the embedded SQLite file) and migrating it.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, sqlx::sqlite::SqliteJournalMode};

use crate::config::DatabaseSettings;

/// How long a pooled connection may sit idle before it is tested on its way out of the pool.
const PING_AFTER_IDLE: Duration = Duration::from_secs(5);

pub async fn connect(settings: &DatabaseSettings) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(settings.url());
    options
        .max_connections(settings.db_pool_size)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .statement_timeout(settings.statement_timeout())
        // sqlx pings a connection (a round trip) each time it leaves the pool, by default: five
        // extra round trips for a catalog page, which cost Postgres about as much as its
        // statements. Only a connection idle this long, which may have been dropped by the
        // server or the network since, is tested now.
        .test_before_acquire_if_idle_for(PING_AFTER_IDLE)
        .sqlx_logging(false)
        // WAL lets the CLI and a running server use the same file at once; the busy timeout
        // makes a writer wait for another instead of failing at once.
        .map_sqlx_sqlite_opts(|o| o.journal_mode(SqliteJournalMode::Wal).busy_timeout(Duration::from_secs(5)));
    Ok(Database::connect(options).await?)
}

pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None).await?;
    Ok(())
}
