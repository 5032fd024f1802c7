//! Global IDs have one spelling: `Model:01` or `Model:+1` (base64'd) are not `Model:1`, neither
//! for `node(id:)` nor for a mutation that takes an ID.

use ai_tracker::domain::EditorRole;
use base64::{Engine, engine::general_purpose::STANDARD};
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn only_the_canonical_decimal_id_decodes() {
    let app = spawn_app().await;
    let data = app.query(r#"{ model(slug: "gopher") { id version } }"#, json!({})).await;
    let id = data["model"]["id"].as_str().expect("an id").to_owned();
    let version = data["model"]["version"].clone();
    let text = String::from_utf8(STANDARD.decode(&id).expect("base64")).expect("utf-8");
    let row = text.strip_prefix("Model:").expect("a model id");
    let token = app.editor_token(EditorRole::Editor).await;

    for spelling in [format!("Model:0{row}"), format!("Model:+{row}"), format!("Model: {row}"), format!("Model:{row} ")]
    {
        let forged = STANDARD.encode(&spelling);
        let (_, error) = app.query_error("query($id: ID!) { node(id: $id) { id } }", json!({ "id": forged })).await;
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{spelling}: {error}");
        assert_eq!(error["extensions"]["field"], "id", "{spelling}");

        let (_, error) = app
            .query_error_as(
                &token,
                "mutation($id: ID!, $v: Int!) { updateModel(id: $id, input: { name: \"Renamed\" }, expectedVersion: $v) { id } }",
                json!({ "id": forged, "v": version }),
            )
            .await;
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{spelling}: {error}");
        assert_eq!(error["extensions"]["field"], "id", "{spelling}");
    }

    // The canonical one still works, and nothing was renamed by the forged ones.
    let found =
        app.query("query($id: ID!) { node(id: $id) { ... on Model { name version } } }", json!({ "id": id })).await;
    assert_eq!(found["node"]["version"], version);
    assert_ne!(found["node"]["name"], "Renamed");
}
