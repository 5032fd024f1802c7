//! Feedback from readers: the form on every model page and at `/feedback` (for a model the
//! catalog is missing), posted to `/feedback`, which runs the `submitFeedback` mutation as the
//! caller's address and shows the tracking code. Works without JavaScript.

use std::net::IpAddr;

use axum::{
    Form,
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;

use super::ExplorerState;
use super::api::{self, PageError};
use super::format;
use super::layout::{self, Section};
use crate::service::ClientAddress;

const SUBMIT: &str = r#"
mutation ExplorerFeedback($input: SubmitFeedbackInput!) {
  submitFeedback(input: $input) { status receivedAt trackingCode }
}"#;

/// What the form posts (every field a string, as browsers send them).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FeedbackForm {
    kind: Option<String>,
    subject_id: Option<String>,
    /// The model page to go back to.
    model: Option<String>,
    model_name: Option<String>,
    proposed_model_name: Option<String>,
    body: Option<String>,
    source_url: Option<String>,
    submitter_name: Option<String>,
    contact: Option<String>,
    credit_consent: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Data {
    submit_feedback: Receipt,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Receipt {
    status: String,
    received_at: String,
    tracking_code: String,
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The form about one model (on its page) or, without one, about a missing model.
pub fn form(subject: Option<(&str, &str, &str)>, values: &FeedbackForm, error: Option<&(String, String)>) -> Markup {
    let kinds: &[(&str, &str)] = match subject {
        Some(_) => {
            &[("CORRECTION", "A correction"), ("RISK_COMMENT", "A comment on a risk"), ("GENERAL", "Something else")]
        }
        None => &[("NEW_MODEL", "A model the catalog is missing"), ("GENERAL", "Something else")],
    };
    let value = |v: &Option<String>| v.clone();
    html! {
        form.feedback method="post" action="/feedback" {
            @if let Some((field, message)) = error {
                p.notice.error role="alert" { "Please check " strong { (field) } ": " (message) }
            }
            @if let Some((id, slug, name)) = subject {
                input type="hidden" name="subjectId" value=(id);
                input type="hidden" name="model" value=(slug);
                input type="hidden" name="modelName" value=(name);
            }
            div.field {
                label for="fb-kind" { "What is it?" }
                select #fb-kind name="kind" {
                    @for (kind, text) in kinds {
                        option value=(kind) selected[given(&values.kind) == Some(*kind)] { (text) }
                    }
                }
            }
            @if subject.is_none() {
                div.field {
                    label for="fb-name" { "Name of the missing model" }
                    input #fb-name type="text" name="proposedModelName" maxlength="200" value=[value(&values.proposed_model_name)];
                }
            }
            div.field {
                label for="fb-body" { "Your feedback (10 to 5,000 characters)" }
                textarea #fb-body name="body" rows="5" minlength="10" maxlength="5000" required { (values.body.as_deref().unwrap_or("")) }
            }
            div.field {
                label for="fb-source" { "A page that supports it (optional)" }
                input #fb-source type="url" name="sourceUrl" placeholder="https://" value=[value(&values.source_url)];
            }
            div.field {
                label for="fb-submitter" { "Your name, to credit you (optional)" }
                input #fb-submitter type="text" name="submitterName" maxlength="200" value=[value(&values.submitter_name)];
            }
            div.field {
                label for="fb-contact" { "Your email, for the editors' questions only (optional; never shown, erased after review)" }
                input #fb-contact type="email" name="contact" value=[value(&values.contact)];
            }
            div.field.check {
                input #fb-credit type="checkbox" name="creditConsent" value="yes" checked[given(&values.credit_consent).is_some()];
                label for="fb-credit" { "List my name among the contributors if the editors accept this" }
            }
            button type="submit" { "Send feedback" }
        }
    }
}

const PUBLIC: &str = r#"
query ExplorerFeedbackPage($code: String!, $lookup: Boolean!) {
  feedbackStatus(trackingCode: $code) @include(if: $lookup) { trackingCode kind status receivedAt reviewedAt resolution }
  contributors(first: 50) { totalCount nodes { name acceptedCount } }
}"#;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PublicData {
    #[serde(default)]
    feedback_status: Option<Tracking>,
    contributors: Contributors,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Tracking {
    tracking_code: String,
    kind: String,
    status: String,
    received_at: String,
    reviewed_at: Option<String>,
    resolution: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Contributors {
    total_count: i64,
    nodes: Vec<Contributor>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Contributor {
    name: String,
    accepted_count: i64,
}

#[derive(Debug, Default, Deserialize)]
pub struct Lookup {
    code: Option<String>,
}

/// `GET /feedback[?code=…]`: the form for a model the catalog is missing, a submission's status
/// and the editors' answer by its tracking code, and the contributors the editors credited.
pub async fn page(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    Query(lookup): Query<Lookup>,
) -> Response {
    let code = given(&lookup.code).unwrap_or("").to_owned();
    let variables = json!({ "code": code, "lookup": !code.is_empty() });
    let data: PublicData = match api::run(&state, client, PUBLIC, variables).await {
        Ok(data) => data,
        Err(error) => return error.into_response(),
    };
    let main = html! {
        h1 { "Suggest a model or send feedback" }
        p { "Is a large model missing from the catalog, or is something wrong? The editors read every message." }
        (form(None, &FeedbackForm::default(), None))
        section aria-labelledby="fb-follow" {
            h2 #fb-follow { "Follow up your feedback" }
            form.inline method="get" action="/feedback" {
                label for="fb-code" { "Tracking code " }
                input #fb-code type="text" name="code" value=(code) maxlength="40" required;
                " "
                button type="submit" { "Look up" }
            }
            @if !code.is_empty() {
                @match &data.feedback_status {
                    Some(t) => div.notice role="status" #fb-status {
                        p {
                            code { (t.tracking_code) } ": " (format::label(&t.kind)) ", received " (format::short_date(&t.received_at))
                            ", " strong { (format::label(&t.status).to_lowercase()) }
                            @if let Some(at) = &t.reviewed_at { " on " (format::short_date(at)) }
                            "."
                        }
                        @if let Some(resolution) = &t.resolution { p { "The editors' answer: " q { (resolution) } } }
                    },
                    None => p.notice.error role="alert" { "No submission has that tracking code." },
                }
            }
        }
        section aria-labelledby="fb-contributors" {
            h2 #fb-contributors { "Contributors" }
            p { "Readers whose suggestions the editors took up, and who agreed to be named." }
            @if data.contributors.nodes.is_empty() { p { "None yet." } }
            @else {
                ul #contributors {
                    @for c in &data.contributors.nodes {
                        li { (c.name) " (" (c.accepted_count) " accepted)" }
                    }
                }
                @if data.contributors.total_count > data.contributors.nodes.len() as i64 {
                    p { "And " (data.contributors.total_count - data.contributors.nodes.len() as i64) " more." }
                }
            }
        }
    };
    layout::page("Suggest a model", Section::Other, main).into_response()
}

/// `POST /feedback`: submits through the API as the caller's address (the one `/graphql` would
/// count the rate limits against); shows the tracking code, or the form again with what to fix.
pub async fn submit(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    Form(values): Form<FeedbackForm>,
) -> Response {
    match send(&state, client, &values).await {
        Ok(receipt) => layout::page("Thank you", Section::Other, thanks(&values, &receipt)).into_response(),
        Err(PageError::BadInput { field, message }) => {
            // The API names `input.body` and repeats the name in the message.
            let message = message.strip_prefix(&format!("{field}: ")).unwrap_or(&message).to_owned();
            let field = field.strip_prefix("input.").unwrap_or(&field).to_owned();
            let subject = subject(&values);
            let main = html! {
                h1 { "Feedback not sent yet" }
                (form(subject, &values, Some(&(field, message))))
            };
            (StatusCode::BAD_REQUEST, layout::page("Feedback not sent", Section::Other, main)).into_response()
        }
        Err(error) => error.into_response(),
    }
}

fn subject(values: &FeedbackForm) -> Option<(&str, &str, &str)> {
    Some((given(&values.subject_id)?, given(&values.model)?, given(&values.model_name).unwrap_or("the model")))
}

async fn send(state: &ExplorerState, client: IpAddr, values: &FeedbackForm) -> Result<Receipt, PageError> {
    let input = json!({
        "kind": given(&values.kind).unwrap_or("GENERAL"),
        "subjectId": given(&values.subject_id),
        "proposedModelName": given(&values.proposed_model_name),
        "body": values.body.as_deref().unwrap_or(""),
        "sourceUrl": given(&values.source_url),
        "submitterName": given(&values.submitter_name),
        "contact": given(&values.contact),
        "creditConsent": given(&values.credit_consent).is_some(),
    });
    let data: Data = api::run(state, client, SUBMIT, json!({ "input": input })).await?;
    Ok(data.submit_feedback)
}

fn thanks(values: &FeedbackForm, receipt: &Receipt) -> Markup {
    html! {
        h1 { "Thank you" }
        div.notice role="status" {
            p { "Your feedback has arrived (" (format::label(&receipt.status).to_lowercase()) ", " (receipt.received_at.get(..10).unwrap_or(&receipt.received_at)) ")." }
            p { "Your tracking code: " strong #tracking-code { (receipt.tracking_code) } }
        }
        p {
            "Keep the code: it is the only way to follow your submission up, with the API's "
            code { "feedbackStatus(trackingCode: \"" (receipt.tracking_code) "\")" } "."
        }
        @if let (Some(slug), Some(name)) = (given(&values.model), given(&values.model_name)) {
            p { a href={ "/models/" (slug) } { "Back to " (name) } }
        } @else {
            p { a href="/" { "Back to the catalog" } }
        }
    }
}
