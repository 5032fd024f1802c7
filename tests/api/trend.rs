//! The scaling-trend fit, projections along it and the frontier, checked against trends planted
//! in the database, a hand computation and the catalog itself.

use chrono::NaiveDate;
use serde_json::{Value, json};

use crate::helpers::{TestApp, all_nodes, plant_model, spawn_app};

const TREND: &str = r#"query($f: ModelFilter, $m: TrendMetric!) { computeTrend(filter: $f, metric: $m) {
    metric n slopeLog10PerYear growthFactorPerYear doublingTimeMonths rSquared
    growthFactorInterval90 { low high } firstDate lastDate fittedAtFirstDate fittedAtLastDate reason } }"#;

fn years(date: &str) -> f64 {
    let d: NaiveDate = date.parse().unwrap();
    1970.0 + (d - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days() as f64 / 365.25
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs())
}

async fn trend(app: &TestApp, filter: Value, metric: &str) -> Value {
    app.query(TREND, json!({ "f": filter, "m": metric })).await["computeTrend"].clone()
}

fn planted() -> Value {
    json!({ "slug": { "startsWith": "planted-" } })
}

/// Twelve models whose compute grows exactly 10^0.6 a year from 1e18 FLOP at the start of 2010;
/// with `wobble`, every other one is 10^±0.1 off the line.
async fn plant_exponential(app: &TestApp, wobble: bool) {
    for i in 0..12 {
        let date = format!("{}-{:02}-15", 2010 + i, 1 + (i * 5) % 12);
        let noise = if wobble { if i % 2 == 0 { 0.1 } else { -0.1 } } else { 0.0 };
        let compute = 10f64.powf(18.0 + 0.6 * (years(&date) - 2010.0) + noise);
        plant_model(app, &format!("planted-{i}"), &date, Some(compute), Some(1e9)).await;
    }
}

#[tokio::test]
async fn a_planted_exponential_is_recovered() {
    let app = spawn_app().await;
    plant_exponential(&app, false).await;
    let t = trend(&app, planted(), "TRAINING_COMPUTE").await;
    assert_eq!(t["n"], 12);
    assert_eq!(t["metric"], "TRAINING_COMPUTE");
    assert!(close(t["slopeLog10PerYear"].as_f64().unwrap(), 0.6, 1e-9), "{t}");
    assert!(close(t["growthFactorPerYear"].as_f64().unwrap(), 10f64.powf(0.6), 1e-9));
    assert!(close(t["doublingTimeMonths"].as_f64().unwrap(), 12.0 * 2f64.log10() / 0.6, 1e-9));
    assert!(close(t["rSquared"].as_f64().unwrap(), 1.0, 1e-9));
    assert_eq!(t["firstDate"], "2010-01-15");
    assert_eq!(t["lastDate"], "2021-08-15");
    assert!(close(
        t["fittedAtFirstDate"].as_f64().unwrap(),
        10f64.powf(18.0 + 0.6 * (years("2010-01-15") - 2010.0)),
        1e-9
    ));
    assert!(t["reason"].is_null());

    let app = spawn_app().await;
    plant_exponential(&app, true).await;
    let t = trend(&app, planted(), "TRAINING_COMPUTE").await;
    let (low, high) =
        (t["growthFactorInterval90"]["low"].as_f64().unwrap(), t["growthFactorInterval90"]["high"].as_f64().unwrap());
    let growth = t["growthFactorPerYear"].as_f64().unwrap();
    assert!(low < growth && growth < high, "{t}");
    assert!(low < 10f64.powf(0.6) && 10f64.powf(0.6) < high, "the true growth lies in the 90% interval: {t}");
    assert!((t["slopeLog10PerYear"].as_f64().unwrap() - 0.6).abs() < 0.05);
    assert!(t["rSquared"].as_f64().unwrap() > 0.95);
}

#[tokio::test]
async fn the_fit_matches_a_hand_computation() {
    let app = spawn_app().await;
    let points = [("2000-01-01", 1e20), ("2001-01-01", 1e21), ("2002-07-02", 3e21), ("2004-01-01", 1e23)];
    for (i, (date, compute)) in points.iter().enumerate() {
        plant_model(&app, &format!("planted-{i}"), date, Some(*compute), None).await;
    }
    // By the textbook formulas: b = (nΣxy − ΣxΣy) / (nΣx² − (Σx)²), a = (Σy − bΣx)/n,
    // s² = SSE/(n−2), SE(b) = s/√Sxx, t(0.95, 2) = 2.919986 from the table.
    let xy: Vec<(f64, f64)> = points.iter().map(|(d, c)| (years(d), c.log10())).collect();
    let n = xy.len() as f64;
    let (sx, sy) = (xy.iter().map(|p| p.0).sum::<f64>(), xy.iter().map(|p| p.1).sum::<f64>());
    let sxy = xy.iter().map(|p| p.0 * p.1).sum::<f64>();
    let sxx = xy.iter().map(|p| p.0 * p.0).sum::<f64>();
    let b = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    let a = (sy - b * sx) / n;
    let sse: f64 = xy.iter().map(|(x, y)| (y - a - b * x).powi(2)).sum();
    let sst: f64 = xy.iter().map(|(_, y)| (y - sy / n).powi(2)).sum();
    let centred_sxx = sxx - sx * sx / n;
    let se = (sse / (n - 2.0)).sqrt() / centred_sxx.sqrt();
    let t90 = 2.919986;

    let t = trend(&app, planted(), "TRAINING_COMPUTE").await;
    assert_eq!(t["n"], 4);
    assert!(close(t["slopeLog10PerYear"].as_f64().unwrap(), b, 1e-6), "{t} vs {b}");
    assert!(close(t["rSquared"].as_f64().unwrap(), 1.0 - sse / sst, 1e-6));
    assert!(close(t["growthFactorInterval90"]["low"].as_f64().unwrap(), 10f64.powf(b - t90 * se), 1e-5));
    assert!(close(t["growthFactorInterval90"]["high"].as_f64().unwrap(), 10f64.powf(b + t90 * se), 1e-5));
    assert!(close(t["fittedAtLastDate"].as_f64().unwrap(), 10f64.powf(a + b * years("2004-01-01")), 1e-6));
    // Parameters: none of these models has any.
    let p = trend(&app, planted(), "PARAMETERS").await;
    assert_eq!(p["n"], 0);
    assert!(p["slopeLog10PerYear"].is_null() && p["reason"].is_string());
}

#[tokio::test]
async fn degenerate_fits_are_nulls_with_a_reason() {
    let app = spawn_app().await;
    for i in 0..3 {
        plant_model(&app, &format!("planted-{i}"), "2022-05-05", Some(1e22 * (i + 1) as f64), None).await;
    }
    let one_date = trend(&app, planted(), "TRAINING_COMPUTE").await;
    let two = trend(&app, json!({ "slug": { "in": ["planted-0", "planted-1"] } }), "TRAINING_COMPUTE").await;
    for (t, why) in [(one_date, "same date"), (two, "fewer than 3")] {
        for field in [
            "slopeLog10PerYear",
            "growthFactorPerYear",
            "doublingTimeMonths",
            "rSquared",
            "growthFactorInterval90",
            "fittedAtFirstDate",
        ] {
            assert!(t[field].is_null(), "{field}: {t}");
        }
        assert!(t["reason"].as_str().unwrap().contains(why), "{t}");
    }
    let data = app
        .query(
            "{ projection(metric: TRAINING_COMPUTE, filter: { slug: { startsWith: \"planted-\" } }, value: 1e27) { date value reason } }",
            json!({}),
        )
        .await;
    assert!(data["projection"]["date"].is_null() && data["projection"]["reason"].is_string());
}

#[tokio::test]
async fn projections_follow_the_planted_trend() {
    let app = spawn_app().await;
    plant_exponential(&app, false).await;
    // 10^(18 + 0.6·10) = 1e24 at the start of 2020 (decimal year 2020.0 is 2020-01-01).
    let q = r#"query($v: Float, $d: Date) { projection(metric: TRAINING_COMPUTE, filter: { slug: { startsWith: "planted-" } }, value: $v, date: $d) {
        date value dateInterval90 { earliest latest } valueInterval90 { low high } reason trend { n } } }"#;
    let p = app.query(q, json!({ "v": 1e24 })).await["projection"].clone();
    let date: NaiveDate = p["date"].as_str().unwrap().parse().unwrap();
    assert!((date - NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()).num_days().abs() <= 1, "{p}");
    assert_eq!(p["trend"]["n"], 12);
    // A perfect fit has a band of zero width.
    assert_eq!(p["dateInterval90"]["earliest"], p["date"]);

    let p = app.query(q, json!({ "d": "2030-01-01" })).await["projection"].clone();
    assert!(close(p["value"].as_f64().unwrap(), 10f64.powf(18.0 + 0.6 * (years("2030-01-01") - 2010.0)), 1e-9), "{p}");

    let app = spawn_app().await;
    plant_exponential(&app, true).await;
    let p = app.query(q, json!({ "v": 1e27 })).await["projection"].clone();
    let (earliest, latest) =
        (p["dateInterval90"]["earliest"].as_str().unwrap(), p["dateInterval90"]["latest"].as_str().unwrap());
    let date = p["date"].as_str().unwrap();
    assert!(earliest < date && date < latest, "{p}");
    let p = app.query(q, json!({ "d": "2026-06-01" })).await["projection"].clone();
    let v = p["value"].as_f64().unwrap();
    assert!(p["valueInterval90"]["low"].as_f64().unwrap() < v && v < p["valueInterval90"]["high"].as_f64().unwrap());

    for vars in [json!({}), json!({ "v": 1e24, "d": "2030-01-01" }), json!({ "v": 0.0 }), json!({ "v": -1.0 })] {
        let (_, error) = app.query_error(q, vars.clone()).await;
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{vars}: {error}");
        assert_eq!(error["extensions"]["field"], "value");
    }
}

#[tokio::test]
async fn the_starter_catalog_has_a_growing_compute_trend() {
    let app = spawn_app().await;
    let t = trend(&app, json!(null), "TRAINING_COMPUTE").await;
    let all = all_nodes(&app, "models", "announcedOn trainingComputeFlop", "").await;
    let usable = all
        .iter()
        .filter(|m| m["announcedOn"].is_string() && m["trainingComputeFlop"].as_f64().is_some_and(|c| c > 0.0))
        .count();
    assert_eq!(t["n"], usable);
    let growth = t["growthFactorPerYear"].as_f64().unwrap();
    assert!(growth > 1.0, "{t}");
    assert!(t["growthFactorInterval90"]["low"].as_f64().unwrap() < growth);
    eprintln!("starter catalog, training compute: {t}");
    let p = trend(&app, json!(null), "PARAMETERS").await;
    eprintln!("starter catalog, parameters: {p}");
}

#[tokio::test]
async fn the_frontier_is_the_largest_models_to_date() {
    let app = spawn_app().await;
    let all = all_nodes(&app, "models", "slug announcedOn trainingComputeFlop parameters", "").await;
    for (as_of, metric, field) in
        [("2020-12-31", "TRAINING_COMPUTE", "trainingComputeFlop"), ("2023-06-30", "PARAMETERS", "parameters")]
    {
        let mut expected: Vec<&Value> = all
            .iter()
            .filter(|m| m["announcedOn"].as_str().is_some_and(|d| d <= as_of) && m[field].is_number())
            .collect();
        expected.sort_by(|a, b| b[field].as_f64().unwrap().total_cmp(&a[field].as_f64().unwrap()));
        let query =
            format!("{{ frontier(asOf: \"{as_of}\", metric: {metric}, top: 5) {{ slug {field} announcedOn }} }}");
        let got = app.query(&query, json!({})).await["frontier"].as_array().unwrap().clone();
        assert_eq!(got.len(), 5);
        let values: Vec<f64> = got.iter().map(|m| m[field].as_f64().unwrap()).collect();
        let want: Vec<f64> = expected.iter().take(5).map(|m| m[field].as_f64().unwrap()).collect();
        assert_eq!(values, want, "{as_of} {metric}");
    }
    let data = app.query("{ frontier(asOf: \"2030-01-01\", metric: TRAINING_COMPUTE) { slug } }", json!({})).await;
    assert_eq!(data["frontier"].as_array().unwrap().len(), 10, "top defaults to 10");
    let data = app.query("{ frontier(asOf: \"1900-01-01\", metric: TRAINING_COMPUTE) { slug } }", json!({})).await;
    assert_eq!(data["frontier"], json!([]));
    for top in [0, 101] {
        let (_, error) = app
            .query_error(
                &format!("{{ frontier(asOf: \"2024-01-01\", metric: PARAMETERS, top: {top}) {{ slug }} }}"),
                json!({}),
            )
            .await;
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT");
        assert_eq!(error["extensions"]["field"], "top");
    }
}
