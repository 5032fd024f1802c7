//! The editors' workspace in a real headless Chromium: correct a figure by hand and revert it, a
//! conflict between two browser sessions resolved in the browser, and what a revoked session and
//! a form without its CSRF token get. Screenshots go to `target/explorer-screenshots/`.
//! Skipped where chromium or chromedriver is missing, except under CI.

use ai_tracker::domain::EditorRole;
use fantoccini::{Client, Locator};
use serde_json::{Value, json};

use crate::explorer_browser::{browser, chromium_for, save_screenshot, start_driver, wait_until};
use crate::helpers::{TestApp, spawn_app};

const PASSWORD: &str = "correct horse battery staple";

/// Signs `email` in through the sign-in form; the browser keeps the cookie.
async fn sign_in(app: &TestApp, browser: &Client, email: &str) {
    browser.goto(&app.url("/editor")).await.unwrap();
    wait_until(browser, "return location.pathname === '/editor/sign-in'").await;
    browser.find(Locator::Id("si-email")).await.unwrap().send_keys(email).await.unwrap();
    browser.find(Locator::Id("si-password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    browser.find(Locator::Css("form.feedback button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_until(browser, "return location.pathname === '/editor' && !!document.querySelector('nav.workspace')").await;
}

/// Replaces the text of the input `id` and saves the form.
async fn change_and_save(browser: &Client, id: &str, value: &str) {
    let input = browser.find(Locator::Id(id)).await.unwrap();
    input.clear().await.unwrap();
    input.send_keys(value).await.unwrap();
    browser.find(Locator::Css("form.editor button[type=submit]")).await.unwrap().click().await.unwrap();
}

async fn model(app: &TestApp) -> Value {
    app.query(r#"{ model(slug: "gpt-4") { trainingComputeFlop hardware version } }"#, json!({})).await["model"].clone()
}

#[tokio::test]
async fn an_editor_corrects_training_compute_sees_it_in_public_and_in_the_history_then_reverts() {
    let Some((chromium, chromedriver)) = chromium_for("workspace") else { return };
    let app = spawn_app().await;
    app.add_editor("one@tracker.example", "Editor One", EditorRole::Editor, PASSWORD).await;
    let driver = start_driver(&chromedriver).await;
    let profile = tempfile::tempdir().unwrap();
    let browser = browser(&driver, &chromium, profile.path()).await;

    sign_in(&app, &browser, "one@tracker.example").await;
    save_screenshot(&browser, "editor-desk.png").await;
    // From the desk to the model's form: type its slug, open it.
    browser.find(Locator::Id("desk-slug")).await.unwrap().send_keys("gpt-4").await.unwrap();
    browser.find(Locator::Css("form[action='/editor/models'] button")).await.unwrap().click().await.unwrap();
    wait_until(&browser, "return location.pathname === '/editor/models/gpt-4'").await;
    change_and_save(&browser, "f-trainingComputeFlop", "2.5e25").await;
    wait_until(&browser, "return location.search === '?saved=1'").await;
    assert_eq!(model(&app).await["trainingComputeFlop"], json!(2.5e25));
    browser.set_window_size(1280, 2600).await.unwrap();
    save_screenshot(&browser, "editor-model-form.png").await;

    // The public page shows it; the history shows the change and reverts it.
    browser.find(Locator::LinkText("See the public page")).await.unwrap().click().await.unwrap();
    wait_until(&browser, "return location.pathname === '/models/gpt-4'").await;
    assert!(browser.source().await.unwrap().contains("2.5e25"));
    browser.goto(&app.url("/editor/models/gpt-4/history")).await.unwrap();
    let diff = browser.find(Locator::Css("article.revision table")).await.unwrap().text().await.unwrap();
    assert!(diff.contains("2.1e25") && diff.contains("2.5e25"), "{diff}");
    save_screenshot(&browser, "editor-history.png").await;
    browser.find(Locator::Css("form[action='/editor/revert'] button")).await.unwrap().click().await.unwrap();
    wait_until(&browser, "return location.search === '?reverted=1'").await;
    assert_eq!(model(&app).await["trainingComputeFlop"], json!(2.1e25));
    browser.close().await.unwrap();
}

#[tokio::test]
async fn a_conflict_between_two_browser_sessions_is_resolved_in_the_browser() {
    let Some((chromium, chromedriver)) = chromium_for("workspace") else { return };
    let app = spawn_app().await;
    app.add_editor("first@tracker.example", "First Editor", EditorRole::Editor, PASSWORD).await;
    app.add_editor("second@tracker.example", "Second Editor", EditorRole::Editor, PASSWORD).await;
    let driver = start_driver(&chromedriver).await;
    let (first_profile, second_profile) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let first = browser(&driver, &chromium, first_profile.path()).await;
    let second = browser(&driver, &chromium, second_profile.path()).await;
    sign_in(&app, &first, "first@tracker.example").await;
    sign_in(&app, &second, "second@tracker.example").await;
    first.goto(&app.url("/editor/models/gpt-4")).await.unwrap();
    second.goto(&app.url("/editor/models/gpt-4")).await.unwrap();

    change_and_save(&first, "f-hardware", "NVIDIA A100 (first editor)").await;
    wait_until(&first, "return location.search === '?saved=1'").await;
    change_and_save(&second, "f-trainingComputeFlop", "2.4e25").await;
    wait_until(&second, "return !!document.querySelector('section.conflict')").await;
    let table = second.find(Locator::Css("section.conflict table")).await.unwrap().text().await.unwrap();
    assert!(table.contains("First Editor"), "who saved first: {table}");
    assert!(table.contains("NVIDIA A100 (first editor)") && table.contains("2.4e25"), "{table}");
    second.set_window_size(1280, 2600).await.unwrap();
    save_screenshot(&second, "editor-conflict.png").await;

    // The form under the comparison already holds theirs with mine on top.
    second.find(Locator::Css("form.editor button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_until(&second, "return location.search === '?saved=1'").await;
    let saved = model(&app).await;
    assert_eq!(saved["trainingComputeFlop"], json!(2.4e25));
    assert_eq!(saved["hardware"], json!("NVIDIA A100 (first editor)"));
    first.close().await.unwrap();
    second.close().await.unwrap();
}

#[tokio::test]
async fn a_revoked_session_and_a_form_without_its_csrf_token_are_refused() {
    let Some((chromium, chromedriver)) = chromium_for("workspace") else { return };
    let app = spawn_app().await;
    app.add_editor("csrf@tracker.example", "Careful Editor", EditorRole::Editor, PASSWORD).await;
    let driver = start_driver(&chromedriver).await;
    let profile = tempfile::tempdir().unwrap();
    let browser = browser(&driver, &chromium, profile.path()).await;
    sign_in(&app, &browser, "csrf@tracker.example").await;

    // A form whose CSRF token was taken out (as a forged form would lack it) changes nothing.
    let before = model(&app).await;
    browser.goto(&app.url("/editor/models/gpt-4")).await.unwrap();
    browser.execute("document.querySelector('form.editor input[name=csrf]').remove()", vec![]).await.unwrap();
    change_and_save(&browser, "f-trainingComputeFlop", "9e25").await;
    wait_until(&browser, "return document.querySelector('h1').textContent === 'Not accepted'").await;
    assert_eq!(model(&app).await, before);

    // Changing the password elsewhere revokes the browser's session: the next page is sign-in,
    // with a message.
    let token = app.login("csrf@tracker.example", PASSWORD).await;
    let change =
        "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { token } }";
    app.query_as(&token, change, json!({ "c": PASSWORD, "n": "another long passphrase" })).await;
    browser.goto(&app.url("/editor/models/gpt-4")).await.unwrap();
    wait_until(&browser, "return location.pathname === '/editor/sign-in'").await;
    let notice = browser.find(Locator::Css("p.notice")).await.unwrap().text().await.unwrap();
    assert!(notice.contains("expired or was revoked"), "{notice}");
    save_screenshot(&browser, "editor-expired.png").await;
    browser.close().await.unwrap();
}
