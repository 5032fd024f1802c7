//! `spawn_app()`: the real service on a fresh database and a free port. SQLite (a temporary
//! file) by default; Postgres when `TEST_DATABASE_URL` names a server, with a database created
//! for the test and dropped after it. Logs are silent unless `TEST_LOG` is set.

use std::sync::{
    Arc, Once,
    atomic::{AtomicU64, Ordering},
};

use ai_tracker::config::{DatabaseSettings, ServeSettings};
use ai_tracker::domain::{Access, Confidence, DatePrecision, EditorRole};
use ai_tracker::service::changes::ChangeHub;
use ai_tracker::service::{
    Actor,
    editors::{self, NewEditor},
};
use ai_tracker::startup::Application;

use crate::template::{self, Template};
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use std::collections::HashMap;

pub const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// The Postgres server tests run against, when `TEST_DATABASE_URL` names one.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty())
}

/// A database that exists for one test.
pub struct TestDatabase {
    pub url: String,
    postgres: Option<(String, String)>,
    _dir: tempfile::TempDir,
}

impl TestDatabase {
    /// SQLite, or Postgres when `TEST_DATABASE_URL` is set.
    pub async fn create() -> TestDatabase {
        match postgres_admin_url() {
            None => TestDatabase::sqlite(),
            Some(admin_url) => TestDatabase::postgres(&admin_url).await,
        }
    }

    /// A copy of `template` (see template.rs) on SQLite, or on Postgres when
    /// `TEST_DATABASE_URL` is set.
    pub async fn from_template(template: Template) -> TestDatabase {
        match postgres_admin_url() {
            None => {
                let db = TestDatabase::sqlite();
                let path = db._dir.path().join("ai-tracker.db");
                std::fs::copy(template::sqlite_file(template), path).expect("copy the template");
                db
            }
            Some(admin_url) => {
                let name = template::postgres_database(&admin_url, template);
                TestDatabase::postgres_from(&admin_url, &format!("TEMPLATE \"{name}\"")).await
            }
        }
    }

    /// A temporary SQLite file, whatever `TEST_DATABASE_URL` says.
    pub fn sqlite() -> TestDatabase {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("ai-tracker.db").display());
        TestDatabase { url, postgres: None, _dir: dir }
    }

    /// A fresh database on the Postgres server `admin_url` names, dropped with this value.
    pub async fn postgres(admin_url: &str) -> TestDatabase {
        TestDatabase::postgres_from(admin_url, "").await
    }

    /// A database created with `options` (e.g. a template) on the server `admin_url` names.
    async fn postgres_from(admin_url: &str, options: &str) -> TestDatabase {
        let dir = tempfile::tempdir().expect("temporary directory");
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
        let name = format!("ai_tracker_test_{}_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed), nanos);
        let admin = Database::connect(admin_url).await.expect("connect to TEST_DATABASE_URL");
        admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\" {options}")).await.expect("create test database");
        admin.close().await.ok();
        let mut url = url::Url::parse(admin_url).expect("TEST_DATABASE_URL is a URL");
        url.set_path(&name);
        TestDatabase { url: url.to_string(), postgres: Some((admin_url.to_owned(), name)), _dir: dir }
    }

    #[allow(dead_code)]
    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }

    pub fn settings(&self) -> DatabaseSettings {
        DatabaseSettings { database_url: Some(self.url.clone()), db_pool_size: 5, statement_timeout_ms: 5_000 }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.postgres.take() {
            // Drop runs outside async code: use a runtime of our own on a thread of our own.
            let _ = std::thread::spawn(move || {
                tokio::runtime::Runtime::new().expect("runtime").block_on(async {
                    if let Ok(admin) = Database::connect(&admin_url).await {
                        let _ =
                            admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
                        admin.close().await.ok();
                    }
                })
            })
            .join();
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub statements: Arc<AtomicU64>,
    /// The app's change hub (its open-subscription gauge tells when a subscriber is listening).
    #[allow(dead_code)]
    pub changes: ai_tracker::service::changes::ChangeHub,
    #[allow(dead_code)]
    pub db: TestDatabase,
}

fn init_logs() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| "info,sqlx=warn".into());
            let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
        }
    });
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// The JWT secret test apps sign with (tests forge tokens with it).
pub const TEST_SECRET: &str = "a test secret that is long enough for HS256 signing";

/// The defaults, on a free port and signing with `TEST_SECRET`.
pub fn test_settings() -> ServeSettings {
    let mut settings = ServeSettings::default();
    settings.http.addr = "127.0.0.1:0".into();
    settings.auth.jwt_secret = Some(TEST_SECRET.into());
    settings
}

/// The service with `configure`'s settings, on a copy of the migrated database (with the
/// starter catalog unless `no_seed`).
pub async fn spawn_app_with(configure: impl FnOnce(&mut ServeSettings)) -> TestApp {
    let mut settings = test_settings();
    configure(&mut settings);
    let template = if settings.no_seed { Template::Migrated } else { Template::Seeded };
    spawn_app_on(TestDatabase::from_template(template).await, |s| *s = settings).await
}

/// The service on the database given (e.g. SQLite and Postgres side by side).
pub async fn spawn_app_on(db: TestDatabase, configure: impl FnOnce(&mut ServeSettings)) -> TestApp {
    init_logs();
    let mut settings = test_settings();
    configure(&mut settings);
    let app = Application::build(&db.settings(), &settings).await.expect("the service builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let statements = app.statement_counter();
    let changes = app.changes();
    tokio::spawn(app.run_until(std::future::pending()));
    TestApp { address, client: reqwest::Client::new(), statements, changes, db }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// POSTs a GraphQL request as a spec-following client does; returns status and body.
    pub async fn post_graphql(&self, query: &str, variables: Value) -> (u16, Value) {
        let response = self
            .client
            .post(self.url("/graphql"))
            .header(ACCEPT, GRAPHQL_RESPONSE)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request sent");
        let status = response.status().as_u16();
        (status, response.json().await.expect("a JSON body"))
    }

    /// A query that must succeed: returns its `data`.
    pub async fn query(&self, query: &str, variables: Value) -> Value {
        let (status, body) = self.post_graphql(query, variables).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    /// A query that must fail with one error: returns that error.
    pub async fn query_error(&self, query: &str, variables: Value) -> (u16, Value) {
        let (status, body) = self.post_graphql(query, variables).await;
        let errors = body["errors"].as_array().unwrap_or_else(|| panic!("expected errors: {body}"));
        assert!(!errors.is_empty(), "{body}");
        (status, errors[0].clone())
    }

    pub async fn post_raw(
        &self,
        content_type: Option<&str>,
        accept: Option<&str>,
        body: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        let mut request = self.client.post(self.url("/graphql")).body(body);
        if let Some(ct) = content_type {
            request = request.header(CONTENT_TYPE, ct);
        }
        if let Some(a) = accept {
            request = request.header(ACCEPT, a);
        }
        request.send().await.expect("request sent")
    }

    /// POSTs a GraphQL request with `Authorization: Bearer <token>`.
    pub async fn post_graphql_as(&self, token: &str, query: &str, variables: Value) -> (u16, Value) {
        let response = self
            .client
            .post(self.url("/graphql"))
            .header(ACCEPT, GRAPHQL_RESPONSE)
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request sent");
        let status = response.status().as_u16();
        (status, response.json().await.expect("a JSON body"))
    }

    /// A request as `token` that must succeed: returns its `data`.
    pub async fn query_as(&self, token: &str, query: &str, variables: Value) -> Value {
        let (status, body) = self.post_graphql_as(token, query, variables).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    /// A request as `token` that must fail: returns its first error.
    pub async fn query_error_as(&self, token: &str, query: &str, variables: Value) -> (u16, Value) {
        let (status, body) = self.post_graphql_as(token, query, variables).await;
        let errors = body["errors"].as_array().unwrap_or_else(|| panic!("expected errors: {body}"));
        (status, errors[0].clone())
    }

    /// Creates an account directly in the service (the way `ai-tracker editor add` does).
    pub async fn add_editor(&self, email: &str, name: &str, role: EditorRole, password: &str) {
        let db = Database::connect(&self.db.url).await.expect("connect to the test database");
        let new = NewEditor { email: email.into(), name: name.into(), role, password: password.into() };
        editors::add(&db, &Actor::system("test setup"), new).await.expect("editor added");
        db.close().await.ok();
    }

    /// Signs in through the API; returns the token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let data = self
            .query(
                "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
                json!({ "e": email, "p": password }),
            )
            .await;
        data["login"]["token"].as_str().expect("a token").to_owned()
    }

    /// A new account with `role`, signed in; returns its token.
    pub async fn editor_token(&self, role: EditorRole) -> String {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let email = format!("{}-{n}@tracker.example", role.as_str());
        let name = format!("{} {n}", if role == EditorRole::Admin { "Admin" } else { "Editor" });
        self.add_editor(&email, &name, role, "correct horse battery staple").await;
        self.login(&email, "correct horse battery staple").await
    }

    pub fn statements_so_far(&self) -> u64 {
        self.statements.load(Ordering::SeqCst)
    }
}

/// Every node of a connection, paging with `first` through the whole list.
pub async fn all_nodes(app: &TestApp, field: &str, selection: &str, order_by: &str) -> Vec<Value> {
    let mut nodes = Vec::new();
    let mut after = Value::Null;
    loop {
        let query = format!(
            "query($after: String) {{ {field}(first: 100, after: $after{order_by}) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {selection} }} }} }}"
        );
        let data = app.query(&query, json!({ "after": after })).await;
        let page = &data[field];
        nodes.extend(page["nodes"].as_array().unwrap().iter().cloned());
        if !page["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            return nodes;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}

/// Adds a published model straight into the app's database (there are no mutations to do it
/// through the API yet), with only what the analyses read.
#[allow(dead_code)]
pub async fn plant_model(app: &TestApp, slug: &str, announced_on: &str, compute: Option<f64>, parameters: Option<f64>) {
    use sea_orm::{ActiveModelTrait, Set};
    let db = Database::connect(&app.db.url).await.expect("connect to the test database");
    let mut model = planted_model(slug, slug, announced_on.parse().expect("a YYYY-MM-DD date"));
    model.parameters = Set(parameters);
    model.parameters_confidence = Set(Confidence::Confirmed);
    model.training_compute_flop = Set(compute);
    model.training_compute_confidence = Set(Confidence::Confirmed);
    model.insert(&db).await.expect("insert a model");
    db.close().await.ok();
}

/// A published model with a name and an announcement date and nothing else, to insert straight
/// into the database.
#[allow(dead_code)]
pub fn planted_model(
    slug: &str,
    name: &str,
    announced_on: chrono::NaiveDate,
) -> ai_tracker::entity::model::ActiveModel {
    use sea_orm::Set;
    let now = chrono::Utc::now();
    ai_tracker::entity::model::ActiveModel {
        slug: Set(slug.to_owned()),
        name: Set(name.to_owned()),
        name_key: Set(name.to_lowercase()),
        announced_on: Set(Some(announced_on)),
        announced_precision: Set(DatePrecision::Day),
        parameters_confidence: Set(Confidence::Unknown),
        training_compute_confidence: Set(Confidence::Unknown),
        access: Set(Access::Api),
        description: Set(String::new()),
        industry_context: Set(String::new()),
        published: Set(true),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// A second server on `app`'s database; returns its address and change hub.
#[allow(dead_code)]
pub async fn second_instance(app: &TestApp) -> (String, ChangeHub) {
    second_instance_with(app, |_| {}).await
}

/// A second server on `app`'s database with settings of its own.
#[allow(dead_code)]
pub async fn second_instance_with(app: &TestApp, configure: impl FnOnce(&mut ServeSettings)) -> (String, ChangeHub) {
    let mut settings = test_settings();
    settings.no_seed = true;
    configure(&mut settings);
    let second = Application::build(&app.db.settings(), &settings).await.expect("the second instance builds");
    let address = format!("http://127.0.0.1:{}", second.port());
    let hub = second.changes();
    tokio::spawn(second.run_until(std::future::pending()));
    (address, hub)
}

/// `/metrics` as a scraper reads it: each sample line as `name{labels}` → value.
#[allow(dead_code)]
pub async fn scrape(address: &str) -> (String, HashMap<String, f64>) {
    let response = reqwest::get(format!("{address}/metrics")).await.expect("/metrics answers");
    assert_eq!(response.status(), 200);
    let content_type = response.headers()[CONTENT_TYPE].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/plain; version=0.0.4"), "{content_type}");
    let text = response.text().await.unwrap();
    let mut samples = HashMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("not a sample line: {line}"));
        samples.insert(series.to_owned(), value.parse::<f64>().unwrap_or_else(|_| panic!("not a number: {line}")));
    }
    (text, samples)
}

#[allow(dead_code)]
pub fn sample(samples: &HashMap<String, f64>, series: &str) -> f64 {
    *samples.get(series).unwrap_or_else(|| panic!("no sample {series} in {:?}", samples.keys().collect::<Vec<_>>()))
}

/// Waits until `app` has seen every change committed so far (by any process): its subscribers
/// have heard of them and its response cache has moved on. A write by another process (the
/// command line, another instance) reaches a running server this way, after a notice (Postgres)
/// or a poll (SQLite).
#[allow(dead_code)]
pub async fn changes_seen(app: &TestApp) {
    let db = Database::connect(&app.db.url).await.expect("connect to the test database");
    let newest = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT COALESCE(MAX(id), 0) AS newest FROM revision",
        ))
        .await
        .expect("read the revision log")
        .and_then(|row| row.try_get::<i32>("", "newest").ok())
        .unwrap_or(0);
    db.close().await.ok();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    // Seen, and followed: until the hub follows the log, nothing may be cached.
    while app.changes.seen_up_to() < newest || app.changes.generation().is_none() {
        assert!(std::time::Instant::now() < deadline, "the server never saw revision {newest}");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

/// Loads the starter catalog into `app`'s database with the command line, as another process.
#[allow(dead_code)]
pub async fn seed_by_command_line(app: &TestApp) {
    let status = tokio::process::Command::new(env!("CARGO_BIN_EXE_ai-tracker"))
        .args(["--database-url", &app.db.url, "seed"])
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .status()
        .await
        .expect("the command runs");
    assert!(status.success(), "ai-tracker seed failed");
}
