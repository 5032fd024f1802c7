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

/// Counts the rows each take writes to `limit_window` (an upsert writes one: inserted or
/// updated), in a table of the test's own, from a trigger.
async fn count_limit_writes(url: &str) -> sea_orm::DatabaseConnection {
    let db = sea_orm::Database::connect(url).await.unwrap();
    for statement in [
        "CREATE TABLE limit_window_writes (key text NOT NULL)",
        "CREATE FUNCTION count_limit_write() RETURNS trigger LANGUAGE plpgsql AS \
         $$ BEGIN INSERT INTO limit_window_writes VALUES (NEW.key); RETURN NULL; END $$",
        "CREATE TRIGGER count_limit_write AFTER INSERT OR UPDATE ON limit_window \
         FOR EACH ROW EXECUTE FUNCTION count_limit_write()",
    ] {
        sea_orm::ConnectionTrait::execute_unprepared(&db, statement).await.unwrap();
    }
    db
}

async fn limit_writes(db: &sea_orm::DatabaseConnection, key: &str) -> i64 {
    let statement = sea_orm::Statement::from_sql_and_values(
        sea_orm::DatabaseBackend::Postgres,
        "SELECT count(*) AS n FROM limit_window_writes WHERE key = $1",
        [key.into()],
    );
    let row = sea_orm::ConnectionTrait::query_one_raw(db, statement).await.unwrap().unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

/// A page of 100 models with their organizations: more than 100 rows, so 2 points or more (a
/// charge before it runs and a settlement after).
const PAGE: &str = "{ models(first: 100) { nodes { slug organizations { slug } } } }";

/// One client's queries on one instance: each is charged and settled from the instance's lease
/// (blocks of 50 points at 5,000 an hour), not with two statements on the shared row. With the
/// leases off (`AI_TRACKER_QUERY_BUDGET_LEASE_BLOCK=0`), the same queries write the row twice each.
#[tokio::test]
async fn an_instance_spends_a_clients_budget_from_a_lease() {
    let Some(admin_url) = postgres_admin_url() else {
        println!("skipped: set TEST_DATABASE_URL to run this against Postgres (SQLite keeps its limits in memory)");
        return;
    };
    for lease_block in [50, 0] {
        let app = spawn_app_on(TestDatabase::postgres(&admin_url).await, |s| {
            s.http.trusted_proxies = vec!["127.0.0.1".parse::<TrustedProxy>().unwrap()];
            s.cache.response_cache_bytes = 0;
            s.limits.query_budget_lease_block = lease_block;
        })
        .await;
        let db = count_limit_writes(&app.db.url).await;
        let started = Instant::now();
        let mut spent = 0;
        for i in 0..20 {
            let (status, remaining, body) = post(&app.address, "192.0.2.60", PAGE, json!({})).await;
            assert_eq!(status, 200, "query {i}: {body}");
            let nodes = body["data"]["models"]["nodes"].as_array().unwrap();
            let rows = nodes.len() + nodes.iter().map(|n| n["organizations"].as_array().unwrap().len()).sum::<usize>();
            assert!(rows >= 100, "{rows} rows");
            // One instance shows exact figures, the lease's points counted as the client's (a
            // point refills every 0.72 s).
            spent += 1 + (rows / 100) as u64;
            let refilled = (started.elapsed().as_secs_f64() / 0.72) as u64 + 1;
            let remaining = remaining.unwrap();
            assert!(
                (5_000 - spent..=5_000 - spent + refilled).contains(&remaining),
                "query {i}: {remaining}, {spent} spent"
            );
        }
        let writes = limit_writes(&db, "budget:address:192.0.2.60").await;
        let took = started.elapsed();
        println!(
            "lease block {lease_block}: 20 pages from one client wrote its limit_window row {writes} times in {took:?}"
        );
        if lease_block == 0 {
            assert_eq!(writes, 40, "a charge and a settlement per page");
        } else {
            // 20 pages of 2-3 points: 40-60 points, one or two blocks of 50 (one more write if the
            // idle lease was already handed back).
            assert!((1..=3).contains(&writes), "{writes} writes");
        }
        db.close().await.ok();
    }
}

/// The query budget with blocks of 5 (500 points an hour): spent alternately on two instances,
/// it runs out at the configured total exactly, whichever instance holds the last points; and a
/// lease left idle is handed back, so the other instance then sees the whole allowance.
#[tokio::test]
async fn leased_budgets_run_out_at_the_total_and_idle_leases_come_back() {
    let Some(admin_url) = postgres_admin_url() else {
        println!("skipped: set TEST_DATABASE_URL to run this against Postgres (SQLite keeps its limits in memory)");
        return;
    };
    let budget_of = |points: u32| {
        move |s: &mut ServeSettings| {
            s.http.trusted_proxies = vec!["127.0.0.1".parse::<TrustedProxy>().unwrap()];
            s.limits.query_budget_anonymous = points;
        }
    };
    let a = spawn_app_on(TestDatabase::postgres(&admin_url).await, budget_of(500)).await;
    let (b, _) = second_instance_with(&a, budget_of(500)).await;
    let instances = [a.address.clone(), b];
    let started = Instant::now();
    let (mut allowed, mut refused, mut i) = (0u64, [false, false], 0);
    while !(refused[0] && refused[1]) {
        let which = i % 2;
        i += 1;
        if refused[which] {
            continue;
        }
        let (status, remaining, body) = post(&instances[which], "192.0.2.61", "{ __typename }", json!({})).await;
        match status {
            200 => allowed += 1,
            429 => {
                assert_eq!(code(&body), Some("RATE_LIMITED"), "{body}");
                assert_eq!(remaining, Some(0));
                refused[which] = true;
            }
            other => panic!("{other}: {body}"),
        }
    }
    // A point comes back every 7.2 s: a slow run may see one or two more.
    let refilled = (started.elapsed().as_secs_f64() / 7.2) as u64;
    assert!((500..=500 + refilled).contains(&allowed), "{allowed} allowed in {:?}", started.elapsed());
    println!("500-point budget over two instances with leases: {allowed} allowed in {:?}", started.elapsed());

    // One query on the first instance leases a block of 50 (at 5,000 an hour); once idle for
    // the lease's lifetime it is handed back, and the second instance sees 4,998 left after its
    // own charge (without the hand-back: about 4,950).
    let a = spawn_app_on(TestDatabase::postgres(&admin_url).await, budget_of(5_000)).await;
    let (b, _) = second_instance_with(&a, budget_of(5_000)).await;
    let (_, remaining, _) = post(&a.address, "192.0.2.62", "{ __typename }", json!({})).await;
    assert_eq!(remaining, Some(4_999));
    let (_, remaining, _) = post(&b, "192.0.2.62", "{ __typename }", json!({})).await;
    assert!(remaining.unwrap() <= 4_950, "the first instance's lease is out of the shared allowance: {remaining:?}");
    tokio::time::sleep(ai_tracker::service::budget_lease::LIFETIME + std::time::Duration::from_secs(3)).await;
    let (_, remaining, _) = post(&b, "192.0.2.62", "{ __typename }", json!({})).await;
    assert!(remaining.unwrap() >= 4_997, "both idle leases came back: {remaining:?}");
}
