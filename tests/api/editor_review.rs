//! Feedback review in the workspace, over HTTP with a signed-in cookie: the queue, a submission's
//! page, accept / reject / resolve with a public resolution and a private note linked to a
//! revision, erasing a contact, "save and resolve" from the model form, and what the public then
//! sees (the status by tracking code, and the contributor credited). Plus one Chromium scenario.

use std::collections::BTreeMap;

use ai_tracker::domain::EditorRole;
use fantoccini::Locator;
use reqwest::{Response, header};
use serde_json::{Value, json};

use crate::editor_workspace::{EMAIL, PASSWORD, browser, csrf, get_with, session};
use crate::explorer::{assert_valid_html, validator_for};
use crate::explorer_browser::{browser as chromium_browser, chromium_for, save_screenshot, start_driver, wait_until};
use crate::feedback::{some_model, submit};
use crate::helpers::{TestApp, spawn_app, spawn_app_with};

const SUBMISSION: &str = "query($c: String!) { feedback(trackingCode: $c) {
    id status note resolution linkedTo contact contactErasedAt version reviewedAt } }";

async fn signed_in(app: &TestApp) -> String {
    app.add_editor(EMAIL, "Review Editor", EditorRole::Editor, PASSWORD).await;
    session(app).await
}

/// A correction about the starter catalog's first model, from a submitter who agreed to be
/// credited; returns (its tracking code, the model's slug).
async fn correction(app: &TestApp, body: &str) -> (String, String) {
    let (model_id, slug) = some_model(app).await;
    let receipt = submit(
        app,
        json!({
            "kind": "CORRECTION", "subjectId": model_id, "body": body, "submitterName": "Grace H.",
            "contact": "grace@example.org", "creditConsent": true,
        }),
    )
    .await;
    (receipt["trackingCode"].as_str().unwrap().to_owned(), slug)
}

async fn feedback(app: &TestApp, code: &str) -> Value {
    let token = app.editor_token(EditorRole::Editor).await;
    app.query_as(&token, SUBMISSION, json!({ "c": code })).await["feedback"].clone()
}

async fn post(app: &TestApp, path: &str, cookie: &str, form: &[(&str, &str)]) -> Response {
    browser().post(app.url(path)).header(header::COOKIE, cookie).form(form).send().await.unwrap()
}

/// The value of the first `name="…" value="…"` on `html`.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let start = html.find(&marker).unwrap_or_else(|| panic!("no field {name} in {html}")) + marker.len();
    html[start..].split('"').next().unwrap().replace("&quot;", "\"").replace("&amp;", "&")
}

/// The first revision the "what acted on it" list offers.
fn first_linkable(html: &str) -> String {
    let select = &html[html.find(r#"name="linkedTo""#).expect("a linkedTo field")..];
    let first = select.find(r#"<option value="" "#).map_or(0, |i| i + 1);
    let option = &select[first..][select[first..].find(r#"<option value=""#).unwrap() + r#"<option value=""#.len()..];
    option.split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn an_editor_accepts_a_submission_and_the_public_sees_the_answer_and_the_credit() {
    let app = spawn_app().await;
    let cookie = signed_in(&app).await;
    let (code, _) = correction(&app, "The training compute on this page is off by a factor of ten.").await;

    let desk = get_with(&app, "/editor", &cookie).await.text().await.unwrap();
    assert!(desk.contains(&format!(r#"href="/editor/feedback/{code}""#)), "the desk links the submission: {desk}");
    let queue = get_with(&app, "/editor/feedback?status=PENDING&kind=CORRECTION", &cookie).await;
    assert_eq!(queue.status(), 200);
    assert_eq!(queue.headers()[header::CACHE_CONTROL], "no-store");
    let queue = queue.text().await.unwrap();
    assert!(queue.contains("1 submission(s)") && queue.contains(&code), "{queue}");
    let other_kind = get_with(&app, "/editor/feedback?kind=NEW_MODEL", &cookie).await.text().await.unwrap();
    assert!(other_kind.contains("0 submission(s)"), "the kind filter applies: {other_kind}");

    let page = get_with(&app, &format!("/editor/feedback/{code}"), &cookie).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("grace@example.org") && html.contains("agreed to be credited"), "{html}");
    let revision = first_linkable(&html);
    let version = hidden(&html, "expectedVersion");
    let token = csrf(&html);
    let form = [
        ("csrf", token.as_str()),
        ("expectedVersion", version.as_str()),
        ("decision", "ACCEPT"),
        ("resolution", "Corrected: thank you for the pointer."),
        ("note", "Checked against the technical report, table 3."),
        ("linkedTo", revision.as_str()),
    ];
    let reviewed = post(&app, &format!("/editor/feedback/{code}"), &cookie, &form).await;
    assert_eq!(reviewed.status(), 303, "{}", reviewed.text().await.unwrap());
    assert_eq!(reviewed.headers()[header::LOCATION], format!("/editor/feedback/{code}?reviewed=1"));
    let stored = feedback(&app, &code).await;
    assert_eq!(stored["status"], "ACCEPTED");
    assert_eq!(stored["resolution"], "Corrected: thank you for the pointer.");
    assert_eq!(stored["note"], "Checked against the technical report, table 3.");
    assert_eq!(stored["linkedTo"], revision.as_str(), "linked to the revision chosen");
    let after = get_with(&app, &format!("/editor/feedback/{code}?reviewed=1"), &cookie).await.text().await.unwrap();
    assert!(after.contains("now accepted") && after.contains("a revision: "), "{after}");

    // The public: the answer by tracking code (never the note), and the contributor credited.
    let public = browser().get(app.url(&format!("/feedback?code={code}"))).send().await.unwrap();
    assert_eq!(public.status(), 200);
    let public = public.text().await.unwrap();
    assert!(public.contains("<strong>accepted</strong>") && public.contains("Corrected: thank you for the pointer."));
    assert!(!public.contains("technical report") && !public.contains("grace@example.org"), "{public}");
    assert!(public.contains("<li>Grace H. (1 accepted)</li>"), "{public}");

    // Erasing the contact.
    let token = csrf(&after);
    let erased = post(&app, &format!("/editor/feedback/{code}/erase"), &cookie, &[("csrf", token.as_str())]).await;
    assert_eq!(erased.status(), 303);
    let stored = feedback(&app, &code).await;
    assert_eq!(stored["contact"], Value::Null);
    assert!(stored["contactErasedAt"].is_string());
    let page = get_with(&app, &format!("/editor/feedback/{code}?erased=1"), &cookie).await.text().await.unwrap();
    assert!(page.contains("contact is erased") && !page.contains("grace@example.org"), "{page}");
}

#[tokio::test]
async fn a_refused_review_is_shown_beside_its_field_and_a_stale_one_as_a_conflict() {
    let app = spawn_app().await;
    let cookie = signed_in(&app).await;
    let (code, _) = correction(&app, "A figure that needs a second look, please.").await;
    let path = format!("/editor/feedback/{code}");
    let html = get_with(&app, &path, &cookie).await.text().await.unwrap();
    let (token, version) = (csrf(&html), hidden(&html, "expectedVersion"));

    let long = "x".repeat(2_001);
    let form = [
        ("csrf", token.as_str()),
        ("expectedVersion", version.as_str()),
        ("decision", "RESOLVE"),
        ("resolution", long.as_str()),
        ("note", "kept note"),
    ];
    let refused = post(&app, &path, &cookie, &form).await;
    assert_eq!(refused.status(), 400);
    let html = refused.text().await.unwrap();
    assert!(html.contains(r#"id="e-resolution""#) && html.contains(r#"aria-invalid="true""#), "{html}");
    assert!(html.contains(&long) && html.contains("kept note"), "the values are kept");
    assert_eq!(feedback(&app, &code).await["status"], "PENDING", "nothing changed");

    let undecided =
        post(&app, &path, &cookie, &[("csrf", token.as_str()), ("expectedVersion", version.as_str())]).await;
    assert_eq!(undecided.status(), 400);
    let bad_link =
        [("csrf", token.as_str()), ("expectedVersion", &version), ("decision", "REJECT"), ("linkedTo", "nope")];
    let refused = post(&app, &path, &cookie, &bad_link).await;
    assert_eq!(refused.status(), 400);
    assert!(refused.text().await.unwrap().contains(r#"id="e-linkedTo""#));

    // Someone else reviews first: the stale form is a conflict that keeps yours.
    let token2 = app.editor_token(EditorRole::Editor).await;
    let id = feedback(&app, &code).await["id"].as_str().unwrap().to_owned();
    app.query_as(
        &token2,
        "mutation($id: ID!, $v: Int!) { reviewFeedback(id: $id, decision: REJECT, expectedVersion: $v) { id } }",
        json!({ "id": id, "v": version.parse::<i64>().unwrap() }),
    )
    .await;
    let stale = [
        ("csrf", token.as_str()),
        ("expectedVersion", version.as_str()),
        ("decision", "ACCEPT"),
        ("resolution", "mine"),
    ];
    let conflict = post(&app, &path, &cookie, &stale).await;
    assert_eq!(conflict.status(), 409);
    let html = conflict.text().await.unwrap();
    assert!(html.contains("Another editor reviewed this submission") && html.contains(">mine</textarea>"), "{html}");
    assert_ne!(hidden(&html, "expectedVersion"), version, "the form is now on the current version");
    assert_eq!(feedback(&app, &code).await["status"], "REJECTED");
}

#[tokio::test]
async fn csrf_less_review_posts_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let cookie = signed_in(&app).await;
    let (code, slug) = correction(&app, "Something to check, with a CSRF-less post.").await;
    let version = feedback(&app, &code).await["version"].as_i64().unwrap().to_string();
    for token in [None, Some("forged")] {
        let mut form = vec![("expectedVersion", version.as_str()), ("decision", "ACCEPT"), ("resolution", "x")];
        if let Some(token) = token {
            form.push(("csrf", token));
        }
        let review = post(&app, &format!("/editor/feedback/{code}"), &cookie, &form).await;
        assert_eq!(review.status(), 403, "{token:?}");
        let erase = post(&app, &format!("/editor/feedback/{code}/erase"), &cookie, &form).await;
        assert_eq!(erase.status(), 403, "{token:?}");
        let mut save = form.clone();
        save.push(("resolvesFeedback", code.as_str()));
        let model = post(&app, &format!("/editor/models/{slug}"), &cookie, &save).await;
        assert_eq!(model.status(), 403, "{token:?}");
    }
    let stored = feedback(&app, &code).await;
    assert_eq!(stored["status"], "PENDING");
    assert_eq!(stored["contact"], "grace@example.org");
}

/// The model form's fields as the page shows them, as editor_forms.rs reads them.
fn model_form_fields(html: &str) -> BTreeMap<String, String> {
    let mut fields: BTreeMap<String, String> = serde_json::from_str(&hidden(html, "original")).unwrap();
    for name in ["csrf", "id", "expectedVersion", "original", "published"] {
        fields.insert(name.to_owned(), hidden(html, name));
    }
    fields
}

#[tokio::test]
async fn saving_a_model_resolves_the_feedback_named_in_its_form_linked_to_the_new_revision() {
    let app = spawn_app().await;
    let cookie = signed_in(&app).await;
    let (code, slug) = correction(&app, "The hardware line of this model is wrong.").await;
    // From the submission's page, one link opens the model's form with the code filled in.
    let page = get_with(&app, &format!("/editor/feedback/{code}"), &cookie).await.text().await.unwrap();
    let edit = format!("/editor/models/{slug}?resolves={code}");
    assert!(page.contains(&format!(r#"href="{}""#, edit.replace('&', "&amp;"))), "{page}");
    let html = get_with(&app, &edit, &cookie).await.text().await.unwrap();
    assert!(html.contains(&format!(r#"name="resolvesFeedback" value="{code}""#)), "{html}");

    // A code that names nothing: refused beside its field, nothing saved.
    let mut fields = model_form_fields(&html);
    fields.insert("hardware".into(), "Corrected hardware".into());
    fields.insert("resolvesFeedback".into(), "NOPE0-NOPE0-NOPE0-NOPE0".into());
    let refused =
        browser().post(app.url(&format!("/editor/models/{slug}"))).header(header::COOKIE, &cookie).form(&fields);
    let refused = refused.send().await.unwrap();
    assert_eq!(refused.status(), 400);
    let body = refused.text().await.unwrap();
    assert!(body.contains(r#"id="e-resolvesFeedback""#) && body.contains("names no submission"), "{body}");
    let model = app.query("query($s: String!) { model(slug: $s) { hardware version } }", json!({ "s": slug })).await;
    assert_ne!(model["model"]["hardware"], "Corrected hardware", "nothing saved");

    fields.insert("resolvesFeedback".into(), code.clone());
    fields.insert("feedbackDecision".into(), "ACCEPT".into());
    fields.insert("feedbackResolution".into(), "Fixed in the catalog.".into());
    let saved =
        browser().post(app.url(&format!("/editor/models/{slug}"))).header(header::COOKIE, &cookie).form(&fields);
    let saved = saved.send().await.unwrap();
    assert_eq!(saved.status(), 303, "{}", saved.text().await.unwrap());
    assert_eq!(saved.headers()[header::LOCATION], format!("/editor/models/{slug}?saved=1&resolved={code}"));
    let newest = app
        .query(
            "query($s: String!) { model(slug: $s) { hardware revisions(first: 1) { nodes { id } } } }",
            json!({ "s": slug }),
        )
        .await;
    assert_eq!(newest["model"]["hardware"], "Corrected hardware");
    let stored = feedback(&app, &code).await;
    assert_eq!(stored["status"], "ACCEPTED");
    assert_eq!(stored["resolution"], "Fixed in the catalog.");
    assert_eq!(stored["linkedTo"], newest["model"]["revisions"]["nodes"][0]["id"], "linked to the save's revision");
    let notice = get_with(&app, &format!("/editor/models/{slug}?saved=1&resolved={code}"), &cookie).await;
    assert!(notice.text().await.unwrap().contains("is answered, linked to this revision"));
}

#[tokio::test]
async fn the_queue_pages_and_refuses_unknown_filters() {
    let app = spawn_app_with(|s| s.feedback.feedback_per_address_per_hour = 100).await;
    let cookie = signed_in(&app).await;
    for n in 0..22 {
        submit(&app, json!({ "kind": "GENERAL", "body": format!("General remark number {n} about the site.") })).await;
    }
    let first = get_with(&app, "/editor/feedback", &cookie).await.text().await.unwrap();
    assert!(first.contains("22 submission(s)") && first.contains("number 21") && !first.contains("number 1 "));
    let older = first.split(r#"rel="next" href=""#).nth(1).expect("a next link").split('"').next().unwrap();
    let older = older.replace("&amp;", "&");
    let second = get_with(&app, &older, &cookie).await.text().await.unwrap();
    assert!(second.contains("number 1 ") && second.contains("number 0 ") && !second.contains("number 21"));
    let newer = second.split(r#"rel="prev" href=""#).nth(1).expect("a prev link").split('"').next().unwrap();
    let back = get_with(&app, &newer.replace("&amp;", "&"), &cookie).await.text().await.unwrap();
    assert!(back.contains("number 21"), "back to the newest");

    for bad in ["/editor/feedback?status=OPEN", "/editor/feedback?kind=x", "/editor/feedback?after=not-a-cursor"] {
        let response = get_with(&app, bad, &cookie).await;
        assert_eq!(response.status(), 400, "{bad}");
    }
    let missing = get_with(&app, "/editor/feedback/NOPE0-NOPE0-NOPE0-NOPE0", &cookie).await;
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn the_apis_feedback_lookup_is_for_editors_and_bounded() {
    let app = spawn_app().await;
    let (code, _) = correction(&app, "A lookup the public may not make.").await;
    let (_, error) = app.query_error(SUBMISSION, json!({ "c": code })).await;
    assert_eq!(error["extensions"]["code"], "UNAUTHENTICATED");
    assert_eq!(feedback(&app, &code.to_lowercase()).await["status"], "PENDING", "any case");
    assert_eq!(feedback(&app, &"A".repeat(10_000)).await, Value::Null);
    assert_eq!(feedback(&app, "").await, Value::Null);
}

#[tokio::test]
async fn every_review_page_is_valid_html() {
    let Some(jar) = validator_for("review") else { return };
    let app = spawn_app().await;
    let cookie = signed_in(&app).await;
    let (code, slug) = correction(&app, "Valid HTML for every review page, please.").await;
    let general =
        submit(&app, json!({ "kind": "NEW_MODEL", "proposedModelName": "X-1", "body": "A model to add." })).await;
    let general = general["trackingCode"].as_str().unwrap().to_owned();
    let path = format!("/editor/feedback/{code}");
    let html = get_with(&app, &path, &cookie).await.text().await.unwrap();
    let (token, version) = (csrf(&html), hidden(&html, "expectedVersion"));
    let long = "x".repeat(2_001);
    let refused =
        [("csrf", token.as_str()), ("expectedVersion", &version), ("decision", "RESOLVE"), ("resolution", &long)];
    let pages = [
        ("queue", get_with(&app, "/editor/feedback", &cookie).await),
        ("queue-filtered", get_with(&app, "/editor/feedback?status=ACCEPTED&kind=GENERAL", &cookie).await),
        ("submission", get_with(&app, &path, &cookie).await),
        ("submission-without-subject", get_with(&app, &format!("/editor/feedback/{general}"), &cookie).await),
        ("refused-review", post(&app, &path, &cookie, &refused).await),
        ("model-form-resolving", get_with(&app, &format!("/editor/models/{slug}?resolves={code}"), &cookie).await),
        ("public-feedback", browser().get(app.url(&format!("/feedback?code={code}"))).send().await.unwrap()),
        ("public-feedback-unknown", browser().get(app.url("/feedback?code=NOPE")).send().await.unwrap()),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (name, response) in pages {
        std::fs::write(dir.path().join(format!("{name}.html")), response.text().await.unwrap()).unwrap();
    }
    let token = csrf(&get_with(&app, &path, &cookie).await.text().await.unwrap());
    let accept =
        [("csrf", token.as_str()), ("expectedVersion", &version), ("decision", "ACCEPT"), ("resolution", "Done.")];
    post(&app, &path, &cookie, &accept).await;
    let reviewed = get_with(&app, &format!("{path}?reviewed=1"), &cookie).await.text().await.unwrap();
    std::fs::write(dir.path().join("reviewed.html"), reviewed).unwrap();
    let credited = browser().get(app.url("/feedback")).send().await.unwrap().text().await.unwrap();
    std::fs::write(dir.path().join("public-credited.html"), credited).unwrap();
    assert_valid_html(&jar, dir.path());
}

#[tokio::test]
async fn review_a_feedback_submission_and_see_the_contributor_credited() {
    let Some((chromium, chromedriver)) = chromium_for("review") else { return };
    let app = spawn_app().await;
    app.add_editor(EMAIL, "Review Editor", EditorRole::Editor, PASSWORD).await;
    let (code, _) = correction(&app, "The parameter count here is the one of the smaller variant.").await;
    let driver = start_driver(&chromedriver).await;
    let profile = tempfile::tempdir().unwrap();
    let browser = chromium_browser(&driver, &chromium, profile.path()).await;

    browser.goto(&app.url("/editor")).await.unwrap();
    wait_until(&browser, "return location.pathname === '/editor/sign-in'").await;
    browser.find(Locator::Id("si-email")).await.unwrap().send_keys(EMAIL).await.unwrap();
    browser.find(Locator::Id("si-password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    browser.find(Locator::Css("form.feedback button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_until(&browser, "return location.pathname === '/editor' && !!document.querySelector('nav.workspace')").await;

    // From the desk's open feedback to the submission's page.
    browser.find(Locator::LinkText(&code)).await.unwrap().click().await.unwrap();
    wait_until(&browser, &format!("return location.pathname === '/editor/feedback/{code}'")).await;
    browser.find(Locator::Id("d-ACCEPT")).await.unwrap().click().await.unwrap();
    browser.find(Locator::Id("f-resolution")).await.unwrap().send_keys("Corrected, thank you.").await.unwrap();
    browser.find(Locator::Id("f-note")).await.unwrap().send_keys("Matches the model card.").await.unwrap();
    browser.set_window_size(1280, 2000).await.unwrap();
    save_screenshot(&browser, "editor-feedback-review.png").await;
    browser.find(Locator::Css("form.editor button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_until(&browser, "return location.search === '?reviewed=1'").await;
    let notice = browser.find(Locator::Css("p.notice")).await.unwrap().text().await.unwrap();
    assert!(notice.contains("now accepted"), "{notice}");

    // The public page: the answer by tracking code, and the contributor credited.
    browser.goto(&app.url("/feedback")).await.unwrap();
    browser.find(Locator::Id("fb-code")).await.unwrap().send_keys(&code).await.unwrap();
    browser.find(Locator::Css("form[action='/feedback'].inline button")).await.unwrap().click().await.unwrap();
    wait_until(&browser, "return !!document.getElementById('fb-status')").await;
    let status = browser.find(Locator::Id("fb-status")).await.unwrap().text().await.unwrap();
    assert!(status.contains("accepted") && status.contains("Corrected, thank you."), "{status}");
    let credits = browser.find(Locator::Id("contributors")).await.unwrap().text().await.unwrap();
    assert!(credits.contains("Grace H. (1 accepted)"), "{credits}");
    save_screenshot(&browser, "public-feedback-credited.png").await;
    browser.close().await.unwrap();
}
