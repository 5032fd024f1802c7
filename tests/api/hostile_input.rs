//! Documents built to exhaust the service (issue 21, items 1, 2, 9 and 11a): input nested
//! thousands deep, fragments that double at every level, NUL and oversized strings, alias
//! floods. Each is refused with a coded error, over every transport, and the service keeps
//! answering.

use futures_util::{SinkExt, StreamExt};
use reqwest::header::ACCEPT;
use serde_json::{Value, json};
use tokio_tungstenite::{
    connect_async,
    tungstenite::{Message, client::IntoClientRequest, http::HeaderValue},
};

use crate::helpers::{TestApp, spawn_app};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

fn nested_not(depth: usize) -> String {
    format!(
        "{{ models(filter: {}{{name: {{eq: \"x\"}}}}{}) {{ totalCount }} }}",
        "{not: ".repeat(depth),
        "}".repeat(depth)
    )
}

fn nested_and(depth: usize) -> String {
    format!(
        "{{ models(filter: {}{{name: {{eq: \"x\"}}}}{}) {{ totalCount }} }}",
        "{and: [".repeat(depth),
        "]}".repeat(depth)
    )
}

fn nested_base_model(depth: usize) -> String {
    format!(
        "{{ models(filter: {}{{name: {{eq: \"x\"}}}}{}) {{ totalCount }} }}",
        "{baseModel: ".repeat(depth),
        "}".repeat(depth)
    )
}

/// Nested lists: the shortest text per level, so that 10,000 levels fit in a GET's URL.
fn nested_list(depth: usize) -> String {
    format!("{{models(filter:{{name:{{in:{}\"x\"{}}}}}){{totalCount}}}}", "[".repeat(depth), "]".repeat(depth))
}

/// The one error of a refused request, checked to be a request error (400, no data).
async fn refused(app: &TestApp, query: &str, variables: Value) -> Value {
    let (status, body) = app.post_graphql(query, variables).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.get("data").is_none(), "{body}");
    body["errors"][0].clone()
}

/// The service still answers: `/healthz`, and a query that reads the catalog.
async fn still_answering(app: &TestApp) {
    let health = app.client.get(app.url("/healthz")).send().await.expect("the service answers");
    assert_eq!(health.status(), 200);
    let data = app.query("{ models(first: 1) { totalCount } }", json!({})).await;
    assert!(data["models"]["totalCount"].as_u64().unwrap() > 0, "{data}");
}

#[tokio::test]
async fn deeply_nested_filters_are_refused_over_post_naming_the_argument() {
    let app = spawn_app().await;
    for query in [nested_not(193), nested_and(88), nested_base_model(200), nested_not(10_000), nested_list(10_000)] {
        let error = refused(&app, &query, json!({})).await;
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{error}");
        assert_eq!(error["extensions"]["field"], "filter", "{error}");
    }
    still_answering(&app).await;
}

#[tokio::test]
async fn deeply_nested_filters_are_refused_over_get() {
    let app = spawn_app().await;
    // The URL carries `[` and `{` as they are: 10,000 levels fit within a URI's 64 KB.
    let url = format!("{}?query={}", app.url("/graphql"), nested_list(10_000));
    let response = app.client.get(url).header(ACCEPT, GRAPHQL_RESPONSE).send().await.unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "filter", "{body}");
    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", nested_not(193))])
        .header(ACCEPT, GRAPHQL_RESPONSE)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    still_answering(&app).await;
}

/// The next message that answers an operation (not a ping, nor the `complete` after an answer).
async fn next_reply(
    socket: &mut tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
) -> Value {
    loop {
        let message = socket.next().await.expect("an answer").expect("the socket stays open");
        if let Message::Text(text) = message {
            let reply: Value = serde_json::from_str(&text).unwrap();
            if reply["type"] != "ping" && reply["type"] != "complete" {
                return reply;
            }
        }
    }
}

#[tokio::test]
async fn deeply_nested_filters_are_refused_over_the_websocket() {
    let app = spawn_app().await;
    let url = format!("{}/graphql/ws", app.address.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert("Sec-WebSocket-Protocol", HeaderValue::from_static("graphql-transport-ws"));
    let (mut socket, _) = connect_async(request).await.expect("the websocket opens");
    socket.send(Message::Text(json!({ "type": "connection_init", "payload": {} }).to_string().into())).await.unwrap();
    let ack = socket.next().await.unwrap().unwrap();
    assert!(ack.to_text().unwrap().contains("connection_ack"), "{ack:?}");
    for (i, query) in [nested_not(10_000), nested_and(88), nested_base_model(200)].into_iter().enumerate() {
        let message = json!({ "id": format!("q{i}"), "type": "subscribe", "payload": { "query": query } });
        socket.send(Message::Text(message.to_string().into())).await.unwrap();
        let reply = next_reply(&mut socket).await;
        // graphql-transport-ws answers a refused operation with `error` (a list of errors).
        let errors =
            if reply["type"] == "error" { reply["payload"].clone() } else { reply["payload"]["errors"].clone() };
        assert_eq!(errors[0]["extensions"]["code"], "BAD_USER_INPUT", "{reply}");
        assert_eq!(errors[0]["extensions"]["field"], "filter", "{reply}");
    }
    // The socket still runs queries.
    let message =
        json!({ "id": "ok", "type": "subscribe", "payload": { "query": "{ models(first: 1) { totalCount } }" } });
    socket.send(Message::Text(message.to_string().into())).await.unwrap();
    let reply = next_reply(&mut socket).await;
    assert_eq!(reply["type"], "next", "{reply}");
    assert!(reply["payload"]["data"]["models"]["totalCount"].as_u64().unwrap() > 0, "{reply}");
    still_answering(&app).await;
}

#[tokio::test]
async fn deeply_nested_variables_are_refused_naming_the_argument() {
    let app = spawn_app().await;
    let mut filter = json!({ "name": { "eq": "x" } });
    for _ in 0..120 {
        filter = json!({ "not": filter });
    }
    let query = "query($f: ModelFilter) { models(filter: $f) { totalCount } }";
    let error = refused(&app, query, json!({ "f": filter })).await;
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{error}");
    assert!(error["extensions"]["field"].as_str().unwrap().starts_with("filter.not.not"), "{error}");
    still_answering(&app).await;
}

#[tokio::test]
async fn a_filter_within_the_input_depth_reaches_the_filter_checks() {
    let app = spawn_app().await;
    // 31 levels pass the input depth (32) and are converted; the filter's own limit (5) answers.
    let (status, body) = app.post_graphql(&nested_not(30), json!({})).await;
    assert_eq!(status, 200, "{body}");
    let error = &body["errors"][0];
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{body}");
    assert!(error["message"].as_str().unwrap().contains("at most 5 levels"), "{body}");
    still_answering(&app).await;
}

#[tokio::test]
async fn nul_and_oversized_strings_are_refused_naming_the_argument() {
    let app = spawn_app().await;
    let cases = [
        (r#"{ models(filter: {name: {contains: "a\u0000b"}}) { totalCount } }"#, json!({}), "filter.name.contains"),
        (r#"{ model(slug: "gpt\u0000") { slug } }"#, json!({}), "slug"),
        ("query($s: String!) { model(slug: $s) { slug } }", json!({ "s": "gpt\u{0}" }), "slug"),
        (
            "mutation($i: SubmitFeedbackInput!) { submitFeedback(input: $i) { trackingCode } }",
            json!({ "i": { "kind": "GENERAL", "body": "a long enough body with \u{0} inside" } }),
            "input.body",
        ),
        ("query($s: String!) { model(slug: $s) { slug } }", json!({ "s": "x".repeat(70_000) }), "slug"),
    ];
    for (query, variables, field) in cases {
        let error = refused(&app, query, variables).await;
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{error}");
        assert_eq!(error["extensions"]["field"], field, "{error}");
    }
    still_answering(&app).await;
}

#[tokio::test]
async fn the_export_refuses_deep_and_nul_filters() {
    let app = spawn_app().await;
    let mut deep = json!({ "name": { "eq": "x" } });
    for _ in 0..120 {
        deep = json!({ "not": deep });
    }
    for filter in [deep, json!({ "name": { "contains": "a\u{0}" } })] {
        let response = app
            .client
            .get(app.url("/export/models.json"))
            .query(&[("filter", filter.to_string())])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
    }
    still_answering(&app).await;
}

#[tokio::test]
async fn fragments_that_double_at_every_level_are_refused_before_validation() {
    let app = spawn_app().await;
    let mut query = String::from("query { ...F28 }\nfragment F0 on Query { __typename }\n");
    for i in 1..=28 {
        query.push_str(&format!("fragment F{i} on Query {{ ...F{j} ...F{j} }}\n", j = i - 1));
    }
    // Sent while a normal query is answered alongside.
    let (error, _) = tokio::join!(refused(&app, &query, json!({})), still_answering(&app));
    assert_eq!(error["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{error}");
    assert!(error["message"].as_str().unwrap().contains("fields"), "{error}");
    still_answering(&app).await;
}

#[tokio::test]
async fn long_fragment_chains_are_refused_even_unused() {
    let app = spawn_app().await;
    let mut query = String::from("query { __typename }\nfragment F0 on Query { __typename }\n");
    for i in 1..=10_000 {
        query.push_str(&format!("fragment F{i} on Query {{ ...F{j} }}\n", j = i - 1));
    }
    let error = refused(&app, &query, json!({})).await;
    assert_eq!(error["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{error}");
    still_answering(&app).await;
}

#[tokio::test]
async fn alias_floods_are_refused_and_a_few_aliases_pass() {
    let app = spawn_app().await;
    let flood: String = (0..1_000).map(|i| format!("a{i}: __schema {{ types {{ name }} }} ")).collect();
    let error = refused(&app, &format!("{{ {flood} }}"), json!({})).await;
    assert_eq!(error["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{error}");
    assert!(error["message"].as_str().unwrap().contains("aliases"), "{error}");
    let data = app.query(r#"{ a: model(slug: "gpt-3") { slug } b: model(slug: "gpt-4") { slug } }"#, json!({})).await;
    assert_eq!(data["a"]["slug"], "gpt-3");
    still_answering(&app).await;
}
