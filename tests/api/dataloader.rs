//! No N+1: a nested page costs the same number of SQL statements whatever its size.

use serde_json::json;

use crate::helpers::{TestApp, spawn_app_with};

const NESTED_PAGE: &str = "query($n: Int) { models(first: $n) { totalCount nodes { slug name
    organizations { slug name country }
    capabilities { status capability { slug name } }
    riskAssessments { horizon cause category severity likelihood summary } } } }";

async fn statements_for(app: &TestApp, n: i64) -> u64 {
    let before = app.statements_so_far();
    let data = app.query(NESTED_PAGE, json!({ "n": n })).await;
    assert_eq!(data["models"]["nodes"].as_array().unwrap().len() as i64, n);
    app.statements_so_far() - before
}

#[tokio::test]
async fn a_page_of_fifty_runs_as_many_statements_as_a_page_of_five() {
    let app = spawn_app_with(|settings| settings.cache.response_cache_bytes = 0).await; // counts runs
    let five = statements_for(&app, 5).await;
    let fifty = statements_for(&app, 50).await;
    println!("nested page statements: 5 models -> {five}, 50 models -> {fifty}");
    assert_eq!(five, fifty);
    // count + page + organizations (read through their links in one join) + capability links
    // (joined to the capabilities they name) + risk assessments
    assert_eq!(fifty, 5, "{fifty} statements");
}

const MODEL_FIELDS: &str = "slug aliases inputModalities outputModalities organizations { slug name }
    capabilities { status capability { slug } } riskAssessments { horizon summary }
    baseModel { slug } derivedModels { slug } sources { url }";

#[tokio::test]
async fn a_model_page_reads_each_relation_at_once_and_answers_as_the_batched_path_does() {
    let app = spawn_app_with(|settings| settings.cache.response_cache_bytes = 0).await; // counts runs
    let models = app.query("{ models(first: 100) { nodes { id slug baseModel { id slug } } } }", json!({})).await;
    let nodes = models["models"]["nodes"].as_array().unwrap();
    // The newest model, a model with a base model, and that base (which has derived models).
    let derived = nodes.iter().find(|m| !m["baseModel"].is_null()).expect("a model with a base model in the seed");
    let pages = [&nodes[0], derived, &derived["baseModel"]];

    for model in pages {
        let (id, slug) = (&model["id"], &model["slug"]);
        let before = app.statements_so_far();
        let page = app
            .query(
                &format!("query($slug: String!) {{ model(slug: $slug) {{ {MODEL_FIELDS} }} }}"),
                json!({ "slug": slug }),
            )
            .await;
        let statements = app.statements_so_far() - before;
        // the model, its short lists (aliases, modalities, sources), organizations, capability
        // links with their capabilities, risk assessments, and its base and derived models
        assert_eq!(statements, 6, "{slug}: {statements} statements");

        // `node` loads the same relations through the DataLoader's batching, without the prefetch.
        let node = app
            .query(
                &format!("query($id: ID!) {{ node(id: $id) {{ ... on Model {{ {MODEL_FIELDS} }} }} }}"),
                json!({ "id": id }),
            )
            .await;
        assert_eq!(page["model"], node["node"]);
        assert!(!page["model"]["organizations"].as_array().unwrap().is_empty(), "{page}");
    }
    let page = |slug: &serde_json::Value| {
        format!("{{ model(slug: {slug}) {{ baseModel {{ slug }} derivedModels {{ slug }} }} }}")
    };
    let with_base = app.query(&page(&derived["slug"]), json!({})).await;
    assert_eq!(with_base["model"]["baseModel"]["slug"], derived["baseModel"]["slug"]);
    let base = app.query(&page(&derived["baseModel"]["slug"]), json!({})).await;
    let derived_slugs: Vec<&serde_json::Value> =
        base["model"]["derivedModels"].as_array().unwrap().iter().map(|m| &m["slug"]).collect();
    assert!(derived_slugs.contains(&&derived["slug"]), "{base}");
}

const TEXT_PAGE: &str = "query($n: Int) { models(first: $n) { nodes { slug description industryContext
    riskAssessments { id summary rationale } } } }";

const TEXT_OF_ONE: &str = "query($slug: String!) { model(slug: $slug) { slug description industryContext
    riskAssessments { id summary rationale } } }";

/// List rows leave the long texts out (a catalog page shows none of them); a page that asks for
/// them reads them in one more statement per kind, whatever its size, and gets each row's own.
#[tokio::test]
async fn long_texts_are_read_in_one_statement_per_page_and_belong_to_their_rows() {
    let app = spawn_app_with(|settings| settings.cache.response_cache_bytes = 0).await; // counts runs
    let statements = |n: i64| {
        let app = &app;
        async move {
            let before = app.statements_so_far();
            let page = app.query(TEXT_PAGE, json!({ "n": n })).await;
            (app.statements_so_far() - before, page)
        }
    };
    let (five, _) = statements(5).await;
    let (fifty, page) = statements(50).await;
    assert_eq!(five, fifty);
    // page + model texts + risk assessments (with their rationales, which the page shows)
    assert_eq!(fifty, 3, "{fifty} statements");

    // Each model's texts, read alone, are what the page gave it.
    let models = page["models"]["nodes"].as_array().unwrap();
    assert!(models.len() > 20, "{page}");
    let mut rationales = 0;
    for model in models {
        let alone = app.query(TEXT_OF_ONE, json!({ "slug": model["slug"] })).await;
        assert_eq!(&alone["model"], model);
        assert!(!model["description"].as_str().unwrap().is_empty(), "{model}");
        for risk in model["riskAssessments"].as_array().unwrap() {
            assert!(risk["rationale"].as_str().unwrap().len() >= 10, "{risk}");
            rationales += 1;
        }
    }
    assert!(rationales > 20, "{rationales} rationales");
}

/// A write's answer shows the texts just written, also when an earlier field of the same
/// document read them before the write.
#[tokio::test]
async fn a_written_text_is_what_the_answer_shows() {
    let app = spawn_app_with(|settings| settings.cache.response_cache_bytes = 0).await;
    let token = app.editor_token(ai_tracker::domain::EditorRole::Editor).await;
    let before = app.query(TEXT_OF_ONE, json!({ "slug": "gpt-3" })).await["model"].clone();
    let model = app.query("{ model(slug: \"gpt-3\") { id version } }", json!({})).await["model"].clone();
    let risk = before["riskAssessments"][0].clone();
    let risk_version = app
        .query("query($id: ID!) { node(id: $id) { ... on RiskAssessment { version } } }", json!({ "id": risk["id"] }))
        .await["node"]["version"]
        .as_i64()
        .unwrap();
    let write = "mutation($m: ID!, $mv: Int!, $r: ID!, $rv: Int!) {
        first: updateModel(id: $m, input: { description: \"First rewrite.\" }, expectedVersion: $mv) { description industryContext }
        second: updateModel(id: $m, input: { industryContext: \"Second rewrite.\" }, expectedVersion: $mv2) { description industryContext }
        risk: updateRiskAssessment(id: $r, input: { rationale: \"A rationale rewritten for the test.\" }, expectedVersion: $rv) { summary rationale } }"
        .replace("$mv2", &(model["version"].as_i64().unwrap() + 1).to_string());
    let answer = app
        .query_as(
            &token,
            &write,
            json!({ "m": model["id"], "mv": model["version"], "r": risk["id"], "rv": risk_version }),
        )
        .await;
    assert_eq!(
        answer["first"],
        json!({ "description": "First rewrite.", "industryContext": before["industryContext"] })
    );
    assert_eq!(answer["second"], json!({ "description": "First rewrite.", "industryContext": "Second rewrite." }));
    assert_eq!(
        answer["risk"],
        json!({ "summary": risk["summary"], "rationale": "A rationale rewritten for the test." })
    );
    let after = app.query(TEXT_OF_ONE, json!({ "slug": "gpt-3" })).await["model"].clone();
    assert_eq!(after["description"], "First rewrite.");
    assert_eq!(after["riskAssessments"][0]["rationale"], "A rationale rewritten for the test.");
}

const SUCCESSOR_PAGE: &str = "query($n: Int) { models(first: $n, orderBy: [{ field: ANNOUNCED_ON, direction: ASC }]) {
    nodes { slug successorCandidates { computeRatio computeKnown model { slug announcedOn trainingComputeFlop } } } } }";

/// Successor candidates are found for a whole page at once: one statement walks every model's
/// lineage and organization, one reads the candidates.
#[tokio::test]
async fn successor_candidates_of_fifty_models_take_as_many_statements_as_of_five() {
    let app = spawn_app_with(|settings| settings.cache.response_cache_bytes = 0).await; // counts runs
    let statements = |n: i64| {
        let app = &app;
        async move {
            let before = app.statements_so_far();
            let page = app.query(SUCCESSOR_PAGE, json!({ "n": n })).await;
            (app.statements_so_far() - before, page)
        }
    };
    let (five, page_of_five) = statements(5).await;
    let (fifty, page) = statements(50).await;
    println!("successor candidates statements: 5 models -> {five}, 50 models -> {fifty}");
    let listed = |page: &serde_json::Value| -> usize {
        let nodes = page["models"]["nodes"].as_array().unwrap();
        nodes.iter().map(|m| m["successorCandidates"].as_array().unwrap().len()).sum()
    };
    // Both pages have candidates to read (the oldest models have the most successors).
    assert!(listed(&page_of_five) > 0 && listed(&page) > listed(&page_of_five), "{page}");
    assert_eq!(five, fifty);
    // page + the candidates of every model on it + the candidates' rows
    assert_eq!(fifty, 3, "{fifty} statements");
}

const PREDICTION_PAGE: &str = "query($n: Int) { models(first: $n, orderBy: [{ field: ANNOUNCED_ON, direction: ASC }]) {
    nodes { slug predictions { kind status outcome hindsight capability { slug } successor { slug announcedOn }
      model { slug } } } } }";

/// A page's predictions, the capabilities they name and the successors they were judged on are
/// read for the whole page at once.
#[tokio::test]
async fn predictions_of_fifty_models_take_as_many_statements_as_of_five() {
    let app = spawn_app_with(|settings| settings.cache.response_cache_bytes = 0).await; // counts runs
    let statements = |n: i64| {
        let app = &app;
        async move {
            let before = app.statements_so_far();
            let page = app.query(PREDICTION_PAGE, json!({ "n": n })).await;
            (app.statements_so_far() - before, page)
        }
    };
    let (five, page_of_five) = statements(5).await;
    let (fifty, page) = statements(50).await;
    println!("prediction statements: 5 models -> {five}, 50 models -> {fifty}");
    let resolved = |page: &serde_json::Value| -> usize {
        let nodes = page["models"]["nodes"].as_array().unwrap();
        nodes.iter().flat_map(|m| m["predictions"].as_array().unwrap()).filter(|p| !p["successor"].is_null()).count()
    };
    // The larger page holds many resolved predictions whose successors are read.
    assert!(resolved(&page) > 5 && resolved(&page) > resolved(&page_of_five), "{page}");
    assert_eq!(five, fifty);
    // page + the predictions of every model on it + the capabilities and the models they name
    assert_eq!(fifty, 4, "{fifty} statements");
}
