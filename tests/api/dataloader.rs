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
    // count + page + organizations + capabilities + risk assessments (each link table is read
    // with its target in one statement)
    assert_eq!(fifty, 5, "{fifty} statements");
}
