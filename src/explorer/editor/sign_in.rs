//! Signing in and out. Signing in runs the API's `login` as the poster's address, so its rate
//! limits apply unchanged, and keeps the token in the session cookie for as long as the token
//! lives. The form has no session to bind a CSRF token to, so its `Origin` must be this site.

use axum::{
    Form,
    extract::{Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;

use super::{forbidden, session};
use crate::explorer::ExplorerState;
use crate::explorer::api::{self, PageError};
use crate::explorer::layout::{self, Section};
use crate::service::ClientAddress;

const LOGIN: &str = r#"
mutation WorkspaceSignIn($email: String!, $password: String!) {
  login(email: $email, password: $password) { token expiresAt }
}"#;

#[derive(Deserialize)]
struct Data {
    login: Login,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Login {
    token: String,
    expires_at: DateTime<Utc>,
}

/// Why the sign-in page is shown, from its query string.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Reason {
    expired: Option<String>,
    signed_out: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SignInForm {
    email: Option<String>,
    password: Option<String>,
}

/// `GET /editor/sign-in`.
pub async fn page(Query(reason): Query<Reason>) -> Markup {
    let notice = if reason.expired.is_some() {
        Some("Your session has expired or was revoked. Please sign in again.")
    } else if reason.signed_out.is_some() {
        Some("You have signed out.")
    } else {
        None
    };
    form_page(notice, None, "")
}

fn form_page(notice: Option<&str>, error: Option<&str>, email: &str) -> Markup {
    let main = html! {
        h1 { "Sign in to the editors' workspace" }
        @if let Some(notice) = notice { p.notice role="status" { (notice) } }
        @if let Some(error) = error { p.notice.error role="alert" { (error) } }
        form.feedback method="post" action="/editor/sign-in" {
            div.field {
                label for="si-email" { "Email" }
                input #si-email type="email" name="email" autocomplete="username" required value=(email);
            }
            div.field {
                label for="si-password" { "Password" }
                input #si-password type="password" name="password" autocomplete="current-password" required;
            }
            button type="submit" { "Sign in" }
        }
    };
    layout::page("Sign in", Section::Other, main)
}

/// `POST /editor/sign-in`: only from this site's own pages (its `Origin`); a wrong email or
/// password shows the form again with the email kept.
pub async fn submit(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    if !same_origin(&headers, &state) {
        return forbidden();
    }
    let email = form.email.as_deref().unwrap_or("").trim().to_owned();
    let variables = json!({ "email": email, "password": form.password.as_deref().unwrap_or("") });
    match api::run::<Data>(&state, client, LOGIN, variables).await {
        Ok(Data { login }) => {
            let lifetime = (login.expires_at - Utc::now()).num_seconds();
            let cookie = session::set_cookie(&login.token, lifetime, state.secure_cookies);
            ([(header::SET_COOKIE, cookie)], Redirect::to("/editor")).into_response()
        }
        Err(PageError::Unauthenticated(message)) => {
            (StatusCode::UNAUTHORIZED, form_page(None, Some(&message), &email)).into_response()
        }
        Err(PageError::BadInput { message, .. }) => {
            (StatusCode::BAD_REQUEST, form_page(None, Some(&message), &email)).into_response()
        }
        Err(error) => error.into_response(),
    }
}

/// Whether the request's `Origin` is this site: the public URL's origin when one is set, else
/// the origin of the `Host` it was sent to. A browser always sends `Origin` with a form's POST.
fn same_origin(headers: &HeaderMap, state: &ExplorerState) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else { return false };
    let Ok(origin) = url::Url::parse(origin) else { return false };
    if let Some(public) = &state.public_origin {
        return origin.origin() == public.origin();
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let authority = match origin.port() {
        Some(port) => format!("{}:{port}", origin.host_str().unwrap_or("")),
        None => origin.host_str().unwrap_or("").to_owned(),
    };
    matches!(origin.scheme(), "http" | "https") && !host.is_empty() && authority.eq_ignore_ascii_case(host)
}

/// `POST /editor/sign-out`: clears the cookie (the form passed the session's CSRF check).
pub async fn sign_out(State(state): State<ExplorerState>) -> Response {
    let clear = [(header::SET_COOKIE, session::clear_cookie(state.secure_cookies))];
    (clear, Redirect::to("/editor/sign-in?signed-out=1")).into_response()
}
