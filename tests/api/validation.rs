//! Every field an editor sets is checked in the service layer: a bad value is BAD_USER_INPUT
//! naming the field, and a refused write leaves nothing behind (no row, no link, no revision).

use ai_tracker::domain::EditorRole;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

async fn counts(app: &TestApp, token: &str) -> Value {
    app.query_as(
        token,
        "{ models { totalCount } organizations { totalCount } riskAssessments { totalCount } recentChanges { totalCount } }",
        json!({}),
    )
    .await
}

async fn id_of(app: &TestApp, field: &str, slug: &str) -> String {
    app.query(&format!("{{ {field}(slug: \"{slug}\") {{ id }} }}"), json!({})).await[field]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn bad_model_fields_are_refused_by_name_and_write_nothing() {
    let app = spawn_app().await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let openai = id_of(&app, "organization", "openai").await;
    let gpt3 = id_of(&app, "model", "gpt-3").await;
    let dialogue = id_of(&app, "capability", "dialogue").await;
    let before = counts(&app, &editor).await;
    let next_year = (chrono::Utc::now() + chrono::Duration::days(400)).format("%Y-%m-%d").to_string();
    let missing_org = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, "Organization:99999");
    let cases: Vec<(Value, &str)> = vec![
        (json!({ "slug": "Bad Slug" }), "input.slug"),
        (json!({ "slug": "gpt-3" }), "input.slug"),
        (json!({ "name": "" }), "input.name"),
        (json!({ "name": "x".repeat(201) }), "input.name"),
        (json!({ "name": "tab\u{0007}bell" }), "input.name"),
        (json!({ "announcedOn": "1949-12-31" }), "input.announcedOn"),
        (json!({ "announcedOn": next_year }), "input.announcedOn"),
        (json!({ "parameters": 0 }), "input.parameters"),
        (json!({ "parameters": -5 }), "input.parameters"),
        (json!({ "parameters": 1e16 }), "input.parameters"),
        (json!({ "trainingComputeFlop": 1e32 }), "input.trainingComputeFlop"),
        (json!({ "trainingComputeFlop": 0 }), "input.trainingComputeFlop"),
        (json!({ "trainingDatasetSize": 1e12 }), "input.trainingDatasetSizeUnit"),
        (json!({ "trainingCostUsd": -1 }), "input.trainingCostUsd"),
        (json!({ "organizationIds": [missing_org] }), "input.organizationIds[0]"),
        (json!({ "organizationIds": [openai, openai] }), "input.organizationIds"),
        (json!({ "organizationIds": [gpt3] }), "input.organizationIds[0]"),
        (json!({ "baseModelId": "bm90IGFuIGlk" }), "input.baseModelId"),
        (json!({ "inputModalities": ["TEXT", "TEXT"] }), "input.inputModalities"),
        (json!({ "sources": [{ "url": "ftp://example.org/paper" }] }), "input.sources[0].url"),
        (json!({ "sources": [{ "url": "not a url" }] }), "input.sources[0].url"),
        (
            json!({ "capabilities": [{ "capabilityId": dialogue, "status": "DEMONSTRATED", "sourceUrl": "javascript:alert(1)" }] }),
            "input.capabilities[0].sourceUrl",
        ),
        (json!({ "description": "d".repeat(50_001) }), "input.description"),
    ];
    let create = "mutation($input: CreateModelInput!) { createModel(input: $input) { id } }";
    for (fields, field) in &cases {
        let mut input = json!({ "slug": "valid-slug", "name": "Valid name" });
        input.as_object_mut().unwrap().extend(fields.as_object().unwrap().clone());
        let (_, error) = app.query_error_as(&editor, create, json!({ "input": input })).await;
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{fields}: {error}");
        assert_eq!(error["extensions"]["field"], *field, "{fields}: {error}");
    }
    // An unknown enum value never reaches the service: validation refuses it, naming the field.
    let (status, error) = app
        .query_error_as(&editor, create, json!({ "input": { "slug": "valid-slug", "name": "N", "access": "LEAKED" } }))
        .await;
    assert_eq!(status, 400, "a request error: {error}");
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(error["extensions"]["field"], "input.access");
    assert_eq!(counts(&app, &editor).await, before, "refused writes leave nothing behind");
}

#[tokio::test]
async fn base_model_lineage_may_not_loop() {
    let app = spawn_app().await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let create = "mutation($input: CreateModelInput!) { createModel(input: $input) { id version } }";
    let a = app.query_as(&editor, create, json!({ "input": { "slug": "model-a", "name": "A" } })).await["createModel"]
        ["id"]
        .clone();
    let b = app
        .query_as(&editor, create, json!({ "input": { "slug": "model-b", "name": "B", "baseModelId": a } }))
        .await["createModel"]["id"]
        .clone();
    let update = "mutation($id: ID!, $base: ID) { updateModel(id: $id, input: { baseModelId: $base }, expectedVersion: 1) { id } }";
    for (id, base) in [(&a, &b), (&a, &a)] {
        let (_, error) = app.query_error_as(&editor, update, json!({ "id": id, "base": base })).await;
        assert_eq!(error["extensions"]["field"], "input.baseModelId", "{error}");
    }
    let a_now = app.query_as(&editor, "{ model(slug: \"model-a\") { version baseModel { slug } } }", json!({})).await;
    assert_eq!(a_now["model"], json!({ "version": 1, "baseModel": null }));
}

#[tokio::test]
async fn bad_fields_of_the_other_entries_are_refused_by_name() {
    let app = spawn_app().await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let gpt3 = id_of(&app, "model", "gpt-3").await;
    let before = counts(&app, &editor).await;
    let cases = [
        (
            r#"createOrganization(input: { slug: "lab-x", name: "Lab", country: "XX", kind: INDUSTRY }) { id }"#,
            "input.country",
        ),
        (
            r#"createOrganization(input: { slug: "lab-x", name: "Lab", country: "us", kind: INDUSTRY }) { id }"#,
            "input.country",
        ),
        (
            r#"createOrganization(input: { slug: "lab-x", name: "Lab", country: "US", kind: INDUSTRY, website: "www.lab.example" }) { id }"#,
            "input.website",
        ),
        (
            r#"createOrganization(input: { slug: "openai", name: "Lab", country: "US", kind: INDUSTRY }) { id }"#,
            "input.slug",
        ),
        (
            r#"createCapability(input: { slug: "cap-x", name: "Cap", category: CODE, description: "" }) { id }"#,
            "input.description",
        ),
        (r#"createDataset(input: { slug: "set-x", name: "Set", size: 10 }) { id }"#, "input.sizeUnit"),
        (r#"createDataset(input: { slug: "-set", name: "Set" }) { id }"#, "input.slug"),
        (
            &format!(
                r#"createRiskAssessment(input: {{ modelId: "{gpt3}", horizon: IMMEDIATE, cause: ACCIDENTAL, category: PRIVACY, severity: LOW, likelihood: LOW, summary: "short", rationale: "A long enough rationale.", confidence: LIKELY, assessedOn: "2026-01-01", mitSubdomain: PRIVACY_COMPROMISE, mitEntity: AI, mitIntent: UNINTENTIONAL, mitTiming: POST_DEPLOYMENT, sourceUrl: "https://arxiv.org/abs/2005.14165" }}) {{ id }}"#
            ),
            "input.summary",
        ),
        (
            &format!(
                r#"createRiskAssessment(input: {{ modelId: "{gpt3}", horizon: IMMEDIATE, cause: ACCIDENTAL, category: PRIVACY, severity: LOW, likelihood: LOW, summary: "A long enough summary.", rationale: "A long enough rationale.", confidence: LIKELY, assessedOn: "1900-01-01", mitSubdomain: PRIVACY_COMPROMISE, mitEntity: AI, mitIntent: UNINTENTIONAL, mitTiming: POST_DEPLOYMENT, sourceUrl: "https://arxiv.org/abs/2005.14165" }}) {{ id }}"#
            ),
            "input.assessedOn",
        ),
        (
            r#"createRiskAssessment(input: { modelId: "TW9kZWw6OTk5OTk=", horizon: IMMEDIATE, cause: ACCIDENTAL, category: PRIVACY, severity: LOW, likelihood: LOW, summary: "A long enough summary.", rationale: "A long enough rationale.", confidence: LIKELY, assessedOn: "2026-01-01", mitSubdomain: PRIVACY_COMPROMISE, mitEntity: AI, mitIntent: UNINTENTIONAL, mitTiming: POST_DEPLOYMENT, sourceUrl: "https://arxiv.org/abs/2005.14165" }) { id }"#,
            "input.modelId",
        ),
        (
            &format!(
                r#"createRiskAssessment(input: {{ modelId: "{gpt3}", horizon: IMMEDIATE, cause: ACCIDENTAL, category: PRIVACY, severity: LOW, likelihood: LOW, summary: "A long enough summary.", rationale: "A long enough rationale.", confidence: LIKELY, assessedOn: "2026-01-01", mitSubdomain: PRIVACY_COMPROMISE, mitEntity: AI, mitIntent: UNINTENTIONAL, mitTiming: POST_DEPLOYMENT, sourceUrl: "ftp://arxiv.org/abs/2005.14165" }}) {{ id }}"#
            ),
            "input.sourceUrl",
        ),
        (
            r#"updateOrganization(id: "T3JnYW5pemF0aW9uOjE=", input: { name: "" }, expectedVersion: 1) { id }"#,
            "input.name",
        ),
        (r#"updateModel(id: "not-an-id", input: {}, expectedVersion: 1) { id }"#, "id"),
        (
            &format!(
                r#"updateModel(id: "{gpt3}", input: {{}}, expectedVersion: 1, summary: "{}") {{ id }}"#,
                "s".repeat(1001)
            ),
            "summary",
        ),
    ];
    for (mutation, field) in cases {
        let (_, error) = app.query_error_as(&editor, &format!("mutation {{ {mutation} }}"), json!({})).await;
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{mutation}: {error}");
        assert_eq!(error["extensions"]["field"], field, "{mutation}: {error}");
    }
    assert_eq!(counts(&app, &editor).await, before);
}
