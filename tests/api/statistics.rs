//! Grouped statistics, checked against the same figures computed here from the listed models.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::helpers::{all_nodes, spawn_app};

const GROUPS: &str = r#"query($f: ModelFilter, $g: [StatisticsDimension!]) { modelStatistics(filter: $f, groupBy: $g) {
    key { year organization { slug } country inputModality outputModality access }
    count withParameters withTrainingCompute
    parameters { min max median geometricMean }
    trainingComputeFlop { min max median geometricMean }
    firstAnnouncedOn lastAnnouncedOn } }"#;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }
}

#[tokio::test]
async fn one_overall_group_sums_up_the_filtered_models() {
    let app = spawn_app().await;
    let filter = json!({ "announcedOn": { "gte": "2022-01-01" } });
    let models = all_nodes(&app, "models", "announcedOn parameters trainingComputeFlop", "").await;
    let kept: Vec<&Value> =
        models.iter().filter(|m| m["announcedOn"].as_str().is_some_and(|d| d >= "2022-01-01")).collect();
    let data = app.query(GROUPS, json!({ "f": filter })).await;
    let groups = data["modelStatistics"].as_array().unwrap();
    assert_eq!(groups.len(), 1);
    let g = &groups[0];
    assert_eq!(
        g["key"],
        json!({ "year": null, "organization": null, "country": null, "inputModality": null, "outputModality": null, "access": null })
    );
    assert_eq!(g["count"], kept.len());
    let params: Vec<f64> = kept.iter().filter_map(|m| m["parameters"].as_f64()).collect();
    let compute: Vec<f64> = kept.iter().filter_map(|m| m["trainingComputeFlop"].as_f64()).collect();
    assert_eq!(g["withParameters"], params.len());
    assert_eq!(g["withTrainingCompute"], compute.len());
    let p = &g["parameters"];
    assert!(close(p["min"].as_f64().unwrap(), params.iter().copied().fold(f64::INFINITY, f64::min)));
    assert!(close(p["max"].as_f64().unwrap(), params.iter().copied().fold(0.0, f64::max)));
    assert!(close(p["median"].as_f64().unwrap(), median(params.clone())));
    let geo = 10f64.powf(params.iter().map(|v| v.log10()).sum::<f64>() / params.len() as f64);
    assert!(close(p["geometricMean"].as_f64().unwrap(), geo));
    assert!(close(g["trainingComputeFlop"]["median"].as_f64().unwrap(), median(compute)));
    let dates: Vec<&str> = kept.iter().filter_map(|m| m["announcedOn"].as_str()).collect();
    assert_eq!(g["firstAnnouncedOn"], *dates.iter().min().unwrap());
    assert_eq!(g["lastAnnouncedOn"], *dates.iter().max().unwrap());

    let empty = app.query(GROUPS, json!({ "f": { "trainingCostUsd": { "gt": 1e15 } } })).await;
    let g = &empty["modelStatistics"][0];
    assert_eq!(g["count"], 0);
    assert!(g["parameters"].is_null() && g["firstAnnouncedOn"].is_null());
}

#[tokio::test]
async fn grouping_by_year_adds_up_to_the_total() {
    let app = spawn_app().await;
    let models = all_nodes(&app, "models", "announcedOn", "").await;
    let mut per_year: BTreeMap<Option<String>, usize> = BTreeMap::new();
    for m in &models {
        *per_year.entry(m["announcedOn"].as_str().map(|d| d[..4].to_owned())).or_default() += 1;
    }
    let data = app.query(GROUPS, json!({ "g": ["YEAR"] })).await;
    let groups = data["modelStatistics"].as_array().unwrap();
    let total: u64 = groups.iter().map(|g| g["count"].as_u64().unwrap()).sum();
    assert_eq!(total as usize, models.len());
    let got: BTreeMap<Option<String>, usize> = groups
        .iter()
        .map(|g| (g["key"]["year"].as_i64().map(|y| y.to_string()), g["count"].as_u64().unwrap() as usize))
        .collect();
    assert_eq!(got, per_year);
    let years: Vec<i64> = groups.iter().filter_map(|g| g["key"]["year"].as_i64()).collect();
    assert!(years.windows(2).all(|w| w[0] < w[1]), "ordered by year");
}

#[tokio::test]
async fn organizations_countries_and_modalities_count_a_model_in_each_group() {
    let app = spawn_app().await;
    let models = all_nodes(&app, "models", "access inputModalities organizations { slug country }", "").await;
    let data = app.query(GROUPS, json!({ "g": ["COUNTRY", "ACCESS"] })).await;
    let mut expected: BTreeMap<(Option<String>, String), usize> = BTreeMap::new();
    for m in &models {
        let mut countries: Vec<Option<String>> =
            m["organizations"].as_array().unwrap().iter().map(|o| o["country"].as_str().map(String::from)).collect();
        countries.sort();
        countries.dedup();
        if countries.is_empty() {
            countries.push(None);
        }
        for c in countries {
            *expected.entry((c, m["access"].as_str().unwrap().to_owned())).or_default() += 1;
        }
    }
    let got: BTreeMap<(Option<String>, String), usize> = data["modelStatistics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let k = &g["key"];
            (
                (k["country"].as_str().map(String::from), k["access"].as_str().unwrap().to_owned()),
                g["count"].as_u64().unwrap() as usize,
            )
        })
        .collect();
    assert_eq!(got, expected);

    let data = app
        .query(GROUPS, json!({ "g": ["ORGANIZATION"], "f": { "organizations": { "slug": { "eq": "openai" } } } }))
        .await;
    let openai = data["modelStatistics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"]["organization"]["slug"] == "openai")
        .unwrap()
        .clone();
    let by_openai =
        models.iter().filter(|m| m["organizations"].as_array().unwrap().iter().any(|o| o["slug"] == "openai")).count();
    assert_eq!(openai["count"], by_openai);

    let data = app.query(GROUPS, json!({ "g": ["INPUT_MODALITY"] })).await;
    let image = data["modelStatistics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"]["inputModality"] == "IMAGE")
        .unwrap()
        .clone();
    let with_image =
        models.iter().filter(|m| m["inputModalities"].as_array().unwrap().iter().any(|x| x == "IMAGE")).count();
    assert_eq!(image["count"], with_image);
}

#[tokio::test]
async fn bad_group_by_is_bad_user_input() {
    let app = spawn_app().await;
    for g in [json!(["YEAR", "YEAR"]), json!(["YEAR", "ACCESS", "COUNTRY", "ORGANIZATION"])] {
        let (_, error) = app.query_error(GROUPS, json!({ "g": g })).await;
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT");
        assert_eq!(error["extensions"]["field"], "groupBy");
    }
}
