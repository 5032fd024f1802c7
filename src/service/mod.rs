//! All reads and writes of the catalog. Knows nothing of GraphQL or HTTP: callers pass plain
//! arguments and get entity rows, pages and `ServiceError`s back.

pub mod capabilities;
pub mod datasets;
mod error;
pub mod filter;
pub mod models;
pub mod organizations;
pub mod page;
pub mod regression;
pub mod relations;
pub mod risk_assessments;
pub mod search;
pub mod seed;
pub mod statistics;
pub mod thresholds;
pub mod trend;

pub use error::{ServiceError, ServiceResult};
pub use page::{Page, PageArgs};

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
