//! `Model.successorCandidates`: the later models of the same lead organization or lineage with
//! 2–10× the training compute, those of unknown compute after them, drafts never.

use ai_tracker::domain::EditorRole;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app_with};

const CANDIDATES: &str = "query($slug: String!) { model(slug: $slug) {
    successorCandidates { model { slug } computeRatio computeKnown } } }";

/// An editor on an empty catalog, so that only the test's models can be candidates.
async fn empty_catalog() -> (TestApp, String) {
    let app = spawn_app_with(|settings| settings.no_seed = true).await;
    let token = app.editor_token(EditorRole::Editor).await;
    (app, token)
}

async fn organization(app: &TestApp, token: &str, slug: &str) -> String {
    let input = json!({ "slug": slug, "name": slug, "country": "US", "kind": "INDUSTRY" });
    let data = app
        .query_as(
            token,
            "mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }",
            json!({ "i": input }),
        )
        .await;
    data["createOrganization"]["id"].as_str().unwrap().to_owned()
}

/// Creates a model through the API; `extra` adds or overrides input fields. Published unless
/// `extra` says otherwise. Returns its ID.
async fn model(
    app: &TestApp,
    token: &str,
    slug: &str,
    organizations: &[&str],
    announced_on: Option<&str>,
    flop: Option<f64>,
    extra: Value,
) -> String {
    let mut input = json!({
        "slug": slug, "name": slug, "organizationIds": organizations, "announcedOn": announced_on,
        "trainingComputeFlop": flop, "published": true,
    });
    for (key, value) in extra.as_object().unwrap() {
        input[key] = value.clone();
    }
    let data = app
        .query_as(token, "mutation($i: CreateModelInput!) { createModel(input: $i) { id } }", json!({ "i": input }))
        .await;
    data["createModel"]["id"].as_str().unwrap().to_owned()
}

/// The candidates of `slug` as (slug, ratio, computeKnown), asked as `token` (or the public).
async fn candidates(app: &TestApp, token: Option<&str>, slug: &str) -> Vec<(String, Option<f64>, bool)> {
    let variables = json!({ "slug": slug });
    let data = match token {
        Some(token) => app.query_as(token, CANDIDATES, variables).await,
        None => app.query(CANDIDATES, variables).await,
    };
    assert!(!data["model"].is_null(), "{slug} is visible: {data}");
    data["model"]["successorCandidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let known = c["computeKnown"].as_bool().unwrap();
            (c["model"]["slug"].as_str().unwrap().to_owned(), c["computeRatio"].as_f64(), known)
        })
        .collect()
}

fn slugs(list: &[(String, Option<f64>, bool)]) -> Vec<&str> {
    list.iter().map(|c| c.0.as_str()).collect()
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a / b - 1.0).abs() < 1e-9)
}

/// The subject (Lab, 2023-01-01, 1e24 FLOP) and every kind of model around it.
#[tokio::test]
async fn candidates_are_later_models_of_the_lead_organization_or_lineage_within_two_to_ten_times() {
    let (app, editor) = empty_catalog().await;
    let lab = organization(&app, &editor, "lab").await;
    let other = organization(&app, &editor, "other-lab").await;
    let none = json!({});
    let m = |slug: &'static str, orgs: Vec<String>, date: Option<&'static str>, flop: Option<f64>, extra: Value| {
        let (app, editor) = (&app, &editor);
        async move {
            let orgs: Vec<&str> = orgs.iter().map(String::as_str).collect();
            model(app, editor, slug, &orgs, date, flop, extra).await
        }
    };
    let subject = m("subject", vec![lab.clone()], Some("2023-01-01"), Some(1e24), none.clone()).await;
    // Candidates of known compute, by the same lead organization.
    m("in-range", vec![lab.clone()], Some("2023-06-01"), Some(3e24), none.clone()).await;
    m("twice", vec![lab.clone()], Some("2024-01-01"), Some(2e24), none.clone()).await;
    m("ten-times", vec![lab.clone()], Some("2024-02-01"), Some(1e25), none.clone()).await;
    m("tie-first", vec![lab.clone()], Some("2024-03-01"), Some(5e24), none.clone()).await;
    m("tie-second", vec![lab.clone()], Some("2024-03-01"), Some(5e24), none.clone()).await;
    // Of another organization, but derived from the subject, and derived from that in turn.
    let child =
        m("derived", vec![other.clone()], Some("2023-05-01"), Some(4e24), json!({ "baseModelId": subject })).await;
    m("grandchild", vec![other.clone()], Some("2023-07-01"), Some(5e24), json!({ "baseModelId": child })).await;
    // Unknown compute: listed after the others, by date.
    m("unknown-later", vec![lab.clone()], Some("2023-03-15"), None, none.clone()).await;
    m("unknown-earlier", vec![lab.clone()], Some("2023-02-01"), None, none.clone()).await;
    // Not candidates.
    m("too-small", vec![lab.clone()], Some("2023-03-01"), Some(1.5e24), none.clone()).await;
    m("too-large", vec![lab.clone()], Some("2023-04-01"), Some(1.1e25), none.clone()).await;
    m("earlier", vec![lab.clone()], Some("2022-06-01"), Some(5e24), none.clone()).await;
    m("same-day", vec![lab.clone()], Some("2023-01-01"), Some(5e24), none.clone()).await;
    m("undated", vec![lab.clone()], None, Some(5e24), none.clone()).await;
    m("unrelated", vec![other.clone()], Some("2023-08-01"), Some(5e24), none.clone()).await;
    m("lab-as-partner", vec![other.clone(), lab.clone()], Some("2023-09-01"), Some(5e24), none.clone()).await;
    m("draft", vec![lab.clone()], Some("2023-05-15"), Some(5e24), json!({ "published": false })).await;

    let expected = [
        "derived",
        "in-range",
        "grandchild",
        "twice",
        "ten-times",
        "tie-first",
        "tie-second",
        "unknown-earlier",
        "unknown-later",
    ];
    for caller in [None, Some(editor.as_str())] {
        let listed = candidates(&app, caller, "subject").await;
        assert_eq!(slugs(&listed), expected, "as {caller:?}");
        let ratios = [4.0, 3.0, 5.0, 2.0, 10.0, 5.0, 5.0];
        for ((slug, ratio, known), expected) in listed.iter().zip(ratios) {
            assert!(known, "{slug}");
            assert!(close(*ratio, expected), "{slug}: {ratio:?}, not {expected}");
        }
        for (slug, ratio, known) in &listed[7..] {
            assert_eq!((*ratio, *known), (None, false), "{slug}");
        }
    }

    // A subject of unknown compute: every later model of its lead organization, none checked.
    let listed = candidates(&app, None, "unknown-earlier").await;
    assert_eq!(
        slugs(&listed),
        ["too-small", "unknown-later", "too-large", "in-range", "twice", "ten-times", "tie-first", "tie-second"]
    );
    assert!(listed.iter().all(|(_, ratio, known)| ratio.is_none() && !known), "{listed:?}");

    // An undated subject has none; the newest model has none.
    assert!(candidates(&app, None, "undated").await.is_empty());
    assert!(candidates(&app, None, "lab-as-partner").await.is_empty());
}

/// The lineage counts in both directions: a base model announced after its derivative (the
/// catalog's dates can be coarse) is a candidate of it.
#[tokio::test]
async fn an_ancestor_announced_later_is_a_candidate() {
    let (app, editor) = empty_catalog().await;
    let one = organization(&app, &editor, "one-lab").await;
    let two = organization(&app, &editor, "two-lab").await;
    let three = organization(&app, &editor, "three-lab").await;
    let root = model(&app, &editor, "root", &[&one], Some("2022-09-01"), Some(4e23), json!({})).await;
    let base =
        model(&app, &editor, "base", &[&two], Some("2022-06-01"), Some(2e23), json!({ "baseModelId": root })).await;
    model(&app, &editor, "tuned", &[&three], Some("2022-01-01"), Some(1e23), json!({ "baseModelId": base })).await;
    let listed = candidates(&app, None, "tuned").await;
    assert_eq!(slugs(&listed), ["base", "root"]);
    assert!(close(listed[0].1, 2.0) && close(listed[1].1, 4.0), "{listed:?}");
}

/// Drafts are never candidates, a draft's own candidates are for editors only, and the public's
/// lineage does not pass through a draft.
#[tokio::test]
async fn drafts_are_never_candidates_and_their_candidates_are_for_editors_only() {
    let (app, editor) = empty_catalog().await;
    let lab = organization(&app, &editor, "lab").await;
    let other = organization(&app, &editor, "other-lab").await;
    let elsewhere = organization(&app, &editor, "elsewhere").await;
    let first = model(&app, &editor, "first", &[&lab], Some("2021-01-01"), Some(1e23), json!({})).await;
    let draft = model(
        &app,
        &editor,
        "secret-draft",
        &[&other],
        Some("2021-06-01"),
        Some(3e23),
        json!({ "published": false, "baseModelId": first }),
    )
    .await;
    model(&app, &editor, "published-later", &[&lab], Some("2022-01-01"), Some(5e23), json!({})).await;
    model(
        &app,
        &editor,
        "through-the-draft",
        &[&elsewhere],
        Some("2022-06-01"),
        Some(6e23),
        json!({ "baseModelId": draft }),
    )
    .await;

    // The draft is in nobody's list; the model derived from it is a candidate of `first` only
    // for editors, who see the lineage through the draft.
    assert_eq!(slugs(&candidates(&app, None, "first").await), ["published-later"]);
    assert_eq!(
        slugs(&candidates(&app, Some(editor.as_str()), "first").await),
        ["published-later", "through-the-draft"]
    );

    // The draft's own candidates: editors see them; the public sees neither the draft nor them.
    assert_eq!(slugs(&candidates(&app, Some(editor.as_str()), "secret-draft").await), ["through-the-draft"]);
    let public = app.query(CANDIDATES, json!({ "slug": "secret-draft" })).await;
    assert_eq!(public["model"], Value::Null);
    let by_id = "query($id: ID!) { node(id: $id) { ... on Model { successorCandidates { model { slug } } } } }";
    assert_eq!(app.query(by_id, json!({ "id": draft })).await["node"], Value::Null);
    let everything =
        app.query("{ models(first: 100) { nodes { slug successorCandidates { model { slug } } } } }", json!({})).await;
    assert!(!everything.to_string().contains("secret-draft"), "{everything}");
}

/// Edits refuse a lineage that loops, but a database written by other means may hold one: the
/// answer still comes, with each candidate once.
#[tokio::test]
async fn a_lineage_cycle_in_the_database_does_not_stop_the_answer() {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, Database, EntityTrait};

    let (app, editor) = empty_catalog().await;
    for (slug, date, flop) in
        [("loop-a", "2020-01-01", 1e22), ("loop-b", "2021-01-01", 3e22), ("loop-c", "2022-01-01", 9e22)]
    {
        let org = organization(&app, &editor, &format!("{slug}-lab")).await;
        model(&app, &editor, slug, &[&org], Some(date), Some(flop), json!({})).await;
    }
    // loop-a → loop-b → loop-c → loop-a, each one's base the next, written past the edits' check.
    let db = Database::connect(&app.db.url).await.unwrap();
    let rows = ai_tracker::entity::model::Entity::find().all(&db).await.unwrap();
    let id_of = |slug: &str| rows.iter().find(|r| r.slug == slug).unwrap().id;
    for (slug, base) in [("loop-a", "loop-b"), ("loop-b", "loop-c"), ("loop-c", "loop-a")] {
        let mut row: ai_tracker::entity::model::ActiveModel =
            rows.iter().find(|r| r.slug == slug).unwrap().clone().into();
        row.base_model_id = Set(Some(id_of(base)));
        row.update(&db).await.unwrap();
    }
    db.close().await.ok();

    let listed = candidates(&app, None, "loop-a").await;
    assert_eq!(slugs(&listed), ["loop-b", "loop-c"]);
    assert!(close(listed[0].1, 3.0) && close(listed[1].1, 9.0), "{listed:?}");
    assert_eq!(slugs(&candidates(&app, None, "loop-b").await), ["loop-c"]);
}
