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
