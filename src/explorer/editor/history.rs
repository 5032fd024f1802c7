//! `/editor/models/{slug}/history`: a model's revisions as field-level differences (who changed
//! what, when, and why), each with a button that sets the model back to its state after that
//! revision (`revert`, itself a new revision).

use axum::{
    Form,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Value as Json, json};

use super::fields;
use super::{CSRF_FIELD, SignedIn, forbidden, shell};
use crate::domain::Slug;
use crate::explorer::ExplorerState;
use crate::explorer::api::{self, PageError};
use crate::explorer::format;
use crate::service::ClientAddress;

/// Revisions shown, newest first.
const SHOWN: i64 = 50;
/// Longer texts are cut in the table (the whole text is in the API's revision).
const SHOWN_CHARS: usize = 400;

const HISTORY: &str = r#"
query WorkspaceHistory($slug: String!, $shown: Int!) {
  model(slug: $slug) {
    id slug name version
    revisions(first: $shown) {
      totalCount
      nodes { id action author summary changedFields before after createdAt }
    }
  }
}"#;

const REVERT: &str = r#"
mutation WorkspaceRevert($revisionId: ID!, $expectedVersion: Int!, $summary: String) {
  revert(revisionId: $revisionId, expectedVersion: $expectedVersion, summary: $summary) { id }
}"#;

#[derive(Deserialize)]
struct Data {
    model: Option<Model>,
}

#[derive(Deserialize)]
struct Model {
    slug: String,
    name: String,
    version: i64,
    revisions: Revisions,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Revisions {
    total_count: i64,
    nodes: Vec<Revision>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Revision {
    id: String,
    action: String,
    author: String,
    summary: Option<String>,
    changed_fields: Vec<String>,
    before: Option<Json>,
    after: Option<Json>,
    created_at: String,
}

/// `GET /editor/models/{slug}/history`.
pub async fn page(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    Path(slug): Path<String>,
    session: SignedIn,
) -> Response {
    let variables = json!({ "slug": slug, "shown": SHOWN });
    let model = match api::run_as::<Data>(&state, session.caller.clone(), client, HISTORY, variables).await {
        Ok(Data { model: Some(model) }) => model,
        Ok(Data { model: None }) => return PageError::NotFound(format!("There is no model `{slug}`.")).into_response(),
        Err(error) => return error.into_response(),
    };
    let title = format!("History of {}", model.name);
    let main = html! {
        h1 { (title) }
        p {
            a href={ "/editor/models/" (model.slug) } { "Edit" } " · version " (model.version) " · "
            (model.revisions.total_count) " revisions"
            @if model.revisions.total_count > SHOWN { ", the latest " (SHOWN) " shown" }
        }
        @for (i, revision) in model.revisions.nodes.iter().enumerate() {
            (entry(&session, &model, revision, i == 0))
        }
    };
    shell(&title, &session, main).into_response()
}

/// One revision: when, who, what, why, the fields it changed, and a revert button (not on the
/// newest, which is the current state).
fn entry(session: &SignedIn, model: &Model, revision: &Revision, newest: bool) -> Markup {
    html! {
        article.revision {
            h2 {
                (format::short_date(&revision.created_at)) " · " (format::label(&revision.action)) " by " (revision.author)
            }
            @if let Some(summary) = &revision.summary { p { em { (summary) } } }
            @if !revision.changed_fields.is_empty() {
                table {
                    thead { tr { th scope="col" { "Field" } th scope="col" { "Before" } th scope="col" { "After" } } }
                    tbody {
                        @for name in &revision.changed_fields {
                            tr {
                                th scope="row" { (label(name)) }
                                td { (value(name, revision.before.as_ref().and_then(|b| b.get(name)))) }
                                td { (value(name, revision.after.as_ref().and_then(|a| a.get(name)))) }
                            }
                        }
                    }
                }
            }
            @if !newest && revision.after.is_some() {
                form.inline method="post" action="/editor/revert" {
                    input type="hidden" name=(CSRF_FIELD) value=(session.csrf());
                    input type="hidden" name="revisionId" value=(revision.id);
                    input type="hidden" name="expectedVersion" value=(model.version);
                    input type="hidden" name="slug" value=(model.slug);
                    button type="submit" { "Revert to the state after this revision" }
                }
            }
        }
    }
}

/// A field's name as the form labels it; the API's name for fields the form does not edit.
fn label(name: &str) -> String {
    fields::named(name).map_or_else(|| format::label(name), |f| f.label.to_owned())
}

/// A stored value, readably: text as text, lists joined, entries of other kinds counted.
fn value(name: &str, value: Option<&Json>) -> String {
    let text = match (fields::named(name), value) {
        (_, None | Some(Json::Null)) => "—".to_owned(),
        (Some(field), Some(v)) => fields::shown(field.kind, v).replace('\n', ", "),
        (None, Some(Json::Array(items))) if items.iter().all(|i| !i.is_object()) => {
            items.iter().map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned)).collect::<Vec<_>>().join(", ")
        }
        (None, Some(Json::Array(items))) => format!("{} entries", items.len()),
        (None, Some(Json::String(s))) => s.clone(),
        (None, Some(other)) => other.to_string(),
    };
    format::excerpt(&text, SHOWN_CHARS)
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevertForm {
    csrf: Option<String>,
    revision_id: Option<String>,
    expected_version: Option<i64>,
    slug: Option<String>,
}

/// `POST /editor/revert`.
pub async fn revert(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    session: SignedIn,
    Form(form): Form<RevertForm>,
) -> Response {
    if !session.form_is_genuine(form.csrf.as_deref()) {
        return forbidden();
    }
    let (Some(revision_id), Some(version), Some(slug)) = (form.revision_id, form.expected_version, form.slug) else {
        return PageError::bad_input("form", "is not a form this page made").into_response();
    };
    if Slug::parse(&slug).is_err() {
        return PageError::bad_input("slug", "is not a slug").into_response();
    }
    let variables = json!({ "revisionId": revision_id, "expectedVersion": version, "summary": null });
    match api::run_as::<Json>(&state, session.caller.clone(), client, REVERT, variables).await {
        Ok(_) => Redirect::to(&format!("/editor/models/{slug}?reverted=1")).into_response(),
        Err(PageError::Conflict) => {
            let main = html! {
                h1 { "Changed meanwhile" }
                p.notice.error role="alert" { "Someone saved this model after you opened its history, so nothing was reverted." }
                p { a href={ "/editor/models/" (slug) "/history" } { "See the history as it is now" } }
            };
            (StatusCode::CONFLICT, shell("Changed meanwhile", &session, main)).into_response()
        }
        Err(error) => error.into_response(),
    }
}
