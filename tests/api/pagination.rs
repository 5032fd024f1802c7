//! Relay pagination: forward and backward, every ordering, NULLs, and bad arguments.

use serde_json::{Value, json};

use crate::helpers::{all_nodes, spawn_app};

#[tokio::test]
async fn paging_forward_visits_every_model_once_in_order() {
    let app = spawn_app().await;
    let data = app.query("{ models { totalCount } }", json!({})).await;
    let total = data["models"]["totalCount"].as_u64().unwrap() as usize;

    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = app
            .query(
                "query($after: String) { models(first: 7, after: $after, orderBy: [{ field: NAME }]) {
                     edges { cursor node { slug name } } pageInfo { hasNextPage hasPreviousPage endCursor startCursor } } }",
                json!({ "after": after }),
            )
            .await;
        let page = &data["models"];
        let edges = page["edges"].as_array().unwrap();
        assert!(edges.len() <= 7);
        assert_eq!(page["pageInfo"]["hasPreviousPage"], !after.is_null());
        if !edges.is_empty() {
            assert_eq!(page["pageInfo"]["endCursor"], edges.last().unwrap()["cursor"]);
            assert_eq!(page["pageInfo"]["startCursor"], edges[0]["cursor"]);
        }
        seen.extend(edges.iter().map(|e| e["node"]["name"].as_str().unwrap().to_owned()));
        if !page["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen.len(), total, "every model once");
    let keys: Vec<String> = seen.iter().map(|n| n.trim().to_lowercase()).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "ordered by name, case-insensitively");
}

#[tokio::test]
async fn paging_backward_gives_the_same_list() {
    let app = spawn_app().await;
    let forward: Vec<Value> =
        all_nodes(&app, "models", "slug", ", orderBy: [{ field: ANNOUNCED_ON, direction: DESC }]")
            .await
            .into_iter()
            .map(|n| n["slug"].clone())
            .collect();

    let mut backward = Vec::new();
    let mut before = Value::Null;
    loop {
        let data = app
            .query(
                "query($before: String) { models(last: 9, before: $before, orderBy: [{ field: ANNOUNCED_ON, direction: DESC }]) {
                     nodes { slug } pageInfo { hasPreviousPage startCursor } } }",
                json!({ "before": before }),
            )
            .await;
        let page = &data["models"];
        let mut slugs: Vec<Value> = page["nodes"].as_array().unwrap().iter().map(|n| n["slug"].clone()).collect();
        slugs.extend(backward);
        backward = slugs;
        if !page["pageInfo"]["hasPreviousPage"].as_bool().unwrap() {
            break;
        }
        before = page["pageInfo"]["startCursor"].clone();
    }
    assert_eq!(backward, forward);
}

#[tokio::test]
async fn nulls_sort_last_in_both_directions_and_pages_cross_them() {
    let app = spawn_app().await;
    for direction in ["ASC", "DESC"] {
        let order = format!(", orderBy: [{{ field: PARAMETERS, direction: {direction} }}, {{ field: NAME }}]");
        let nodes = all_nodes(&app, "models", "slug parameters", &order).await;
        let values: Vec<Option<f64>> = nodes.iter().map(|n| n["parameters"].as_f64()).collect();
        let first_null = values.iter().position(Option::is_none).expect("the catalog has models without parameters");
        assert!(values[first_null..].iter().all(Option::is_none), "NULLs last ({direction})");
        let known: Vec<f64> = values[..first_null].iter().map(|v| v.unwrap()).collect();
        let ordered = known.windows(2).all(|w| if direction == "ASC" { w[0] <= w[1] } else { w[0] >= w[1] });
        assert!(ordered, "{direction}: {known:?}");
        let mut slugs: Vec<&str> = nodes.iter().map(|n| n["slug"].as_str().unwrap()).collect();
        let count = slugs.len();
        slugs.sort();
        slugs.dedup();
        assert_eq!(slugs.len(), count, "no model twice");
    }
}

#[tokio::test]
async fn every_list_pages_and_counts() {
    let app = spawn_app().await;
    for (field, order) in [
        ("organizations", "[{ field: COUNTRY }, { field: NAME, direction: DESC }]"),
        ("capabilities", "[{ field: CATEGORY }]"),
        ("datasets", "[{ field: SIZE, direction: DESC }]"),
        ("riskAssessments", "[{ field: LIKELIHOOD }, { field: ASSESSED_ON }]"),
        ("models", "[{ field: TRAINING_COMPUTE_FLOP, direction: DESC }, { field: TRAINING_COST_USD }]"),
    ] {
        let nodes = all_nodes(&app, field, "id", &format!(", orderBy: {order}")).await;
        let data = app.query(&format!("{{ {field} {{ totalCount }} }}"), json!({})).await;
        assert_eq!(nodes.len() as i64, data[field]["totalCount"].as_i64().unwrap(), "{field}");
        let mut ids: Vec<&str> = nodes.iter().map(|n| n["id"].as_str().unwrap()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), nodes.len(), "{field}: no node twice");
    }
}

#[tokio::test]
async fn a_page_defaults_to_twenty_and_refuses_sizes_out_of_range() {
    let app = spawn_app().await;
    let data = app.query("{ models { nodes { slug } } }", json!({})).await;
    assert_eq!(data["models"]["nodes"].as_array().unwrap().len(), 20);
    let data = app.query("{ models(first: 100) { nodes { slug } } }", json!({})).await;
    assert_eq!(
        data["models"]["nodes"].as_array().unwrap().len().min(100),
        data["models"]["nodes"].as_array().unwrap().len()
    );

    for (args, field) in [
        ("first: 101", "first"),
        ("first: 100000", "first"),
        ("first: -1", "first"),
        ("last: 500", "last"),
        ("first: 5, last: 5", "last"),
        ("after: \"garbage\"", "after"),
        ("before: \"WyJ4Il0\"", "before"),
        (
            "orderBy: [{ field: NAME }, { field: PARAMETERS }, { field: ANNOUNCED_ON }, { field: TRAINING_COMPUTE_FLOP }]",
            "orderBy",
        ),
    ] {
        let (status, error) = app.query_error(&format!("{{ models({args}) {{ nodes {{ slug }} }} }}"), json!({})).await;
        assert_eq!(status, 200, "{args}: execution errors keep 200");
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{args}: {error}");
        assert_eq!(error["extensions"]["field"], field, "{args}: {error}");
    }
}

#[tokio::test]
async fn a_cursor_of_another_ordering_is_refused() {
    let app = spawn_app().await;
    let data =
        app.query("{ models(first: 2, orderBy: [{ field: NAME }]) { pageInfo { endCursor } } }", json!({})).await;
    let cursor = data["models"]["pageInfo"]["endCursor"].clone();
    let (_, error) = app
        .query_error(
            "query($c: String) { models(after: $c, orderBy: [{ field: NAME }, { field: PARAMETERS }]) { nodes { slug } } }",
            json!({ "c": cursor }),
        )
        .await;
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(error["extensions"]["field"], "after");
}
