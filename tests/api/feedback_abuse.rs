//! Abuse resistance of public feedback: per-address and global rate limits (per call, aliases
//! included), the forwarded address believed only from trusted proxies, and a flood of 1,000
//! submissions from one address while another client keeps being answered.

use std::time::{Duration, Instant};

use ai_tracker::config::TrustedProxy;
use ai_tracker::domain::EditorRole;
use serde_json::{Value, json};

use crate::feedback::SUBMIT;
use crate::helpers::{GRAPHQL_RESPONSE, TestApp, spawn_app_with};

/// POSTs `query` as if forwarded by a proxy for `client` (the header is only believed when the
/// test's server trusts 127.0.0.1).
async fn post_from(app: &TestApp, client: &str, query: &str, variables: Value) -> Value {
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("accept", GRAPHQL_RESPONSE)
        .header("x-forwarded-for", client)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("request sent");
    assert_eq!(response.status().as_u16(), 200, "refusals are GraphQL errors, not HTTP statuses");
    response.json().await.expect("a JSON body")
}

async fn submit_from(app: &TestApp, client: &str, body: &str) -> Value {
    post_from(app, client, SUBMIT, json!({ "input": { "kind": "GENERAL", "body": body } })).await
}

fn trusting_localhost(s: &mut ai_tracker::config::ServeSettings) {
    s.http.trusted_proxies = vec!["127.0.0.1".parse::<TrustedProxy>().unwrap()];
}

fn rate_limited(body: &Value) -> bool {
    body["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
}

#[tokio::test]
async fn one_address_is_limited_with_a_retry_time_and_others_are_not() {
    let app = spawn_app_with(|s| {
        trusting_localhost(s);
        s.feedback.feedback_per_address_per_hour = 3;
    })
    .await;
    for i in 0..3 {
        let body = submit_from(&app, "203.0.113.1", &format!("Honest message number {i}.")).await;
        assert!(body.get("errors").is_none(), "{body}");
    }
    let refused = submit_from(&app, "203.0.113.1", "One message too many.").await;
    assert!(rate_limited(&refused), "{refused}");
    let retry = refused["errors"][0]["extensions"]["retryAfterSeconds"].as_u64().unwrap();
    // Three an hour: the next is allowed after a third of an hour.
    assert!((1..=1200).contains(&retry), "{retry}");
    assert_eq!(refused["data"], Value::Null);
    // Another address is not affected; invalid calls count too.
    let other = submit_from(&app, "203.0.113.2", "A message from elsewhere.").await;
    assert!(other.get("errors").is_none(), "{other}");
    let token = app.editor_token(EditorRole::Editor).await;
    let total = app.query_as(&token, "{ feedbackQueue { totalCount } }", json!({})).await;
    assert_eq!(total["feedbackQueue"]["totalCount"], 4);
}

#[tokio::test]
async fn aliases_count_one_call_each() {
    let app = spawn_app_with(|s| s.feedback.feedback_per_address_per_hour = 2).await;
    let aliased = "mutation {
        a: submitFeedback(input: { kind: GENERAL, body: \"First aliased message.\" }) { id }
        b: submitFeedback(input: { kind: GENERAL, body: \"Second aliased message.\" }) { id }
        c: submitFeedback(input: { kind: GENERAL, body: \"Third aliased message.\" }) { id } }";
    let (status, body) = app.post_graphql(aliased, json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["data"]["a"]["id"].is_string() && body["data"]["b"]["id"].is_string(), "{body}");
    assert_eq!(body["data"]["c"], Value::Null, "{body}");
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{body}");
    assert_eq!(errors[0]["extensions"]["code"], "RATE_LIMITED");
    assert_eq!(errors[0]["path"], json!(["c"]));
}

#[tokio::test]
async fn the_global_limit_holds_across_addresses() {
    let app = spawn_app_with(|s| {
        trusting_localhost(s);
        s.feedback.feedback_per_hour = 3;
    })
    .await;
    for i in 0..3 {
        let body = submit_from(&app, &format!("198.51.100.{i}"), "A message from a crowd.").await;
        assert!(body.get("errors").is_none(), "{body}");
    }
    let refused = submit_from(&app, "198.51.100.99", "A message from a crowd.").await;
    assert!(rate_limited(&refused), "{refused}");
}

#[tokio::test]
async fn a_forwarded_address_is_believed_only_from_a_trusted_proxy() {
    // No trusted proxies: the header is the client's own claim, and changing it changes nothing.
    let app = spawn_app_with(|s| s.feedback.feedback_per_address_per_hour = 2).await;
    for i in 0..2 {
        let body = submit_from(&app, &format!("192.0.2.{i}"), &format!("Spoofing attempt {i} here.")).await;
        assert!(body.get("errors").is_none(), "{body}");
    }
    let refused = submit_from(&app, "192.0.2.200", "Spoofing attempt 3 here.").await;
    assert!(rate_limited(&refused), "a forged X-Forwarded-For escaped the limit: {refused}");

    // Behind a trusted proxy, the same body from two clients is two submissions.
    let app = spawn_app_with(trusting_localhost).await;
    let a = submit_from(&app, "192.0.2.1", "The same words from two people.").await;
    let b = submit_from(&app, "192.0.2.2", "The same words from two people.").await;
    let again = submit_from(&app, "192.0.2.1", "The same words from two people.").await;
    assert_ne!(a["data"]["submitFeedback"]["id"], b["data"]["submitFeedback"]["id"]);
    assert_eq!(a["data"]["submitFeedback"], again["data"]["submitFeedback"]);
}

#[tokio::test]
async fn a_flood_from_one_address_leaves_other_clients_answered() {
    const FLOOD: usize = 1_000;
    const CONCURRENCY: usize = 16;
    let app = std::sync::Arc::new(spawn_app_with(trusting_localhost).await);

    let flood = {
        let app = app.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let mut next = 0;
            let (mut accepted, mut refused, mut other) = (Vec::new(), 0, Vec::new());
            while next < FLOOD {
                let batch: Vec<_> = (next..(next + CONCURRENCY).min(FLOOD))
                    .map(|i| {
                        let app = app.clone();
                        tokio::spawn(async move {
                            submit_from(&app, "203.0.113.66", &format!("Flood submission number {i}, nothing to see."))
                                .await
                        })
                    })
                    .collect();
                next += batch.len();
                for task in batch {
                    let body = task.await.unwrap();
                    if let Some(id) = body["data"]["submitFeedback"]["id"].as_str() {
                        accepted.push(id.to_owned());
                    } else if rate_limited(&body) {
                        refused += 1;
                    } else {
                        other.push(body);
                    }
                }
            }
            (accepted, refused, other, started.elapsed())
        })
    };

    // Another client reads the catalog and sends its own feedback while the flood runs.
    let mut latencies = Vec::new();
    let mut honest = None;
    while !flood.is_finished() || latencies.len() < 5 {
        let started = Instant::now();
        let body =
            post_from(&app, "198.51.100.7", "{ models(first: 5) { nodes { slug openFeedbackCount } } }", json!({}))
                .await;
        latencies.push(started.elapsed());
        assert!(body.get("errors").is_none(), "{body}");
        if honest.is_none() && latencies.len() == 3 {
            let started = Instant::now();
            let body = submit_from(&app, "198.51.100.7", "An honest reader's note during the flood.").await;
            latencies.push(started.elapsed());
            honest =
                Some(body["data"]["submitFeedback"]["id"].as_str().expect("the honest submission is taken").to_owned());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (accepted, refused, other, elapsed) = flood.await.unwrap();
    latencies.sort();
    let median = latencies[latencies.len() / 2];
    let worst = *latencies.last().unwrap();
    println!(
        "flood: {FLOOD} submissions from one address ({CONCURRENCY} at a time) in {elapsed:?}: {} accepted, {refused} \
         refused (RATE_LIMITED), {} other; another client's {} requests meanwhile: median {median:?}, worst {worst:?}",
        accepted.len(),
        other.len(),
        latencies.len()
    );
    assert!(other.is_empty(), "{other:?}");
    assert_eq!(accepted.len(), 20, "the default per-address allowance");
    assert_eq!(refused, FLOOD - 20);
    assert!(worst < Duration::from_secs(5), "the other client waited {worst:?}");

    // Every accepted submission is stored, and the honest one too.
    let token = app.editor_token(EditorRole::Editor).await;
    let queue = app.query_as(&token, "{ feedbackQueue(first: 100) { totalCount nodes { id } } }", json!({})).await;
    assert_eq!(queue["feedbackQueue"]["totalCount"], 21);
    let stored: Vec<&str> =
        queue["feedbackQueue"]["nodes"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap()).collect();
    for id in accepted.iter().chain(honest.iter()) {
        assert!(stored.contains(&id.as_str()), "{id} was accepted but is not stored");
    }
}
