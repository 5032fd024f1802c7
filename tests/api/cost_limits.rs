//! The complexity limit charges for filters and analyses, so one anonymous request cannot make
//! the database scan without bound.

use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn analyses_cost_enough_that_a_request_holds_only_a_few() {
    let app = spawn_app().await;
    let one = "{ modelStatistics(groupBy: [YEAR]) { count } computeTrend(metric: PARAMETERS) { n } models(first: 10) { nodes { name } } }";
    app.query(one, json!({})).await;
    let many: String = (0..11).map(|i| format!("s{i}: modelStatistics {{ count }} ")).collect();
    let (status, error) = app.query_error(&format!("{{ {many} }}"), json!({})).await;
    assert_eq!(status, 400);
    assert_eq!(error["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{error}");
    let searches: String = (0..40).map(|i| format!("s{i}: search(text: \"a\", first: 50) {{ __typename }} ")).collect();
    let (_, error) = app.query_error(&format!("{{ {searches} }}"), json!({})).await;
    assert_eq!(error["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{error}");
}

#[tokio::test]
async fn filters_cost_per_condition() {
    let app = spawn_app().await;
    let condition = json!({ "organizations": { "country": { "eq": "US" } }, "parameters": { "gt": 1 }, "name": { "contains": "a" } });
    let small = json!({ "or": vec![condition.clone(); 5] });
    let query = "query($f: ModelFilter) { models(first: 10, filter: $f) { totalCount } }";
    app.query(query, json!({ "f": small })).await;
    // 600 conditions (200 points each), some of them sub-queries: past the 100,000 points.
    let big = json!({ "or": vec![condition; 100], "and": vec![json!({ "parameters": { "gt": 1, "lt": 1e15 } }); 100] });
    let (_, error) = app.query_error(query, json!({ "f": big })).await;
    assert_eq!(error["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{error}");
}
