use std::{sync::Arc, time::Duration};

use axum::http::StatusCode;
use sea_orm::{ConnAcquireErr, DbErr, RuntimeErr, sqlx};
use serde_json::{Map, Value as Json};

use super::codes::ErrorCode;

/// Every way a service call can fail. Each has its code, status and extensions here
/// ([`ServiceError::to_client`]), whatever format the client reads it in; `Internal` keeps its
/// detail for the log and never shows it to a client.
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

    /// Whether a read replica could not serve the statement, for a reason the primary does not
    /// share: its connection was lost, none could be made (refused, timed out, refused the
    /// credentials), or a hot standby cancelled the statement for a conflict with recovery
    /// (SQLSTATE 40001). The same read on the primary may well succeed. Still INTERNAL to a client.
    pub fn is_replica_unavailable(&self) -> bool {
        let ServiceError::Internal(detail) = self else { return false };
        detail.chain().filter_map(|e| e.downcast_ref::<DbErr>()).any(|e| connection_lost(e) || replica_refused(e))
    }
}

/// No connection could be had, or a standby cancelled the statement (see `is_replica_unavailable`).
fn replica_refused(error: &DbErr) -> bool {
    match error {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => match &**e {
            sqlx::Error::Database(db) => db.code().is_some_and(|code| code == "40001"),
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => true,
            _ => false,
        },
        _ => false,
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

impl ServiceError {
    pub fn code(&self) -> ErrorCode {
        match self {
            ServiceError::BadInput { .. } => ErrorCode::BadUserInput,
            ServiceError::NotFound(_) => ErrorCode::NotFound,
            ServiceError::Unauthenticated(_) => ErrorCode::Unauthenticated,
            ServiceError::Forbidden(_) => ErrorCode::Forbidden,
            ServiceError::Conflict { .. } => ErrorCode::Conflict,
            ServiceError::RateLimited { .. } => ErrorCode::RateLimited,
            ServiceError::Internal(_) => ErrorCode::Internal,
        }
    }

    pub fn status(&self) -> StatusCode {
        self.code().status()
    }

    /// The error as a client is told it: its code, message and extensions. An internal
    /// error's detail is logged here, where it leaves for a client, and shown to nobody.
    pub fn to_client(&self) -> ClientError {
        let error = ClientError::new(self.code(), self.to_string());
        match self {
            ServiceError::BadInput { field, .. } => error.with("field", field.as_str()),
            ServiceError::Conflict { current, .. } => error.with("currentVersion", *current),
            ServiceError::RateLimited { retry_after } => {
                error.with("retryAfterSeconds", retry_after.as_secs_f64().ceil().max(1.0) as u64)
            }
            ServiceError::Internal(detail) => {
                tracing::error!(error = ?detail, "internal error");
                error
            }
            ServiceError::NotFound(_) | ServiceError::Unauthenticated(_) | ServiceError::Forbidden(_) => error,
        }
    }
}

/// An error as a client sees it, whatever the format: a message, and extensions that always
/// hold `code`.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientError {
    pub code: ErrorCode,
    pub message: String,
    /// `code` first, then what the code adds (`field`, `currentVersion`, `retryAfterSeconds`).
    pub extensions: Map<String, Json>,
}

impl ClientError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        let mut extensions = Map::new();
        extensions.insert("code".into(), code.as_str().into());
        ClientError { code, message: message.into(), extensions }
    }

    pub fn with(mut self, key: &str, value: impl Into<Json>) -> Self {
        self.extensions.insert(key.into(), value.into());
        self
    }

    pub fn status(&self) -> StatusCode {
        self.code.status()
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;
