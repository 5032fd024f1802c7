//! The limits that count over time hold for every instance together: two instances on one
//! Postgres database count against one allowance (the limit store's `limit_window` table).
//! SQLite is single-node and keeps its limits in memory, so these run on Postgres only.

use std::time::Instant;

use ai_tracker::config::{ServeSettings, TrustedProxy};
use ai_tracker::domain::EditorRole;
use serde_json::{Value, json};

use crate::feedback::SUBMIT;
use crate::helpers::{GRAPHQL_RESPONSE, TestDatabase, postgres_admin_url, second_instance_with, spawn_app_on};

fn trusting_localhost(s: &mut ServeSettings) {
    s.http.trusted_proxies = vec!["127.0.0.1".parse::<TrustedProxy>().unwrap()];
    s.limits.query_budget_anonymous = 40;
}

/// POSTs `query` to the instance at `address` as if forwarded for `client`: status, budget
/// headers and body.
async fn post(address: &str, client: &str, query: &str, variables: Value) -> (u16, Option<u64>, Value) {
    let response = reqwest::Client::new()
        .post(format!("{address}/graphql"))
        .header("accept", GRAPHQL_RESPONSE)
        .header("x-forwarded-for", client)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("request sent");
    let status = response.status().as_u16();
    let remaining = response.headers().get("x-ratelimit-remaining").and_then(|v| v.to_str().ok()?.parse().ok());
    (status, remaining, response.json().await.expect("a JSON body"))
}

fn code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}

#[tokio::test]
async fn two_instances_on_one_database_share_every_limit() {
    let Some(admin_url) = postgres_admin_url() else {
        println!("skipped: set TEST_DATABASE_URL to run this against Postgres (SQLite keeps its limits in memory)");
        return;
    };
    let a = spawn_app_on(TestDatabase::postgres(&admin_url).await, trusting_localhost).await;
    let (b, _) = second_instance_with(&a, trusting_localhost).await;
    let instances = [a.address.clone(), b];
    let started = Instant::now();

    // Feedback: 20 an hour per address (the default), whichever instance receives them.
    for i in 0..20 {
        let input = json!({ "input": { "kind": "GENERAL", "body": format!("Shared-limit message {i}.") } });
        let (_, _, body) = post(&instances[i % 2], "203.0.113.7", SUBMIT, input).await;
        assert!(body.get("errors").is_none(), "submission {i}: {body}");
    }
    let feedback_done = started.elapsed();
    for instance in &instances {
        let input = json!({ "input": { "kind": "GENERAL", "body": "The twenty-first message." } });
        let (_, _, body) = post(instance, "203.0.113.7", SUBMIT, input).await;
        assert_eq!(code(&body), Some("RATE_LIMITED"), "{instance}: {body}");
        assert!(body["errors"][0]["extensions"]["retryAfterSeconds"].as_u64().unwrap() >= 1);
    }

    // Sign-in: 5 a minute per email (the default); six wrong ones over both lock the email,
    // even for its right password, from another address.
    a.add_editor("ada@tracker.example", "Ada", EditorRole::Editor, "correct horse battery staple").await;
    let login = "mutation($p: String!) { login(email: \"ada@tracker.example\", password: $p) { token } }";
    for i in 0..5 {
        let client = format!("198.51.100.{i}");
        let (_, _, body) = post(&instances[i % 2], &client, login, json!({ "p": format!("wrong {i}") })).await;
        assert_eq!(code(&body), Some("UNAUTHENTICATED"), "attempt {i}: {body}");
    }
    let (_, _, body) = post(&instances[1], "198.51.100.9", login, json!({ "p": "wrong 5" })).await;
    assert_eq!(code(&body), Some("RATE_LIMITED"), "the sixth: {body}");
    let (_, _, body) =
        post(&instances[0], "198.51.100.10", login, json!({ "p": "correct horse battery staple" })).await;
    assert_eq!(code(&body), Some("RATE_LIMITED"), "locked for the right password too: {body}");
    let sign_in_done = started.elapsed();

    // The query budget: 40 points an hour; `{ __typename }` costs 1, spent half on each.
    for i in 0..40 {
        let (status, remaining, body) = post(&instances[i % 2], "192.0.2.44", "{ __typename }", json!({})).await;
        assert_eq!(status, 200, "query {i}: {body}");
        assert_eq!(remaining, Some(39 - i as u64), "query {i}");
    }
    for instance in &instances {
        let (status, remaining, body) = post(instance, "192.0.2.44", "{ __typename }", json!({})).await;
        assert_eq!((status, code(&body)), (429, Some("RATE_LIMITED")), "{instance}: {body}");
        assert_eq!(remaining, Some(0));
    }
    let budget_done = started.elapsed();
    println!(
        "two instances on one Postgres database: 20 feedback submissions in {feedback_done:?}, sign-in lock at \
         {sign_in_done:?}, 40-point budget spent at {budget_done:?} (total, after start-up)"
    );
}

/// When the limit store cannot be asked (here its table is gone), limited writes fail closed
/// with a retry time, and reads fail open: they run, uncharged.
#[tokio::test]
async fn without_its_store_limited_writes_fail_closed_and_reads_open() {
    let Some(admin_url) = postgres_admin_url() else {
        println!("skipped: set TEST_DATABASE_URL to run this against Postgres (SQLite keeps its limits in memory)");
        return;
    };
    let app = spawn_app_on(TestDatabase::postgres(&admin_url).await, trusting_localhost).await;
    let db = sea_orm::Database::connect(&app.db.url).await.unwrap();
    sea_orm::ConnectionTrait::execute_unprepared(&db, "DROP TABLE limit_window").await.unwrap();
    db.close().await.ok();

    let login = "mutation { login(email: \"ada@tracker.example\", password: \"a guess\") { token } }";
    let (_, _, body) = post(&app.address, "203.0.113.20", login, json!({})).await;
    assert_eq!(code(&body), Some("RATE_LIMITED"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["retryAfterSeconds"], 30);
    let input = json!({ "input": { "kind": "GENERAL", "body": "While the store is down." } });
    let (_, _, body) = post(&app.address, "203.0.113.20", SUBMIT, input).await;
    assert_eq!(code(&body), Some("RATE_LIMITED"), "{body}");

    let (status, remaining, body) =
        post(&app.address, "203.0.113.20", "{ models(first: 3) { nodes { slug } } }", json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["models"]["nodes"].as_array().unwrap().len(), 3);
    assert_eq!(remaining, None, "uncharged, so no figures");
}
