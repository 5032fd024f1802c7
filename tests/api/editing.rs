//! Editing the catalog through HTTP: drafts and publishing, versions and conflicts, slug renames,
//! revisions for every kind of write, who may read them, and revert and restore.

use ai_tracker::domain::EditorRole;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

async fn id_of(app: &TestApp, field: &str, slug: &str) -> String {
    let data = app.query(&format!("{{ {field}(slug: \"{slug}\") {{ id }} }}"), json!({})).await;
    data[field]["id"].as_str().unwrap_or_else(|| panic!("{field} {slug} exists")).to_owned()
}

const CREATE_MODEL: &str = r#"mutation($input: CreateModelInput!, $summary: String) {
  createModel(input: $input, summary: $summary) {
    id slug published version organizations { slug } inputModalities outputModalities
    capabilities { status capability { slug } } sources { url } baseModel { slug } datasets { slug }
  }
}"#;

const UPDATE_MODEL: &str = r#"mutation($id: ID!, $input: UpdateModelInput!, $v: Int!, $summary: String) {
  updateModel(id: $id, input: $input, expectedVersion: $v, summary: $summary) { slug version trainingComputeFlop parameters }
}"#;

const HISTORY: &str = r#"query($id: ID!) { revisions(entityId: $id, first: 50) {
  totalCount nodes { id action author editorId summary changedFields before after } } }"#;

#[tokio::test]
async fn a_draft_is_private_until_published_and_every_change_is_in_its_history() {
    let app = spawn_app().await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let openai = id_of(&app, "organization", "openai").await;
    let gpt3 = id_of(&app, "model", "gpt-3").await;
    let dialogue = id_of(&app, "capability", "dialogue").await;
    let c4 = id_of(&app, "dataset", "c4").await;
    let public_total = app.query("{ models { totalCount } }", json!({})).await["models"]["totalCount"].clone();

    let input = json!({
        "slug": "gpt-3-5-draft", "name": "GPT-3.5 (draft)", "organizationIds": [openai],
        "announcedOn": "2022-03-15", "inputModalities": ["TEXT"], "outputModalities": ["TEXT", "CODE"],
        "parameters": 1.75e11, "parametersConfidence": "SPECULATIVE", "parametersNote": "assumed equal to GPT-3",
        "access": "API", "baseModelId": gpt3, "datasetIds": [c4],
        "capabilities": [{ "capabilityId": dialogue, "status": "DEMONSTRATED", "evidence": "ChatGPT" }],
        "sources": [{ "url": "https://openai.com/index/chatgpt/", "title": "Introducing ChatGPT" }]
    });
    let created = app.query_as(&editor, CREATE_MODEL, json!({ "input": input, "summary": "first draft" })).await;
    let model = &created["createModel"];
    assert_eq!(model["published"], false);
    assert_eq!(model["version"], 1);
    assert_eq!(model["organizations"], json!([{ "slug": "openai" }]));
    assert_eq!(model["outputModalities"], json!(["TEXT", "CODE"]));
    assert_eq!(model["capabilities"], json!([{ "status": "DEMONSTRATED", "capability": { "slug": "dialogue" } }]));
    assert_eq!(model["baseModel"], json!({ "slug": "gpt-3" }));
    assert_eq!(model["datasets"], json!([{ "slug": "c4" }]));
    let id = model["id"].as_str().unwrap().to_owned();

    // Drafts: editors see them, the public does not (by slug, by ID, in lists, in the history).
    let by_slug = "{ model(slug: \"gpt-3-5-draft\") { name } }";
    assert_eq!(app.query(by_slug, json!({})).await["model"], Value::Null);
    assert_eq!(app.query_as(&editor, by_slug, json!({})).await["model"]["name"], "GPT-3.5 (draft)");
    let node = app.query("query($id: ID!) { node(id: $id) { id } }", json!({ "id": id })).await;
    assert_eq!(node["node"], Value::Null);
    assert_eq!(app.query("{ models { totalCount } }", json!({})).await["models"]["totalCount"], public_total);
    let public_history = app.query(HISTORY, json!({ "id": id })).await;
    assert_eq!(public_history["revisions"]["totalCount"], 0, "a draft's history is private");

    let updated = app
        .query_as(
            &editor,
            UPDATE_MODEL,
            json!({ "id": id, "v": 1, "input": { "trainingComputeFlop": 2.6e23, "parameters": null } }),
        )
        .await;
    assert_eq!(
        updated["updateModel"],
        json!({ "slug": "gpt-3-5-draft", "version": 2, "trainingComputeFlop": 2.6e23, "parameters": null })
    );

    // A stale version is a conflict that names the current one, and changes nothing.
    let (_, conflict) = app
        .query_error_as(&editor, UPDATE_MODEL, json!({ "id": id, "v": 1, "input": { "name": "Lost update" } }))
        .await;
    assert_eq!(conflict["extensions"]["code"], "CONFLICT");
    assert_eq!(conflict["extensions"]["currentVersion"], 2);

    let publish = "mutation($id: ID!, $v: Int!) { publishModel(id: $id, expectedVersion: $v) { published version } }";
    let published = app.query_as(&editor, publish, json!({ "id": id, "v": 2 })).await;
    assert_eq!(published["publishModel"], json!({ "published": true, "version": 3 }));
    assert_eq!(app.query(by_slug, json!({})).await["model"]["name"], "GPT-3.5 (draft)");
    let (_, again) = app.query_error_as(&editor, publish, json!({ "id": id, "v": 3 })).await;
    assert_eq!(again["extensions"]["field"], "id", "publishing twice is refused: {again}");

    // Renaming keeps the old slug resolving.
    let renamed = app
        .query_as(&editor, UPDATE_MODEL, json!({ "id": id, "v": 3, "input": { "slug": "chat-preview", "name": "GPT-3.5" }, "summary": "final name" }))
        .await;
    assert_eq!(renamed["updateModel"]["slug"], "chat-preview");
    let old = app.query(by_slug, json!({})).await;
    assert_eq!(old["model"]["name"], "GPT-3.5", "the old slug resolves to the renamed model");

    // The public history: the publication and what followed, by the editor's display name only.
    let history = app.query(HISTORY, json!({ "id": id })).await;
    let nodes = history["revisions"]["nodes"].as_array().unwrap();
    let actions: Vec<&str> = nodes.iter().map(|n| n["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["UPDATE", "PUBLISH"], "newest first, drafts' revisions hidden");
    assert_eq!(nodes[0]["summary"], "final name");
    assert_eq!(nodes[0]["changedFields"], json!(["name", "slug"]));
    assert_eq!(nodes[0]["before"]["slug"], "gpt-3-5-draft");
    assert_eq!(nodes[0]["after"]["slug"], "chat-preview");
    assert!(nodes[0]["author"].as_str().unwrap().starts_with("Editor "));
    assert_eq!(nodes[0]["editorId"], Value::Null, "the public does not see account IDs");
    assert!(!history.to_string().contains("@tracker.example"), "no email reaches the public");
    let editor_history = app.query_as(&editor, HISTORY, json!({ "id": id })).await;
    let actions: Vec<&str> = editor_history["revisions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["UPDATE", "PUBLISH", "UPDATE", "CREATE"], "editors see the whole history");
    let field = app
        .query("{ model(slug: \"chat-preview\") { revisions(first: 5) { totalCount nodes { action } } } }", json!({}))
        .await;
    assert_eq!(field["model"]["revisions"]["totalCount"], 2);
}

#[tokio::test]
async fn every_kind_of_write_is_recorded_with_its_author() {
    let app = spawn_app().await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let gpt3 = id_of(&app, "model", "gpt-3").await;
    let changes_before =
        app.query("{ recentChanges { totalCount } }", json!({})).await["recentChanges"]["totalCount"].as_i64().unwrap();

    let org = app
        .query_as(&editor, r#"mutation { createOrganization(input: { slug: "frontier-lab", name: "Frontier Lab", country: "FR", kind: INDUSTRY, website: "https://frontier.example" }) { id version country kind } }"#, json!({}))
        .await["createOrganization"]
        .clone();
    assert_eq!((org["country"].as_str(), org["kind"].as_str()), (Some("FR"), Some("INDUSTRY")));
    let org_id = org["id"].as_str().unwrap();
    app.query_as(&editor, "mutation($id: ID!) { updateOrganization(id: $id, input: { country: \"DE\", website: null }, expectedVersion: 1) { country website version } }", json!({ "id": org_id })).await;

    let cap = app
        .query_as(&editor, r#"mutation { createCapability(input: { slug: "theorem-proving", name: "Theorem proving", category: REASONING, description: "Proves theorems in a formal system." }) { id } }"#, json!({}))
        .await["createCapability"]["id"]
        .clone();
    app.query_as(&editor, "mutation($id: ID!) { updateCapability(id: $id, input: { name: \"Formal theorem proving\" }, expectedVersion: 1) { name } }", json!({ "id": cap })).await;

    let set = app
        .query_as(&editor, r#"mutation { createDataset(input: { slug: "proof-corpus", name: "Proof corpus", size: 1e9, sizeUnit: TOKENS }) { id size sizeUnit } }"#, json!({}))
        .await["createDataset"]
        .clone();
    assert_eq!(set["sizeUnit"], "TOKENS");
    app.query_as(&editor, "mutation($id: ID!) { updateDataset(id: $id, input: { url: \"https://proofs.example/corpus\" }, expectedVersion: 1) { url } }", json!({ "id": set["id"] })).await;

    let risk = app
        .query_as(
            &editor,
            r#"mutation($m: ID!) { createRiskAssessment(input: { modelId: $m, horizon: NEAR_TERM, cause: MALICIOUS, category: CYBER_OFFENSE, severity: HIGH, likelihood: MEDIUM, summary: "Automated exploit writing at scale.", rationale: "A 2-10x successor would write working exploits for known CVEs.", confidence: SPECULATIVE, assessedOn: "2026-11-01", mitSubdomain: CYBERATTACKS_WEAPONS_MASS_HARM, mitEntity: HUMAN, mitIntent: INTENTIONAL, mitTiming: POST_DEPLOYMENT, sourceUrl: "https://arxiv.org/abs/2005.14165" }) { id severity model { slug } } }"#,
            json!({ "m": gpt3 }),
        )
        .await["createRiskAssessment"]
        .clone();
    assert_eq!(risk["model"]["slug"], "gpt-3");
    app.query_as(&editor, "mutation($id: ID!) { updateRiskAssessment(id: $id, input: { severity: CRITICAL }, expectedVersion: 1) { severity } }", json!({ "id": risk["id"] })).await;

    for (mutation, id) in [
        ("deleteRiskAssessment", risk["id"].as_str().unwrap()),
        ("deleteDataset", set["id"].as_str().unwrap()),
        ("deleteCapability", cap.as_str().unwrap()),
        ("deleteOrganization", org_id),
    ] {
        let data = app
            .query_as(
                &editor,
                &format!("mutation($id: ID!) {{ {mutation}(id: $id, expectedVersion: 2) }}"),
                json!({ "id": id }),
            )
            .await;
        assert_eq!(data[mutation], id);
    }
    assert_eq!(
        app.query("{ organization(slug: \"frontier-lab\") { id } }", json!({})).await["organization"],
        Value::Null
    );

    let changes =
        app.query("{ recentChanges(first: 12) { totalCount nodes { entityType action author } } }", json!({})).await;
    assert_eq!(changes["recentChanges"]["totalCount"].as_i64().unwrap(), changes_before + 12);
    let seen: Vec<(String, String)> = changes["recentChanges"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            assert!(n["author"].as_str().unwrap().starts_with("Editor "), "{n}");
            (n["entityType"].as_str().unwrap().to_owned(), n["action"].as_str().unwrap().to_owned())
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("ORGANIZATION", "DELETE"),
        ("CAPABILITY", "DELETE"),
        ("DATASET", "DELETE"),
        ("RISK_ASSESSMENT", "DELETE"),
        ("RISK_ASSESSMENT", "UPDATE"),
        ("RISK_ASSESSMENT", "CREATE"),
        ("DATASET", "UPDATE"),
        ("DATASET", "CREATE"),
        ("CAPABILITY", "UPDATE"),
        ("CAPABILITY", "CREATE"),
        ("ORGANIZATION", "UPDATE"),
        ("ORGANIZATION", "CREATE"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn the_starter_catalog_has_a_history_by_its_loader() {
    let app = spawn_app().await;
    let gpt3 = id_of(&app, "model", "gpt-3").await;
    let history = app.query(HISTORY, json!({ "id": gpt3 })).await;
    let nodes = history["revisions"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 1);
    assert_eq!(nodes[0]["action"], "CREATE");
    assert_eq!(nodes[0]["author"], "AI Tracker starter catalog");
    assert_eq!(nodes[0]["after"]["slug"], "gpt-3");
    let totals = app
        .query("{ models { totalCount } organizations { totalCount } capabilities { totalCount } datasets { totalCount } riskAssessments { totalCount } recentChanges { totalCount } }", json!({}))
        .await;
    let entries: i64 = ["models", "organizations", "capabilities", "datasets", "riskAssessments"]
        .iter()
        .map(|f| totals[f]["totalCount"].as_i64().unwrap())
        .sum();
    // One creation per entry, and one resolution per prediction the starter catalog resolves.
    let catalog = ai_tracker::service::seed::starter_catalog().unwrap();
    let resolutions: usize = catalog
        .model
        .iter()
        .map(|m| {
            m.capabilities.iter().filter(|c| c.resolution.is_some()).count()
                + m.risk_assessments.iter().filter(|r| r.resolution.is_some()).count()
        })
        .sum();
    assert_eq!(totals["recentChanges"]["totalCount"].as_i64().unwrap(), entries + resolutions as i64);
}

#[tokio::test]
async fn revert_sets_an_entry_back_and_restore_brings_a_deleted_one_back() {
    let app = spawn_app().await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let gpt3 = id_of(&app, "model", "gpt-3").await;
    let original =
        app.query("{ model(slug: \"gpt-3\") { trainingComputeFlop organizations { slug } } }", json!({})).await;
    app.query_as(
        &editor,
        UPDATE_MODEL,
        json!({ "id": gpt3, "v": 1, "input": { "trainingComputeFlop": 9e99_f64.min(1e31), "organizationIds": [] } }),
    )
    .await;
    let history = app.query_as(&editor, HISTORY, json!({ "id": gpt3 })).await;
    let creation = history["revisions"]["nodes"].as_array().unwrap().last().unwrap()["id"].clone();

    let revert = "mutation($r: ID!, $v: Int!) { revert(revisionId: $r, expectedVersion: $v, summary: \"vandalism\") { ... on Model { version trainingComputeFlop organizations { slug } } } }";
    let (_, stale) = app.query_error_as(&editor, revert, json!({ "r": creation, "v": 1 })).await;
    assert_eq!(stale["extensions"]["code"], "CONFLICT");
    let reverted = app.query_as(&editor, revert, json!({ "r": creation, "v": 2 })).await;
    assert_eq!(reverted["revert"]["version"], 3);
    assert_eq!(reverted["revert"]["trainingComputeFlop"], original["model"]["trainingComputeFlop"]);
    assert_eq!(reverted["revert"]["organizations"], original["model"]["organizations"]);
    let history = app.query(HISTORY, json!({ "id": gpt3 })).await;
    assert_eq!(history["revisions"]["nodes"][0]["action"], "REVERT");
    assert_eq!(history["revisions"]["nodes"][0]["summary"], "vandalism");

    // Delete an organization, restore it under its old ID; its slug and fields come back.
    let created = app
        .query_as(&editor, r#"mutation { createOrganization(input: { slug: "gone-lab", name: "Gone Lab", country: "CA", kind: ACADEMIA, description: "Here, then gone." }) { id } }"#, json!({}))
        .await;
    let org = created["createOrganization"]["id"].as_str().unwrap().to_owned();
    app.query_as(
        &editor,
        "mutation($id: ID!) { deleteOrganization(id: $id, expectedVersion: 1) }",
        json!({ "id": org }),
    )
    .await;
    let deletion = app.query_as(&editor, HISTORY, json!({ "id": org })).await["revisions"]["nodes"][0]["id"].clone();
    let restore =
        "mutation($r: ID!) { restore(revisionId: $r) { id ... on Organization { slug description version } } }";
    let restored = app.query_as(&editor, restore, json!({ "r": deletion })).await;
    assert_eq!(
        restored["restore"],
        json!({ "id": org, "slug": "gone-lab", "description": "Here, then gone.", "version": 1 })
    );
    assert_eq!(
        app.query("{ organization(slug: \"gone-lab\") { name } }", json!({})).await["organization"]["name"],
        "Gone Lab"
    );
    let (_, twice) = app.query_error_as(&editor, restore, json!({ "r": deletion })).await;
    assert_eq!(twice["extensions"]["field"], "revisionId");
    let actions: Vec<String> = app.query(HISTORY, json!({ "id": org })).await["revisions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(actions, ["RESTORE", "DELETE", "CREATE"]);
}

#[tokio::test]
async fn entries_others_depend_on_cannot_be_deleted() {
    let app = spawn_app().await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let openai = id_of(&app, "organization", "openai").await;
    let gpt3 = id_of(&app, "model", "gpt-3").await;
    for (mutation, id) in [("deleteOrganization", &openai), ("deleteModel", &gpt3)] {
        let (_, error) = app
            .query_error_as(
                &editor,
                &format!("mutation($id: ID!) {{ {mutation}(id: $id, expectedVersion: 1) }}"),
                json!({ "id": id }),
            )
            .await;
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{mutation}: {error}");
        assert_eq!(error["extensions"]["field"], "id");
    }
    assert_eq!(
        app.query("{ organization(slug: \"openai\") { slug } }", json!({})).await["organization"]["slug"],
        "openai"
    );
}

#[tokio::test]
async fn a_later_mutation_of_one_request_sees_the_earlier_ones_writes() {
    let app = spawn_app().await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let (gpt3, openai, google) = (
        id_of(&app, "model", "gpt-3").await,
        id_of(&app, "organization", "openai").await,
        id_of(&app, "organization", "google").await,
    );
    let data = app
        .query_as(
            &editor,
            "mutation($id: ID!, $a: ID!, $b: ID!) {
               first: updateModel(id: $id, input: { organizationIds: [$a] }, expectedVersion: 1) { version organizations { slug } }
               second: updateModel(id: $id, input: { organizationIds: [$b, $a] }, expectedVersion: 2) { version organizations { slug } }
             }",
            json!({ "id": gpt3, "a": openai, "b": google }),
        )
        .await;
    assert_eq!(data["first"], json!({ "version": 2, "organizations": [{ "slug": "openai" }] }));
    assert_eq!(data["second"], json!({ "version": 3, "organizations": [{ "slug": "google" }, { "slug": "openai" }] }));
}

#[tokio::test]
async fn a_deleted_model_comes_back_with_its_links_and_unpublishing_hides_it_again() {
    let app = spawn_app().await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let (meta, dialogue) = (id_of(&app, "organization", "meta").await, id_of(&app, "capability", "dialogue").await);
    let input = json!({
        "slug": "short-lived", "name": "Short-lived", "published": true, "organizationIds": [meta],
        "aliases": ["SL-1"], "inputModalities": ["TEXT", "IMAGE"], "outputModalities": ["TEXT"],
        "capabilities": [{ "capabilityId": dialogue, "status": "EXTRAPOLATED", "evidence": "expected at 10x" }],
        "sources": [{ "url": "https://example.org/short-lived" }], "trainingComputeFlop": 1e24
    });
    let selection = "slug aliases organizations { slug } inputModalities outputModalities capabilities { status evidence capability { slug } } sources { url } trainingComputeFlop published";
    let created = app
        .query_as(
            &editor,
            &format!("mutation($input: CreateModelInput!) {{ createModel(input: $input) {{ id {selection} }} }}"),
            json!({ "input": input }),
        )
        .await["createModel"]
        .clone();
    let id = created["id"].as_str().unwrap();
    app.query_as(&editor, "mutation($id: ID!) { deleteModel(id: $id, expectedVersion: 1) }", json!({ "id": id })).await;
    assert_eq!(app.query("{ model(slug: \"short-lived\") { id } }", json!({})).await["model"], Value::Null);

    let deletion = app.query(HISTORY, json!({ "id": id })).await["revisions"]["nodes"][0].clone();
    assert_eq!(deletion["action"], "DELETE", "the public sees a published model's deletion");
    let restored = app
        .query_as(
            &editor,
            &format!("mutation($r: ID!) {{ restore(revisionId: $r) {{ id ... on Model {{ {selection} }} }} }}"),
            json!({ "r": deletion["id"] }),
        )
        .await["restore"]
        .clone();
    assert_eq!(restored, created, "the model and every link come back under the same ID");

    let unpublish = "mutation($id: ID!) { unpublishModel(id: $id, expectedVersion: 1) { published } }";
    assert_eq!(app.query_as(&editor, unpublish, json!({ "id": id })).await["unpublishModel"]["published"], false);
    assert_eq!(app.query("{ model(slug: \"short-lived\") { id } }", json!({})).await["model"], Value::Null);
    let actions: Vec<String> = app.query(HISTORY, json!({ "id": id })).await["revisions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        actions,
        ["UNPUBLISH", "RESTORE", "DELETE", "CREATE"],
        "withdrawal is public; later draft edits will not be"
    );
}
