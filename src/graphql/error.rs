//! The error policy: every error a client sees carries `extensions.code`; internal detail goes
//! to the log only.

use std::sync::Arc;

use async_graphql::{ErrorExtensionValues, ServerError, Value};

use crate::service::{ClientError, ErrorCode, ServiceError};

/// A service error as a resolver returns it.
pub fn to_graphql(error: ServiceError) -> async_graphql::Error {
    let mut graphql = from_client(error.to_client());
    if error.is_connection_lost() {
        graphql.source = Some(Arc::new(ConnectionLost));
    } else if error.is_replica_unavailable() {
        graphql.source = Some(Arc::new(ReplicaUnavailable));
    }
    graphql
}

/// An error a resolver or the executor returns with `code` (and nothing else to add).
pub fn coded(code: ErrorCode, message: impl Into<String>) -> async_graphql::Error {
    from_client(ClientError::new(code, message))
}

/// An error of the request as a whole (no path), as the GraphQL JSON writer takes it.
pub fn server_error(error: ClientError) -> ServerError {
    let mut server = ServerError::new(error.message, None);
    server.extensions = Some(extension_values(error.extensions));
    server
}

fn from_client(error: ClientError) -> async_graphql::Error {
    async_graphql::Error { message: error.message, source: None, extensions: Some(extension_values(error.extensions)) }
}

fn extension_values(extensions: serde_json::Map<String, serde_json::Value>) -> ErrorExtensionValues {
    let mut values = ErrorExtensionValues::default();
    for (key, value) in extensions {
        values.set(key, Value::from_json(value).unwrap_or(Value::Null));
    }
    values
}

/// Marks (as its `source`, which clients never see) an error that only says the database
/// connection was lost, so that a query failing with nothing else can be run again.
#[derive(Debug)]
pub struct ConnectionLost;

/// Whether every error of `response` is a lost database connection (and there is one).
pub fn only_connection_lost(response: &async_graphql::Response) -> bool {
    !response.errors.is_empty() && response.errors.iter().all(|e| e.source::<ConnectionLost>().is_some())
}

/// Marks an error that a read replica may cause and the primary may not (see
/// `ServiceError::is_replica_unavailable`; a lost connection is marked `ConnectionLost`).
#[derive(Debug)]
pub struct ReplicaUnavailable;

/// Whether every error of `response` is one the primary may not meet (a lost connection, or a
/// replica that could not be reached or cancelled the statement), and there is one.
pub fn only_replica_unavailable(response: &async_graphql::Response) -> bool {
    !response.errors.is_empty()
        && response
            .errors
            .iter()
            .all(|e| e.source::<ConnectionLost>().is_some() || e.source::<ReplicaUnavailable>().is_some())
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
pub fn with_code(mut error: ServerError, code: ErrorCode) -> ServerError {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        extensions.set("code", code.as_str());
    }
    error
}
