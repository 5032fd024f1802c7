//! The explorer's predictions (issue 17): each model page lists its predictions (status,
//! outcome, successor, hindsight), its successor candidates and its threshold status, in the
//! present and in a past view.

use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

pub async fn get(app: &TestApp, path: &str) -> (u16, String, String) {
    let response = app.client.get(app.url(path)).send().await.expect("request sent");
    let status = response.status().as_u16();
    let content_type = response.headers().get(CONTENT_TYPE).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, content_type, response.text().await.expect("a text body"))
}

pub async fn page(app: &TestApp, path: &str) -> String {
    let (status, content_type, body) = get(app, path).await;
    assert_eq!(status, 200, "{path}: {body}");
    assert!(content_type.starts_with("text/html"), "{path}: {content_type}");
    body
}

/// What maud escapes in text.
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The part of `html` from `from` up to `to` (or the end).
fn between<'a>(html: &'a str, from: &str, to: &str) -> &'a str {
    let start = html.find(from).unwrap_or_else(|| panic!("{from} is on the page"));
    let rest = &html[start..];
    &rest[..rest.find(to).unwrap_or(rest.len())]
}

/// "OPEN_WEIGHTS" → "Open weights", as the explorer labels the API's values.
fn label(value: &str) -> String {
    let lower = value.replace('_', " ").to_lowercase();
    let mut chars = lower.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

const MODEL: &str = r#"query($at: DateTime) { model(slug: "gpt-4", asRecordedAt: $at) {
  predictions { kind status outcome hindsight capability { name } claim { statement category } successor { slug name } }
  successorCandidates { model { slug name } computeKnown computeRatio }
  thresholdStatus { threshold { name } status }
} }"#;

async fn check_model_page(app: &TestApp, at: Option<&str>) {
    let model = app.query(MODEL, json!({ "at": at })).await["model"].clone();
    let path = match at {
        Some(at) => format!("/models/gpt-4?asRecordedAt={}", url_encoded(at)),
        None => "/models/gpt-4".to_owned(),
    };
    let html = page(app, &path).await;
    let keep = at.map(|at| format!("?asRecordedAt={}", url_encoded(at))).unwrap_or_default();

    let predictions = model["predictions"].as_array().unwrap();
    let resolved: Vec<&Value> = predictions.iter().filter(|p| p["status"] == "RESOLVED").collect();
    assert!(!resolved.is_empty(), "gpt-4 has resolved predictions in the starter catalog");
    let section = between(&html, "id=\"predictions\"", "id=\"successors\"");
    assert_eq!(section.matches("<tr>").count(), predictions.len() + 1, "a row per prediction under the heading");
    for p in predictions {
        if let Some(name) = p["capability"]["name"].as_str() {
            assert!(section.contains(&escaped(name)), "{name}");
        }
        if let Some(statement) = p["claim"]["statement"].as_str() {
            assert!(section.contains(&escaped(statement)), "{statement}");
        }
    }
    for p in &resolved {
        let outcome = label(p["outcome"].as_str().unwrap());
        assert!(section.contains(&format!("<strong>{outcome}</strong>")), "{outcome}");
        let successor = &p["successor"];
        let link = format!(
            "href=\"/models/{}{keep}\">{}</a>",
            successor["slug"].as_str().unwrap(),
            escaped(successor["name"].as_str().unwrap())
        );
        assert!(section.contains(&link), "the successor is linked: {link}");
    }
    let hindsight = predictions.iter().filter(|p| p["hindsight"] == true).count();
    assert!(hindsight > 0, "the starter catalog's resolutions are hindsight");
    assert_eq!(section.matches("class=\"tag hindsight\"").count(), hindsight, "each hindsight prediction is marked");
    assert_eq!(section.matches("class=\"tag resolved\"").count(), resolved.len());

    let candidates = model["successorCandidates"].as_array().unwrap();
    assert!(!candidates.is_empty(), "gpt-4 has successor candidates");
    let section = between(&html, "id=\"successors\"", "</section>");
    for c in candidates {
        let link = format!(
            "href=\"/models/{}{keep}\">{}</a>",
            c["model"]["slug"].as_str().unwrap(),
            escaped(c["model"]["name"].as_str().unwrap())
        );
        assert!(section.contains(&link), "{link}");
        match c["computeRatio"].as_f64() {
            Some(ratio) if c["computeKnown"] == true => {
                assert!(section.contains(&format!("{ratio:.1}× the training compute")))
            }
            _ => assert!(section.contains("compute unknown")),
        }
    }
    let facts = between(&html, "<dt>Threshold status</dt>", "</dd>");
    for t in model["thresholdStatus"].as_array().unwrap() {
        assert!(facts.contains(&escaped(t["threshold"]["name"].as_str().unwrap())));
        assert!(facts.contains(&label(t["status"].as_str().unwrap())));
    }
}

fn url_encoded(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[tokio::test]
async fn a_model_page_shows_its_predictions_successor_candidates_and_threshold_status() {
    let app = spawn_app().await;
    check_model_page(&app, None).await;
    // A past view passes its instant through: the same record, links keeping the instant.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    check_model_page(&app, Some(&now)).await;
}

const LEDGER: &str = r#"query($filter: PredictionFilter, $after: String) {
  predictions(filter: $filter, first: 25, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { model { slug name } status outcome hindsight successor { slug } }
  }
}"#;

/// The model slugs in the ledger's rows, in order.
fn ledger_models(html: &str) -> Vec<String> {
    let table = between(html, "<table class=\"ledger\">", "</table>");
    table
        .split("<th scope=\"row\"><a href=\"/models/")
        .skip(1)
        .map(|rest| rest[..rest.find(['"', '?']).unwrap()].to_owned())
        .collect()
}

/// The target of the link with `rel` on a page.
fn link(html: &str, rel: &str) -> Option<String> {
    let marker = format!("rel=\"{rel}\" href=\"");
    let start = html.find(&marker)? + marker.len();
    let end = start + html[start..].find('"')?;
    Some(html[start..end].replace("&amp;", "&"))
}

#[tokio::test]
async fn the_ledger_pages_and_filters_as_the_api_does_and_the_record_is_tabled() {
    let app = spawn_app().await;
    // The first pages, newest recorded first, as the API pages them.
    let mut path = "/predictions".to_owned();
    let mut after: Option<String> = None;
    for _ in 0..3 {
        let data = app.query(LEDGER, json!({ "after": after })).await["predictions"].clone();
        let html = page(&app, &path).await;
        let expected: Vec<&str> =
            data["nodes"].as_array().unwrap().iter().map(|n| n["model"]["slug"].as_str().unwrap()).collect();
        assert_eq!(ledger_models(&html), expected, "{path}");
        assert!(html.contains(&format!("{} predictions", data["totalCount"])));
        after = data["pageInfo"]["endCursor"].as_str().map(str::to_owned);
        path = link(&html, "next").expect("a next page");
        assert!(path.contains("after="));
    }

    let html = page(&app, "/predictions").await;
    // The record, by year and by organization, with the rule about hindsight.
    let record = app
        .query(
            r#"{ byYear: forecastRecord(groupBy: [YEAR_RECORDED]) { total { recorded hindsight hitRate } groups { yearRecorded counts { recorded } } }
                 byOrg: forecastRecord(groupBy: [ORGANIZATION]) { groups { organization { name } counts { recorded } } } }"#,
            json!({}),
        )
        .await;
    assert!(html.contains("hindsight predictions are counted but never scored"));
    let total = &record["byYear"]["total"];
    assert!(total["recorded"].as_i64().unwrap() > 0);
    assert_eq!(total["hitRate"], Value::Null, "everything resolved in the starter catalog is hindsight");
    let by_year = between(&html, "The record by the year", "</table>");
    for g in record["byYear"]["groups"].as_array().unwrap() {
        let row =
            format!("<th scope=\"row\">{}</th><td class=\"num\">{}</td>", g["yearRecorded"], g["counts"]["recorded"]);
        assert!(by_year.contains(&row), "{row}");
    }
    assert!(by_year.contains(&format!("<th scope=\"row\">All</th><td class=\"num\">{}</td>", total["recorded"])));
    assert!(by_year.contains("<td class=\"num\">—</td></tr>"), "a null hit rate reads as a dash");
    let by_org = between(&html, "The record by the lead organization", "</table>");
    for g in record["byOrg"]["groups"].as_array().unwrap() {
        let name = g["organization"]["name"].as_str().map(escaped).unwrap_or_else(|| "—".into());
        let row = format!("<th scope=\"row\">{name}</th><td class=\"num\">{}</td>", g["counts"]["recorded"]);
        assert!(by_org.contains(&row), "{row}");
    }
    assert!(html.contains("src=\"/predictions/record.svg\""));
    let svg = app.client.get(app.url("/predictions/record.svg")).send().await.unwrap();
    assert_eq!(svg.status(), 200);
    assert!(svg.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("image/svg+xml"));
    let svg = svg.text().await.unwrap();
    assert!(svg.contains("<title>Predictions by year recorded, by outcome</title>") && svg.contains("<rect"));

    // Filters: the rows are the API's for the same filter; the marks are the statuses.
    for (query, filter) in [
        ("status=RESOLVED", json!({ "status": "RESOLVED" })),
        ("status=open&kind=RISK", json!({ "status": "OPEN", "kind": "RISK" })),
        ("outcome=CONFIRMED", json!({ "outcome": "CONFIRMED" })),
        ("hindsight=yes", json!({ "hindsight": true })),
        ("hindsight=no&kind=CAPABILITY", json!({ "hindsight": false, "kind": "CAPABILITY" })),
    ] {
        let data = app.query(LEDGER, json!({ "filter": filter })).await["predictions"].clone();
        let html = page(&app, &format!("/predictions?{query}")).await;
        let nodes = data["nodes"].as_array().unwrap();
        let expected: Vec<&str> = nodes.iter().map(|n| n["model"]["slug"].as_str().unwrap()).collect();
        assert_eq!(ledger_models(&html), expected, "{query}");
        assert!(html.contains(&format!("{} predictions match the filters", data["totalCount"])), "{query}");
        let table = between(&html, "<table class=\"ledger\">", "</table>");
        let resolved = nodes.iter().filter(|n| n["status"] == "RESOLVED").count();
        let open = nodes.iter().filter(|n| n["status"] == "OPEN").count();
        let hindsight = nodes.iter().filter(|n| n["hindsight"] == true).count();
        assert_eq!(table.matches("class=\"tag resolved\"").count(), resolved, "{query}");
        assert_eq!(table.matches("class=\"tag open\"").count(), open, "{query}");
        assert_eq!(table.matches("class=\"tag hindsight\"").count(), hindsight, "{query}");
        if query == "status=RESOLVED" {
            assert!(resolved > 0 && hindsight > 0);
            for n in nodes {
                assert!(table.contains(&format!("href=\"/models/{}\"", n["successor"]["slug"].as_str().unwrap())));
            }
            // The filter is kept in the form and in the next page's address.
            assert!(html.contains("<option value=\"RESOLVED\" selected>"));
            assert!(link(&html, "next").unwrap().contains("status=RESOLVED"));
        }
    }
}

#[tokio::test]
async fn bad_or_unknown_parameters_are_400_naming_them() {
    let app = spawn_app().await;
    for (path, field) in [
        ("/predictions?status=maybe", "status"),
        ("/predictions?kind=hope", "kind"),
        ("/predictions?outcome=won", "outcome"),
        ("/predictions?hindsight=perhaps", "hindsight"),
        ("/predictions?colour=red", "colour"),
        ("/predictions?asRecordedAt=soon", "asRecordedAt"),
        ("/predictions?after=not-a-cursor", "after"),
        ("/predictions/record.svg?year=2024", "year"),
    ] {
        let (status, content_type, body) = get(&app, path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert!(content_type.starts_with("text/html"), "{path}");
        assert!(body.contains(&format!("<code>{field}</code>")), "{path} names {field}: {body}");
    }
    let (status, _, body) = get(&app, "/predictions?%3Cscript%3E=1").await;
    assert_eq!(status, 400);
    assert!(!body.contains("<script>") && body.contains("<code>&lt;script&gt;</code>"), "the name is escaped");
}

#[tokio::test]
async fn a_past_view_of_the_predictions_says_so_and_keeps_its_instant() {
    let app = spawn_app().await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let query = url_encoded(&at);
    let html = page(&app, &format!("/predictions?status=RESOLVED&asRecordedAt={query}")).await;
    assert!(html.contains("Past view."), "the banner");
    assert!(html.contains("href=\"/predictions?status=RESOLVED\""), "the banner links to the present");
    assert!(html.contains(&format!("src=\"/predictions/record.svg?asRecordedAt={query}\"")));
    assert!(html.contains(&format!("<input type=\"hidden\" name=\"asRecordedAt\" value=\"{at}\">")));
    let models = ledger_models(&html);
    assert!(!models.is_empty());
    assert!(html.contains(&format!("href=\"/models/{}?asRecordedAt={query}\"", models[0])));
    let svg = app.client.get(app.url(&format!("/predictions/record.svg?asRecordedAt={query}"))).send().await.unwrap();
    assert_eq!(svg.status(), 200);
    // Before the catalog existed there was nothing on the record.
    let html = page(&app, "/predictions?asRecordedAt=2001-01-01").await;
    assert!(html.contains("0 predictions"));
}

#[tokio::test]
async fn the_predictions_pages_are_valid_html() {
    let Some(jar) = crate::explorer::validator_for("predictions") else { return };
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let paths = [
        "/models/gpt-4",
        "/predictions",
        "/predictions?status=RESOLVED&hindsight=yes",
        "/predictions?kind=RISK&status=OPEN",
        "/predictions?outcome=REFUTED",
        "/predictions?asRecordedAt=2001-01-01",
        "/predictions?status=maybe",
    ];
    for (i, path) in paths.iter().enumerate() {
        let (_, _, body) = get(&app, path).await;
        std::fs::write(dir.path().join(format!("page-{i}.html")), body).unwrap();
    }
    let (_, _, next) = get(&app, "/predictions").await;
    let next = link(&next, "next").unwrap();
    let (_, _, body) = get(&app, &next).await;
    std::fs::write(dir.path().join("page-next.html"), body).unwrap();
    crate::explorer::assert_valid_html(&jar, dir.path());
}

#[tokio::test]
async fn a_reader_opens_the_predictions_filters_the_ledger_and_sees_the_plot() {
    use crate::explorer_browser::{browser, chromium_for, save_screenshot, start_driver, wait_until};
    use fantoccini::Locator;
    let Some((chromium, chromedriver)) = chromium_for("predictions") else { return };
    let app = spawn_app().await;
    let driver = start_driver(&chromedriver).await;
    let profile = tempfile::tempdir().unwrap();
    let browser = browser(&driver, &chromium, profile.path()).await;

    // From the navigation to the ledger, with its record tables and plot.
    browser.goto(&app.url("/")).await.unwrap();
    browser.find(Locator::Css("header.site a[href='/predictions']")).await.unwrap().click().await.unwrap();
    wait_until(&browser, "return location.pathname === '/predictions'").await;
    assert_eq!(browser.find(Locator::Css("h1")).await.unwrap().text().await.unwrap(), "Predictions on the record");
    let rows = browser.find_all(Locator::Css("table.ledger tbody tr")).await.unwrap();
    assert_eq!(rows.len(), 25, "a full first page");
    assert!(!browser.find_all(Locator::Css("table.record tbody tr")).await.unwrap().is_empty());
    wait_until(
        &browser,
        "const img = document.querySelector('figure img[src^=\"/predictions/record.svg\"]'); return !!img && img.complete && img.naturalWidth > 0",
    )
    .await;
    browser.set_window_size(1280, 3000).await.unwrap();
    save_screenshot(&browser, "predictions.png").await;

    // The ledger filtered through its form: resolved predictions, each marked.
    browser.find(Locator::Id("p-status")).await.unwrap().select_by_value("RESOLVED").await.unwrap();
    browser.find(Locator::Css("form.filters button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_until(&browser, "return location.search.includes('status=RESOLVED')").await;
    let resolved = app
        .query(r#"{ predictions(filter: { status: RESOLVED }) { totalCount } }"#, json!({}))
        .await["predictions"]["totalCount"]
        .as_i64()
        .unwrap();
    let rows = browser.find_all(Locator::Css("table.ledger tbody tr")).await.unwrap();
    assert_eq!(rows.len() as i64, resolved.min(25));
    let marked = browser.find_all(Locator::Css("table.ledger tbody .tag.resolved")).await.unwrap();
    assert_eq!(marked.len(), rows.len());

    // The plot alone.
    browser.goto(&app.url("/predictions/record.svg")).await.unwrap();
    wait_until(&browser, "return document.querySelectorAll('rect').length > 3").await;
    browser.close().await.unwrap();
}
