//! Search across the catalog, ranked exact name, name prefix, alias, name elsewhere, description.

use serde_json::{Value, json};

use crate::helpers::spawn_app;

const SEARCH: &str = r#"query($t: String!, $n: Int) { search(text: $t, first: $n) {
    __typename
    ... on Model { slug name aliases description }
    ... on Organization { slug name description }
    ... on Capability { slug name description } } }"#;

/// The rank the API promises, recomputed from what it returned.
fn rank(hit: &Value, text: &str) -> u8 {
    let t = text.to_lowercase();
    let name = hit["name"].as_str().unwrap().to_lowercase();
    let aliases: Vec<String> = hit["aliases"]
        .as_array()
        .map(|a| a.iter().map(|x| x.as_str().unwrap().to_lowercase()).collect())
        .unwrap_or_default();
    if name == t {
        0
    } else if name.starts_with(&t) {
        1
    } else if aliases.iter().any(|a| a.contains(&t)) {
        2
    } else if name.contains(&t) {
        3
    } else {
        assert!(hit["description"].as_str().unwrap_or_default().to_lowercase().contains(&t), "{hit} matches {text}");
        4
    }
}

async fn search(app: &crate::helpers::TestApp, text: &str, first: i32) -> Vec<Value> {
    app.query(SEARCH, json!({ "t": text, "n": first })).await["search"].as_array().unwrap().clone()
}

#[tokio::test]
async fn results_are_ranked_exact_prefix_alias_name_description() {
    let app = spawn_app().await;
    for text in ["DeepSeek", "gpt", "llama", "transformer", "code", "Attention Is All", "safety"] {
        let hits = search(&app, text, 50).await;
        assert!(!hits.is_empty(), "{text}");
        let ranks: Vec<u8> = hits.iter().map(|h| rank(h, text)).collect();
        assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{text}: {ranks:?}");
    }
    let hits = search(&app, "deepseek", 5).await;
    assert_eq!((hits[0]["__typename"].as_str(), hits[0]["slug"].as_str()), (Some("Organization"), Some("deepseek")));
    assert_eq!(hits[1]["__typename"], "Model");
    let hits = search(&app, "GPT-4", 3).await;
    assert_eq!(hits[0]["slug"], "gpt-4");
    let hits = search(&app, "Attention Is All You Need", 3).await;
    assert_eq!(hits[0]["__typename"], "Model", "found by its alias");
    assert_eq!(rank(&hits[0], "Attention Is All You Need"), 2);
}

#[tokio::test]
async fn first_limits_and_wildcards_are_text() {
    let app = spawn_app().await;
    assert_eq!(search(&app, "a", 7).await.len(), 7);
    assert_eq!(search(&app, "a", 50).await.len(), 50);
    assert!(search(&app, "%", 50).await.iter().all(|h| rank(h, "%") <= 4));
    assert!(search(&app, "zzqxj", 10).await.is_empty());
}

#[tokio::test]
async fn bad_search_arguments_are_bad_user_input() {
    let app = spawn_app().await;
    let long = "x".repeat(101);
    for (vars, field) in [
        (json!({ "t": "" }), "text"),
        (json!({ "t": "  " }), "text"),
        (json!({ "t": long }), "text"),
        (json!({ "t": "gpt", "n": 0 }), "first"),
        (json!({ "t": "gpt", "n": 51 }), "first"),
    ] {
        let (_, error) = app.query_error(SEARCH, vars.clone()).await;
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{vars}");
        assert_eq!(error["extensions"]["field"], field, "{vars}");
    }
}

/// Search reads rank by rank, in name order, and stops as soon as it has enough (and skips the
/// ranks of another kind that could not make the answer), so a short answer must be the start
/// of a long one, and a long one sorted by rank then name across the kinds it mixes.
#[tokio::test]
async fn a_short_answer_is_the_start_of_a_long_one() {
    let app = spawn_app().await;
    for text in ["a", "gp", "e", "deep", "o", "model", "ai", "lla", "é"] {
        let all = search(&app, text, 50).await;
        let order: Vec<(u8, String)> =
            all.iter().map(|h| (rank(h, text), h["name"].as_str().unwrap().to_lowercase())).collect();
        assert!(order.windows(2).all(|w| w[0] <= w[1]), "{text}: {order:?}");
        for n in [1, 2, 5, 10, 20] {
            let some = search(&app, text, n).await;
            assert_eq!(some[..], all[..some.len()], "{text}, first {n}");
            assert_eq!(some.len(), all.len().min(n as usize), "{text}, first {n}");
        }
    }
}
