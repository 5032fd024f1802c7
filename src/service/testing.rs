//! For the service's own tests: a migrated database in memory, so service functions can be
//! tested directly (no server, no HTTP), and entries planted through the edit pipeline.

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};

use super::Actor;
use super::edits::{self, ModelRecord, OrganizationRecord, Record};
use crate::domain::OrganizationKind;

/// A migrated SQLite database in memory. Each connection to `sqlite::memory:` opens a database
/// of its own, which goes with the connection: the pool holds exactly one, never retired.
pub async fn memory_db() -> DatabaseConnection {
    let mut options = ConnectOptions::new("sqlite::memory:");
    options.max_connections(1).min_connections(1).idle_timeout(None).max_lifetime(None).sqlx_logging(false);
    let db = Database::connect(options).await.expect("an in-memory SQLite database");
    Migrator::up(&db, None).await.expect("the migrations run");
    db
}

/// Writes `record` as an editor would; returns its row.
pub async fn plant<R: Record>(db: &DatabaseConnection, record: R) -> R::Row {
    edits::create(db, &Actor::system("test"), record, None).await.expect("the test entry is valid")
}

/// An organization in `country`.
pub fn organization(slug: &str, country: &str) -> OrganizationRecord {
    OrganizationRecord {
        slug: slug.into(),
        name: slug.to_uppercase(),
        kind: OrganizationKind::Industry,
        country: country.into(),
        website: None,
        description: None,
    }
}

/// A published model announced on `announced_on` (YYYY-MM-DD), with nothing else known.
pub fn model(slug: &str, announced_on: &str) -> ModelRecord {
    let mut record = ModelRecord::new(slug.into(), slug.into());
    record.announced_on = Some(announced_on.parse().expect("a YYYY-MM-DD date"));
    record.published = true;
    record
}
