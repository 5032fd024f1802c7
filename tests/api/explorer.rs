//! The explorer at `/`: every page answers with the starter catalog, the pages show what the
//! API says, filters and sorting and paging work through their URLs, bad parameters are named,
//! and every page is valid HTML by the Nu Html Checker.

use std::path::PathBuf;

use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE};
use serde_json::json;

use ai_tracker::domain::EditorRole;

use crate::helpers::{TestApp, all_nodes, spawn_app};

async fn get(app: &TestApp, path: &str) -> (u16, String, String) {
    let response = app.client.get(app.url(path)).send().await.expect("request sent");
    let status = response.status().as_u16();
    let content_type = response.headers().get(CONTENT_TYPE).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, content_type, response.text().await.expect("a text body"))
}

async fn page(app: &TestApp, path: &str) -> String {
    let (status, content_type, body) = get(app, path).await;
    assert_eq!(status, 200, "{path}: {body}");
    assert!(content_type.starts_with("text/html"), "{path}: {content_type}");
    body
}

/// What maud escapes in text.
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The model names in a catalog page's table, in order.
fn row_names(html: &str) -> Vec<String> {
    html.split("<th scope=\"row\"><a href=\"/models/")
        .skip(1)
        .map(|rest| {
            let name = &rest[rest.find('>').unwrap() + 1..rest.find("</a>").unwrap()];
            name.replace("&amp;", "&").replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">")
        })
        .collect()
}

/// The target of the link with `rel` on a page.
fn link(html: &str, rel: &str) -> Option<String> {
    let marker = format!("rel=\"{rel}\" href=\"");
    let start = html.find(&marker)? + marker.len();
    let end = start + html[start..].find('"')?;
    Some(html[start..end].replace("&amp;", "&"))
}

async fn api_names(app: &TestApp, filter: serde_json::Value, order: &str) -> Vec<String> {
    let query = format!(
        "query($filter: ModelFilter) {{ models(filter: $filter, first: 100, orderBy: [{order}]) {{ nodes {{ name }} }} }}"
    );
    let data = app.query(&query, json!({ "filter": filter })).await;
    data["models"]["nodes"].as_array().unwrap().iter().map(|n| n["name"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn every_page_answers_200_with_the_starter_catalog() {
    let app = spawn_app().await;
    let models = all_nodes(&app, "models", "slug name", "").await;
    assert!(models.len() > 50, "the starter catalog is loaded");
    for model in &models {
        let slug = model["slug"].as_str().unwrap();
        let html = page(&app, &format!("/models/{slug}")).await;
        assert!(html.contains(&escaped(model["name"].as_str().unwrap())), "{slug}");
    }
    for path in ["/", "/plots", "/plots?color=access", "/?sort=compute&dir=asc", "/?sort=name"] {
        page(&app, path).await;
    }
    for path in ["/plots/compute.svg", "/plots/parameters.svg", "/plots/timeline.svg?color=access"] {
        let (status, content_type, body) = get(&app, path).await;
        assert_eq!((status, content_type.as_str()), (200, "image/svg+xml; charset=utf-8"), "{path}");
        assert!(body.contains("<svg") && body.contains("<title>"), "{path}");
    }
    let (status, content_type, _) = get(&app, "/assets/style.css").await;
    assert_eq!((status, content_type.as_str()), (200, "text/css; charset=utf-8"));
}

#[tokio::test]
async fn the_catalog_pages_through_every_model_in_the_apis_order() {
    let app = spawn_app().await;
    let expected = all_nodes(&app, "models", "name", ", orderBy: [{ field: NAME, direction: ASC }]").await;
    let expected: Vec<String> = expected.iter().map(|n| n["name"].as_str().unwrap().to_owned()).collect();
    let mut seen = Vec::new();
    let mut path = "/?sort=name&dir=asc".to_owned();
    let mut pages = 0;
    loop {
        let html = page(&app, &path).await;
        let names = row_names(&html);
        assert!(names.len() <= 25, "pages hold 25 rows");
        seen.extend(names);
        pages += 1;
        match link(&html, "next") {
            Some(next) => path = next,
            None => break,
        }
        assert!(pages < 50, "paging ends");
    }
    assert_eq!(seen, expected);
    // And back: the previous link of the last page shows the page before it.
    let html = page(&app, &path).await;
    let previous = page(&app, &link(&html, "prev").expect("a previous link")).await;
    let start = (pages - 2) * 25;
    assert_eq!(row_names(&previous), expected[start..start + 25]);
}

#[tokio::test]
async fn filters_and_sorting_show_what_the_api_says() {
    let app = spawn_app().await;
    let html = page(&app, "/?country=gb&sort=name&dir=asc").await;
    let british = api_names(&app, json!({ "organizations": { "country": { "eq": "GB" } } }), "{ field: NAME }").await;
    assert!(!british.is_empty());
    assert_eq!(row_names(&html), british);
    assert!(html.contains("value=\"GB\""), "the form keeps the filter");

    let html = page(&app, "/?access=OPEN_WEIGHTS&from=2023&to=2024&modality=code&sort=compute").await;
    let filter = json!({ "and": [
        { "access": { "eq": "OPEN_WEIGHTS" } },
        { "announcedOn": { "gte": "2023-01-01", "lte": "2024-12-31" } },
        { "or": [{ "inputModalities": { "anyOf": ["CODE"] } }, { "outputModalities": { "anyOf": ["CODE"] } }] },
    ] });
    let expected = api_names(&app, filter, "{ field: TRAINING_COMPUTE_FLOP, direction: DESC }").await;
    assert!(!expected.is_empty());
    assert_eq!(row_names(&html), expected);
    // The sort headings keep the filter.
    assert!(html.contains("href=\"/?access=OPEN_WEIGHTS&amp;modality=CODE&amp;from=2023&amp;to=2024&amp;sort=name"));

    let html = page(&app, "/?q=llama&minCompute=1e23&sort=date").await;
    let expected = api_names(
        &app,
        json!({ "and": [{ "name": { "contains": "llama" } }, { "trainingComputeFlop": { "gte": 1e23 } }] }),
        "{ field: ANNOUNCED_ON, direction: DESC }",
    )
    .await;
    assert!(!expected.is_empty());
    assert_eq!(row_names(&html), expected);

    let html = page(&app, "/?q=no+such+model+anywhere").await;
    assert!(html.contains("No model matches these filters."));
}

#[tokio::test]
async fn bad_parameters_are_named_and_unknown_models_are_404() {
    let app = spawn_app().await;
    for (path, field) in [
        ("/?country=USA", "country"),
        ("/?access=free", "access"),
        ("/?from=twenty", "from"),
        ("/?from=2024&to=2020", "to"),
        ("/?minCompute=lots", "minCompute"),
        ("/?sort=size", "sort"),
        ("/?dir=up", "dir"),
        ("/?after=not-a-cursor", "after"),
        ("/plots?color=red", "color"),
        ("/plots/compute.svg?modality=smell", "modality"),
    ] {
        let (status, content_type, body) = get(&app, path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert!(content_type.starts_with("text/html"), "{path}");
        assert!(body.contains(&format!("<code>{field}</code>")), "{path} names {field}: {body}");
    }
    let (status, _, body) = get(&app, "/models/no-such-model").await;
    assert_eq!(status, 404);
    assert!(body.contains("no-such-model"));
    let (status, _, body) = get(&app, "/models/%3Cscript%3E").await;
    assert_eq!(status, 404);
    assert!(!body.contains("<script>"), "the slug is escaped");
}

#[tokio::test]
async fn a_model_page_shows_every_part_of_the_model() {
    let app = spawn_app().await;
    let data = app
        .query(
            r#"{ model(slug: "gpt-4") { name organizations { name } sources { url }
                 capabilities { status capability { name } } riskAssessments { summary }
                 revisions { totalCount } } }"#,
            json!({}),
        )
        .await;
    let model = &data["model"];
    let html = page(&app, "/models/gpt-4").await;
    for org in model["organizations"].as_array().unwrap() {
        assert!(html.contains(&escaped(org["name"].as_str().unwrap())));
    }
    let sources = model["sources"].as_array().unwrap();
    assert!(!sources.is_empty());
    for source in sources {
        assert!(html.contains(&format!("href=\"{}\"", escaped(source["url"].as_str().unwrap()))));
    }
    for link in model["capabilities"].as_array().unwrap() {
        assert!(html.contains(&escaped(link["capability"]["name"].as_str().unwrap())));
    }
    for risk in model["riskAssessments"].as_array().unwrap() {
        assert!(html.contains(&escaped(risk["summary"].as_str().unwrap())));
    }
    for heading in ["Demonstrated", "Extrapolated", "Risk assessments", "Sources", "History", "Lineage"] {
        assert!(html.contains(heading), "{heading}");
    }
    let changes = model["revisions"]["totalCount"].as_i64().unwrap();
    assert!(html.contains(&format!("{changes} recorded changes")));
    assert!(html.contains("src=\"/plots/compute.svg?highlight=gpt-4\""));
}

#[tokio::test]
async fn the_compute_plot_draws_each_model_and_the_apis_trend() {
    let app = spawn_app().await;
    let data = app
        .query(
            r#"{ computeTrend(metric: TRAINING_COMPUTE, filter: { organizations: { country: { eq: "US" } } }) {
                 growthFactorPerYear doublingTimeMonths n }
                 model(slug: "gpt-4") { name } }"#,
            json!({}),
        )
        .await;
    let trend = &data["computeTrend"];
    let (status, _, svg) = get(&app, "/plots/compute.svg?country=US&color=access&highlight=gpt-4").await;
    assert_eq!(status, 200);
    let growth = format!("×{:.2} per year", trend["growthFactorPerYear"].as_f64().unwrap());
    let doubling = format!("doubling every {:.1} months", trend["doublingTimeMonths"].as_f64().unwrap());
    assert!(svg.contains(&growth) && svg.contains(&doubling), "{growth}, {doubling}");
    // One filled dot per fitted model, one per legend entry, one ring for the highlighted one.
    let dots = svg.matches("<circle").count() as i64;
    let n = trend["n"].as_i64().unwrap();
    assert!(dots > n && dots < n + 12, "{dots} circles for {n} models");
    let name = data["model"]["name"].as_str().unwrap();
    assert!(svg.contains(&format!("\n{}\n</text>", escaped(name))), "the highlighted model is named");
    assert!(svg.contains("\nOpen weights\n") && svg.contains("\nAPI\n"), "the legend names the access levels");
}

#[tokio::test]
async fn pages_are_gzipped_for_clients_that_ask() {
    let app = spawn_app().await;
    for path in ["/", "/models/gpt-4", "/plots/compute.svg"] {
        let response = app.client.get(app.url(path)).header(ACCEPT_ENCODING, "gzip").send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers().get(CONTENT_ENCODING).map(|v| v.to_str().unwrap()), Some("gzip"), "{path}");
    }
}

/// The Nu Html Checker's jar, installed by `npm install` in `tests/html-validator`.
/// The Nu Html Checker for `what`'s pages, or `None` (said, and a failure under CI) where java
/// or the checker is missing.
pub fn validator_for(what: &str) -> Option<PathBuf> {
    let jar = validator();
    if jar.is_none() {
        let message = format!("{what} HTML validation skipped: needs java and `npm install` in tests/html-validator");
        assert!(std::env::var_os("CI").is_none(), "{message}");
        println!("{message}");
    }
    jar
}

/// Runs the Nu Html Checker on every page in `dir`; fails with its report of errors.
pub fn assert_valid_html(jar: &std::path::Path, dir: &std::path::Path) {
    let output = std::process::Command::new("java")
        .args(["-jar", jar.to_str().unwrap(), "--errors-only", "--format", "text"])
        .arg(dir)
        .output()
        .expect("java runs");
    let report = String::from_utf8_lossy(&output.stderr).into_owned() + &String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "the Nu Html Checker found errors:\n{report}");
}

pub fn validator() -> Option<PathBuf> {
    let jar =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/html-validator/node_modules/vnu-jar/build/dist/vnu.jar");
    let java = std::process::Command::new("java").arg("-version").output().is_ok_and(|o| o.status.success());
    (jar.exists() && java).then_some(jar)
}

#[tokio::test]
async fn every_page_is_valid_html() {
    let Some(jar) = validator() else {
        let message = "explorer HTML validation skipped: needs java and `npm install` in tests/html-validator";
        assert!(std::env::var_os("CI").is_none(), "{message}");
        println!("{message}");
        return;
    };
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let mut paths: Vec<String> =
        ["/", "/?country=US&sort=compute", "/plots", "/?country=USA", "/models/no-such-model", "/feedback"]
            .map(String::from)
            .to_vec();
    for model in all_nodes(&app, "models", "slug", "").await {
        paths.push(format!("/models/{}", model["slug"].as_str().unwrap()));
    }
    for (i, path) in paths.iter().enumerate() {
        let (_, _, body) = get(&app, path).await;
        std::fs::write(dir.path().join(format!("page-{i}.html")), body).unwrap();
    }
    let (_, thanks) = post_feedback(
        &app,
        &[
            ("kind", "NEW_MODEL"),
            ("proposedModelName", "Valid Model"),
            ("body", "A model worth adding to the catalog."),
        ],
    )
    .await;
    let (_, refused) = post_feedback(&app, &[("kind", "GENERAL"), ("body", "short")]).await;
    std::fs::write(dir.path().join("feedback-thanks.html"), thanks).unwrap();
    std::fs::write(dir.path().join("feedback-refused.html"), refused).unwrap();
    for (i, path) in ["/plots/compute.svg?highlight=gpt-4", "/plots/timeline.svg"].iter().enumerate() {
        let (_, _, body) = get(&app, path).await;
        std::fs::write(dir.path().join(format!("plot-{i}.svg")), body).unwrap();
    }
    let output = std::process::Command::new("java")
        .args(["-jar", jar.to_str().unwrap(), "--also-check-svg", "--errors-only", "--format", "text"])
        .arg(dir.path())
        .output()
        .expect("java runs");
    let report = String::from_utf8_lossy(&output.stderr).into_owned() + &String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "the Nu Html Checker found errors in {:?}:\n{report}", paths);
}

async fn post_feedback(app: &TestApp, form: &[(&str, &str)]) -> (u16, String) {
    let response = app.client.post(app.url("/feedback")).form(form).send().await.expect("request sent");
    (response.status().as_u16(), response.text().await.unwrap())
}

/// How many feedback submissions the editors' queue holds.
async fn queued(app: &TestApp, token: &str) -> i64 {
    let data = app.query_as(token, "{ feedbackQueue { totalCount } }", json!({})).await;
    data["feedbackQueue"]["totalCount"].as_i64().unwrap()
}

fn tracking_code(html: &str) -> Option<String> {
    let marker = "id=\"tracking-code\">";
    let start = html.find(marker)? + marker.len();
    Some(html[start..start + html[start..].find('<')?].to_owned())
}

#[tokio::test]
async fn feedback_goes_through_the_api_and_shows_the_tracking_code() {
    let app = spawn_app().await;
    let id =
        app.query(r#"{ model(slug: "gpt-4") { id } }"#, json!({})).await["model"]["id"].as_str().unwrap().to_owned();
    let html = page(&app, "/models/gpt-4").await;
    assert!(html.contains(&format!("name=\"subjectId\" value=\"{id}\"")), "the model page's form names the model");

    let (status, html) = post_feedback(
        &app,
        &[
            ("kind", "CORRECTION"),
            ("subjectId", &id),
            ("model", "gpt-4"),
            ("modelName", "GPT-4"),
            ("body", "The training compute estimate has been revised by Epoch."),
            ("sourceUrl", ""),
            ("submitterName", "Ada"),
            ("contact", ""),
            ("creditConsent", "yes"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{html}");
    let code = tracking_code(&html).expect("the tracking code is shown");
    let data = app
        .query("query($code: String!) { feedbackStatus(trackingCode: $code) { kind status } }", json!({ "code": code }))
        .await;
    assert_eq!(data["feedbackStatus"], json!({ "kind": "CORRECTION", "status": "PENDING" }));
    assert!(html.contains("href=\"/models/gpt-4\""), "a way back to the model");

    // Refused input: the form again, naming the field, keeping what was typed; nothing stored.
    let token = app.editor_token(EditorRole::Editor).await;
    let before = queued(&app, &token).await;
    let (status, html) =
        post_feedback(&app, &[("kind", "NEW_MODEL"), ("proposedModelName", "Mystery-1"), ("body", "too short")]).await;
    assert_eq!(status, 400, "{html}");
    assert!(html.contains("<strong>body</strong>"), "{html}");
    assert!(html.contains("value=\"Mystery-1\""), "the form keeps what was typed");
    let (status, html) = post_feedback(&app, &[("kind", "GARDENING"), ("body", "A perfectly long enough body.")]).await;
    assert_eq!(status, 400, "{html}");
    assert_eq!(queued(&app, &token).await, before);

    // A missing model, from /feedback.
    let html = page(&app, "/feedback").await;
    assert!(html.contains("value=\"NEW_MODEL\""));
    let (status, html) = post_feedback(
        &app,
        &[("kind", "NEW_MODEL"), ("proposedModelName", "Mystery-1"), ("body", "Announced last week with 1e26 FLOP.")],
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert!(tracking_code(&html).is_some());
    assert_eq!(queued(&app, &token).await, before + 1);
}

/// The explorer's and the export's parameters and the feed: a NUL or an oversized value is a 400
/// naming the parameter, never a 500 (a NUL once made Postgres fail the query).
#[tokio::test]
async fn nul_and_oversized_parameters_are_400_naming_them() {
    let app = spawn_app().await;
    let long = "a".repeat(101);
    for (path, field) in [
        ("/?q=gpt%00".to_owned(), "q"),
        ("/?org=%00".to_owned(), "org"),
        (format!("/?q={long}"), "q"),
        ("/plots?q=%00".to_owned(), "q"),
        ("/plots/compute.svg?org=x%00".to_owned(), "org"),
        ("/plots/timeline.svg?q=%00".to_owned(), "q"),
        ("/?country=U%00".to_owned(), "country"),
        ("/?sort=%00".to_owned(), "sort"),
        ("/?after=%00".to_owned(), "after"),
        ("/?before=%00".to_owned(), "before"),
    ] {
        let (status, _, body) = get(&app, &path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert!(body.contains(&format!("<code>{field}</code>")), "{path} names {field}: {body}");
    }
    let (status, _, _) = get(&app, "/models/gpt%00").await;
    assert_eq!(status, 404, "no model's slug holds a NUL");

    for path in ["/export/models.csv", "/export/models.json"] {
        for (filter, field) in [
            (json!({ "name": { "contains": "\u{0}" } }), "filter.name.contains"),
            (json!({ "slug": { "startsWith": "s".repeat(1_001) } }), "filter.slug.startsWith"),
        ] {
            let response = app.client.get(app.url(path)).query(&[("filter", filter.to_string())]).send().await.unwrap();
            assert_eq!(response.status(), 400, "{path} {filter}");
            let body: serde_json::Value = response.json().await.unwrap();
            assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
            assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
        }
    }
    // The feed takes the explorer's parameters, and refuses the same values.
    let response = app.client.get(app.url("/feed.atom?q=%00")).send().await.unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["field"], "q", "{body}");
    assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 200);
    page(&app, "/?q=gpt").await;
}
