//! Opening the database (Postgres or the embedded SQLite file) and migrating it.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, sqlx::sqlite::SqliteJournalMode};

use crate::config::DatabaseSettings;

/// How long a pooled connection may sit idle before it is tested on its way out of the pool
/// (HikariCP, the JVM's common pool, skips the test for connections used in the last 500 ms too).
const PING_AFTER_IDLE: Duration = Duration::from_millis(500);

/// When this process last saw a database connection lost, in milliseconds after `EPOCH`
/// (0: never). Postgres ends sessions in bulk (a restart, a failover, `pg_terminate_backend`):
/// once one is seen lost, every pooled connection released before that may be dead too.
static LAST_LOST_MS: AtomicU64 = AtomicU64::new(0);
static EPOCH: OnceLock<Instant> = OnceLock::new();

fn millis_now() -> u64 {
    EPOCH.get_or_init(Instant::now).elapsed().as_millis() as u64 + 1
}

/// A statement failed because its connection was lost (see `ServiceError::is_connection_lost`).
pub fn note_connection_lost() {
    LAST_LOST_MS.fetch_max(millis_now(), Ordering::Relaxed);
}

/// For this long after a loss is seen, every connection is tested before use: one that was
/// running a statement when its session was ended goes back to the pool after the loss was
/// seen, looking healthy (a CI run met one: a rerun failed on it).
const TEST_ALL_AFTER_A_LOSS: Duration = Duration::from_secs(2);

/// Whether a connection idle for `idle_for` must be tested: it went back to the pool before a
/// loss was seen, or a loss was seen a moment ago.
fn suspect_after_a_loss(idle_for: Duration) -> bool {
    let lost = LAST_LOST_MS.load(Ordering::Relaxed);
    let now = millis_now();
    lost != 0
        && (now.saturating_sub(idle_for.as_millis() as u64) <= lost
            || now.saturating_sub(lost) <= TEST_ALL_AFTER_A_LOSS.as_millis() as u64)
}

/// The application name the primary's sessions carry in `pg_stat_activity`.
pub const PRIMARY_APPLICATION: &str = "ai-tracker";
/// The application name a read replica's sessions carry.
pub const REPLICA_APPLICATION: &str = "ai-tracker-replica";

pub async fn connect(settings: &DatabaseSettings) -> anyhow::Result<DatabaseConnection> {
    let mut options = pool_options(settings.url(), settings);
    options.set_application_name(PRIMARY_APPLICATION);
    Ok(Database::connect(options).await?)
}

/// A pool on the read replica `url`, with the primary's settings but for three things. It
/// connects lazily, so a replica that is down does not stop the service from starting. It
/// gives up on a connection within 2 s (the read then falls back to the primary), not 10. And
/// its sessions are read-only whatever the server says, so that a write sent there by mistake
/// fails loudly instead of landing on something that is not a replica.
pub async fn connect_replica(url: &str, settings: &DatabaseSettings) -> anyhow::Result<DatabaseConnection> {
    check_replica_url(url, settings)?;
    let mut options = pool_options(url, settings);
    options
        .connect_lazy(true)
        .connect_timeout(REPLICA_CONNECT_TIMEOUT)
        .acquire_timeout(REPLICA_CONNECT_TIMEOUT)
        .set_application_name(REPLICA_APPLICATION)
        .map_sqlx_postgres_opts(|o| o.options([("default_transaction_read_only", "on")]));
    // A lazy pool connects on first use: this only checks the URL.
    Database::connect(options)
        .await
        .map_err(|error| anyhow::anyhow!("DATABASE_READ_URL is not a usable Postgres URL: {error}"))
}

/// Refuses a replica URL that cannot work: not Postgres, or beside a SQLite primary. The
/// service checks every one before it touches the primary.
pub fn check_replica_url(url: &str, settings: &DatabaseSettings) -> anyhow::Result<()> {
    if !url.starts_with("postgres://") && !url.starts_with("postgresql://") {
        anyhow::bail!("DATABASE_READ_URL: a read replica must be a Postgres URL (postgres://...)");
    }
    if !settings.url().starts_with("postgres") {
        anyhow::bail!("DATABASE_READ_URL: read replicas need a Postgres DATABASE_URL (SQLite has none)");
    }
    Ok(())
}

/// How long a replica's connection may take before the read goes to the primary instead.
const REPLICA_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

fn pool_options(url: &str, settings: &DatabaseSettings) -> ConnectOptions {
    let mut options = ConnectOptions::new(url);
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
        // After a lost connection, the ones that sat in the pool since, and for a moment every
        // one, are tested too, so that a query run again (see graphql/retry.rs) gets a live one.
        .map_sqlx_postgres_before_acquire(|connection, meta| {
            Box::pin(async move {
                if suspect_after_a_loss(meta.idle_for) {
                    sea_orm::sqlx::Connection::ping(connection).await?;
                }
                Ok(true)
            })
        })
        .sqlx_logging(false)
        // WAL lets the CLI and a running server use the same file at once; the busy timeout
        // makes a writer wait for another instead of failing at once.
        .map_sqlx_sqlite_opts(|o| o.journal_mode(SqliteJournalMode::Wal).busy_timeout(Duration::from_secs(5)));
    options
}

pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None).await?;
    // A catalog written before its history (or its predictions) existed gets them from its
    // revision log.
    if !crate::service::predictions::backfill_if_pending(db).await? {
        crate::service::history::backfill_if_empty(db).await?;
    }
    Ok(())
}

/// How busy the database pool is, for `/metrics`.
#[derive(Clone, Copy, Debug)]
pub struct PoolStatus {
    /// Connections open now, idle or in use.
    pub open: u32,
    pub idle: u32,
    /// The most the pool may open.
    pub max: u32,
}

pub fn pool_status(db: &DatabaseConnection) -> PoolStatus {
    let (open, idle, max) = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle(), pool.options().get_max_connections())
        }
        _ => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle(), pool.options().get_max_connections())
        }
    };
    PoolStatus { open, idle: u32::try_from(idle).unwrap_or(u32::MAX), max }
}
