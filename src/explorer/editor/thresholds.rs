//! `/editor/thresholds/new`: adds a named compute threshold through `createComputeThreshold`.
//! Admins only: the API refuses anyone else, and the page says so (403) before showing a form.

use std::borrow::Cow;
use std::collections::BTreeMap;

use axum::{
    Form,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use maud::html;

use super::create::CreateForm;
use super::fields;
use super::{SignedIn, shell};
use crate::domain::EditorRole;
use crate::explorer::ExplorerState;
use crate::service::ClientAddress;

const FORM: CreateForm = CreateForm {
    title: "Add a compute threshold",
    action: "/editor/thresholds/new",
    intro: None,
    fields: fields::THRESHOLD,
    mutation: Cow::Borrowed(
        r#"
mutation WorkspaceCreateThreshold($input: CreateComputeThresholdInput!) {
  created: createComputeThreshold(input: $input) { slug }
}"#,
    ),
    summary: false,
    button: "Add the threshold",
    empty_takes_default: false,
    done: |_| "/editor/thresholds/new?added=1".to_owned(),
};

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
    FORM.page(&session)
}

/// `POST /editor/thresholds/new`.
pub async fn submit(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    session: SignedIn,
    Form(posted): Form<BTreeMap<String, String>>,
) -> Response {
    // The CSRF check came first (`genuine_forms`): a forged form learns nothing, not even who
    // may use it.
    if !is_admin(&session) {
        return admins_only(&session);
    }
    FORM.submit(&state, client, &session, &posted).await
}
