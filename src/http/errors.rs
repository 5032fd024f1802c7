//! How the HTTP surface writes an error, one writer per format: GraphQL JSON (`/graphql`: the
//! `errors` array, each error with `extensions.code`) and the export's (the same array as
//! `application/json`, with the error's own status: the exports and the feed). The explorer's
//! pages write theirs as HTML (`explorer::error_page`). Codes, statuses and extensions come
//! from `service::ErrorCode` and `ServiceError::to_client`.

use async_graphql::{ServerError, Value};
use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use super::negotiate::MediaType;
use crate::graphql::server_error;
use crate::service::{ClientError, Overload};

/// A GraphQL response body, serialized straight from the executor's values: no intermediate
/// JSON tree, and object keys in the order the query selected them.
#[derive(serde::Serialize)]
pub(super) struct Body<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<&'a Value>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub errors: &'a [ServerError],
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub extensions: &'a std::collections::BTreeMap<String, Value>,
}

/// The body of an answer that is `errors` alone (with `data: null` when execution started).
pub(super) fn errors_body(data: Option<&Value>, errors: &[ServerError]) -> Vec<u8> {
    let no_extensions = Default::default();
    // Errors are strings and plain JSON values: they always serialize.
    serde_json::to_vec(&Body { data, errors, extensions: &no_extensions }).unwrap_or_default()
}

/// GraphQL JSON: an answer of request errors only, refused before GraphQL ran.
pub(super) fn graphql(status: StatusCode, media: MediaType, errors: Vec<ClientError>) -> Response {
    let errors: Vec<ServerError> = errors.into_iter().map(server_error).collect();
    (status, [(header::CONTENT_TYPE, media.content_type())], errors_body(None, &errors)).into_response()
}

/// The export's error (the feed's too): the GraphQL error body as `application/json`, with the
/// status of the error's code.
pub(super) fn export(error: ClientError) -> Response {
    let status = error.status();
    let body = errors_body(None, &[server_error(error)]);
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// A refusal for load, in plain text with `Retry-After`.
pub(super) fn overload(refusal: Overload) -> Response {
    let mut response = (refusal.status(), refusal.message()).into_response();
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static(refusal.retry_after()));
    response
}
