//! Filters on the lists: every condition runs in SQL, and what comes back is what a client
//! checking the whole catalog by hand would pick.

use serde_json::{Value, json};

use crate::helpers::{TestApp, all_nodes, spawn_app};

const MODEL_FIELDS: &str =
    "slug name trainingComputeFlop parameters access announcedOn inputModalities organizations { slug country kind }";

/// Every model's slug that a filter keeps, paging through with `first: 100`.
pub async fn filtered_slugs(app: &TestApp, field: &str, filter: &Value) -> (Vec<String>, i64) {
    let mut slugs = Vec::new();
    let mut after = Value::Null;
    let query = format!(
        "query($f: {}Filter, $after: String) {{ {field}(first: 100, after: $after, filter: $f) {{ totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ slug: {} }} }} }}",
        type_of(field),
        if field == "riskAssessments" { "id" } else { "slug" }
    );
    loop {
        let data = app.query(&query, json!({ "f": filter, "after": after })).await;
        let page = &data[field];
        slugs.extend(page["nodes"].as_array().unwrap().iter().map(|n| n["slug"].as_str().unwrap().to_owned()));
        if !page["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            return (slugs, page["totalCount"].as_i64().unwrap());
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}

fn type_of(field: &str) -> &'static str {
    match field {
        "models" => "Model",
        "organizations" => "Organization",
        "capabilities" => "Capability",
        _ => "RiskAssessment",
    }
}

async fn expect_models(app: &TestApp, filter: Value, keep: impl Fn(&Value) -> bool) -> Vec<String> {
    let all = all_nodes(app, "models", MODEL_FIELDS, "").await;
    let mut expected: Vec<String> =
        all.iter().filter(|m| keep(m)).map(|m| m["slug"].as_str().unwrap().to_owned()).collect();
    let (mut got, total) = filtered_slugs(app, "models", &filter).await;
    assert_eq!(total as usize, got.len(), "totalCount agrees with the pages for {filter}");
    expected.sort();
    got.sort();
    assert_eq!(got, expected, "{filter}");
    got
}

fn flop(m: &Value) -> Option<f64> {
    m["trainingComputeFlop"].as_f64()
}

#[tokio::test]
async fn the_issue_example_picks_closed_large_models_from_china_and_korea() {
    let app = spawn_app().await;
    let filter = json!({
        "trainingComputeFlop": { "gte": 1e24 },
        "organizations": { "country": { "in": ["CN", "kr"] } },
        "not": { "access": { "eq": "OPEN_WEIGHTS" } }
    });
    let got = expect_models(&app, filter, |m| {
        flop(m).is_some_and(|f| f >= 1e24)
            && m["organizations"].as_array().unwrap().iter().any(|o| o["country"] == "CN" || o["country"] == "KR")
            && m["access"] != "OPEN_WEIGHTS"
    })
    .await;
    assert!(!got.is_empty(), "the starter catalog has such models");

    let open = json!({ "trainingComputeFlop": { "gte": 1e24 }, "organizations": { "country": { "eq": "cn" } },
                       "access": { "eq": "OPEN_WEIGHTS" } });
    let got = expect_models(&app, open, |m| {
        flop(m).is_some_and(|f| f >= 1e24)
            && m["organizations"].as_array().unwrap().iter().any(|o| o["country"] == "CN")
            && m["access"] == "OPEN_WEIGHTS"
    })
    .await;
    assert!(!got.is_empty());
}

#[tokio::test]
async fn numbers_dates_nulls_and_combinators() {
    let app = spawn_app().await;
    expect_models(&app, json!({ "parameters": { "isNull": true } }), |m| m["parameters"].is_null()).await;
    expect_models(&app, json!({ "parameters": { "gt": 1e11, "lte": 1e12 } }), |m| {
        m["parameters"].as_f64().is_some_and(|p| p > 1e11 && p <= 1e12)
    })
    .await;
    expect_models(&app, json!({ "announcedOn": { "gte": "2023-01-01", "lt": "2024-01-01" } }), |m| {
        m["announcedOn"].as_str().is_some_and(|d| d.starts_with("2023"))
    })
    .await;
    expect_models(&app, json!({ "announcedBetween": { "from": "2023-01-01", "to": "2023-12-31" } }), |m| {
        m["announcedOn"].as_str().is_some_and(|d| d.starts_with("2023"))
    })
    .await;
    let or = json!({ "or": [{ "trainingComputeFlop": { "gt": 1e25 } }, { "parameters": { "lt": 1e9 } }] });
    expect_models(&app, or, |m| flop(m).is_some_and(|f| f > 1e25) || m["parameters"].as_f64().is_some_and(|p| p < 1e9))
        .await;
    // `not` follows SQL: a model without compute matches neither a comparison nor its negation.
    expect_models(&app, json!({ "not": { "trainingComputeFlop": { "gt": 1e24 } } }), |m| {
        flop(m).is_some_and(|f| f <= 1e24)
    })
    .await;
    expect_models(&app, json!({ "access": { "in": ["API", "PRODUCT"] } }), |m| {
        m["access"] == "API" || m["access"] == "PRODUCT"
    })
    .await;
}

#[tokio::test]
async fn text_matches_ignore_case_and_treat_wildcards_as_text() {
    let app = spawn_app().await;
    let lower = expect_models(&app, json!({ "name": { "contains": "gpt" } }), |m| {
        m["name"].as_str().unwrap().to_lowercase().contains("gpt")
    })
    .await;
    assert!(!lower.is_empty());
    let (upper, _) = filtered_slugs(&app, "models", &json!({ "name": { "contains": "GPT" } })).await;
    assert_eq!(upper.len(), lower.len());
    expect_models(&app, json!({ "name": { "startsWith": "Llama" } }), |m| {
        m["name"].as_str().unwrap().to_lowercase().starts_with("llama")
    })
    .await;
    expect_models(&app, json!({ "slug": { "eq": "GPT-4" } }), |m| m["slug"] == "gpt-4").await;
    for wildcard in ["%", "_", "gpt%4"] {
        expect_models(&app, json!({ "name": { "contains": wildcard } }), |m| {
            m["name"].as_str().unwrap().to_lowercase().contains(wildcard)
        })
        .await;
    }
}

#[tokio::test]
async fn relation_filters_look_into_modalities_capabilities_and_risks() {
    let app = spawn_app().await;
    let has = |m: &Value, modality: &str| m["inputModalities"].as_array().unwrap().iter().any(|x| x == modality);
    let both = expect_models(&app, json!({ "inputModalities": { "allOf": ["TEXT", "IMAGE"] } }), |m| {
        has(m, "TEXT") && has(m, "IMAGE")
    })
    .await;
    let either = expect_models(&app, json!({ "inputModalities": { "anyOf": ["AUDIO", "VIDEO"] } }), |m| {
        has(m, "AUDIO") || has(m, "VIDEO")
    })
    .await;
    assert!(!both.is_empty() && !either.is_empty());

    let query = r#"query($f: ModelFilter) { models(first: 100, filter: $f) { totalCount nodes {
        capabilities { status capability { slug } }
        riskAssessments { horizon severity category }
        baseModel { slug } } } }"#;
    let data = app
        .query(query, json!({ "f": { "capabilities": { "slug": { "startsWith": "code" }, "status": { "eq": "EXTRAPOLATED" } } } }))
        .await;
    let nodes = data["models"]["nodes"].as_array().unwrap();
    assert!(!nodes.is_empty());
    for n in nodes {
        assert!(n["capabilities"].as_array().unwrap().iter().any(|c| c["status"] == "EXTRAPOLATED"
            && c["capability"]["slug"].as_str().unwrap().starts_with("code")));
    }
    let risks = json!({ "riskAssessments": { "horizon": { "eq": "NEAR_TERM" }, "severityAtLeast": "HIGH" } });
    let data = app.query(query, json!({ "f": risks })).await;
    let nodes = data["models"]["nodes"].as_array().unwrap();
    assert!(!nodes.is_empty());
    for n in nodes {
        assert!(
            n["riskAssessments"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["horizon"] == "NEAR_TERM" && (r["severity"] == "HIGH" || r["severity"] == "CRITICAL"))
        );
    }
    let data = app.query(query, json!({ "f": { "baseModel": { "name": { "startsWith": "llama" } } } })).await;
    for n in data["models"]["nodes"].as_array().unwrap() {
        assert!(n["baseModel"]["slug"].as_str().unwrap().starts_with("llama"), "{n}");
    }
}

#[tokio::test]
async fn organizations_capabilities_and_risk_assessments_filter_too() {
    let app = spawn_app().await;
    let all = all_nodes(&app, "organizations", "slug country kind", "").await;
    let (mut got, _) =
        filtered_slugs(&app, "organizations", &json!({ "country": { "in": ["us"] }, "kind": { "eq": "INDUSTRY" } }))
            .await;
    let mut expected: Vec<String> = all
        .iter()
        .filter(|o| o["country"] == "US" && o["kind"] == "INDUSTRY")
        .map(|o| o["slug"].as_str().unwrap().to_owned())
        .collect();
    got.sort();
    expected.sort();
    assert!(!got.is_empty());
    assert_eq!(got, expected);

    let (caps, total) = filtered_slugs(&app, "capabilities", &json!({ "category": { "eq": "DUAL_USE" } })).await;
    assert!(!caps.is_empty() && total as usize == caps.len());

    let query = r#"query($f: RiskAssessmentFilter) { riskAssessments(first: 100, filter: $f) { totalCount nodes {
        severity horizon model { slug trainingComputeFlop } } } }"#;
    let filter = json!({ "severityAtLeast": "HIGH", "model": { "trainingComputeFlop": { "gte": 1e25 } } });
    let data = app.query(query, json!({ "f": filter })).await;
    let nodes = data["riskAssessments"]["nodes"].as_array().unwrap();
    assert!(!nodes.is_empty());
    for n in nodes {
        assert!(n["severity"] == "HIGH" || n["severity"] == "CRITICAL");
        assert!(n["model"]["trainingComputeFlop"].as_f64().unwrap() >= 1e25);
    }
}

#[tokio::test]
async fn a_filter_on_a_field_without_data_is_an_empty_page() {
    let app = spawn_app().await;
    let data = app
        .query(
            "{ models(filter: { trainingCostUsd: { gt: 1e15 } }) { totalCount nodes { slug } pageInfo { hasNextPage } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["models"]["totalCount"], 0);
    assert_eq!(data["models"]["nodes"], json!([]));
    let data = app.query("{ models(filter: { access: { in: [] } }) { totalCount } }", json!({})).await;
    assert_eq!(data["models"]["totalCount"], 0);
}

#[tokio::test]
async fn filtered_pages_keep_their_order_and_cursors() {
    let app = spawn_app().await;
    let query = r#"query($after: String) { models(first: 7, after: $after, filter: { trainingComputeFlop: { isNull: false } },
        orderBy: [{ field: ACCESS }, { field: TRAINING_COMPUTE_FLOP, direction: DESC }]) {
        totalCount pageInfo { hasNextPage endCursor } nodes { slug access trainingComputeFlop } } }"#;
    let mut after = Value::Null;
    let mut seen: Vec<Value> = Vec::new();
    let total = loop {
        let data = app.query(query, json!({ "after": after })).await;
        seen.extend(data["models"]["nodes"].as_array().unwrap().iter().cloned());
        if !data["models"]["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break data["models"]["totalCount"].as_u64().unwrap();
        }
        after = data["models"]["pageInfo"]["endCursor"].clone();
    };
    assert_eq!(seen.len() as u64, total);
    for pair in seen.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let (aa, ba) = (a["access"].as_str().unwrap(), b["access"].as_str().unwrap());
        let key = |s: &str| s.to_lowercase();
        assert!(key(aa) <= key(ba), "{a} {b}");
        if aa == ba {
            assert!(a["trainingComputeFlop"].as_f64() >= b["trainingComputeFlop"].as_f64());
        }
    }
}

#[tokio::test]
async fn bad_filters_are_bad_user_input_naming_the_argument() {
    let app = spawn_app().await;
    let cases = [
        (json!({ "trainingComputeFlop": { "gte": 1e25, "lt": 1e24 } }), "filter.trainingComputeFlop.gte"),
        (json!({ "and": [{ "parameters": { "gt": 5, "lt": 5 } }] }), "filter.and[0].parameters.gt"),
        (json!({ "announcedBetween": { "from": "2024-01-01", "to": "2023-01-01" } }), "filter.announcedBetween"),
        (json!({ "not": { "not": { "not": { "not": { "not": { "not": {} } } } } } }), "filter.not.not.not.not.not.not"),
        (json!({ "parameters": { "in": (0..101).collect::<Vec<_>>() } }), "filter.parameters.in"),
        (json!({ "organizations": { "country": { "in": vec!["US"; 101] } } }), "filter.organizations.country.in"),
    ];
    for (filter, field) in cases {
        let (_, error) = app
            .query_error("query($f: ModelFilter) { models(filter: $f) { totalCount } }", json!({ "f": filter }))
            .await;
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{filter}: {error}");
        assert_eq!(error["extensions"]["field"], field, "{filter}: {error}");
    }
    let (_, error) = app
        .query_error(
            "query($f: RiskAssessmentFilter) { riskAssessments(filter: $f) { totalCount } }",
            json!({ "f": { "assessedOn": { "gt": "2026-01-01", "lte": "2025-01-01" } } }),
        )
        .await;
    assert_eq!(error["extensions"]["field"], "filter.assessedOn.gt");
}

#[tokio::test]
async fn every_order_field_pages_through_without_skips_or_repeats() {
    let app = spawn_app().await;
    for (list, order_type) in [
        ("models", "ModelOrderField"),
        ("organizations", "OrganizationOrderField"),
        ("capabilities", "CapabilityOrderField"),
        ("riskAssessments", "RiskAssessmentOrderField"),
    ] {
        let data =
            app.query(&format!("{{ __type(name: \"{order_type}\") {{ enumValues {{ name }} }} }}"), json!({})).await;
        let fields: Vec<String> = data["__type"]["enumValues"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["name"].as_str().unwrap().to_owned())
            .collect();
        assert!(fields.len() >= 3, "{order_type}");
        for field in fields {
            for direction in ["ASC", "DESC"] {
                let query = format!(
                    "query($after: String) {{ {list}(first: 13, after: $after, orderBy: [{{ field: {field}, direction: {direction} }}]) {{ totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ id }} }} }}"
                );
                let (mut ids, mut after) = (Vec::new(), Value::Null);
                let total = loop {
                    let data = app.query(&query, json!({ "after": after })).await;
                    ids.extend(
                        data[list]["nodes"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap().to_owned()),
                    );
                    if !data[list]["pageInfo"]["hasNextPage"].as_bool().unwrap() {
                        break data[list]["totalCount"].as_u64().unwrap() as usize;
                    }
                    after = data[list]["pageInfo"]["endCursor"].clone();
                };
                let count = ids.len();
                ids.sort();
                ids.dedup();
                assert_eq!((ids.len(), count), (total, total), "{list} by {field} {direction}");
            }
        }
    }
}

#[tokio::test]
async fn empty_filters_mean_what_logic_says() {
    let app = spawn_app().await;
    let all = all_nodes(&app, "models", "slug", "").await.len();
    let count = |f: Value| {
        let app = &app;
        async move {
            app.query("query($f: ModelFilter) { models(filter: $f) { totalCount } }", json!({ "f": f })).await["models"]
                ["totalCount"]
                .as_u64()
                .unwrap() as usize
        }
    };
    assert_eq!(count(json!({})).await, all);
    assert_eq!(count(json!({ "and": [{}] })).await, all);
    assert_eq!(count(json!({ "or": [{}] })).await, all);
    assert_eq!(count(json!({ "not": {} })).await, 0, "not (everything) is nothing");
    assert_eq!(count(json!({ "not": { "not": {} } })).await, all);
    assert_eq!(count(json!({ "inputModalities": {} })).await, all);
    let with_orgs = count(json!({ "organizations": {} })).await;
    assert!(with_orgs > 0 && with_orgs <= all, "models with at least one organization");
    assert_eq!(count(json!({ "name": {} })).await, all);
}

/// Every text a filter compares has a length limit and no NUL: a 900 KB `contains` pattern (once
/// INTERNAL on SQLite: the LIKE pattern was too long) and a NUL (once INTERNAL on Postgres, and
/// every row on SQLite) are BAD_USER_INPUT naming the operator, on every text operator.
#[tokio::test]
async fn oversized_and_nul_filter_text_is_bad_user_input_naming_the_operator() {
    let app = spawn_app().await;
    let query = "query($f: ModelFilter) { models(first: 5, filter: $f) { totalCount } }";
    let huge = "x".repeat(900 * 1024);
    let (status, error) = app.query_error(query, json!({ "f": { "name": { "contains": huge } } })).await;
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{status}: {error}");
    assert!(error["extensions"]["field"].as_str().unwrap().starts_with("filter"), "{error}");
    assert!(error.to_string().len() < 1_000, "the refusal does not echo the pattern");

    let long = "é".repeat(1_001);
    let cases = [
        (json!({ "name": { "contains": long } }), "filter.name.contains"),
        (json!({ "name": { "startsWith": long } }), "filter.name.startsWith"),
        (json!({ "slug": { "eq": long } }), "filter.slug.eq"),
        (json!({ "hardware": { "in": ["a", long] } }), "filter.hardware.in[1]"),
        (json!({ "name": { "contains": "a\u{0}b" } }), "filter.name.contains"),
        (json!({ "description": { "eq": "\u{0}" } }), "filter.description.eq"),
        (json!({ "organizations": { "name": { "startsWith": "\u{0}" } } }), "filter.organizations.name.startsWith"),
        (json!({ "not": { "license": { "in": ["\u{0}"] } } }), "filter.not.license.in[0]"),
    ];
    for (filter, field) in cases {
        let (_, error) = app.query_error(query, json!({ "f": filter })).await;
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{filter}: {error}");
        assert_eq!(error["extensions"]["field"], field, "{filter}: {error}");
    }
    let (_, error) = app
        .query_error(
            "query($f: OrganizationFilter) { organizations(filter: $f) { totalCount } }",
            json!({ "f": { "website": { "contains": "\u{0}" } } }),
        )
        .await;
    assert_eq!(error["extensions"]["field"], "filter.website.contains", "{error}");
    let (_, error) =
        app.query_error("query($t: String!) { search(text: $t) { __typename } }", json!({ "t": "gpt\u{0}" })).await;
    assert_eq!(
        (&error["extensions"]["code"], &error["extensions"]["field"]),
        (&json!("BAD_USER_INPUT"), &json!("text"))
    );

    // At the limit a filter still runs, and the service answers throughout.
    let fits = app.query(query, json!({ "f": { "name": { "contains": "é".repeat(1_000) } } })).await;
    assert_eq!(fits["models"]["totalCount"], 0);
    assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 200);
}
