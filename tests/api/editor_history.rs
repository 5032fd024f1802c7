//! The workspace's remaining actions, driven over HTTP as a browser without JavaScript would and
//! checked through the public API: a risk assessment edited and deleted, a compute threshold
//! edited by an admin (and refused to an editor), a deleted entry restored from its history,
//! revisions' references shown as slugs, the import queue accepted and dismissed, and capability
//! evidence the one-line list cannot hold refused rather than cut.

use std::collections::BTreeMap;

use ai_tracker::domain::EditorRole;
use base64::Engine;
use reqwest::{Response, header};
use serde_json::{Value, json};

use crate::editor_forms::{form_fields, hidden, post_form};
use crate::editor_workspace::{EMAIL, PASSWORD, browser, csrf, get_with, session, sign_in};
use crate::epoch_sync::{Answer, SELECTION, Server, csv, synced};
use crate::explorer::{assert_valid_html, validator_for};
use crate::helpers::{TestApp, spawn_app};

async fn signed_in() -> (TestApp, String) {
    let app = spawn_app().await;
    app.add_editor(EMAIL, "History Editor", EditorRole::Editor, PASSWORD).await;
    let cookie = session(&app).await;
    (app, cookie)
}

async fn admin_session(app: &TestApp) -> String {
    let admin = "admin@tracker.example";
    app.add_editor(admin, "Threshold Admin", EditorRole::Admin, PASSWORD).await;
    let signed = sign_in(app, Some(&app.address), admin, PASSWORD).await;
    signed.headers()[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned()
}

/// Everything an entry's form posts, as its page shows it.
fn entry_form(html: &str) -> BTreeMap<String, String> {
    let mut fields: BTreeMap<String, String> = serde_json::from_str(&hidden(html, "original")).unwrap();
    for name in ["csrf", "id", "expectedVersion", "original"] {
        fields.insert(name.to_owned(), hidden(html, name));
    }
    fields
}

/// The first link on `html` that starts with `prefix` and is not `except`.
fn link(html: &str, prefix: &str, except: &str) -> String {
    html.split(&format!(r#"href="{prefix}"#))
        .skip(1)
        .map(|rest| format!("{prefix}{}", rest.split('"').next().unwrap()))
        .find(|l| l != except)
        .unwrap_or_else(|| panic!("no link to {prefix}: {html}"))
}

/// The hidden fields of the form whose action is `action` on `html`.
fn action_form(html: &str, action: &str, names: &[&str]) -> Vec<(String, String)> {
    let at = html.find(&format!(r#"action="{action}""#)).unwrap_or_else(|| panic!("no form for {action}: {html}"));
    names.iter().map(|n| (n.to_string(), hidden(&html[at..], n))).collect()
}

async fn post(app: &TestApp, path: &str, cookie: &str, fields: &[(String, String)]) -> Response {
    browser().post(app.url(path)).header(header::COOKIE, cookie).form(fields).send().await.unwrap()
}

async fn node(app: &TestApp, id: &str, selection: &str) -> Value {
    let token = app.editor_token(EditorRole::Editor).await;
    let query = format!("query($id: ID!) {{ node(id: $id) {{ {selection} }} }}");
    app.query_as(&token, &query, json!({ "id": id })).await["node"].clone()
}

fn decoded(path_segment: &str) -> String {
    url::form_urlencoded::parse(format!("x={path_segment}").as_bytes()).next().unwrap().1.into_owned()
}

const ASSESSMENT: &str = "... on RiskAssessment { summary severity rationale sourceUrl version }";

#[tokio::test]
async fn an_assessment_is_edited_refused_in_conflict_deleted_and_restored_from_its_history() {
    let (app, cookie) = signed_in().await;
    let list = get_with(&app, "/editor/models/gpt-4/assessments", &cookie).await.text().await.unwrap();
    let path = link(&list, "/editor/assessments/", "");
    let id = decoded(path.trim_start_matches("/editor/assessments/"));
    let page = get_with(&app, &path, &cookie).await;
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()[header::CACHE_CONTROL], "no-store");
    let html = page.text().await.unwrap();
    for field in ["mitSubdomain", "mitEntity", "mitIntent", "mitTiming", "sourceUrl", "rationale"] {
        assert!(html.contains(&format!(r#"id="f-{field}""#)), "{field}: {html}");
    }

    // A change: only it is sent, with the version.
    let mut fields = entry_form(&html);
    fields.insert("summary".into(), "Edited through the workspace.".into());
    // A browser sends the edit summary too, which must not be taken for the assessment's own.
    fields.insert("editSummary".into(), "".into());
    let saved = post_form(&app, &path, &cookie, &fields).await;
    assert_eq!(saved.status(), 303, "{}", saved.text().await.unwrap());
    assert_eq!(saved.headers()[header::LOCATION], format!("{path}?saved=1"));
    let after = node(&app, &id, ASSESSMENT).await;
    assert_eq!(after["summary"], "Edited through the workspace.");

    // A refused field shows beside it, with its value kept, and nothing is saved.
    let html = get_with(&app, &path, &cookie).await.text().await.unwrap();
    let mut fields = entry_form(&html);
    fields.insert("sourceUrl".into(), "not a url".into());
    let refused = post_form(&app, &path, &cookie, &fields).await;
    assert_eq!(refused.status(), 400);
    let body = refused.text().await.unwrap();
    assert!(body.contains(r#"id="e-sourceUrl""#) && body.contains(r#"value="not a url""#), "{body}");
    assert_eq!(node(&app, &id, ASSESSMENT).await, after, "nothing saved");

    // Someone saves first: both changes, field by field; saving again keeps both.
    let other = app.editor_token(EditorRole::Editor).await;
    let update = "mutation($id: ID!, $v: Int!) { updateRiskAssessment(id: $id, expectedVersion: $v, input: { rationale: \"Their rationale.\" }) { version } }";
    app.query_as(&other, update, json!({ "id": id, "v": after["version"] })).await;
    let mut mine = entry_form(&html);
    mine.insert("severity".into(), "CRITICAL".into());
    let conflict = post_form(&app, &path, &cookie, &mine).await;
    assert_eq!(conflict.status(), 409);
    let page = conflict.text().await.unwrap();
    let table = page.split("<table>").nth(1).unwrap().split("</table>").next().unwrap();
    assert!(table.contains("Their rationale.") && table.contains("CRITICAL"), "{table}");
    let again = entry_form(&page);
    let mut again = again.clone();
    again.insert("severity".into(), "CRITICAL".into());
    let saved = post_form(&app, &path, &cookie, &again).await;
    assert_eq!(saved.status(), 303, "{}", saved.text().await.unwrap());
    let now = node(&app, &id, ASSESSMENT).await;
    assert_eq!((now["severity"].clone(), now["rationale"].clone()), (json!("CRITICAL"), json!("Their rationale.")));

    // A delete at a stale version is refused in the API's terms; at the current one it goes.
    let html = get_with(&app, &path, &cookie).await.text().await.unwrap();
    let mut delete = action_form(&html, &format!("{path}/delete"), &["csrf", "expectedVersion"]);
    delete[1].1 = "1".into();
    let stale = post(&app, &format!("{path}/delete"), &cookie, &delete).await;
    assert_eq!(stale.status(), 409);
    assert!(stale.text().await.unwrap().contains("Not deleted"));
    let delete = action_form(&html, &format!("{path}/delete"), &["csrf", "expectedVersion"]);
    let deleted = post(&app, &format!("{path}/delete"), &cookie, &delete).await;
    assert_eq!(deleted.status(), 303);
    let to = deleted.headers()[header::LOCATION].to_str().unwrap().to_owned();
    assert!(to.starts_with("/editor/models/gpt-4/assessments?deleted="), "{to}");
    assert_eq!(node(&app, &id, ASSESSMENT).await, Value::Null);

    // Its history is reachable from the notice and restores it under its old ID.
    let listed = get_with(&app, &to, &cookie).await.text().await.unwrap();
    let history = link(&listed, "/editor/history/", "");
    let html = get_with(&app, &history, &cookie).await.text().await.unwrap();
    assert!(html.contains("deleted") && html.contains("Restore this risk assessment"), "{html}");
    let restore = action_form(&html, "/editor/restore", &["csrf", "revisionId", "entityId"]);
    let restored = post(&app, "/editor/restore", &cookie, &restore).await;
    assert_eq!(restored.status(), 303, "{}", restored.text().await.unwrap());
    assert_eq!(restored.headers()[header::LOCATION], format!("{history}?restored=1"));
    assert_eq!(node(&app, &id, ASSESSMENT).await["severity"], "CRITICAL", "back as it was");
    let html = get_with(&app, &format!("{history}?restored=1"), &cookie).await.text().await.unwrap();
    assert!(html.contains("Restore by History Editor") && !html.contains("Restore this"), "{html}");
}

#[tokio::test]
async fn an_admin_edits_a_threshold_and_an_editor_gets_403_that_changes_nothing() {
    let (app, cookie) = signed_in().await;
    let admin = admin_session(&app).await;
    let list = get_with(&app, "/editor/thresholds", &admin).await;
    assert_eq!(list.status(), 200);
    let list = list.text().await.unwrap();
    let path = link(&list, "/editor/thresholds/", "/editor/thresholds/new");
    let id = decoded(path.trim_start_matches("/editor/thresholds/"));
    let selection = "... on ComputeThreshold { name flop version }";
    let before = node(&app, &id, selection).await;

    for response in [get_with(&app, "/editor/thresholds", &cookie).await, get_with(&app, &path, &cookie).await] {
        assert_eq!(response.status(), 403);
        assert!(response.text().await.unwrap().contains("Admins only"));
    }
    let html = get_with(&app, &path, &admin).await.text().await.unwrap();
    let mut fields = entry_form(&html);
    fields.insert("csrf".into(), csrf(&get_with(&app, "/editor", &cookie).await.text().await.unwrap()));
    fields.insert("flop".into(), "7e26".into());
    assert_eq!(post_form(&app, &path, &cookie, &fields).await.status(), 403, "an editor's save");
    assert_eq!(node(&app, &id, selection).await, before, "nothing changed");

    let mut fields = entry_form(&html);
    fields.insert("flop".into(), "lots".into());
    let refused = post_form(&app, &path, &admin, &fields).await;
    assert_eq!(refused.status(), 400);
    let body = refused.text().await.unwrap();
    assert!(body.contains(r#"id="e-flop""#) && body.contains(r#"value="lots""#), "{body}");

    fields.insert("flop".into(), "7e26".into());
    let saved = post_form(&app, &path, &admin, &fields).await;
    assert_eq!(saved.status(), 303, "{}", saved.text().await.unwrap());
    let after = node(&app, &id, selection).await;
    assert_eq!((after["flop"].clone(), after["name"].clone()), (json!(7e26), before["name"].clone()));
    assert_eq!(after["version"], before["version"].as_i64().unwrap() + 1);

    // A stale form shows the conflict.
    let mut stale = entry_form(&html);
    stale.insert("name".into(), "Mine".into());
    let conflict = post_form(&app, &path, &admin, &stale).await;
    assert_eq!(conflict.status(), 409);
    assert!(conflict.text().await.unwrap().contains("Someone saved this compute threshold first"));
}

#[tokio::test]
async fn a_deleted_model_is_restored_from_its_history_whose_diffs_name_slugs() {
    let (app, cookie) = signed_in().await;
    let token = app.editor_token(EditorRole::Editor).await;
    let create = "mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }";
    let gone = app
        .query_as(
            &token,
            create,
            json!({ "i": { "slug": "gone-lab", "name": "Gone Lab", "country": "US", "kind": "INDUSTRY" } }),
        )
        .await["createOrganization"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let gone_row = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(&gone).unwrap()).unwrap();
    let gone_row = gone_row.split(':').nth(1).unwrap().to_owned();
    let model = json!({ "slug": "history-lab", "name": "History Lab", "organizationIds": [id_of(&app, &token, "organization", "openai").await, gone] });
    app.query_as(&token, "mutation($i: CreateModelInput!) { createModel(input: $i) { id } }", json!({ "i": model }))
        .await;

    // Through the form: the organizations become openai and meta; Gone Lab is then deleted.
    let html = get_with(&app, "/editor/models/history-lab", &cookie).await.text().await.unwrap();
    let mut fields = form_fields(&html);
    assert_eq!(fields["organizationIds"], "openai\ngone-lab");
    fields.insert("organizationIds".into(), "openai\nmeta".into());
    assert_eq!(post_form(&app, "/editor/models/history-lab", &cookie, &fields).await.status(), 303);
    let delete = "mutation($id: ID!) { deleteOrganization(id: $id, expectedVersion: 1) }";
    app.query_as(&token, delete, json!({ "id": gone })).await;

    let history = get_with(&app, "/editor/models/history-lab/history", &cookie).await.text().await.unwrap();
    let row = history.split("lead first)</th>").nth(1).expect("a row for the organizations");
    let cells: Vec<&str> = row.split("</tr>").next().unwrap().split("<td>").skip(1).collect();
    assert!(cells[0].starts_with(&format!("openai, {gone_row}<")), "a deleted entry by its id: {cells:?}");
    assert!(cells[1].starts_with("openai, meta<"), "slugs, not ids: {cells:?}");

    // Deleting the model leads to its history, which restores it.
    let html = get_with(&app, "/editor/models/history-lab", &cookie).await.text().await.unwrap();
    let delete = action_form(&html, "/editor/models/history-lab/delete", &["csrf", "id", "expectedVersion"]);
    let deleted = post(&app, "/editor/models/history-lab/delete", &cookie, &delete).await;
    assert_eq!(deleted.status(), 303);
    let to = deleted.headers()[header::LOCATION].to_str().unwrap().to_owned();
    assert!(to.starts_with("/editor/history/") && to.ends_with("?deleted=1"), "{to}");
    assert_eq!(get_with(&app, "/editor/models/history-lab", &cookie).await.status(), 404);
    let desk = get_with(&app, "/editor", &cookie).await.text().await.unwrap();
    assert!(desk.contains(&format!(r#"href="{}""#, to.trim_end_matches("?deleted=1"))), "the desk links it: {desk}");
    let html = get_with(&app, &to, &cookie).await.text().await.unwrap();
    assert!(html.contains("History of History Lab") && html.contains("Restore this model"), "{html}");
    let restore = action_form(&html, "/editor/restore", &["csrf", "revisionId", "entityId"]);
    let restored = post(&app, "/editor/restore", &cookie, &restore).await;
    assert_eq!(restored.status(), 303);
    let back = app.query_as(&token, "{ model(slug: \"history-lab\") { organizations { slug } } }", json!({})).await;
    assert_eq!(back["model"]["organizations"], json!([{ "slug": "openai" }, { "slug": "meta" }]));
    // Restoring twice is refused in the API's words.
    let again = post(&app, "/editor/restore", &cookie, &restore).await;
    assert_eq!(again.status(), 400);
    assert!(again.text().await.unwrap().contains("Nothing was restored"));
}

async fn id_of(app: &TestApp, token: &str, what: &str, slug: &str) -> String {
    let query = format!("query($s: String!) {{ {what}(slug: $s) {{ id }} }}");
    app.query_as(token, &query, json!({ "s": slug })).await[what]["id"].as_str().unwrap().to_owned()
}

const QUEUE: &str = "{ importCandidates(first: 20) { nodes { kind } } }";

#[tokio::test]
async fn import_candidates_are_counted_on_the_desk_and_accepted_or_dismissed_from_their_page() {
    let (app, cookie) = signed_in().await;
    let token = app.editor_token(EditorRole::Editor).await;
    let server = Server::start(Answer::Status(500)).await;
    server.serve(&csv("3e25", "2.1e25"), "v1");
    synced(&app, &server.url, &SELECTION).await;
    server.serve(&csv("3e25", "3.3e25"), "v2");
    synced(&app, &server.url, &SELECTION).await;

    let desk = get_with(&app, "/editor", &cookie).await.text().await.unwrap();
    assert!(desk.contains("Import candidates (2)") && desk.contains(r#"href="/editor/imports""#), "{desk}");
    let page = get_with(&app, "/editor/imports", &cookie).await;
    assert_eq!(page.headers()[header::CACHE_CONTROL], "no-store");
    let html = page.text().await.unwrap();
    let article = |html: &str, marker: &str| {
        html.split(r#"<article class="revision">"#).find(|a| a.contains(marker)).unwrap().to_owned()
    };

    // A stale version is refused with the API's reason, and nothing is accepted.
    let draft = article(&html, "Sync Test LM");
    let mut accept = action_form(&draft, "/editor/imports/accept", &["csrf", "id", "expectedVersion"]);
    accept[2].1 = "99".into();
    let stale = post(&app, "/editor/imports/accept", &cookie, &accept).await;
    assert_eq!(stale.status(), 409);
    assert!(stale.text().await.unwrap().contains("Nothing was done"));

    let accept = action_form(&draft, "/editor/imports/accept", &["csrf", "id", "expectedVersion"]);
    let accepted = post(&app, "/editor/imports/accept", &cookie, &accept).await;
    assert_eq!(accepted.status(), 303);
    assert_eq!(accepted.headers()[header::LOCATION], "/editor/imports?accepted=1");
    let public = app.query("{ model(slug: \"sync-test-lm\") { published } }", json!({})).await;
    assert_eq!(public["model"]["published"], json!(true), "the public sees the accepted draft");

    let html = get_with(&app, "/editor/imports?accepted=1", &cookie).await.text().await.unwrap();
    let change = article(&html, "GPT-4");
    let dismiss = action_form(&change, "/editor/imports/dismiss", &["csrf", "id"]);
    let dismissed = post(&app, "/editor/imports/dismiss", &cookie, &dismiss).await;
    assert_eq!(dismissed.status(), 303);
    assert_eq!(app.query_as(&token, QUEUE, json!({})).await["importCandidates"]["nodes"], json!([]));
    let gpt4 = app.query("{ model(slug: \"gpt-4\") { trainingComputeFlop } }", json!({})).await;
    assert_eq!(gpt4["model"]["trainingComputeFlop"], json!(2.1e25), "a dismissed change is not applied");
    // Handled already: refused in the API's words.
    let again = post(&app, "/editor/imports/dismiss", &cookie, &dismiss).await;
    assert_eq!(again.status(), 400);
    assert!(again.text().await.unwrap().contains("Nothing was done: the candidate"));
}

#[tokio::test]
async fn capability_evidence_the_one_line_list_cannot_hold_is_refused_naming_its_line() {
    let (app, cookie) = signed_in().await;
    let token = app.editor_token(EditorRole::Editor).await;
    let ids = app
        .query_as(
            &token,
            "{ model(slug: \"gopher\") { id version } capability(slug: \"code-generation\") { id } }",
            json!({}),
        )
        .await;
    // Gopher's predictions are open: replacing the links of a model with resolved ones (GPT-4's)
    // is refused until they are reopened.
    let capabilities = json!([{ "capabilityId": ids["capability"]["id"], "status": "DEMONSTRATED", "evidence": "HumanEval | 67%\nsecond line" }]);
    let update = "mutation($id: ID!, $v: Int!, $c: [ModelCapabilityInput!]) { updateModel(id: $id, expectedVersion: $v, input: { capabilities: $c }) { version } }";
    app.query_as(&token, update, json!({ "id": ids["model"]["id"], "v": ids["model"]["version"], "c": capabilities }))
        .await;
    let read = "{ model(slug: \"gopher\") { version capabilities { evidence } } }";
    let before = app.query_as(&token, read, json!({})).await;

    let html = get_with(&app, "/editor/models/gopher", &cookie).await.text().await.unwrap();
    // Another field alone saves: the list is not sent.
    let mut fields = form_fields(&html);
    fields.insert("hardware".into(), "Unchanged list".into());
    assert_eq!(post_form(&app, "/editor/models/gopher", &cookie, &fields).await.status(), 303);
    let html = get_with(&app, "/editor/models/gopher", &cookie).await.text().await.unwrap();
    let mut fields = form_fields(&html);
    let edited = format!("{}\nreasoning | EXTRAPOLATED", fields["capabilities"]);
    fields.insert("capabilities".into(), edited);
    let refused = post_form(&app, "/editor/models/gopher", &cookie, &fields).await;
    assert_eq!(refused.status(), 400);
    let body = refused.text().await.unwrap();
    let error = body.split(r#"id="e-capabilities""#).nth(1).unwrap().split("</p>").next().unwrap().to_owned();
    assert!(error.contains("(line 1)") && error.contains("cannot be saved from the form"), "{error}");
    let after = app.query_as(&token, read, json!({})).await;
    assert_eq!(after["model"]["capabilities"], before["model"]["capabilities"], "the evidence is whole");
}

#[tokio::test]
async fn posts_without_the_sessions_csrf_token_are_refused_and_change_nothing() {
    let (app, cookie) = signed_in().await;
    let admin = admin_session(&app).await;
    let list = get_with(&app, "/editor/models/gpt-4/assessments", &cookie).await.text().await.unwrap();
    let assessment = link(&list, "/editor/assessments/", "");
    let threshold = link(
        &get_with(&app, "/editor/thresholds", &admin).await.text().await.unwrap(),
        "/editor/thresholds/",
        "/editor/thresholds/new",
    );
    let id = decoded(assessment.trim_start_matches("/editor/assessments/"));
    let before = node(&app, &id, ASSESSMENT).await;
    let html = get_with(&app, &assessment, &cookie).await.text().await.unwrap();
    let forged = |mut fields: BTreeMap<String, String>| {
        fields.insert("csrf".into(), "forged".into());
        fields.into_iter().collect::<Vec<_>>()
    };
    let mut edit = entry_form(&html);
    edit.insert("summary".into(), "Forged.".into());
    let any = || vec![("csrf".to_owned(), "forged".to_owned()), ("id".to_owned(), id.clone())];
    let posts = [
        (assessment.clone(), cookie.clone(), forged(edit)),
        (
            format!("{assessment}/delete"),
            cookie.clone(),
            forged(BTreeMap::from([("expectedVersion".into(), before["version"].to_string())])),
        ),
        (threshold, admin.clone(), any()),
        ("/editor/restore".to_owned(), cookie.clone(), any()),
        ("/editor/revert".to_owned(), cookie.clone(), any()),
        ("/editor/imports/accept".to_owned(), cookie.clone(), any()),
        ("/editor/imports/dismiss".to_owned(), cookie.clone(), any()),
    ];
    for (path, cookie, fields) in posts {
        let response = post(&app, &path, &cookie, &fields).await;
        assert_eq!(response.status(), 403, "{path}");
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store", "{path}");
    }
    assert_eq!(node(&app, &id, ASSESSMENT).await, before, "nothing changed");
}

#[tokio::test]
async fn the_edit_history_and_import_pages_are_valid_html() {
    let Some(jar) = validator_for("workspace") else { return };
    let (app, cookie) = signed_in().await;
    let admin = admin_session(&app).await;
    let mut pages: Vec<(String, String)> = vec![];
    let list = get_with(&app, "/editor/models/gpt-4/assessments", &cookie).await.text().await.unwrap();
    let path = link(&list, "/editor/assessments/", "");
    let html = get_with(&app, &path, &cookie).await.text().await.unwrap();
    let mut refused = entry_form(&html);
    refused.insert("sourceUrl".into(), "not a url".into());
    pages.push(("assessment-refused".into(), post_form(&app, &path, &cookie, &refused).await.text().await.unwrap()));
    let mut stale = entry_form(&html);
    stale.insert("expectedVersion".into(), "0".into());
    stale.insert("summary".into(), "Mine <b>".into());
    pages.push(("assessment-conflict".into(), post_form(&app, &path, &cookie, &stale).await.text().await.unwrap()));
    let delete = action_form(&html, &format!("{path}/delete"), &["csrf", "expectedVersion"]);
    let to = post(&app, &format!("{path}/delete"), &cookie, &delete).await.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    let deleted_list = get_with(&app, &to, &cookie).await.text().await.unwrap();
    let history = link(&deleted_list, "/editor/history/", "");
    pages.push(("assessment".into(), html));
    pages.push(("assessments-deleted".into(), deleted_list));
    pages.push(("history-deleted".into(), get_with(&app, &history, &cookie).await.text().await.unwrap()));
    pages.push((
        "history-model".into(),
        get_with(&app, "/editor/models/gpt-4/history", &cookie).await.text().await.unwrap(),
    ));
    pages.push((
        "history-missing".into(),
        get_with(&app, "/editor/history/nonsense", &cookie).await.text().await.unwrap(),
    ));
    let thresholds = get_with(&app, "/editor/thresholds", &admin).await.text().await.unwrap();
    let threshold = link(&thresholds, "/editor/thresholds/", "/editor/thresholds/new");
    pages.push(("thresholds".into(), thresholds));
    pages.push(("threshold".into(), get_with(&app, &threshold, &admin).await.text().await.unwrap()));
    pages.push(("threshold-editor-403".into(), get_with(&app, &threshold, &cookie).await.text().await.unwrap()));
    pages.push(("imports-empty".into(), get_with(&app, "/editor/imports", &cookie).await.text().await.unwrap()));
    let server = Server::start(Answer::Status(500)).await;
    server.serve(&csv("3e25", "2.1e25"), "v1");
    synced(&app, &server.url, &SELECTION).await;
    let imports = get_with(&app, "/editor/imports", &cookie).await.text().await.unwrap();
    let mut accept = action_form(&imports, "/editor/imports/accept", &["csrf", "id", "expectedVersion"]);
    accept[2].1 = "99".into();
    pages.push((
        "imports-refused".into(),
        post(&app, "/editor/imports/accept", &cookie, &accept).await.text().await.unwrap(),
    ));
    pages.push(("imports".into(), imports));
    pages.push(("desk".into(), get_with(&app, "/editor", &admin).await.text().await.unwrap()));
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in &pages {
        std::fs::write(dir.path().join(format!("{name}.html")), body).unwrap();
    }
    assert_valid_html(&jar, dir.path());
}

/// An API answer of NOT_FOUND (here: reverting a revision that does not exist, as a page opened
/// before someone else's change could post) is the workspace's 404 page, not a 500.
#[tokio::test]
async fn a_revert_of_a_revision_that_does_not_exist_is_a_404_page() {
    let (app, cookie) = signed_in().await;
    let desk = get_with(&app, "/editor", &cookie).await.text().await.unwrap();
    let missing = base64::engine::general_purpose::STANDARD.encode("Revision:999999");
    let model = base64::engine::general_purpose::STANDARD.encode("Model:1");
    let fields: Vec<(String, String)> =
        [("csrf", csrf(&desk)), ("revisionId", missing), ("entityId", model), ("expectedVersion", "1".to_owned())]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
    let response = post(&app, "/editor/revert", &cookie, &fields).await;
    assert_eq!(response.status(), 404);
    let body = response.text().await.unwrap();
    assert!(!body.contains("went wrong") && !body.to_lowercase().contains("internal"), "{body}");
}
