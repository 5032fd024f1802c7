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

/// The fields this round added cost what they can read: a successor list (up to 100 models) is
/// charged like the other lists that grow with the catalog, so nesting it is refused before it
/// runs, and each `thresholdStatus` condition of a filter is charged like any other condition.
#[tokio::test]
async fn successor_lists_and_threshold_status_filters_are_charged() {
    let app = spawn_app().await;
    let one = "{ models(first: 10) { nodes { successorCandidates { computeRatio model { slug } } thresholdStatus { status } } } }";
    app.query(one, json!({})).await;
    let nested = "{ models(first: 50) { nodes { successorCandidates { model { successorCandidates { model {
        successorCandidates { model { slug } } } } } } } } }";
    let (status, error) = app.query_error(nested, json!({})).await;
    assert_eq!(status, 400);
    assert_eq!(error["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{error}");

    let query = "query($f: ModelFilter) { models(first: 10, filter: $f) { totalCount } }";
    let condition =
        json!({ "thresholdStatus": { "threshold": "eu-ai-act-systemic-risk", "in": ["ABOVE", "LIKELY_ABOVE"] } });
    app.query(query, json!({ "f": { "or": vec![condition.clone(); 5] } })).await;
    // 600 conditions (200 points each) in lists of at most 100: past the 100,000 points.
    let many = json!({ "or": vec![json!({ "or": vec![condition; 100] }); 6] });
    let (_, error) = app.query_error(query, json!({ "f": many })).await;
    assert_eq!(error["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{error}");
}

/// A model's threshold history reads its revision log: it is charged as a list of 100 plus a
/// search's worth of reading, so a page of ten models may ask for it and a page of fifty may not.
#[tokio::test]
async fn threshold_histories_are_charged_for_the_log_they_read() {
    let app = spawn_app().await;
    let history = "thresholdHistory { direction revisionId before { countedFlop } }";
    let ten = format!("{{ models(first: 10) {{ nodes {{ slug {history} }} }} }}");
    let answer = app.query(&ten, json!({})).await;
    assert_eq!(answer["models"]["nodes"].as_array().unwrap().len(), 10, "{answer}");
    let fifty = format!("{{ models(first: 50) {{ nodes {{ slug {history} }} }} }}");
    let (status, error) = app.query_error(&fifty, json!({})).await;
    assert_eq!(status, 400);
    assert_eq!(error["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{error}");
    let nested = format!(
        "{{ models(first: 5) {{ nodes {{ thresholdHistory {{ model {{ thresholdHistory {{ model {{ {history} }} }} }} }} }} }} }}"
    );
    let (_, error) = app.query_error(&nested, json!({})).await;
    assert_eq!(error["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{error}");
}

/// `changes` reads two instants and two records: it is charged like a small analysis, so a page
/// of models may ask it of each, and a request cannot ask it of a hundred, nor of every model
/// of every organization.
#[tokio::test]
async fn changes_are_charged_so_a_request_cannot_diff_the_whole_catalog() {
    let app = spawn_app().await;
    let since = json!({ "since": "2020-01-01T00:00:00Z" });
    let some =
        "query($since: DateTime!) { models(first: 20) { nodes { changes(since: $since) { field before after } } } }";
    app.query(some, since.clone()).await;
    let all = "query($since: DateTime!) { models(first: 100) { nodes { changes(since: $since) { field } } } }";
    let (status, error) = app.query_error(all, since.clone()).await;
    assert_eq!(status, 400);
    assert_eq!(error["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{error}");
    let nested = "query($since: DateTime!) { organizations(first: 10) { nodes { models { changes(since: $since) { field } } } } }";
    let (_, error) = app.query_error(nested, since).await;
    assert_eq!(error["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{error}");
}
