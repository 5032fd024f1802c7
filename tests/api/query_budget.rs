//! The query budget: each operation is charged to its caller (anonymous callers per client
//! address, editors per account), 1 point plus 1 per 100 catalog rows loaded, an answer from the
//! response cache 1 point; the figures in `X-RateLimit-*` headers and the `rateLimit` field;
//! `rateLimit` alone free, `dryRun` pricing without running; past the budget RATE_LIMITED with
//! `retryAfterSeconds` and `Retry-After`.

use ai_tracker::config::{ServeSettings, TrustedProxy};
use ai_tracker::domain::EditorRole;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

use crate::helpers::{GRAPHQL_RESPONSE, TestApp, changes_seen, plant_model, spawn_app, spawn_app_with};

/// Status, headers and body of a POST from `client` (believed: the app trusts 127.0.0.1), with
/// an editor's token when given.
async fn post(app: &TestApp, client: &str, token: Option<&str>, query: &str) -> (u16, HeaderMap, Value) {
    let mut request = app
        .client
        .post(app.url("/graphql"))
        .header("accept", GRAPHQL_RESPONSE)
        .header("x-forwarded-for", client)
        .json(&json!({ "query": query }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.json().await.expect("a JSON body"))
}

fn header(headers: &HeaderMap, name: &str) -> u64 {
    headers.get(name).unwrap_or_else(|| panic!("{name} missing")).to_str().unwrap().parse().unwrap()
}

fn used(headers: &HeaderMap) -> u64 {
    header(headers, "x-ratelimit-used")
}

fn trusting_localhost(s: &mut ServeSettings) {
    s.http.trusted_proxies = vec!["127.0.0.1".parse::<TrustedProxy>().unwrap()];
}

/// A page of models with their organizations: more than 100 rows on the starter catalog.
const PAGE: &str = "{ models(first: 100) { nodes { slug organizations { slug } } } }";

/// Rows the page's answer holds: its models and their organizations.
fn rows_of(page: &Value) -> u64 {
    let nodes = page["data"]["models"]["nodes"].as_array().unwrap();
    nodes.len() as u64 + nodes.iter().map(|n| n["organizations"].as_array().unwrap().len() as u64).sum::<u64>()
}

#[tokio::test]
async fn every_answer_carries_the_budget_and_costs_what_it_loaded() {
    let app = spawn_app_with(|s| {
        trusting_localhost(s);
        s.cache.response_cache_bytes = 0;
    })
    .await;
    let (status, headers, _) = post(&app, "203.0.113.5", None, "{ __typename }").await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "x-ratelimit-limit"), 5_000);
    assert_eq!(header(&headers, "x-ratelimit-remaining"), 4_999);
    assert_eq!(used(&headers), 1);
    let reset = header(&headers, "x-ratelimit-reset") as i64;
    let now = chrono::Utc::now().timestamp();
    assert!((now..=now + 5).contains(&reset), "whole again within a second or so: {reset} vs {now}");

    let (_, headers, page) = post(&app, "203.0.113.5", None, PAGE).await;
    let rows = rows_of(&page);
    assert!(rows > 100, "{rows} rows");
    assert_eq!(used(&headers), 1 + 1 + rows / 100, "1 point, and 1 per 100 of its {rows} rows");

    // Another address has a budget of its own; so do errors' callers (a bad query costs 1).
    let (_, headers, _) = post(&app, "203.0.113.6", None, "{ nope }").await;
    assert_eq!(used(&headers), 1);
}

#[tokio::test]
async fn rate_limit_alone_is_free_and_dry_run_prices_without_running() {
    let app = spawn_app_with(trusting_localhost).await;
    let client = "203.0.113.8";
    post(&app, client, None, "{ __typename }").await;
    let ask = "{ rateLimit { limit cost remaining used resetAt } }";
    let (_, headers, body) = post(&app, client, None, ask).await;
    let figures = &body["data"]["rateLimit"];
    assert_eq!((figures["limit"].as_u64(), figures["cost"].as_u64()), (Some(5_000), Some(0)), "{body}");
    assert_eq!((figures["remaining"].as_u64(), figures["used"].as_u64()), (Some(4_999), Some(1)), "{body}");
    assert!(figures["resetAt"].as_str().unwrap().starts_with("20"), "{body}");
    assert_eq!(used(&headers), 1, "asking for rateLimit alone costs nothing");
    let (_, headers, _) = post(&app, client, None, ask).await;
    assert_eq!(used(&headers), 1);

    let before = app.statements_so_far();
    let dry = "query($n: Int = 100) { rateLimit(dryRun: true) { cost remaining } \
               models(first: $n) { nodes { slug capabilities { capability { slug } } } } ...more }
               fragment more on Query { organizations(first: 50) { nodes { slug } } }";
    let (status, headers, body) = post(&app, client, None, dry).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(body["data"]["rateLimit"]["cost"], 1 + (100 + 50) / 100, "{body}");
    assert_eq!(body["data"]["rateLimit"]["remaining"], 4_999);
    assert!(body["data"].get("models").is_none() && body["data"].get("organizations").is_none(), "not run: {body}");
    assert_eq!(app.statements_so_far(), before, "a dry run reads nothing from the catalog");
    assert_eq!(used(&headers), 1, "a dry run costs nothing");

    // Asked alongside other fields, rateLimit shows the operation's price.
    let (_, _, body) = post(&app, client, None, "{ rateLimit { cost } models(first: 30) { nodes { slug } } }").await;
    assert_eq!(body["data"]["rateLimit"]["cost"], 1, "{body}");
    assert_eq!(body["data"]["models"]["nodes"].as_array().unwrap().len(), 30);
}

#[tokio::test]
async fn answers_from_the_response_cache_cost_one_point() {
    let app = spawn_app_with(trusting_localhost).await;
    changes_seen(&app).await;
    let (_, first, page) = post(&app, "203.0.113.9", None, PAGE).await;
    let rows = rows_of(&page);
    assert_eq!(used(&first), 1 + rows / 100);
    let (_, second, again) = post(&app, "203.0.113.9", None, PAGE).await;
    assert_eq!(again, page);
    assert_eq!(used(&second), used(&first) + 1, "the kept answer costs 1");
}

#[tokio::test]
async fn editors_pay_per_account_from_a_larger_budget() {
    let app = spawn_app_with(trusting_localhost).await;
    let token = app.editor_token(EditorRole::Editor).await;
    let (_, editor, _) = post(&app, "203.0.113.10", Some(&token), PAGE).await;
    assert_eq!(header(&editor, "x-ratelimit-limit"), 20_000);
    assert!(used(&editor) >= 2);
    // The same editor from another address spends the same account; the address's own
    // anonymous budget is untouched.
    let (_, again, _) = post(&app, "203.0.113.11", Some(&token), "{ __typename }").await;
    assert_eq!(used(&again), used(&editor) + 1);
    let (_, anonymous, _) = post(&app, "203.0.113.10", None, "{ __typename }").await;
    assert_eq!((header(&anonymous, "x-ratelimit-limit"), used(&anonymous)), (5_000, 1));
}

#[tokio::test]
async fn past_the_budget_the_answer_is_rate_limited_with_retry_after() {
    let app = spawn_app_with(|s| {
        trusting_localhost(s);
        s.limits.query_budget_anonymous = 3;
    })
    .await;
    for left in (0..3).rev() {
        let (status, headers, _) = post(&app, "203.0.113.12", None, "{ __typename }").await;
        assert_eq!((status, header(&headers, "x-ratelimit-remaining")), (200, left));
    }
    let (status, headers, body) = post(&app, "203.0.113.12", None, "{ __typename }").await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED", "{body}");
    assert!(body.get("data").is_none() || body["data"].is_null(), "{body}");
    let retry = body["errors"][0]["extensions"]["retryAfterSeconds"].as_u64().unwrap();
    // Three points an hour: one comes back every 20 minutes.
    assert!((1_100..=1_200).contains(&retry), "{retry}");
    assert_eq!(header(&headers, "retry-after"), retry);
    assert_eq!(header(&headers, "x-ratelimit-remaining"), 0);
    // Asking for the figures still works, and costs nothing.
    let (status, _, body) = post(&app, "203.0.113.12", None, "{ rateLimit { remaining } }").await;
    assert_eq!((status, &body["data"]["rateLimit"]["remaining"]), (200, &json!(0)), "{body}");
    // Other clients are not held up.
    let (status, _, _) = post(&app, "203.0.113.13", None, "{ __typename }").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_zero_budget_turns_it_off() {
    let app = spawn_app_with(|s| s.limits.query_budget_anonymous = 0).await;
    let response =
        app.client.post(app.url("/graphql")).json(&json!({ "query": "{ __typename }" })).send().await.unwrap();
    assert!(response.headers().get("x-ratelimit-limit").is_none());
    let plain = spawn_app().await;
    let data = plain.query("{ rateLimit { limit } }", json!({})).await;
    assert_eq!(data["rateLimit"]["limit"], 5_000);
    let data = app.query("{ rateLimit { limit } }", json!({})).await;
    assert_eq!(data["rateLimit"], Value::Null);
}

/// Status, headers and body of a GET of `path` from `client`, with headers added.
async fn get(app: &TestApp, client: &str, path: &str, extra: &[(&str, &str)]) -> (u16, HeaderMap, String) {
    let mut request = app.client.get(app.url(path)).header("x-forwarded-for", client);
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.expect("a body"))
}

/// The points `client` has used so far, asked for with the free `rateLimit` field.
async fn used_so_far(app: &TestApp, client: &str, token: Option<&str>) -> u64 {
    let (_, headers, _) = post(app, client, token, "{ rateLimit { remaining } }").await;
    used(&headers)
}

#[tokio::test]
async fn pages_exports_and_the_feed_are_charged_and_carry_the_budget_too() {
    // Small budgets, so that a point comes back only every 2 minutes (at 5,000 an hour one comes
    // back every 0.7 s, and a slow run would see its standings move by themselves).
    let app = spawn_app_with(|s| {
        trusting_localhost(s);
        s.limits.query_budget_anonymous = 30;
        s.limits.query_budget_editor = 40;
    })
    .await;
    let client = "203.0.113.20";
    // Past 200 models, so that the export's third page is read while it streams.
    for n in 0..10 {
        plant_model(&app, &format!("planted-{n}"), "2024-01-01", None, None).await;
    }
    let models = app.query("{ models { totalCount } }", json!({})).await["models"]["totalCount"].as_u64().unwrap();
    assert!((200..300).contains(&models), "{models} models");

    // Each answer costs 1 point and 1 per 100 catalog rows it loaded, as a GraphQL operation
    // does; its headers tell the standing once it is made.
    let (status, headers, _) = get(&app, client, "/", &[]).await;
    assert_eq!((status, header(&headers, "x-ratelimit-limit")), (200, 30));
    assert!(used(&headers) >= 2, "the catalog page loads its models and their organizations: {headers:?}");
    assert_eq!(used_so_far(&app, client, None).await, used(&headers));
    for (path, cost) in [
        ("/export/models.csv", 1 + models / 100),
        ("/export/models.json", 1 + models / 100),
        ("/feed.atom", 1),
        ("/assets/style.css", 1),
        ("/no-such-page", 1),
    ] {
        let before = used_so_far(&app, client, None).await;
        let (status, headers, _) = get(&app, client, path, &[]).await;
        assert!(status == 200 || path == "/no-such-page", "{path}: {status}");
        assert!(used(&headers) > before, "{path} tells the standing after its first point");
        assert_eq!(used_so_far(&app, client, None).await, before + cost, "{path} costs {cost}");
    }
    // The operators' endpoints are neither charged nor refused (a load balancer's health checks
    // come from one address).
    let before = used_so_far(&app, client, None).await;
    for path in ["/healthz", "/readyz", "/metrics"] {
        let (status, headers, _) = get(&app, client, path, &[]).await;
        assert_eq!(status, 200, "{path}");
        assert!(headers.get("x-ratelimit-used").is_none(), "{path}");
    }
    assert_eq!(used_so_far(&app, client, None).await, before);

    // An editor's workspace pages and exports are charged to the account, from the editors' budget.
    let token = app.editor_token(EditorRole::Editor).await;
    let cookie = format!("ai_tracker_session={token}");
    let (status, headers, _) = get(&app, client, "/editor", &[("cookie", &cookie)]).await;
    assert_eq!((status, header(&headers, "x-ratelimit-limit")), (200, 40));
    let bearer = format!("Bearer {token}");
    get(&app, client, "/export/models.csv", &[("authorization", &bearer)]).await;
    assert_eq!(used_so_far(&app, client, Some(&token)).await, used(&headers) + 1 + models / 100);
    assert_eq!(used_so_far(&app, client, None).await, before, "not the address's");
}

#[tokio::test]
async fn past_the_budget_pages_and_exports_are_refused_in_their_own_format() {
    let app = spawn_app_with(|s| {
        trusting_localhost(s);
        s.limits.query_budget_anonymous = 2;
    })
    .await;
    let client = "203.0.113.21";
    for _ in 0..2 {
        let (status, _, _) = get(&app, client, "/feed.atom", &[]).await;
        assert_eq!(status, 200);
    }
    let before = app.statements_so_far();
    let (status, headers, body) = get(&app, client, "/", &[]).await;
    assert_eq!(status, 429, "{body}");
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(body.contains("Too many requests"), "{body}");
    let retry = header(&headers, "retry-after");
    assert!((1_700..=1_800).contains(&retry), "two points an hour: one comes back every 30 minutes: {retry}");
    assert_eq!(header(&headers, "x-ratelimit-remaining"), 0);
    assert_eq!(app.statements_so_far(), before, "a refused page reads nothing from the catalog");

    let (status, headers, body) = get(&app, client, "/export/models.json", &[]).await;
    assert_eq!(status, 429, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["retryAfterSeconds"].as_u64(), Some(header(&headers, "retry-after")));

    // The operators' endpoints and other clients still answer.
    let (status, _, _) = get(&app, client, "/healthz", &[]).await;
    assert_eq!(status, 200);
    let (status, _, _) = get(&app, "203.0.113.22", "/", &[]).await;
    assert_eq!(status, 200);
}
