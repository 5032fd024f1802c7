//! `/editor/models/{slug}/assessments`: a model's risk assessments, and a form that adds one
//! through `createRiskAssessment` (the fields are `fields::RISK_ASSESSMENT`).

use std::collections::BTreeMap;

use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Map, json};

use super::entry_edit::segment;
use super::fields;
use super::model_form::control;
use super::{CSRF_FIELD, SignedIn, links, shell};
use crate::explorer::ExplorerState;
use crate::explorer::api::{self, PageError};
use crate::explorer::format;
use crate::service::ClientAddress;

const ASSESSMENTS: &str = r#"
query WorkspaceAssessments($slug: String!) {
  model(slug: $slug) {
    id slug name
    riskAssessments { id horizon category severity likelihood summary assessedOn }
  }
}"#;

const CREATE: &str = r#"
mutation WorkspaceCreateAssessment($input: CreateRiskAssessmentInput!, $summary: String) {
  createRiskAssessment(input: $input, summary: $summary) { id }
}"#;

#[derive(Deserialize)]
struct Data {
    model: Option<Model>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Model {
    id: String,
    slug: String,
    name: String,
    risk_assessments: Vec<Assessment>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Assessment {
    id: String,
    horizon: String,
    category: String,
    severity: String,
    likelihood: String,
    summary: String,
    assessed_on: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct Notice {
    added: Option<String>,
    /// The global ID of an assessment just deleted.
    deleted: Option<String>,
}

async fn load(
    state: &ExplorerState,
    session: &SignedIn,
    client: std::net::IpAddr,
    slug: &str,
) -> Result<Model, PageError> {
    let data: Data = api::run_as(state, session.caller.clone(), client, ASSESSMENTS, json!({ "slug": slug })).await?;
    data.model.ok_or_else(|| PageError::NotFound(format!("There is no model `{slug}`.")))
}

fn title(model: &Model) -> String {
    format!("Risk assessments of {}", model.name)
}

/// `GET /editor/models/{slug}/assessments`.
pub async fn page(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    Path(slug): Path<String>,
    Query(notice): Query<Notice>,
    session: SignedIn,
) -> Response {
    let model = match load(&state, &session, client, &slug).await {
        Ok(model) => model,
        Err(error) => return error.into_response(),
    };
    let notice = match (notice.added, notice.deleted) {
        (Some(_), _) => Some(html! { p.notice role="status" { "Assessment added." } }),
        (None, Some(id)) => Some(html! {
            p.notice role="status" {
                "Assessment deleted. " a href={ "/editor/history/" (segment(&id)) } { "Its history" } " can restore it."
            }
        }),
        (None, None) => None,
    };
    shell(&title(&model), &session, render(&session, &model, notice, &BTreeMap::new(), &BTreeMap::new()))
        .into_response()
}

fn render(
    session: &SignedIn,
    model: &Model,
    notice: Option<Markup>,
    values: &BTreeMap<String, String>,
    errors: &BTreeMap<String, String>,
) -> Markup {
    let value = |name: &str| values.get(name).map(String::as_str).unwrap_or("");
    html! {
        h1 { (title(model)) }
        p { a href={ "/editor/models/" (model.slug) } { "Back to the model's form" } }
        @if let Some(notice) = notice { (notice) }
        @if model.risk_assessments.is_empty() {
            p { "No risk assessments yet." }
        } @else {
            table {
                thead { tr { th scope="col" { "Assessed" } th scope="col" { "Horizon" } th scope="col" { "Category" } th scope="col" { "Severity" } th scope="col" { "Likelihood" } th scope="col" { "Summary" } th scope="col" { "Change" } } }
                tbody {
                    @for a in &model.risk_assessments {
                        tr {
                            td { (a.assessed_on) }
                            td { (format::label(&a.horizon)) }
                            td { (format::label(&a.category)) }
                            td { (format::label(&a.severity)) }
                            td { (format::label(&a.likelihood)) }
                            td { (a.summary) }
                            td {
                                a href={ "/editor/assessments/" (segment(&a.id)) } { "Edit" } " · "
                                a href={ "/editor/history/" (segment(&a.id)) } { "History" }
                            }
                        }
                    }
                }
            }
        }
        h2 #add-title { "Add an assessment" }
        @if !errors.is_empty() {
            p.notice.error role="alert" {
                "Nothing was saved: " (errors.len()) " field(s) need a change. Each is marked below."
                @if let Some(form) = errors.get("form") { " The form " (form) "." }
            }
        }
        form.feedback.editor method="post" action={ "/editor/models/" (model.slug) "/assessments" } aria-labelledby="add-title" {
            input type="hidden" name=(CSRF_FIELD) value=(session.csrf());
            @for field in fields::RISK_ASSESSMENT { (control(field, value(field.name), errors.get(field.name))) }
            button type="submit" { "Add the assessment" }
        }
    }
}

/// `POST /editor/models/{slug}/assessments`.
pub async fn submit(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    Path(slug): Path<String>,
    session: SignedIn,
    Form(posted): Form<BTreeMap<String, String>>,
) -> Response {
    let model = match load(&state, &session, client, &slug).await {
        Ok(model) => model,
        Err(error) => return error.into_response(),
    };
    let mut input = Map::from_iter([("modelId".to_owned(), json!(model.id))]);
    let mut errors = BTreeMap::new();
    for field in fields::RISK_ASSESSMENT {
        match fields::sent(field, posted.get(field.name).map(String::as_str).unwrap_or("")) {
            Ok(value) => {
                input.insert(field.name.to_owned(), value);
            }
            Err(reason) => {
                errors.insert(field.name.to_owned(), reason.to_owned());
            }
        }
    }
    let refused = |errors: BTreeMap<String, String>| {
        let main = render(&session, &model, None, &posted, &errors);
        (StatusCode::BAD_REQUEST, shell(&title(&model), &session, main)).into_response()
    };
    if !errors.is_empty() {
        return refused(errors);
    }
    match api::run_as::<Map<String, serde_json::Value>>(
        &state,
        session.caller.clone(),
        client,
        CREATE,
        json!({ "input": input }),
    )
    .await
    {
        Ok(_) => Redirect::to(&format!("/editor/models/{}/assessments?added=1", model.slug)).into_response(),
        Err(PageError::BadInput { field, message }) => {
            refused(BTreeMap::from([links::placed(fields::RISK_ASSESSMENT, &field, message)]))
        }
        Err(error) => error.into_response(),
    }
}
