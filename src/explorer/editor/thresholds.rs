//! `/editor/thresholds/new`: adds a named compute threshold through `createComputeThreshold`.
//! Admins only: the API refuses anyone else, and the page says so (403) before showing a form.

use std::collections::BTreeMap;

use axum::{
    Form,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use maud::{Markup, html};
use serde_json::{Map, Value as Json, json};

use super::fields;
use super::model_form::control;
use super::{CSRF_FIELD, SignedIn, forbidden, links, shell};
use crate::domain::EditorRole;
use crate::explorer::ExplorerState;
use crate::explorer::api::{self, PageError};
use crate::service::ClientAddress;

const TITLE: &str = "Add a compute threshold";

const CREATE: &str = r#"
mutation WorkspaceCreateThreshold($input: CreateComputeThresholdInput!) {
  createComputeThreshold(input: $input) { slug }
}"#;

/// The answer to an editor who is not an admin.
pub(super) fn admins_only(session: &SignedIn) -> Response {
    let main = html! {
        h1 { "Admins only" }
        p { "Compute thresholds are kept by admins. Nothing was changed." }
        p { a href="/editor" { "Back to the desk" } }
    };
    (StatusCode::FORBIDDEN, shell("Admins only", session, main)).into_response()
}

fn is_admin(session: &SignedIn) -> bool {
    session.caller.editor().is_some_and(|e| e.role == EditorRole::Admin)
}

/// `GET /editor/thresholds/new`.
pub async fn page(session: SignedIn) -> Response {
    if !is_admin(&session) {
        return admins_only(&session);
    }
    shell(TITLE, &session, render(&session, None, &BTreeMap::new(), &BTreeMap::new())).into_response()
}

fn render(
    session: &SignedIn,
    notice: Option<Markup>,
    values: &BTreeMap<String, String>,
    errors: &BTreeMap<String, String>,
) -> Markup {
    let value = |name: &str| values.get(name).map(String::as_str).unwrap_or("");
    html! {
        h1 { (TITLE) }
        @if let Some(notice) = notice { (notice) }
        @if !errors.is_empty() {
            p.notice.error role="alert" {
                "Nothing was saved: " (errors.len()) " field(s) need a change. Each is marked below."
                @if let Some(form) = errors.get("form") { " The form " (form) "." }
            }
        }
        form.feedback.editor method="post" action="/editor/thresholds/new" {
            input type="hidden" name=(CSRF_FIELD) value=(session.csrf());
            @for field in fields::THRESHOLD { (control(field, value(field.name), errors.get(field.name))) }
            button type="submit" { "Add the threshold" }
        }
    }
}

/// `POST /editor/thresholds/new`.
pub async fn submit(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    session: SignedIn,
    Form(posted): Form<BTreeMap<String, String>>,
) -> Response {
    if !session.form_is_genuine(posted.get(CSRF_FIELD).map(String::as_str)) {
        return forbidden();
    }
    if !is_admin(&session) {
        return admins_only(&session);
    }
    let mut input = Map::new();
    let mut errors = BTreeMap::new();
    for field in fields::THRESHOLD {
        match fields::sent(field, posted.get(field.name).map(String::as_str).unwrap_or("")) {
            Ok(Json::Null) => {}
            Ok(value) => {
                input.insert(field.name.to_owned(), value);
            }
            Err(reason) => {
                errors.insert(field.name.to_owned(), reason.to_owned());
            }
        }
    }
    let refused = |errors: BTreeMap<String, String>| {
        (StatusCode::BAD_REQUEST, shell(TITLE, &session, render(&session, None, &posted, &errors))).into_response()
    };
    if !errors.is_empty() {
        return refused(errors);
    }
    match api::run_as::<Json>(&state, session.caller.clone(), client, CREATE, json!({ "input": input })).await {
        Ok(_) => Redirect::to("/editor/thresholds/new?added=1").into_response(),
        Err(PageError::BadInput { field, message }) => {
            refused(BTreeMap::from([links::placed(fields::THRESHOLD, &field, message)]))
        }
        Err(error) => error.into_response(),
    }
}
