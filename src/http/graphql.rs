//! `/graphql` per the GraphQL-over-HTTP specification: POST for everything, GET for queries only
//! (and GraphiQL for browsers), `application/graphql-response+json` with 4xx statuses for request
//! errors, `application/json` with 200, no batching, and every error with `extensions.code`.
//!
//! A request's way: its parameters (JSON body or query string), its query (Apollo's persisted
//! queries, `persisted`), its caller (`request::caller`: a Bearer token, or anonymous), then the response cache for
//! anonymous requests (`response_cache`) around the schema's run. Anonymous GET answers carry an
//! `ETag` and `Cache-Control: public, max-age` so that browsers and CDNs can keep and revalidate
//! them; editors' answers are `private, no-store`. An answer made only of past reads can never
//! change (`Api::only_past_reads`): its `ETag` is strong and it may be kept for a year.

use std::collections::HashMap;

use async_graphql::{Request, Response, ServerError, Variables, parser::types::OperationType};
use axum::{
    body::Bytes,
    extract::{RawQuery, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response as HttpResponse},
};
use serde_json::{Map, Value as Json};

use super::AppState;
use super::errors::{self, Body};
use super::metering;
use super::negotiate::{MediaType, is_json_body, preferred_coding, response_type, wants_html};
use super::persisted::Refusal;
use super::response_cache::{Answer, Served, etag_of};
use crate::graphql::{
    AnswerLimits, Caller, ClientAddress, RequestContext, is_request_error, refusal, server_error, to_json_within,
    with_code,
};
use crate::graphql::{Ask, BudgetView};
use crate::metrics::CacheResult;
use crate::request::Refused;
use crate::service::query_budget::{Account, Payer, cost_of_rows};
use crate::service::{ClientError, ErrorCode, ServiceError};

/// A failure before GraphQL runs: malformed HTTP, JSON or parameters.
fn reject(status: StatusCode, media: MediaType, message: &str) -> HttpResponse {
    errors::graphql(status, media, vec![ClientError::new(ErrorCode::BadRequest, message)])
}

/// The GraphQL request's parameters, from a JSON body or a query string. The query may be left
/// out when `extensions.persistedQuery` names it.
struct Params {
    query: Option<String>,
    variables: Option<Map<String, Json>>,
    operation_name: Option<String>,
    extensions: Option<Map<String, Json>>,
}

fn params_from_json(body: Json) -> Result<Params, &'static str> {
    let Json::Object(mut body) = body else {
        return Err("the body must be one JSON object (batches are not supported)");
    };
    let query = match body.remove("query") {
        Some(Json::String(q)) => Some(q),
        None | Some(Json::Null) => None,
        Some(_) => return Err("`query` must be a string"),
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
    let query = pairs.remove("query");
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

/// A request refused before GraphQL runs because of its credentials: a GraphQL response body
/// with the error's code and status (401, or 500 if the check itself failed).
fn refuse(error: ServiceError, media: MediaType) -> HttpResponse {
    let mut response = errors::graphql(error.status(), media, vec![error.to_client()]);
    response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

/// Runs a request whose parameters were read: finds its query, checks its caller, and answers
/// from the response cache or by running it.
async fn execute(
    state: &AppState,
    method: Method,
    headers: &HeaderMap,
    caller: Result<Caller, Refused>,
    address: ClientAddress,
    params: Params,
    media: MediaType,
) -> HttpResponse {
    let query = match state.persisted.resolve(params.query, params.extensions.as_ref()) {
        Ok(query) => query,
        Err(Refusal::NotFound) => return not_found(media),
        Err(Refusal::BadRequest(message)) => return reject(StatusCode::BAD_REQUEST, media, message),
    };
    // GET must refuse a mutation before it runs, so it learns the operation's type here (the
    // parsed document is kept for the run); POST learns it only when it runs.
    let operation =
        if method == Method::GET { state.api.operation_type(&query, params.operation_name.as_deref()) } else { None };
    if matches!(operation, Some(OperationType::Mutation | OperationType::Subscription)) {
        let mut response =
            reject(StatusCode::METHOD_NOT_ALLOWED, media, "GET runs queries only: send mutations with POST");
        response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    let caller = match caller {
        Ok(caller) => caller,
        Err(Refused(error)) => return refuse(error, media),
    };
    let anonymous = matches!(caller, Caller::Anonymous);
    // The query budget: priced from the document, 1 point charged before anything runs (none
    // for `rateLimit` alone or a dry run), the rows loaded settled after.
    let payer = Payer::of(&caller, address);
    let variables = Variables::from_json(Json::Object(params.variables.clone().unwrap_or_default()));
    let ask = state
        .api
        .ask(&query, params.operation_name.as_deref(), &variables)
        .unwrap_or(Ask { price: 1, ..Ask::default() });
    // Whether the answer can never change, which only an anonymous GET's headers say.
    let lasting = method == Method::GET
        && anonymous
        && state.api.only_past_reads(&query, params.operation_name.as_deref(), &variables);
    let upfront = if ask.only || ask.dry_run { 0 } else { 1 };
    let charged = state.budget.charge(&payer, upfront).await;
    if let Some(account) = charged.filter(|a| !a.allowed) {
        return over_budget(media, account);
    }
    let account = std::sync::Mutex::new(charged);
    let key = if anonymous && !ask.mentions {
        state.cache.key(&query, params.operation_name.as_deref(), params.variables.as_ref())
    } else {
        None
    };
    // Built and run only when the cache has no answer.
    let run = async {
        let mut request = Request::new(query).variables(variables);
        if let Some(name) = params.operation_name {
            request = request.operation_name(name);
        }
        for (k, v) in params.extensions.unwrap_or_default() {
            if k == "persistedQuery" {
                continue;
            }
            if let Ok(value) = async_graphql::Value::from_json(v) {
                request.extensions.insert(k, value);
            }
        }
        let mut context = RequestContext::new(caller, address, state.answer_limits);
        context.budget = charged.map(|account| BudgetView { account, cost: ask.price });
        context.dry_run = ask.dry_run;
        let (operation, response, rows) = state.api.run_counted(request, &context).await;
        let rows_cost = cost_of_rows(rows) - 1;
        if rows_cost > 0 && charged.is_some() {
            let settled = state.budget.settle(&payer, rows_cost).await;
            *account.lock().unwrap_or_else(|p| p.into_inner()) = settled;
        }
        render(response, operation == Some(OperationType::Query), state.answer_limits)
    };
    let (served, result) = match key {
        Some(key) => state.cache.answer(key, run).await,
        None => (Served::Once(run.await), CacheResult::Bypass),
    };
    state.metrics.observe_cache(result);
    let reuse = (method == Method::GET).then_some(Reuse { anonymous, max_age: state.cache_max_age, lasting });
    let mut response = respond(served, media, headers, reuse);
    if let Some(account) = account.into_inner().unwrap_or_else(|p| p.into_inner()) {
        metering::headers(response.headers_mut(), &account);
    }
    response
}

/// Past the budget: RATE_LIMITED with `retryAfterSeconds`, `Retry-After` and the figures.
fn over_budget(media: MediaType, account: Account) -> HttpResponse {
    let refusal = account.refusal();
    let wait = metering::wait(&refusal);
    let mut response = errors::graphql(refusal.status(), media, vec![refusal]);
    metering::refusal_headers(response.headers_mut(), wait, &account);
    response
}

/// The hash of an Apollo persisted query is not known here: the client sends the query again.
fn not_found(media: MediaType) -> HttpResponse {
    let status = if media == MediaType::GraphqlResponse { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    errors::graphql(status, media, vec![ClientError::new(ErrorCode::PersistedQueryNotFound, "PersistedQueryNotFound")])
}

/// The response body, with every error given its code; cacheable when it is a query's data
/// without errors. An answer past the byte limit is refused instead: serializing stops there.
fn render(mut response: Response, is_query: bool, limits: AnswerLimits) -> Answer {
    let request_error = is_request_error(&response);
    // `Api` has coded every request error; an execution error without a code is the client's input.
    let errors: Vec<ServerError> =
        std::mem::take(&mut response.errors).into_iter().map(|e| with_code(e, ErrorCode::BadUserInput)).collect();
    let cacheable = is_query && errors.is_empty();
    let no_extensions = Default::default();
    let body = if request_error {
        Body { data: None, errors: &errors, extensions: &no_extensions }
    } else {
        Body { data: Some(&response.data), errors: &errors, extensions: &response.extensions }
    };
    match to_json_within(&body, limits.max_bytes) {
        Ok(Some(body)) => Answer { body: Bytes::from(body), request_error, cacheable },
        // The refusal itself is a few hundred bytes, whatever the limit.
        Ok(None) => render(refusal(limits), false, AnswerLimits { max_bytes: usize::MAX, ..limits }),
        Err(error) => {
            tracing::error!(%error, "a GraphQL response did not serialize");
            let internal = server_error(ClientError::new(ErrorCode::Internal, "internal error"));
            let body = errors::errors_body(Some(&async_graphql::Value::Null), &[internal]);
            Answer { body: Bytes::from(body), request_error: false, cacheable: false }
        }
    }
}

/// What a GET answer says about being kept by browsers and CDNs.
struct Reuse {
    anonymous: bool,
    max_age: u32,
    /// It reads only the past, so it can never change: a strong tag, and kept for a year.
    lasting: bool,
}

/// How long an answer that can never change may be kept: a year, without revalidating.
const KEPT_FOR_GOOD: &str = "public, max-age=31536000, immutable";

fn respond(served: Served, media: MediaType, headers: &HeaderMap, reuse: Option<Reuse>) -> HttpResponse {
    let (body, request_error, cacheable, kept) = match served {
        Served::Kept(kept) => (kept.body.clone(), false, true, Some(kept)),
        Served::Once(answer) => (answer.body, answer.request_error, answer.cacheable, None),
    };
    let status =
        if request_error && media == MediaType::GraphqlResponse { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    // A kept answer goes out in the coding the client takes, compressed once for all clients
    // (other answers are left to the compression layer).
    let coded = kept.as_ref().and_then(|kept| {
        let coding = preferred_coding(headers)?;
        Some((coding, kept.coded(coding)?))
    });
    let etag = match (&reuse, cacheable) {
        (Some(reuse), true) if reuse.anonymous => {
            Some(kept.map_or_else(|| etag_of(&body, reuse.lasting), |k| k.etag(reuse.lasting)))
        }
        _ => None,
    };
    let unchanged = etag.as_ref().is_some_and(|etag| if_none_match(headers, etag));
    let mut response = if unchanged {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let body = coded.as_ref().map_or(body, |(_, coded)| coded.clone());
        (status, [(header::CONTENT_TYPE, media.content_type())], body).into_response()
    };
    let out = response.headers_mut();
    if let Some((coding, _)) = coded.filter(|_| !unchanged) {
        out.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding.token()));
        out.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    let Some(reuse) = reuse else { return response };
    let cache_control = match (reuse.anonymous, &etag) {
        (false, _) => HeaderValue::from_static("private, no-store"),
        (true, None) => HeaderValue::from_static("no-store"),
        (true, Some(_)) if reuse.lasting => HeaderValue::from_static(KEPT_FOR_GOOD),
        (true, Some(_)) => {
            HeaderValue::from_str(&format!("public, max-age={}", reuse.max_age)).expect("a number is a valid header")
        }
    };
    out.insert(header::CACHE_CONTROL, cache_control);
    out.insert(header::VARY, HeaderValue::from_static(VARY));
    if let Some(etag) = etag {
        out.insert(header::ETAG, etag);
    }
    response
}

/// What a GET answer depends on besides its URL.
const VARY: &str = "accept, accept-encoding, authorization";

/// Whether the request's `If-None-Match` names `etag` (weak comparison, as for GET).
pub(super) fn if_none_match(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let ours = etag.to_str().unwrap_or_default().trim_start_matches("W/");
    headers.get_all(header::IF_NONE_MATCH).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(
        |tag| {
            let tag = tag.trim();
            tag == "*" || tag.trim_start_matches("W/") == ours
        },
    )
}

pub async fn post(
    State(state): State<AppState>,
    caller: Result<Caller, Refused>,
    address: ClientAddress,
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
        Ok(params) => execute(&state, Method::POST, &headers, caller, address, params, media).await,
        Err(message) => reject(StatusCode::BAD_REQUEST, media, message),
    }
}

pub async fn get(
    State(state): State<AppState>,
    caller: Result<Caller, Refused>,
    address: ClientAddress,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> HttpResponse {
    let raw = raw.unwrap_or_default();
    if wants_html(&headers) && !raw.contains("query=") {
        return super::graphiql::page();
    }
    let Some(media) = response_type(&headers) else {
        return reject(
            StatusCode::NOT_ACCEPTABLE,
            MediaType::Json,
            "acceptable: application/graphql-response+json, application/json",
        );
    };
    let mut response = match params_from_query_string(&raw) {
        Ok(params) => execute(&state, Method::GET, &headers, caller, address, params, media).await,
        Err(message) => reject(StatusCode::BAD_REQUEST, media, message),
    };
    // Refusals made before the answer knew its caller are not for keeping either.
    let headers = response.headers_mut();
    headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    headers.entry(header::VARY).or_insert(HeaderValue::from_static(VARY));
    response
}
