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
    let app = spawn_app_with(|settings| settings.response_cache_bytes = 0).await; // counts runs
    let five = statements_for(&app, 5).await;
    let fifty = statements_for(&app, 50).await;
    println!("nested page statements: 5 models -> {five}, 50 models -> {fifty}");
    assert_eq!(five, fifty);
    // count + page + organizations (read through their links in one join) + capability links
    // + the capabilities they name + risk assessments
    assert_eq!(fifty, 6, "{fifty} statements");
}

const MODEL_FIELDS: &str = "slug aliases inputModalities outputModalities organizations { slug name }
    capabilities { status capability { slug } } riskAssessments { horizon summary }
    baseModel { slug } derivedModels { slug } sources { url }";

#[tokio::test]
async fn a_model_page_reads_each_relation_at_once_and_answers_as_the_batched_path_does() {
    let app = spawn_app_with(|settings| settings.response_cache_bytes = 0).await; // counts runs
    let first = app.query("{ models(first: 1) { nodes { id slug } } }", json!({})).await;
    let (id, slug) = (&first["models"]["nodes"][0]["id"], &first["models"]["nodes"][0]["slug"]);

    let before = app.statements_so_far();
    let page = app
        .query(&format!("query($slug: String!) {{ model(slug: $slug) {{ {MODEL_FIELDS} }} }}"), json!({ "slug": slug }))
        .await;
    let statements = app.statements_so_far() - before;
    // the model, then one statement per relation (modalities serve both lists; the base
    // model only when there is one)
    assert!(statements <= 9, "{statements} statements");

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
