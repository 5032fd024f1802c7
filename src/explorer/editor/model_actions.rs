//! A model's publish, unpublish and delete buttons (`POST /editor/models/{slug}/{action}`). Each
//! names the version the editor saw; a refusal (a delete the API will not do while risk
//! assessments point at the model, say) shows above the model's form in the API's words.

use std::collections::BTreeMap;

use axum::{
    Form,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use maud::{Markup, html};
use serde_json::{Value as Json, json};

use super::entry_edit::segment;
use super::{CSRF_FIELD, SignedIn, model_form};
use crate::explorer::ExplorerState;
use crate::explorer::api::{self, PageError};
use crate::service::ClientAddress;

/// The buttons below the model's form; each is its own form.
pub fn buttons(session: &SignedIn, id: &str, slug: &str, version: i64, published: bool) -> Markup {
    let action = |name: &str, label: &str| {
        html! {
            form.inline method="post" action={ "/editor/models/" (slug) "/" (name) } {
                input type="hidden" name=(CSRF_FIELD) value=(session.csrf());
                input type="hidden" name="id" value=(id);
                input type="hidden" name="expectedVersion" value=(version);
                button type="submit" { (label) }
            }
        }
    };
    html! {
        section.actions aria-labelledby="actions-title" {
            h2 #actions-title { "Publish, unpublish, delete" }
            div {
                @if published { (action("unpublish", "Unpublish (back to draft)")) } @else { (action("publish", "Publish")) }
                " "
                (action("delete", "Delete this model"))
            }
        }
    }
}

/// `POST /editor/models/{slug}/{action}`, where the action is `publish`, `unpublish` or `delete`.
pub async fn submit(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    Path((slug, action)): Path<(String, String)>,
    session: SignedIn,
    Form(posted): Form<BTreeMap<String, String>>,
) -> Response {
    let (Some(id), Some(version)) =
        (posted.get("id"), posted.get("expectedVersion").and_then(|v| v.parse::<i64>().ok()))
    else {
        return PageError::bad_input("form", "is not a form this page made").into_response();
    };
    let mutation = match action.as_str() {
        "publish" => "publishModel",
        "unpublish" => "unpublishModel",
        "delete" => "deleteModel",
        _ => return PageError::NotFound("There is no such action.".to_owned()).into_response(),
    };
    let selection = if mutation == "deleteModel" { "" } else { " { slug }" };
    let document = format!(
        "mutation WorkspaceModelAction($id: ID!, $expectedVersion: Int!) {{ \
         done: {mutation}(id: $id, expectedVersion: $expectedVersion){selection} }}"
    );
    let variables = json!({ "id": id, "expectedVersion": version });
    match api::run_as::<Json>(&state, session.caller.clone(), client, &document, variables).await {
        // The deleted model's history, which can restore it.
        Ok(_) if action == "delete" => {
            Redirect::to(&format!("/editor/history/{}?deleted=1", segment(id))).into_response()
        }
        Ok(done) => {
            let slug = done["done"]["slug"].as_str().unwrap_or(&slug);
            Redirect::to(&format!("/editor/models/{slug}?{action}ed=1")).into_response()
        }
        Err(PageError::BadInput { message, .. }) => {
            let notice = html! { p.notice.error role="alert" { "Not done: the model " (message) "." } };
            model_form::show(&state, &session, client, &slug, Some(notice), StatusCode::BAD_REQUEST, String::new())
                .await
        }
        Err(PageError::Conflict) => {
            let notice = html! {
                p.notice.error role="alert" { "Not done: someone changed this model after you opened it. Check the form below, then try again." }
            };
            model_form::show(&state, &session, client, &slug, Some(notice), StatusCode::CONFLICT, String::new()).await
        }
        Err(error) => error.into_response(),
    }
}
