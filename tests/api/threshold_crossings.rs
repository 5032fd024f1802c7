//! Threshold crossings (issue 18, part 4): a committed write that moves a published model across
//! a compute threshold (a new published model, a revised figure, a publication or withdrawal, a
//! threshold's FLOP or flags) is an event: `Model.thresholdHistory`, the `thresholdCrossed`
//! subscription and the Atom feed, whichever process wrote it (here also the command line).
//! The catalog starts empty (no seed), so every crossing is one of these tests'.

use ai_tracker::domain::EditorRole;
use atom_syndication::Feed;
use serde_json::{Value, json};
use tokio::process::Command;

use crate::helpers::{TestApp, changes_seen, spawn_app_with};
use crate::live::{Socket, connect, next_message, subscribe_to};

const EU: &str = "eu-ai-act-systemic-risk";

const HISTORY: &str = "query($slug: String!) { model(slug: $slug) { thresholdHistory {
  threshold { slug } modelName direction revisionId at
  before { thresholdFlop countedFlop status atOrAbove } after { thresholdFlop countedFlop status atOrAbove } } } }";

async fn empty_app() -> TestApp {
    spawn_app_with(|settings| settings.no_seed = true).await
}

/// Creates a model; returns its id and version.
async fn create(app: &TestApp, token: &str, slug: &str, published: bool, input: Value) -> (String, i64) {
    let mut input = input;
    input["slug"] = json!(slug);
    input["name"] = json!(format!("TC {slug}"));
    input["access"] = json!("API");
    input["published"] = json!(published);
    let query = "mutation($input: CreateModelInput!) { createModel(input: $input) { id version } }";
    let created = app.query_as(token, query, json!({ "input": input })).await;
    let model = &created["createModel"];
    (model["id"].as_str().unwrap_or_else(|| panic!("{created}")).to_owned(), model["version"].as_i64().unwrap())
}

/// Runs a mutation that returns `{ version }` under `field`; returns the new version.
async fn write(app: &TestApp, token: &str, query: &str, field: &str, variables: Value) -> i64 {
    let answer = app.query_as(token, query, variables).await;
    answer[field]["version"].as_i64().unwrap_or_else(|| panic!("{answer}"))
}

async fn update_model(app: &TestApp, token: &str, id: &str, version: i64, input: Value) -> i64 {
    let query = "mutation($id: ID!, $v: Int!, $input: UpdateModelInput!) {
        updateModel(id: $id, expectedVersion: $v, input: $input) { version } }";
    write(app, token, query, "updateModel", json!({ "id": id, "v": version, "input": input })).await
}

async fn set_published(app: &TestApp, token: &str, id: &str, version: i64, published: bool) -> i64 {
    let field = if published { "publishModel" } else { "unpublishModel" };
    let query = format!("mutation($id: ID!, $v: Int!) {{ {field}(id: $id, expectedVersion: $v) {{ version }} }}");
    write(app, token, &query, field, json!({ "id": id, "v": version })).await
}

/// Changes threshold `slug` with `input`.
async fn update_threshold(app: &TestApp, admin: &str, slug: &str, input: Value) {
    let found = app.query("{ computeThresholds { id slug version } }", json!({})).await;
    let all = found["computeThresholds"].as_array().unwrap();
    let threshold = all.iter().find(|t| t["slug"] == slug).unwrap_or_else(|| panic!("{slug} in {found}"));
    let query = "mutation($id: ID!, $v: Int!, $input: UpdateComputeThresholdInput!) {
        updateComputeThreshold(id: $id, expectedVersion: $v, input: $input) { version } }";
    let variables = json!({ "id": threshold["id"], "v": threshold["version"], "input": input });
    write(app, admin, query, "updateComputeThreshold", variables).await;
}

async fn history(app: &TestApp, slug: &str) -> Vec<Value> {
    let answer = app.query(HISTORY, json!({ "slug": slug })).await;
    answer["model"]["thresholdHistory"].as_array().unwrap_or_else(|| panic!("{answer}")).clone()
}

/// Each crossing as (threshold slug, direction), in order.
fn steps(history: &[Value]) -> Vec<(String, String)> {
    history
        .iter()
        .map(|c| (c["threshold"]["slug"].as_str().unwrap().to_owned(), c["direction"].as_str().unwrap().to_owned()))
        .collect()
}

fn step(threshold: &str, direction: &str) -> (String, String) {
    (threshold.to_owned(), direction.to_owned())
}

async fn fetch_feed(app: &TestApp) -> Feed {
    let response = app.client.get(app.url("/feed.atom")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    Feed::read_from(&response.bytes().await.unwrap()[..]).expect("the feed is Atom")
}

fn crossing_titles(feed: &Feed) -> Vec<String> {
    feed.entries().iter().filter(|e| e.id().contains("/crossing/")).map(|e| e.title().as_str().to_owned()).collect()
}

#[tokio::test]
async fn publishing_revising_and_withdrawing_a_model_are_crossings_in_its_history_and_the_feed() {
    let app = empty_app().await;
    let editor = app.editor_token(EditorRole::Editor).await;
    // A new published model at 3e25: over the 1e23 and 1e25 lines, under 1e26.
    let (id, v) = create(&app, &editor, "tc-model", true, json!({ "trainingComputeFlop": 3e25 })).await;
    // Revised below 1e25: back across it.
    let v = update_model(&app, &editor, &id, v, json!({ "trainingComputeFlop": 5e24 })).await;
    // A change that moves no line is none.
    let v = update_model(&app, &editor, &id, v, json!({ "hardware": "TPU v5" })).await;
    // Withdrawn: it leaves the public catalog, so below every line; published again: back.
    let v = set_published(&app, &editor, &id, v, false).await;
    set_published(&app, &editor, &id, v, true).await;
    // A draft moves no line, however big.
    create(&app, &editor, "tc-draft", false, json!({ "trainingComputeFlop": 5e26 })).await;

    let crossings = history(&app, "tc-model").await;
    assert_eq!(
        steps(&crossings),
        [
            step("epoch-large-scale", "UP"),
            step(EU, "UP"),
            step(EU, "DOWN"),
            step("epoch-large-scale", "DOWN"),
            step("epoch-large-scale", "UP"),
        ],
        "{crossings:?}"
    );
    let created = &crossings[1];
    assert_eq!(created["before"], Value::Null, "a new model was not in the catalog before");
    assert_eq!(
        created["after"],
        json!({ "thresholdFlop": 1e25, "countedFlop": 3e25, "status": "LIKELY_ABOVE", "atOrAbove": true })
    );
    let revised = &crossings[2];
    assert_eq!(revised["before"]["countedFlop"], json!(3e25));
    assert_eq!(
        revised["after"],
        json!({ "thresholdFlop": 1e25, "countedFlop": 5e24, "status": "LIKELY_BELOW", "atOrAbove": false })
    );
    assert_eq!(crossings[3]["after"], Value::Null, "a withdrawn model left the catalog");
    assert_eq!(crossings[3]["modelName"], "TC tc-model");
    // One revision per write, in order.
    assert_eq!(crossings[0]["revisionId"], crossings[1]["revisionId"]);
    let revisions: Vec<&Value> = crossings[1..].iter().map(|c| &c["revisionId"]).collect();
    assert!(revisions.windows(2).all(|w| w[0] != w[1]), "{revisions:?}");
    let times: Vec<&str> = crossings.iter().map(|c| c["at"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");

    // The feed has an entry per crossing beside the change's, with ids of their own.
    let feed = fetch_feed(&app).await;
    let titles = crossing_titles(&feed);
    assert_eq!(
        titles,
        [
            "“TC tc-model” crossed 1e23 FLOP",
            "“TC tc-model” fell below 1e23 FLOP",
            "“TC tc-model” fell below 1e25 FLOP",
            "“TC tc-model” crossed 1e23 FLOP",
            "“TC tc-model” crossed 1e25 FLOP",
        ],
        "newest change first; one change's crossings lowest line first"
    );
    let ids: Vec<&str> = feed.entries().iter().map(|e| e.id()).collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "{ids:?}");
    let crossing = feed.entries().iter().find(|e| e.id().contains("/crossing/")).unwrap();
    assert!(crossing.id().starts_with("tag:127.0.0.1,2026:revision/"), "{}", crossing.id());
    assert!(crossing.categories().iter().any(|c| c.term() == "threshold-crossed"));
    assert!(crossing.links()[0].href().contains("/graphql?query="));
    assert_eq!(fetch_feed(&app).await.entries(), feed.entries(), "entries are stable between requests");
}

#[tokio::test]
async fn moving_a_threshold_or_what_it_counts_crosses_the_models_whose_side_changes() {
    let app = empty_app().await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let admin = app.editor_token(EditorRole::Admin).await;
    create(&app, &editor, "tc-mid", true, json!({ "trainingComputeFlop": 5e24 })).await;
    create(&app, &editor, "tc-low", true, json!({ "trainingComputeFlop": 1e24 })).await;
    let tuned = json!({ "trainingComputeFlop": 9e25, "finetuneComputeFlop": 2e25 });
    create(&app, &editor, "tc-tuned", true, tuned).await;

    // The EU line lowered to 4e24: the 5e24 model crosses up, the 1e24 one does not.
    update_threshold(&app, &admin, EU, json!({ "flop": 4e24 })).await;
    let mid = history(&app, "tc-mid").await;
    assert_eq!(steps(&mid), [step("epoch-large-scale", "UP"), step(EU, "UP")]);
    assert_eq!(
        mid[1]["before"],
        json!({ "thresholdFlop": 1e25, "countedFlop": 5e24, "status": "LIKELY_BELOW", "atOrAbove": false })
    );
    assert_eq!(mid[1]["after"]["thresholdFlop"], json!(4e24));
    assert_eq!(steps(&history(&app, "tc-low").await), [step("epoch-large-scale", "UP")]);
    // A name change moves no line.
    update_threshold(&app, &admin, EU, json!({ "name": "EU AI Act (lowered)" })).await;
    // The 1e26 line now counts fine-tuning: 9e25 + 2e25 is over it.
    update_threshold(&app, &admin, "us-eo-14110-reporting", json!({ "countsFinetuneCompute": true })).await;
    let tuned = history(&app, "tc-tuned").await;
    assert_eq!(
        steps(&tuned),
        [step("epoch-large-scale", "UP"), step(EU, "UP"), step("us-eo-14110-reporting", "UP")],
        "{tuned:?}"
    );
    assert_eq!(tuned[2]["before"]["countedFlop"], json!(9e25));
    let counted = tuned[2]["after"]["countedFlop"].as_f64().unwrap();
    assert!((counted - 1.1e26).abs() < 1e14, "{counted}");

    // Raised back: the 5e24 model crosses down again; and the feed tells both moves.
    update_threshold(&app, &admin, EU, json!({ "flop": 1e25 })).await;
    assert_eq!(steps(&history(&app, "tc-mid").await).last(), Some(&step(EU, "DOWN")));
    let titles = crossing_titles(&fetch_feed(&app).await);
    assert_eq!(titles[0], "“TC tc-mid” fell below 1e25 FLOP", "{titles:?}");
    assert_eq!(titles[1], "“TC tc-tuned” crossed 1e26 FLOP", "{titles:?}");
    assert_eq!(titles[2], "“TC tc-mid” crossed 4e24 FLOP", "{titles:?}");
}

const CROSSED: &str = "subscription($t: String) { thresholdCrossed(threshold: $t) {
  model { slug } modelName threshold { slug } direction before { countedFlop } after { countedFlop status } revisionId at } }";

/// The next `thresholdCrossed` event.
async fn next_crossing(socket: &mut Socket) -> Value {
    let message = next_message(socket).await;
    assert_eq!(message["type"], "next", "{message}");
    assert!(message["payload"].get("errors").is_none(), "{message}");
    message["payload"]["data"]["thresholdCrossed"].clone()
}

#[tokio::test]
async fn subscribers_hear_of_each_crossing_and_may_keep_one_threshold() {
    let app = empty_app().await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let admin = app.editor_token(EditorRole::Admin).await;
    let mut all = connect(&app.address, None).await.expect("anyone may subscribe");
    subscribe_to(&mut all, &app.changes, CROSSED, json!({})).await;
    let mut eu = connect(&app.address, None).await.unwrap();
    subscribe_to(&mut eu, &app.changes, CROSSED, json!({ "t": EU })).await;

    // Changes that cross nothing come first: the next events must be the crossings.
    create(&app, &editor, "tc-nothing", true, json!({})).await;
    create(&app, &editor, "tc-draft", false, json!({ "trainingComputeFlop": 5e26 })).await;
    let (id, v) = create(&app, &editor, "tc-live", true, json!({ "trainingComputeFlop": 2e25 })).await;
    let first = next_crossing(&mut all).await;
    assert_eq!(first["threshold"]["slug"], "epoch-large-scale");
    assert_eq!(first["model"]["slug"], "tc-live");
    let second = next_crossing(&mut all).await;
    assert_eq!(second["threshold"]["slug"], EU);
    assert_eq!((&second["direction"], &second["before"]), (&json!("UP"), &Value::Null));
    assert_eq!(second["after"], json!({ "countedFlop": 2e25, "status": "LIKELY_ABOVE" }));
    assert_eq!(next_crossing(&mut eu).await, second, "the EU subscriber hears only the EU crossing");

    update_model(&app, &editor, &id, v, json!({ "trainingComputeFlop": 9e24 })).await;
    let down = next_crossing(&mut eu).await;
    assert_eq!((&down["direction"], &down["before"]["countedFlop"]), (&json!("DOWN"), &json!(2e25)));
    assert_eq!(next_crossing(&mut all).await, down);

    // A threshold's move is told per model it crossed.
    update_threshold(&app, &admin, EU, json!({ "flop": 5e24 })).await;
    let moved = next_crossing(&mut eu).await;
    assert_eq!((&moved["model"]["slug"], &moved["direction"]), (&json!("tc-live"), &json!("UP")));

    // An unknown threshold is the client's mistake.
    let mut socket = connect(&app.address, None).await.unwrap();
    let message =
        json!({ "id": "bad", "type": "subscribe", "payload": { "query": CROSSED, "variables": { "t": "no-such" } } });
    futures_util::SinkExt::send(&mut socket, crate::live::text(message)).await.unwrap();
    let answer = next_message(&mut socket).await;
    assert_eq!(answer["type"], "next", "{answer}");
    assert_eq!(answer["payload"]["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{answer}");
}

const IMPORT_HEADER: &str = "Model,Organization,Country (of organization),Organization categorization,Publication date,\
Domain,Parameters,Training compute (FLOP),Training compute lower bound (FLOP),Training compute upper bound (FLOP),\
Finetune compute (FLOP),Post-training compute (FLOP),Confidence,Base model,Model accessibility";

#[tokio::test]
async fn a_model_the_command_line_imports_over_a_line_is_a_crossing_everywhere() {
    let app = empty_app().await;
    let mut socket = connect(&app.address, None).await.unwrap();
    subscribe_to(&mut socket, &app.changes, CROSSED, json!({ "t": EU })).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("models.csv");
    let row =
        "TC Imported,ImportCorp,United States of America,Industry,2025-02-01,Language,,3e+25,,,,,Likely,,API access";
    std::fs::write(&file, format!("{IMPORT_HEADER}\n{row}\n")).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_ai-tracker"))
        .env("DATABASE_URL", &app.db.url)
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .args(["import", "epoch", "--json"])
        .arg(&file)
        .output()
        .await
        .expect("ai-tracker runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    changes_seen(&app).await;

    let event = next_crossing(&mut socket).await;
    assert_eq!((&event["model"]["slug"], &event["direction"]), (&json!("tc-imported"), &json!("UP")), "{event}");
    let crossings = history(&app, "tc-imported").await;
    assert_eq!(steps(&crossings), [step("epoch-large-scale", "UP"), step(EU, "UP")]);
    assert_eq!(crossings[1]["revisionId"], event["revisionId"]);
    let titles = crossing_titles(&fetch_feed(&app).await);
    assert!(titles.contains(&"“TC Imported” crossed 1e25 FLOP".to_owned()), "{titles:?}");
}
