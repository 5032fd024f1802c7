//! `/editor/assessments/{id}`: one risk assessment's fields (`fields::RISK_ASSESSMENT`, the MIT
//! taxonomy and the source included) in a form that saves through `updateRiskAssessment`, and
//! its delete button (`deleteRiskAssessment`; the deletion's revision can restore it).

use std::collections::BTreeMap;

use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use maud::html;
use serde::Deserialize;
use serde_json::{Value as Json, json};

use super::entry_edit::{EntryForm, Frame, Loaded, segment};
use super::fields;
use super::{CSRF_FIELD, SignedIn};
use crate::explorer::ExplorerState;
use crate::explorer::api::{self, PageError};
use crate::service::ClientAddress;

const FORM: EntryForm = EntryForm {
    noun: "risk assessment",
    typename: "RiskAssessment",
    fields: fields::RISK_ASSESSMENT,
    update: "updateRiskAssessment",
    input: "UpdateRiskAssessmentInput",
    extra: "model { slug name }",
};

const DELETE: &str = r#"
mutation WorkspaceDeleteAssessment($id: ID!, $expectedVersion: Int!) {
  deleteRiskAssessment(id: $id, expectedVersion: $expectedVersion)
}"#;

#[derive(Debug, Default, Deserialize)]
pub struct Notice {
    saved: Option<String>,
}

/// The assessed model's slug and name (an assessment of a model unpublished since has none).
fn model_of(loaded: &Loaded) -> (String, String) {
    let model = &loaded.data["model"];
    let text = |key: &str| model[key].as_str().unwrap_or_default().to_owned();
    (text("slug"), text("name"))
}

fn frame(session: &SignedIn, loaded: &Loaded) -> Frame {
    let (slug, name) = model_of(loaded);
    let path = format!("/editor/assessments/{}", segment(&loaded.id));
    let title =
        if name.is_empty() { "Edit a risk assessment".to_owned() } else { format!("Edit a risk assessment of {name}") };
    Frame {
        head: html! {
            h1 { (title) }
            p {
                "Version " (loaded.version) " · "
                @if !slug.is_empty() { a href={ "/editor/models/" (slug) "/assessments" } { "All of the model's assessments" } " · " }
                a href={ "/editor/history/" (segment(&loaded.id)) } { "History" }
            }
        },
        tail: html! {
            section.actions aria-labelledby="actions-title" {
                h2 #actions-title { "Delete" }
                form.inline method="post" action={ (path) "/delete" } {
                    input type="hidden" name=(CSRF_FIELD) value=(session.csrf());
                    input type="hidden" name="expectedVersion" value=(loaded.version);
                    button type="submit" { "Delete this assessment" }
                }
                p { "A deleted assessment stays in its history, which can restore it." }
            }
        },
        title,
        action: path,
    }
}

/// `GET /editor/assessments/{id}`.
pub async fn page(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    Path(id): Path<String>,
    Query(notice): Query<Notice>,
    session: SignedIn,
) -> Response {
    let loaded = match FORM.load(&state, &session, client, &id).await {
        Ok(loaded) => loaded,
        Err(error) => return error.into_response(),
    };
    let notice = notice.saved.map(|_| html! { p.notice role="status" { "Saved." } });
    let edit = EntryForm::opened(&loaded);
    FORM.page(&session, &frame(&session, &loaded), &loaded.id, &edit, notice, &BTreeMap::new()).into_response()
}

/// `POST /editor/assessments/{id}`.
pub async fn submit(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    Path(id): Path<String>,
    session: SignedIn,
    Form(posted): Form<BTreeMap<String, String>>,
) -> Response {
    let current = match FORM.load(&state, &session, client, &id).await {
        Ok(loaded) => loaded,
        Err(error) => return error.into_response(),
    };
    FORM.submit(&state, &session, client, current, |l| frame(&session, l), &posted).await
}

/// `POST /editor/assessments/{id}/delete`: to the model's assessments, which say where the
/// deleted one's history is; a refusal shows above the form.
pub async fn delete(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    Path(id): Path<String>,
    session: SignedIn,
    Form(posted): Form<BTreeMap<String, String>>,
) -> Response {
    let Some(version) = posted.get("expectedVersion").and_then(|v| v.parse::<i64>().ok()) else {
        return PageError::bad_input("form", "is not a form this page made").into_response();
    };
    let current = match FORM.load(&state, &session, client, &id).await {
        Ok(loaded) => loaded,
        Err(error) => return error.into_response(),
    };
    let variables = json!({ "id": current.id, "expectedVersion": version });
    let (status, why) = match api::run_as::<Json>(&state, session.caller.clone(), client, DELETE, variables).await {
        Ok(_) => {
            let (slug, _) = model_of(&current);
            let deleted = segment(&current.id);
            let to = if slug.is_empty() {
                format!("/editor/history/{deleted}")
            } else {
                format!("/editor/models/{slug}/assessments?deleted={deleted}")
            };
            return Redirect::to(&to).into_response();
        }
        Err(PageError::BadInput { message, .. }) => (StatusCode::BAD_REQUEST, format!("the assessment {message}")),
        Err(PageError::Conflict) => (
            StatusCode::CONFLICT,
            "someone changed this assessment after you opened it. Check the form below, then try again".to_owned(),
        ),
        Err(error) => return error.into_response(),
    };
    let notice = html! { p.notice.error role="alert" { "Not deleted: " (why) "." } };
    let edit = EntryForm::opened(&current);
    let main = FORM.page(&session, &frame(&session, &current), &current.id, &edit, Some(notice), &BTreeMap::new());
    (status, main).into_response()
}
