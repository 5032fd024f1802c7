//! `/editor/imports`: the open candidates the Epoch AI sync queued (`importCandidates`), each
//! with what it proposes field by field and two buttons: accept (`acceptImportCandidate`: a new
//! row's draft is published, a change is applied as one revision by the editor) and dismiss
//! (`dismissImportCandidate`). A refusal (the model changed since, the candidate was handled
//! meanwhile) shows above the queue in the API's words.

use std::collections::BTreeMap;

use axum::{
    Form,
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Value as Json, json};

use super::fields;
use super::{CSRF_FIELD, SignedIn, shell};
use crate::explorer::ExplorerState;
use crate::explorer::api::{self, PageError};
use crate::explorer::format;
use crate::service::ClientAddress;

const TITLE: &str = "Import candidates";
/// Candidates shown, newest first.
const SHOWN: i64 = 50;
/// Longer values are cut (the whole value is in the API's candidate).
const SHOWN_CHARS: usize = 300;

const QUEUE: &str = r#"
query WorkspaceImports($shown: Int!) {
  importCandidates(first: $shown) {
    totalCount
    nodes {
      id kind createdAt
      model { slug name version published }
      changes { field current proposed editorChanged }
    }
  }
}"#;

const ACCEPT: &str = r#"
mutation WorkspaceAcceptImport($id: ID!, $expectedVersion: Int!) {
  acceptImportCandidate(id: $id, expectedVersion: $expectedVersion) { id }
}"#;

const DISMISS: &str = r#"
mutation WorkspaceDismissImport($id: ID!) {
  dismissImportCandidate(id: $id) { id }
}"#;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Data {
    import_candidates: Queue,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Queue {
    total_count: i64,
    nodes: Vec<Candidate>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Candidate {
    id: String,
    kind: String,
    created_at: String,
    model: Option<Model>,
    changes: Vec<Change>,
}

#[derive(Deserialize)]
struct Model {
    slug: String,
    name: String,
    version: i64,
    published: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Change {
    field: String,
    current: Json,
    proposed: Json,
    editor_changed: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct Notice {
    accepted: Option<String>,
    dismissed: Option<String>,
}

/// `GET /editor/imports`.
pub async fn page(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    Query(notice): Query<Notice>,
    session: SignedIn,
) -> Response {
    let notice = if notice.accepted.is_some() {
        Some(
            html! { p.notice role="status" { "Accepted: the model has the candidate's values, in a revision by you." } },
        )
    } else if notice.dismissed.is_some() {
        Some(
            html! { p.notice role="status" { "Dismissed: the sync proposes these values again only if the source changes them." } },
        )
    } else {
        None
    };
    show(&state, &session, client, notice, StatusCode::OK).await
}

async fn show(
    state: &ExplorerState,
    session: &SignedIn,
    client: std::net::IpAddr,
    notice: Option<Markup>,
    status: StatusCode,
) -> Response {
    let data: Data = match api::run_as(state, session.caller.clone(), client, QUEUE, json!({ "shown": SHOWN })).await {
        Ok(data) => data,
        Err(error) => return error.into_response(),
    };
    let queue = data.import_candidates;
    let main = html! {
        h1 { (TITLE) }
        p {
            (queue.total_count) " open"
            @if queue.total_count > SHOWN { ", the latest " (SHOWN) " shown" }
            ". Rows of Epoch AI's data the catalog lacks come as drafts; changed figures of published models as proposals."
        }
        @if let Some(notice) = notice { (notice) }
        @if queue.nodes.is_empty() { p { "Nothing waits to be imported." } }
        @for c in &queue.nodes { (candidate(session, c)) }
    };
    (status, shell(TITLE, session, main)).into_response()
}

fn candidate(session: &SignedIn, c: &Candidate) -> Markup {
    let button = |action: &str, label: &str, version: Option<i64>| {
        html! {
            form.inline method="post" action={ "/editor/imports/" (action) } {
                input type="hidden" name=(CSRF_FIELD) value=(session.csrf());
                input type="hidden" name="id" value=(c.id);
                @if let Some(version) = version { input type="hidden" name="expectedVersion" value=(version); }
                button type="submit" { (label) }
            }
        }
    };
    html! {
        article.revision {
            h2 {
                (format::label(&c.kind)) ": "
                @if let Some(m) = &c.model {
                    a href={ "/editor/models/" (m.slug) } { (m.name) } " "
                    @if !m.published { "(draft) " }
                } @else { "a model deleted since " }
                "· queued " (format::short_date(&c.created_at))
            }
            table {
                thead { tr { th scope="col" { "Field" } th scope="col" { "Now" } th scope="col" { "Proposed" } } }
                tbody {
                    @for change in &c.changes {
                        tr {
                            th scope="row" {
                                (fields::named(&change.field).map_or_else(|| format::label(&change.field), |f| f.label.to_owned()))
                                @if change.editor_changed { br; small { "(an editor's value)" } }
                            }
                            td { (shown(&change.field, &change.current)) }
                            td { (shown(&change.field, &change.proposed)) }
                        }
                    }
                }
            }
            div {
                @if let Some(m) = &c.model {
                    (button("accept", if c.kind == "NEW_MODEL" { "Accept: publish the draft" } else { "Accept: apply the change" }, Some(m.version)))
                    " "
                }
                (button("dismiss", "Dismiss", None))
            }
        }
    }
}

/// A proposed or current value as the model's form writes it.
fn shown(field: &str, value: &Json) -> String {
    let text = match (fields::named(field), value) {
        (_, Json::Null) => "—".to_owned(),
        (Some(f), v) => fields::shown(f.kind, v).replace('\n', ", "),
        (None, Json::String(s)) => s.clone(),
        (None, v) => v.to_string(),
    };
    format::excerpt(&text, SHOWN_CHARS)
}

/// `POST /editor/imports/accept`.
pub async fn accept(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    session: SignedIn,
    Form(posted): Form<BTreeMap<String, String>>,
) -> Response {
    let Some(version) = posted.get("expectedVersion").and_then(|v| v.parse::<i64>().ok()) else {
        return PageError::bad_input("form", "is not a form this page made").into_response();
    };
    decide(&state, &session, client, &posted, ACCEPT, Some(version), "accepted").await
}

/// `POST /editor/imports/dismiss`.
pub async fn dismiss(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    session: SignedIn,
    Form(posted): Form<BTreeMap<String, String>>,
) -> Response {
    decide(&state, &session, client, &posted, DISMISS, None, "dismissed").await
}

/// Runs `document` on the posted candidate (with the model's version, for an accept).
async fn decide(
    state: &ExplorerState,
    session: &SignedIn,
    client: std::net::IpAddr,
    posted: &BTreeMap<String, String>,
    document: &str,
    version: Option<i64>,
    done: &str,
) -> Response {
    let Some(id) = posted.get("id") else {
        return PageError::bad_input("form", "is not a form this page made").into_response();
    };
    let variables = match version {
        Some(version) => json!({ "id": id, "expectedVersion": version }),
        None => json!({ "id": id }),
    };
    let (status, why) = match api::run_as::<Json>(state, session.caller.clone(), client, document, variables).await {
        Ok(_) => return Redirect::to(&format!("/editor/imports?{done}=1")).into_response(),
        Err(PageError::BadInput { message, .. }) => (StatusCode::BAD_REQUEST, format!("the candidate {message}")),
        Err(PageError::Conflict) => (
            StatusCode::CONFLICT,
            "its model changed after you opened the queue: compare the values again below".to_owned(),
        ),
        Err(error) => return error.into_response(),
    };
    let notice = html! { p.notice.error role="alert" { "Nothing was done: " (why) "." } };
    show(state, session, client, Some(notice), status).await
}
