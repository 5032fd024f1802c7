//! What changed between two instants (issue 18, part 2): `changes(since, until)` on every entry
//! type lists the fields of its public record that differ, and the explorer's catalog, model and
//! plot pages show the catalog as recorded at an instant, saying so, and a model's changes since.

use ai_tracker::domain::EditorRole;
use serde_json::{Value, json};

use crate::explorer::{assert_valid_html, validator_for};
use crate::explorer_browser::{browser, chromium_for, save_screenshot, start_driver, wait_until};
use crate::helpers::{TestApp, spawn_app};

/// A moment strictly after every revision so far, and before any made next.
async fn instant() -> String {
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    at
}

/// The largest model with a known training compute: slug, global id, version, name, compute.
async fn subject(app: &TestApp) -> Value {
    let page = app
        .query(
            "{ models(first: 1, orderBy: [{ field: TRAINING_COMPUTE_FLOP, direction: DESC }]) {
             nodes { id slug version name trainingComputeFlop organizations { id slug version name } } } }",
            json!({}),
        )
        .await;
    page["models"]["nodes"][0].clone()
}

/// Renames `model` and revises its compute; returns the new name.
async fn revise(app: &TestApp, editor: &str, model: &Value) -> &'static str {
    let update = "mutation($id: ID!, $v: Int!, $input: UpdateModelInput!) {
        updateModel(id: $id, expectedVersion: $v, input: $input) { version } }";
    let input = json!({ "name": "Revised Giant", "trainingComputeFlop": 4.5e26 });
    app.query_as(editor, update, json!({ "id": model["id"], "v": model["version"], "input": input })).await;
    "Revised Giant"
}

const CHANGES: &str = "query($slug: String!, $since: DateTime!, $until: DateTime) {
    model(slug: $slug) { changes(since: $since, until: $until) { field before after } } }";

#[tokio::test]
async fn changes_list_exactly_the_fields_that_differ_between_two_instants() {
    let app = spawn_app().await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let model = subject(&app).await;
    let slug = model["slug"].as_str().unwrap();
    let t0 = instant().await;
    let renamed = revise(&app, &editor, &model).await;
    let t1 = instant().await;

    let expected = json!([
        { "field": "name", "before": model["name"], "after": renamed },
        { "field": "trainingComputeFlop", "before": model["trainingComputeFlop"], "after": 4.5e26 },
    ]);
    let between = app.query(CHANGES, json!({ "slug": slug, "since": t0, "until": t1 })).await;
    assert_eq!(between["model"]["changes"], expected);
    let until_now = app.query(CHANGES, json!({ "slug": slug, "since": t0 })).await;
    assert_eq!(until_now["model"]["changes"], expected, "`until` is now when absent");
    let since_then = app.query(CHANGES, json!({ "slug": slug, "since": t1 })).await;
    assert_eq!(since_then["model"]["changes"], json!([]));
    let before_then = app.query(CHANGES, json!({ "slug": slug, "since": "2000-01-01T00:00:00Z", "until": t0 })).await;
    let fields = before_then["model"]["changes"].as_array().unwrap();
    assert!(fields.iter().all(|c| c["before"].is_null()), "the model had no record in 2000");
    assert!(fields.iter().any(|c| c["field"] == "name" && c["after"] == model["name"]), "{fields:?}");

    // The same on another kind of entry: a renamed organization.
    let organization = &model["organizations"][0];
    let rename = "mutation($id: ID!, $v: Int!) { updateOrganization(id: $id, expectedVersion: $v,
        input: { name: \"Renamed Lab\" }) { id } }";
    app.query_as(&editor, rename, json!({ "id": organization["id"], "v": organization["version"] })).await;
    let query = "query($slug: String!, $since: DateTime!) { organization(slug: $slug) {
        changes(since: $since) { field before after } } }";
    let changes = app.query(query, json!({ "slug": organization["slug"], "since": t1 })).await;
    assert_eq!(
        changes["organization"]["changes"],
        json!([{ "field": "name", "before": organization["name"], "after": "Renamed Lab" }])
    );

    // An entry created after `since` lists each of its fields, with nothing before.
    let create = "mutation { createModel(input: { slug: \"later-giant\", name: \"Later Giant\", access: API,
        published: true, trainingComputeFlop: 1e30 }) { id } }";
    app.query_as(&editor, create, json!({})).await;
    let created = app.query(CHANGES, json!({ "slug": "later-giant", "since": t1 })).await;
    let fields = created["model"]["changes"].as_array().unwrap();
    assert!(fields.iter().all(|c| c["before"].is_null()), "{fields:?}");
    for (field, after) in
        [("name", json!("Later Giant")), ("trainingComputeFlop", json!(1e30)), ("slug", json!("later-giant"))]
    {
        assert!(fields.iter().any(|c| c["field"] == field && c["after"] == after), "{field}: {fields:?}");
    }
}

#[tokio::test]
async fn bad_instants_are_refused_naming_the_argument() {
    let app = spawn_app().await;
    let slug = subject(&app).await["slug"].clone();
    let now = instant().await;
    let future = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    for (since, until, argument) in [
        (json!(now), json!("2020-01-01T00:00:00Z"), "since"),
        (json!(future), Value::Null, "since"),
        (json!("2020-01-01T00:00:00Z"), json!(future), "until"),
        // A malformed time fails to parse as the argument's type (the error's path is the field).
        (json!("yesterday"), Value::Null, "DateTime"),
    ] {
        let (status, body) = app.query_error(CHANGES, json!({ "slug": slug, "since": since, "until": until })).await;
        assert_eq!(body["extensions"]["code"], "BAD_USER_INPUT", "{since} {until}: {status} {body}");
        assert!(body["message"].as_str().unwrap().contains(argument), "{since} {until} names {argument}: {body}");
    }
}

// The explorer's past views.

async fn get(app: &TestApp, path: &str) -> (u16, String) {
    let response = app.client.get(app.url(path)).send().await.expect("request sent");
    (response.status().as_u16(), response.text().await.expect("a text body"))
}

/// A model revised between two instants, and those instants.
struct Revised {
    slug: String,
    old_name: String,
    new_name: &'static str,
    before: String,
}

async fn revised(app: &TestApp) -> Revised {
    let editor = app.editor_token(EditorRole::Editor).await;
    let model = subject(app).await;
    let before = instant().await;
    let new_name = revise(app, &editor, &model).await;
    Revised {
        slug: model["slug"].as_str().unwrap().to_owned(),
        old_name: model["name"].as_str().unwrap().to_owned(),
        new_name,
        before,
    }
}

fn query_value(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[tokio::test]
async fn past_views_say_so_show_the_past_and_are_valid_html() {
    let app = spawn_app().await;
    let r = revised(&app).await;
    let at = query_value(&r.before);
    let banner = "You are viewing the catalog as recorded at";

    let (status, model) = get(&app, &format!("/models/{}?asRecordedAt={at}", r.slug)).await;
    assert_eq!(status, 200, "{model}");
    assert!(model.contains(banner), "{model}");
    assert!(model.contains(&format!("href=\"/models/{}\"", r.slug)), "a link to the model now");
    assert!(model.contains(&format!("<h1>{}", r.old_name)), "the past name");
    assert!(!model.contains(&format!("<h1>{}", r.new_name)));
    assert!(model.contains("Changed since"), "the changes from then to now");
    assert!(model.contains("<code>trainingComputeFlop</code>") && model.contains("<code>name</code>"), "{model}");
    assert!(model.contains(&format!("asRecordedAt={at}")), "links keep the past view");

    let (_, now) = get(&app, &format!("/models/{}", r.slug)).await;
    assert!(!now.contains(banner) && now.contains(&format!("<h1>{}", r.new_name)));
    let (_, since) = get(&app, &format!("/models/{}?changedSince={at}", r.slug)).await;
    assert!(!since.contains(banner) && since.contains("<code>trainingComputeFlop</code>"), "{since}");

    let (status, catalog) = get(&app, &format!("/?sort=compute&asRecordedAt={at}")).await;
    assert_eq!(status, 200, "{catalog}");
    assert!(catalog.contains(banner) && catalog.contains(&r.old_name) && !catalog.contains(r.new_name));
    assert!(catalog.contains("name=\"asRecordedAt\""), "the filter form keeps the past view");
    let (_, catalog_now) = get(&app, "/?sort=compute").await;
    assert!(!catalog_now.contains(banner) && catalog_now.contains(r.new_name));

    let (status, plots) = get(&app, &format!("/plots?asRecordedAt={at}")).await;
    assert_eq!(status, 200, "{plots}");
    assert!(plots.contains(banner) && plots.contains(&format!("compute.svg?asRecordedAt={at}")), "{plots}");
    let (status, svg) = get(&app, &format!("/plots/compute.svg?asRecordedAt={at}&highlight={}", r.slug)).await;
    assert_eq!(status, 200);
    assert!(svg.contains(&r.old_name) && !svg.contains(r.new_name), "the plot draws the past");

    // Bad instants are the page's 400, naming the parameter.
    let future = query_value(&(chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339());
    for (path, field) in [
        ("/?asRecordedAt=yesterday".to_owned(), "asRecordedAt"),
        (format!("/?asRecordedAt={future}"), "asRecordedAt"),
        (format!("/plots?asRecordedAt={future}"), "asRecordedAt"),
        (format!("/models/{}?asRecordedAt=soon", r.slug), "asRecordedAt"),
        (format!("/models/{}?changedSince={future}", r.slug), "changedSince"),
    ] {
        let (status, body) = get(&app, &path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert!(body.contains(&format!("<code>{field}</code>")), "{path} names {field}: {body}");
    }

    let Some(jar) = validator_for("past view") else { return };
    let dir = tempfile::tempdir().unwrap();
    for (name, html) in [("model", &model), ("since", &since), ("catalog", &catalog), ("plots", &plots)] {
        std::fs::write(dir.path().join(format!("{name}.html")), html).unwrap();
    }
    assert_valid_html(&jar, dir.path());
}

#[tokio::test]
async fn a_reader_sees_a_past_model_page_in_a_browser() {
    let Some((chromium, chromedriver)) = chromium_for("past view") else { return };
    let app = spawn_app().await;
    let r = revised(&app).await;
    let driver = start_driver(&chromedriver).await;
    let profile = tempfile::tempdir().unwrap();
    let browser = browser(&driver, &chromium, profile.path()).await;

    browser.goto(&app.url(&format!("/models/{}?asRecordedAt={}", r.slug, query_value(&r.before)))).await.unwrap();
    let banner = browser.find(fantoccini::Locator::Css(".notice.past")).await.unwrap().text().await.unwrap();
    assert!(banner.contains("You are viewing the catalog as recorded at"), "{banner}");
    let heading = browser.find(fantoccini::Locator::Css("h1")).await.unwrap().text().await.unwrap();
    assert!(heading.starts_with(&r.old_name), "{heading}");
    let changed = browser.find(fantoccini::Locator::Id("changes")).await.unwrap().text().await.unwrap();
    assert!(changed.contains("trainingComputeFlop") && changed.contains(r.new_name), "{changed}");
    wait_until(
        &browser,
        "const img = document.querySelector('figure img'); return img.complete && img.naturalWidth > 0",
    )
    .await;
    save_screenshot(&browser, "past-model.png").await;

    // "See it now" leads to the model as it is.
    browser.find(fantoccini::Locator::Css(".notice.past a")).await.unwrap().click().await.unwrap();
    wait_until(&browser, "return !location.search.includes('asRecordedAt')").await;
    wait_until(&browser, "return document.querySelector('.notice.past') === null").await;
    let heading = browser.find(fantoccini::Locator::Css("h1")).await.unwrap().text().await.unwrap();
    assert_eq!(heading, r.new_name);
    browser.close().await.unwrap();
}
