//! Named compute thresholds: the defaults, which models cross them, and when the catalog did.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::helpers::{all_nodes, spawn_app};

#[tokio::test]
async fn the_default_thresholds_are_listed_lowest_first() {
    let app = spawn_app().await;
    let data = app.query("{ computeThresholds { slug name flop sourceUrl version } }", json!({})).await;
    let flops: Vec<f64> =
        data["computeThresholds"].as_array().unwrap().iter().map(|t| t["flop"].as_f64().unwrap()).collect();
    assert_eq!(flops, vec![1e23, 1e25, 1e26]);
    assert_eq!(data["computeThresholds"][1]["slug"], "eu-ai-act-systemic-risk");
}

#[tokio::test]
async fn each_model_lists_the_thresholds_its_compute_reaches_in_one_read() {
    let app = spawn_app().await;
    let before = app.statements_so_far();
    let data = app
        .query("{ models(first: 100) { nodes { trainingComputeFlop thresholdsCrossed { slug flop } } } }", json!({}))
        .await;
    let statements = app.statements_so_far() - before;
    assert!(statements <= 3, "the thresholds are read once per request, not per model: {statements}");
    let mut crossing_any = 0;
    for m in data["models"]["nodes"].as_array().unwrap() {
        let compute = m["trainingComputeFlop"].as_f64();
        let crossed: Vec<f64> =
            m["thresholdsCrossed"].as_array().unwrap().iter().map(|t| t["flop"].as_f64().unwrap()).collect();
        let expected: Vec<f64> = [1e23, 1e25, 1e26].into_iter().filter(|f| compute.is_some_and(|c| c >= *f)).collect();
        assert_eq!(crossed, expected, "{m}");
        crossing_any += usize::from(!crossed.is_empty());
    }
    assert!(crossing_any > 0);
}

#[tokio::test]
async fn threshold_crossings_name_the_first_model_and_count_each_year() {
    let app = spawn_app().await;
    let all = all_nodes(&app, "models", "slug announcedOn trainingComputeFlop", "").await;
    let query = r#"query($t: String!) { thresholdCrossings(threshold: $t) {
        threshold { flop } firstModel { slug } firstCrossedOn perYear { year count } total } }"#;
    for (slug, flop) in
        [("epoch-large-scale", 1e23), ("eu-ai-act-systemic-risk", 1e25), ("us-eo-14110-reporting", 1e26)]
    {
        let mut over: Vec<&Value> = all
            .iter()
            .filter(|m| m["announcedOn"].is_string() && m["trainingComputeFlop"].as_f64().is_some_and(|c| c >= flop))
            .collect();
        over.sort_by_key(|m| m["announcedOn"].as_str().unwrap().to_owned());
        let data = app.query(query, json!({ "t": slug })).await;
        let c = &data["thresholdCrossings"];
        assert_eq!(c["threshold"]["flop"].as_f64().unwrap(), flop);
        assert_eq!(c["total"], over.len());
        assert_eq!(c["firstCrossedOn"], over[0]["announcedOn"], "{slug}");
        let first_date = over[0]["announcedOn"].as_str().unwrap();
        let firsts: Vec<&str> =
            over.iter().filter(|m| m["announcedOn"] == first_date).map(|m| m["slug"].as_str().unwrap()).collect();
        assert!(firsts.contains(&c["firstModel"]["slug"].as_str().unwrap()));
        let mut per_year: BTreeMap<i64, u64> = BTreeMap::new();
        for m in &over {
            *per_year.entry(m["announcedOn"].as_str().unwrap()[..4].parse().unwrap()).or_default() += 1;
        }
        let years = c["perYear"].as_array().unwrap();
        let got: BTreeMap<i64, u64> = years
            .iter()
            .map(|y| (y["year"].as_i64().unwrap(), y["count"].as_u64().unwrap()))
            .filter(|(_, n)| *n > 0)
            .collect();
        assert_eq!(got, per_year, "{slug}");
        let listed: Vec<i64> = years.iter().map(|y| y["year"].as_i64().unwrap()).collect();
        assert!(listed.windows(2).all(|w| w[1] == w[0] + 1), "every year since the first: {listed:?}");
    }
    let data = app.query(query, json!({ "t": "no-such-threshold" })).await;
    assert!(data["thresholdCrossings"].is_null());
}

#[tokio::test]
async fn admins_set_thresholds_and_every_change_is_in_the_history() {
    use ai_tracker::domain::EditorRole;
    let app = spawn_app().await;
    let admin = app.editor_token(EditorRole::Admin).await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let create = r#"mutation { createComputeThreshold(input: { slug: "one-e-27", name: "1e27 FLOP", flop: 1e27, sourceUrl: "https://example.org/1e27" }) { id slug flop version } }"#;

    let (_, error) = app.query_error(create, json!({})).await;
    assert_eq!(error["extensions"]["code"], "UNAUTHENTICATED");
    let (_, error) = app.query_error_as(&editor, create, json!({})).await;
    assert_eq!(error["extensions"]["code"], "FORBIDDEN", "editors edit the catalog, admins the thresholds");

    let created = app.query_as(&admin, create, json!({})).await["createComputeThreshold"].clone();
    assert_eq!((created["flop"].as_f64(), created["version"].as_i64()), (Some(1e27), Some(1)));
    let id = created["id"].as_str().unwrap();
    let listed = app.query("{ computeThresholds { slug } }", json!({})).await;
    assert_eq!(listed["computeThresholds"].as_array().unwrap().last().unwrap()["slug"], "one-e-27");

    let update = "mutation($id: ID!, $v: Int!, $flop: Float!) { updateComputeThreshold(id: $id, input: { flop: $flop }, expectedVersion: $v) { flop version } }";
    let updated = app.query_as(&admin, update, json!({ "id": id, "v": 1, "flop": 3e26 })).await;
    assert_eq!(updated["updateComputeThreshold"], json!({ "flop": 3e26, "version": 2 }));
    let (_, stale) = app.query_error_as(&admin, update, json!({ "id": id, "v": 1, "flop": 4e26 })).await;
    assert_eq!(
        (stale["extensions"]["code"].as_str(), stale["extensions"]["currentVersion"].as_i64()),
        (Some("CONFLICT"), Some(2))
    );
    for (flop, case) in [(0.0, "zero"), (1e40, "past 1e40"), (-1e25, "negative")] {
        let (_, error) = app.query_error_as(&admin, update, json!({ "id": id, "v": 2, "flop": flop })).await;
        assert_eq!(error["extensions"]["field"], "input.flop", "{case}: {error}");
    }
    // Models list the moved threshold exactly when their compute reaches its new value.
    let models = all_nodes(&app, "models", "trainingComputeFlop thresholdsCrossed { slug }", "").await;
    for m in &models {
        let crosses = m["thresholdsCrossed"].as_array().unwrap().iter().any(|t| t["slug"] == "one-e-27");
        assert_eq!(crosses, m["trainingComputeFlop"].as_f64().is_some_and(|f| f >= 3e26), "{m}");
    }

    let delete = "mutation($id: ID!) { deleteComputeThreshold(id: $id, expectedVersion: 2) }";
    app.query_as(&admin, delete, json!({ "id": id })).await;
    let history = app
        .query("query($id: ID!) { revisions(entityId: $id) { nodes { action entityType } } }", json!({ "id": id }))
        .await;
    let actions: Vec<&str> =
        history["revisions"]["nodes"].as_array().unwrap().iter().map(|n| n["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["DELETE", "UPDATE", "CREATE"]);
    assert_eq!(history["revisions"]["nodes"][0]["entityType"], "COMPUTE_THRESHOLD");
}
