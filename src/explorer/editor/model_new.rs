//! `/editor/models/new`: the model form, empty, with the slug to create it under; it saves a
//! draft through `createModel` (publishing is a button on the model's form once it exists).

use std::collections::BTreeMap;

use axum::{
    Form,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Map, json};

use super::fields::{self, Field, Kind};
use super::model_form::control;
use super::{CSRF_FIELD, SignedIn, forbidden, links, shell};
use crate::explorer::ExplorerState;
use crate::explorer::api::{self, PageError};
use crate::service::ClientAddress;

const TITLE: &str = "Add a model";

/// The slug, which only a new model's form asks for (a rename is not this form's business).
const SLUG: Field = Field {
    name: "slug",
    label: "Slug (lower case and hyphens, e.g. gpt-4; the public address)",
    kind: Kind::Line,
    required: true,
    read: "slug",
};

const CREATE: &str = r#"
mutation WorkspaceCreateModel($input: CreateModelInput!, $summary: String) {
  createModel(input: $input, summary: $summary) { slug }
}"#;

#[derive(Deserialize)]
struct Created {
    #[serde(rename = "createModel")]
    create_model: Saved,
}

#[derive(Deserialize)]
struct Saved {
    slug: String,
}

/// `GET /editor/models/new`.
pub async fn page(session: SignedIn) -> Response {
    shell(TITLE, &session, render(&session, &BTreeMap::new(), &BTreeMap::new())).into_response()
}

fn render(session: &SignedIn, values: &BTreeMap<String, String>, errors: &BTreeMap<String, String>) -> Markup {
    let value = |name: &str| values.get(name).map(String::as_str).unwrap_or("");
    html! {
        h1 { (TITLE) }
        p { "The model is saved as a draft, which only editors see. Lists take one entry per line; other entries are named by their slugs." }
        @if !errors.is_empty() {
            p.notice.error role="alert" {
                "Nothing was saved: " (errors.len()) " field(s) need a change. Each is marked below."
                @if let Some(form) = errors.get("form") { " The form " (form) "." }
            }
        }
        form.feedback.editor method="post" action="/editor/models/new" {
            input type="hidden" name=(CSRF_FIELD) value=(session.csrf());
            (control(&SLUG, value(SLUG.name), errors.get(SLUG.name)))
            @for field in fields::MODEL { (control(field, value(field.name), errors.get(field.name))) }
            div.field {
                label for="f-summary" { "Edit summary (optional, public)" }
                input #f-summary type="text" name="summary" maxlength="500" value=(value("summary"));
            }
            button type="submit" { "Create the draft" }
        }
    }
}

/// `POST /editor/models/new`.
pub async fn submit(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    session: SignedIn,
    Form(posted): Form<BTreeMap<String, String>>,
) -> Response {
    if !session.form_is_genuine(posted.get(CSRF_FIELD).map(String::as_str)) {
        return forbidden();
    }
    let refused = |errors: BTreeMap<String, String>| {
        (StatusCode::BAD_REQUEST, shell(TITLE, &session, render(&session, &posted, &errors))).into_response()
    };
    let mut input = Map::new();
    let mut errors = BTreeMap::new();
    for field in std::iter::once(&SLUG).chain(fields::MODEL) {
        let text = posted.get(field.name).map(String::as_str).unwrap_or("");
        // Left empty, a field takes the API's default; a required text is sent empty so that the
        // API names it.
        let sends_empty = field.required && matches!(field.kind, Kind::Line | Kind::Text);
        if text.trim().is_empty() && !sends_empty {
            continue;
        }
        match fields::sent(field, text) {
            Ok(value) => {
                input.insert(field.name.to_owned(), value);
            }
            Err(reason) => {
                errors.insert(field.name.to_owned(), reason.to_owned());
            }
        }
    }
    if !errors.is_empty() {
        return refused(errors);
    }
    let place = |field: String, message: String| match field.as_str() {
        "input.slug" => ("slug".to_owned(), message),
        _ => links::placed(fields::MODEL, &field, message),
    };
    if let Err(error) = links::resolve(&state, &session, client, fields::MODEL, &mut input).await {
        return match error {
            PageError::BadInput { field, message } => refused(BTreeMap::from([place(field, message)])),
            error => error.into_response(),
        };
    }
    let summary = posted.get("summary").map(|s| s.trim()).filter(|s| !s.is_empty());
    let variables = json!({ "input": input, "summary": summary });
    match api::run_as::<Created>(&state, session.caller.clone(), client, CREATE, variables).await {
        Ok(created) => Redirect::to(&format!("/editor/models/{}?created=1", created.create_model.slug)).into_response(),
        Err(PageError::BadInput { field, message }) => refused(BTreeMap::from([place(field, message)])),
        Err(error) => error.into_response(),
    }
}
