//! Opening the database (Postgres or the embedded SQLite file) and migrating it.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, sqlx::sqlite::SqliteJournalMode};

use crate::config::DatabaseSettings;

/// How long a pooled connection may sit idle before it is tested on its way out of the pool
/// (HikariCP, the JVM's common pool, skips the test for connections used in the last 500 ms too).
const PING_AFTER_IDLE: Duration = Duration::from_millis(500);

pub async fn connect(settings: &DatabaseSettings) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(settings.url());
    options
        .max_connections(settings.db_pool_size)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .statement_timeout(settings.statement_timeout())
        // sqlx pings a connection (a round trip) each time it leaves the pool, by default: five
        // extra round trips for a catalog page. Under load every connection was used a moment
        // ago; only one idle longer, which the server or the network may have dropped since, is
        // tested now. A connection that broke within that moment fails the one statement it
        // carries, and the pool then replaces it.
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
