//! The workspace's forms for organizations, capabilities and datasets: add, edit, conflict,
//! delete and history, driven over HTTP as a browser without JavaScript would (read the form's
//! fields from the page, change some, post them all back).

use std::collections::BTreeMap;

use ai_tracker::domain::EditorRole;
use reqwest::{Response, header};
use serde_json::{Value, json};

use crate::editor_forms::{hidden, post_form};
use crate::editor_workspace::{EMAIL, PASSWORD, browser, csrf, get_with, session};
use crate::explorer::{assert_valid_html, validator_for};
use crate::helpers::{TestApp, spawn_app};

async fn signed_in() -> (TestApp, String) {
    let app = spawn_app().await;
    app.add_editor(EMAIL, "Catalog Editor", EditorRole::Editor, PASSWORD).await;
    let cookie = session(&app).await;
    (app, cookie)
}

/// Everything an entry's form posts, as its page shows it.
fn entry_fields(html: &str) -> BTreeMap<String, String> {
    let mut fields: BTreeMap<String, String> = serde_json::from_str(&hidden(html, "original")).unwrap();
    for name in ["csrf", "id", "expectedVersion", "original"] {
        fields.insert(name.to_owned(), hidden(html, name));
    }
    fields
}

/// The hidden fields of the form whose action is `action` on `html`.
fn action_form(html: &str, action: &str, names: &[&str]) -> Vec<(String, String)> {
    let at = html.find(&format!(r#"action="{action}""#)).unwrap_or_else(|| panic!("no form for {action}: {html}"));
    names.iter().map(|n| (n.to_string(), hidden(&html[at..], n))).collect()
}

async fn post_pairs(app: &TestApp, path: &str, cookie: &str, fields: &[(String, String)]) -> Response {
    browser().post(app.url(path)).header(header::COOKIE, cookie).form(fields).send().await.unwrap()
}

/// An entry as the API shows it to an editor (null when there is none).
async fn entry(app: &TestApp, query: &str, slug: &str, selection: &str) -> Value {
    let document = format!("query($s: String!) {{ {query}(slug: $s) {{ version {selection} }} }}");
    app.query_as(&app.editor_token(EditorRole::Editor).await, &document, json!({ "s": slug })).await[query].clone()
}

fn pairs(fields: &[(&str, &str)], token: &str) -> BTreeMap<String, String> {
    let mut map: BTreeMap<String, String> = fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    map.insert("csrf".into(), token.to_owned());
    map
}

/// A type's list path, its API lookup, a new entry's fields, and one field changed after.
type NewEntry = (&'static str, &'static str, &'static [(&'static str, &'static str)], (&'static str, &'static str));

const NEW_ENTRIES: [NewEntry; 3] = [
    (
        "organizations",
        "organization",
        &[
            ("slug", "test-lab"),
            ("name", "Test Lab"),
            ("kind", "NONPROFIT"),
            ("country", "FR"),
            ("website", "https://example.org/test-lab"),
            ("description", "Made up for a test."),
        ],
        ("website", "https://example.org/test-lab-renamed"),
    ),
    (
        "capabilities",
        "capability",
        &[("slug", "test-skill"), ("name", "Test skill"), ("category", "REASONING"), ("description", "Made up.")],
        ("category", "DUAL_USE"),
    ),
    (
        "datasets",
        "dataset",
        &[("slug", "test-corpus"), ("name", "Test corpus"), ("size", "3e12"), ("sizeUnit", "TOKENS")],
        ("size", "4.5e12"),
    ),
];

#[tokio::test]
async fn an_editor_adds_and_edits_each_entry_type_and_the_api_shows_it() {
    let (app, cookie) = signed_in().await;
    for (path, query, fields, (changed, to)) in NEW_ENTRIES {
        let new = get_with(&app, &format!("/editor/{path}/new"), &cookie).await;
        assert_eq!(new.status(), 200, "{path}");
        assert_eq!(new.headers()[header::CACHE_CONTROL], "no-store");
        let posted = pairs(fields, &csrf(&new.text().await.unwrap()));
        let created = post_form(&app, &format!("/editor/{path}/new"), &cookie, &posted).await;
        assert_eq!(created.status(), 303, "{path}: {}", created.text().await.unwrap());
        let slug = posted["slug"].clone();
        assert_eq!(created.headers()[header::LOCATION], format!("/editor/{path}/{slug}?created=1"));
        let name = entry(&app, query, &slug, "name").await;
        assert_eq!(name["name"], json!(posted["name"]), "{path}");

        let form = get_with(&app, &format!("/editor/{path}/{slug}?created=1"), &cookie).await;
        assert_eq!(form.headers()[header::CACHE_CONTROL], "no-store");
        let html = form.text().await.unwrap();
        let mut edit = entry_fields(&html);
        assert_eq!(edit[changed], posted.get(changed).cloned().unwrap_or_default(), "{path}: the form shows it");
        edit.insert(changed.into(), to.into());
        edit.insert("summary".into(), "A second look".into());
        let saved = post_form(&app, &format!("/editor/{path}/{slug}"), &cookie, &edit).await;
        assert_eq!(saved.status(), 303, "{path}: {}", saved.text().await.unwrap());
        assert_eq!(saved.headers()[header::LOCATION], format!("/editor/{path}/{slug}?saved=1"));
        let after = entry(&app, query, &slug, changed).await;
        let expected = match changed {
            "size" => json!(4.5e12),
            _ => json!(to),
        };
        assert_eq!(after[changed], expected, "{path}");
        assert_eq!(after["version"], json!(name["version"].as_i64().unwrap() + 1), "{path}: one revision per save");

        let history = get_with(&app, &format!("/editor/{path}/{slug}/history"), &cookie).await.text().await.unwrap();
        assert!(history.contains("A second look") && history.contains("by Catalog Editor"), "{history}");
        assert!(history.contains(r#"action="/editor/"#) && history.contains("/revert"), "{path}: a revert button");
    }

    // A seeded organization renamed through its form: the public model page names it so.
    let html = get_with(&app, "/editor/organizations/openai", &cookie).await.text().await.unwrap();
    assert!(html.contains(r#"href="/editor/organizations/openai/history""#), "a history link");
    let mut edit = entry_fields(&html);
    edit.insert("name".into(), "OpenAI Global".into());
    let saved = post_form(&app, "/editor/organizations/openai", &cookie, &edit).await;
    assert_eq!(saved.status(), 303);
    let public = browser().get(app.url("/models/gpt-4")).send().await.unwrap().text().await.unwrap();
    assert!(public.contains("OpenAI Global"), "the public page shows the new name");

    // Its history reverts it.
    let history = get_with(&app, "/editor/organizations/openai/history", &cookie).await.text().await.unwrap();
    let row = history.split("<th scope=\"row\">Name</th>").nth(1).expect("a row for the name");
    assert!(row.split("</tr>").next().unwrap().contains("OpenAI Global"), "{row}");
    let revert = action_form(&history, "/editor/revert", &["csrf", "revisionId", "entityId", "expectedVersion"]);
    let reverted = post_pairs(&app, "/editor/revert", &cookie, &revert).await;
    assert_eq!(reverted.status(), 303, "{}", reverted.text().await.unwrap());
    let back = reverted.headers()[header::LOCATION].to_str().unwrap().to_owned();
    assert!(back.starts_with("/editor/history/") && back.ends_with("?reverted=1"), "{back}");
    let shown = get_with(&app, &back, &cookie).await.text().await.unwrap();
    assert!(shown.contains("Reverted.") && shown.contains(r#"href="/editor/organizations/openai""#), "{shown}");
    assert_eq!(entry(&app, "organization", "openai", "name").await["name"], json!("OpenAI"));

    // The desk links every type's list, the list links its entries, and the model form its own.
    let desk = get_with(&app, "/editor", &cookie).await.text().await.unwrap();
    for link in ["/editor/organizations", "/editor/capabilities/new", "/editor/datasets"] {
        assert!(desk.contains(&format!(r#"href="{link}""#)), "{link}: {desk}");
    }
    let list = get_with(&app, "/editor/datasets", &cookie).await.text().await.unwrap();
    assert!(list.contains(r#"href="/editor/datasets/test-corpus""#), "{list}");
    let model = get_with(&app, "/editor/models/gpt-4", &cookie).await.text().await.unwrap();
    assert!(model.contains(r#"href="/editor/organizations/openai""#), "the model form links its organizations");
}

#[tokio::test]
async fn a_refused_field_is_shown_beside_it_with_the_value_kept_and_nothing_saved() {
    let (app, cookie) = signed_in().await;
    let before = entry(&app, "organization", "openai", "country website").await;
    let html = get_with(&app, "/editor/organizations/openai", &cookie).await.text().await.unwrap();
    for (field, text) in [("country", "USA"), ("website", "not a url"), ("slug", "meta")] {
        let mut edit = entry_fields(&html);
        edit.insert(field.into(), text.into());
        let refused = post_form(&app, "/editor/organizations/openai", &cookie, &edit).await;
        assert_eq!(refused.status(), 400, "{field}");
        let body = refused.text().await.unwrap();
        assert!(body.contains(&format!(r#"id="e-{field}""#)), "{field}: {body}");
        assert!(body.contains(&format!(r#"value="{text}""#)), "{field}: the value is kept");
        assert!(body.contains(r#"aria-invalid="true""#) && body.contains(&format!(r#"aria-describedby="e-{field}""#)));
        assert!(!body.contains("Internal"));
    }
    assert_eq!(entry(&app, "organization", "openai", "country website").await, before, "nothing was saved");

    // A new dataset: the page refuses what is not a number, the API a size without its unit.
    let token = csrf(&get_with(&app, "/editor/datasets/new", &cookie).await.text().await.unwrap());
    for (size, unit, field) in [("lots", "TOKENS", "size"), ("3e12", "", "sizeUnit")] {
        let posted =
            pairs(&[("slug", "test-corpus"), ("name", "Test corpus"), ("size", size), ("sizeUnit", unit)], &token);
        let refused = post_form(&app, "/editor/datasets/new", &cookie, &posted).await;
        assert_eq!(refused.status(), 400, "{field}");
        let body = refused.text().await.unwrap();
        assert!(body.contains(&format!(r#"id="e-{field}""#)), "{field}: {body}");
        assert!(body.contains(&format!(r#"value="{size}""#)), "the values are kept");
    }
    assert_eq!(entry(&app, "dataset", "test-corpus", "name").await, Value::Null, "nothing created");
}

#[tokio::test]
async fn a_conflict_shows_both_changes_and_saves_yours_on_top_of_theirs() {
    let (app, cookie) = signed_in().await;
    let html = get_with(&app, "/editor/capabilities/code-generation", &cookie).await.text().await.unwrap();
    let mut mine = entry_fields(&html);
    let version: i64 = mine["expectedVersion"].parse().unwrap();
    let other = app.editor_token(EditorRole::Editor).await;
    app.query_as(
        &other,
        "mutation($id: ID!, $v: Int!) { updateCapability(id: $id, expectedVersion: $v, input: { description: \"Their description.\" }) { version } }",
        json!({ "id": mine["id"], "v": version }),
    )
    .await;

    mine.insert("name".into(), "Writing code".into());
    let conflict = post_form(&app, "/editor/capabilities/code-generation", &cookie, &mine).await;
    assert_eq!(conflict.status(), 409);
    let page = conflict.text().await.unwrap();
    assert!(page.contains("Someone saved this capability first"), "{page}");
    let table = page.split("<table>").nth(1).unwrap().split("</table>").next().unwrap();
    assert!(table.contains("Their description.") && table.contains("Writing code"), "{table}");
    assert_ne!(entry(&app, "capability", "code-generation", "name").await["name"], json!("Writing code"));

    let mut again = entry_fields(&page);
    assert_eq!(again["expectedVersion"], (version + 1).to_string());
    again.insert("name".into(), "Writing code".into());
    let saved = post_form(&app, "/editor/capabilities/code-generation", &cookie, &again).await;
    assert_eq!(saved.status(), 303, "{}", saved.text().await.unwrap());
    let both = entry(&app, "capability", "code-generation", "name description").await;
    assert_eq!((&both["name"], &both["description"]), (&json!("Writing code"), &json!("Their description.")));
}

#[tokio::test]
async fn a_delete_is_refused_with_its_reason_while_models_name_the_entry_and_goes_otherwise() {
    let (app, cookie) = signed_in().await;
    for (path, query, slug, reason) in [
        ("organizations", "organization", "openai", "take it off them first"),
        ("capabilities", "capability", "code-generation", "unlink it first"),
        ("datasets", "dataset", "webtext", "unlink it first"),
    ] {
        let html = get_with(&app, &format!("/editor/{path}/{slug}"), &cookie).await.text().await.unwrap();
        let action = format!("/editor/{path}/{slug}/delete");
        let delete = action_form(&html, &action, &["csrf", "id", "expectedVersion"]);
        let refused = post_pairs(&app, &action, &cookie, &delete).await;
        assert_eq!(refused.status(), 400, "{path}");
        let body = refused.text().await.unwrap();
        assert!(body.contains("Not deleted") && body.contains(reason), "{path}: {body}");
        assert_ne!(entry(&app, query, slug, "name").await, Value::Null, "{path}: still there");
    }

    let token = csrf(&get_with(&app, "/editor/capabilities/new", &cookie).await.text().await.unwrap());
    let (_, _, fields, _) = NEW_ENTRIES[1];
    post_form(&app, "/editor/capabilities/new", &cookie, &pairs(fields, &token)).await;
    let html = get_with(&app, "/editor/capabilities/test-skill", &cookie).await.text().await.unwrap();
    let delete = action_form(&html, "/editor/capabilities/test-skill/delete", &["csrf", "id", "expectedVersion"]);
    let deleted = post_pairs(&app, "/editor/capabilities/test-skill/delete", &cookie, &delete).await;
    assert_eq!(deleted.status(), 303);
    assert_eq!(deleted.headers()[header::LOCATION], "/editor/capabilities?deleted=1");
    assert_eq!(entry(&app, "capability", "test-skill", "name").await, Value::Null);
}

#[tokio::test]
async fn posts_without_the_sessions_csrf_token_are_refused_and_change_nothing() {
    let (app, cookie) = signed_in().await;
    let before = entry(&app, "organization", "openai", "name website").await;
    let html = get_with(&app, "/editor/organizations/openai", &cookie).await.text().await.unwrap();
    let mut edit = entry_fields(&html);
    edit.insert("name".into(), "Forged".into());
    let delete = action_form(&html, "/editor/organizations/openai/delete", &["id", "expectedVersion"]);
    let (_, _, fields, _) = NEW_ENTRIES[0];
    for (path, mut posted) in [
        ("/editor/organizations/new", pairs(fields, "forged")),
        ("/editor/organizations/openai", edit),
        ("/editor/organizations/openai/delete", delete.into_iter().collect()),
        ("/editor/revert", BTreeMap::from([("expectedVersion".into(), "1".into())])),
    ] {
        for token in [None, Some("forged")] {
            match token {
                Some(token) => posted.insert("csrf".into(), token.into()),
                None => posted.remove("csrf"),
            };
            let response = post_form(&app, path, &cookie, &posted).await;
            assert_eq!(response.status(), 403, "{path} {token:?}");
        }
    }
    assert_eq!(entry(&app, "organization", "openai", "name website").await, before, "nothing changed");
    assert_eq!(entry(&app, "organization", "test-lab", "name").await, Value::Null, "nothing created");
}

#[tokio::test]
async fn every_page_state_of_the_entry_forms_is_valid_html() {
    let Some(jar) = validator_for("workspace") else { return };
    let (app, cookie) = signed_in().await;
    let mut pages = Vec::new();
    for path in [
        "/editor",
        "/editor/organizations",
        "/editor/organizations/new",
        "/editor/organizations/openai?saved=1",
        "/editor/capabilities/code-generation?created=1",
        "/editor/datasets/webtext",
        "/editor/datasets/no-such-dataset",
        "/editor/capabilities?deleted=1",
        "/editor/models/gpt-4",
    ] {
        let response = get_with(&app, path, &cookie).await;
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store", "{path}");
        pages.push((path.replace(['/', '?', '='], "_"), response.text().await.unwrap()));
    }
    let token = csrf(&pages[2].1);
    let mut bad = pairs(NEW_ENTRIES[0].2, &token);
    bad.insert("country".into(), "USA".into());
    pages.push((
        "refused-new".into(),
        post_form(&app, "/editor/organizations/new", &cookie, &bad).await.text().await.unwrap(),
    ));

    let html = get_with(&app, "/editor/organizations/openai", &cookie).await.text().await.unwrap();
    let mut refused = entry_fields(&html);
    refused.insert("website".into(), "not a url".into());
    pages.push((
        "refused-edit".into(),
        post_form(&app, "/editor/organizations/openai", &cookie, &refused).await.text().await.unwrap(),
    ));
    let mut stale = entry_fields(&html);
    stale.insert("name".into(), "Stale <name>".into());
    stale.insert("expectedVersion".into(), "0".into());
    pages.push((
        "conflict".into(),
        post_form(&app, "/editor/organizations/openai", &cookie, &stale).await.text().await.unwrap(),
    ));
    let delete = action_form(&html, "/editor/organizations/openai/delete", &["csrf", "id", "expectedVersion"]);
    pages.push((
        "refused-delete".into(),
        post_pairs(&app, "/editor/organizations/openai/delete", &cookie, &delete).await.text().await.unwrap(),
    ));
    let mut saved = entry_fields(&html);
    saved.insert("description".into(), "A <new> description.".into());
    assert_eq!(post_form(&app, "/editor/organizations/openai", &cookie, &saved).await.status(), 303);
    pages.push((
        "history".into(),
        get_with(&app, "/editor/organizations/openai/history", &cookie).await.text().await.unwrap(),
    ));

    let dir = tempfile::tempdir().unwrap();
    for (name, body) in &pages {
        std::fs::write(dir.path().join(format!("{name}.html")), body).unwrap();
    }
    assert_valid_html(&jar, dir.path());
}

/// Abuse: a signed-in form past the request body limit (1 MiB) is refused with 413 before any
/// handler reads it, and nothing changes; a form of many unknown fields within it changes only
/// what the form declares.
#[tokio::test]
async fn an_oversized_or_padded_entry_form_changes_nothing_it_does_not_declare() {
    let (app, cookie) = signed_in().await;
    let before = entry(&app, "organization", "openai", "name website description").await;
    let html = get_with(&app, "/editor/organizations/openai", &cookie).await.text().await.unwrap();
    let mut huge = entry_fields(&html);
    huge.insert("description".into(), "x".repeat(1024 * 1024 + 1));
    let response = post_form(&app, "/editor/organizations/openai", &cookie, &huge).await;
    assert_eq!(response.status(), 413);
    assert_eq!(entry(&app, "organization", "openai", "name website description").await, before);

    let mut padded = entry_fields(&html);
    for i in 0..5_000 {
        padded.insert(format!("unknown{i}"), "y".into());
    }
    padded.insert("name".into(), "OpenAI Padded".into());
    let response = post_form(&app, "/editor/organizations/openai", &cookie, &padded).await;
    assert_eq!(response.status(), 303);
    let after = entry(&app, "organization", "openai", "name website description").await;
    assert_eq!(after["name"], json!("OpenAI Padded"));
    assert_eq!((&after["website"], &after["description"]), (&before["website"], &before["description"]));
}
