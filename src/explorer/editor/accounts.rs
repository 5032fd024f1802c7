//! `/editor/accounts` (admins): the editor accounts, a form to create one, and per account
//! "deactivate" and "revoke its tokens", through the API's account mutations (which refuse an
//! editor who is not an admin: the pages then answer 403). `/editor/password` (everyone): change
//! your own password; `changePassword` returns a new token, which replaces the session cookie.

use std::collections::BTreeMap;

use axum::{
    Form,
    extract::{Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;

use super::{CSRF_FIELD, SignedIn, session, shell};
use crate::explorer::ExplorerState;
use crate::explorer::api::{self, PageError};
use crate::explorer::format;
use crate::service::ClientAddress;

const EDITORS: &str = "query WorkspaceEditors { editors { id email name role active createdAt } }";

const CREATE: &str = r#"
mutation WorkspaceCreateEditor($input: CreateEditorInput!) { createEditor(input: $input) { id } }"#;

const DEACTIVATE: &str = "mutation WorkspaceDeactivateEditor($id: ID!) { deactivateEditor(id: $id) { id } }";

const REVOKE: &str = "mutation WorkspaceRevokeTokens($id: ID!) { revokeEditorTokens(id: $id) { id } }";

const CHANGE_PASSWORD: &str = r#"
mutation WorkspaceChangePassword($current: String!, $new: String!) {
  changePassword(currentPassword: $current, newPassword: $new) { token expiresAt }
}"#;

const ROLES: [&str; 2] = ["EDITOR", "ADMIN"];

#[derive(Deserialize)]
struct EditorsData {
    editors: Vec<Account>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Account {
    id: String,
    email: String,
    name: String,
    role: String,
    active: bool,
    created_at: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct Notice {
    created: Option<String>,
    deactivated: Option<String>,
    revoked: Option<String>,
}

/// What the create form posts (and shows again, the password aside, when the API refuses it).
#[derive(Debug, Default, Deserialize)]
pub struct CreateForm {
    email: Option<String>,
    name: Option<String>,
    role: Option<String>,
    password: Option<String>,
}

/// `GET /editor/accounts`.
pub async fn page(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    Query(notice): Query<Notice>,
    session: SignedIn,
) -> Response {
    let notice = if notice.created.is_some() {
        Some("The account is created. Its owner can sign in now.")
    } else if notice.deactivated.is_some() {
        Some("The account is deactivated: it can no longer sign in, and its tokens are refused.")
    } else if notice.revoked.is_some() {
        Some("Every token issued to that account so far is revoked.")
    } else {
        None
    };
    list(&state, &session, client, notice, &CreateForm::default(), &BTreeMap::new(), StatusCode::OK).await
}

async fn list(
    state: &ExplorerState,
    session: &SignedIn,
    client: std::net::IpAddr,
    notice: Option<&str>,
    form: &CreateForm,
    errors: &BTreeMap<String, String>,
    status: StatusCode,
) -> Response {
    let data: EditorsData = match api::run_as(state, session.caller.clone(), client, EDITORS, json!({})).await {
        Ok(data) => data,
        Err(error) => return error.into_response(),
    };
    let main = html! {
        h1 { "Accounts" }
        @if let Some(notice) = notice { p.notice role="status" { (notice) } }
        table {
            thead { tr { th scope="col" { "Name" } th scope="col" { "Email" } th scope="col" { "Role" } th scope="col" { "State" } th scope="col" { "Since" } th scope="col" { "Actions" } } }
            tbody {
                @for a in &data.editors {
                    tr {
                        td { (a.name) }
                        td { (a.email) }
                        td { (format::label(&a.role)) }
                        td { @if a.active { "active" } @else { "deactivated" } }
                        td { (format::short_date(&a.created_at)) }
                        td {
                            @if a.active {
                                (action(session, "/editor/accounts/revoke", &a.id, &format!("Revoke {}'s tokens", a.name)))
                                " "
                                (action(session, "/editor/accounts/deactivate", &a.id, &format!("Deactivate {}", a.name)))
                            }
                        }
                    }
                }
            }
        }
        h2 #new-account { "Create an account" }
        @if !errors.is_empty() {
            p.notice.error role="alert" { "The account was not created: " (errors.len()) " field(s) need a change. Each is marked below." }
        }
        form.feedback.editor method="post" action="/editor/accounts" aria-labelledby="new-account" {
            input type="hidden" name=(CSRF_FIELD) value=(session.csrf());
            (input("email", "Email", "email", form.email.as_deref(), errors.get("email")))
            (input("name", "Name (shown publicly on their changes)", "text", form.name.as_deref(), errors.get("name")))
            div.field {
                label for="f-role" { "Role" }
                select #f-role name="role" {
                    @for r in ROLES { option value=(r) selected[form.role.as_deref() == Some(r)] { (format::label(r)) } }
                }
                @if let Some(error) = errors.get("role") { p.field-error { "Role " (error) "." } }
            }
            (input("password", "Password (at least 12 characters)", "password", None, errors.get("password")))
            button type="submit" { "Create the account" }
        }
    };
    (status, shell("Accounts", session, main)).into_response()
}

/// A one-button form posting an account's ID.
fn action(session: &SignedIn, path: &str, id: &str, label: &str) -> Markup {
    html! {
        form.inline method="post" action=(path) {
            input type="hidden" name=(CSRF_FIELD) value=(session.csrf());
            input type="hidden" name="id" value=(id);
            button type="submit" { (label) }
        }
    }
}

fn input(name: &str, label: &str, kind: &str, value: Option<&str>, error: Option<&String>) -> Markup {
    let id = format!("f-{name}");
    let error_id = format!("e-{name}");
    let autocomplete = if kind == "password" { "new-password" } else { "off" };
    html! {
        div.field {
            label for=(id) { (label) }
            input id=(id) type=(kind) name=(name) value=[value] required autocomplete=(autocomplete)
                aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| error_id.as_str())];
            @if let Some(error) = error { p.field-error id=(error_id) { (label) " " (error) "." } }
        }
    }
}

/// `POST /editor/accounts`: `createEditor`.
pub async fn create(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    session: SignedIn,
    Form(form): Form<CreateForm>,
) -> Response {
    let input = json!({
        "email": form.email.as_deref().unwrap_or("").trim(),
        "name": form.name.as_deref().unwrap_or("").trim(),
        "role": form.role.as_deref().filter(|r| ROLES.contains(r)).unwrap_or("EDITOR"),
        "password": form.password.as_deref().unwrap_or(""),
    });
    match api::run_as::<serde_json::Value>(&state, session.caller.clone(), client, CREATE, json!({ "input": input }))
        .await
    {
        Ok(_) => Redirect::to("/editor/accounts?created=1").into_response(),
        Err(PageError::BadInput { field, message }) => {
            let message = message.strip_prefix(&format!("{field}: ")).unwrap_or(&message).to_owned();
            let field = field.strip_prefix("input.").unwrap_or(&field);
            let field = if ["email", "name", "role", "password"].contains(&field) { field } else { "email" };
            let errors = BTreeMap::from([(field.to_owned(), message)]);
            list(&state, &session, client, None, &form, &errors, StatusCode::BAD_REQUEST).await
        }
        Err(error) => error.into_response(),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct AccountForm {
    id: Option<String>,
}

/// `POST /editor/accounts/deactivate`: `deactivateEditor`.
pub async fn deactivate(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    session: SignedIn,
    Form(form): Form<AccountForm>,
) -> Response {
    on_account(&state, client, &session, form, DEACTIVATE, "deactivated").await
}

/// `POST /editor/accounts/revoke`: `revokeEditorTokens`.
pub async fn revoke(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    session: SignedIn,
    Form(form): Form<AccountForm>,
) -> Response {
    on_account(&state, client, &session, form, REVOKE, "revoked").await
}

async fn on_account(
    state: &ExplorerState,
    client: std::net::IpAddr,
    session: &SignedIn,
    form: AccountForm,
    document: &str,
    done: &str,
) -> Response {
    let id = form.id.unwrap_or_default();
    match api::run_as::<serde_json::Value>(state, session.caller.clone(), client, document, json!({ "id": id })).await {
        Ok(_) => Redirect::to(&format!("/editor/accounts?{done}=1")).into_response(),
        Err(error) => error.into_response(),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct PasswordNotice {
    changed: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordForm {
    current_password: Option<String>,
    new_password: Option<String>,
    new_password_again: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Changed {
    change_password: NewToken,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewToken {
    token: String,
    expires_at: DateTime<Utc>,
}

/// `GET /editor/password`.
pub async fn password_page(Query(notice): Query<PasswordNotice>, session: SignedIn) -> Response {
    let notice = notice.changed.is_some().then_some("Your password is changed. Your other sessions are signed out.");
    shell("Change your password", &session, password_form(&session, notice, &BTreeMap::new())).into_response()
}

fn password_form(session: &SignedIn, notice: Option<&str>, errors: &BTreeMap<String, String>) -> Markup {
    html! {
        h1 { "Change your password" }
        @if let Some(notice) = notice { p.notice role="status" { (notice) } }
        @if !errors.is_empty() { p.notice.error role="alert" { "Your password was not changed. See below." } }
        form.feedback.editor method="post" action="/editor/password" {
            input type="hidden" name=(CSRF_FIELD) value=(session.csrf());
            input type="text" name="username" autocomplete="username" hidden value=(session.email());
            (secret("currentPassword", "Current password", "current-password", errors.get("currentPassword")))
            (secret("newPassword", "New password (at least 12 characters)", "new-password", errors.get("newPassword")))
            (secret("newPasswordAgain", "New password again", "new-password", errors.get("newPasswordAgain")))
            button type="submit" { "Change the password" }
        }
        p { "Changing it signs out your other sessions; this one stays signed in." }
    }
}

fn secret(name: &str, label: &str, autocomplete: &str, error: Option<&String>) -> Markup {
    let id = format!("f-{name}");
    let error_id = format!("e-{name}");
    html! {
        div.field {
            label for=(id) { (label) }
            input id=(id) type="password" name=(name) required autocomplete=(autocomplete)
                aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| error_id.as_str())];
            @if let Some(error) = error { p.field-error id=(error_id) { (label) " " (error) "." } }
        }
    }
}

/// `POST /editor/password`: `changePassword`; its new token replaces the session cookie (the
/// old one, like every other token of the editor, no longer works).
pub async fn change_password(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    session: SignedIn,
    Form(form): Form<PasswordForm>,
) -> Response {
    let refused = |field: &str, message: String| {
        let errors = BTreeMap::from([(field.to_owned(), message)]);
        (StatusCode::BAD_REQUEST, shell("Change your password", &session, password_form(&session, None, &errors)))
            .into_response()
    };
    let new = form.new_password.unwrap_or_default();
    if form.new_password_again.as_deref() != Some(new.as_str()) {
        return refused("newPasswordAgain", "is not the same as the new password".into());
    }
    let variables = json!({ "current": form.current_password.unwrap_or_default(), "new": new });
    match api::run_as::<Changed>(&state, session.caller.clone(), client, CHANGE_PASSWORD, variables).await {
        Ok(Changed { change_password: token }) => {
            let lifetime = (token.expires_at - Utc::now()).num_seconds();
            let cookie = session::set_cookie(&token.token, lifetime, state.secure_cookies);
            ([(header::SET_COOKIE, cookie)], Redirect::to("/editor/password?changed=1")).into_response()
        }
        Err(PageError::BadInput { field, message }) => {
            let message = message.strip_prefix(&format!("{field}: ")).unwrap_or(&message).to_owned();
            let field = if field == "currentPassword" { "currentPassword" } else { "newPassword" };
            refused(field, message)
        }
        Err(error) => error.into_response(),
    }
}
