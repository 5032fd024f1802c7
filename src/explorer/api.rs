//! Running a GraphQL document against the in-process schema with the request data an anonymous
//! HTTP caller gets, and reading its `data` into the page's own serde structs.

use std::net::IpAddr;

use async_graphql::{Request, Variables};
use serde::de::DeserializeOwned;
use serde_json::Value as Json;

use super::ExplorerState;
use crate::graphql::{Caller, ClientAddress, RequestContext};
use crate::service::ErrorCode;

/// Why a page could not be made.
#[derive(Debug)]
pub enum PageError {
    /// A query-string parameter (named) has a value the page cannot use.
    BadInput {
        field: String,
        message: String,
    },
    NotFound(String),
    /// The API refused: too many requests from this address; try again after so many seconds.
    RateLimited(Option<u64>),
    /// The API refused the credentials (a sign-in that did not check out), in its own words.
    Unauthenticated(String),
    /// The signed-in editor may not do this (an admin's page or mutation), in the API's words.
    Forbidden(String),
    /// Someone saved the entry first: the version the editor saw is no longer the current one.
    Conflict,
    /// Logged with detail where it happens; the reader sees a generic message.
    Internal,
}

impl PageError {
    pub fn bad_input(field: &str, message: impl Into<String>) -> Self {
        PageError::BadInput { field: field.to_owned(), message: message.into() }
    }

    /// The code of the API's error the page stands for; its status is the code's.
    pub fn code(&self) -> ErrorCode {
        match self {
            PageError::BadInput { .. } => ErrorCode::BadUserInput,
            PageError::NotFound(_) => ErrorCode::NotFound,
            PageError::RateLimited(_) => ErrorCode::RateLimited,
            PageError::Unauthenticated(_) => ErrorCode::Unauthenticated,
            PageError::Forbidden(_) => ErrorCode::Forbidden,
            PageError::Conflict => ErrorCode::Conflict,
            PageError::Internal => ErrorCode::Internal,
        }
    }
}

/// Executes `document` as an anonymous caller from `client` and deserializes its `data`.
pub async fn run<T: DeserializeOwned>(
    state: &ExplorerState,
    client: IpAddr,
    document: &str,
    variables: Json,
) -> Result<T, PageError> {
    run_as(state, Caller::Anonymous, client, document, variables).await
}

/// Executes `document` as `caller` from `client` and deserializes its `data`. A
/// BAD_USER_INPUT answer becomes `BadInput` (the API names the field), RATE_LIMITED
/// `RateLimited`, UNAUTHENTICATED `Unauthenticated`, FORBIDDEN `Forbidden`, CONFLICT `Conflict`,
/// NOT_FOUND `NotFound` (say, an entry deleted by someone else since the page was opened);
/// anything else is logged and becomes `Internal`.
pub async fn run_as<T: DeserializeOwned>(
    state: &ExplorerState,
    caller: Caller,
    client: IpAddr,
    document: &str,
    variables: Json,
) -> Result<T, PageError> {
    let request = Request::new(document).variables(Variables::from_json(variables));
    let context = RequestContext::new(caller, ClientAddress(client), state.answer_limits);
    let (_, response, rows) = state.api.run_counted(request, &context).await;
    crate::service::query_budget::rows_loaded(rows);
    if let Some(error) = response.errors.first() {
        let error = serde_json::to_value(error).unwrap_or_default();
        let extensions = &error["extensions"];
        match extensions["code"].as_str().and_then(ErrorCode::parse) {
            Some(ErrorCode::BadUserInput) => {
                let field = extensions["field"].as_str().unwrap_or("filter").to_owned();
                let message = error["message"].as_str().unwrap_or("invalid input").to_owned();
                return Err(PageError::BadInput { field, message });
            }
            Some(ErrorCode::Unauthenticated) => {
                return Err(PageError::Unauthenticated(
                    error["message"].as_str().unwrap_or("not signed in").to_owned(),
                ));
            }
            Some(ErrorCode::Conflict) => return Err(PageError::Conflict),
            Some(ErrorCode::NotFound) => {
                return Err(PageError::NotFound(error["message"].as_str().unwrap_or("not found").to_owned()));
            }
            Some(ErrorCode::Forbidden) => {
                return Err(PageError::Forbidden(error["message"].as_str().unwrap_or("not allowed").to_owned()));
            }
            Some(ErrorCode::RateLimited) => {
                return Err(PageError::RateLimited(extensions["retryAfterSeconds"].as_u64()));
            }
            _ => {
                tracing::error!(%error, "an explorer query failed");
                return Err(PageError::Internal);
            }
        }
    }
    let data = response.data.into_json().map_err(|error| {
        tracing::error!(%error, "an explorer query's data is not JSON");
        PageError::Internal
    })?;
    serde_json::from_value(data).map_err(|error| {
        tracing::error!(%error, "an explorer query's data has an unexpected shape");
        PageError::Internal
    })
}
