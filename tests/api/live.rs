//! Live updates: `catalogChanged` over graphql-transport-ws at `/graphql/ws`, through a real
//! websocket client, fed by the revision log whichever process wrote it.

use std::time::{Duration, Instant};

use ai_tracker::domain::EditorRole;
use ai_tracker::service::changes::ChangeHub;
use ai_tracker::startup::Application;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream, connect_async,
    tungstenite::{Message, client::IntoClientRequest, http::HeaderValue, protocol::frame::coding::CloseCode},
};

use crate::helpers::{
    TestApp, TestDatabase, postgres_admin_url, second_instance, seed_by_command_line, spawn_app, spawn_app_on,
    spawn_app_with,
};

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The longest an expected event may take to arrive.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// Opens `/graphql/ws` with the graphql-transport-ws subprotocol, without a handshake; the
/// error is the upgrade's refusal.
pub async fn open(address: &str) -> Result<Socket, tokio_tungstenite::tungstenite::Error> {
    let url = format!("{}/graphql/ws", address.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert("Sec-WebSocket-Protocol", HeaderValue::from_static("graphql-transport-ws"));
    let (socket, response) = connect_async(request).await?;
    assert_eq!(response.headers()["sec-websocket-protocol"], "graphql-transport-ws");
    Ok(socket)
}

/// Opens `/graphql/ws` and does the graphql-transport-ws handshake; the init payload carries
/// `authorization`. Returns the socket, or the close frame that refused it.
pub async fn connect(address: &str, authorization: Option<&str>) -> Result<Socket, Option<(CloseCode, String)>> {
    let mut socket = open(address).await.expect("the websocket opens");
    let payload = match authorization {
        Some(value) => json!({ "authorization": value }),
        None => json!({}),
    };
    socket.send(text(json!({ "type": "connection_init", "payload": payload }))).await.unwrap();
    match tokio::time::timeout(PATIENCE, socket.next()).await.expect("an answer to connection_init") {
        Some(Ok(Message::Text(reply))) => {
            let reply: Value = serde_json::from_str(&reply).unwrap();
            assert_eq!(reply["type"], "connection_ack", "{reply}");
            Ok(socket)
        }
        Some(Ok(Message::Close(frame))) => Err(frame.map(|f| (f.code, f.reason.to_string()))),
        other => panic!("unexpected answer to connection_init: {other:?}"),
    }
}

pub fn text(value: Value) -> Message {
    Message::Text(value.to_string().into())
}

pub const CHANGES: &str = r#"subscription($types: [CatalogEntityType!]) {
  catalogChanged(types: $types) {
    entityType entityId action revisionId at
    node { __typename ... on Model { slug published } ... on Organization { slug } }
  }
}"#;

/// Subscribes to `catalogChanged` on `app`'s socket, and waits until `hub` counts the
/// subscription as open (so that no change made after this returns can be missed).
async fn subscribe(socket: &mut Socket, hub: &ChangeHub, types: Option<Value>) {
    subscribe_to(socket, hub, CHANGES, json!({ "types": types })).await
}

/// Sends the subscription `query` and waits until `hub` counts it as open.
pub async fn subscribe_to(socket: &mut Socket, hub: &ChangeHub, query: &str, variables: Value) {
    let before = hub.open_subscriptions();
    let id = format!("sub-{before}");
    let message = json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } });
    socket.send(text(message)).await.unwrap();
    let deadline = Instant::now() + PATIENCE;
    while hub.open_subscriptions() <= before {
        assert!(Instant::now() < deadline, "the subscription never opened");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The next message on the socket that is not a keep-alive.
pub async fn next_message(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(PATIENCE, socket.next()).await.expect("a message in time");
        match message {
            Some(Ok(Message::Text(body))) => {
                let body: Value = serde_json::from_str(&body).unwrap();
                if body["type"] == "ping" {
                    socket.send(text(json!({ "type": "pong" }))).await.unwrap();
                    continue;
                }
                return body;
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            other => panic!("the socket ended instead of a message: {other:?}"),
        }
    }
}

/// The next `catalogChanged` event on the socket.
async fn next_event(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(PATIENCE, socket.next()).await.expect("an event in time");
        match message {
            Some(Ok(Message::Text(body))) => {
                let body: Value = serde_json::from_str(&body).unwrap();
                match body["type"].as_str() {
                    Some("next") => {
                        assert!(body["payload"].get("errors").is_none(), "{body}");
                        return body["payload"]["data"]["catalogChanged"].clone();
                    }
                    Some("ping") => socket.send(text(json!({ "type": "pong" }))).await.unwrap(),
                    _ => panic!("unexpected message: {body}"),
                }
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            other => panic!("the socket ended instead of an event: {other:?}"),
        }
    }
}

/// Nothing arrives on the socket for a while.
async fn assert_quiet(socket: &mut Socket, wait: Duration) {
    if let Ok(message) = tokio::time::timeout(wait, socket.next()).await {
        panic!("expected no event, got {message:?}");
    }
}

async fn id_of(app: &TestApp, field: &str, slug: &str) -> String {
    let data = app.query(&format!("{{ {field}(slug: \"{slug}\") {{ id }} }}"), json!({})).await;
    data[field]["id"].as_str().unwrap_or_else(|| panic!("{field} {slug} exists")).to_owned()
}

const CREATE_MODEL: &str =
    "mutation($input: CreateModelInput!) { createModel(input: $input) { id slug version published } }";

pub async fn create_model(app: &TestApp, token: &str, slug: &str, published: bool) -> Value {
    let input = json!({ "slug": slug, "name": slug, "published": published, "access": "API" });
    app.query_as(token, CREATE_MODEL, json!({ "input": input })).await["createModel"].clone()
}

async fn create_organization(app: &TestApp, token: &str, slug: &str) -> Value {
    let mutation = "mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { id slug } }";
    let input = json!({ "slug": slug, "name": slug, "country": "FR", "kind": "INDUSTRY" });
    app.query_as(token, mutation, json!({ "input": input })).await["createOrganization"].clone()
}

#[tokio::test]
async fn a_committed_change_reaches_subscribers_and_a_failed_one_never_does() {
    let app = spawn_app().await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let mut socket = connect(&app.address, None).await.expect("anyone may subscribe");
    subscribe(&mut socket, &app.changes, None).await;
    assert_eq!(app.changes.open_subscriptions(), 1);

    // Two mutations that fail inside the service: a taken slug, and a stale version.
    let (_, error) = app
        .query_error_as(
            &editor,
            CREATE_MODEL,
            json!({ "input": { "slug": "gpt-3", "name": "again", "published": true } }),
        )
        .await;
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{error}");
    let gpt3 = id_of(&app, "model", "gpt-3").await;
    let stale =
        "mutation($id: ID!) { updateModel(id: $id, input: { parameters: 1.0e9 }, expectedVersion: 999) { version } }";
    let (_, error) = app.query_error_as(&editor, stale, json!({ "id": gpt3 })).await;
    assert_eq!(error["extensions"]["code"], "CONFLICT", "{error}");
    assert_quiet(&mut socket, Duration::from_millis(800)).await;

    let created = create_model(&app, &editor, "live-model", true).await;
    let event = next_event(&mut socket).await;
    assert_eq!(event["entityType"], "MODEL");
    assert_eq!(event["action"], "CREATE");
    assert_eq!(event["entityId"], created["id"]);
    assert_eq!(event["node"], json!({ "__typename": "Model", "slug": "live-model", "published": true }));
    assert!(event.get("id").is_none(), "the event has no `id` of its own: {event}");
    // The revision it names is the one the history holds.
    let revision = app
        .query(
            "query($id: ID!) { node(id: $id) { ... on Revision { action entityId } } }",
            json!({ "id": event["revisionId"] }),
        )
        .await;
    assert_eq!(revision["node"], json!({ "action": "CREATE", "entityId": created["id"] }));

    // Updates come one event each, in commit order.
    let update = "mutation($id: ID!, $v: Int!) { updateModel(id: $id, input: { parameters: 7.0e9 }, expectedVersion: $v) { version } }";
    app.query_as(&editor, update, json!({ "id": created["id"], "v": 1 })).await;
    app.query_as(&editor, update, json!({ "id": created["id"], "v": 2 })).await;
    let first = next_event(&mut socket).await;
    let second = next_event(&mut socket).await;
    assert_eq!((first["action"].as_str(), second["action"].as_str()), (Some("UPDATE"), Some("UPDATE")));
    assert_ne!(first["revisionId"], second["revisionId"]);

    // Closing the socket closes the subscription.
    socket.close(None).await.unwrap();
    let deadline = Instant::now() + PATIENCE;
    while app.changes.open_subscriptions() != 0 {
        assert!(Instant::now() < deadline, "the subscription stayed open after its socket closed");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn drafts_reach_editors_only_and_the_type_filter_applies() {
    let app = spawn_app().await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let mut public = connect(&app.address, None).await.unwrap();
    subscribe(&mut public, &app.changes, None).await;
    let mut editors = connect(&app.address, Some(&format!("Bearer {editor}"))).await.expect("a good token is let in");
    subscribe(&mut editors, &app.changes, None).await;
    let mut organizations_only = connect(&app.address, None).await.unwrap();
    subscribe(&mut organizations_only, &app.changes, Some(json!(["ORGANIZATION"]))).await;

    let draft = create_model(&app, &editor, "secret-draft", false).await;
    let event = next_event(&mut editors).await;
    assert_eq!(event["entityId"], draft["id"]);
    assert_eq!(event["node"]["published"], false, "the editor sees the draft itself");

    let organization = create_organization(&app, &editor, "live-lab").await;
    let event = next_event(&mut editors).await;
    assert_eq!(event["entityId"], organization["id"]);
    // The public's first event is the organization: the draft never reached it.
    let event = next_event(&mut public).await;
    assert_eq!(event["entityType"], "ORGANIZATION", "{event}");
    assert_eq!(event["node"], json!({ "__typename": "Organization", "slug": "live-lab" }));
    let event = next_event(&mut organizations_only).await;
    assert_eq!(event["entityId"], organization["id"]);

    // Publishing makes the model public: now everyone hears of it, but not the organizations-only.
    let publish = "mutation($id: ID!) { publishModel(id: $id, expectedVersion: 1) { published } }";
    app.query_as(&editor, publish, json!({ "id": draft["id"] })).await;
    let event = next_event(&mut public).await;
    assert_eq!((event["action"].as_str(), event["entityId"].clone()), (Some("PUBLISH"), draft["id"].clone()));
    assert_eq!(next_event(&mut editors).await["action"], "PUBLISH");
    assert_quiet(&mut organizations_only, Duration::from_millis(800)).await;
}

#[tokio::test]
async fn a_bad_token_in_connection_init_refuses_the_connection() {
    let app = spawn_app().await;
    for authorization in ["Bearer not-a-token", "Basic dXNlcjpwYXNz"] {
        let refused = connect(&app.address, Some(authorization)).await.expect_err("the connection is refused");
        let (code, _) = refused.expect("with a close frame");
        assert_eq!(u16::from(code), 4403, "{authorization}");
    }
    let refused = connect(&app.address, None).await;
    assert!(refused.is_ok(), "no token at all is the anonymous public");
}

/// Another process's change: the CLI's `seed` writes the starter catalog (and a revision per
/// entry) into the database a running server follows.
#[tokio::test]
async fn a_change_made_by_the_command_line_reaches_a_running_servers_subscribers() {
    let app = spawn_app_with(|settings| settings.no_seed = true).await;
    let mut socket = connect(&app.address, None).await.unwrap();
    subscribe(&mut socket, &app.changes, Some(json!(["MODEL"]))).await;
    seed_by_command_line(&app).await;
    let event = next_event(&mut socket).await;
    assert_eq!(event["action"], "CREATE");
    assert_eq!(event["node"]["__typename"], "Model");
    assert!(event["node"]["slug"].is_string(), "{event}");
}

/// A second instance on the same database: on Postgres, LISTEN/NOTIFY carries the change across.
/// On SQLite the second instance follows the same file.
#[tokio::test]
async fn two_instances_on_one_database_hear_each_others_changes() {
    let a = spawn_app().await;
    let b = second_instance(&a).await;
    let editor = a.editor_token(EditorRole::Editor).await;
    let mut socket = connect(&b.0, None).await.unwrap();
    subscribe(&mut socket, &b.1, None).await;

    let mut latencies = Vec::new();
    for n in 0..5 {
        let sent = Instant::now();
        let created = create_organization(&a, &editor, &format!("lab-on-a-{n}")).await;
        let answered = sent.elapsed();
        let event = next_event(&mut socket).await;
        latencies.push(sent.elapsed().saturating_sub(answered));
        assert_eq!(event["entityId"], created["id"]);
        assert_eq!(event["node"]["slug"], format!("lab-on-a-{n}"));
    }
    let backend = if a.db.is_postgres() { "postgres" } else { "sqlite" };
    println!("two-instance event latency on {backend} (after the mutation's response): {latencies:?}");
}

/// The listener's connection is killed (as a database restart would): it reconnects, catches up
/// with what was committed meanwhile, and goes on.
#[tokio::test]
async fn the_postgres_listener_reconnects_and_catches_up_after_losing_its_connection() {
    let Some(admin_url) = postgres_admin_url() else {
        println!("skipped: set TEST_DATABASE_URL to run this against Postgres");
        return;
    };
    let app = spawn_app_on(TestDatabase::postgres(&admin_url).await, |_| {}).await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let mut socket = connect(&app.address, None).await.unwrap();
    subscribe(&mut socket, &app.changes, None).await;

    let database = url::Url::parse(&app.db.url).unwrap().path().trim_start_matches('/').to_owned();
    let admin = sea_orm::Database::connect(&admin_url).await.unwrap();
    let kill = format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}' AND query LIKE 'LISTEN%'"
    );
    let statement = sea_orm::Statement::from_string(sea_orm::DbBackend::Postgres, kill);
    let killed = sea_orm::ConnectionTrait::query_all_raw(&admin, statement).await.unwrap();
    assert_eq!(killed.len(), 1, "the listener's connection was found and terminated");
    // Changed while the listener is (probably) still reconnecting, and after.
    let first = create_organization(&app, &editor, "while-away").await;
    assert_eq!(next_event(&mut socket).await["entityId"], first["id"]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let second = create_organization(&app, &editor, "after-return").await;
    assert_eq!(next_event(&mut socket).await["entityId"], second["id"]);
    admin.close().await.ok();
}

/// Graceful shutdown closes an open subscription's socket with a close frame (1001).
#[tokio::test]
async fn shutdown_closes_subscription_sockets_cleanly() {
    let db = TestDatabase::create().await;
    let mut settings = ai_tracker::config::ServeSettings::default();
    settings.http.addr = "127.0.0.1:0".into();
    let app = Application::build(&db.settings(), &settings).await.unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    let hub = app.changes();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    let mut socket = connect(&address, None).await.unwrap();
    subscribe(&mut socket, &hub, None).await;

    stop.send(()).unwrap();
    let message = tokio::time::timeout(PATIENCE, socket.next()).await.expect("the server says goodbye in time");
    match message {
        Some(Ok(Message::Close(Some(frame)))) => {
            assert_eq!(frame.code, CloseCode::Away);
            assert_eq!(frame.reason.as_str(), "the server is shutting down");
        }
        other => panic!("expected a close frame, got {other:?}"),
    }
    let served = tokio::time::timeout(PATIENCE, server).await.expect("the server stops in time").unwrap();
    assert!(served.is_ok(), "{served:?}");
    assert_eq!(hub.open_subscriptions(), 0);
}

pub const SUBMISSIONS: &str =
    "subscription { feedbackSubmitted { feedbackId revisionId at feedback { body contact kind } } }";

#[tokio::test]
async fn feedback_submissions_reach_editors_and_nobody_else() {
    let app = spawn_app().await;
    let editor = app.editor_token(EditorRole::Editor).await;

    // Anonymous callers are refused, with the reason.
    let mut anonymous = connect(&app.address, None).await.unwrap();
    let message = json!({ "id": "f1", "type": "subscribe", "payload": { "query": SUBMISSIONS } });
    anonymous.send(text(message)).await.unwrap();
    let refusal = next_message(&mut anonymous).await;
    assert_eq!(refusal["payload"]["data"], Value::Null, "{refusal}");
    assert_eq!(refusal["payload"]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{refusal}");
    assert_eq!(next_message(&mut anonymous).await["type"], "complete", "the subscription ends there");

    let mut editors = connect(&app.address, Some(&format!("Bearer {editor}"))).await.unwrap();
    subscribe_to(&mut editors, &app.changes, SUBMISSIONS, json!({})).await;
    let mut catalog = connect(&app.address, Some(&format!("Bearer {editor}"))).await.unwrap();
    subscribe(&mut catalog, &app.changes, None).await;

    let submit = "mutation($input: SubmitFeedbackInput!) { submitFeedback(input: $input) { id trackingCode } }";
    let input = json!({
        "kind": "GENERAL",
        "body": "Please add the training compute of the newest open-weights models.",
        "contact": "reader@example.org",
    });
    let receipt = app.query(submit, json!({ "input": input })).await;
    let event = next_message(&mut editors).await;
    assert_eq!(event["type"], "next", "{event}");
    let event = &event["payload"]["data"]["feedbackSubmitted"];
    assert_eq!(event["feedbackId"], receipt["submitFeedback"]["id"], "{event}");
    assert_eq!(event["feedback"]["contact"], "reader@example.org");
    assert_eq!(event["feedback"]["kind"], "GENERAL");
    // A submission is not a catalog change: catalog subscribers, even editors, hear nothing.
    assert_quiet(&mut catalog, Duration::from_millis(800)).await;
}

#[tokio::test]
async fn an_upgrade_without_the_subprotocol_is_refused_with_a_coded_json_error() {
    let app = spawn_app().await;
    let url = format!("{}/graphql/ws", app.address.replace("http://", "ws://"));
    let refusal = connect_async(url).await.expect_err("the upgrade is refused");
    let tokio_tungstenite::tungstenite::Error::Http(response) = refusal else {
        panic!("not an HTTP refusal: {refusal}")
    };
    assert_eq!(response.status(), 400);
    assert_eq!(response.headers()["content-type"], "application/json");
    let body: Value = serde_json::from_slice(response.body().as_deref().expect("a body")).unwrap();
    let error = &body["errors"][0];
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{body}");
    assert_eq!(error["extensions"]["field"], "Sec-WebSocket-Protocol", "{body}");
    assert!(error["message"].as_str().unwrap().contains("graphql-transport-ws"), "{body}");
}
