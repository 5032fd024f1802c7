//! Running the service in production: `/metrics`, CORS, JSON logs and a graceful stop.

use std::process::Stdio;
use std::time::Duration;

use reqwest::header::{ACCESS_CONTROL_ALLOW_ORIGIN, ORIGIN};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

use crate::helpers::{
    TEST_SECRET, TestDatabase, postgres_admin_url, sample, scrape, spawn_app, spawn_app_on, spawn_app_with,
    test_settings,
};

#[tokio::test]
async fn metrics_count_operations_by_type_and_outcome_and_never_by_a_name_the_client_chose() {
    let app = spawn_app().await;
    app.query("query CatalogPageFromSomeUniqueClient { models(first: 2) { totalCount } }", json!({})).await;
    app.query("{ organizations(first: 1) { totalCount } }", json!({})).await;
    // Refused before running: a syntax error, and a mutation without credentials runs but fails.
    let (status, _) = app.post_graphql("{ models(first: ", json!({})).await;
    assert_eq!(status, 400);
    let (_, body) = app
        .post_graphql(
            "mutation NamedByTheClient { publishModel(id: \"TW9kZWw6MQ==\", expectedVersion: 1) { id } }",
            json!({}),
        )
        .await;
    assert!(body["errors"].is_array(), "{body}");

    let (text, samples) = scrape(&app.address).await;
    assert_eq!(sample(&samples, r#"ai_tracker_graphql_operations_total{operation="query",outcome="ok"}"#), 2.0);
    assert_eq!(sample(&samples, r#"ai_tracker_graphql_operations_total{operation="unknown",outcome="rejected"}"#), 1.0);
    let mutations_refused = samples
        .iter()
        .filter(|(k, _)| k.starts_with(r#"ai_tracker_graphql_operations_total{operation="mutation""#))
        .map(|(_, v)| v)
        .sum::<f64>();
    assert_eq!(mutations_refused, 1.0, "{text}");
    assert_eq!(sample(&samples, r#"ai_tracker_graphql_operation_duration_seconds_count{operation="query"}"#), 2.0);
    assert!(sample(&samples, r#"ai_tracker_graphql_operation_duration_seconds_sum{operation="query"}"#) > 0.0);
    assert_eq!(
        sample(&samples, r#"ai_tracker_graphql_operation_duration_seconds_bucket{operation="query",le="+Inf"}"#),
        2.0
    );
    // Four POSTs reached the route; labels are the route's pattern and the status class.
    let graphql_requests: f64 = samples
        .iter()
        .filter(|(k, _)| k.starts_with(r#"ai_tracker_http_requests_total{route="/graphql""#))
        .map(|(_, v)| v)
        .sum();
    assert_eq!(graphql_requests, 4.0, "{text}");
    assert_eq!(sample(&samples, r#"ai_tracker_http_requests_total{route="/graphql",status="4xx"}"#), 1.0);
    assert!(sample(&samples, r#"ai_tracker_db_pool_max_connections"#) >= 1.0);
    assert!(samples.contains_key(r#"ai_tracker_db_pool_connections{state="idle"}"#));
    assert!(samples.contains_key(r#"ai_tracker_db_pool_connections{state="in_use"}"#));
    assert_eq!(sample(&samples, "ai_tracker_subscriptions_open"), 0.0);
    assert!(sample(&samples, "process_resident_memory_bytes") > 1e6);
    for chosen_by_the_client in ["CatalogPageFromSomeUniqueClient", "NamedByTheClient"] {
        assert!(!text.contains(chosen_by_the_client), "a client-chosen name became a label");
    }

    // A path the client makes up is counted under no label of its own.
    let response = reqwest::get(app.url("/graphql-made-up-path-12345")).await.unwrap();
    assert_eq!(response.status(), 404);
    let (text, _) = scrape(&app.address).await;
    assert!(!text.contains("made-up-path"), "{text}");
}

#[tokio::test]
async fn configured_origins_may_call_the_api_from_a_browser_and_others_may_not() {
    let app = spawn_app_with(|s| s.http.cors_origins = vec!["https://frontend.example".into()]).await;
    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/graphql"))
        .header(ORIGIN, "https://frontend.example")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "authorization, content-type")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    let headers = preflight.headers();
    assert_eq!(headers[ACCESS_CONTROL_ALLOW_ORIGIN], "https://frontend.example");
    let allowed_headers = headers["access-control-allow-headers"].to_str().unwrap().to_lowercase();
    assert!(allowed_headers.contains("authorization") && allowed_headers.contains("content-type"), "{allowed_headers}");
    assert!(headers["access-control-allow-methods"].to_str().unwrap().contains("POST"));

    let from_the_frontend = app
        .client
        .post(app.url("/graphql"))
        .header(ORIGIN, "https://frontend.example")
        .json(&json!({ "query": "{ models(first: 1) { totalCount } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(from_the_frontend.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], "https://frontend.example");

    let from_elsewhere = app
        .client
        .post(app.url("/graphql"))
        .header(ORIGIN, "https://elsewhere.example")
        .json(&json!({ "query": "{ models(first: 1) { totalCount } }" }))
        .send()
        .await
        .unwrap();
    assert!(from_elsewhere.headers().get(ACCESS_CONTROL_ALLOW_ORIGIN).is_none());

    // Without the setting, no origin but the service's own is allowed.
    let same_origin_only = spawn_app().await;
    let response = same_origin_only
        .client
        .post(same_origin_only.url("/graphql"))
        .header(ORIGIN, "https://frontend.example")
        .json(&json!({ "query": "{ models(first: 1) { totalCount } }" }))
        .send()
        .await
        .unwrap();
    assert!(response.headers().get(ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
}

#[tokio::test]
async fn an_origin_that_is_not_one_stops_the_service_from_starting() {
    for bad in ["frontend.example", "https://frontend.example/app", "ftp://frontend.example", "https://"] {
        let db = TestDatabase::create().await;
        let mut settings = test_settings();
        settings.http.cors_origins = vec!["https://fine.example".into(), bad.into()];
        let error = match ai_tracker::startup::Application::build(&db.settings(), &settings).await {
            Ok(_) => panic!("{bad} was accepted"),
            Err(error) => error.to_string(),
        };
        assert!(error.contains("AI_TRACKER_CORS_ORIGINS") && error.contains(bad), "{error}");
    }
}

/// The binary as an operator runs it, on a SQLite file of its own.
fn serve(folder: &std::path::Path, log_format: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ai-tracker"));
    command
        .current_dir(folder)
        .env_remove("DATABASE_URL")
        .env("AI_TRACKER_ADDR", "127.0.0.1:0")
        .env("AI_TRACKER_JWT_SECRET", TEST_SECRET)
        .env("AI_TRACKER_LOG_FORMAT", log_format)
        .env("RUST_LOG", "info,sqlx=warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

/// Waits for the line saying where the server listens; returns `host:port`.
async fn listening_address(child: &mut tokio::process::Child) -> String {
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
        .await
        .expect("the server says where it listens")
        .unwrap()
        .expect("a line");
    line.split("http://").nth(1).expect("an address").trim_end_matches("/graphql").to_owned()
}

#[tokio::test]
async fn logs_are_one_json_object_per_line_when_asked() {
    let folder = tempfile::tempdir().unwrap();
    let mut child = serve(folder.path(), "json").spawn().expect("ai-tracker starts");
    let address = listening_address(&mut child).await;
    reqwest::get(format!("http://{address}/healthz")).await.unwrap();
    child.start_kill().unwrap();
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).await.unwrap();
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines.len() >= 2, "{stderr}");
    for line in &lines {
        let entry: Value = serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}"));
        assert!(entry["level"].is_string() && entry["timestamp"].is_string(), "{line}");
    }
    assert!(lines.iter().any(|l| l.contains("listening on")), "{stderr}");
}

/// SIGTERM while a request is still arriving: the server stops taking new connections, answers
/// the one in flight in full, and exits cleanly.
#[tokio::test]
async fn sigterm_lets_the_request_in_flight_finish_before_the_process_exits() {
    let folder = tempfile::tempdir().unwrap();
    let mut child = serve(folder.path(), "text").spawn().expect("ai-tracker starts");
    let address = listening_address(&mut child).await;

    let body = json!({ "query": "{ models(first: 3) { totalCount nodes { slug } } }" }).to_string();
    let (head, tail) = body.split_at(body.len() / 2);
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let request = format!(
        "POST /graphql HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nAccept: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{head}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let pid = child.id().expect("running").to_string();
    let kill = Command::new("kill").args(["-TERM", &pid]).status().await.unwrap();
    assert!(kill.success());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(child.try_wait().unwrap().is_none(), "the process waits for the request in flight");
    assert!(tokio::net::TcpStream::connect(&address).await.is_err(), "a stopping server takes no new connections");

    stream.write_all(tail.as_bytes()).await.unwrap();
    let mut response = String::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_string(&mut response))
        .await
        .expect("the answer comes")
        .unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let json = &response[response.find("\r\n\r\n").expect("a body") + 4..];
    let json: Value = serde_json::from_str(json).unwrap_or_else(|_| panic!("{response}"));
    assert_eq!(json["data"]["models"]["nodes"].as_array().map(Vec::len), Some(3), "{json}");

    let status = tokio::time::timeout(Duration::from_secs(10), child.wait()).await.expect("it exits").unwrap();
    assert!(status.success(), "{status}");
}

/// `AI_TRACKER_MAX_RUNNING_OPERATIONS` bounds how many operations run at once: a burst larger
/// than the bound waits its turn and every request is answered, in full and alike, even with a
/// single turn (nothing inside an operation waits for a second one). Zero turns is refused.
#[tokio::test]
async fn operations_beyond_the_running_bound_wait_their_turn_and_are_all_answered() {
    let app = spawn_app_with(|s| {
        s.limits.max_running_operations = 1;
        s.cache.response_cache_bytes = 0; // every request runs
    })
    .await;
    let page = "{ models(first: 20) { totalCount nodes { slug organizations { slug } capabilities { status }
        riskAssessments { severity } revisions(first: 1) { totalCount } } } }";
    let burst = futures_util::future::join_all((0..16).map(|_| app.query(page, json!({}))));
    let answers = tokio::time::timeout(Duration::from_secs(60), burst).await.expect("every request gets its turn");
    assert_eq!(answers.len(), 16);
    assert!(answers[0]["models"]["nodes"].as_array().is_some_and(|n| n.len() == 20), "{}", answers[0]);
    assert!(answers.iter().all(|a| *a == answers[0]), "every answer is the same page");
    // A mutation and a query in one burst: both get their turn.
    let (refused, listed) = tokio::join!(
        app.post_graphql("mutation { publishModel(id: \"TW9kZWw6MQ==\", expectedVersion: 1) { id } }", json!({})),
        app.post_graphql("{ organizations(first: 1) { totalCount } }", json!({})),
    );
    assert_eq!(refused.1["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{}", refused.1);
    assert!(listed.1["data"]["organizations"]["totalCount"].as_i64().is_some(), "{}", listed.1);

    let zero = Command::new(env!("CARGO_BIN_EXE_ai-tracker"))
        .args(["serve", "--max-running-operations", "0"])
        .env_remove("DATABASE_URL")
        .output()
        .await
        .unwrap();
    assert!(!zero.status.success());
    let said = String::from_utf8_lossy(&zero.stderr);
    assert!(said.contains("max-running-operations"), "{said}");
}

/// Postgres may end the service's sessions while they sit in the pool (a restart, an idle
/// timeout, an administrator): the pool tests a connection that has been idle a while before
/// lending it, and replaces a dead one, so readers see no error.
#[tokio::test]
async fn connections_postgres_ended_while_idle_are_replaced_before_a_request_uses_them() {
    let Some(admin_url) = postgres_admin_url() else {
        eprintln!("TEST_DATABASE_URL is not set: ending Postgres sessions is not tried");
        return;
    };
    let app = spawn_app_on(TestDatabase::postgres(&admin_url).await, |_| {}).await;
    let page = "{ models(first: 5) { nodes { slug organizations { slug } riskAssessments { summary } } } }";
    let before = app.query(page, json!({})).await;

    let name = url::Url::parse(&app.db.url).expect("a URL").path().trim_start_matches('/').to_owned();
    let admin = sea_orm::Database::connect(&admin_url).await.expect("connect to TEST_DATABASE_URL");
    let ended = admin
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            format!(
                "SELECT count(*) AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = '{name}' AND pid <> pg_backend_pid()) AS ended"
            ),
        ))
        .await
        .expect("sessions ended")
        .expect("a row")
        .try_get::<i64>("", "n")
        .expect("a count");
    admin.close().await.ok();
    assert!(ended >= 1, "the service had no session to end");

    // Longer than the pool lets a connection go untested.
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    for _ in 0..3 {
        assert_eq!(app.query(page, json!({})).await, before);
    }
}

/// Postgres ends every session of the service, three times, while clients keep reading
/// (once 4 of 29,957 requests failed so). A query that meets only a lost connection runs once
/// more, on a connection tested first, so no client sees an error. (On SQLite the database is a
/// file the process holds open: no server ends its sessions, so there is nothing to retry.)
#[tokio::test]
async fn reads_see_no_error_while_postgres_ends_every_session_under_load() {
    let Some(admin_url) = postgres_admin_url() else {
        eprintln!("TEST_DATABASE_URL is not set: ending Postgres sessions under load is not tried");
        return;
    };
    // No response cache: every read goes to the database.
    let app = spawn_app_on(TestDatabase::postgres(&admin_url).await, |s| s.cache.response_cache_bytes = 0).await;
    let page = "{ models(first: 5) { nodes { slug organizations { slug } riskAssessments { summary } } } }";
    let expected = app.query(page, json!({})).await;
    let name = url::Url::parse(&app.db.url).expect("a URL").path().trim_start_matches('/').to_owned();
    let admin = sea_orm::Database::connect(&admin_url).await.expect("connect to TEST_DATABASE_URL");
    let end_sessions = sea_orm::Statement::from_string(
        sea_orm::DbBackend::Postgres,
        format!(
            "SELECT count(*) AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = '{name}' AND pid <> pg_backend_pid()) AS ended"
        ),
    );

    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let (client, url, done, expected) =
                (app.client.clone(), app.url("/graphql"), done.clone(), expected.clone());
            tokio::spawn(async move {
                let (mut reads, mut failures) = (0, Vec::new());
                // Bounded: until the sessions stop being ended, and at most 3,000 reads each.
                while reads < 3_000 && !done.load(std::sync::atomic::Ordering::Relaxed) {
                    let response = client.post(&url).json(&json!({ "query": page })).send().await.expect("an answer");
                    let status = response.status().as_u16();
                    let body: Value = response.json().await.expect("JSON");
                    if status != 200 || body["data"] != expected || body.get("errors").is_some() {
                        failures.push(format!("{status} {body}"));
                    }
                    reads += 1;
                }
                (reads, failures)
            })
        })
        .collect();
    // Three rounds, each ending every session the service has at that moment (pooled, busy,
    // and the change listener's).
    let mut ended = 0;
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(700)).await;
        let row = admin.query_one_raw(end_sessions.clone()).await.expect("sessions ended").expect("a row");
        ended += row.try_get::<i64>("", "n").expect("a count");
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    admin.close().await.ok();
    let (mut reads, mut failures) = (0, Vec::new());
    for reader in readers {
        let (n, f) = tokio::time::timeout(Duration::from_secs(60), reader).await.expect("readers finish").unwrap();
        reads += n;
        failures.extend(f);
    }
    eprintln!("{reads} reads while {ended} sessions were ended in 3 rounds: {} failed", failures.len());
    assert!(ended >= 3, "the service had sessions to end: {ended}");
    assert!(reads >= 40, "the readers ran: {reads}");
    assert!(
        failures.is_empty(),
        "{} of {reads} reads failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(3)]
    );
    assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 200);
}
