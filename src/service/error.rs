use std::sync::Arc;

/// Every way a service call can fail. The GraphQL layer turns each into an error with an
/// `extensions.code`; `Internal` keeps its detail for the log and never shows it to a client.
#[derive(Clone, Debug, thiserror::Error)]
pub enum ServiceError {
    /// The caller sent something invalid; `field` names the argument or input field.
    #[error("{field}: {message}")]
    BadInput { field: String, message: String },
    #[error("{0} not found")]
    NotFound(String),
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
