//! Read replicas (`DATABASE_READ_URL`): anonymous reads go to a replica, everything else to the
//! primary, and a replica that fails or lags is not read.
//!
//! The replica is the test's own database reached as a role whose sessions are read-only
//! (`ALTER ROLE … SET default_transaction_read_only = on`), so a write routed there by mistake
//! fails, and which sessions are the replica's shows in `pg_stat_activity`. Postgres only:
//! SQLite has no replicas (and refuses them, which the last test checks).

use std::time::{Duration, Instant};

use ai_tracker::domain::EditorRole;
use futures_util::future::join_all;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, TestDatabase, changes_seen, postgres_admin_url, sample, scrape, spawn_app_on, test_settings,
};

const REPLICA_READS: &str = "ai_tracker_db_requests_total{target=\"replica\"}";
const PRIMARY_REQUESTS: &str = "ai_tracker_db_requests_total{target=\"primary\"}";
const IN_USE: &str = "ai_tracker_db_replicas{state=\"in_use\"}";

fn fallbacks(reason: &str) -> String {
    format!("ai_tracker_db_replica_fallbacks_total{{reason=\"{reason}\"}}")
}

/// A login role whose sessions are read-only and may read every table, dropped with this value.
struct ReadOnlyRole {
    name: String,
    admin_url: String,
}

impl ReadOnlyRole {
    async fn create(admin_url: &str) -> ReadOnlyRole {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("ai_tracker_replica_{}_{n}", std::process::id());
        let admin = Database::connect(admin_url).await.expect("connect to TEST_DATABASE_URL");
        for sql in [
            format!("DROP ROLE IF EXISTS {name}"),
            format!("CREATE ROLE {name} LOGIN"),
            format!("ALTER ROLE {name} SET default_transaction_read_only = on"),
            format!("GRANT pg_read_all_data TO {name}"),
        ] {
            admin.execute_unprepared(&sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        admin.close().await.ok();
        ReadOnlyRole { name, admin_url: admin_url.to_owned() }
    }

    /// `db`'s URL, as this role.
    fn url_of(&self, db: &TestDatabase) -> String {
        let mut url = url::Url::parse(&db.url).expect("a URL");
        url.set_username(&self.name).expect("a user name fits");
        url.set_password(None).expect("no password");
        url.to_string()
    }

    async fn admin(&self) -> DatabaseConnection {
        Database::connect(&self.admin_url).await.expect("connect to TEST_DATABASE_URL")
    }
}

impl Drop for ReadOnlyRole {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            tokio::runtime::Runtime::new().expect("runtime").block_on(async {
                if let Ok(admin) = Database::connect(&admin_url).await {
                    let _ = admin
                        .execute_unprepared(&format!(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{name}'"
                        ))
                        .await;
                    let _ = admin.execute_unprepared(&format!("DROP ROLE IF EXISTS {name}")).await;
                    admin.close().await.ok();
                }
            })
        })
        .join();
    }
}

/// The service on a fresh Postgres database with `replica(db)` as its read replica, the
/// response cache off (so every read runs), or `None` on SQLite.
async fn app_with_replica(
    replica: impl FnOnce(&TestDatabase, &ReadOnlyRole) -> String,
    rest_ms: u64,
) -> Option<(TestApp, ReadOnlyRole)> {
    let Some(admin_url) = postgres_admin_url() else {
        println!("skipped: read replicas need Postgres; set TEST_DATABASE_URL to run this");
        return None;
    };
    let db = TestDatabase::postgres(&admin_url).await;
    let role = ReadOnlyRole::create(&admin_url).await;
    let url = replica(&db, &role);
    let app = spawn_app_on(db, |settings| {
        settings.replicas.database_read_urls = vec![url];
        settings.replicas.replica_rest_ms = rest_ms;
        settings.cache.response_cache_bytes = 0;
    })
    .await;
    Some((app, role))
}

/// Waits until `/metrics` shows `series` at `value`.
async fn metric_reaches(app: &TestApp, series: &str, value: f64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, samples) = scrape(&app.address).await;
        if samples.get(series) == Some(&value) {
            return;
        }
        assert!(Instant::now() < deadline, "{series} never reached {value}: {:?}", samples.get(series));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn counts(app: &TestApp) -> (f64, f64) {
    let (_, samples) = scrape(&app.address).await;
    (sample(&samples, REPLICA_READS), sample(&samples, PRIMARY_REQUESTS))
}

const MODELS: &str = "query($n: Int!) { models(first: $n) { totalCount nodes { slug name } } }";

async fn anonymous_read(app: &TestApp, n: i64) -> Value {
    let data = app.query(MODELS, json!({ "n": n })).await;
    assert!(data["models"]["totalCount"].as_i64().unwrap() > 0, "{data}");
    data
}

/// The sessions the service holds open under `role`, by application name.
async fn replica_sessions(role: &ReadOnlyRole, app: &TestApp) -> Vec<String> {
    let admin = role.admin().await;
    let database = url::Url::parse(&app.db.url).unwrap().path().trim_start_matches('/').to_owned();
    let rows = admin
        .query_all_raw(Statement::from_string(
            admin.get_database_backend(),
            format!(
                "SELECT application_name FROM pg_stat_activity WHERE usename = '{}' AND datname = '{database}'",
                role.name
            ),
        ))
        .await
        .unwrap();
    admin.close().await.ok();
    rows.iter().map(|r| r.try_get::<String>("", "application_name").unwrap()).collect()
}

#[tokio::test]
async fn the_replica_role_cannot_write() {
    // What the routing tests rest on: a write that reaches the replica fails.
    let Some((app, role)) = app_with_replica(|db, role| role.url_of(db), 5_000).await else { return };
    let replica = Database::connect(role.url_of(&app.db)).await.unwrap();
    let refused = replica.execute_unprepared("UPDATE model SET name = name").await.unwrap_err();
    assert!(refused.to_string().contains("read-only transaction"), "{refused}");
    replica.close().await.ok();
}

#[tokio::test]
async fn anonymous_reads_go_to_the_replica_and_everything_else_to_the_primary() {
    let Some((app, role)) = app_with_replica(|db, role| role.url_of(db), 5_000).await else { return };
    metric_reaches(&app, IN_USE, 1.0).await;

    // Anonymous GraphQL queries: every one on the replica, none on the primary.
    let (replica_before, primary_before) = counts(&app).await;
    for n in 1..=5 {
        anonymous_read(&app, n).await;
    }
    let (replica_after, primary_after) = counts(&app).await;
    assert_eq!(replica_after - replica_before, 5.0);
    assert_eq!(primary_after, primary_before);
    let sessions = replica_sessions(&role, &app).await;
    assert!(!sessions.is_empty() && sessions.iter().all(|a| a == "ai-tracker-replica"), "{sessions:?}");

    // The explorer's page, the export and the feed, read anonymously: the replica too.
    for path in ["/", "/export/models.csv", "/feed.atom"] {
        let (replica_before, primary_before) = counts(&app).await;
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        response.bytes().await.unwrap();
        let (replica_after, primary_after) = counts(&app).await;
        assert!(replica_after > replica_before, "{path} did not read the replica");
        assert_eq!(primary_after, primary_before, "{path} went to the primary");
    }

    // An editor's reads and exports stay on the primary: they read their own writes.
    let token = app.editor_token(EditorRole::Editor).await;
    let (replica_before, primary_before) = counts(&app).await;
    let data = app.query_as(&token, MODELS, json!({ "n": 3 })).await;
    assert!(data["models"]["totalCount"].as_i64().unwrap() > 0);
    let export = app.client.get(app.url("/export/models.json")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(export.status(), 200);
    export.bytes().await.unwrap();
    let (replica_after, primary_after) = counts(&app).await;
    assert_eq!(replica_after, replica_before, "an editor's read went to the replica");
    assert_eq!(primary_after - primary_before, 2.0);

    // Mutations, an editor's and an anonymous one, go to the primary (on the replica they
    // would fail: its sessions are read-only).
    let created = app
        .query_as(
            &token,
            r#"mutation { createOrganization(input: { slug: "replica-lab", name: "Replica Lab", country: "FR", kind: INDUSTRY }) { id } }"#,
            json!({}),
        )
        .await;
    assert!(created["createOrganization"]["id"].is_string(), "{created}");
    let receipt = app
        .query(
            "mutation { submitFeedback(input: { kind: GENERAL, body: \"Read replicas are routed well.\" }) { trackingCode } }",
            json!({}),
        )
        .await;
    assert!(receipt["submitFeedback"]["trackingCode"].is_string(), "{receipt}");
    let (replica_after_writes, _) = counts(&app).await;
    assert_eq!(replica_after_writes, replica_after, "a mutation went to the replica");

    // Once this instance has seen the change, an anonymous read on the replica shows it.
    changes_seen(&app).await;
    metric_reaches(&app, IN_USE, 1.0).await;
    let found = app.query(r#"{ organization(slug: "replica-lab") { name } }"#, json!({})).await;
    assert_eq!(found["organization"]["name"], json!("Replica Lab"));
    let (replica_last, _) = counts(&app).await;
    assert_eq!(replica_last - replica_after_writes, 1.0);
}

#[tokio::test]
async fn nothing_that_writes_goes_to_the_replica_under_load() {
    let Some((app, _role)) = app_with_replica(|db, role| role.url_of(db), 5_000).await else { return };
    metric_reaches(&app, IN_USE, 1.0).await;
    let token = app.editor_token(EditorRole::Editor).await;
    let (replica_before, _) = counts(&app).await;

    // Reads and writes interleaved: every write must land, and reads keep using the replica.
    let writes = (0..8).map(|i| {
        let (app, token) = (&app, &token);
        async move {
            let mutation = format!(
                r#"mutation {{ createOrganization(input: {{ slug: "load-lab-{i}", name: "Load Lab {i}", country: "DE", kind: ACADEMIA }}) {{ id }} }}"#
            );
            let (status, body) = app.post_graphql_as(token, &mutation, json!({})).await;
            assert_eq!(status, 200, "{body}");
            assert!(body.get("errors").is_none(), "write {i} failed: {body}");
        }
    });
    let reads = (0..24).map(|i| {
        let app = &app;
        async move {
            let (status, body) = app.post_graphql(MODELS, json!({ "n": 1 + i % 5 })).await;
            assert_eq!(status, 200, "{body}");
            assert!(body.get("errors").is_none(), "read {i} failed: {body}");
        }
    });
    let writes = join_all(writes);
    let reads = join_all(reads);
    tokio::join!(writes, reads);

    let found = app
        .query_as(
            &token,
            r#"{ organizations(first: 20, filter: { slug: { startsWith: "load-lab-" } }) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(found["organizations"]["totalCount"], json!(8));
    let (replica_after, _) = counts(&app).await;
    assert!(replica_after > replica_before, "no read went to the replica");
}

#[tokio::test]
async fn a_replica_that_cannot_be_reached_leaves_reads_to_the_primary() {
    // Nothing listens on port 1: every connection is refused. The service starts all the same.
    let unreachable = |_: &TestDatabase, role: &ReadOnlyRole| format!("postgres://{}@127.0.0.1:1/none", role.name);
    let Some((app, _role)) = app_with_replica(unreachable, 60_000).await else { return };
    metric_reaches(&app, "ai_tracker_db_replicas{state=\"resting\"}", 1.0).await;
    let (_, before) = scrape(&app.address).await;
    for n in 1..=3 {
        anonymous_read(&app, n).await;
    }
    let (_, after) = scrape(&app.address).await;
    assert_eq!(sample(&after, REPLICA_READS), 0.0);
    assert_eq!(sample(&after, &fallbacks("resting")) - sample(&before, &fallbacks("resting")), 3.0);
    assert_eq!(sample(&after, PRIMARY_REQUESTS) - sample(&before, PRIMARY_REQUESTS), 3.0);
}

/// The replica goes away (its sessions end and it refuses new ones), or comes back.
async fn set_replica_up(role: &ReadOnlyRole, up: bool) {
    let admin = role.admin().await;
    let login = if up { "LOGIN" } else { "NOLOGIN" };
    admin.execute_unprepared(&format!("ALTER ROLE {} {login}", role.name)).await.unwrap();
    if !up {
        let end_sessions =
            format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{}'", role.name);
        admin.execute_unprepared(&end_sessions).await.unwrap();
    }
    admin.close().await.ok();
}

#[tokio::test]
async fn a_replica_that_fails_mid_flight_falls_back_to_the_primary_and_comes_back() {
    let Some((app, role)) = app_with_replica(|db, role| role.url_of(db), 300).await else { return };
    metric_reaches(&app, IN_USE, 1.0).await;
    anonymous_read(&app, 2).await;

    set_replica_up(&role, false).await;
    let (_, before) = scrape(&app.address).await;
    // The client sees its answer, from the primary, and no error.
    let data = anonymous_read(&app, 4).await;
    assert_eq!(data["models"]["nodes"].as_array().unwrap().len(), 4);
    let (_, after) = scrape(&app.address).await;
    assert_eq!(sample(&after, &fallbacks("failed")) - sample(&before, &fallbacks("failed")), 1.0, "{after:?}");
    assert_eq!(sample(&after, "ai_tracker_db_replicas{state=\"resting\"}"), 1.0);
    // While it rests, reads go straight to the primary, without trying it.
    anonymous_read(&app, 5).await;
    let (_, resting) = scrape(&app.address).await;
    assert_eq!(sample(&resting, REPLICA_READS), sample(&after, REPLICA_READS));

    // Back: after its rest, a background check finds it, and reads return to it.
    set_replica_up(&role, true).await;
    metric_reaches(&app, IN_USE, 1.0).await;
    anonymous_read(&app, 1).await;
    let (_, back) = scrape(&app.address).await;
    assert_eq!(sample(&back, REPLICA_READS) - sample(&resting, REPLICA_READS), 1.0);

    // The feed (and the exports, the same way) fall back too.
    set_replica_up(&role, false).await;
    let feed = app.client.get(app.url("/feed.atom")).send().await.unwrap();
    assert_eq!(feed.status(), 200);
    assert!(feed.text().await.unwrap().contains("<entry>"));
    let (_, after_feed) = scrape(&app.address).await;
    assert_eq!(sample(&after_feed, &fallbacks("failed")) - sample(&back, &fallbacks("failed")), 1.0);
    set_replica_up(&role, true).await;
    metric_reaches(&app, IN_USE, 1.0).await;
}

#[tokio::test]
async fn a_replica_behind_the_primary_is_not_read() {
    // The "replica" is a migrated database without the catalog: it has not replayed a single
    // revision the primary holds. Read there, the answer would be an empty catalog.
    let Some(admin_url) = postgres_admin_url() else {
        println!("skipped: read replicas need Postgres; set TEST_DATABASE_URL to run this");
        return;
    };
    let lagging = TestDatabase::postgres(&admin_url).await;
    let migrated = ai_tracker::db::connect(&lagging.settings()).await.unwrap();
    ai_tracker::db::migrate(&migrated).await.unwrap();
    migrated.close().await.ok();
    let lagging_url = lagging.url.clone();
    let Some((app, _role)) = app_with_replica(move |_, _| lagging_url, 5_000).await else { return };
    metric_reaches(&app, "ai_tracker_db_replicas{state=\"behind\"}", 1.0).await;
    let (_, before) = scrape(&app.address).await;
    for n in 1..=3 {
        anonymous_read(&app, n).await;
    }
    let (_, after) = scrape(&app.address).await;
    assert_eq!(sample(&after, REPLICA_READS), 0.0);
    assert_eq!(sample(&after, &fallbacks("behind")) - sample(&before, &fallbacks("behind")), 3.0);
    drop(app);
    drop(lagging);
}

#[tokio::test]
async fn sqlite_refuses_read_replicas_at_start() {
    let db = TestDatabase::sqlite();
    let mut settings = test_settings();
    settings.replicas.database_read_urls = vec!["postgres://reader@127.0.0.1:5432/replica".into()];
    let refused = ai_tracker::startup::Application::build(&db.settings(), &settings).await.err().expect("refused");
    assert!(refused.to_string().contains("DATABASE_READ_URL"), "{refused}");

    let mut settings = test_settings();
    settings.replicas.database_read_urls = vec!["mysql://reader@127.0.0.1/replica".into()];
    let refused = ai_tracker::startup::Application::build(&db.settings(), &settings).await.err().expect("refused");
    assert!(refused.to_string().contains("DATABASE_READ_URL"), "{refused}");
}
