//! `/editor`, the desk: what waits for an editor, with counts and links: open feedback, import
//! candidates, drafts, and the latest changes by everyone (each linked to its entry's history).

use axum::{
    extract::{Query, State},
    response::{IntoResponse, Redirect, Response},
};
use maud::html;
use serde::Deserialize;
use serde_json::json;

use super::entry_edit::segment;
use super::{SignedIn, shell};
use crate::domain::Slug;
use crate::explorer::ExplorerState;
use crate::explorer::api;
use crate::explorer::format;
use crate::service::ClientAddress;

/// How much of a submission's text a list shows.
const EXCERPT_CHARS: usize = 160;

/// How many of each list the desk shows.
const SHOWN: i64 = 10;

const DESK: &str = r#"
query WorkspaceDesk($shown: Int!) {
  feedbackQueue(status: PENDING, first: $shown) {
    totalCount
    nodes { kind body trackingCode proposedModelName receivedAt }
  }
  models(filter: { published: false }, first: $shown) {
    totalCount
    nodes { slug name updatedAt }
  }
  importCandidates(first: 0) { totalCount }
  recentChanges(first: $shown) {
    nodes { entityId entityType action author summary changedFields createdAt }
  }
}"#;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Desk {
    feedback_queue: Counted<Feedback>,
    models: Counted<Draft>,
    import_candidates: Total,
    recent_changes: Listed<Change>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Counted<T> {
    total_count: i64,
    nodes: Vec<T>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Total {
    total_count: i64,
}

#[derive(Deserialize)]
struct Listed<T> {
    nodes: Vec<T>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Feedback {
    kind: String,
    body: String,
    tracking_code: String,
    proposed_model_name: Option<String>,
    received_at: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Draft {
    slug: String,
    name: String,
    updated_at: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Change {
    entity_id: String,
    entity_type: String,
    action: String,
    author: String,
    summary: Option<String>,
    changed_fields: Vec<String>,
    created_at: String,
}

/// `GET /editor`.
pub async fn page(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    session: SignedIn,
) -> Response {
    let desk: Desk = match api::run_as(&state, session.caller.clone(), client, DESK, json!({ "shown": SHOWN })).await {
        Ok(desk) => desk,
        Err(error) => return error.into_response(),
    };
    let main = html! {
        h1 { "Desk" }
        form.inline method="get" action="/editor/models" role="search" aria-label="Open a model" {
            label for="desk-slug" { "Edit the model with slug " }
            input #desk-slug type="text" name="slug" required pattern="[a-z0-9-]+" placeholder="e.g. gpt-4";
            " "
            button type="submit" { "Open" }
        }
        section aria-labelledby="desk-feedback" {
            h2 #desk-feedback { "Open feedback (" (desk.feedback_queue.total_count) ")" }
            @if desk.feedback_queue.nodes.is_empty() { p { "Nothing waits for review." } }
            @else { p { a href="/editor/feedback?status=PENDING" { "Review the queue" } } }
            ul {
                @for f in &desk.feedback_queue.nodes {
                    li {
                        strong { (format::label(&f.kind)) } " · " a href={ "/editor/feedback/" (f.tracking_code) } { code { (f.tracking_code) } } " · " (format::short_date(&f.received_at))
                        @if let Some(name) = &f.proposed_model_name { " · " em { (name) } }
                        br;
                        (format::excerpt(&f.body, EXCERPT_CHARS))
                    }
                }
            }
        }
        section aria-labelledby="desk-imports" {
            h2 #desk-imports { "Import candidates (" (desk.import_candidates.total_count) ")" }
            @if desk.import_candidates.total_count == 0 { p { "The Epoch AI sync has queued nothing." } }
            @else { p { a href="/editor/imports" { "Accept or dismiss them" } } }
        }
        section aria-labelledby="desk-drafts" {
            h2 #desk-drafts { "Drafts (" (desk.models.total_count) ")" }
            @if desk.models.nodes.is_empty() { p { "No model is waiting to be published." } }
            ul {
                @for d in &desk.models.nodes {
                    li { a href={ "/editor/models/" (d.slug) } { (d.name) } " " code { (d.slug) } " · last saved " (format::short_date(&d.updated_at)) }
                }
            }
        }
        (super::entries::desk_section())
        section aria-labelledby="desk-changes" {
            h2 #desk-changes { "Latest changes" }
            p { "Each change links to its entry's history, deleted entries' too, where they can be restored." }
            @if session.is_admin() { p { a href="/editor/thresholds" { "Compute thresholds" } } }
            ul {
                @for c in &desk.recent_changes.nodes {
                    li {
                        (format::short_date(&c.created_at)) " · " (c.author) " · "
                        a href={ "/editor/history/" (segment(&c.entity_id)) } { (format::label(&c.action)) " " (format::label(&c.entity_type)) }
                        @if !c.changed_fields.is_empty() { " (" (c.changed_fields.join(", ")) ")" }
                        @if let Some(summary) = &c.summary { ": " em { (summary) } }
                    }
                }
            }
        }
    };
    shell("Desk", &session, main).into_response()
}

#[derive(Deserialize)]
pub struct Find {
    slug: Option<String>,
}

/// `GET /editor/models?slug=…`: the desk's "open a model" box.
pub async fn find_model(_session: SignedIn, Query(find): Query<Find>) -> Response {
    let slug = find.slug.unwrap_or_default();
    let slug = slug.trim().to_lowercase();
    if Slug::parse(&slug).is_err() {
        return Redirect::to("/editor").into_response();
    }
    Redirect::to(&format!("/editor/models/{slug}")).into_response()
}
