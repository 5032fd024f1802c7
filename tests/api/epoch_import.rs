//! `ai-tracker import epoch FILE.csv` run as a real process against the database of a running
//! service, and its result read back through GraphQL: the committed fixtures in Epoch AI's
//! format, and Epoch's real exports when they are beside the checkout.

use std::path::{Path, PathBuf};
use std::time::Instant;

use ai_tracker::domain::EditorRole;
use serde_json::{Value, json};
use tokio::process::Command;

use crate::helpers::{TestApp, changes_seen, spawn_app, spawn_app_with};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/epoch").join(name)
}

/// Runs the import; returns the exit status's success, the JSON summary (if any) and stderr.
async fn import(app: &TestApp, file: &Path, dry_run: bool) -> (bool, Value, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ai-tracker"));
    command.env("DATABASE_URL", &app.db.url).env("RUST_LOG", "warn").kill_on_drop(true);
    command.args(["import", "epoch", "--json"]).arg(file);
    if dry_run {
        command.arg("--dry-run");
    }
    let output = command.output().await.expect("ai-tracker runs");
    changes_seen(app).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let summary = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    (output.status.success(), summary, String::from_utf8_lossy(&output.stderr).into_owned())
}

async fn imported(app: &TestApp, file: &Path) -> Value {
    let (ok, summary, stderr) = import(app, file, false).await;
    assert!(ok, "the import succeeds: {stderr}");
    summary
}

const MODEL: &str = r#"query($slug: String!) { model(slug: $slug) {
  id version name published parameters parametersNote trainingComputeFlop trainingComputeNote hardware
  trainingDatasetSize trainingDatasetSizeUnit access inputModalities outputModalities announcedOn
  organizations { name country } baseModel { slug } sources { url title } description } }"#;

async fn model(app: &TestApp, slug: &str) -> Value {
    app.query(MODEL, json!({ "slug": slug })).await["model"].clone()
}

fn count(summary: &Value, field: &str) -> u64 {
    summary[field].as_u64().unwrap_or_else(|| panic!("{field} in {summary}"))
}

#[tokio::test]
async fn the_fixture_imports_with_its_odd_cases_handled_and_a_second_run_changes_nothing() {
    let app = spawn_app().await;
    let v1 = fixture("notable_v1.csv");

    let (ok, dry, stderr) = import(&app, &v1, true).await;
    assert!(ok, "{stderr}");
    assert_eq!(dry["dryRun"], json!(true));
    assert_eq!(count(&dry, "inserted"), 6, "{dry}");
    assert!(model(&app, "fixture-lm").await.is_null(), "a dry run writes nothing");
    let organizations =
        app.query(r#"{ organizations(filter: { name: { eq: "FixtureCorp" } }) { totalCount } }"#, json!({})).await;
    assert_eq!(organizations["organizations"]["totalCount"], json!(0), "not even organizations");

    let first = imported(&app, &v1).await;
    assert_eq!(count(&first, "rows"), 10);
    assert_eq!(count(&first, "inserted"), 6, "{first}");
    assert_eq!(count(&first, "inserted") + count(&first, "updated") + count(&first, "unchanged"), 7, "GPT-4 is linked");
    let reasons = &first["skippedByReason"];
    assert_eq!(reasons["Parameters is not a number"], json!(1), "{first}");
    assert_eq!(reasons["Publication date is not a date"], json!(1), "{first}");
    assert_eq!(reasons["has a different number of fields than the header"], json!(1), "{first}");
    assert_eq!(count(&first, "misalignedCountryLists"), 1);

    // A trailing newline in the name, float noise, embedded newlines, several links.
    let lm = model(&app, "fixture-lm").await;
    assert_eq!(lm["name"], json!("Fixture LM"));
    assert_eq!(lm["published"], json!(true), "imported models are published");
    assert_eq!(lm["trainingComputeFlop"], json!(5e26));
    assert_eq!(lm["trainingComputeNote"], json!("Estimated as 6ND:\n6 * 7e9 * 1.2e16."));
    assert_eq!(lm["trainingDatasetSizeUnit"], json!("TOKENS"));
    assert_eq!(lm["access"], json!("OPEN_WEIGHTS"));
    assert_eq!(lm["organizations"], json!([{ "name": "FixtureCorp", "country": "US" }]));
    let urls: Vec<&str> = lm["sources"].as_array().unwrap().iter().map(|s| s["url"].as_str().unwrap()).collect();
    assert_eq!(urls, ["https://example.org/fixture-lm", "https://example.org/fixture-lm-paper"]);
    assert_eq!(lm["description"], json!("A model for tests.\n\nSecond paragraph."));
    // The fine-tune comes before its base model in the file, and still links to it.
    let chat = model(&app, "fixture-lm-chat").await;
    assert_eq!(chat["baseModel"]["slug"], json!("fixture-lm"));
    assert!(chat["outputModalities"].as_array().unwrap().contains(&json!("CODE")));
    // Names that differ only by `+` are different models with different slugs.
    assert_eq!(model(&app, "pointnet").await["parameters"], json!(3.5e6));
    let plus = model(&app, "pointnet-plus-plus").await;
    assert_eq!(plus["name"], json!("PointNet++"));
    assert_eq!(plus["baseModel"]["slug"], json!("pointnet"));
    // Lists that do not line up, and a comma inside an organization's name.
    assert_eq!(model(&app, "collab-net").await["organizations"].as_array().unwrap().len(), 2);
    let split: Vec<String> = model(&app, "lab-split").await["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(split, ["NVIDIA", "NERSC, Lawrence Berkeley National Laboratory"]);
    // The starter catalog's GPT-4 is linked by its alias: its hardware differs and is kept.
    let gpt4 = model(&app, "gpt-4").await;
    assert_eq!(gpt4["name"], json!("GPT-4 (Mar 2023)"));
    assert_ne!(gpt4["hardware"], json!("NVIDIA A100 SXM4 40 GB"));
    let conflict = first["conflicts"].as_array().unwrap().iter().find(|c| c["modelSlug"] == "gpt-4").cloned();
    let conflict = conflict.unwrap_or_else(|| panic!("GPT-4's differences are conflicts: {first}"));
    assert!(conflict["fields"].as_array().unwrap().contains(&json!("hardware")), "{conflict}");

    // Every change is a revision by the importer.
    let history = app
        .query(
            r#"query($id: ID!) { revisions(entityId: $id, first: 10) { nodes { action author } } }"#,
            json!({ "id": lm["id"] }),
        )
        .await;
    assert_eq!(history["revisions"]["nodes"], json!([{ "action": "CREATE", "author": "Epoch AI importer" }]));

    let second = imported(&app, &v1).await;
    assert_eq!((count(&second, "inserted"), count(&second, "updated")), (0, 0), "{second}");
    assert_eq!(count(&second, "unchanged"), 7);
    assert_eq!(model(&app, "fixture-lm").await["version"], lm["version"]);
}

#[tokio::test]
async fn a_newer_file_updates_what_changed_and_keeps_what_an_editor_changed() {
    let app = spawn_app().await;
    imported(&app, &fixture("notable_v1.csv")).await;
    let lm = model(&app, "fixture-lm").await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let edit = r#"mutation($id: ID!, $v: Int!) { updateModel(id: $id, input: { hardware: "H100s, per the editor" },
      expectedVersion: $v) { version } }"#;
    let (status, body) = app.post_graphql_as(&editor, edit, json!({ "id": lm["id"], "v": lm["version"] })).await;
    assert_eq!(status, 200, "{body}");

    // An older column layout: `System`, the deprecated dataset-size column, no notes columns.
    let summary = imported(&app, &fixture("notable_v2.csv")).await;
    assert_eq!(count(&summary, "inserted"), 1, "{summary}");
    assert_eq!(count(&summary, "updated"), 1, "{summary}");
    assert_eq!(count(&summary, "unchanged"), 1, "{summary}");
    let conflicts = summary["conflicts"].as_array().unwrap();
    assert_eq!(conflicts.len(), 1, "{summary}");
    assert_eq!(conflicts[0]["modelSlug"], json!("fixture-lm"));
    assert_eq!(conflicts[0]["fields"], json!(["hardware"]));

    let after = model(&app, "fixture-lm").await;
    assert_eq!(after["parameters"], json!(8e9), "the file's change is applied");
    assert_eq!(after["hardware"], json!("H100s, per the editor"), "the editor's change is kept");
    assert_eq!(after["parametersNote"], lm["parametersNote"], "a column the file lacks clears nothing");
    let fresh = model(&app, "fresh-model").await;
    assert_eq!(fresh["organizations"], json!([{ "name": "Gamma AI", "country": "KR" }]));

    // The conflict is reported again, and nothing is written, until someone resolves it.
    let again = imported(&app, &fixture("notable_v2.csv")).await;
    assert_eq!((count(&again, "inserted"), count(&again, "updated"), count(&again, "unchanged")), (0, 0, 3));
    assert_eq!(again["conflicts"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_file_that_is_not_an_export_fails_and_writes_nothing() {
    let app = spawn_app().await;
    let (ok, _, stderr) = import(&app, &fixture("not_an_export.csv"), false).await;
    assert!(!ok, "exit status is non-zero");
    assert!(stderr.contains("Model"), "{stderr}");
    let (ok, _, stderr) = import(&app, &fixture("no-such-file.csv"), false).await;
    assert!(!ok);
    assert!(stderr.contains("cannot read"), "{stderr}");
}

fn epoch_file(name: &str) -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/epoch-ai-models").join(name);
    path.exists().then_some(path)
}

/// Epoch's real exports, on whichever backend the suite runs on. The expected counts were
/// computed apart from this code, with Python's `csv` module: a row is bad when a figure cell
/// (Parameters, Training compute (FLOP), either dataset-size column, Training compute cost
/// (2023 USD)) is not a positive number or the publication date is not ISO; keys are names with
/// whitespace collapsed, lower-cased. notable: 1,036 rows, 3 bad (a dataset size of
/// "2260275840,2290000001" and the like), no repeated key; large-scale: 485 rows, none bad, 327
/// keys not among the notable file's good rows.
#[tokio::test]
async fn epochs_real_exports_import_with_the_expected_counts() {
    let (Some(notable), Some(large)) = (epoch_file("notable_ai_models.csv"), epoch_file("large_scale_ai_models.csv"))
    else {
        println!("Epoch AI's exports are not beside the checkout; skipping");
        return;
    };
    let app = spawn_app_with(|s| s.no_seed = true).await;
    let started = Instant::now();
    let first = imported(&app, &notable).await;
    println!(
        "notable_ai_models.csv imported in {:?} (debug build, {})",
        started.elapsed(),
        app.db.url.split(':').next().unwrap()
    );
    assert_eq!(count(&first, "rows"), 1036);
    assert_eq!(count(&first, "inserted"), 1033, "{}", first["skippedByReason"]);
    assert_eq!(first["skipped"].as_array().unwrap().len(), 3);
    assert_eq!(first["skippedByReason"], json!({ "Training dataset size is not a number": 3 }));
    let total = app.query("{ models { totalCount } }", json!({})).await;
    assert_eq!(total["models"]["totalCount"], json!(1033), "all published");

    let again = imported(&app, &notable).await;
    assert_eq!((count(&again, "inserted"), count(&again, "updated"), count(&again, "unchanged")), (0, 0, 1033));

    let large = imported(&app, &large).await;
    assert_eq!(count(&large, "inserted"), 327, "{}", large["skippedByReason"]);
    assert_eq!(count(&large, "inserted") + count(&large, "updated") + count(&large, "unchanged"), 485);
    let total = app.query("{ models { totalCount } }", json!({})).await;
    assert_eq!(total["models"]["totalCount"], json!(1033 + 327));
}

/// A file with one huge field (once: 200 MB took the import to a 945 MB peak and printed the
/// whole field) stops at that field, before writing anything, with a message naming the line and
/// showing only the start of the value; a raised limit lets the same file through.
#[tokio::test]
async fn a_field_past_the_limit_stops_the_import_and_shows_only_its_start() {
    let app = spawn_app().await;
    let before = app.query("{ models { totalCount } }", json!({})).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("huge.csv");
    let huge = "y".repeat(2 * 1024 * 1024);
    std::fs::write(
        &file,
        format!("Model,Organization,Abstract\nSmall model,Org,fine\n\"Huge model\",Org,\"{huge}\"\n"),
    )
    .unwrap();

    let (ok, _, stderr) = import(&app, &file, false).await;
    assert!(!ok, "the import fails");
    assert!(stderr.contains("line 3: a field is longer than 65536 bytes"), "{stderr}");
    assert!(stderr.contains(&format!("{}…", "y".repeat(80))), "{stderr}");
    assert!(!stderr.contains(&"y".repeat(81)), "only the start of the value is shown");
    assert!(stderr.lines().next().unwrap().len() < 1_000, "{stderr}");
    assert_eq!(app.query("{ models { totalCount } }", json!({})).await, before, "nothing was written");

    let mut command = Command::new(env!("CARGO_BIN_EXE_ai-tracker"));
    command
        .env("DATABASE_URL", &app.db.url)
        .env("RUST_LOG", "warn")
        .env("AI_TRACKER_IMPORT_MAX_FIELD_BYTES", "3000000");
    let output = command.args(["import", "epoch", "--dry-run"]).arg(&file).output().await.unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.stdout.len() + output.stderr.len() < 10_000, "the summary does not print the value");
    assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 200);
}
