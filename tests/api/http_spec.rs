//! `/graphql` as the GraphQL-over-HTTP specification describes it, and the health endpoints.

use reqwest::header::{ACCEPT, ALLOW, CONTENT_TYPE};
use serde_json::{Value, json};

use crate::helpers::{GRAPHQL_RESPONSE, TestApp, spawn_app, spawn_app_with};

const QUERY: &str = r#"{"query":"{ models(first: 1) { totalCount } }"}"#;

fn content_type(response: &reqwest::Response) -> String {
    response.headers().get(CONTENT_TYPE).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}

async fn error_code(response: reqwest::Response) -> Value {
    let body: Value = response.json().await.expect("a JSON body");
    assert!(body.get("data").is_none(), "a request error has no data: {body}");
    body["errors"][0]["extensions"]["code"].clone()
}

#[tokio::test]
async fn post_answers_in_the_negotiated_media_type() {
    let app = spawn_app().await;
    for (accept, expected) in [
        (Some(GRAPHQL_RESPONSE), GRAPHQL_RESPONSE),
        (Some("application/json"), "application/json"),
        (Some("*/*"), "application/json"),
        (None, "application/json"),
        (Some("application/json;q=0.9, application/graphql-response+json"), GRAPHQL_RESPONSE),
    ] {
        let response = app.post_raw(Some("application/json"), accept, QUERY).await;
        assert_eq!(response.status(), 200, "{accept:?}");
        assert!(content_type(&response).starts_with(expected), "{accept:?}: {}", content_type(&response));
        let body: Value = response.json().await.unwrap();
        assert!(body["data"]["models"]["totalCount"].as_i64().unwrap() > 0);
    }
    let response = app.post_raw(Some("application/json"), Some("text/html"), QUERY).await;
    assert_eq!(response.status(), 406);
}

#[tokio::test]
async fn malformed_requests_are_400_with_a_code_and_no_data() {
    let app = spawn_app().await;
    for body in [
        "{not json",
        "[]",
        r#"[{"query":"{ models { totalCount } }"}]"#,
        r#"{"variables":{}}"#,
        r#"{"query": 42}"#,
        r#"{"query":"{ models { totalCount } }","variables":[1]}"#,
        r#"{"query":"{ models { totalCount } }","operationName":7}"#,
        r#"{"query":"{ models { totalCount } }","extensions":"x"}"#,
    ] {
        for accept in [GRAPHQL_RESPONSE, "application/json"] {
            let response = app.post_raw(Some("application/json"), Some(accept), body).await;
            assert_eq!(response.status(), 400, "{body} ({accept})");
            assert_eq!(error_code(response).await, "BAD_REQUEST", "{body}");
        }
    }
}

#[tokio::test]
async fn a_body_that_is_not_json_is_415() {
    let app = spawn_app().await;
    for content_type in
        [None, Some("text/plain"), Some("application/x-www-form-urlencoded"), Some("application/json; charset=latin1")]
    {
        let response = app.post_raw(content_type, Some(GRAPHQL_RESPONSE), QUERY).await;
        assert_eq!(response.status(), 415, "{content_type:?}");
    }
    let response = app.post_raw(Some("application/json; charset=utf-8"), Some(GRAPHQL_RESPONSE), QUERY).await;
    assert_eq!(response.status(), 200);
}

async fn request_error(app: &TestApp, query: &str, variables: Value) -> (u16, u16, Value) {
    let body = json!({ "query": query, "variables": variables }).to_string();
    let strict = app.post_raw(Some("application/json"), Some(GRAPHQL_RESPONSE), body.clone()).await;
    let legacy = app.post_raw(Some("application/json"), Some("application/json"), body).await;
    let legacy_status = legacy.status().as_u16();
    let status = strict.status().as_u16();
    let body: Value = strict.json().await.unwrap();
    assert!(body.get("data").is_none(), "{body}");
    let _: Value = legacy.json().await.unwrap();
    (status, legacy_status, body["errors"][0].clone())
}

#[tokio::test]
async fn parse_and_validation_errors_carry_their_codes() {
    let app = spawn_app().await;
    let cases = [
        ("{ models { ", json!({}), "GRAPHQL_PARSE_FAILED"),
        ("{ models { nodes { noSuchField } } }", json!({}), "GRAPHQL_VALIDATION_FAILED"),
        ("{ noSuchRoot }", json!({}), "GRAPHQL_VALIDATION_FAILED"),
        // A value that does not fit its argument's type is the client's bad input, named.
        ("query($n: Int) { models(first: $n) { totalCount } }", json!({ "n": "ten" }), "BAD_USER_INPUT"),
        ("query($n: Int!) { models(first: $n) { totalCount } }", json!({}), "GRAPHQL_VALIDATION_FAILED"),
        ("query A { models { totalCount } } query B { models { totalCount } }", json!({}), "GRAPHQL_VALIDATION_FAILED"),
        ("{ riskAssessments(orderBy: [{ field: COLOUR }]) { totalCount } }", json!({}), "BAD_USER_INPUT"),
    ];
    for (query, variables, code) in cases {
        let (status, legacy_status, error) = request_error(&app, query, variables).await;
        assert_eq!(status, 400, "{query}: {error}");
        assert_eq!(legacy_status, 200, "{query}: application/json keeps 200");
        assert_eq!(error["extensions"]["code"], code, "{query}: {error}");
        if code == "BAD_USER_INPUT" {
            assert!(error["extensions"]["field"].is_string(), "the argument is named: {error}");
        }
        assert!(!error["message"].as_str().unwrap().to_lowercase().contains("sql"), "{error}");
    }
}

/// A document that passed every validation rule once, without variables, skips the rules that
/// depend on nothing else when it comes again (`documents::Admitted::checked`): it must answer as
/// the first time, a refused document must stay refused each time, and variables must still be
/// checked in full.
#[tokio::test]
async fn a_document_validated_once_answers_and_refuses_as_the_first_time() {
    let app = spawn_app().await;
    let query = "query Q($n: Int = 2) { models(first: $n) { nodes { slug } } }";
    let first = app.post_graphql(query, json!({})).await;
    assert_eq!(first.1["data"]["models"]["nodes"].as_array().unwrap().len(), 2, "{first:?}");
    for _ in 0..3 {
        assert_eq!(app.post_graphql(query, json!({})).await, first);
    }
    // The same document with a variable that does not fit is refused, naming the argument.
    let (status, _, error) = request_error(&app, query, json!({ "n": "ten" })).await;
    assert_eq!((status, error["extensions"]["code"].as_str()), (400, Some("BAD_USER_INPUT")), "{error}");
    // A document refused without variables is refused every time, with the same error.
    for query in ["query($n: Int!) { models(first: $n) { totalCount } }", "{ models { nodes { noSuchField } } }"] {
        let (_, _, refused) = request_error(&app, query, json!({})).await;
        assert_eq!(refused["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{refused}");
        for _ in 0..2 {
            assert_eq!(request_error(&app, query, json!({})).await.2, refused, "{query}");
        }
    }
}

#[tokio::test]
async fn get_runs_queries_and_refuses_mutations() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[
            ("query", "query Q($s: String!) { model(slug: $s) { name } }"),
            ("variables", r#"{"s":"gopher"}"#),
            ("operationName", "Q"),
        ])
        .header(ACCEPT, GRAPHQL_RESPONSE)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(content_type(&response).starts_with(GRAPHQL_RESPONSE));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["model"]["name"], "Gopher (280B)");

    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", "mutation { anything }")])
        .header(ACCEPT, GRAPHQL_RESPONSE)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers().get(ALLOW).unwrap(), "POST");

    let response = app.client.get(app.url("/graphql")).header(ACCEPT, GRAPHQL_RESPONSE).send().await.unwrap();
    assert_eq!(response.status(), 400, "no query");
    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", "{ models { totalCount } }"), ("variables", "[")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400, "variables that are not JSON");
}

#[tokio::test]
async fn browsers_get_graphiql() {
    let app = spawn_app().await;
    let response =
        app.client.get(app.url("/graphql")).header(ACCEPT, "text/html,application/xhtml+xml").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(content_type(&response).starts_with("text/html"));
    let page = response.text().await.unwrap();
    assert!(page.contains("graphiql"), "GraphiQL page");
}

#[tokio::test]
async fn an_oversized_body_is_413() {
    let app = spawn_app_with(|s| s.http.body_limit_bytes = 4096).await;
    let padding = " ".repeat(5000);
    let body = format!(r#"{{"query":"{{ models {{ totalCount }} }}{padding}"}}"#);
    let response = app.post_raw(Some("application/json"), Some(GRAPHQL_RESPONSE), body).await;
    assert_eq!(response.status(), 413);

    let app = spawn_app().await;
    let body =
        format!(r#"{{"query":"{{ models {{ totalCount }} }}","extensions":{{"pad":"{}"}}}}"#, "x".repeat(1024 * 1024));
    let response = app.post_raw(Some("application/json"), Some(GRAPHQL_RESPONSE), body).await;
    assert_eq!(response.status(), 413, "the default limit is 1 MiB");
}

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app().await;
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.text().await.unwrap(), "ready");
    let missing = app.client.get(app.url("/no-such-page")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    let put = app.client.put(app.url("/graphql")).body(QUERY).send().await.unwrap();
    assert_eq!(put.status(), 405);
}

/// Responses are compressed when, and only when, the client says it can read the encoding.
#[tokio::test]
async fn responses_are_compressed_as_the_client_negotiates() {
    use std::io::Read;
    let app = spawn_app().await;
    let page = r#"{"query":"{ models(first: 50) { nodes { slug name description } } }"}"#;
    let plain = app.post_raw(Some("application/json"), Some("application/json"), page).await;
    assert!(plain.headers().get("content-encoding").is_none());
    let plain: Value = plain.json().await.unwrap();

    let gzipped = app
        .client
        .post(app.url("/graphql"))
        .header(CONTENT_TYPE, "application/json")
        .header("accept-encoding", "gzip")
        .body(page)
        .send()
        .await
        .unwrap();
    assert_eq!(gzipped.headers()["content-encoding"], "gzip");
    let compressed = gzipped.bytes().await.unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(&compressed[..]).read_to_string(&mut text).expect("valid gzip");
    let decoded: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(decoded, plain, "the same answer, compressed");
    assert!(compressed.len() * 2 < text.len(), "{} bytes compressed from {}", compressed.len(), text.len());

    let brotli = app
        .client
        .post(app.url("/graphql"))
        .header(CONTENT_TYPE, "application/json")
        .header("accept-encoding", "br;q=1.0, gzip;q=0.5")
        .body(page)
        .send()
        .await
        .unwrap();
    assert_eq!(brotli.headers()["content-encoding"], "br");
}

#[tokio::test]
async fn a_response_lists_fields_in_the_order_the_query_selected_them() {
    let app = spawn_app().await;
    for (query, order) in [
        (r#"{"query":"{ models(first: 1) { nodes { slug name id } } }"}"#, vec!["\"slug\"", "\"name\"", "\"id\""]),
        (r#"{"query":"{ models(first: 1) { nodes { name id slug } } }"}"#, vec!["\"name\"", "\"id\"", "\"slug\""]),
        // Texts that rows leave out and read apart still come where they were selected.
        (
            r#"{"query":"{ models(first: 3) { nodes { description slug riskAssessments { rationale summary } industryContext } } }"}"#,
            vec!["\"description\"", "\"slug\"", "\"rationale\"", "\"summary\"", "\"industryContext\""],
        ),
        (
            r#"{"query":"{ model(slug: \"gpt-3\") { industryContext riskAssessments { rationale horizon } name } }"}"#,
            vec!["\"industryContext\"", "\"rationale\"", "\"horizon\"", "\"name\""],
        ),
        (r#"{"query":"{ riskAssessments(first: 3) { nodes { rationale id } } }"}"#, vec!["\"rationale\"", "\"id\""]),
    ] {
        let body = app.post_raw(Some("application/json"), None, query).await.text().await.unwrap();
        let positions: Vec<usize> =
            order.iter().map(|key| body.find(key).unwrap_or_else(|| panic!("{body}"))).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{body}");
    }
}

/// Parsed documents are kept by their text, yet each request runs what it asks for: the
/// operation it names in a shared document, by POST or GET, and a document that does not parse
/// is refused every time.
#[tokio::test]
async fn a_kept_document_runs_the_operation_each_request_names() {
    let app = spawn_app().await;
    let document = r#"query A { model(slug: "gpt-3") { slug } } query B { model(slug: "codex") { slug } }
        mutation C { publishModel(id: "TW9kZWw6MQ==", expectedVersion: 1) { id } }"#;
    for _ in 0..3 {
        for (name, slug) in [("A", "gpt-3"), ("B", "codex")] {
            let body = json!({ "query": document, "operationName": name }).to_string();
            let posted: Value = app.post_raw(Some("application/json"), None, body).await.json().await.unwrap();
            assert_eq!(posted["data"]["model"]["slug"], slug, "{posted}");
            let got = app
                .client
                .get(app.url("/graphql"))
                .query(&[("query", document), ("operationName", name)])
                .send()
                .await
                .unwrap();
            assert_eq!(got.status(), 200);
            let got: Value = got.json().await.unwrap();
            assert_eq!(got["data"]["model"]["slug"], slug, "{got}");
        }
        let refused = app
            .client
            .get(app.url("/graphql"))
            .query(&[("query", document), ("operationName", "C")])
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 405);
        let (status, body) = app.post_graphql("{ models(first: ", json!({})).await;
        assert_eq!(status, 400);
        assert_eq!(body["errors"][0]["extensions"]["code"], "GRAPHQL_PARSE_FAILED", "{body}");
    }
}
