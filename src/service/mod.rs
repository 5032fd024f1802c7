//! All reads and writes of the catalog. Knows nothing of GraphQL or HTTP: callers pass plain
//! arguments and get entity rows, pages and `ServiceError`s back.

pub mod budget_lease;
pub mod caller;
pub mod capabilities;
pub mod changes;
mod codes;
pub mod crossings;
pub mod datasets;
pub mod editors;
pub mod edits;
pub mod epoch_import;
mod error;
pub mod export;
pub mod feed;
pub mod feedback;
pub mod filter;
pub mod former_slugs;
pub mod history;
pub mod limit_store;
pub mod model_columns;
pub mod models;
pub mod organizations;
pub mod page;
pub mod predictions;
pub mod query_budget;
pub mod regression;
pub mod relations;
pub mod revisions;
pub mod risk_assessments;
pub mod risk_statistics;
mod row;
pub mod search;
pub mod seed;
pub mod seed_update;
pub mod statistics;
pub mod successors;
#[cfg(test)]
pub(crate) mod testing;
pub mod thresholds;
pub mod throttle;
pub mod trend;
mod validate;

pub use caller::{Caller, ClientAddress};
pub use codes::{CloseCode, ErrorCode, Overload};
pub use error::{ClientError, ServiceError, ServiceResult};
pub use page::{Page, PageArgs};

use sea_orm::{DatabaseConnection, DatabaseTransaction, TransactionTrait};

/// Whether the database answers (for readiness checks).
pub async fn ping(db: &sea_orm::DatabaseConnection) -> ServiceResult<()> {
    Ok(db.ping().await?)
}

/// Who is asking: the public sees published entries only; editors also see drafts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    Public,
    Editor,
}

/// One requested ordering key.
#[derive(Clone, Copy, Debug)]
pub struct OrderBy<F> {
    pub field: F,
    pub descending: bool,
}

/// Who makes a change, as the history records it.
#[derive(Clone, Debug)]
pub struct Actor {
    pub editor_id: Option<i32>,
    /// The display name the public sees.
    pub name: String,
}

impl Actor {
    pub fn editor(row: &editors::EditorRow) -> Self {
        Actor { editor_id: Some(row.id), name: row.display_name.clone() }
    }

    /// A change made by the service itself, not an editor: the starter-catalog loader, the
    /// command line.
    pub fn system(name: &str) -> Self {
        Actor { editor_id: None, name: name.to_owned() }
    }
}

/// A transaction for a write. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`), so
/// concurrent writers queue on the busy timeout instead of failing when a read turns into a write.
/// On Postgres it takes the revision log's lock first (see `revisions::record`): writes queue the
/// same way, and a write that records a revision cannot deadlock with another on that lock.
pub async fn begin_write(db: &DatabaseConnection) -> ServiceResult<DatabaseTransaction> {
    let options = sea_orm::TransactionOptions {
        sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
        ..Default::default()
    };
    let tx = db.begin_with_options(options).await?;
    revisions::lock_log(&tx).await?;
    Ok(tx)
}

/// A stored enum value; one that does not parse is a bug or a bad migration, never the
/// client's fault.
pub(crate) fn stored<T>(what: &str, text: &str, parse: impl Fn(&str) -> Option<T>) -> ServiceResult<T> {
    parse(text).ok_or_else(|| ServiceError::internal(anyhow::anyhow!("stored {what} `{text}` is not known")))
}
