use std::{sync::Arc, time::Duration};

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
}

impl From<sea_orm::DbErr> for ServiceError {
    fn from(error: sea_orm::DbErr) -> Self {
        ServiceError::internal(error)
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;
