//! URL inputs refuse addresses of the reader's or the server's own network, and bidirectional
//! controls that make a link read as another one, naming the field.

use ai_tracker::domain::EditorRole;
use serde_json::json;

use crate::helpers::spawn_app;

const LOCAL: [&str; 12] = [
    "http://127.0.0.1/admin",
    "http://2130706433/",
    "http://0x7f.0.0.1/",
    "http://localhost:8080/",
    "https://api.localhost/",
    "http://10.1.2.3/",
    "http://172.16.0.1/",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://0.0.0.0/",
    "http://[::1]/",
    "http://[fd00::1]/",
];

const BIDI: [&str; 3] =
    ["https://example.org/\u{202E}fdp.exe", "https://exa\u{2066}mple.org/", "https://example.org/\u{200F}"];

#[tokio::test]
async fn private_addresses_and_bidi_controls_are_refused_in_every_url_input() {
    let app = spawn_app().await;
    let token = app.editor_token(EditorRole::Editor).await;
    let gopher = app.query(r#"{ model(slug: "gopher") { id version } }"#, json!({})).await["model"].clone();
    let more_local = ["http://[fe80::1]/", "http://[::ffff:192.168.0.1]/", "http://[::]/"];
    for url in LOCAL.iter().chain(&more_local).chain(&BIDI) {
        // Anonymous feedback.
        let (_, error) = app
            .query_error(
                "mutation($input: SubmitFeedbackInput!) { submitFeedback(input: $input) { id } }",
                json!({ "input": { "kind": "CORRECTION", "body": "This figure looks wrong to me.", "sourceUrl": url } }),
            )
            .await;
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{url}: {error}");
        assert_eq!(error["extensions"]["field"], "input.sourceUrl", "{url}");

        // An organization's website.
        let (_, error) = app
            .query_error_as(
                &token,
                "mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { id } }",
                json!({ "input": { "slug": "lab", "name": "Lab", "country": "US", "kind": "INDUSTRY", "website": url } }),
            )
            .await;
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{url}: {error}");
        assert_eq!(error["extensions"]["field"], "input.website", "{url}");

        // A model's sources.
        let (_, error) = app
            .query_error_as(
                &token,
                "mutation($id: ID!, $v: Int!, $input: UpdateModelInput!) {
                    updateModel(id: $id, input: $input, expectedVersion: $v) { id } }",
                json!({ "id": gopher["id"], "v": gopher["version"],
                    "input": { "sources": [{ "url": "https://example.org/paper" }, { "url": url }] } }),
            )
            .await;
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{url}: {error}");
        assert_eq!(error["extensions"]["field"], "input.sources[1].url", "{url}");
    }

    // Public addresses still pass, and the service still answers.
    let created = app
        .query_as(
            &token,
            "mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { website } }",
            json!({ "input": { "slug": "lab", "name": "Lab", "country": "US", "kind": "INDUSTRY",
                "website": "https://93.184.215.14/about" } }),
        )
        .await;
    assert_eq!(created["createOrganization"]["website"], "https://93.184.215.14/about");
    let health = app.client.get(app.url("/healthz")).send().await.expect("healthz");
    assert_eq!(health.status(), 200);
}
