//! `/feed.atom`: valid Atom 1.0 (parsed by a real Atom reader) listing the newest published
//! changes, with stable entry ids and links that lead to the revision.

use ai_tracker::domain::EditorRole;
use ai_tracker::entity::revision;
use atom_syndication::Feed;
use sea_orm::{ColumnTrait, Database, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

async fn fetch_feed(app: &TestApp) -> Feed {
    let response = app.client.get(app.url("/feed.atom")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("application/atom+xml"), "{content_type}");
    let body = response.bytes().await.unwrap();
    Feed::read_from(&body[..]).expect("the feed is Atom")
}

/// The newest public revisions of the kinds the feed follows, read from the log itself.
async fn newest_public_revisions(app: &TestApp, n: u64) -> Vec<revision::Model> {
    let db = Database::connect(&app.db.url).await.unwrap();
    let rows = revision::Entity::find()
        .filter(revision::Column::Public.eq(true))
        .filter(revision::Column::EntityType.is_in(["model", "organization", "risk_assessment", "prediction"]))
        .order_by_desc(revision::Column::Id)
        .limit(n)
        .all(&db)
        .await
        .unwrap();
    db.close().await.ok();
    rows
}

#[tokio::test]
async fn the_feed_lists_the_seeded_catalogs_newest_entries_as_valid_atom() {
    let app = spawn_app().await;
    let feed = fetch_feed(&app).await;
    assert_eq!(feed.title().as_str(), "AI Tracker: changes to the catalog");
    assert!(feed.links().iter().any(|l| l.rel() == "self" && l.href().ends_with("/feed.atom")));
    // The threshold crossings the changes caused have entries of their own (see
    // threshold_crossings.rs); the changes' entries are the rest.
    let changes: Vec<_> = feed.entries().iter().filter(|e| !e.id().contains("/crossing/")).collect();
    assert_eq!(changes.len(), 50, "a seeded catalog has more than a feed's worth of entries");

    let newest = newest_public_revisions(&app, 50).await;
    assert_eq!(newest.len(), 50);
    for (entry, revision) in changes.iter().zip(&newest) {
        // The id is the revision's, as a tag: URI; the title names the entry.
        assert_eq!(entry.id(), format!("tag:127.0.0.1,2026:revision/{}", revision.id));
        // The starter catalog's newest changes are its resolutions of predictions.
        if revision.entity_type == ai_tracker::domain::EntityType::Prediction {
            let resolved = format!("Prediction #{} resolved: ", revision.entity_id);
            assert!(entry.title().as_str().starts_with(&resolved), "{}", entry.title().as_str());
            continue;
        }
        let name = revision.after.as_ref().and_then(|a| a.get("name").or_else(|| a.get("summary"))).unwrap();
        let name: String = name.as_str().unwrap().chars().take(40).collect();
        assert!(entry.title().as_str().contains(&name), "{} names {name}", entry.title().as_str());
        assert_eq!(entry.authors()[0].name(), revision.author_name);
        assert!(entry.links().iter().any(|l| l.href().contains("/graphql?query=")));
    }
    assert_eq!(fetch_feed(&app).await.entries(), feed.entries(), "entries are stable between requests");

    // A linked revision is one GET away.
    let link = changes[0].links()[0].href().to_owned();
    let body: Value =
        app.client.get(&link).header("accept", "application/json").send().await.unwrap().json().await.unwrap();
    assert_eq!(body["data"]["node"]["action"], "UPDATE", "{body}");
    assert_eq!(body["data"]["node"]["entityType"], "PREDICTION", "{body}");
    assert!(body["data"]["node"]["after"]["outcome"].is_string(), "{body}");
}

#[tokio::test]
async fn a_published_change_leads_the_feed_and_a_draft_never_appears() {
    let app =
        spawn_app_with(|settings| settings.http.public_url = Some("https://tracker.example/".parse().unwrap())).await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let create = "mutation($input: CreateModelInput!) { createModel(input: $input) { id } }";
    let draft = json!({ "slug": "feed-draft", "name": "Feed Draft", "published": false });
    app.query_as(&editor, create, json!({ "input": draft })).await;
    let public = json!({ "slug": "feed-public", "name": "Feed Public", "published": true });
    app.query_as(&editor, create, json!({ "input": public })).await;

    let feed = fetch_feed(&app).await;
    let first = &feed.entries()[0];
    assert_eq!(first.title().as_str(), "Model “Feed Public” added");
    assert!(first.id().starts_with("tag:tracker.example,2026:revision/"), "{}", first.id());
    assert!(first.links()[0].href().starts_with("https://tracker.example/graphql?query="));
    assert!(feed.links().iter().any(|l| l.href() == "https://tracker.example/feed.atom"));
    assert!(
        feed.entries().iter().all(|e| !e.title().as_str().contains("Feed Draft")),
        "the draft stays out of the feed"
    );
}
