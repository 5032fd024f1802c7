//! The editors' workspace at `/editor`: signing in with a cookie, CSRF-bound forms, the desk,
//! and what an anonymous or expired request gets (a redirect that leaks nothing).

use ai_tracker::domain::EditorRole;
use reqwest::{Client, Response, header, redirect::Policy};
use serde_json::json;

use crate::explorer::{assert_valid_html, validator_for};
use crate::feedback::submit;
use crate::helpers::{TestApp, spawn_app};

pub const EMAIL: &str = "desk@tracker.example";
pub const PASSWORD: &str = "correct horse battery staple";

/// A client that shows redirects instead of following them, and keeps no cookies of its own.
pub fn browser() -> Client {
    Client::builder().redirect(Policy::none()).build().unwrap()
}

pub async fn sign_in(app: &TestApp, origin: Option<&str>, email: &str, password: &str) -> Response {
    let mut request = browser().post(app.url("/editor/sign-in")).form(&[("email", email), ("password", password)]);
    if let Some(origin) = origin {
        request = request.header(header::ORIGIN, origin);
    }
    request.send().await.unwrap()
}

/// Signs `EMAIL` in through the form; returns the `Cookie` header value of its session.
pub async fn session(app: &TestApp) -> String {
    let response = sign_in(app, Some(&app.address), EMAIL, PASSWORD).await;
    assert_eq!(response.status(), 303, "{}", response.text().await.unwrap());
    let set_cookie = response.headers()[header::SET_COOKIE].to_str().unwrap();
    set_cookie.split(';').next().unwrap().to_owned()
}

pub async fn get_with(app: &TestApp, path: &str, cookie: &str) -> Response {
    browser().get(app.url(path)).header(header::COOKIE, cookie).send().await.unwrap()
}

fn assert_never_stored(response: &Response, path: &str) {
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store", "{path}");
    let policy = response.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(policy.contains("frame-ancestors 'none'"), "{path}: {policy}");
}

/// The CSRF token of the first form on `html`.
pub fn csrf(html: &str) -> String {
    let start = html.find(r#"name="csrf" value=""#).expect("a CSRF field") + r#"name="csrf" value=""#.len();
    html[start..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn anonymous_requests_to_any_editor_path_are_sent_to_sign_in_and_learn_nothing() {
    let app = spawn_app().await;
    for path in [
        "/editor",
        "/editor/",
        "/editor/models/gpt-4",
        "/editor/feedback?status=PENDING",
        "/editor/a/b/c",
        // Feedback review and accounts (s20-review).
        "/editor/feedback",
        "/editor/feedback/ABCDE-ABCDE-ABCDE-ABCDE",
        "/editor/accounts",
        "/editor/password",
        "/editor/models/new",
        "/editor/models/gpt-4/assessments",
        // Organizations, capabilities and datasets (s20-entries).
        "/editor/organizations",
        "/editor/organizations/new",
        "/editor/organizations/openai",
        "/editor/organizations/openai/history",
        "/editor/capabilities",
        "/editor/capabilities/new",
        "/editor/capabilities/code-generation",
        "/editor/capabilities/code-generation/history",
        "/editor/datasets",
        "/editor/datasets/new",
        "/editor/datasets/webtext",
        "/editor/datasets/webtext/history",
        // Editing, history, restore and imports (s20-history).
        "/editor/assessments/Umlza0Fzc2Vzc21lbnQ6MQ%3D%3D",
        "/editor/thresholds",
        "/editor/thresholds/Q29tcHV0ZVRocmVzaG9sZDox",
        "/editor/history/TW9kZWw6MQ%3D%3D",
        "/editor/models/gpt-4/history",
        "/editor/imports",
    ] {
        let response = browser().get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 303, "{path}");
        assert_eq!(response.headers()[header::LOCATION], "/editor/sign-in", "{path}");
        assert_never_stored(&response, path);
        assert!(response.headers().get(header::SET_COOKIE).is_none(), "{path}");
        assert_eq!(response.text().await.unwrap(), "", "{path} leaks a body");
    }
    for path in [
        "/editor/sign-out",
        "/editor/models/gpt-4",
        "/editor/feedback/ABCDE-ABCDE-ABCDE-ABCDE",
        "/editor/feedback/ABCDE-ABCDE-ABCDE-ABCDE/erase",
        "/editor/accounts",
        "/editor/accounts/deactivate",
        "/editor/accounts/revoke",
        "/editor/password",
        "/editor/models/new",
        "/editor/models/gpt-4/assessments",
        "/editor/models/gpt-4/delete",
        // Organizations, capabilities and datasets (s20-entries).
        "/editor/organizations/new",
        "/editor/organizations/openai",
        "/editor/organizations/openai/delete",
        "/editor/capabilities/new",
        "/editor/capabilities/code-generation",
        "/editor/capabilities/code-generation/delete",
        "/editor/datasets/new",
        "/editor/datasets/webtext",
        "/editor/datasets/webtext/delete",
        "/editor/assessments/Umlza0Fzc2Vzc21lbnQ6MQ%3D%3D",
        "/editor/assessments/Umlza0Fzc2Vzc21lbnQ6MQ%3D%3D/delete",
        "/editor/thresholds/Q29tcHV0ZVRocmVzaG9sZDox",
        "/editor/revert",
        "/editor/restore",
        "/editor/imports/accept",
        "/editor/imports/dismiss",
    ] {
        let response = browser().post(app.url(path)).form(&[("csrf", "x")]).send().await.unwrap();
        assert_eq!(response.status(), 303, "POST {path}");
        assert_eq!(response.text().await.unwrap(), "", "POST {path} leaks a body");
    }
    let response = browser().get(app.url("/editor/sign-in")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_never_stored(&response, "/editor/sign-in");
}

#[tokio::test]
async fn signing_in_keeps_the_token_in_a_strict_cookie_and_opens_the_desk() {
    let app = spawn_app().await;
    app.add_editor(EMAIL, "Desk Editor", EditorRole::Editor, PASSWORD).await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let draft = json!({ "slug": "desk-draft", "name": "Desk Draft Model" });
    app.query_as(&editor, "mutation($i: CreateModelInput!) { createModel(input: $i) { id } }", json!({ "i": draft }))
        .await;
    let body = "A model the desk should list among the open feedback.";
    submit(&app, json!({ "kind": "NEW_MODEL", "proposedModelName": "Desk Test Model", "body": body })).await;

    let response = sign_in(&app, Some(&app.address), EMAIL, PASSWORD).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()[header::LOCATION], "/editor");
    assert_never_stored(&response, "POST /editor/sign-in");
    let set_cookie = response.headers()[header::SET_COOKIE].to_str().unwrap().to_owned();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/editor"] {
        assert!(set_cookie.contains(attribute), "{set_cookie} lacks {attribute}");
    }
    assert!(!set_cookie.contains("Secure"), "plain http has no Secure cookie: {set_cookie}");
    // The token lives 720 minutes by default; the cookie as long, give or take the request.
    let max_age: i64 = set_cookie.split("Max-Age=").nth(1).unwrap().split(';').next().unwrap().parse().unwrap();
    assert!((720 * 60 - 60..=720 * 60).contains(&max_age), "{set_cookie}");

    let cookie = set_cookie.split(';').next().unwrap();
    let desk = get_with(&app, "/editor", cookie).await;
    assert_eq!(desk.status(), 200);
    assert_never_stored(&desk, "/editor");
    let html = desk.text().await.unwrap();
    assert!(html.contains("Signed in as <strong>Desk Editor</strong>"), "{html}");
    assert!(html.contains("Open feedback (1)") && html.contains("Desk Test Model"), "{html}");
    assert!(html.contains("Drafts (1)") && html.contains("Desk Draft Model"), "{html}");
    assert!(html.contains("Latest changes"), "{html}");

    let missing = get_with(&app, "/editor/no-such-page", cookie).await;
    assert_eq!(missing.status(), 404);
    assert_never_stored(&missing, "/editor/no-such-page");
}

#[tokio::test]
async fn a_sign_in_not_from_this_site_or_with_a_wrong_password_sets_no_cookie() {
    let app = spawn_app().await;
    app.add_editor(EMAIL, "Desk Editor", EditorRole::Editor, PASSWORD).await;
    for origin in [None, Some("http://evil.example"), Some("null")] {
        let response = sign_in(&app, origin, EMAIL, PASSWORD).await;
        assert_eq!(response.status(), 403, "{origin:?}");
        assert!(response.headers().get(header::SET_COOKIE).is_none(), "{origin:?}");
    }
    let wrong = sign_in(&app, Some(&app.address), EMAIL, "not the password").await;
    assert_eq!(wrong.status(), 401);
    assert!(wrong.headers().get(header::SET_COOKIE).is_none());
    let html = wrong.text().await.unwrap();
    assert!(html.contains(r#"value="desk@tracker.example""#), "the email is kept: {html}");
    assert!(html.contains("role=\"alert\""), "{html}");
    // The API's sign-in limits apply unchanged: five attempts per email a minute.
    let mut statuses = vec![];
    for _ in 0..5 {
        statuses.push(sign_in(&app, Some(&app.address), EMAIL, "still wrong").await.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 401, 429]);
}

#[tokio::test]
async fn signing_out_needs_the_sessions_own_csrf_token() {
    let app = spawn_app().await;
    app.add_editor(EMAIL, "Desk Editor", EditorRole::Editor, PASSWORD).await;
    let cookie = session(&app).await;
    let other = session(&app).await;
    let other_token = csrf(&get_with(&app, "/editor", &other).await.text().await.unwrap());
    for token in [None, Some("forged"), Some(other_token.as_str())] {
        let mut form = vec![];
        if let Some(token) = token {
            form.push(("csrf", token));
        }
        let response = browser()
            .post(app.url("/editor/sign-out"))
            .header(header::COOKIE, &cookie)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{token:?}");
        assert!(response.headers().get(header::SET_COOKIE).is_none(), "{token:?}");
    }
    assert_eq!(get_with(&app, "/editor", &cookie).await.status(), 200, "still signed in");

    let token = csrf(&get_with(&app, "/editor", &cookie).await.text().await.unwrap());
    let response = browser()
        .post(app.url("/editor/sign-out"))
        .header(header::COOKIE, &cookie)
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()[header::LOCATION], "/editor/sign-in?signed-out=1");
    assert!(response.headers()[header::SET_COOKIE].to_str().unwrap().contains("Max-Age=0"));
}

#[tokio::test]
async fn an_expired_or_revoked_token_brings_the_sign_in_page_back_with_a_message() {
    let app = spawn_app().await;
    app.add_editor(EMAIL, "Desk Editor", EditorRole::Editor, PASSWORD).await;
    let cookie = session(&app).await;
    // Changing the password revokes every earlier token, the cookie's too.
    let token = app.login(EMAIL, PASSWORD).await;
    let change =
        "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { token } }";
    app.query_as(&token, change, json!({ "c": PASSWORD, "n": "a brand new passphrase" })).await;

    for stale in [cookie.as_str(), "ai_tracker_session=not.a.token"] {
        let response = get_with(&app, "/editor", stale).await;
        assert_eq!(response.status(), 303, "{stale}");
        assert_eq!(response.headers()[header::LOCATION], "/editor/sign-in?expired=1");
        assert!(response.headers()[header::SET_COOKIE].to_str().unwrap().contains("Max-Age=0"));
    }
    let page = browser().get(app.url("/editor/sign-in?expired=1")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Your session has expired or was revoked"), "{page}");
}

#[tokio::test]
async fn the_session_cookie_counts_only_inside_the_workspace() {
    let app = spawn_app().await;
    app.add_editor(EMAIL, "Desk Editor", EditorRole::Editor, PASSWORD).await;
    let cookie = session(&app).await;
    let response = browser()
        .post(app.url("/graphql"))
        .header(header::COOKIE, &cookie)
        .json(&json!({ "query": "{ me { email } }" }))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["data"]["me"], serde_json::Value::Null, "/graphql ignores the cookie: {body}");
}

#[tokio::test]
async fn every_workspace_page_is_valid_html() {
    let Some(jar) = validator_for("workspace") else { return };
    let app = spawn_app().await;
    app.add_editor(EMAIL, "Desk Editor", EditorRole::Editor, PASSWORD).await;
    let dir = tempfile::tempdir().unwrap();
    let cookie = session(&app).await;
    let pages = [
        ("sign-in", browser().get(app.url("/editor/sign-in?expired=1")).send().await.unwrap()),
        ("wrong-password", sign_in(&app, Some(&app.address), EMAIL, "nope").await),
        ("refused", sign_in(&app, None, EMAIL, PASSWORD).await),
        ("desk", get_with(&app, "/editor", &cookie).await),
        ("not-found", get_with(&app, "/editor/missing", &cookie).await),
    ];
    for (name, response) in pages {
        std::fs::write(dir.path().join(format!("{name}.html")), response.text().await.unwrap()).unwrap();
    }
    assert_valid_html(&jar, dir.path());
}
