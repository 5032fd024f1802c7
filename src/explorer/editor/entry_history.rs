//! `/editor/{organizations,capabilities,datasets}/{slug}/history`: an entry's revisions as
//! field-level differences (who, when, why), each older one with a button that sets the entry
//! back to its state after that revision (`revert`, itself a new revision). The same page as a
//! model's history (`history.rs`), labelled by the entry type's own fields.

use std::collections::BTreeMap;

use axum::{
    Form,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Value as Json, json};

use super::entries::{Catalog, EntryType};
use super::{CSRF_FIELD, SignedIn, forbidden, shell};
use super::{entry_form, fields};
use crate::explorer::ExplorerState;
use crate::explorer::api::{self, PageError};
use crate::explorer::format;
use crate::service::ClientAddress;

/// Revisions shown, newest first.
const SHOWN: i64 = 50;
/// Longer texts are cut in the table (the whole text is in the API's revision).
const SHOWN_CHARS: usize = 400;

const REVERT: &str = r#"
mutation WorkspaceRevertEntry($revisionId: ID!, $expectedVersion: Int!) {
  revert(revisionId: $revisionId, expectedVersion: $expectedVersion) { id }
}"#;

#[derive(Deserialize)]
struct Data {
    entry: Option<Entry>,
}

#[derive(Deserialize)]
struct Entry {
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

/// `GET /editor/{type}/{slug}/history`.
pub async fn page<T: Catalog>(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    Path(slug): Path<String>,
    session: SignedIn,
) -> Response {
    let t = T::TYPE;
    let document = format!(
        "query WorkspaceEntryHistory($slug: String!, $shown: Int!) {{ entry: {}(slug: $slug) {{ slug name version \
         revisions(first: $shown) {{ totalCount nodes {{ id action author summary changedFields before after createdAt }} }} }} }}",
        t.query
    );
    let variables = json!({ "slug": slug, "shown": SHOWN });
    let entry = match api::run_as::<Data>(&state, session.caller.clone(), client, &document, variables).await {
        Ok(Data { entry: Some(entry) }) => entry,
        Ok(Data { entry: None }) => {
            return PageError::NotFound(format!("There is no {} `{slug}`.", t.query)).into_response();
        }
        Err(error) => return error.into_response(),
    };
    let title = format!("History of {}", entry.name);
    let main = html! {
        h1 { (title) }
        p {
            a href={ "/editor/" (t.path) "/" (entry.slug) } { "Edit" } " · version " (entry.version) " · "
            (entry.revisions.total_count) " revisions"
            @if entry.revisions.total_count > SHOWN { ", the latest " (SHOWN) " shown" }
        }
        @for (i, revision) in entry.revisions.nodes.iter().enumerate() {
            (revision_entry(t, &session, &entry, revision, i == 0))
        }
    };
    shell(&title, &session, main).into_response()
}

/// One revision: when, who, what, why, the fields it changed, and a revert button (not on the
/// newest, which is the current state).
fn revision_entry(t: &EntryType, session: &SignedIn, entry: &Entry, revision: &Revision, newest: bool) -> Markup {
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
                                th scope="row" { (label(t, name)) }
                                td { (value(t, name, revision.before.as_ref().and_then(|b| b.get(name)))) }
                                td { (value(t, name, revision.after.as_ref().and_then(|a| a.get(name)))) }
                            }
                        }
                    }
                }
            }
            @if !newest && revision.after.is_some() {
                form.inline method="post" action={ "/editor/" (t.path) "/" (entry.slug) "/revert" } {
                    input type="hidden" name=(CSRF_FIELD) value=(session.csrf());
                    input type="hidden" name="revisionId" value=(revision.id);
                    input type="hidden" name="expectedVersion" value=(entry.version);
                    button type="submit" { "Revert to the state after this revision" }
                }
            }
        }
    }
}

/// A field's name as the form labels it; the API's name for fields the form does not edit.
fn label(t: &EntryType, name: &str) -> String {
    fields::named_in(t.fields, name).map_or_else(|| format::label(name), |f| f.label.to_owned())
}

/// A stored value, readably.
fn value(t: &EntryType, name: &str, value: Option<&Json>) -> String {
    let text = match (fields::named_in(t.fields, name), value) {
        (_, None | Some(Json::Null)) => "—".to_owned(),
        (Some(field), Some(v)) => fields::shown(field.kind, v).replace('\n', ", "),
        (None, Some(Json::String(s))) => s.clone(),
        (None, Some(other)) => other.to_string(),
    };
    format::excerpt(&text, SHOWN_CHARS)
}

/// `POST /editor/{type}/{slug}/revert`.
pub async fn revert<T: Catalog>(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    Path(slug): Path<String>,
    session: SignedIn,
    Form(posted): Form<BTreeMap<String, String>>,
) -> Response {
    let t = T::TYPE;
    if !session.form_is_genuine(posted.get(CSRF_FIELD).map(String::as_str)) {
        return forbidden();
    }
    if let Some(refusal) = entry_form::not_a_slug(t, &slug) {
        return refusal;
    }
    let (Some(revision_id), Some(version)) =
        (posted.get("revisionId"), posted.get("expectedVersion").and_then(|v| v.parse::<i64>().ok()))
    else {
        return PageError::bad_input("form", "is not a form this page made").into_response();
    };
    let variables = json!({ "revisionId": revision_id, "expectedVersion": version });
    match api::run_as::<Json>(&state, session.caller.clone(), client, REVERT, variables).await {
        Ok(_) => Redirect::to(&format!("/editor/{}/{slug}?reverted=1", t.path)).into_response(),
        Err(PageError::Conflict) => {
            let main = html! {
                h1 { "Changed meanwhile" }
                p.notice.error role="alert" { "Someone saved this " (t.query) " after you opened its history, so nothing was reverted." }
                p { a href={ "/editor/" (t.path) "/" (slug) "/history" } { "See the history as it is now" } }
            };
            (StatusCode::CONFLICT, shell("Changed meanwhile", &session, main)).into_response()
        }
        Err(error) => error.into_response(),
    }
}
