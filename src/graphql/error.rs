//! The error policy: every error a client sees carries `extensions.code`; internal detail goes
//! to the log only.

use std::sync::Arc;

use async_graphql::{ErrorExtensions, ServerError};

use crate::service::ServiceError;

pub fn to_graphql(error: ServiceError) -> async_graphql::Error {
    match error {
        ServiceError::BadInput { field, message } => async_graphql::Error::new(format!("{field}: {message}"))
            .extend_with(|_, e| {
                e.set("code", "BAD_USER_INPUT");
                e.set("field", field.as_str());
            }),
        ServiceError::NotFound(what) => {
            async_graphql::Error::new(format!("{what} not found")).extend_with(|_, e| e.set("code", "NOT_FOUND"))
        }
        ServiceError::Unauthenticated(message) => {
            async_graphql::Error::new(message).extend_with(|_, e| e.set("code", "UNAUTHENTICATED"))
        }
        ServiceError::Forbidden(message) => {
            async_graphql::Error::new(message).extend_with(|_, e| e.set("code", "FORBIDDEN"))
        }
        error @ ServiceError::Conflict { current, .. } => {
            async_graphql::Error::new(error.to_string()).extend_with(|_, e| {
                e.set("code", "CONFLICT");
                e.set("currentVersion", current);
            })
        }
        error @ ServiceError::RateLimited { retry_after } => {
            let seconds = retry_after.as_secs_f64().ceil().max(1.0) as u64;
            async_graphql::Error::new(error.to_string()).extend_with(|_, e| {
                e.set("code", "RATE_LIMITED");
                e.set("retryAfterSeconds", seconds);
            })
        }
        error @ ServiceError::Internal(_) => {
            let lost = error.is_connection_lost();
            let ServiceError::Internal(detail) = error else { unreachable!("matched above") };
            tracing::error!(error = ?detail, "internal error");
            let mut error = async_graphql::Error::new("internal error").extend_with(|_, e| e.set("code", "INTERNAL"));
            if lost {
                error.source = Some(Arc::new(ConnectionLost));
            }
            error
        }
    }
}

/// Marks (as its `source`, which clients never see) an error that only says the database
/// connection was lost, so that a query failing with nothing else can be run again.
#[derive(Debug)]
pub struct ConnectionLost;

/// Whether every error of `response` is a lost database connection (and there is one).
pub fn only_connection_lost(response: &async_graphql::Response) -> bool {
    !response.errors.is_empty() && response.errors.iter().all(|e| e.source::<ConnectionLost>().is_some())
}

/// `?` on a `ServiceResult` inside a resolver.
pub trait OrGraphqlError<T> {
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> OrGraphqlError<T> for Result<T, ServiceError> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(to_graphql)
    }
}

/// Marks a request error (one raised before execution) with its code unless it has one.
pub fn with_code(mut error: ServerError, code: &str) -> ServerError {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        extensions.set("code", code);
    }
    error
}
