//! The query budget for every answer that is not `/graphql`'s: the explorer's pages (the
//! editors' workspace included), the exports, the feed, the static assets (the stylesheet,
//! GraphiQL's scripts), and paths that do not exist. Each costs 1 point before it runs and, once it has run, 1 more per 100
//! catalog rows it loaded, as a GraphQL operation does (`service::query_budget`), and carries
//! the same `X-RateLimit-*` headers. Past the budget the answer is 429 with `Retry-After`, in
//! the route's own format (an HTML page, or the exports' JSON errors).
//!
//! Not metered here: `/graphql` and `/graphql/ws`, which charge each operation themselves (with
//! its price, and its rows settled before the answer's headers are written; GraphiQL's page,
//! which `/graphql` serves to browsers, is free), and the operators'
//! endpoints, `/healthz`, `/readyz` and `/metrics`: a load balancer's health checks must not
//! be refused by a budget, and readiness must not wait on the limit store.

use axum::{
    extract::{FromRequestParts, Request, State},
    http::{HeaderMap, HeaderValue, header},
    middleware::Next,
    response::Response,
};

use super::AppState;
use super::errors;
use crate::service::query_budget::{self, Account, Payer, cost_of_rows};
use crate::service::{Caller, ClientAddress, ClientError};

/// Whether the answer to `path` is charged here.
fn metered(path: &str) -> bool {
    !matches!(path, "/graphql" | "/graphql/ws" | "/healthz" | "/readyz" | "/metrics")
}

/// Whether `path` answers in the exports' JSON (else an HTML page).
fn answers_json(path: &str) -> bool {
    path.starts_with("/export/") || path == "/feed.atom"
}

pub async fn meter(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if !metered(path) {
        return next.run(request).await;
    }
    let json = answers_json(path);
    let (mut parts, body) = request.into_parts();
    // A token that does not check out is the route's to refuse; its request is charged to the
    // address meanwhile. A caller that checks out, and the payer, are kept for the route (its
    // `Caller` extractor, and an export charging the pages it streams).
    let caller = Caller::from_request_parts(&mut parts, &state).await.ok();
    let Ok(address) = ClientAddress::from_request_parts(&mut parts, &state).await else {
        // Only a server started without peer addresses lacks one; the route answers as it would.
        return next.run(Request::from_parts(parts, body)).await;
    };
    let payer = Payer::of(caller.as_ref().unwrap_or(&Caller::Anonymous), address);
    if let Some(caller) = caller {
        parts.extensions.insert(caller);
    }
    parts.extensions.insert(payer.clone());
    let charged = state.budget.charge(&payer, 1).await;
    if let Some(account) = charged.filter(|a| !a.allowed) {
        return over_budget(json, account);
    }
    let (mut response, rows) = query_budget::counting_rows(next.run(Request::from_parts(parts, body))).await;
    let rows_cost = cost_of_rows(rows) - 1;
    let account = match charged {
        Some(_) if rows_cost > 0 => state.budget.settle(&payer, rows_cost).await,
        charged => charged,
    };
    if let Some(account) = account {
        headers(response.headers_mut(), &account);
    }
    response
}

/// The caller's query budget after this answer, as GitHub's API tells it.
pub(super) fn headers(out: &mut HeaderMap, account: &Account) {
    let number = |n: i64| HeaderValue::from_str(&n.to_string()).expect("a number is a valid header");
    out.insert("x-ratelimit-limit", number(account.limit.into()));
    out.insert("x-ratelimit-remaining", number(account.remaining.into()));
    out.insert("x-ratelimit-used", number(account.used().into()));
    out.insert("x-ratelimit-reset", number(account.reset_at.timestamp()));
}

/// The seconds a refusal (`Account::refusal`) tells the client to wait.
pub(super) fn wait(refusal: &ClientError) -> u64 {
    refusal.extensions["retryAfterSeconds"].as_u64().unwrap_or(1)
}

/// `Retry-After` and the figures on the answer to a client past its budget.
pub(super) fn refusal_headers(out: &mut HeaderMap, wait: u64, account: &Account) {
    out.insert(header::RETRY_AFTER, HeaderValue::from_str(&wait.to_string()).expect("a number is a valid header"));
    headers(out, account);
}

/// Past the budget: 429 in the route's format (the exports' JSON errors, or an HTML page).
fn over_budget(json: bool, account: Account) -> Response {
    let refusal = account.refusal();
    let seconds = wait(&refusal);
    let mut response = if json { errors::export(refusal) } else { crate::explorer::rate_limited_page(seconds) };
    refusal_headers(response.headers_mut(), seconds, &account);
    response
}
