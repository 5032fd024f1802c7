//! The workspace's model form and history, driven as a browser without JavaScript would: read the
//! form's fields from the page, change one, post them all back.

use std::collections::BTreeMap;

use ai_tracker::domain::EditorRole;
use reqwest::{Response, header};
use serde_json::{Value, json};

use crate::editor_workspace::{EMAIL, PASSWORD, browser, csrf, get_with, session};
use crate::explorer::{assert_valid_html, validator_for};
use crate::helpers::{TestApp, spawn_app};

/// The value of the first `name="…" value="…"` on `html`, unescaped.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let start = html.find(&marker).unwrap_or_else(|| panic!("no field {name}")) + marker.len();
    unescape(html[start..].split('"').next().unwrap())
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&#39;", "'").replace("&amp;", "&")
}

/// Everything the model form posts, as its page shows it: the hidden fields, and each field's
/// value as opened (from `original`, which is what the inputs show).
pub fn form_fields(html: &str) -> BTreeMap<String, String> {
    let original: BTreeMap<String, String> = serde_json::from_str(&hidden(html, "original")).unwrap();
    let mut fields = original.clone();
    for name in ["csrf", "id", "expectedVersion", "original", "published"] {
        fields.insert(name.to_owned(), hidden(html, name));
    }
    fields
}

pub async fn post_form(app: &TestApp, path: &str, cookie: &str, fields: &BTreeMap<String, String>) -> Response {
    browser().post(app.url(path)).header(header::COOKIE, cookie).form(fields).send().await.unwrap()
}

async fn compute_of(app: &TestApp, slug: &str) -> (Value, Value, i64) {
    let data = app
        .query("query($s: String!) { model(slug: $s) { trainingComputeFlop hardware version } }", json!({ "s": slug }))
        .await;
    let model = &data["model"];
    (model["trainingComputeFlop"].clone(), model["hardware"].clone(), model["version"].as_i64().unwrap())
}

async fn signed_in() -> (TestApp, String) {
    let app = spawn_app().await;
    app.add_editor(EMAIL, "Form Editor", EditorRole::Editor, PASSWORD).await;
    let cookie = session(&app).await;
    (app, cookie)
}

#[tokio::test]
async fn an_editor_corrects_training_compute_sees_it_in_public_and_in_the_history_then_reverts() {
    let (app, cookie) = signed_in().await;
    let (before, _, version) = compute_of(&app, "gpt-4").await;
    assert_eq!(before, json!(2.1e25));

    let page = get_with(&app, "/editor/models/gpt-4", &cookie).await;
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()[header::CACHE_CONTROL], "no-store");
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"id="f-trainingComputeFlop""#), "{html}");
    let mut fields = form_fields(&html);
    assert_eq!(fields["trainingComputeFlop"], "2.1e25");
    assert_eq!(fields["expectedVersion"], version.to_string());
    fields.insert("trainingComputeFlop".into(), "2.5e25".into());
    fields.insert("summary".into(), "Epoch revised its estimate".into());

    let saved = post_form(&app, "/editor/models/gpt-4", &cookie, &fields).await;
    assert_eq!(saved.status(), 303, "{}", saved.text().await.unwrap());
    assert_eq!(saved.headers()[header::LOCATION], "/editor/models/gpt-4?saved=1");
    let (after, _, new_version) = compute_of(&app, "gpt-4").await;
    assert_eq!(after, json!(2.5e25));
    assert_eq!(new_version, version + 1, "one revision for one save");

    let public = browser().get(app.url("/models/gpt-4")).send().await.unwrap().text().await.unwrap();
    assert!(public.contains("2.5e25"), "the public page shows the correction");

    let history = get_with(&app, "/editor/models/gpt-4/history", &cookie).await.text().await.unwrap();
    assert!(history.contains("Epoch revised its estimate"), "{history}");
    assert!(history.contains("by Form Editor"), "who changed it");
    let row = history.split("Training compute (FLOP)</th>").nth(1).expect("a row for the changed field");
    let cells: Vec<&str> = row.split("</tr>").next().unwrap().split("<td>").skip(1).collect();
    assert!(cells[0].starts_with("2.1e25") && cells[1].starts_with("2.5e25"), "before and after: {cells:?}");
    assert!(!history.contains("capabilityId"), "a readable diff, not raw JSON");

    // The older revision's button sets the model back.
    let revert_at = history.find(r#"action="/editor/revert""#).expect("a revert button");
    let form = &history[revert_at..];
    let revert = browser()
        .post(app.url("/editor/revert"))
        .header(header::COOKIE, &cookie)
        .form(&[
            ("csrf", csrf(form)),
            ("revisionId", hidden(form, "revisionId")),
            ("expectedVersion", hidden(form, "expectedVersion")),
            ("slug", hidden(form, "slug")),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(revert.status(), 303);
    assert_eq!(revert.headers()[header::LOCATION], "/editor/models/gpt-4?reverted=1");
    assert_eq!(compute_of(&app, "gpt-4").await.0, json!(2.1e25));
    let history = get_with(&app, "/editor/models/gpt-4/history", &cookie).await.text().await.unwrap();
    assert!(history.contains("Revert by Form Editor"), "the revert is a revision of its own");
}

#[tokio::test]
async fn a_refused_field_is_shown_beside_it_with_the_value_kept_and_nothing_saved() {
    let (app, cookie) = signed_in().await;
    let (_, _, version) = compute_of(&app, "gpt-4").await;
    let html = get_with(&app, "/editor/models/gpt-4", &cookie).await.text().await.unwrap();

    // Not a number: the page says so before asking the API.
    let mut fields = form_fields(&html);
    fields.insert("trainingComputeFlop".into(), "lots".into());
    let refused = post_form(&app, "/editor/models/gpt-4", &cookie, &fields).await;
    assert_eq!(refused.status(), 400);
    let body = refused.text().await.unwrap();
    assert!(body.contains(r#"id="e-trainingComputeFlop""#), "{body}");
    assert!(body.contains(r#"value="lots""#), "the value is kept");
    assert!(body.contains(r#"aria-invalid="true""#));

    // Out of range: the API refuses and names the field; the page puts it beside that field.
    let mut fields = form_fields(&html);
    fields.insert("parameters".into(), "1e20".into());
    let refused = post_form(&app, "/editor/models/gpt-4", &cookie, &fields).await;
    assert_eq!(refused.status(), 400);
    let body = refused.text().await.unwrap();
    assert!(body.contains(r#"id="e-parameters""#), "{body}");
    assert!(body.contains(r#"value="1e20""#));
    assert!(!body.contains("Internal"), "nothing internal leaks");
    assert_eq!(compute_of(&app, "gpt-4").await.2, version, "nothing was saved");

    // A form without the session's CSRF token changes nothing.
    let mut fields = form_fields(&html);
    fields.insert("csrf".into(), "forged".into());
    fields.insert("trainingComputeFlop".into(), "9e25".into());
    let forbidden = post_form(&app, "/editor/models/gpt-4", &cookie, &fields).await;
    assert_eq!(forbidden.status(), 403);
    let (compute, _, unchanged) = compute_of(&app, "gpt-4").await;
    assert_eq!((compute, unchanged), (json!(2.1e25), version));
}

#[tokio::test]
async fn a_conflict_shows_both_changes_and_saves_yours_on_top_of_theirs() {
    let (app, cookie) = signed_in().await;
    let html = get_with(&app, "/editor/models/gpt-4", &cookie).await.text().await.unwrap();
    let mut mine = form_fields(&html);

    // Someone else saves first.
    let other = app.editor_token(EditorRole::Editor).await;
    let id = mine["id"].clone();
    let version: i64 = mine["expectedVersion"].parse().unwrap();
    app.query_as(
        &other,
        "mutation($id: ID!, $v: Int!) { updateModel(id: $id, expectedVersion: $v, input: { hardware: \"NVIDIA A100 (their figure)\" }) { version } }",
        json!({ "id": id, "v": version }),
    )
    .await;

    mine.insert("trainingComputeFlop".into(), "2.4e25".into());
    let conflict = post_form(&app, "/editor/models/gpt-4", &cookie, &mine).await;
    assert_eq!(conflict.status(), 409);
    let page = conflict.text().await.unwrap();
    assert!(page.contains("Someone saved this model first"), "{page}");
    let table = page.split("<table>").nth(1).unwrap().split("</table>").next().unwrap();
    assert!(table.contains("NVIDIA A100 (their figure)"), "their change: {table}");
    assert!(table.contains("2.4e25"), "your change: {table}");
    assert_eq!(compute_of(&app, "gpt-4").await.0, json!(2.1e25), "nothing of yours saved yet");

    // The page's form holds the current version with yours on top: saving it keeps both.
    let again = form_fields(&page);
    assert_eq!(again["expectedVersion"], (version + 1).to_string());
    let mut again_posted = again.clone();
    again_posted.insert("trainingComputeFlop".into(), "2.4e25".into());
    let saved = post_form(&app, "/editor/models/gpt-4", &cookie, &again_posted).await;
    assert_eq!(saved.status(), 303, "{}", saved.text().await.unwrap());
    let (compute, hardware, _) = compute_of(&app, "gpt-4").await;
    assert_eq!(compute, json!(2.4e25));
    assert_eq!(hardware, json!("NVIDIA A100 (their figure)"));
}

#[tokio::test]
async fn the_form_history_and_conflict_pages_are_valid_html() {
    let Some(jar) = validator_for("workspace") else { return };
    let (app, cookie) = signed_in().await;
    let html = get_with(&app, "/editor/models/gpt-4", &cookie).await.text().await.unwrap();
    let mut refused = form_fields(&html);
    refused.insert("trainingComputeFlop".into(), "lots".into());
    let mut stale = form_fields(&html);
    stale.insert("hardware".into(), "mine".into());
    stale.insert("expectedVersion".into(), "0".into());
    let mut pages = vec![("form".to_owned(), html)];
    pages.push((
        "refused".into(),
        post_form(&app, "/editor/models/gpt-4", &cookie, &refused).await.text().await.unwrap(),
    ));
    pages.push((
        "conflict".into(),
        post_form(&app, "/editor/models/gpt-4", &cookie, &stale).await.text().await.unwrap(),
    ));
    let mut saved = form_fields(&pages[0].1);
    saved.insert("hardware".into(), "NVIDIA A100 <4>".into());
    post_form(&app, "/editor/models/gpt-4", &cookie, &saved).await;
    for path in ["/editor/models/gpt-4/history", "/editor/models/gpt-4?saved=1", "/editor/models/no-such-model"] {
        pages.push((path.replace(['/', '?', '='], "_"), get_with(&app, path, &cookie).await.text().await.unwrap()));
    }
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in &pages {
        std::fs::write(dir.path().join(format!("{name}.html")), body).unwrap();
    }
    assert_valid_html(&jar, dir.path());
}
