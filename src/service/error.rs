use std::{sync::Arc, time::Duration};

use sea_orm::{ConnAcquireErr, DbErr, RuntimeErr, sqlx};

/// Every way a service call can fail. The GraphQL layer turns each into an error with an
/// `extensions.code`; `Internal` keeps its detail for the log and never shows it to a client.
#[derive(Clone, Debug, thiserror::Error)]
pub enum ServiceError {
    /// The caller sent something invalid; `field` names the argument or input field.
    #[error("{field}: {message}")]
    BadInput { field: String, message: String },
    #[error("{0} not found")]
    NotFound(String),
    /// No caller, or one whose token does not check out.
    #[error("{0}")]
    Unauthenticated(String),
    /// A known caller whose role does not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// The entry changed since the caller read it.
    #[error("{what} has changed since version {expected}; it is now at version {current}")]
    Conflict { what: String, expected: i32, current: i32 },
    #[error("too many attempts; retry in {} s", retry_after.as_secs().max(1))]
    RateLimited { retry_after: Duration },
    #[error("internal error")]
    Internal(Arc<anyhow::Error>),
}

impl ServiceError {
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        ServiceError::BadInput { field: field.into(), message: message.into() }
    }

    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        ServiceError::Internal(Arc::new(error.into()))
    }

    /// For the command line and startup, where the operator needs an internal error's detail
    /// (its `Display` hides it from clients).
    pub fn with_detail(self) -> anyhow::Error {
        match self {
            ServiceError::Internal(detail) => anyhow::anyhow!("{detail:#}"),
            other => other.into(),
        }
    }

    /// Whether the database connection failed rather than the statement: the server ended the
    /// session (a restart, `pg_terminate_backend`, a failover) or the network dropped it. The
    /// same read on another connection may well succeed. Still INTERNAL to a client.
    pub fn is_connection_lost(&self) -> bool {
        let ServiceError::Internal(detail) = self else { return false };
        detail.chain().filter_map(|e| e.downcast_ref::<DbErr>()).any(connection_lost)
    }
}

fn connection_lost(error: &DbErr) -> bool {
    match error {
        DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed) => true,
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            match &**e {
                sqlx::Error::Io(_) | sqlx::Error::WorkerCrashed => true,
                // SQLSTATE class 08 is "connection exception"; 57P01-57P03 are the server
                // shutting the session down (admin_shutdown, crash_shutdown, cannot_connect_now).
                sqlx::Error::Database(db) => db
                    .code()
                    .is_some_and(|code| code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03")),
                _ => false,
            }
        }
        _ => false,
    }
}

impl From<DbErr> for ServiceError {
    fn from(error: DbErr) -> Self {
        if connection_lost(&error) {
            crate::db::note_connection_lost();
        }
        ServiceError::internal(error)
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;
