//! Threshold status (issue 17, part 5): per threshold, the compute it counts for a model and
//! whether the model is ABOVE, LIKELY_ABOVE, LIKELY_BELOW, BELOW or UNKNOWN, from the estimate
//! and its 90% interval; what a threshold counts, set by admins; drafts stay invisible.

use ai_tracker::domain::EditorRole;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

const STATUS: &str = "thresholdStatus { threshold { slug } countedFlop countedFlopLow countedFlopHigh status }";

/// A model's slug, estimate, lower bound, upper bound, and status against the EU AI Act's 1e25 FLOP.
type Case = (&'static str, Option<f64>, Option<f64>, Option<f64>, &'static str);

const CASES: [Case; 10] = [
    ("ts-no-estimate", None, None, None, "UNKNOWN"),
    ("ts-above-no-bounds", Some(2e25), None, None, "LIKELY_ABOVE"),
    ("ts-below-no-bounds", Some(5e24), None, None, "LIKELY_BELOW"),
    ("ts-estimate-at", Some(1e25), None, None, "LIKELY_ABOVE"),
    ("ts-wholly-above", Some(3e25), Some(1.5e25), Some(5e25), "ABOVE"),
    ("ts-low-at", Some(2e25), Some(1e25), Some(4e25), "ABOVE"),
    ("ts-wholly-below", Some(2e24), Some(1e24), Some(5e24), "BELOW"),
    ("ts-high-at", Some(8e24), Some(5e24), Some(1e25), "LIKELY_BELOW"),
    ("ts-straddle-above", Some(2e25), Some(5e24), Some(3e25), "LIKELY_ABOVE"),
    ("ts-straddle-below", Some(8e24), Some(5e24), Some(3e25), "LIKELY_BELOW"),
];

async fn create(app: &TestApp, token: &str, input: Value) {
    let query = "mutation($input: CreateModelInput!) { createModel(input: $input) { id } }";
    let created = app.query_as(token, query, json!({ "input": input })).await;
    assert!(created["createModel"]["id"].is_string(), "{created}");
}

async fn statuses(app: &TestApp, slug: &str) -> Value {
    let query = format!("query($slug: String!) {{ model(slug: $slug) {{ thresholdsCrossed {{ slug }} {STATUS} }} }}");
    app.query(&query, json!({ "slug": slug })).await["model"].clone()
}

fn slugs(answer: &Value) -> Vec<String> {
    let mut slugs: Vec<String> =
        answer["models"]["nodes"].as_array().unwrap().iter().map(|n| n["slug"].as_str().unwrap().to_owned()).collect();
    slugs.sort();
    slugs
}

/// The slugs (sorted) of this test's models (the starter catalog is loaded beside them) that the
/// caller sees with the EU status in `statuses`, checked against `totalCount`.
async fn filtered(app: &TestApp, token: Option<&str>, statuses: Value) -> Vec<String> {
    let query = "query($in: [ThresholdStatusValue!]!) { models(first: 100, \
        filter: { slug: { startsWith: \"ts-\" }, thresholdStatus: { threshold: \"eu-ai-act-systemic-risk\", in: $in } }) \
        { totalCount nodes { slug } } }";
    let answer = match token {
        Some(token) => app.query_as(token, query, json!({ "in": statuses })).await,
        None => app.query(query, json!({ "in": statuses })).await,
    };
    let slugs = slugs(&answer);
    assert_eq!(answer["models"]["totalCount"], json!(slugs.len()), "{answer}");
    slugs
}

fn eu(model: &Value) -> &Value {
    model["thresholdStatus"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["threshold"]["slug"] == "eu-ai-act-systemic-risk")
        .unwrap()
}

#[tokio::test]
async fn each_threshold_gets_a_status_from_the_estimate_and_its_interval() {
    let app = spawn_app().await;
    let editor = app.editor_token(EditorRole::Editor).await;
    for (slug, estimate, low, high, _) in CASES {
        let input = json!({
            "slug": slug, "name": slug, "access": "API", "published": true,
            "trainingComputeFlop": estimate, "trainingComputeFlopLow": low, "trainingComputeFlopHigh": high
        });
        create(&app, &editor, input).await;
    }
    for (slug, estimate, low, high, want) in CASES {
        let model = statuses(&app, slug).await;
        let all = model["thresholdStatus"].as_array().unwrap();
        // One per threshold, in `thresholdsCrossed`'s order (by FLOP).
        let order: Vec<&str> = all.iter().map(|s| s["threshold"]["slug"].as_str().unwrap()).collect();
        assert_eq!(order, ["epoch-large-scale", "eu-ai-act-systemic-risk", "us-eo-14110-reporting"], "{slug}");
        let status = eu(&model);
        assert_eq!(status["status"], want, "{slug}: {status}");
        // No threshold counts fine-tuning or post-training yet, so the counted figure is the estimate.
        assert_eq!(
            (&status["countedFlop"], &status["countedFlopLow"], &status["countedFlopHigh"]),
            (&json!(estimate), &json!(low), &json!(high)),
            "{slug}"
        );
        // `thresholdsCrossed` answers as it always has: the estimate at or above the line.
        let crossed: Vec<&str> =
            model["thresholdsCrossed"].as_array().unwrap().iter().map(|t| t["slug"].as_str().unwrap()).collect();
        assert_eq!(crossed.contains(&"eu-ai-act-systemic-risk"), estimate.is_some_and(|e| e >= 1e25), "{slug}");
    }
    // The filter keeps exactly the models the statuses name, in pages and counts alike.
    for want in ["ABOVE", "LIKELY_ABOVE", "LIKELY_BELOW", "BELOW", "UNKNOWN"] {
        let mut expected: Vec<&str> = CASES.iter().filter(|c| c.4 == want).map(|c| c.0).collect();
        expected.sort();
        assert_eq!(filtered(&app, None, json!([want])).await, expected, "{want}");
    }
    let either = filtered(&app, None, json!(["ABOVE", "BELOW"])).await;
    let mut expected: Vec<&str> = CASES.iter().filter(|c| c.4 == "ABOVE" || c.4 == "BELOW").map(|c| c.0).collect();
    expected.sort();
    assert_eq!(either, expected);
    // Several thresholds: `and` of one condition each.
    let both = app
        .query(
            r#"{ models(first: 100, filter: { slug: { startsWith: "ts-" }, and: [
                { thresholdStatus: { threshold: "eu-ai-act-systemic-risk", in: [LIKELY_ABOVE] } },
                { thresholdStatus: { threshold: "us-eo-14110-reporting", in: [LIKELY_BELOW, BELOW] } } ] }) { nodes { slug } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(slugs(&both), ["ts-above-no-bounds", "ts-estimate-at", "ts-straddle-above"]);
    // Every threshold reads the same figures: the 1e23 line is wholly below every interval here.
    let wholly = statuses(&app, "ts-wholly-below").await;
    assert_eq!(wholly["thresholdStatus"][0]["status"], "ABOVE");
    assert_eq!(wholly["thresholdStatus"][2]["status"], "BELOW");
}

#[tokio::test]
async fn what_a_threshold_counts_is_set_by_admins_and_moves_the_counted_figure() {
    let app = spawn_app().await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let admin = app.editor_token(EditorRole::Admin).await;
    create(
        &app,
        &editor,
        json!({
            "slug": "ts-parts", "name": "Parts", "access": "API", "published": true,
            "trainingComputeFlop": 6e24, "trainingComputeFlopLow": 5e24, "trainingComputeFlopHigh": 7e24,
            "finetuneComputeFlop": 2e24, "postTrainingComputeFlop": 4e24
        }),
    )
    .await;
    let listed = app
        .query("{ computeThresholds { id slug version countsFinetuneCompute countsPostTrainingCompute } }", json!({}))
        .await;
    let thresholds = listed["computeThresholds"].as_array().unwrap();
    assert!(thresholds.iter().all(|t| t["countsFinetuneCompute"] == false && t["countsPostTrainingCompute"] == false));
    let eu_row = thresholds.iter().find(|t| t["slug"] == "eu-ai-act-systemic-risk").unwrap();
    assert_eq!(eu(&statuses(&app, "ts-parts").await)["status"], "BELOW");

    let update = "mutation($id: ID!, $v: Int!, $input: UpdateComputeThresholdInput!) { \
        updateComputeThreshold(id: $id, input: $input, expectedVersion: $v) { version countsFinetuneCompute countsPostTrainingCompute } }";
    let (_, refused) = app
        .query_error_as(
            &editor,
            update,
            json!({ "id": eu_row["id"], "v": 1, "input": { "countsFinetuneCompute": true } }),
        )
        .await;
    assert_eq!(refused["extensions"]["code"], "FORBIDDEN", "{refused}");
    let both = json!({ "countsFinetuneCompute": true, "countsPostTrainingCompute": true });
    let updated = app.query_as(&admin, update, json!({ "id": eu_row["id"], "v": 1, "input": both })).await;
    assert_eq!(
        updated["updateComputeThreshold"],
        json!({ "version": 2, "countsFinetuneCompute": true, "countsPostTrainingCompute": true })
    );
    let status = eu(&statuses(&app, "ts-parts").await).clone();
    let close = |v: &Value, want: f64| (v.as_f64().unwrap() - want).abs() <= want * 1e-12;
    assert!(close(&status["countedFlop"], 1.2e25), "{status}");
    assert!(close(&status["countedFlopLow"], 1.1e25), "{status}");
    assert!(close(&status["countedFlopHigh"], 1.3e25), "{status}");
    assert_eq!(status["status"], "ABOVE");
    assert_eq!(filtered(&app, None, json!(["ABOVE"])).await, ["ts-parts"]);
    assert!(filtered(&app, None, json!(["BELOW"])).await.is_empty());
    // The other thresholds did not change what they count.
    let us = &statuses(&app, "ts-parts").await["thresholdStatus"][2];
    assert_eq!((&us["countedFlop"], &us["status"]), (&json!(6e24), &json!("BELOW")));
    // The change is a revision like any other.
    let query = "query($id: ID!) { revisions(entityId: $id, first: 1) { totalCount } }";
    let revisions = app.query_as(&admin, query, json!({ "id": eu_row["id"] })).await;
    assert!(revisions["revisions"]["totalCount"].as_i64().unwrap() >= 1, "{revisions}");
}

#[tokio::test]
async fn drafts_threshold_status_stays_invisible_to_the_public() {
    let app = spawn_app().await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let draft = json!({ "slug": "ts-draft", "name": "Draft", "access": "API", "published": false, "trainingComputeFlop": 3e26 });
    create(&app, &editor, draft).await;
    assert_eq!(statuses(&app, "ts-draft").await, Value::Null);
    let listed = app
        .query(&format!("{{ models(first: 100, filter: {{ slug: {{ startsWith: \"ts-\" }} }}) {{ totalCount nodes {{ slug {STATUS} }} }} }}"), json!({}))
        .await;
    assert_eq!(listed["models"]["totalCount"], 0, "{listed}");
    let seen = app.query_as(&editor, &format!("{{ model(slug: \"ts-draft\") {{ {STATUS} }} }}"), json!({})).await;
    assert_eq!(seen["model"]["thresholdStatus"][2]["status"], "LIKELY_ABOVE");
    assert!(filtered(&app, None, json!(["LIKELY_ABOVE"])).await.is_empty());
    assert_eq!(filtered(&app, Some(&editor), json!(["LIKELY_ABOVE"])).await, ["ts-draft"]);
}

#[tokio::test]
async fn bad_threshold_status_filters_are_refused_naming_the_field() {
    let app = spawn_app().await;
    for (filter, field) in [
        (r#"{ thresholdStatus: { threshold: "no-such-line", in: [ABOVE] } }"#, "filter.thresholdStatus.threshold"),
        (
            r#"{ and: [{ published: true }, { thresholdStatus: { threshold: "no-such-line", in: [ABOVE] } }] }"#,
            "filter.and[1].thresholdStatus.threshold",
        ),
        (r#"{ thresholdStatus: { threshold: "eu-ai-act-systemic-risk", in: [] } }"#, "filter.thresholdStatus.in"),
    ] {
        for query in [
            format!("{{ models(first: 5, filter: {filter}) {{ nodes {{ slug }} }} }}"),
            format!("{{ models(first: 5, filter: {filter}) {{ totalCount }} }}"),
        ] {
            let (_, error) = app.query_error(&query, json!({})).await;
            assert_eq!(
                (error["extensions"]["code"].as_str(), error["extensions"]["field"].as_str()),
                (Some("BAD_USER_INPUT"), Some(field)),
                "{query}: {error}"
            );
        }
    }
}
