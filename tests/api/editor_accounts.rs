//! Accounts in the workspace, over HTTP with a signed-in cookie: an admin lists, creates,
//! deactivates and revokes; an editor gets 403 on every account page and post; and everyone
//! changes their own password, whose new token replaces the session cookie.

use ai_tracker::domain::EditorRole;
use reqwest::{Response, header};
use serde_json::{Value, json};

use crate::editor_workspace::{PASSWORD, browser, csrf, get_with, sign_in};
use crate::explorer::{assert_valid_html, validator_for};
use crate::helpers::{TestApp, spawn_app};

const ADMIN: &str = "admin@tracker.example";
const EDITOR: &str = "plain@tracker.example";

/// Signs `email` in through the form; returns its cookie.
async fn cookie_of(app: &TestApp, email: &str) -> String {
    let response = sign_in(app, Some(&app.address), email, PASSWORD).await;
    assert_eq!(response.status(), 303, "{email}: {}", response.text().await.unwrap());
    response.headers()[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned()
}

async fn post(app: &TestApp, path: &str, cookie: &str, form: &[(&str, &str)]) -> Response {
    browser().post(app.url(path)).header(header::COOKIE, cookie).form(form).send().await.unwrap()
}

/// Every account but the checking admins `editor_token` makes (`ADMIN-<n>@…`).
async fn accounts(app: &TestApp) -> Vec<Value> {
    let token = app.editor_token(EditorRole::Admin).await;
    let data = app.query_as(&token, "{ editors { id email name role active } }", json!({})).await;
    let checking = |a: &Value| a["email"].as_str().unwrap().split('@').next().unwrap().contains('-');
    data["editors"].as_array().unwrap().iter().filter(|a| !checking(a)).cloned().collect()
}

async fn account(app: &TestApp, email: &str) -> Value {
    accounts(app).await.into_iter().find(|a| a["email"] == email).unwrap_or(Value::Null)
}

async fn two_accounts() -> TestApp {
    let app = spawn_app().await;
    app.add_editor(ADMIN, "Ada Admin", EditorRole::Admin, PASSWORD).await;
    app.add_editor(EDITOR, "Ed Editor", EditorRole::Editor, PASSWORD).await;
    app
}

#[tokio::test]
async fn an_admin_lists_creates_revokes_and_deactivates_accounts() {
    let app = two_accounts().await;
    let admin = cookie_of(&app, ADMIN).await;
    let page = get_with(&app, "/editor/accounts", &admin).await;
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()[header::CACHE_CONTROL], "no-store");
    let html = page.text().await.unwrap();
    assert!(html.contains("Ed Editor") && html.contains(EDITOR) && html.contains(r#"href="/editor/accounts""#));

    let token = csrf(&html);
    let new = [
        ("csrf", token.as_str()),
        ("email", "new@tracker.example"),
        ("name", "Nina New"),
        ("role", "EDITOR"),
        ("password", "a long enough passphrase"),
    ];
    let created = post(&app, "/editor/accounts", &admin, &new).await;
    assert_eq!(created.status(), 303, "{}", created.text().await.unwrap());
    assert_eq!(created.headers()[header::LOCATION], "/editor/accounts?created=1");
    let nina = account(&app, "new@tracker.example").await;
    assert_eq!((nina["name"].as_str(), nina["role"].as_str()), (Some("Nina New"), Some("EDITOR")));
    let signed_in = sign_in(&app, Some(&app.address), "new@tracker.example", "a long enough passphrase").await;
    assert_eq!(signed_in.status(), 303, "the new account signs in");

    // Revoking Ed's tokens signs his session out; he can sign in again.
    let ed_session = cookie_of(&app, EDITOR).await;
    let ed = account(&app, EDITOR).await;
    let id = ed["id"].as_str().unwrap();
    let token = csrf(&get_with(&app, "/editor/accounts", &admin).await.text().await.unwrap());
    let revoked = post(&app, "/editor/accounts/revoke", &admin, &[("csrf", &token), ("id", id)]).await;
    assert_eq!(revoked.headers()[header::LOCATION], "/editor/accounts?revoked=1");
    assert_eq!(get_with(&app, "/editor", &ed_session).await.headers()[header::LOCATION], "/editor/sign-in?expired=1");
    let ed_again = cookie_of(&app, EDITOR).await;

    let deactivated = post(&app, "/editor/accounts/deactivate", &admin, &[("csrf", &token), ("id", id)]).await;
    assert_eq!(deactivated.headers()[header::LOCATION], "/editor/accounts?deactivated=1");
    assert_eq!(account(&app, EDITOR).await["active"], false);
    assert_eq!(get_with(&app, "/editor", &ed_again).await.status(), 303, "his session ends");
    assert_eq!(sign_in(&app, Some(&app.address), EDITOR, PASSWORD).await.status(), 401, "and he cannot sign in");
    let html = get_with(&app, "/editor/accounts?deactivated=1", &admin).await.text().await.unwrap();
    assert!(html.contains("deactivated") && !html.contains("Deactivate Ed Editor"), "{html}");
}

#[tokio::test]
async fn a_refused_account_is_shown_beside_its_field_without_echoing_the_password() {
    let app = two_accounts().await;
    let admin = cookie_of(&app, ADMIN).await;
    let token = csrf(&get_with(&app, "/editor/accounts", &admin).await.text().await.unwrap());
    let short = [
        ("csrf", token.as_str()),
        ("email", "short@tracker.example"),
        ("name", "Short Pass"),
        ("role", "ADMIN"),
        ("password", "tooshort"),
    ];
    let refused = post(&app, "/editor/accounts", &admin, &short).await;
    assert_eq!(refused.status(), 400);
    let html = refused.text().await.unwrap();
    assert!(html.contains(r#"id="e-password""#) && html.contains(r#"value="short@tracker.example""#), "{html}");
    assert!(html.contains(r#"<option value="ADMIN" selected>"#) && !html.contains("tooshort"), "{html}");
    let taken =
        [("csrf", token.as_str()), ("email", EDITOR), ("name", "Twin"), ("password", "a long enough passphrase")];
    let refused = post(&app, "/editor/accounts", &admin, &taken).await;
    assert_eq!(refused.status(), 400);
    assert!(refused.text().await.unwrap().contains(r#"id="e-email""#));
    assert_eq!(accounts(&app).await.len(), 2, "nothing created");
}

#[tokio::test]
async fn an_editor_is_refused_every_account_page_and_post() {
    let app = two_accounts().await;
    let editor = cookie_of(&app, EDITOR).await;
    let page = get_with(&app, "/editor/accounts", &editor).await;
    assert_eq!(page.status(), 403);
    assert_eq!(page.headers()[header::CACHE_CONTROL], "no-store");
    let html = page.text().await.unwrap();
    assert!(html.contains("only admins") && !html.contains(ADMIN), "no account leaks: {html}");
    let desk = get_with(&app, "/editor", &editor).await.text().await.unwrap();
    assert!(!desk.contains(r#"href="/editor/accounts""#), "the bar offers no admin page");
    let token = csrf(&desk);
    let admin_id = account(&app, ADMIN).await["id"].as_str().unwrap().to_owned();
    let new = [
        ("csrf", token.as_str()),
        ("email", "x@tracker.example"),
        ("name", "X"),
        ("password", "a long enough passphrase"),
    ];
    assert_eq!(post(&app, "/editor/accounts", &editor, &new).await.status(), 403);
    for path in ["/editor/accounts/revoke", "/editor/accounts/deactivate"] {
        assert_eq!(post(&app, path, &editor, &[("csrf", &token), ("id", &admin_id)]).await.status(), 403, "{path}");
    }
    assert_eq!(account(&app, ADMIN).await["active"], true);
    assert_eq!(accounts(&app).await.len(), 2, "nothing created");
    let admin = cookie_of(&app, ADMIN).await;
    assert_eq!(get_with(&app, "/editor", &admin).await.status(), 200, "the admin's tokens still work");
}

#[tokio::test]
async fn csrf_less_account_and_password_posts_are_refused_and_change_nothing() {
    let app = two_accounts().await;
    let admin = cookie_of(&app, ADMIN).await;
    let ed_id = account(&app, EDITOR).await["id"].as_str().unwrap().to_owned();
    for token in [None, Some("forged")] {
        let with = |mut form: Vec<(&'static str, String)>| {
            if let Some(token) = token {
                form.push(("csrf", token.to_owned()));
            }
            form
        };
        let posts = [
            (
                "/editor/accounts",
                with(vec![
                    ("email", "c@tracker.example".into()),
                    ("name", "C".into()),
                    ("password", "a long enough passphrase".into()),
                ]),
            ),
            ("/editor/accounts/revoke", with(vec![("id", ed_id.clone())])),
            ("/editor/accounts/deactivate", with(vec![("id", ed_id.clone())])),
            (
                "/editor/password",
                with(vec![
                    ("currentPassword", PASSWORD.into()),
                    ("newPassword", "an entirely new passphrase".into()),
                    ("newPasswordAgain", "an entirely new passphrase".into()),
                ]),
            ),
        ];
        for (path, form) in posts {
            let response =
                browser().post(app.url(path)).header(header::COOKIE, &admin).form(&form).send().await.unwrap();
            assert_eq!(response.status(), 403, "{path} {token:?}");
            assert!(response.headers().get(header::SET_COOKIE).is_none(), "{path}");
        }
    }
    assert_eq!(accounts(&app).await.len(), 2);
    assert_eq!(account(&app, EDITOR).await["active"], true);
    assert_eq!(get_with(&app, "/editor", &admin).await.status(), 200, "the password and tokens are unchanged");
    assert_eq!(sign_in(&app, Some(&app.address), ADMIN, PASSWORD).await.status(), 303);
}

#[tokio::test]
async fn changing_your_password_replaces_the_session_cookie_and_the_old_one_stops_working() {
    let app = two_accounts().await;
    let old = cookie_of(&app, EDITOR).await;
    let page = get_with(&app, "/editor/password", &old).await;
    assert_eq!(page.status(), 200);
    let token = csrf(&page.text().await.unwrap());

    let wrong = [
        ("csrf", token.as_str()),
        ("currentPassword", "not my password"),
        ("newPassword", "an entirely new passphrase"),
        ("newPasswordAgain", "an entirely new passphrase"),
    ];
    let refused = post(&app, "/editor/password", &old, &wrong).await;
    assert_eq!(refused.status(), 400);
    assert!(refused.headers().get(header::SET_COOKIE).is_none());
    assert!(refused.text().await.unwrap().contains(r#"id="e-currentPassword""#));
    let mismatch = [
        ("csrf", token.as_str()),
        ("currentPassword", PASSWORD),
        ("newPassword", "an entirely new passphrase"),
        ("newPasswordAgain", "another new passphrase"),
    ];
    let refused = post(&app, "/editor/password", &old, &mismatch).await;
    assert_eq!(refused.status(), 400);
    assert!(refused.text().await.unwrap().contains(r#"id="e-newPasswordAgain""#));
    let short = [
        ("csrf", token.as_str()),
        ("currentPassword", PASSWORD),
        ("newPassword", "short"),
        ("newPasswordAgain", "short"),
    ];
    let refused = post(&app, "/editor/password", &old, &short).await;
    assert_eq!(refused.status(), 400);
    assert!(refused.text().await.unwrap().contains(r#"id="e-newPassword""#));
    assert_eq!(get_with(&app, "/editor", &old).await.status(), 200, "nothing changed yet");

    let right = [
        ("csrf", token.as_str()),
        ("currentPassword", PASSWORD),
        ("newPassword", "an entirely new passphrase"),
        ("newPasswordAgain", "an entirely new passphrase"),
    ];
    let changed = post(&app, "/editor/password", &old, &right).await;
    assert_eq!(changed.status(), 303);
    assert_eq!(changed.headers()[header::LOCATION], "/editor/password?changed=1");
    let set_cookie = changed.headers()[header::SET_COOKIE].to_str().unwrap().to_owned();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/editor", "Max-Age="] {
        assert!(set_cookie.contains(attribute), "{set_cookie} lacks {attribute}");
    }
    let new = set_cookie.split(';').next().unwrap().to_owned();
    assert_ne!(new, old, "a new token");
    let expired = get_with(&app, "/editor", &old).await;
    assert_eq!(expired.headers()[header::LOCATION], "/editor/sign-in?expired=1", "the old token stops working");
    let page = get_with(&app, "/editor/password?changed=1", &new).await;
    assert_eq!(page.status(), 200, "the new cookie keeps the session");
    assert!(page.text().await.unwrap().contains("Your password is changed"));
    assert_eq!(sign_in(&app, Some(&app.address), EDITOR, PASSWORD).await.status(), 401);
    let signed = sign_in(&app, Some(&app.address), EDITOR, "an entirely new passphrase").await;
    assert_eq!(signed.status(), 303);
}

#[tokio::test]
async fn every_account_page_is_valid_html() {
    let Some(jar) = validator_for("accounts") else { return };
    let app = two_accounts().await;
    let admin = cookie_of(&app, ADMIN).await;
    let editor = cookie_of(&app, EDITOR).await;
    let token = csrf(&get_with(&app, "/editor/accounts", &admin).await.text().await.unwrap());
    let bad =
        [("csrf", token.as_str()), ("email", "not-an-email"), ("name", "N"), ("password", "a long enough passphrase")];
    let ed_token = csrf(&get_with(&app, "/editor/password", &editor).await.text().await.unwrap());
    let wrong = [
        ("csrf", ed_token.as_str()),
        ("currentPassword", "wrong wrong wrong"),
        ("newPassword", "an entirely new passphrase"),
        ("newPasswordAgain", "an entirely new passphrase"),
    ];
    let pages = [
        ("accounts", get_with(&app, "/editor/accounts?created=1", &admin).await),
        ("accounts-refused", post(&app, "/editor/accounts", &admin, &bad).await),
        ("accounts-forbidden", get_with(&app, "/editor/accounts", &editor).await),
        ("password", get_with(&app, "/editor/password?changed=1", &editor).await),
        ("password-refused", post(&app, "/editor/password", &editor, &wrong).await),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (name, response) in pages {
        std::fs::write(dir.path().join(format!("{name}.html")), response.text().await.unwrap()).unwrap();
    }
    assert_valid_html(&jar, dir.path());
}
