//! The workspace's forms for adding and removing entries: a model with its lists edited in
//! place, its risk assessments, publish, unpublish and delete, driven over HTTP as a browser
//! without JavaScript would.

use std::collections::BTreeMap;

use ai_tracker::domain::EditorRole;
use reqwest::header;
use serde_json::{Value, json};

use crate::editor_forms::{form_fields, hidden, post_form};
use crate::editor_workspace::{EMAIL, PASSWORD, browser, csrf, get_with, session};
use crate::explorer::{assert_valid_html, validator_for};
use crate::helpers::{TestApp, spawn_app};

async fn signed_in() -> (TestApp, String) {
    let app = spawn_app().await;
    app.add_editor(EMAIL, "Entry Editor", EditorRole::Editor, PASSWORD).await;
    let cookie = session(&app).await;
    (app, cookie)
}

fn new_model(token: String) -> BTreeMap<String, String> {
    BTreeMap::from(
        [
            ("csrf", token.as_str()),
            ("slug", "test-lab-one"),
            ("name", "Test Lab One"),
            ("organizationIds", "openai\r\nmeta\r\n"),
            ("inputModalities", "TEXT\nimage"),
            ("outputModalities", "text"),
            ("announcedOn", "2025-03-01"),
            ("announcedPrecision", "DAY"),
            ("parametersConfidence", "UNKNOWN"),
            ("trainingComputeConfidence", "UNKNOWN"),
            ("access", "API"),
            ("sources", "https://example.org/test-lab-one | The announcement"),
            ("description", "A model made up for a test."),
            ("industryContext", "None."),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
    )
}

/// The hidden fields of the form whose action is `action` on `html`.
fn action_form(html: &str, action: &str) -> Vec<(String, String)> {
    let at = html.find(&format!(r#"action="{action}""#)).unwrap_or_else(|| panic!("no form for {action}: {html}"));
    let form = &html[at..];
    ["csrf", "id", "expectedVersion"].iter().map(|n| (n.to_string(), hidden(form, n))).collect()
}

async fn model(app: &TestApp, slug: &str) -> Value {
    app.query_as(
        &app.editor_token(EditorRole::Editor).await,
        "query($s: String!) { model(slug: $s) { published version organizations { slug } inputModalities sources { url } riskAssessments { summary } } }",
        json!({ "s": slug }),
    )
    .await["model"]
        .clone()
}

fn assessment(token: String) -> Vec<(String, String)> {
    [
        ("csrf", token.as_str()),
        ("horizon", "IMMEDIATE"),
        ("cause", "MALICIOUS"),
        ("category", "FRAUD_IMPERSONATION"),
        ("severity", "MEDIUM"),
        ("likelihood", "HIGH"),
        ("summary", "Convincing scam messages at scale."),
        ("rationale", "Made up for a test."),
        ("confidence", "LIKELY"),
        ("assessedOn", "2025-04-01"),
        ("sourceUrl", "https://example.org/test-lab-one-evaluation"),
        ("mitSubdomain", "FRAUD_SCAMS_MANIPULATION"),
        ("mitEntity", "HUMAN"),
        ("mitIntent", "INTENTIONAL"),
        ("mitTiming", "POST_DEPLOYMENT"),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .to_vec()
}

#[tokio::test]
async fn an_editor_adds_a_model_with_two_organizations_and_a_risk_assessment_and_publishes_it() {
    let (app, cookie) = signed_in().await;
    let page = get_with(&app, "/editor/models/new", &cookie).await;
    assert_eq!(page.status(), 200);
    let token = csrf(&page.text().await.unwrap());
    let created = post_form(&app, "/editor/models/new", &cookie, &new_model(token)).await;
    assert_eq!(created.status(), 303, "{}", created.text().await.unwrap());
    assert_eq!(created.headers()[header::LOCATION], "/editor/models/test-lab-one?created=1");
    let draft = model(&app, "test-lab-one").await;
    assert_eq!(draft["published"], json!(false));
    assert_eq!(draft["organizations"], json!([{ "slug": "openai" }, { "slug": "meta" }]), "in order, lead first");
    assert_eq!(draft["inputModalities"], json!(["TEXT", "IMAGE"]));
    assert_eq!(draft["sources"], json!([{ "url": "https://example.org/test-lab-one" }]));
    assert_eq!(browser().get(app.url("/models/test-lab-one")).send().await.unwrap().status(), 404, "a draft");

    // The form shows the lists as it took them.
    let html = get_with(&app, "/editor/models/test-lab-one?created=1", &cookie).await.text().await.unwrap();
    assert_eq!(form_fields(&html)["organizationIds"], "openai\nmeta");

    let page = get_with(&app, "/editor/models/test-lab-one/assessments", &cookie).await.text().await.unwrap();
    let added = browser()
        .post(app.url("/editor/models/test-lab-one/assessments"))
        .header(header::COOKIE, &cookie)
        .form(&assessment(csrf(&page)))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 303, "{}", added.text().await.unwrap());
    let listed = get_with(&app, "/editor/models/test-lab-one/assessments?added=1", &cookie).await.text().await.unwrap();
    assert!(listed.contains("Convincing scam messages at scale."), "{listed}");

    let html = get_with(&app, "/editor/models/test-lab-one", &cookie).await.text().await.unwrap();
    let publish = action_form(&html, "/editor/models/test-lab-one/publish");
    let published = browser()
        .post(app.url("/editor/models/test-lab-one/publish"))
        .header(header::COOKIE, &cookie)
        .form(&publish)
        .send()
        .await
        .unwrap();
    assert_eq!(published.status(), 303);
    assert_eq!(published.headers()[header::LOCATION], "/editor/models/test-lab-one?published=1");

    let public = browser().get(app.url("/models/test-lab-one")).send().await.unwrap();
    assert_eq!(public.status(), 200);
    let public = public.text().await.unwrap();
    assert!(public.contains("Test Lab One") && public.contains("OpenAI") && public.contains("Meta"), "{public}");
    assert!(public.contains("Convincing scam messages at scale."), "the assessment is public with the model");
}

#[tokio::test]
async fn a_list_the_api_or_the_page_refuses_is_marked_beside_the_list_and_nothing_is_saved() {
    let (app, cookie) = signed_in().await;
    let version = model(&app, "gpt-4").await["version"].clone();
    let html = get_with(&app, "/editor/models/gpt-4", &cookie).await.text().await.unwrap();
    for (field, text, says) in [
        ("organizationIds", "openai\nno-such-lab", "names no organization `no-such-lab`"),
        ("capabilities", "code-generation | maybe", "not one of the choices"),
        ("sources", "https://example.org/a | fine\nnot a url | broken", "(line 2)"),
        ("inputModalities", "TEXT\nSMELL", "not one of the choices"),
    ] {
        let mut fields = form_fields(&html);
        fields.insert(field.into(), text.into());
        let refused = post_form(&app, "/editor/models/gpt-4", &cookie, &fields).await;
        assert_eq!(refused.status(), 400, "{field}");
        let body = refused.text().await.unwrap();
        let error = body.split(&format!(r#"id="e-{field}""#)).nth(1).unwrap_or_else(|| panic!("{field}: {body}"));
        assert!(error.split("</p>").next().unwrap().contains(says), "{field}: {error}");
        assert!(body.contains(text.lines().last().unwrap()), "the text is kept");
        assert!(!body.contains("Internal"));
    }
    assert_eq!(model(&app, "gpt-4").await["version"], version, "nothing was saved");
}

#[tokio::test]
async fn a_delete_is_refused_with_its_reason_and_a_draft_without_assessments_goes() {
    let (app, cookie) = signed_in().await;
    let html = get_with(&app, "/editor/models/gpt-4", &cookie).await.text().await.unwrap();
    let delete = action_form(&html, "/editor/models/gpt-4/delete");
    let refused = browser()
        .post(app.url("/editor/models/gpt-4/delete"))
        .header(header::COOKIE, &cookie)
        .form(&delete)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    let body = refused.text().await.unwrap();
    assert!(body.contains("risk assessments: delete them first"), "{body}");
    assert_eq!(model(&app, "gpt-4").await["published"], json!(true), "still there");

    let token = csrf(&get_with(&app, "/editor/models/new", &cookie).await.text().await.unwrap());
    post_form(&app, "/editor/models/new", &cookie, &new_model(token)).await;
    let html = get_with(&app, "/editor/models/test-lab-one", &cookie).await.text().await.unwrap();
    let delete = action_form(&html, "/editor/models/test-lab-one/delete");
    let deleted = browser()
        .post(app.url("/editor/models/test-lab-one/delete"))
        .header(header::COOKIE, &cookie)
        .form(&delete)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 303);
    assert_eq!(model(&app, "test-lab-one").await, Value::Null);
}

#[tokio::test]
async fn posts_without_the_sessions_csrf_token_are_refused_and_change_nothing() {
    let (app, cookie) = signed_in().await;
    let before = model(&app, "gpt-4").await;
    let html = get_with(&app, "/editor/models/gpt-4", &cookie).await.text().await.unwrap();
    let forged = |mut fields: Vec<(String, String)>| {
        fields.retain(|(k, _)| k != "csrf");
        fields.push(("csrf".into(), "forged".into()));
        fields
    };
    let posts = [
        ("/editor/models/new", forged(new_model(String::new()).into_iter().collect())),
        ("/editor/models/gpt-4/assessments", forged(assessment(String::new()))),
        ("/editor/models/gpt-4/unpublish", forged(action_form(&html, "/editor/models/gpt-4/unpublish"))),
        ("/editor/models/gpt-4/delete", action_form(&html, "/editor/models/gpt-4/delete")[1..].to_vec()),
    ];
    for (path, fields) in posts {
        let response =
            browser().post(app.url(path)).header(header::COOKIE, &cookie).form(&fields).send().await.unwrap();
        assert_eq!(response.status(), 403, "{path}");
    }
    assert_eq!(model(&app, "gpt-4").await, before, "nothing changed");
    assert_eq!(model(&app, "test-lab-one").await, Value::Null, "nothing created");
}

#[tokio::test]
async fn the_new_model_assessment_and_refusal_pages_are_valid_html() {
    let Some(jar) = validator_for("workspace") else { return };
    let (app, cookie) = signed_in().await;
    let new = get_with(&app, "/editor/models/new", &cookie).await.text().await.unwrap();
    let mut bad = new_model(csrf(&new));
    bad.insert("organizationIds".into(), "no-such-lab".into());
    let refused_new = post_form(&app, "/editor/models/new", &cookie, &bad).await.text().await.unwrap();
    let assessments = get_with(&app, "/editor/models/gpt-4/assessments", &cookie).await.text().await.unwrap();
    let mut bad = assessment(csrf(&assessments));
    bad.retain(|(k, _)| k != "assessedOn");
    let refused_assessment = browser()
        .post(app.url("/editor/models/gpt-4/assessments"))
        .header(header::COOKIE, &cookie)
        .form(&bad)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let form = get_with(&app, "/editor/models/gpt-4", &cookie).await.text().await.unwrap();
    let delete = action_form(&form, "/editor/models/gpt-4/delete");
    let refused_delete = browser()
        .post(app.url("/editor/models/gpt-4/delete"))
        .header(header::COOKIE, &cookie)
        .form(&delete)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(refused_delete.contains("delete them first"));
    let pages = [
        ("new", new),
        ("refused-new", refused_new),
        ("assessments", assessments),
        ("refused-assessment", refused_assessment),
        ("refused-delete", refused_delete),
        ("thresholds-admins-only", get_with(&app, "/editor/thresholds/new", &cookie).await.text().await.unwrap()),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in &pages {
        std::fs::write(dir.path().join(format!("{name}.html")), body).unwrap();
    }
    assert_valid_html(&jar, dir.path());
}

#[tokio::test]
async fn in_chromium_an_editor_adds_a_model_with_two_organizations_and_a_risk_assessment() {
    use crate::explorer_browser::{browser as chromium_session, chromium_for, save_screenshot, start_driver};
    use fantoccini::Locator;

    let Some((chromium, chromedriver)) = chromium_for("workspace") else { return };
    let app = spawn_app().await;
    app.add_editor(EMAIL, "Browser Editor", EditorRole::Editor, PASSWORD).await;
    let driver = start_driver(&chromedriver).await;
    let profile = tempfile::tempdir().unwrap();
    let b = chromium_session(&driver, &chromium, profile.path()).await;

    b.goto(&app.url("/editor/sign-in")).await.unwrap();
    b.find(Locator::Id("si-email")).await.unwrap().send_keys(EMAIL).await.unwrap();
    b.find(Locator::Id("si-password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    b.find(Locator::Css("main button[type=submit]")).await.unwrap().click().await.unwrap();
    b.wait().for_element(Locator::Css("nav.workspace")).await.unwrap();

    b.goto(&app.url("/editor/models/new")).await.unwrap();
    for (id, text) in [
        ("f-slug", "browser-lab-one"),
        ("f-name", "Browser Lab One"),
        ("f-organizationIds", "anthropic\ngoogle-deepmind"),
        ("f-inputModalities", "TEXT"),
        ("f-sources", "https://example.org/browser-lab-one | Announcement"),
        ("f-description", "Added in a browser."),
        ("f-industryContext", "None."),
    ] {
        b.find(Locator::Id(id)).await.unwrap().send_keys(text).await.unwrap();
    }
    b.find(Locator::Id("f-access")).await.unwrap().select_by_value("OPEN_WEIGHTS").await.unwrap();
    save_screenshot(&b, "editor-new-model.png").await;
    b.find(Locator::Css("form.editor button[type=submit]")).await.unwrap().click().await.unwrap();
    b.wait().for_element(Locator::Css("p.notice[role=status]")).await.unwrap();
    assert!(b.current_url().await.unwrap().as_str().ends_with("/editor/models/browser-lab-one?created=1"));

    b.find(Locator::LinkText("Risk assessments")).await.unwrap().click().await.unwrap();
    b.find(Locator::Id("f-category")).await.unwrap().select_by_value("CYBER_OFFENSE").await.unwrap();
    b.find(Locator::Id("f-summary")).await.unwrap().send_keys("Helps write exploits.").await.unwrap();
    b.find(Locator::Id("f-rationale")).await.unwrap().send_keys("Made up in a browser test.").await.unwrap();
    b.find(Locator::Id("f-sourceUrl")).await.unwrap().send_keys("https://example.org/browser-lab-one").await.unwrap();
    b.find(Locator::Id("f-mitSubdomain"))
        .await
        .unwrap()
        .select_by_value("CYBERATTACKS_WEAPONS_MASS_HARM")
        .await
        .unwrap();
    b.execute("document.getElementById('f-assessedOn').value = '2025-05-01'; return true;", vec![]).await.unwrap();
    b.find(Locator::Css("form.editor button[type=submit]")).await.unwrap().click().await.unwrap();
    b.wait().for_element(Locator::Css("p.notice[role=status]")).await.unwrap();
    assert!(b.source().await.unwrap().contains("Helps write exploits."));

    b.find(Locator::LinkText("Back to the model's form")).await.unwrap().click().await.unwrap();
    b.find(Locator::Css("form[action$='/publish'] button")).await.unwrap().click().await.unwrap();
    b.wait().for_element(Locator::Css("p.notice[role=status]")).await.unwrap();
    save_screenshot(&b, "editor-published.png").await;

    b.goto(&app.url("/models/browser-lab-one")).await.unwrap();
    let public = b.source().await.unwrap();
    assert!(public.contains("Anthropic") && public.contains("Google DeepMind"), "both organizations");
    assert!(public.contains("Helps write exploits."), "the assessment");
    b.close().await.unwrap();
}

#[tokio::test]
async fn the_threshold_form_is_for_admins_and_an_editor_gets_a_403_that_changes_nothing() {
    let (app, cookie) = signed_in().await;
    let page = get_with(&app, "/editor/thresholds/new", &cookie).await;
    assert_eq!(page.status(), 403);
    let token = csrf(&page.text().await.unwrap());
    let fields = [("csrf", token.as_str()), ("slug", "test-threshold"), ("name", "Test"), ("flop", "1e27")];
    let refused = browser()
        .post(app.url("/editor/thresholds/new"))
        .header(header::COOKIE, &cookie)
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let count = "{ computeThresholds { slug } }";
    assert!(!app.query(count, json!({})).await.to_string().contains("test-threshold"), "nothing created");

    let admin = "admin@tracker.example";
    app.add_editor(admin, "Admin", EditorRole::Admin, PASSWORD).await;
    let signed = crate::editor_workspace::sign_in(&app, Some(&app.address), admin, PASSWORD).await;
    let admin_cookie = signed.headers()[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
    let page = get_with(&app, "/editor/thresholds/new", &admin_cookie).await;
    assert_eq!(page.status(), 200);
    let token = csrf(&page.text().await.unwrap());
    let mut fields = vec![("csrf", token.as_str()), ("slug", "test-threshold"), ("name", "Test"), ("flop", "lots")];
    let bad = browser()
        .post(app.url("/editor/thresholds/new"))
        .header(header::COOKIE, &admin_cookie)
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains(r#"id="e-flop""#));
    fields[3] = ("flop", "1e27");
    let added = browser()
        .post(app.url("/editor/thresholds/new"))
        .header(header::COOKIE, &admin_cookie)
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 303);
    assert!(app.query(count, json!({})).await.to_string().contains("test-threshold"));
}
