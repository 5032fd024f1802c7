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
