//! Predictions on the record (issue 17): the life of a prediction (recorded, a successor later
//! listed as a candidate, resolved, fed), a `recordedAt` no write can move, withdrawal, the
//! hindsight rule, resolutions refused with the field named and nothing written, drafts' privacy,
//! and the predictions of an existing database made from its revision log.

use ai_tracker::domain::EditorRole;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

const PREDICTIONS: &str = "query($slug: String!) { model(slug: $slug) { id version
    predictions { id kind status outcome recordedAt hindsight version
      claim { statement category severity likelihood } asFirstRecorded { statement }
      capability { slug } successor { slug } evidence sourceUrl } } }";

const RESOLVE: &str = "mutation($id: ID!, $input: ResolvePredictionInput!, $v: Int!) {
    resolvePrediction(id: $id, input: $input, expectedVersion: $v) { id status outcome hindsight version recordedAt } }";

const REOPEN: &str =
    "mutation($id: ID!, $v: Int!) { reopenPrediction(id: $id, expectedVersion: $v) { id status outcome version } }";

const UPDATE_MODEL: &str = "mutation($id: ID!, $input: UpdateModelInput!, $v: Int!) {
    updateModel(id: $id, input: $input, expectedVersion: $v) { version } }";

const EVIDENCE: &str = "A 2-10x scaled successor would write most routine application code unreviewed.";
const SOURCE: &str = "https://arxiv.org/abs/2005.14165";

struct Lab {
    editor: String,
    organization: String,
    code: String,
}

async fn lab(app: &TestApp, slug: &str) -> Lab {
    let editor = app.editor_token(EditorRole::Editor).await;
    let input = json!({ "slug": slug, "name": slug, "country": "US", "kind": "INDUSTRY" });
    let created = app
        .query_as(
            &editor,
            "mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }",
            json!({ "i": input }),
        )
        .await;
    let code = app.query("{ capability(slug: \"code-generation\") { id } }", json!({})).await;
    Lab {
        editor,
        organization: created["createOrganization"]["id"].as_str().unwrap().to_owned(),
        code: code["capability"]["id"].as_str().unwrap().to_owned(),
    }
}

/// Creates a model of the lab with an extrapolated code-generation capability when
/// `extrapolates`; returns its ID.
async fn model(
    app: &TestApp,
    lab: &Lab,
    slug: &str,
    announced_on: &str,
    flop: f64,
    published: bool,
    extrapolates: bool,
) -> String {
    let capabilities = if extrapolates {
        json!([{ "capabilityId": lab.code, "status": "EXTRAPOLATED", "evidence": EVIDENCE }])
    } else {
        json!([])
    };
    let input = json!({
        "slug": slug, "name": slug, "organizationIds": [lab.organization], "announcedOn": announced_on,
        "trainingComputeFlop": flop, "trainingComputeConfidence": "CONFIRMED", "published": published,
        "capabilities": capabilities,
    });
    let data = app
        .query_as(
            &lab.editor,
            "mutation($i: CreateModelInput!) { createModel(input: $i) { id } }",
            json!({ "i": input }),
        )
        .await;
    data["createModel"]["id"].as_str().unwrap().to_owned()
}

/// Adds a risk assessment of `horizon` to the model; returns its ID.
async fn assessment(app: &TestApp, lab: &Lab, model_id: &str, horizon: &str) -> String {
    let query = r#"mutation($m: ID!, $h: RiskHorizon!) { createRiskAssessment(input: { modelId: $m, horizon: $h,
        cause: MALICIOUS, category: CYBER_OFFENSE, severity: HIGH, likelihood: MEDIUM,
        summary: "A scaled successor would write working exploits at scale.",
        rationale: "Exploit-writing benchmarks improve steadily with scale.", confidence: SPECULATIVE,
        assessedOn: "2026-11-01", mitSubdomain: CYBERATTACKS_WEAPONS_MASS_HARM, mitEntity: HUMAN,
        mitIntent: INTENTIONAL, mitTiming: POST_DEPLOYMENT, sourceUrl: "https://arxiv.org/abs/2005.14165" }) { id } }"#;
    let data = app.query_as(&lab.editor, query, json!({ "m": model_id, "h": horizon })).await;
    data["createRiskAssessment"]["id"].as_str().unwrap().to_owned()
}

/// The model's predictions as `token` (or the public) reads them.
async fn predictions(app: &TestApp, token: Option<&str>, slug: &str) -> Value {
    let vars = json!({ "slug": slug });
    let data = match token {
        Some(token) => app.query_as(token, PREDICTIONS, vars).await,
        None => app.query(PREDICTIONS, vars).await,
    };
    data["model"].clone()
}

/// When the model's newest revision was written.
async fn newest_revision_time(app: &TestApp, token: &str, slug: &str) -> Value {
    let query = "query($slug: String!) { model(slug: $slug) { revisions(first: 1) { nodes { createdAt } } } }";
    let data = app.query_as(token, query, json!({ "slug": slug })).await;
    data["model"]["revisions"]["nodes"][0]["createdAt"].clone()
}

fn resolution(outcome: &str, successor: Option<&str>) -> Value {
    json!({ "outcome": outcome, "successorId": successor,
            "evidence": "The successor did exactly this on its launch benchmarks.", "sourceUrl": SOURCE })
}

fn in_days(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(days)).date_naive().to_string()
}

#[tokio::test]
async fn a_prediction_is_recorded_then_its_successor_is_a_candidate_and_it_is_resolved_and_fed() {
    let app = spawn_app().await;
    let lab = lab(&app, "forecast-lab").await;
    let subject = model(&app, &lab, "lab-one", "2026-01-10", 1e24, true, true).await;
    let capability_time = newest_revision_time(&app, &lab.editor, "lab-one").await;
    let near_term = assessment(&app, &lab, &subject, "NEAR_TERM").await;
    let query =
        "query($id: ID!) { node(id: $id) { ... on RiskAssessment { revisions(first: 1) { nodes { createdAt } } } } }";
    let risk_time =
        app.query(query, json!({ "id": near_term })).await["node"]["revisions"]["nodes"][0]["createdAt"].clone();
    assert!(risk_time.is_string());
    assessment(&app, &lab, &subject, "IMMEDIATE").await;

    // Recorded: one prediction per extrapolation and per near-term assessment, dated by the log.
    let one = predictions(&app, None, "lab-one").await;
    let list = one["predictions"].as_array().unwrap();
    assert_eq!(list.len(), 2, "an immediate assessment is no prediction: {one}");
    let (capability, risk) = (&list[0], &list[1]);
    assert_eq!((capability["kind"].as_str(), capability["status"].as_str()), (Some("CAPABILITY"), Some("OPEN")));
    assert_eq!(capability["capability"]["slug"], "code-generation");
    assert_eq!(capability["claim"]["statement"], EVIDENCE);
    assert_eq!(capability["asFirstRecorded"]["statement"], EVIDENCE);
    assert_eq!(capability["recordedAt"], capability_time);
    assert_eq!(risk["kind"], "RISK");
    assert_eq!(risk["claim"]["category"], "CYBER_OFFENSE");
    assert_eq!(risk["recordedAt"], risk_time);
    let candidates = "query($s: String!) { model(slug: $s) { successorCandidates { model { slug } computeRatio } } }";
    assert_eq!(app.query(candidates, json!({ "s": "lab-one" })).await["model"]["successorCandidates"], json!([]));

    // A successor ships (announced next month: dates up to a year ahead are valid) and is listed.
    let successor = model(&app, &lab, "lab-two", &in_days(30), 3e24, true, false).await;
    let listed = app.query(candidates, json!({ "s": "lab-one" })).await["model"]["successorCandidates"].clone();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["model"]["slug"], "lab-two");
    assert!((listed[0]["computeRatio"].as_f64().unwrap() - 3.0).abs() < 1e-9, "{listed}");

    let open = predictions(&app, None, "lab-one").await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let then = chrono::Utc::now().to_rfc3339();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;

    // Resolved against it: recorded before the successor's announced day, so it is scored.
    let vars = json!({ "id": capability["id"], "v": capability["version"], "input": resolution("CONFIRMED", Some(&successor)) });
    let resolved = app.query_as(&lab.editor, RESOLVE, vars).await["resolvePrediction"].clone();
    assert_eq!(resolved["status"], "RESOLVED");
    assert_eq!(resolved["outcome"], "CONFIRMED");
    assert_eq!(resolved["hindsight"], false);
    assert_eq!(resolved["recordedAt"], capability_time, "resolving does not move recordedAt");
    let vars = json!({ "id": risk["id"], "v": risk["version"], "input": resolution("REFUTED", Some(&successor)) });
    app.query_as(&lab.editor, RESOLVE, vars).await;
    let after = predictions(&app, None, "lab-one").await;
    assert_eq!(after["predictions"][0]["successor"]["slug"], "lab-two");
    // As recorded before the resolutions: open, as it was read then.
    let past = PREDICTIONS
        .replace("model(slug: $slug)", "model(slug: $slug, asRecordedAt: $at)")
        .replace("$slug: String!", "$slug: String!, $at: DateTime");
    let read = app.query(&past, json!({ "slug": "lab-one", "at": then })).await;
    assert_eq!(read["model"], open);
    assert_eq!(after["predictions"][1]["outcome"], "REFUTED");

    // Each resolution is a public revision, and news in the feed of resolved predictions.
    let feed = reqwest::get(app.url("/feed.atom?kind=prediction-resolved")).await.unwrap();
    assert_eq!(feed.status(), 200);
    let feed = feed.text().await.unwrap();
    assert!(feed.contains("resolved: CONFIRMED") && feed.contains("resolved: REFUTED"), "{feed}");
    let org_feed = reqwest::get(app.url("/feed.atom?kind=prediction-resolved&org=forecast-lab")).await.unwrap();
    assert!(org_feed.text().await.unwrap().contains("resolved: CONFIRMED"));
    let other_feed = reqwest::get(app.url("/feed.atom?kind=prediction-resolved&org=nobody-at-all")).await.unwrap();
    assert!(!other_feed.text().await.unwrap().contains("resolved: CONFIRMED"));
}

#[tokio::test]
async fn no_write_moves_recorded_at_and_a_withdrawn_prediction_is_kept() {
    let app = spawn_app().await;
    let lab = lab(&app, "record-lab").await;
    let id = model(&app, &lab, "lab-draft", "2026-02-01", 1e24, false, true).await;

    // A draft's prediction: the public sees nothing, an editor sees it unrecorded.
    assert_eq!(predictions(&app, None, "lab-draft").await, Value::Null);
    let draft = predictions(&app, Some(&lab.editor), "lab-draft").await;
    let prediction = draft["predictions"][0].clone();
    assert_eq!(prediction["recordedAt"], Value::Null);
    assert_eq!(prediction["asFirstRecorded"], Value::Null);
    let node = "query($id: ID!) { node(id: $id) { id } }";
    assert_eq!(app.query(node, json!({ "id": prediction["id"] })).await["node"], Value::Null);
    let vars = json!({ "id": prediction["id"], "v": prediction["version"], "input": resolution("UNRESOLVABLE", None) });
    let (_, error) = app.query_error_as(&lab.editor, RESOLVE, vars).await;
    assert!(error["message"].as_str().unwrap().contains("draft"), "{error}");

    // Published: recorded at the publication's revision, with the wording it had then.
    let publish = "mutation($id: ID!, $v: Int!) { publishModel(id: $id, expectedVersion: $v) { version } }";
    app.query_as(&lab.editor, publish, json!({ "id": id, "v": draft["version"] })).await;
    let recorded_at = newest_revision_time(&app, &lab.editor, "lab-draft").await;
    let public = predictions(&app, None, "lab-draft").await;
    assert_eq!(public["predictions"][0]["recordedAt"], recorded_at);
    assert_eq!(app.query(node, json!({ "id": prediction["id"] })).await["node"]["id"], prediction["id"]);

    // Reworded, re-saved, unpublished and published again, reverted to the draft: recordedAt
    // stays, and the first wording stays readable.
    let reworded = "A 2-10x scaled successor would also review and repair others' code.";
    let links = json!([{ "capabilityId": lab.code, "status": "EXTRAPOLATED", "evidence": reworded }]);
    let saved = app
        .query_as(
            &lab.editor,
            UPDATE_MODEL,
            json!({ "id": id, "v": public["version"], "input": { "capabilities": links } }),
        )
        .await;
    let mut version = saved["updateModel"]["version"].as_i64().unwrap();
    let saved = app
        .query_as(&lab.editor, UPDATE_MODEL, json!({ "id": id, "v": version, "input": { "description": "Re-saved." } }))
        .await;
    version = saved["updateModel"]["version"].as_i64().unwrap();
    let unpublish = "mutation($id: ID!, $v: Int!) { unpublishModel(id: $id, expectedVersion: $v) { version } }";
    version =
        app.query_as(&lab.editor, unpublish, json!({ "id": id, "v": version })).await["unpublishModel"]["version"]
            .as_i64()
            .unwrap();
    version = app.query_as(&lab.editor, publish, json!({ "id": id, "v": version })).await["publishModel"]["version"]
        .as_i64()
        .unwrap();
    let now = predictions(&app, None, "lab-draft").await["predictions"][0].clone();
    assert_eq!((&now["id"], &now["recordedAt"]), (&prediction["id"], &recorded_at));
    assert_eq!(now["claim"]["statement"], reworded);
    assert_eq!(now["asFirstRecorded"]["statement"], EVIDENCE);
    let first = "query($id: ID!) { revisions(entityId: $id, last: 1) { nodes { id } } }";
    let create = app.query_as(&lab.editor, first, json!({ "id": id })).await["revisions"]["nodes"][0]["id"].clone();
    let revert = "mutation($r: ID!, $v: Int!) { revert(revisionId: $r, expectedVersion: $v) { ... on Model { version published } } }";
    let reverted = app.query_as(&lab.editor, revert, json!({ "r": create, "v": version })).await;
    assert_eq!(reverted["revert"]["published"], false, "the create revision was a draft");
    let editor_view = predictions(&app, Some(&lab.editor), "lab-draft").await;
    assert_eq!(editor_view["predictions"][0]["recordedAt"], recorded_at);
    assert_eq!(editor_view["predictions"][0]["claim"]["statement"], EVIDENCE);
    version = editor_view["version"].as_i64().unwrap();
    version = app.query_as(&lab.editor, publish, json!({ "id": id, "v": version })).await["publishModel"]["version"]
        .as_i64()
        .unwrap();

    // Withdrawn when the link goes or turns DEMONSTRATED; kept, counted, and back when it returns.
    for links in [json!([]), json!([{ "capabilityId": lab.code, "status": "DEMONSTRATED" }])] {
        let saved = app
            .query_as(&lab.editor, UPDATE_MODEL, json!({ "id": id, "v": version, "input": { "capabilities": links } }))
            .await;
        version = saved["updateModel"]["version"].as_i64().unwrap();
        let gone = predictions(&app, None, "lab-draft").await["predictions"][0].clone();
        assert_eq!((&gone["id"], gone["status"].as_str()), (&prediction["id"], Some("WITHDRAWN")));
        assert_eq!(gone["recordedAt"], recorded_at);
    }
    let links = json!([{ "capabilityId": lab.code, "status": "EXTRAPOLATED", "evidence": EVIDENCE }]);
    app.query_as(&lab.editor, UPDATE_MODEL, json!({ "id": id, "v": version, "input": { "capabilities": links } }))
        .await;
    let back = predictions(&app, None, "lab-draft").await["predictions"].clone();
    assert_eq!(back.as_array().unwrap().len(), 1);
    assert_eq!(
        (&back[0]["id"], back[0]["status"].as_str(), &back[0]["recordedAt"]),
        (&prediction["id"], Some("OPEN"), &recorded_at)
    );

    // No input can carry a time of record.
    let vars = json!({ "id": prediction["id"], "v": 1, "input": { "outcome": "UNRESOLVABLE", "evidence": "No successor can settle it yet.", "sourceUrl": SOURCE, "recordedAt": "2020-01-01T00:00:00Z" } });
    let (_, error) = app.query_error_as(&lab.editor, RESOLVE, vars).await;
    assert!(error["message"].as_str().unwrap().contains("recordedAt"), "{error}");
}

#[tokio::test]
async fn bad_resolutions_name_the_field_and_write_nothing_and_a_resolved_claim_waits_for_reopening() {
    let app = spawn_app().await;
    let lab = lab(&app, "resolve-lab").await;
    let id = model(&app, &lab, "lab-subject", "2026-03-01", 1e24, true, true).await;
    let risk_assessment = assessment(&app, &lab, &id, "NEAR_TERM").await;
    let earlier = model(&app, &lab, "lab-earlier", "2025-12-01", 3e24, true, false).await;
    let draft = model(&app, &lab, "lab-unreleased", &in_days(60), 3e24, false, false).await;
    let successor = model(&app, &lab, "lab-later", &in_days(90), 3e24, true, false).await;
    let before = predictions(&app, None, "lab-subject").await;
    let capability = before["predictions"][0].clone();

    let short = json!({ "outcome": "CONFIRMED", "successorId": successor, "evidence": "Yes.", "sourceUrl": SOURCE });
    let no_url = json!({ "outcome": "CONFIRMED", "successorId": successor, "evidence": "The successor did exactly this.", "sourceUrl": "not a url" });
    let model_as_prediction = json!({ "outcome": "CONFIRMED", "successorId": capability["id"], "evidence": "The successor did exactly this.", "sourceUrl": SOURCE });
    for (input, field) in [
        (resolution("CONFIRMED", None), "successorId"),
        (resolution("PARTLY", Some(&earlier)), "successorId"),
        (resolution("REFUTED", Some(&draft)), "successorId"),
        (resolution("CONFIRMED", Some(&id)), "successorId"),
        (model_as_prediction, "successorId"),
        (short, "evidence"),
        (no_url, "sourceUrl"),
    ] {
        let vars = json!({ "id": capability["id"], "v": capability["version"], "input": input });
        let (_, error) = app.query_error_as(&lab.editor, RESOLVE, vars).await;
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{error}");
        assert!(error["message"].as_str().unwrap().contains(field), "{field}: {error}");
    }
    assert_eq!(predictions(&app, None, "lab-subject").await, before, "nothing was written");
    let vars = json!({ "id": capability["id"], "v": capability["version"], "input": resolution("CONFIRMED", Some(&successor)) });
    let (_, error) = app.query_error(RESOLVE, vars.clone()).await;
    assert_ne!(error["extensions"]["code"], "BAD_USER_INPUT", "the public may not resolve: {error}");

    // Resolved: its claim cannot be reworded or withdrawn until it is reopened.
    let resolved = app.query_as(&lab.editor, RESOLVE, vars.clone()).await["resolvePrediction"].clone();
    let (_, error) = app
        .query_error_as(
            &lab.editor,
            RESOLVE,
            json!({ "id": capability["id"], "v": resolved["version"], "input": vars["input"] }),
        )
        .await;
    assert!(error["message"].as_str().unwrap().contains("resolved already"), "{error}");
    let reworded = json!([{ "capabilityId": lab.code, "status": "EXTRAPOLATED", "evidence": "Something else entirely, said later." }]);
    for links in [reworded.clone(), json!([])] {
        let vars = json!({ "id": id, "v": before["version"], "input": { "capabilities": links } });
        let (_, error) = app.query_error_as(&lab.editor, UPDATE_MODEL, vars).await;
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{error}");
        assert!(error["message"].as_str().unwrap().contains("input.capabilities"), "{error}");
        assert!(error["message"].as_str().unwrap().contains("reopen"), "{error}");
    }
    let risk = before["predictions"][1].clone();
    let vars = json!({ "id": risk["id"], "v": risk["version"], "input": resolution("PARTLY", Some(&successor)) });
    app.query_as(&lab.editor, RESOLVE, vars).await;
    let delete = "mutation($id: ID!) { deleteRiskAssessment(id: $id, expectedVersion: 1) }";
    let (_, error) = app.query_error_as(&lab.editor, delete, json!({ "id": risk_assessment })).await;
    assert!(error["message"].as_str().unwrap().contains("reopen"), "{error}");
    let now = predictions(&app, None, "lab-subject").await;
    assert_eq!(now["version"], before["version"], "the refused model writes wrote nothing");
    assert_eq!(now["predictions"][1]["status"], "RESOLVED");

    // Reopened: OPEN again, and its claim may change.
    let reopened = app.query_as(&lab.editor, REOPEN, json!({ "id": capability["id"], "v": resolved["version"] })).await;
    assert_eq!(reopened["reopenPrediction"]["status"], "OPEN");
    let (_, error) = app
        .query_error_as(
            &lab.editor,
            REOPEN,
            json!({ "id": capability["id"], "v": reopened["reopenPrediction"]["version"] }),
        )
        .await;
    assert!(error["message"].as_str().unwrap().contains("not resolved"), "{error}");
    let vars = json!({ "id": id, "v": before["version"], "input": { "capabilities": reworded } });
    app.query_as(&lab.editor, UPDATE_MODEL, vars).await;
    let after = predictions(&app, None, "lab-subject").await["predictions"][0].clone();
    assert_eq!(after["claim"]["statement"], "Something else entirely, said later.");
    assert_eq!(after["recordedAt"], capability["recordedAt"]);
}

#[tokio::test]
async fn a_prediction_recorded_on_or_after_its_successors_day_is_hindsight_and_one_without_a_successor_is_not() {
    let app = spawn_app().await;
    let lab = lab(&app, "hindsight-lab").await;
    let id = model(&app, &lab, "lab-old", "2025-01-01", 1e24, true, true).await;
    let shipped = model(&app, &lab, "lab-shipped", "2025-06-01", 3e24, true, false).await;
    let today = model(&app, &lab, "lab-today", &in_days(0), 3e24, true, false).await;
    assessment(&app, &lab, &id, "NEAR_TERM").await;
    let risk_assessment = assessment(&app, &lab, &id, "NEAR_TERM").await;
    let list = predictions(&app, None, "lab-old").await["predictions"].clone();

    // Recorded now, judged on a successor of 2025 and on one announced today: both hindsight.
    let vars =
        json!({ "id": list[0]["id"], "v": list[0]["version"], "input": resolution("CONFIRMED", Some(&shipped)) });
    assert_eq!(app.query_as(&lab.editor, RESOLVE, vars).await["resolvePrediction"]["hindsight"], true);
    let vars = json!({ "id": list[1]["id"], "v": list[1]["version"], "input": resolution("REFUTED", Some(&today)) });
    assert_eq!(app.query_as(&lab.editor, RESOLVE, vars).await["resolvePrediction"]["hindsight"], true);
    // Unresolvable without a successor: not hindsight.
    let vars = json!({ "id": list[2]["id"], "v": list[2]["version"], "input": resolution("UNRESOLVABLE", None) });
    let unresolvable = app.query_as(&lab.editor, RESOLVE, vars).await["resolvePrediction"].clone();
    assert_eq!(
        (unresolvable["outcome"].as_str(), unresolvable["hindsight"].as_bool()),
        (Some("UNRESOLVABLE"), Some(false))
    );
    app.query_as(&lab.editor, REOPEN, json!({ "id": list[2]["id"], "v": unresolvable["version"] })).await;

    // Moved to IMMEDIATE: withdrawn, and a withdrawn prediction is not resolved.
    let update = "mutation($id: ID!) { updateRiskAssessment(id: $id, input: { horizon: IMMEDIATE }, expectedVersion: 1) { version } }";
    app.query_as(&lab.editor, update, json!({ "id": risk_assessment })).await;
    let withdrawn = predictions(&app, None, "lab-old").await["predictions"][2].clone();
    assert_eq!(withdrawn["status"], "WITHDRAWN");
    let vars = json!({ "id": list[2]["id"], "v": withdrawn["version"], "input": resolution("UNRESOLVABLE", None) });
    let (_, error) = app.query_error_as(&lab.editor, RESOLVE, vars).await;
    assert!(error["message"].as_str().unwrap().contains("withdrawn"), "{error}");
}

/// A database made before predictions existed gets them from its revision log on its next
/// migration: the same predictions, recorded at the same times, resolved as they were.
#[tokio::test]
async fn the_predictions_of_an_existing_database_are_made_from_its_revision_log() {
    // No kept answers: every read below must come from the database.
    let app = spawn_app_with(|settings| settings.cache.response_cache_bytes = 0).await;
    let lab = lab(&app, "backfill-lab").await;
    let id = model(&app, &lab, "lab-first", "2026-01-10", 1e24, true, true).await;
    assessment(&app, &lab, &id, "NEAR_TERM").await;
    let successor = model(&app, &lab, "lab-second", &in_days(10), 3e24, true, false).await;
    let list = predictions(&app, None, "lab-first").await["predictions"].clone();
    let vars = json!({ "id": list[0]["id"], "v": list[0]["version"], "input": resolution("PARTLY", Some(&successor)) });
    app.query_as(&lab.editor, RESOLVE, vars).await;
    let slugs = ["lab-first", "gpt-4", "claude-2", "o1"];
    let mut before = Vec::new();
    for slug in slugs {
        before.push(predictions(&app, None, slug).await);
    }
    assert!(before[1]["predictions"].as_array().unwrap().iter().any(|p| p["status"] == "RESOLVED"), "{}", before[1]);

    let db = sea_orm::Database::connect(&app.db.url).await.unwrap();
    for statement in [
        "DELETE FROM prediction",
        "DELETE FROM prediction_history",
        "INSERT INTO pending_backfill (name) VALUES ('predictions')",
    ] {
        sea_orm::ConnectionTrait::execute_unprepared(&db, statement).await.unwrap();
    }
    db.close().await.ok();
    let status = tokio::process::Command::new(env!("CARGO_BIN_EXE_ai-tracker"))
        .args(["--database-url", &app.db.url, "migrate"])
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .status()
        .await
        .expect("the command runs");
    assert!(status.success());
    for (slug, before) in slugs.iter().zip(&before) {
        assert_eq!(&predictions(&app, None, slug).await, before, "{slug}");
    }
    // And a prediction made afterwards is new, not a collision with the backfilled ids.
    let later = model(&app, &lab, "lab-third", "2026-02-01", 1e24, true, true).await;
    assert!(!later.is_empty());
    let third = predictions(&app, None, "lab-third").await["predictions"].clone();
    assert_eq!(third.as_array().unwrap().len(), 1);
}

/// `ai-tracker seed --update` on a database whose predictions were made before the starter
/// catalog resolved them: it resolves those still open, and leaves the one an editor resolved.
#[tokio::test]
async fn the_starter_catalog_update_resolves_the_predictions_still_open() {
    let app = spawn_app_with(|settings| settings.cache.response_cache_bytes = 0).await;
    let resolved = predictions(&app, None, "gpt-4").await;
    let db = sea_orm::Database::connect(&app.db.url).await.unwrap();
    for statement in [
        "UPDATE prediction SET outcome = NULL, successor_id = NULL, evidence = NULL, source_url = NULL, resolved_at = NULL",
        "DELETE FROM revision WHERE entity_type = 'prediction'",
    ] {
        sea_orm::ConnectionTrait::execute_unprepared(&db, statement).await.unwrap();
    }
    db.close().await.ok();
    let open = predictions(&app, None, "gpt-4").await;
    assert!(open["predictions"].as_array().unwrap().iter().all(|p| p["status"] == "OPEN"), "{open}");
    // An editor resolves one of them their own way first.
    let editor = app.editor_token(EditorRole::Editor).await;
    let theirs = &open["predictions"][0];
    let vars = json!({ "id": theirs["id"], "v": theirs["version"], "input": resolution("UNRESOLVABLE", None) });
    app.query_as(&editor, RESOLVE, vars).await;

    let status = tokio::process::Command::new(env!("CARGO_BIN_EXE_ai-tracker"))
        .args(["--database-url", &app.db.url, "seed", "--update"])
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .status()
        .await
        .expect("the command runs");
    assert!(status.success());
    let updated = predictions(&app, None, "gpt-4").await;
    assert_eq!(updated["predictions"][0]["outcome"], "UNRESOLVABLE", "the editor's resolution stays");
    for (now, then) in
        updated["predictions"].as_array().unwrap().iter().zip(resolved["predictions"].as_array().unwrap()).skip(1)
    {
        assert_eq!(
            (&now["outcome"], &now["successor"], &now["evidence"]),
            (&then["outcome"], &then["successor"], &then["evidence"])
        );
    }
}

/// A model's predictions are a list charged like its other lists: a page may show them, and
/// nesting them through successors (predictions → successor → predictions → …) is refused
/// before it runs.
#[tokio::test]
async fn nested_predictions_are_charged_and_refused_before_they_run() {
    let app = spawn_app().await;
    let one = "{ models(first: 10) { nodes { predictions { status successor { slug } capability { slug } } } } }";
    app.query(one, json!({})).await;
    let nested = "{ models(first: 50) { nodes { predictions { successor { predictions { successor {
        predictions { successor { slug } } } } } } } } }";
    let (status, error) = app.query_error(nested, json!({})).await;
    assert_eq!(status, 400);
    assert_eq!(error["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{error}");
}
