//! The record (issue 17, item 4): the `predictions` ledger and the `forecastRecord` counts over
//! it, their filters, pages and past reads, drafts' privacy, and the hit rate of a prediction
//! resolved before its successor shipped.

use std::collections::{BTreeMap, HashSet};

use ai_tracker::domain::EditorRole;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

const NODE: &str = "id kind status outcome hindsight recordedAt resolvedAt
    model { slug organizations { slug country } } successor { slug }";

const COUNTS: &str = "recorded open confirmed partly refuted unresolvable withdrawn hindsight hitRate";

/// Every prediction `filter` keeps, as `token` (or the public) sees them, paged by `size`;
/// checks on the way that `totalCount` is right on every page and no item comes twice.
async fn ledger(app: &TestApp, token: Option<&str>, filter: Value, size: usize) -> Vec<Value> {
    ledger_in(app, token, filter, size, Value::Null).await
}

/// `ledger` in the order `order` (a `[PredictionOrder!]`).
async fn ledger_in(app: &TestApp, token: Option<&str>, filter: Value, size: usize, order: Value) -> Vec<Value> {
    let query = format!(
        "query($f: PredictionFilter, $n: Int, $after: String, $o: [PredictionOrder!]) {{
            predictions(filter: $f, first: $n, after: $after, orderBy: $o) {{
            totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ {NODE} }} }} }}"
    );
    let mut nodes: Vec<Value> = Vec::new();
    let mut totals = Vec::new();
    let mut after = Value::Null;
    loop {
        let variables = json!({ "f": filter, "n": size, "after": after, "o": order });
        let data = match token {
            Some(token) => app.query_as(token, &query, variables).await,
            None => app.query(&query, variables).await,
        };
        let page = &data["predictions"];
        let items = page["nodes"].as_array().unwrap();
        assert!(items.len() <= size);
        nodes.extend(items.iter().cloned());
        totals.push(page["totalCount"].as_u64().unwrap() as usize);
        if !page["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert!(totals.iter().all(|t| *t == nodes.len()), "totalCount {totals:?} against {} items", nodes.len());
    let ids: HashSet<&str> = nodes.iter().map(|n| n["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), nodes.len(), "an item came twice");
    nodes
}

async fn forecast(app: &TestApp, token: Option<&str>, filter: Value, group_by: Value) -> Value {
    let query = format!(
        "query($f: PredictionFilter, $g: [ForecastGrouping!]) {{ forecastRecord(filter: $f, groupBy: $g) {{
            total {{ {COUNTS} }} groups {{ yearRecorded organization {{ slug }} kind counts {{ {COUNTS} }} }} }} }}"
    );
    let variables = json!({ "f": filter, "g": group_by });
    let data = match token {
        Some(token) => app.query_as(token, &query, variables).await,
        None => app.query(&query, variables).await,
    };
    data["forecastRecord"].clone()
}

/// The counts of `nodes`, worked out here from each one's status, outcome and hindsight.
fn counted(nodes: &[Value]) -> Value {
    let n = |keep: &dyn Fn(&Value) -> bool| nodes.iter().filter(|p| keep(p)).count();
    let resolved = |outcome: &'static str| move |p: &Value| p["status"] == "RESOLVED" && p["outcome"] == outcome;
    let scored: Vec<&Value> = nodes.iter().filter(|p| p["status"] == "RESOLVED" && p["hindsight"] == false).collect();
    let s = |o: &str| scored.iter().filter(|p| p["outcome"] == o).count() as f64;
    let denominator = s("CONFIRMED") + s("PARTLY") + s("REFUTED");
    json!({
        "recorded": nodes.len(),
        "open": n(&|p| p["status"] == "OPEN"),
        "confirmed": n(&resolved("CONFIRMED")),
        "partly": n(&resolved("PARTLY")),
        "refuted": n(&resolved("REFUTED")),
        "unresolvable": n(&resolved("UNRESOLVABLE")),
        "withdrawn": n(&|p| p["status"] == "WITHDRAWN"),
        "hindsight": n(&|p| p["hindsight"] == true),
        "hitRate": if denominator > 0.0 { json!((s("CONFIRMED") + 0.5 * s("PARTLY")) / denominator) } else { Value::Null },
    })
}

/// The groups' counts added up (all but the hit rate).
fn summed(groups: &Value) -> BTreeMap<String, u64> {
    let mut sum = BTreeMap::new();
    for group in groups.as_array().unwrap() {
        for (key, value) in group["counts"].as_object().unwrap() {
            if key != "hitRate" {
                *sum.entry(key.clone()).or_insert(0) += value.as_u64().unwrap();
            }
        }
    }
    sum
}

fn without_hit_rate(counts: &Value) -> BTreeMap<String, u64> {
    counts
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| *k != "hitRate")
        .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
        .collect()
}

fn ids(nodes: &[Value]) -> Vec<&str> {
    let mut ids: Vec<&str> = nodes.iter().map(|n| n["id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    ids
}

fn ids_where(nodes: &[Value], keep: impl Fn(&Value) -> bool) -> Vec<&str> {
    let mut ids: Vec<&str> = nodes.iter().filter(|n| keep(n)).map(|n| n["id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    ids
}

fn instant_of(node: &Value) -> DateTime<Utc> {
    node["recordedAt"].as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn the_starter_catalogs_record_is_its_ledger_counted() {
    let app = spawn_app().await;
    let all = ledger(&app, None, json!({}), 100).await;
    let expected = counted(&all);
    let record = forecast(&app, None, json!({}), json!([])).await;
    println!("starter record: {}", record["total"]);
    assert_eq!(record["total"], expected);
    assert_eq!(record["groups"], json!([]));
    let resolved = all.iter().filter(|p| p["status"] == "RESOLVED").count();
    assert!(resolved >= 25, "{resolved} resolved");
    assert_eq!(record["total"]["hindsight"], json!(resolved), "everything resolved is hindsight");
    assert_eq!(record["total"]["hitRate"], Value::Null);

    for grouping in ["KIND", "YEAR_RECORDED", "ORGANIZATION"] {
        let grouped = forecast(&app, None, json!({}), json!([grouping])).await;
        assert_eq!(grouped["total"], expected, "{grouping}");
        assert_eq!(summed(&grouped["groups"]), without_hit_rate(&expected), "{grouping}");
        println!("by {grouping}: {} groups", grouped["groups"].as_array().unwrap().len());
    }
    let by_kind = forecast(&app, None, json!({}), json!(["KIND"])).await;
    for group in by_kind["groups"].as_array().unwrap() {
        assert_eq!(group["yearRecorded"], Value::Null);
        assert_eq!(group["organization"], Value::Null);
        let of_kind: Vec<Value> = all.iter().filter(|p| p["kind"] == group["kind"]).cloned().collect();
        assert_eq!(group["counts"], counted(&of_kind), "{}", group["kind"]);
    }
    let by_year = forecast(&app, None, json!({}), json!(["YEAR_RECORDED"])).await;
    for group in by_year["groups"].as_array().unwrap() {
        let year = group["yearRecorded"].as_i64().unwrap();
        let of_year: Vec<Value> =
            all.iter().filter(|p| chrono::Datelike::year(&instant_of(p)) as i64 == year).cloned().collect();
        assert_eq!(group["counts"], counted(&of_year), "{year}");
    }
    let three = forecast(&app, None, json!({}), json!(["ORGANIZATION", "KIND", "YEAR_RECORDED"])).await;
    assert_eq!(summed(&three["groups"]), without_hit_rate(&expected));
}

#[tokio::test]
async fn each_filter_narrows_the_ledger_and_pages_walk_it_once() {
    let app = spawn_app().await;
    let all = ledger(&app, None, json!({}), 100).await;
    // Newest recorded first, then by id: the same items in the same order in pages of 7.
    let paged = ledger(&app, None, json!({}), 7).await;
    let order = |nodes: &[Value]| nodes.iter().map(|n| n["id"].clone()).collect::<Vec<_>>();
    assert_eq!(order(&paged), order(&all));
    assert!(all.windows(2).all(|w| instant_of(&w[0]) >= instant_of(&w[1])));
    // By resolution, newest first, the open ones last; and oldest recorded first.
    let by_resolution =
        ledger_in(&app, None, json!({}), 9, json!([{ "field": "RESOLVED_AT", "direction": "DESC" }])).await;
    assert_eq!(ids(&by_resolution), ids(&all));
    let resolved_at: Vec<Option<DateTime<Utc>>> =
        by_resolution.iter().map(|p| p["resolvedAt"].as_str().map(|t| t.parse().unwrap())).collect();
    assert!(resolved_at.windows(2).all(|w| match (w[0], w[1]) {
        (Some(a), Some(b)) => a >= b,
        (None, Some(_)) => false,
        _ => true,
    }));
    assert!(resolved_at[0].is_some());
    let oldest_first = ledger_in(&app, None, json!({}), 33, json!([{ "field": "RECORDED_AT" }])).await;
    assert_eq!(ids(&oldest_first), ids(&all));
    assert!(oldest_first.windows(2).all(|w| instant_of(&w[0]) <= instant_of(&w[1])));

    let organization = all[0]["model"]["organizations"][0]["slug"].as_str().unwrap().to_owned();
    let slugs: Vec<String> =
        [0, all.len() / 2].iter().map(|i| all[*i]["model"]["slug"].as_str().unwrap().to_owned()).collect();
    let mut times: Vec<DateTime<Utc>> = all.iter().map(instant_of).collect();
    times.sort();
    let middle = times[times.len() / 2];
    let has_org = |p: &Value, key: &str, value: &str| {
        p["model"]["organizations"].as_array().unwrap().iter().any(|o| o[key].as_str() == Some(value))
    };
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({ "kind": "CAPABILITY" }), ids_where(&all, |p| p["kind"] == "CAPABILITY")),
        (json!({ "kind": "RISK" }), ids_where(&all, |p| p["kind"] == "RISK")),
        (json!({ "status": "RESOLVED" }), ids_where(&all, |p| p["status"] == "RESOLVED")),
        (json!({ "status": "OPEN" }), ids_where(&all, |p| p["status"] == "OPEN")),
        (json!({ "status": "WITHDRAWN" }), ids_where(&all, |p| p["status"] == "WITHDRAWN")),
        (json!({ "outcome": "CONFIRMED" }), ids_where(&all, |p| p["outcome"] == "CONFIRMED")),
        (json!({ "outcome": "PARTLY" }), ids_where(&all, |p| p["outcome"] == "PARTLY")),
        (json!({ "hindsight": true }), ids_where(&all, |p| p["hindsight"] == true)),
        (json!({ "hindsight": false }), ids_where(&all, |p| p["hindsight"] == false)),
        (json!({ "organization": organization }), ids_where(&all, |p| has_org(p, "slug", &organization))),
        (json!({ "country": "us" }), ids_where(&all, |p| has_org(p, "country", "US"))),
        (json!({ "country": "CN" }), ids_where(&all, |p| has_org(p, "country", "CN"))),
        (json!({ "model": slugs }), ids_where(&all, |p| slugs.iter().any(|s| p["model"]["slug"] == s.as_str()))),
        (json!({ "model": slugs[0] }), ids_where(&all, |p| p["model"]["slug"] == slugs[0].as_str())),
        (json!({ "model": ["no-such-model"] }), vec![]),
        (json!({ "organization": "no-such-lab" }), vec![]),
        (json!({ "recordedFrom": middle }), ids_where(&all, |p| instant_of(p) >= middle)),
        (json!({ "recordedBefore": middle }), ids_where(&all, |p| instant_of(p) < middle)),
        (
            json!({ "recordedFrom": times[0], "recordedBefore": middle, "kind": "RISK" }),
            ids_where(&all, |p| instant_of(p) >= times[0] && instant_of(p) < middle && p["kind"] == "RISK"),
        ),
        (
            json!({ "status": "RESOLVED", "hindsight": false }),
            vec![], // every starter resolution is hindsight
        ),
    ];
    for (filter, expected) in &cases {
        let found = ledger(&app, None, filter.clone(), 40).await;
        assert_eq!(ids(&found), *expected, "{filter}");
        assert!(expected.len() < all.len() || filter.get("hindsight").is_some(), "{filter} narrows nothing");
        let record = forecast(&app, None, filter.clone(), json!([])).await;
        assert_eq!(record["total"], counted(&found), "{filter}");
    }
    for (filter, expected) in &cases[..4] {
        assert!(!expected.is_empty(), "{filter} keeps something");
    }
}

/// Through the API: an organization's id and two capabilities' ids.
async fn ids_for_editing(app: &TestApp) -> (String, Vec<String>) {
    let data =
        app.query("{ organization(slug: \"openai\") { id } capabilities(first: 2) { nodes { id } } }", json!({})).await;
    let capabilities = data["capabilities"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    (data["organization"]["id"].as_str().unwrap().to_owned(), capabilities)
}

async fn create_model(app: &TestApp, token: &str, input: Value) -> String {
    let data = app
        .query_as(token, "mutation($i: CreateModelInput!) { createModel(input: $i) { id } }", json!({ "i": input }))
        .await;
    data["createModel"]["id"].as_str().unwrap().to_owned()
}

/// A model with an extrapolated link to each of `capabilities`.
fn forecasting_model(slug: &str, organization: &str, capabilities: &[String], published: bool) -> Value {
    let links: Vec<Value> = capabilities
        .iter()
        .map(|c| json!({ "capabilityId": c, "status": "EXTRAPOLATED", "evidence": "expected of a 10x scaled successor" }))
        .collect();
    json!({
        "slug": slug, "name": slug, "organizationIds": [organization], "announcedOn": "2025-06-01",
        "access": "API", "published": published, "capabilities": links,
    })
}

async fn predictions_of(app: &TestApp, token: &str, slug: &str) -> Vec<Value> {
    let query = "query($s: String!) { model(slug: $s) { predictions { id version } } }";
    app.query_as(token, query, json!({ "s": slug })).await["model"]["predictions"].as_array().unwrap().clone()
}

async fn resolve(app: &TestApp, token: &str, prediction: &Value, outcome: &str, successor: &str) -> Value {
    let query = "mutation($id: ID!, $v: Int!, $i: ResolvePredictionInput!) {
        resolvePrediction(id: $id, expectedVersion: $v, input: $i) { status outcome hindsight successor { slug } } }";
    let input = json!({
        "outcome": outcome, "successorId": successor, "sourceUrl": "https://example.org/successor",
        "evidence": "The successor's model card reports exactly this.",
    });
    app.query_as(token, query, json!({ "id": prediction["id"], "v": prediction["version"], "i": input }))
        .await["resolvePrediction"]
        .clone()
}

const PAST_RECORD: &str = "query($f: PredictionFilter, $at: DateTime) {
    forecastRecord(filter: $f, groupBy: [KIND, YEAR_RECORDED, ORGANIZATION], asRecordedAt: $at) {
        total { recorded open confirmed partly refuted unresolvable withdrawn hindsight hitRate }
        groups { yearRecorded kind organization { slug } counts { recorded confirmed hitRate } } }
    predictions(filter: $f, first: 50, asRecordedAt: $at) { totalCount
        nodes { id status outcome hindsight recordedAt resolvedAt version successor { slug } model { slug } } } }";

async fn instant() -> String {
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let at = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    at
}

/// A prediction recorded before its successor is announced is scored: CONFIRMED makes the hit
/// rate 1, a REFUTED one beside it 0.5. The record read at an instant before the resolutions
/// answers as it did then, byte for byte.
#[tokio::test]
async fn a_prediction_resolved_before_its_successor_shipped_is_scored() {
    let app = spawn_app_with(|settings| settings.cache.response_cache_bytes = 0).await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let (openai, capabilities) = ids_for_editing(&app).await;
    create_model(&app, &editor, forecasting_model("forecaster", &openai, &capabilities, true)).await;
    let later = (Utc::now() + chrono::Duration::days(60)).date_naive().to_string();
    let successor = create_model(
        &app,
        &editor,
        json!({ "slug": "forecaster-next", "name": "Forecaster Next", "organizationIds": [openai],
                "announcedOn": later, "access": "API", "published": true }),
    )
    .await;
    let mine = json!({ "model": ["forecaster"] });
    let opened = forecast(&app, None, mine.clone(), json!([])).await["total"].clone();
    assert_eq!(opened["recorded"], 2);
    assert_eq!(opened["open"], 2);
    assert_eq!(opened["hitRate"], Value::Null);
    let whole_before = forecast(&app, None, json!({}), json!([])).await["total"].clone();
    let past = app.query(PAST_RECORD, json!({ "f": mine, "at": null })).await;
    let then = instant().await;

    let predictions = predictions_of(&app, &editor, "forecaster").await;
    assert_eq!(predictions.len(), 2);
    let resolved = resolve(&app, &editor, &predictions[0], "CONFIRMED", &successor).await;
    assert_eq!(
        resolved,
        json!({ "status": "RESOLVED", "outcome": "CONFIRMED", "hindsight": false, "successor": { "slug": "forecaster-next" } })
    );
    let record = forecast(&app, None, mine.clone(), json!([])).await["total"].clone();
    assert_eq!(
        (record["confirmed"].clone(), record["hindsight"].clone(), record["hitRate"].clone()),
        (json!(1), json!(0), json!(1.0))
    );
    // The only scored prediction of the catalog: the whole record's hit rate is its.
    let whole = forecast(&app, None, json!({}), json!([])).await["total"].clone();
    assert_eq!(whole["hitRate"], json!(1.0));
    assert_eq!(whole["confirmed"].as_u64().unwrap(), whole_before["confirmed"].as_u64().unwrap() + 1);
    assert_eq!(whole["open"].as_u64().unwrap() + 1, whole_before["open"].as_u64().unwrap());
    let unscored = ledger(&app, None, json!({ "hindsight": false, "status": "RESOLVED" }), 10).await;
    assert_eq!(unscored.len(), 1);

    resolve(&app, &editor, &predictions[1], "REFUTED", &successor).await;
    let record = forecast(&app, None, mine.clone(), json!(["KIND"])).await;
    assert_eq!(record["total"]["hitRate"], json!(0.5));
    assert_eq!(record["total"]["refuted"], 1);
    assert_eq!(record["groups"][0]["kind"], "CAPABILITY");
    assert_eq!(record["groups"][0]["counts"]["hitRate"], json!(0.5));

    // As recorded before the resolutions: the same answer, byte for byte.
    let replayed = app.query(PAST_RECORD, json!({ "f": mine, "at": then })).await;
    assert_eq!(serde_json::to_string(&replayed).unwrap(), serde_json::to_string(&past).unwrap());
    let now = app.query(PAST_RECORD, json!({ "f": mine, "at": null })).await;
    assert_ne!(now, past);
}

#[tokio::test]
async fn drafts_predictions_are_counted_for_editors_only() {
    let app = spawn_app().await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let (openai, capabilities) = ids_for_editing(&app).await;
    let public_before = forecast(&app, None, json!({}), json!(["KIND"])).await;
    let ledger_before = ledger(&app, None, json!({}), 100).await.len();
    let editor_before = forecast(&app, Some(&editor), json!({}), json!([])).await["total"].clone();

    create_model(&app, &editor, forecasting_model("secret-forecaster", &openai, &capabilities, false)).await;
    let draft = json!({ "model": ["secret-forecaster"] });
    assert_eq!(forecast(&app, None, json!({}), json!(["KIND"])).await, public_before);
    assert_eq!(ledger(&app, None, json!({}), 100).await.len(), ledger_before);
    assert!(ledger(&app, None, draft.clone(), 10).await.is_empty());
    assert_eq!(forecast(&app, None, draft.clone(), json!([])).await["total"]["recorded"], 0);
    let by_org = forecast(&app, None, json!({ "organization": "openai" }), json!(["ORGANIZATION"])).await;
    assert_eq!(summed(&by_org["groups"]), without_hit_rate(&by_org["total"]));

    let seen = ledger(&app, Some(&editor), draft.clone(), 10).await;
    assert_eq!(seen.len(), 2);
    assert!(seen.iter().all(|p| p["recordedAt"].is_null() && p["status"] == "OPEN"), "{seen:?}");
    let counted_for_editor = forecast(&app, Some(&editor), draft, json!(["YEAR_RECORDED"])).await;
    assert_eq!(counted_for_editor["total"]["recorded"], 2);
    assert_eq!(
        counted_for_editor["groups"],
        json!([{ "yearRecorded": null, "organization": null, "kind": null,
        "counts": counted_for_editor["total"] }])
    );
    let editor_after = forecast(&app, Some(&editor), json!({}), json!([])).await["total"].clone();
    assert_eq!(editor_after["recorded"].as_u64().unwrap(), editor_before["recorded"].as_u64().unwrap() + 2);
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field() {
    let app = spawn_app().await;
    let query = "query($f: PredictionFilter, $g: [ForecastGrouping!]) { forecastRecord(filter: $f, groupBy: $g) { total { recorded } } }";
    let page = "query($f: PredictionFilter, $n: Int) { predictions(filter: $f, first: $n) { totalCount } }";
    for filter in [json!({ "kind": "GUESS" }), json!({ "status": "DONE" }), json!({ "nope": true })] {
        let (status, error) = app.query_error(page, json!({ "f": filter })).await;
        assert_eq!(status, 400, "{filter}: {error}");
        assert!(error["message"].as_str().unwrap().contains("filter"), "{filter}: {error}");
    }
    let (_, error) = app.query_error("{ predictions(filter: { kind: GUESS }) { totalCount } }", json!({})).await;
    assert_eq!(
        (&error["extensions"]["code"], &error["extensions"]["field"]),
        (&json!("BAD_USER_INPUT"), &json!("filter.kind"))
    );
    let (_, error) = app.query_error("{ forecastRecord(groupBy: [DECADE]) { total { recorded } } }", json!({})).await;
    assert!(error["message"].as_str().unwrap().contains("ForecastGrouping"), "{error}");
    let (_, error) = app.query_error("{ predictions(filter: { nope: 1 }) { totalCount } }", json!({})).await;
    assert!(error["message"].as_str().unwrap().contains("nope"), "{error}");

    let bad = |filter: Value, group_by: Value, field: &'static str| (filter, group_by, field);
    let cases = [
        bad(
            json!({ "recordedFrom": "2026-01-02T00:00:00Z", "recordedBefore": "2026-01-01T00:00:00Z" }),
            json!([]),
            "filter.recordedFrom",
        ),
        bad(
            json!({ "recordedFrom": "2026-01-01T00:00:00Z", "recordedBefore": "2026-01-01T00:00:00Z" }),
            json!([]),
            "filter.recordedFrom",
        ),
        bad(json!({ "country": "ZZ" }), json!([]), "filter.country"),
        bad(json!({ "model": vec!["x"; 101] }), json!([]), "filter.model"),
        bad(json!({}), json!(["KIND", "YEAR_RECORDED", "KIND"]), "groupBy"),
    ];
    for (filter, group_by, field) in cases {
        let (_, error) = app.query_error(query, json!({ "f": filter, "g": group_by })).await;
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{filter}: {error}");
        assert_eq!(error["extensions"]["field"], field, "{filter}: {error}");
        if field != "groupBy" {
            let (_, error) = app.query_error(page, json!({ "f": filter })).await;
            assert_eq!(error["extensions"]["field"], field, "{filter}: {error}");
        }
    }
    let (_, error) = app.query_error(page, json!({ "n": 101 })).await;
    assert_eq!(
        (error["extensions"]["code"].clone(), error["extensions"]["field"].clone()),
        (json!("BAD_USER_INPUT"), json!("first"))
    );
    let (_, error) = app.query_error("{ predictions(after: \"bm90IGEgY3Vyc29y\") { totalCount } }", json!({})).await;
    assert_eq!(error["extensions"]["field"], "after", "{error}");
}

/// The ledger is charged like the other connections: a page of predictions whose models list
/// their organizations' models is refused before it runs; many records in one request too.
#[tokio::test]
async fn the_ledger_and_the_record_are_charged() {
    let app = spawn_app().await;
    app.query("{ predictions(first: 100) { nodes { model { name } successor { name } } } forecastRecord { total { recorded } } }", json!({}))
        .await;
    let nested =
        "{ predictions(first: 100) { nodes { model { organizations { models(first: 100) { nodes { name } } } } } } }";
    let (status, error) = app.query_error(nested, json!({})).await;
    assert_eq!(status, 400);
    assert_eq!(error["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{error}");
    let many: String = (0..11).map(|i| format!("r{i}: forecastRecord {{ total {{ recorded }} }} ")).collect();
    let (_, error) = app.query_error(&format!("{{ {many} }}"), json!({})).await;
    assert_eq!(error["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{error}");
}

const PAGE: &str = "query($n: Int, $at: DateTime) { predictions(first: $n, asRecordedAt: $at) { nodes {
    model { name } successor { name } capability { name } } } }";

#[tokio::test]
async fn a_ledger_page_of_fifty_runs_as_many_statements_as_a_page_of_five() {
    let app = spawn_app_with(|settings| settings.cache.response_cache_bytes = 0).await;
    let at = instant().await;
    for at in [Value::Null, json!(at)] {
        let mut counts = Vec::new();
        for n in [5, 50] {
            let before = app.statements_so_far();
            let data = app.query(PAGE, json!({ "n": n, "at": at })).await;
            assert_eq!(data["predictions"]["nodes"].as_array().unwrap().len(), n);
            counts.push(app.statements_so_far() - before);
        }
        println!("ledger page statements (asRecordedAt {at}): 5 -> {}, 50 -> {}", counts[0], counts[1]);
        assert_eq!(counts[0], counts[1]);
    }
}

/// The README's examples of the ledger and the record answer as written.
#[tokio::test]
async fn the_readmes_examples_answer() {
    let app = spawn_app().await;
    let ledger = app
        .query(
            r#"{
  predictions(filter: { organization: "openai", status: RESOLVED }, first: 20) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { kind model { name } capability { name } claim { statement severity }
            recordedAt status outcome successor { name } evidence sourceUrl hindsight }
  }
}"#,
            json!({}),
        )
        .await;
    assert!(ledger["predictions"]["totalCount"].as_u64().unwrap() > 0, "{ledger}");
    let record = app
        .query(
            r#"{
  forecastRecord(groupBy: [YEAR_RECORDED, ORGANIZATION]) {
    total { recorded open confirmed partly refuted unresolvable withdrawn hindsight hitRate }
    groups { yearRecorded organization { name } counts { recorded confirmed refuted hitRate } }
  }
}"#,
            json!({}),
        )
        .await;
    assert!(!record["forecastRecord"]["groups"].as_array().unwrap().is_empty(), "{record}");
}
