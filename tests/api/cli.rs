//! The `ai-tracker` binary as a user runs it.

use std::process::Stdio;
use std::time::{Duration, Instant};

use ai_tracker::config::ServeSettings;
use ai_tracker::startup::Application;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::helpers::{TestDatabase, spawn_app_with};

fn ai_tracker() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ai-tracker"));
    command.env_remove("DATABASE_URL").env("RUST_LOG", "warn").kill_on_drop(true);
    command
}

async fn total_models(address: &str) -> i64 {
    let body: Value = reqwest::Client::new()
        .post(format!("{address}/graphql"))
        .json(&json!({ "query": "{ models { totalCount } }" }))
        .send()
        .await
        .expect("the server answers")
        .json()
        .await
        .unwrap();
    body["data"]["models"]["totalCount"].as_i64().unwrap_or_else(|| panic!("{body}"))
}

/// A newcomer's first `cargo run`: from an empty folder, the embedded default opens a SQLite
/// file there, migrates, loads the starter catalog and answers.
#[tokio::test]
async fn a_bare_ai_tracker_serves_the_starter_catalog_from_an_empty_folder() {
    let folder = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let mut child = ai_tracker()
        .current_dir(folder.path())
        .env("AI_TRACKER_ADDR", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .spawn()
        .expect("ai-tracker starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line =
        tokio::time::timeout(Duration::from_secs(30), lines.next_line()).await.expect("it says where it listens");
    let line = line.unwrap().expect("a line");
    let address = line.split("http://").nth(1).expect("an address").trim_end_matches("/graphql");
    let total = total_models(&format!("http://{address}")).await;
    println!("first answered query {:?} after start (debug build)", started.elapsed());
    assert!(total >= 80, "{total} models");
    assert!(folder.path().join("ai-tracker.db").exists(), "the embedded database lives in the working folder");
    assert!(folder.path().join("ai-tracker.db-wal").exists(), "the file is in WAL mode");

    // WAL lets the command line use the file while the server has it open.
    let migrate = ai_tracker().current_dir(folder.path()).arg("migrate").output().await.unwrap();
    assert!(migrate.status.success(), "{}", String::from_utf8_lossy(&migrate.stderr));
    let check = ai_tracker().current_dir(folder.path()).arg("seed").output().await.unwrap();
    assert!(!check.status.success(), "the catalog is already there");
    assert_eq!(total_models(&format!("http://{address}")).await, total, "the server still answers, unchanged");
    child.kill().await.ok();
}

#[tokio::test]
async fn migrate_then_seed_loads_once_and_a_second_seed_writes_nothing() {
    let db = TestDatabase::create().await;
    let run = |args: &'static [&'static str]| {
        let mut command = ai_tracker();
        command.env("DATABASE_URL", &db.url).args(args);
        command
    };
    let migrate = run(&["migrate"]).output().await.unwrap();
    assert!(migrate.status.success(), "{}", String::from_utf8_lossy(&migrate.stderr));
    let seed = run(&["seed"]).output().await.unwrap();
    assert!(seed.status.success(), "{}", String::from_utf8_lossy(&seed.stderr));
    assert!(String::from_utf8_lossy(&seed.stdout).contains("models"));

    let again = run(&["seed"]).output().await.unwrap();
    assert!(!again.status.success(), "loading the catalog twice is refused");

    let mut settings = ServeSettings::default();
    settings.http.addr = "127.0.0.1:0".into();
    settings.no_seed = true;
    let app = Application::build(&db.settings(), &settings).await.unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let catalog = ai_tracker_seed_count();
    assert_eq!(total_models(&address).await, catalog, "the failed second load left no partial write");
}

fn ai_tracker_seed_count() -> i64 {
    ai_tracker::service::seed::starter_catalog().unwrap().model.len() as i64
}

#[tokio::test]
async fn serve_with_no_seed_leaves_the_catalog_empty() {
    let app = spawn_app_with(|s| s.no_seed = true).await;
    assert_eq!(total_models(&app.address).await, 0);
    let data = app.query("{ models { nodes { slug } pageInfo { hasNextPage } } }", json!({})).await;
    assert_eq!(data["models"]["nodes"], json!([]));
    assert_eq!(data["models"]["pageInfo"]["hasNextPage"], false);
}

#[tokio::test]
async fn seed_check_reports_the_catalog_without_a_database() {
    let folder = tempfile::tempdir().unwrap();
    let output = ai_tracker().current_dir(folder.path()).args(["seed", "--check"]).output().await.unwrap();
    // Whether the catalog keeps every promise is seed_check's to test.
    assert!(String::from_utf8_lossy(&output.stdout).contains("| models with training compute |"), "{output:?}");
    assert!(!folder.path().join("ai-tracker.db").exists(), "--check touches no database");
}

async fn run_with_stdin(command: &mut Command, stdin: &str) -> std::process::Output {
    use tokio::io::AsyncWriteExt;
    let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).await.unwrap();
    child.wait_with_output().await.unwrap()
}

#[tokio::test]
async fn editor_accounts_are_managed_from_the_command_line() {
    let app = spawn_app_with(|_| {}).await;
    let editor = |args: &[&str]| {
        let mut command = ai_tracker();
        command.env("DATABASE_URL", &app.db.url).arg("editor").args(args);
        command
    };
    let add = ["add", "--email", "ada@tracker.example", "--name", "Ada L.", "--role", "admin", "--password-stdin"];
    let weak = run_with_stdin(&mut editor(&add), "too short\n").await;
    assert!(!weak.status.success(), "a weak password is refused");
    assert!(String::from_utf8_lossy(&weak.stderr).contains("at least 12 characters"), "{weak:?}");

    let added = run_with_stdin(&mut editor(&add), "a passphrase with spaces\n").await;
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    // The password is the line without its newline.
    let token = app.login("ada@tracker.example", "a passphrase with spaces").await;
    let me = app.query_as(&token, "{ me { name role } }", json!({})).await;
    assert_eq!(me["me"], json!({ "name": "Ada L.", "role": "ADMIN" }));

    let list = editor(&["list"]).output().await.unwrap();
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(listed.contains("ada@tracker.example\tAda L.\tadmin\tactive"), "{listed}");

    let revoke = editor(&["revoke", "--email", "ada@tracker.example"]).output().await.unwrap();
    assert!(revoke.status.success());
    let (status, body) = app.post_graphql_as(&token, "{ me { name } }", json!({})).await;
    assert_eq!((status, body["errors"][0]["extensions"]["code"].as_str()), (401, Some("UNAUTHENTICATED")));

    let deactivate = editor(&["deactivate", "--email", "ada@tracker.example"]).output().await.unwrap();
    assert!(deactivate.status.success());
    let (_, error) = app
        .query_error(
            "mutation { login(email: \"ada@tracker.example\", password: \"a passphrase with spaces\") { token } }",
            json!({}),
        )
        .await;
    assert_eq!(error["extensions"]["code"], "UNAUTHENTICATED");
    let unknown = editor(&["revoke", "--email", "nobody@tracker.example"]).output().await.unwrap();
    assert!(!unknown.status.success());
}

#[tokio::test]
async fn a_short_jwt_secret_stops_the_service_from_starting() {
    let folder = tempfile::tempdir().unwrap();
    let output = ai_tracker()
        .current_dir(folder.path())
        .env("AI_TRACKER_ADDR", "127.0.0.1:0")
        .env("AI_TRACKER_JWT_SECRET", "too-short")
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("AI_TRACKER_JWT_SECRET") && stderr.contains("32 bytes"), "{stderr}");
    assert!(!stderr.contains("too-short"), "the secret itself is never printed");
}

/// `ai-tracker seed --update` on a database seeded by an older starter catalog, where an editor
/// changed one field: new entries are added, fields only the starter catalog changed are
/// updated, and the editor's change is kept and reported.
#[tokio::test]
async fn seed_update_adds_and_updates_but_leaves_an_editors_change_alone() {
    use ai_tracker::domain::{EditorRole, EntityType, RevisionAction};
    use ai_tracker::entity::{model, revision, risk_assessment};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, sea_query::Expr};

    let app = spawn_app_with(|_| {}).await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let gpt4 = app.query(r#"{ model(slug: "gpt-4") { id version hardware } }"#, json!({})).await["model"].clone();
    let edit = r#"mutation($id: ID!, $v: Int!) { updateModel(id: $id, expectedVersion: $v,
      input: { hardware: "The editor's hardware" }) { version } }"#;
    app.query_as(&editor, edit, json!({ "id": gpt4["id"], "v": gpt4["version"] })).await;

    // What an older starter catalog would have written: GPT-3's description and GPT-4's
    // hardware were different then, and one risk assessment did not exist yet.
    let db = sea_orm::Database::connect(&app.db.url).await.unwrap();
    let created = |kind: EntityType, id: i32| {
        revision::Entity::find()
            .filter(revision::Column::EntityType.eq(kind))
            .filter(revision::Column::EntityId.eq(id))
            .filter(revision::Column::Action.eq(RevisionAction::Create))
    };
    let older = |field: &'static str, value: &'static str, kind: EntityType, id: i32| {
        let db = db.clone();
        async move {
            let row = created(kind, id).one(&db).await.unwrap().unwrap();
            let mut after = row.after.clone().unwrap();
            after[field] = json!(value);
            revision::Entity::update_many()
                .col_expr(revision::Column::After, Expr::value(after))
                .filter(revision::Column::Id.eq(row.id))
                .exec(&db)
                .await
                .unwrap();
        }
    };
    let gpt3 = model::Entity::find().filter(model::Column::Slug.eq("gpt-3")).one(&db).await.unwrap().unwrap();
    model::Entity::update_many()
        .col_expr(model::Column::Description, Expr::value("An older description."))
        .filter(model::Column::Id.eq(gpt3.id))
        .exec(&db)
        .await
        .unwrap();
    older("description", "An older description.", EntityType::Model, gpt3.id).await;
    let gpt4_id = model::Entity::find().filter(model::Column::Slug.eq("gpt-4")).one(&db).await.unwrap().unwrap().id;
    older("hardware", "An older hardware note.", EntityType::Model, gpt4_id).await;
    let newest =
        risk_assessment::Entity::find().order_by_desc(risk_assessment::Column::Id).one(&db).await.unwrap().unwrap();
    risk_assessment::Entity::delete_by_id(newest.id).exec(&db).await.unwrap();
    revision::Entity::delete_many()
        .filter(revision::Column::EntityType.eq(EntityType::RiskAssessment))
        .filter(revision::Column::EntityId.eq(newest.id))
        .exec(&db)
        .await
        .unwrap();

    let update = ai_tracker().args(["--database-url", &app.db.url, "seed", "--update"]).output().await.unwrap();
    let out = String::from_utf8_lossy(&update.stdout);
    assert!(update.status.success(), "{}", String::from_utf8_lossy(&update.stderr));
    assert!(out.contains("added: 1\n"), "{out}");
    assert!(out.contains("updated: 1\n  model:gpt-3 (description)"), "{out}");
    assert!(out.contains("left for an editor: 1\n  model:gpt-4 (hardware)"), "{out}");
    crate::helpers::changes_seen(&app).await;
    let after = app
        .query(r#"{ a: model(slug: "gpt-4") { hardware } b: model(slug: "gpt-3") { description } }"#, json!({}))
        .await;
    assert_eq!(after["a"]["hardware"], json!("The editor's hardware"));
    assert_ne!(after["b"]["description"], json!("An older description."));
    let risks = risk_assessment::Entity::find().filter(risk_assessment::Column::Summary.eq(newest.summary.clone()));
    assert_eq!(risks.all(&db).await.unwrap().len(), 1, "added back");

    // A second run has nothing to add or update, and still leaves the editor's change alone.
    let again = ai_tracker().args(["--database-url", &app.db.url, "seed", "--update"]).output().await.unwrap();
    let out = String::from_utf8_lossy(&again.stdout);
    assert!(out.contains("added: 0\n") && out.contains("updated: 0\n"), "{out}");
    assert!(out.contains("left for an editor: 1\n"), "{out}");
}
