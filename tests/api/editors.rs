//! Editor accounts and tokens, through HTTP: sign-in, `me`, the token attack matrix, roles,
//! password changes and the sign-in rate limit.

use ai_tracker::domain::EditorRole;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

use crate::helpers::{TEST_SECRET, TestApp, spawn_app, spawn_app_with};

const PASSWORD: &str = "correct horse battery staple";
const ME: &str = "{ me { email name role } }";

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The claims a genuine token for editor `id` carries.
fn claims(id: i32) -> Value {
    json!({ "sub": id.to_string(), "role": "editor", "iat": now(), "nbf": now(), "exp": now() + 3600,
            "iss": "ai-tracker", "aud": "ai-tracker-editors", "jti": "0123456789abcdef", "tv": 0 })
}

fn sign(claims: &Value, secret: &str) -> String {
    encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap()
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

fn without(mut claims: Value, key: &str) -> Value {
    claims.as_object_mut().unwrap().remove(key);
    claims
}

/// Asserts the request was refused as UNAUTHENTICATED, with no data and no detail leaked.
async fn assert_refused(app: &TestApp, authorization: &str, case: &str) {
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("accept", "application/graphql-response+json")
        .header("authorization", authorization)
        .json(&json!({ "query": ME }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 401, "{case}: {body}");
    assert!(body.get("data").is_none(), "{case}: {body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{case}: {body}");
    // One message for every token, whatever was wrong with it: the reason stays in the log.
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message == "the token is not valid (it may have expired or been revoked)"
            || message == "the Authorization header must be `Bearer <token>`",
        "{case} says more than it should: {body}"
    );
}

#[tokio::test]
async fn login_gives_a_token_that_me_recognizes() {
    let app = spawn_app().await;
    app.add_editor("Ada@Tracker.example", "Ada L.", EditorRole::Editor, PASSWORD).await;
    let data = app
        .query(
            "mutation { login(email: \"ada@tracker.example\", password: \"correct horse battery staple\") { token expiresAt editor { id name role } } }",
            json!({}),
        )
        .await;
    let login = &data["login"];
    assert_eq!(login["editor"]["name"], "Ada L.");
    assert_eq!(login["editor"]["role"], "EDITOR");
    let expires = chrono::DateTime::parse_from_rfc3339(login["expiresAt"].as_str().unwrap()).unwrap();
    let hours = (expires.timestamp() - now()) as f64 / 3600.0;
    assert!((11.9..=12.0).contains(&hours), "default lifetime is 12 h, got {hours}");
    let token = login["token"].as_str().unwrap();
    let me = app.query_as(token, ME, json!({})).await;
    assert_eq!(me["me"], json!({ "email": "ada@tracker.example", "name": "Ada L.", "role": "EDITOR" }));
    assert_eq!(app.query(ME, json!({})).await["me"], Value::Null, "anonymous callers have no `me`");
}

#[tokio::test]
async fn an_unknown_email_and_a_wrong_password_fail_alike() {
    let app = spawn_app().await;
    app.add_editor("ada@tracker.example", "Ada", EditorRole::Editor, PASSWORD).await;
    let login = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }";
    let (_, wrong_password) =
        app.query_error(login, json!({ "e": "ada@tracker.example", "p": "not the password at all" })).await;
    let (_, unknown_email) = app.query_error(login, json!({ "e": "bob@tracker.example", "p": PASSWORD })).await;
    assert_eq!(wrong_password["extensions"]["code"], "UNAUTHENTICATED");
    assert_eq!(wrong_password["message"], unknown_email["message"]);
    assert_eq!(wrong_password["extensions"], unknown_email["extensions"]);
}

#[tokio::test]
async fn every_bad_token_is_refused_as_unauthenticated() {
    let app = spawn_app().await;
    let admin = app.editor_token(EditorRole::Admin).await;
    app.add_editor("eve@tracker.example", "Eve", EditorRole::Editor, PASSWORD).await;
    let genuine = app.login("eve@tracker.example", PASSWORD).await;
    let eve_id = {
        let me = app.query_as(&genuine, "{ me { id } }", json!({})).await;
        let id = me["me"]["id"].as_str().unwrap().to_owned();
        let decoded = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(id).unwrap()).unwrap();
        decoded.split_once(':').unwrap().1.parse::<i32>().unwrap()
    };
    // A token forged with the real secret is accepted: the matrix below differs from it in one way.
    let forged = sign(&claims(eve_id), TEST_SECRET);
    assert_eq!(app.query_as(&forged, ME, json!({})).await["me"]["name"], "Eve");

    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims(eve_id).to_string());
    let alg_none = format!("{header}.{payload}.");
    let parts: Vec<&str> = genuine.split('.').collect();
    let mut tampered_claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    tampered_claims["role"] = json!("admin");
    let tampered = format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(tampered_claims.to_string()), parts[2]);
    let cases: Vec<(&str, String)> = vec![
        ("alg none", alg_none),
        ("wrong secret", sign(&claims(eve_id), "another secret that is also long enough for HS256")),
        ("expired", sign(&with(claims(eve_id), "exp", json!(now() - 3600)), TEST_SECRET)),
        ("not yet valid", sign(&with(claims(eve_id), "nbf", json!(now() + 3600)), TEST_SECRET)),
        ("wrong iss", sign(&with(claims(eve_id), "iss", json!("someone-else")), TEST_SECRET)),
        ("wrong aud", sign(&with(claims(eve_id), "aud", json!("another-app")), TEST_SECRET)),
        ("no nbf", sign(&without(claims(eve_id), "nbf"), TEST_SECRET)),
        ("no exp", sign(&without(claims(eve_id), "exp"), TEST_SECRET)),
        ("no token version", sign(&without(claims(eve_id), "tv"), TEST_SECRET)),
        ("stale token version", sign(&with(claims(eve_id), "tv", json!(7)), TEST_SECRET)),
        ("no such editor", sign(&claims(999_999), TEST_SECRET)),
        ("tampered payload (role changed)", tampered),
        ("malformed token", "not-a-token".to_owned()),
        ("truncated token", genuine[..genuine.len() - 5].to_owned()),
    ];
    for (case, token) in &cases {
        assert_refused(&app, &format!("Bearer {token}"), case).await;
    }
    for header in ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", &genuine, "Token abc"] {
        assert_refused(&app, header, &format!("malformed header `{header}`")).await;
    }

    // Revoked: an admin bumps the token version; the token that worked a moment ago is refused.
    assert_eq!(app.query_as(&genuine, ME, json!({})).await["me"]["name"], "Eve");
    let eve = base64::engine::general_purpose::STANDARD.encode(format!("Editor:{eve_id}"));
    app.query_as(&admin, "mutation($id: ID!) { revokeEditorTokens(id: $id) { id } }", json!({ "id": eve })).await;
    assert_refused(&app, &format!("Bearer {genuine}"), "revoked").await;

    // Deactivated: a fresh token stops working, and signing in again fails.
    let fresh = app.login("eve@tracker.example", PASSWORD).await;
    app.query_as(&admin, "mutation($id: ID!) { deactivateEditor(id: $id) { active } }", json!({ "id": eve })).await;
    assert_refused(&app, &format!("Bearer {fresh}"), "deactivated").await;
    let (_, error) = app
        .query_error(
            "mutation($p: String!) { login(email: \"eve@tracker.example\", password: $p) { token } }",
            json!({ "p": PASSWORD }),
        )
        .await;
    assert_eq!(error["extensions"]["code"], "UNAUTHENTICATED");
}

#[tokio::test]
async fn the_role_comes_from_the_account_not_the_token() {
    let app = spawn_app().await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let me = app.query_as(&editor, "{ me { id } }", json!({})).await;
    let id =
        String::from_utf8(base64::engine::general_purpose::STANDARD.decode(me["me"]["id"].as_str().unwrap()).unwrap())
            .unwrap();
    let id: i32 = id.split_once(':').unwrap().1.parse().unwrap();
    let claims_admin = with(claims(id), "role", json!("admin"));
    let forged_admin = sign(&claims_admin, TEST_SECRET);
    let (_, error) = app.query_error_as(&forged_admin, "{ editors { email } }", json!({})).await;
    assert_eq!(error["extensions"]["code"], "FORBIDDEN");
}

#[tokio::test]
async fn roles_are_checked_and_never_confused() {
    let app = spawn_app().await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let admin = app.editor_token(EditorRole::Admin).await;
    let create = "mutation { createEditor(input: { email: \"new@tracker.example\", name: \"New\", role: EDITOR, password: \"a long enough password\" }) { email role active } }";

    let (status, error) = app.query_error(create, json!({})).await;
    assert_eq!((status, error["extensions"]["code"].as_str()), (200, Some("UNAUTHENTICATED")), "anonymous");
    let (_, error) = app.query_error_as(&editor, create, json!({})).await;
    assert_eq!(error["extensions"]["code"], "FORBIDDEN", "an editor may not manage accounts");
    let (_, error) = app.query_error_as(&editor, "{ editors { email } }", json!({})).await;
    assert_eq!(error["extensions"]["code"], "FORBIDDEN");
    let (_, error) = app
        .query_error("mutation { createOrganization(input: { slug: \"x-lab\", name: \"X\", country: \"US\", kind: INDUSTRY }) { id } }", json!({}))
        .await;
    assert_eq!(error["extensions"]["code"], "UNAUTHENTICATED", "anonymous callers may not edit");

    let created = app.query_as(&admin, create, json!({})).await;
    assert_eq!(created["createEditor"], json!({ "email": "new@tracker.example", "role": "EDITOR", "active": true }));
    let list = app.query_as(&admin, "{ editors { email } }", json!({})).await;
    assert_eq!(list["editors"].as_array().unwrap().len(), 3);
    let token = app.login("new@tracker.example", "a long enough password").await;
    assert_eq!(app.query_as(&token, ME, json!({})).await["me"]["name"], "New");

    let (_, error) = app
        .query_error_as(&admin, &create.replace("new@", "weak@").replace("a long enough password", "short"), json!({}))
        .await;
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(error["extensions"]["field"], "input.password");
    let (_, error) = app.query_error_as(&admin, create, json!({})).await;
    assert_eq!(error["extensions"]["field"], "input.email", "an email has one account: {error}");
}

#[tokio::test]
async fn changing_the_password_revokes_the_other_tokens() {
    let app = spawn_app().await;
    app.add_editor("ada@tracker.example", "Ada", EditorRole::Editor, PASSWORD).await;
    let laptop = app.login("ada@tracker.example", PASSWORD).await;
    let phone = app.login("ada@tracker.example", PASSWORD).await;
    let change =
        "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { token } }";

    let (_, error) = app.query_error_as(&phone, change, json!({ "c": PASSWORD, "n": "too short" })).await;
    assert_eq!(error["extensions"]["field"], "newPassword");
    let (_, error) =
        app.query_error_as(&phone, change, json!({ "c": "wrong current one", "n": "a brand new passphrase" })).await;
    assert_eq!(error["extensions"]["field"], "currentPassword");

    let data = app.query_as(&phone, change, json!({ "c": PASSWORD, "n": "a brand new passphrase" })).await;
    let renewed = data["changePassword"]["token"].as_str().unwrap();
    assert_eq!(app.query_as(renewed, ME, json!({})).await["me"]["name"], "Ada");
    assert_refused(&app, &format!("Bearer {laptop}"), "token from before the change").await;
    assert_refused(&app, &format!("Bearer {phone}"), "the token that made the change").await;
    app.login("ada@tracker.example", "a brand new passphrase").await;
}

fn logins(count: usize, email_of: impl Fn(usize) -> String) -> String {
    let calls: String = (0..count)
        .map(|i| format!("a{i}: login(email: \"{}\", password: \"wrong password {i}\") {{ token }} ", email_of(i)))
        .collect();
    format!("mutation {{ {calls} }}")
}

fn codes(body: &Value) -> Vec<String> {
    let mut errors: Vec<&Value> = body["errors"].as_array().unwrap().iter().collect();
    errors.sort_by_key(|e| e["path"][0].as_str().unwrap()[1..].parse::<usize>().unwrap());
    errors.iter().map(|e| e["extensions"]["code"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn sign_in_is_rate_limited_per_email_counting_aliases() {
    let app = spawn_app_with(|s| s.auth.login_attempts_per_email = 3).await;
    let (_, body) = app.post_graphql(&logins(5, |_| "ada@tracker.example".into()), json!({})).await;
    assert_eq!(codes(&body), ["UNAUTHENTICATED", "UNAUTHENTICATED", "UNAUTHENTICATED", "RATE_LIMITED", "RATE_LIMITED"]);
    let limited =
        body["errors"].as_array().unwrap().iter().find(|e| e["extensions"]["code"] == "RATE_LIMITED").unwrap();
    let retry = limited["extensions"]["retryAfterSeconds"].as_u64().unwrap();
    assert!((1..=60).contains(&retry), "retry in {retry} s");
    // Another email is not held up by the first one's limit.
    let (_, body) = app.post_graphql(&logins(1, |_| "bob@tracker.example".into()), json!({})).await;
    assert_eq!(codes(&body), ["UNAUTHENTICATED"]);
}

#[tokio::test]
async fn sign_in_is_rate_limited_per_client_address() {
    let app = spawn_app_with(|s| s.auth.login_attempts_per_address = 4).await;
    let (_, body) = app.post_graphql(&logins(6, |i| format!("user{i}@tracker.example")), json!({})).await;
    assert_eq!(
        codes(&body),
        ["UNAUTHENTICATED", "UNAUTHENTICATED", "UNAUTHENTICATED", "UNAUTHENTICATED", "RATE_LIMITED", "RATE_LIMITED"]
    );
}

fn password_changes(count: usize) -> String {
    let calls: String = (0..count)
        .map(|i| {
            format!("a{i}: changePassword(currentPassword: \"guess {i}\", newPassword: \"a brand new passphrase\") {{ token }} ")
        })
        .collect();
    format!("mutation {{ {calls} }}")
}

/// A stolen token must not let its holder guess the current password at full speed: each
/// `changePassword` counts against the sign-in limits, per email and per client address.
#[tokio::test]
async fn password_changes_count_against_the_sign_in_limits() {
    let app = spawn_app_with(|s| s.auth.login_attempts_per_email = 3).await;
    app.add_editor("ada@tracker.example", "Ada", EditorRole::Editor, PASSWORD).await;
    let stolen = app.login("ada@tracker.example", PASSWORD).await;
    let (_, body) = app.post_graphql_as(&stolen, &password_changes(4), json!({})).await;
    assert_eq!(codes(&body), ["BAD_USER_INPUT", "BAD_USER_INPUT", "RATE_LIMITED", "RATE_LIMITED"], "{body}");
    let limited =
        body["errors"].as_array().unwrap().iter().find(|e| e["extensions"]["code"] == "RATE_LIMITED").unwrap();
    let retry = limited["extensions"]["retryAfterSeconds"].as_u64().unwrap();
    assert!((1..=60).contains(&retry), "retry in {retry} s");
    // Past the limit even the right password waits: nothing tells a guesser they found it.
    let change = "mutation { changePassword(currentPassword: \"correct horse battery staple\", \
                  newPassword: \"a brand new passphrase\") { token } }";
    let (_, error) = app.query_error_as(&stolen, change, json!({})).await;
    assert_eq!(error["extensions"]["code"], "RATE_LIMITED", "{error}");
    assert_eq!(app.query_as(&stolen, ME, json!({})).await["me"]["name"], "Ada");
    assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 200);

    let app = spawn_app_with(|s| s.auth.login_attempts_per_address = 3).await;
    app.add_editor("bob@tracker.example", "Bob", EditorRole::Editor, PASSWORD).await;
    let stolen = app.login("bob@tracker.example", PASSWORD).await;
    let (_, body) = app.post_graphql_as(&stolen, &password_changes(3), json!({})).await;
    assert_eq!(codes(&body), ["BAD_USER_INPUT", "BAD_USER_INPUT", "RATE_LIMITED"], "{body}");
}
