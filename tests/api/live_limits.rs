//! What a websocket client may not do: flood the service with subscriptions or sockets, hold
//! sockets without a handshake, subscribe before it, send messages over the body limit, or
//! keep hearing private things after its editor's authority ended.

use std::time::{Duration, Instant};

use ai_tracker::auth::TokenKeys;
use ai_tracker::domain::EditorRole;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{Error as WsError, Message, protocol::frame::coding::CloseCode};

use crate::helpers::{TEST_SECRET, TestApp, spawn_app_with};
use crate::live::{
    CHANGES, PATIENCE, SUBMISSIONS, Socket, connect, create_model, next_message, open, subscribe_to, text,
};

/// The service still answers: `/healthz`, and a query over HTTP without errors.
async fn assert_answering(app: &TestApp) {
    let health = app.client.get(app.url("/healthz")).send().await.expect("/healthz answers");
    assert_eq!(health.status(), 200);
    let data = app.query("{ models(first: 3) { nodes { slug organizations { slug } } } }", json!({})).await;
    assert_eq!(data["models"]["nodes"].as_array().map(Vec::len), Some(3), "{data}");
}

/// Sends `count` `catalogChanged` subscriptions with ids `{prefix}-{n}`.
async fn send_subscriptions(socket: &mut Socket, prefix: &str, count: usize) {
    for n in 0..count {
        let message = json!({ "id": format!("{prefix}-{n}"), "type": "subscribe", "payload": { "query": CHANGES } });
        socket.send(text(message)).await.unwrap();
    }
}

/// The next close frame on the socket, skipping other messages (which must not be `next`).
async fn close_frame(socket: &mut Socket) -> (u16, String) {
    loop {
        match tokio::time::timeout(PATIENCE, socket.next()).await.expect("the socket closes in time") {
            Some(Ok(Message::Close(Some(frame)))) => return (u16::from(frame.code), frame.reason.to_string()),
            Some(Ok(Message::Text(body))) => {
                let body: Value = serde_json::from_str(&body).unwrap();
                assert_ne!(body["type"], "next", "nothing arrives after the authority ended: {body}");
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
}

/// Waits until the hub counts `count` open subscriptions.
async fn until_open(app: &TestApp, count: i64) {
    let deadline = Instant::now() + PATIENCE;
    while app.changes.open_subscriptions() != count {
        assert!(Instant::now() < deadline, "{} subscriptions open, not {count}", app.changes.open_subscriptions());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The codes of the next `count` refusals (each a `next` with an error, then `complete`).
async fn refusals(socket: &mut Socket, count: usize) -> Vec<String> {
    let (mut codes, mut completed) = (Vec::new(), 0);
    while codes.len() < count || completed < count {
        let message = next_message(socket).await;
        match message["type"].as_str() {
            Some("next") => {
                let code = &message["payload"]["errors"][0]["extensions"]["code"];
                codes.push(code.as_str().unwrap_or_else(|| panic!("a refusal, not an event: {message}")).to_owned());
            }
            Some("complete") => completed += 1,
            _ => panic!("unexpected message: {message}"),
        }
    }
    codes
}

#[tokio::test]
async fn subscriptions_and_sockets_past_their_caps_are_refused_and_one_edit_leaves_queries_answering() {
    let app = spawn_app_with(|settings| {
        settings.limits.ws_subscriptions_per_socket = 40;
        settings.limits.ws_subscriptions_per_address = 100;
        settings.limits.ws_sockets_per_address = 3;
    })
    .await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let mut sockets = Vec::new();
    for _ in 0..3 {
        sockets.push(connect(&app.address, None).await.expect("a socket under the cap opens"));
    }
    // A fourth socket from the same address is refused before the upgrade.
    match open(&app.address).await {
        Err(WsError::Http(response)) => assert_eq!(response.status(), 429),
        other => panic!("expected 429, got {other:?}"),
    }

    // One socket asks for more than its cap: the excess is refused, the rest open.
    send_subscriptions(&mut sockets[0], "a", 45).await;
    assert_eq!(refusals(&mut sockets[0], 5).await, vec!["RATE_LIMITED"; 5]);
    until_open(&app, 40).await;
    // The others fill the address's cap: 40 + 40 + 20 open, 20 refused.
    send_subscriptions(&mut sockets[1], "b", 40).await;
    until_open(&app, 80).await;
    send_subscriptions(&mut sockets[2], "c", 40).await;
    assert_eq!(refusals(&mut sockets[2], 20).await, vec!["RATE_LIMITED"; 20]);
    until_open(&app, 100).await;

    // One edit: every subscriber hears of it, and queries keep answering meanwhile.
    let created = create_model(&app, &editor, "flood-test-model", true).await;
    assert_answering(&app).await;
    for (socket, expected) in sockets.iter_mut().zip([40, 40, 20]) {
        for _ in 0..expected {
            let event = next_message(socket).await;
            assert_eq!(event["type"], "next", "{event}");
            let change = &event["payload"]["data"]["catalogChanged"];
            assert_eq!(change["entityId"], created["id"], "{event}");
            assert_eq!(change["node"]["slug"], "flood-test-model", "{event}");
        }
    }
    assert_answering(&app).await;

    // Closing a socket gives its subscriptions and its place back.
    sockets.pop().unwrap().close(None).await.unwrap();
    until_open(&app, 80).await;
    let mut again = connect(&app.address, None).await.expect("a socket fits again");
    send_subscriptions(&mut again, "d", 1).await;
    until_open(&app, 81).await;
}

#[tokio::test]
async fn a_socket_that_never_sends_connection_init_is_closed_with_4408() {
    let app = spawn_app_with(|settings| settings.limits.ws_init_timeout_ms = 300).await;
    let mut idle = open(&app.address).await.unwrap();
    let (code, _) = close_frame(&mut idle).await;
    assert_eq!(code, 4408);
    assert_answering(&app).await;
    // A client that does the handshake in time is let in.
    assert!(connect(&app.address, None).await.is_ok());
}

#[tokio::test]
async fn subscribing_before_connection_init_closes_the_socket_with_4401() {
    let app = spawn_app_with(|_| {}).await;
    let mut socket = open(&app.address).await.unwrap();
    send_subscriptions(&mut socket, "early", 1).await;
    let (code, reason) = close_frame(&mut socket).await;
    assert_eq!((code, reason.as_str()), (4401, "Unauthorized"));
    assert_answering(&app).await;
}

#[tokio::test]
async fn a_message_over_the_body_limit_closes_the_socket_and_the_service_answers() {
    let limit = 64 * 1024;
    let app = spawn_app_with(|settings| settings.http.body_limit_bytes = limit).await;
    let mut socket = connect(&app.address, None).await.unwrap();
    let padding = " ".repeat(limit + 1);
    let query = format!("{{ models(first: 1) {{ nodes {{ slug }} }} }}{padding}");
    let message = json!({ "id": "big", "type": "subscribe", "payload": { "query": query } });
    socket.send(text(message)).await.unwrap();
    let (code, reason) = close_frame(&mut socket).await;
    assert_eq!(code, u16::from(CloseCode::Size), "{reason}");
    assert_answering(&app).await;
    // Under the limit, the same socket protocol still works.
    let mut socket = connect(&app.address, None).await.unwrap();
    let message = json!({ "id": "small", "type": "subscribe", "payload": { "query": "{ models(first: 1) { nodes { slug } } }" } });
    socket.send(text(message)).await.unwrap();
    let answer = next_message(&mut socket).await;
    assert_eq!(answer["type"], "next", "{answer}");
    assert!(answer["payload"]["data"]["models"]["nodes"][0]["slug"].is_string(), "{answer}");
}

#[tokio::test]
async fn a_deactivated_editors_socket_hears_nothing_private_and_closes_with_4403() {
    let app = spawn_app_with(|_| {}).await;
    let admin = app.editor_token(EditorRole::Admin).await;
    let author = app.editor_token(EditorRole::Editor).await;
    let leaving = app.editor_token(EditorRole::Editor).await;
    let id = app.query_as(&leaving, "{ me { id } }", json!({})).await["me"]["id"].clone();
    let mut socket = connect(&app.address, Some(&format!("Bearer {leaving}"))).await.unwrap();
    // A socket of theirs that only runs queries and mutations must close as well.
    let mut idle = connect(&app.address, Some(&format!("Bearer {leaving}"))).await.unwrap();
    subscribe_to(&mut socket, &app.changes, SUBMISSIONS, json!({})).await;
    subscribe_to(&mut socket, &app.changes, CHANGES, json!({})).await;
    // Still an editor: a draft reaches them.
    create_model(&app, &author, "draft-before", false).await;
    assert_eq!(next_message(&mut socket).await["payload"]["data"]["catalogChanged"]["node"]["slug"], "draft-before");

    app.query_as(&admin, "mutation($id: ID!) { deactivateEditor(id: $id) { active } }", json!({ "id": id })).await;
    create_model(&app, &author, "draft-after", false).await;
    let submit = "mutation($input: SubmitFeedbackInput!) { submitFeedback(input: $input) { id } }";
    let input = json!({ "kind": "GENERAL", "body": "A private note.", "contact": "private@example.org" });
    app.query(submit, json!({ "input": input })).await;
    let (code, _) = close_frame(&mut socket).await;
    assert_eq!(code, 4403);
    let (code, _) = close_frame(&mut idle).await;
    assert_eq!(code, 4403);
    assert_answering(&app).await;
}

#[tokio::test]
async fn an_editors_socket_closes_with_4403_when_their_token_expires() {
    let app = spawn_app_with(|_| {}).await;
    let token = app.editor_token(EditorRole::Editor).await;
    let keys = TokenKeys::from_secret(TEST_SECRET.as_bytes(), Duration::from_secs(2)).unwrap();
    let claims = keys.verify(&token).unwrap();
    let (short_lived, _) = keys.issue(claims.sub.parse().unwrap(), &claims.role, claims.tv).unwrap();
    let mut socket = connect(&app.address, Some(&format!("Bearer {short_lived}"))).await.unwrap();
    subscribe_to(&mut socket, &app.changes, CHANGES, json!({})).await;
    let (code, _) = close_frame(&mut socket).await;
    assert_eq!(code, 4403);
    // Nothing is delivered to it afterwards (it is closed), and the service answers.
    create_model(&app, &token, "draft-after-expiry", false).await;
    assert_answering(&app).await;
}
