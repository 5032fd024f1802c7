//! `/graphql` per the GraphQL-over-HTTP specification: POST for everything, GET for queries only
//! (and GraphiQL for browsers), `application/graphql-response+json` with 4xx statuses for request
//! errors, `application/json` with 200, no batching, and every error with `extensions.code`.

use std::{collections::HashMap, net::SocketAddr};

use async_graphql::{
    Request, Response, ServerError, Variables,
    http::GraphiQLSource,
    parser::{parse_query, types::OperationType},
};
use axum::{
    body::Bytes,
    extract::{ConnectInfo, RawQuery, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response as HttpResponse},
};
use serde_json::{Map, Value as Json, json};

use super::AppState;
use super::client::client_address;
use super::negotiate::{MediaType, is_json_body, response_type, wants_html};
use crate::graphql::{Caller, ClientAddress, is_request_error, operation_type, request_loader, to_graphql, with_code};
use crate::service::{ServiceError, editors};

/// A failure before GraphQL runs: malformed HTTP, JSON or parameters.
fn reject(status: StatusCode, media: MediaType, message: &str) -> HttpResponse {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": "BAD_REQUEST" } }] });
    (status, [(header::CONTENT_TYPE, media.content_type())], body.to_string()).into_response()
}

/// The GraphQL request's parameters, from a JSON body or a query string.
struct Params {
    query: String,
    variables: Option<Map<String, Json>>,
    operation_name: Option<String>,
    extensions: Option<Map<String, Json>>,
}

fn params_from_json(body: Json) -> Result<Params, &'static str> {
    let Json::Object(mut body) = body else {
        return Err("the body must be one JSON object (batches are not supported)");
    };
    let query = match body.remove("query") {
        Some(Json::String(q)) => q,
        Some(_) => return Err("`query` must be a string"),
        None => return Err("the body has no `query`"),
    };
    let variables = match body.remove("variables") {
        None | Some(Json::Null) => None,
        Some(Json::Object(v)) => Some(v),
        Some(_) => return Err("`variables` must be an object"),
    };
    let operation_name = match body.remove("operationName") {
        None | Some(Json::Null) => None,
        Some(Json::String(n)) => Some(n),
        Some(_) => return Err("`operationName` must be a string"),
    };
    let extensions = match body.remove("extensions") {
        None | Some(Json::Null) => None,
        Some(Json::Object(e)) => Some(e),
        Some(_) => return Err("`extensions` must be an object"),
    };
    Ok(Params { query, variables, operation_name, extensions })
}

fn params_from_query_string(raw: &str) -> Result<Params, &'static str> {
    let mut pairs: HashMap<String, String> = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(raw.as_bytes()) {
        pairs.entry(k.into_owned()).or_insert_with(|| v.into_owned());
    }
    let query = pairs.remove("query").ok_or("the request has no `query` parameter")?;
    let object = |name: &'static str, text: Option<String>| -> Result<Option<Map<String, Json>>, &'static str> {
        match text.as_deref().map(serde_json::from_str::<Json>) {
            None => Ok(None),
            Some(Ok(Json::Null)) => Ok(None),
            Some(Ok(Json::Object(o))) => Ok(Some(o)),
            Some(_) => Err(name),
        }
    };
    let variables = object("`variables` must be a JSON object", pairs.remove("variables"))?;
    let extensions = object("`extensions` must be a JSON object", pairs.remove("extensions"))?;
    Ok(Params { query, variables, operation_name: pairs.remove("operationName"), extensions })
}

/// The type of the operation the request would run, if the document parses and names one.
fn requested_operation(params: &Params) -> Option<OperationType> {
    let document = parse_query(&params.query).ok()?;
    operation_type(&document, params.operation_name.as_deref())
}

/// The caller the `Authorization` header names: anonymous without one, an editor for a token
/// that checks out, and an error for anything else (never silently anonymous).
pub(super) async fn caller(state: &AppState, headers: &HeaderMap) -> Result<Caller, ServiceError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else { return Ok(Caller::Anonymous) };
    let value = value.to_str().map_err(|_| malformed_authorization())?;
    authorized(state, value).await
}

fn malformed_authorization() -> ServiceError {
    ServiceError::Unauthenticated("the Authorization header must be `Bearer <token>`".into())
}

/// The editor an authorization value (`Bearer <token>`, from a header or a websocket's
/// `connection_init`) names, if the token checks out.
pub(super) async fn authorized(state: &AppState, value: &str) -> Result<Caller, ServiceError> {
    let (scheme, token) = value.trim().split_once(' ').ok_or_else(malformed_authorization)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(malformed_authorization());
    }
    let editor = editors::authenticate(&state.db, &state.keys, token.trim()).await?;
    Ok(Caller::Editor(Box::new(editor)))
}

/// A request refused before GraphQL runs because of its credentials: a GraphQL response body
/// with the error's code, status 401 (or 500 if the check itself failed).
fn refuse(error: ServiceError, media: MediaType) -> HttpResponse {
    let status = if matches!(error, ServiceError::Internal(_)) {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::UNAUTHORIZED
    };
    let error = to_graphql(error);
    let body = json!({ "errors": [{ "message": error.message, "extensions": error.extensions }] });
    let mut response = (status, [(header::CONTENT_TYPE, media.content_type())], body.to_string()).into_response();
    response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

async fn execute(
    state: &AppState,
    headers: &HeaderMap,
    client: SocketAddr,
    params: Params,
    media: MediaType,
) -> HttpResponse {
    let caller = match caller(state, headers).await {
        Ok(caller) => caller,
        Err(error) => return refuse(error, media),
    };
    let mut request = Request::new(params.query)
        .variables(Variables::from_json(Json::Object(params.variables.unwrap_or_default())))
        .data(request_loader(state.db.clone(), caller.audience()))
        .data(caller)
        .data(ClientAddress(client_address(&state.trusted_proxies, client.ip(), headers)));
    if let Some(name) = params.operation_name {
        request = request.operation_name(name);
    }
    if let Some(extensions) = params.extensions {
        for (k, v) in extensions {
            if let Ok(value) = async_graphql::Value::from_json(v) {
                request.extensions.insert(k, value);
            }
        }
    }
    let response = state.schema.execute(request).await;
    respond(response, media)
}

/// A response body, serialized straight from the executor's values: no intermediate JSON tree,
/// and object keys in the order the query selected them.
#[derive(serde::Serialize)]
struct Body<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a async_graphql::Value>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [ServerError],
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    extensions: &'a std::collections::BTreeMap<String, async_graphql::Value>,
}

fn respond(mut response: Response, media: MediaType) -> HttpResponse {
    let request_error = is_request_error(&response);
    let default_code = if request_error { "GRAPHQL_VALIDATION_FAILED" } else { "BAD_USER_INPUT" };
    let errors: Vec<ServerError> =
        std::mem::take(&mut response.errors).into_iter().map(|e| with_code(e, default_code)).collect();
    let no_extensions = Default::default();
    let body = if request_error {
        Body { data: None, errors: &errors, extensions: &no_extensions }
    } else {
        Body { data: Some(&response.data), errors: &errors, extensions: &response.extensions }
    };
    let body = match serde_json::to_vec(&body) {
        Ok(body) => body,
        Err(error) => {
            tracing::error!(%error, "a GraphQL response did not serialize");
            let body = json!({ "errors": [{ "message": "internal error", "extensions": { "code": "INTERNAL" } }] });
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, media.content_type())],
                body.to_string(),
            )
                .into_response();
        }
    };
    let status =
        if request_error && media == MediaType::GraphqlResponse { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    (status, [(header::CONTENT_TYPE, media.content_type())], body).into_response()
}

pub async fn post(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> HttpResponse {
    let Some(media) = response_type(&headers) else {
        return reject(
            StatusCode::NOT_ACCEPTABLE,
            MediaType::Json,
            "acceptable: application/graphql-response+json, application/json",
        );
    };
    if !is_json_body(&headers) {
        return reject(StatusCode::UNSUPPORTED_MEDIA_TYPE, media, "the body must be application/json");
    }
    let parsed = match serde_json::from_slice::<Json>(&body) {
        Ok(json) => json,
        Err(_) => return reject(StatusCode::BAD_REQUEST, media, "the body is not valid JSON"),
    };
    match params_from_json(parsed) {
        Ok(params) => execute(&state, &headers, client, params, media).await,
        Err(message) => reject(StatusCode::BAD_REQUEST, media, message),
    }
}

pub async fn get(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> HttpResponse {
    let raw = raw.unwrap_or_default();
    if wants_html(&headers) && !raw.contains("query=") {
        return Html(GraphiQLSource::build().endpoint("/graphql").title("AI Tracker — GraphiQL").finish())
            .into_response();
    }
    let Some(media) = response_type(&headers) else {
        return reject(
            StatusCode::NOT_ACCEPTABLE,
            MediaType::Json,
            "acceptable: application/graphql-response+json, application/json",
        );
    };
    let params = match params_from_query_string(&raw) {
        Ok(params) => params,
        Err(message) => return reject(StatusCode::BAD_REQUEST, media, message),
    };
    if matches!(requested_operation(&params), Some(OperationType::Mutation | OperationType::Subscription)) {
        let mut response =
            reject(StatusCode::METHOD_NOT_ALLOWED, media, "GET runs queries only: send mutations with POST");
        response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    execute(&state, &headers, client, params, media).await
}
