//! No lost updates: 50 editors' updates of one model race; the version check inside the
//! `UPDATE ... WHERE version = ?` lets exactly the non-conflicting ones through (the others get
//! CONFLICT with the current version and retry), and each one that went through is in the history.

use std::collections::BTreeSet;

use ai_tracker::domain::EditorRole;
use serde_json::json;

use crate::helpers::spawn_app;

const RACERS: usize = 50;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_fifty_racing_updates_exactly_the_non_conflicting_ones_apply() {
    let app = std::sync::Arc::new(spawn_app().await);
    let token = app.editor_token(EditorRole::Editor).await;
    let id =
        app.query("{ model(slug: \"gpt-3\") { id } }", json!({})).await["model"]["id"].as_str().unwrap().to_owned();
    let update = "mutation($id: ID!, $d: String!, $v: Int!) { updateModel(id: $id, input: { description: $d }, expectedVersion: $v) { version } }";

    let racers = (0..RACERS).map(|i| {
        let (app, token, id) = (app.clone(), token.clone(), id.clone());
        tokio::spawn(async move {
            // Each racer writes against the version it read; on CONFLICT it takes the current
            // version from the error and tries again, as an editor's client would after a reload.
            let mut version = app.query("{ model(slug: \"gpt-3\") { version } }", json!({})).await["model"]["version"]
                .as_i64()
                .unwrap();
            let description = format!("Description written by racer {i}.");
            let mut conflicts = 0;
            loop {
                let (status, body) =
                    app.post_graphql_as(&token, update, json!({ "id": id, "d": description, "v": version })).await;
                assert_eq!(status, 200, "{body}");
                let Some(errors) = body.get("errors") else {
                    return (description, body["data"]["updateModel"]["version"].as_i64().unwrap(), conflicts);
                };
                assert_eq!(errors[0]["extensions"]["code"], "CONFLICT", "a racer fails only by conflict: {body}");
                let current = errors[0]["extensions"]["currentVersion"].as_i64().unwrap();
                assert!(current > version, "the current version is newer than the stale one");
                version = current;
                conflicts += 1;
                assert!(conflicts < 10 * RACERS, "racer {i} starves");
            }
        })
    });
    let applied: Vec<(String, i64, usize)> =
        futures_util::future::join_all(racers).await.into_iter().map(|r| r.expect("racer finished")).collect();
    let conflicts: usize = applied.iter().map(|(_, _, c)| c).sum();
    let first_try = applied.iter().filter(|(_, _, c)| *c == 0).count();
    println!(
        "{RACERS} racing updates: {first_try} applied at the first try, {conflicts} conflicts in all, every write applied once after retrying"
    );
    assert!(conflicts > 0, "the racers did race");

    // Each write applied at its own version: 2, 3, ... 51, none lost, none twice.
    let versions: BTreeSet<i64> = applied.iter().map(|(_, v, _)| *v).collect();
    assert_eq!(versions, (2..2 + RACERS as i64).collect::<BTreeSet<_>>());
    let model = app.query("{ model(slug: \"gpt-3\") { version description } }", json!({})).await["model"].clone();
    assert_eq!(model["version"].as_i64().unwrap(), 1 + RACERS as i64);
    let last = applied.iter().max_by_key(|(_, v, _)| *v).unwrap();
    assert_eq!(model["description"], last.0.as_str(), "the latest applied write is what stands");

    // The history holds exactly the applied writes, each once.
    let history = app
        .query(
            "query($id: ID!) { revisions(entityId: $id, first: 100) { nodes { action after } } }",
            json!({ "id": id }),
        )
        .await;
    let recorded: BTreeSet<String> = history["revisions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["action"] == "UPDATE")
        .map(|n| n["after"]["description"].as_str().unwrap().to_owned())
        .collect();
    let expected: BTreeSet<String> = applied.iter().map(|(d, _, _)| d.clone()).collect();
    assert_eq!(recorded.len(), applied.len(), "one revision per applied write");
    assert_eq!(recorded, expected);
}
