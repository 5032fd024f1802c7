//! The read API over the starter catalog.

use serde_json::{Value, json};

use crate::helpers::{all_nodes, spawn_app};

const MODEL_FIELDS: &str = "id slug name aliases announcedOn announcedPrecision
    organizations { slug name country kind } inputModalities outputModalities parameters parametersConfidence
    parametersNote trainingComputeFlop trainingComputeConfidence trainingComputeNote trainingDataset
    trainingDatasetSize trainingDatasetSizeUnit datasets { slug } hardware trainingCostUsd access license
    description industryContext capabilities { status evidence capability { slug name category } }
    riskAssessments { horizon cause category severity likelihood summary rationale confidence assessedOn }
    baseModel { slug } derivedModels { slug } sources { url title } published version";

#[tokio::test]
async fn a_model_by_slug_has_every_documented_field() {
    let app = spawn_app().await;
    let data = app.query(&format!("{{ model(slug: \"gpt-3\") {{ {MODEL_FIELDS} }} }}"), json!({})).await;
    let gpt3 = &data["model"];
    assert_eq!(gpt3["name"], "GPT-3 175B (davinci)");
    assert!(gpt3["aliases"].as_array().unwrap().contains(&json!("GPT-3")));
    assert_eq!(gpt3["announcedOn"], "2020-05-28");
    assert_eq!(gpt3["announcedPrecision"], "DAY");
    assert_eq!(
        gpt3["organizations"],
        json!([{ "slug": "openai", "name": "OpenAI", "country": "US", "kind": "INDUSTRY" }])
    );
    assert_eq!(gpt3["inputModalities"], json!(["TEXT"]));
    assert_eq!(gpt3["parameters"], json!(1.746e11));
    assert_eq!(gpt3["trainingComputeFlop"], json!(3.14e23), "Epoch AI's figure");
    assert_eq!(gpt3["trainingComputeConfidence"], "CONFIRMED");
    assert_eq!(gpt3["access"], "API");
    assert!(gpt3["description"].as_str().unwrap().len() > 100);
    assert!(gpt3["industryContext"].as_str().unwrap().len() > 100);
    assert!(gpt3["sources"][0]["url"].as_str().unwrap().starts_with("https://"));
    assert!(gpt3["capabilities"].as_array().unwrap().iter().any(|c| c["capability"]["slug"] == "few-shot-learning"));
    assert!(!gpt3["riskAssessments"].as_array().unwrap().is_empty());
    assert!(
        gpt3["derivedModels"].as_array().unwrap().iter().any(|m| m["slug"] == "codex"),
        "Codex is fine-tuned from GPT-3"
    );
    assert_eq!(gpt3["published"], true);
}

#[tokio::test]
async fn an_unknown_slug_is_null_not_an_error() {
    let app = spawn_app().await;
    let data = app
        .query(
            "{ model(slug: \"no-such-model\") { slug } organization(slug: \"nobody\") { slug }
               capability(slug: \"telepathy\") { slug } dataset(slug: \"nothing\") { slug } }",
            json!({}),
        )
        .await;
    assert_eq!(data, json!({ "model": null, "organization": null, "capability": null, "dataset": null }));
}

#[tokio::test]
async fn lineage_runs_both_ways() {
    let app = spawn_app().await;
    let data = app.query("{ model(slug: \"codex\") { baseModel { slug derivedModels { slug } } } }", json!({})).await;
    assert_eq!(data["model"]["baseModel"]["slug"], "gpt-3");
    assert!(data["model"]["baseModel"]["derivedModels"].as_array().unwrap().contains(&json!({ "slug": "codex" })));
}

/// The starter catalog keeps the promises the README makes about it.
#[tokio::test]
async fn the_starter_catalog_is_complete() {
    let app = spawn_app().await;
    let models = all_nodes(
        &app,
        "models",
        "slug announcedOn trainingComputeFlop sources { url } description industryContext organizations { country }
         riskAssessments { horizon cause }",
        "",
    )
    .await;
    assert!(models.len() >= 80, "{} models", models.len());
    let with_compute = models.iter().filter(|m| m["trainingComputeFlop"].is_number()).count();
    assert!(with_compute >= 60, "{with_compute} with training compute");
    for m in &models {
        assert!(!m["sources"].as_array().unwrap().is_empty(), "{} has no source", m["slug"]);
        assert!(!m["organizations"].as_array().unwrap().is_empty(), "{} has no organization", m["slug"]);
        let year: i32 = m["announcedOn"].as_str().unwrap()[..4].parse().unwrap();
        assert!((2017..=2026).contains(&year), "{} announced {year}", m["slug"]);
    }
    let slugs: Vec<&str> = models.iter().map(|m| m["slug"].as_str().unwrap()).collect();
    for launch in [
        "gpt-3",
        "gpt-j-6b",
        "clip",
        "dall-e",
        "codex",
        "switch-c",
        "wu-dao-2",
        "hyperclova",
        "pangu-alpha",
        "jurassic-1-jumbo",
        "megatron-turing-nlg-530b",
        "gopher",
        "palm",
        "chinchilla",
        "gpt-4",
        "llama-3-1-405b",
        "deepseek-v3",
    ] {
        assert!(slugs.contains(&launch), "{launch} is missing");
    }
    for family in ["gemini", "claude", "grok"] {
        assert!(slugs.iter().any(|s| s.starts_with(family)), "no {family} model");
    }
    let with_risks = models.iter().filter(|m| !m["riskAssessments"].as_array().unwrap().is_empty()).count();
    assert!(with_risks >= 20, "{with_risks} models with risk assessments");
    let risks: Vec<&Value> = models.iter().flat_map(|m| m["riskAssessments"].as_array().unwrap()).collect();
    for horizon in ["IMMEDIATE", "NEAR_TERM"] {
        assert!(risks.iter().any(|r| r["horizon"] == horizon), "no {horizon} risk");
    }
    for cause in ["ACCIDENTAL", "MALICIOUS", "STRUCTURAL"] {
        assert!(risks.iter().any(|r| r["cause"] == cause), "no {cause} risk");
    }
    let countries: std::collections::HashSet<&str> = models
        .iter()
        .flat_map(|m| m["organizations"].as_array().unwrap().iter().map(|o| o["country"].as_str().unwrap()))
        .collect();
    for country in ["US", "CN", "GB", "KR", "FR"] {
        assert!(countries.contains(country), "no model from {country}");
    }

    let capabilities = all_nodes(&app, "capabilities", "slug models { status }", "").await;
    assert!(capabilities.len() >= 25, "{} capabilities", capabilities.len());
    let statuses: Vec<&Value> =
        capabilities.iter().flat_map(|c| c["models"].as_array().unwrap()).map(|l| &l["status"]).collect();
    assert!(statuses.contains(&&json!("DEMONSTRATED")) && statuses.contains(&&json!("EXTRAPOLATED")));
}

#[tokio::test]
async fn organizations_capabilities_and_datasets_link_back_to_models() {
    let app = spawn_app().await;
    let data = app
        .query(
            "{ organization(slug: \"deepmind\") { name country kind website models { slug organizations { slug } } }
               capability(slug: \"code-generation\") { name category models { status evidence model { slug } capability { slug } } }
               datasets(first: 100) { totalCount nodes { slug models { slug } } } }",
            json!({}),
        )
        .await;
    let deepmind = &data["organization"];
    assert_eq!(deepmind["country"], "GB");
    let slugs: Vec<&str> = deepmind["models"].as_array().unwrap().iter().map(|m| m["slug"].as_str().unwrap()).collect();
    assert!(slugs.contains(&"gopher") && slugs.contains(&"chinchilla"), "{slugs:?}");
    for m in deepmind["models"].as_array().unwrap() {
        assert!(m["organizations"].as_array().unwrap().iter().any(|o| o["slug"] == "deepmind"));
    }
    let code = &data["capability"];
    assert_eq!(code["category"], "CODE");
    let links = code["models"].as_array().unwrap();
    assert!(links.iter().any(|l| l["model"]["slug"] == "codex" && l["status"] == "DEMONSTRATED"));
    assert!(links.iter().all(|l| l["capability"]["slug"] == "code-generation"));
    let datasets = data["datasets"]["nodes"].as_array().unwrap();
    assert!(datasets.iter().any(|d| !d["models"].as_array().unwrap().is_empty()));
}

#[tokio::test]
async fn risk_assessments_list_and_order_by_severity() {
    let app = spawn_app().await;
    let data = app
        .query(
            "{ riskAssessments(first: 100, orderBy: [{ field: SEVERITY, direction: DESC }]) {
                 totalCount nodes { severity horizon model { slug } } } }",
            json!({}),
        )
        .await;
    let nodes = data["riskAssessments"]["nodes"].as_array().unwrap();
    assert!(data["riskAssessments"]["totalCount"].as_i64().unwrap() >= 40);
    let rank = |s: &Value| ["LOW", "MEDIUM", "HIGH", "CRITICAL"].iter().position(|x| s == x).unwrap();
    let ranks: Vec<usize> = nodes.iter().map(|n| rank(&n["severity"])).collect();
    assert!(ranks.windows(2).all(|w| w[0] >= w[1]), "not by severity: {ranks:?}");
    assert!(nodes.iter().all(|n| n["model"]["slug"].is_string()));
}

#[tokio::test]
async fn node_fetches_every_type_by_global_id() {
    let app = spawn_app().await;
    let data = app
        .query(
            "{ model(slug: \"gopher\") { id } organization(slug: \"openai\") { id } capability(slug: \"code-generation\") { id }
               datasets(first: 1) { nodes { id slug } } riskAssessments(first: 1) { nodes { id summary } } }",
            json!({}),
        )
        .await;
    let ids = [
        (data["model"]["id"].clone(), "Model"),
        (data["organization"]["id"].clone(), "Organization"),
        (data["capability"]["id"].clone(), "Capability"),
        (data["datasets"]["nodes"][0]["id"].clone(), "Dataset"),
        (data["riskAssessments"]["nodes"][0]["id"].clone(), "RiskAssessment"),
    ];
    for (id, type_name) in ids {
        let found = app.query("query($id: ID!) { node(id: $id) { __typename id } }", json!({ "id": id })).await;
        assert_eq!(found["node"]["__typename"], type_name);
        assert_eq!(found["node"]["id"], id);
    }
    let model = app
        .query("query($id: ID!) { node(id: $id) { ... on Model { slug } } }", json!({ "id": data["model"]["id"] }))
        .await;
    assert_eq!(model["node"]["slug"], "gopher");

    // An ID of ours that names nothing is null; a string that is no ID of ours is bad input.
    let missing = app.query("{ node(id: \"TW9kZWw6OTk5OTk5\") { id } }", json!({})).await;
    assert_eq!(missing["node"], Value::Null);
    let (_, error) = app.query_error("{ node(id: \"not-an-id\") { id } }", json!({})).await;
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(error["extensions"]["field"], "id");
}
