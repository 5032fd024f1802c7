//! An entry's revisions as field-level differences (who changed what, when, and why):
//! `/editor/history/{id}` for any entry by its global ID, deleted ones included (the desk's
//! latest changes and the delete buttons lead there), and `/editor/models/{slug}/history` (and
//! likewise for organizations, capabilities and datasets) for an entry by its slug. Each older revision has a button that sets the entry back to its state
//! after it (`revert`); a deletion, while it is the entry's latest change, has one that brings
//! the entry back under its old ID (`restore`). Both are new revisions.
//!
//! Revisions record other entries by row id (a model's organizations, its base model, an
//! assessment's model); the page shows their slugs instead, read with one query for the page,
//! and the id where the entry no longer exists.

use std::collections::{BTreeMap, BTreeSet};

use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Map, Value as Json, json};

use super::entries::{self, Catalog, EntryType};
use super::entry_edit::segment;
use super::fields::{self, Field};
use super::{CSRF_FIELD, SignedIn, shell};
use crate::domain::{EntityType, Slug};
use crate::explorer::ExplorerState;
use crate::explorer::api::{self, PageError};
use crate::explorer::format;
use crate::graphql::global_id;
use crate::service::ClientAddress;

/// Revisions shown, newest first.
const SHOWN: i64 = 50;
/// Longer texts are cut in the table (the whole text is in the API's revision).
const SHOWN_CHARS: usize = 400;
/// The most other entries one page names by slug (beyond that, by id).
const NAMED: usize = 100;

const HISTORY: &str = r#"
query WorkspaceHistory($id: ID!, $shown: Int!) {
  node(id: $id) {
    __typename
    ... on Model { slug name version }
    ... on Organization { slug name version }
    ... on Capability { slug name version }
    ... on Dataset { slug name version }
    ... on RiskAssessment { summary version model { slug name } }
    ... on ComputeThreshold { slug name version }
  }
  revisions(entityId: $id, first: $shown) {
    totalCount
    nodes { id entityType action author summary changedFields before after createdAt }
  }
}"#;

const REVERT: &str = r#"
mutation WorkspaceRevert($revisionId: ID!, $expectedVersion: Int!, $summary: String) {
  revert(revisionId: $revisionId, expectedVersion: $expectedVersion, summary: $summary) { id }
}"#;

const RESTORE: &str = r#"
mutation WorkspaceRestore($revisionId: ID!, $summary: String) {
  restore(revisionId: $revisionId, summary: $summary) { id }
}"#;

/// The fields of revisions' `before`/`after` that hold other entries' row ids: the field, the
/// column for a list of rows, and the kind of entry.
const REFERENCES: &[(&str, Option<&str>, EntityType)] = &[
    ("organizationIds", None, EntityType::Organization),
    ("datasetIds", None, EntityType::Dataset),
    ("baseModelId", None, EntityType::Model),
    ("capabilities", Some("capabilityId"), EntityType::Capability),
    ("modelId", None, EntityType::Model),
];

#[derive(Deserialize)]
struct Data {
    node: Option<Map<String, Json>>,
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
    entity_type: String,
    action: String,
    author: String,
    summary: Option<String>,
    changed_fields: Vec<String>,
    before: Option<Json>,
    after: Option<Json>,
    created_at: String,
}

/// The entry a history is of, as the page names and links it.
struct Entry {
    id: String,
    /// The API's `EntityType` (`MODEL`).
    kind: String,
    /// Its name (an assessment's summary), from the entry or, once deleted, its last state.
    name: String,
    /// Null once deleted.
    version: Option<i64>,
    /// Its slug, where it has one (a model's form is addressed by it).
    slug: Option<String>,
}

impl Entry {
    fn catalog(&self) -> bool {
        !matches!(self.kind.as_str(), "EDITOR" | "FEEDBACK" | "IMPORT_CANDIDATE")
    }

    /// Its type among the organizations, capabilities and datasets (`entries.rs`).
    fn entry_type(&self) -> Option<&'static EntryType> {
        entries::ALL.into_iter().find(|t| t.api.eq_ignore_ascii_case(&self.kind))
    }

    /// Where the entry's own form is, if the workspace has one.
    fn form(&self) -> Option<String> {
        self.version?;
        match self.kind.as_str() {
            "MODEL" => self.slug.as_ref().map(|slug| format!("/editor/models/{slug}")),
            "RISK_ASSESSMENT" => Some(format!("/editor/assessments/{}", segment(&self.id))),
            "COMPUTE_THRESHOLD" => Some(format!("/editor/thresholds/{}", segment(&self.id))),
            _ => Some(format!("/editor/{}/{}", self.entry_type()?.path, self.slug.as_ref()?)),
        }
    }

    /// The fields its form declares, whose labels and spelling the diffs use.
    fn fields(&self) -> &'static [Field] {
        match self.kind.as_str() {
            "MODEL" => fields::MODEL,
            "RISK_ASSESSMENT" => fields::RISK_ASSESSMENT,
            "COMPUTE_THRESHOLD" => fields::THRESHOLD,
            _ => self.entry_type().map_or(&[], |t| t.fields),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct Notice {
    reverted: Option<String>,
    restored: Option<String>,
    deleted: Option<String>,
}

/// `GET /editor/history/{id}`.
pub async fn page(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    Path(id): Path<String>,
    Query(notice): Query<Notice>,
    session: SignedIn,
) -> Response {
    show(&state, &session, client, &id, notice).await
}

/// `GET /editor/models/{slug}/history`.
pub async fn model_page(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    Path(slug): Path<String>,
    Query(notice): Query<Notice>,
    session: SignedIn,
) -> Response {
    by_slug(&state, &session, client, "model", &slug, notice).await
}

/// `GET /editor/{organizations,capabilities,datasets}/{slug}/history`.
pub async fn entry_page<T: Catalog>(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    Path(slug): Path<String>,
    Query(notice): Query<Notice>,
    session: SignedIn,
) -> Response {
    by_slug(&state, &session, client, T::TYPE.query, &slug, notice).await
}

/// The history of the entry that the API's lookup `query` (`model`) finds by `slug`.
async fn by_slug(
    state: &ExplorerState,
    session: &SignedIn,
    client: std::net::IpAddr,
    query: &str,
    slug: &str,
    notice: Notice,
) -> Response {
    let document = format!("query WorkspaceEntryId($slug: String!) {{ entry: {query}(slug: $slug) {{ id }} }}");
    let found: Json = match api::run_as(state, session.caller.clone(), client, &document, json!({ "slug": slug })).await
    {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    let Some(id) = found["entry"]["id"].as_str() else {
        return PageError::NotFound(format!("There is no {query} `{slug}`.")).into_response();
    };
    show(state, session, client, id, notice).await
}

async fn show(
    state: &ExplorerState,
    session: &SignedIn,
    client: std::net::IpAddr,
    id: &str,
    notice: Notice,
) -> Response {
    let missing =
        || PageError::NotFound("There is no such entry, and nothing was ever recorded under this ID.".to_owned());
    let variables = json!({ "id": id, "shown": SHOWN });
    let mut data = match api::run_as::<Data>(state, session.caller.clone(), client, HISTORY, variables).await {
        Ok(data) => data,
        Err(PageError::BadInput { .. }) => return missing().into_response(),
        Err(error) => return error.into_response(),
    };
    let Some(entry) = entry(id, &data) else { return missing().into_response() };
    named_by_slug(state, session, client, &mut data.revisions.nodes).await;
    let title = format!("History of {}", entry.name);
    let deleted = entry.version.is_none();
    let notice = if notice.reverted.is_some() {
        Some(html! { p.notice role="status" { "Reverted. The change is a new revision, at the top." } })
    } else if notice.restored.is_some() {
        Some(
            html! { p.notice role="status" { "Restored under its old ID. The restore is a new revision, at the top." } },
        )
    } else if notice.deleted.is_some() {
        Some(
            html! { p.notice role="status" { "Deleted. Its history stays here, and the button below brings it back." } },
        )
    } else {
        None
    };
    let main = html! {
        h1 { (title) }
        p {
            (format::label(&entry.kind)) " · "
            @if let Some(version) = entry.version { "version " (version) } @else { strong { "deleted" } }
            @if let Some(form) = entry.form() { " · " a href=(form) { "Edit" } }
            " · " (data.revisions.total_count) " revisions"
            @if data.revisions.total_count > SHOWN { ", the latest " (SHOWN) " shown" }
        }
        @if let Some(notice) = notice { (notice) }
        @for (i, revision) in data.revisions.nodes.iter().enumerate() {
            (self::revision(session, &entry, revision, i == 0, deleted))
        }
    };
    shell(&title, session, main).into_response()
}

/// The entry the history is of: as it is now, or as its latest revision left it.
fn entry(id: &str, data: &Data) -> Option<Entry> {
    let latest = data.revisions.nodes.first();
    let text = |value: &Json| value.as_str().map(str::to_owned);
    if let Some(node) = &data.node {
        let kind = latest.map(|r| r.entity_type.clone()).unwrap_or_else(|| {
            let typename = node.get("__typename").and_then(Json::as_str).unwrap_or_default();
            format::label(typename).to_uppercase()
        });
        let name = node.get("name").or_else(|| node.get("summary")).and_then(text).unwrap_or_default();
        let slug = node.get("slug").and_then(text);
        return Some(Entry { id: id.to_owned(), kind, name, version: node.get("version")?.as_i64(), slug });
    }
    let latest = latest?;
    let last = latest.before.as_ref().or(latest.after.as_ref());
    let name = last
        .and_then(|l| l.get("name").or_else(|| l.get("summary")).or_else(|| l.get("displayName")))
        .and_then(text)
        .unwrap_or_else(|| format::label(&latest.entity_type));
    Some(Entry { id: id.to_owned(), kind: latest.entity_type.clone(), name, version: None, slug: None })
}

/// One revision: when, who, what, why, the fields it changed, and its button: revert (not on
/// the newest, which is the current state), or restore (on a deletion that is the newest).
fn revision(session: &SignedIn, entry: &Entry, revision: &Revision, newest: bool, deleted: bool) -> Markup {
    let form = entry.fields();
    let hidden = html! {
        input type="hidden" name=(CSRF_FIELD) value=(session.csrf());
        input type="hidden" name="revisionId" value=(revision.id);
        input type="hidden" name="entityId" value=(entry.id);
    };
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
                                th scope="row" { (label(form, name)) }
                                td { (value(form, name, revision.before.as_ref().and_then(|b| b.get(name)))) }
                                td { (value(form, name, revision.after.as_ref().and_then(|a| a.get(name)))) }
                            }
                        }
                    }
                }
            }
            @if let (false, Some(_), Some(version), true) = (newest, &revision.after, entry.version, entry.catalog()) {
                form.inline method="post" action="/editor/revert" {
                    (hidden)
                    input type="hidden" name="expectedVersion" value=(version);
                    @if let (Some(slug), "MODEL") = (&entry.slug, entry.kind.as_str()) {
                        input type="hidden" name="slug" value=(slug);
                    }
                    button type="submit" { "Revert to the state after this revision" }
                }
            }
            @if newest && deleted && revision.action == "DELETE" && entry.catalog() {
                form.inline method="post" action="/editor/restore" {
                    (hidden)
                    button type="submit" { "Restore this " (format::label(&entry.kind).to_lowercase()) }
                }
            }
        }
    }
}

/// A field's name as the entry's form labels it; the API's name for fields the form does not edit.
fn label(form: &'static [Field], name: &str) -> String {
    fields::named_in(form, name).map_or_else(|| format::label(name), |f| f.label.to_owned())
}

/// A stored value, readably: text as text, lists joined, entries of other kinds counted.
fn value(form: &'static [Field], name: &str, value: Option<&Json>) -> String {
    let text = match (fields::named_in(form, name), value) {
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

/// Every place in `revisions` that holds another entry's row id, with the global ID it names.
fn references(revisions: &mut [Revision]) -> Vec<(&mut Json, String)> {
    let mut found = Vec::new();
    for revision in revisions {
        for state in [revision.before.as_mut(), revision.after.as_mut()].into_iter().flatten() {
            let Json::Object(state) = state else { continue };
            for (name, value) in state.iter_mut() {
                let Some((_, column, kind)) = REFERENCES.iter().find(|(n, ..)| n == name) else { continue };
                let slots: Vec<&mut Json> = match (value, column) {
                    (Json::Array(items), None) => items.iter_mut().collect(),
                    (Json::Array(rows), Some(column)) => rows.iter_mut().filter_map(|r| r.get_mut(*column)).collect(),
                    (single, None) => vec![single],
                    _ => vec![],
                };
                for slot in slots {
                    if let Some(row) = slot.as_i64().and_then(|r| i32::try_from(r).ok()) {
                        found.push((slot, global_id(*kind, row).to_string()));
                    }
                }
            }
        }
    }
    found
}

/// Replaces the row ids in `revisions` by the slugs of the entries they name, read with one
/// query; an id whose entry no longer exists (or that the query could not read) stays.
async fn named_by_slug(
    state: &ExplorerState,
    session: &SignedIn,
    client: std::net::IpAddr,
    revisions: &mut [Revision],
) {
    let mut slots = references(revisions);
    let ids: Vec<String> =
        slots.iter().map(|(_, id)| id.clone()).collect::<BTreeSet<_>>().into_iter().take(NAMED).collect();
    if ids.is_empty() {
        return;
    }
    let declared: Vec<String> = (0..ids.len()).map(|i| format!("$n{i}: ID!")).collect();
    let selected: Vec<String> = (0..ids.len())
        .map(|i| {
            format!(
                "n{i}: node(id: $n{i}) {{ ... on Model {{ slug }} ... on Organization {{ slug }} \
                 ... on Capability {{ slug }} ... on Dataset {{ slug }} }}"
            )
        })
        .collect();
    let document = format!("query WorkspaceNames({}) {{ {} }}", declared.join(", "), selected.join(" "));
    let variables: Map<String, Json> =
        ids.iter().enumerate().map(|(i, id)| (format!("n{i}"), Json::String(id.clone()))).collect();
    let Ok(found) =
        api::run_as::<Map<String, Json>>(state, session.caller.clone(), client, &document, Json::Object(variables))
            .await
    else {
        return;
    };
    let slugs: BTreeMap<&String, &str> = ids
        .iter()
        .enumerate()
        .filter_map(|(i, id)| Some((id, found.get(&format!("n{i}"))?.get("slug")?.as_str()?)))
        .collect();
    for (slot, id) in &mut slots {
        if let Some(slug) = slugs.get(id) {
            **slot = Json::String((*slug).to_owned());
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevisionForm {
    revision_id: Option<String>,
    expected_version: Option<i64>,
    /// A model's slug: a revert goes back to its form.
    slug: Option<String>,
    /// The entry's global ID: otherwise, back to its history.
    entity_id: Option<String>,
}

/// Where a revert or restore goes back to.
fn history_of(form: &RevisionForm) -> String {
    match (&form.slug, &form.entity_id) {
        (Some(slug), _) => format!("/editor/models/{slug}/history"),
        (None, Some(id)) => format!("/editor/history/{}", segment(id)),
        (None, None) => "/editor".to_owned(),
    }
}

/// `POST /editor/revert`.
pub async fn revert(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    session: SignedIn,
    Form(form): Form<RevisionForm>,
) -> Response {
    let (Some(revision_id), Some(version)) = (&form.revision_id, form.expected_version) else {
        return PageError::bad_input("form", "is not a form this page made").into_response();
    };
    if form.slug.is_none() && form.entity_id.is_none() {
        return PageError::bad_input("form", "is not a form this page made").into_response();
    }
    if form.slug.as_ref().is_some_and(|slug| Slug::parse(slug).is_err()) {
        return PageError::bad_input("slug", "is not a slug").into_response();
    }
    let variables = json!({ "revisionId": revision_id, "expectedVersion": version, "summary": null });
    let back = history_of(&form);
    match api::run_as::<Json>(&state, session.caller.clone(), client, REVERT, variables).await {
        Ok(_) => match &form.slug {
            Some(slug) => Redirect::to(&format!("/editor/models/{slug}?reverted=1")).into_response(),
            None => Redirect::to(&format!("{back}?reverted=1")).into_response(),
        },
        Err(PageError::Conflict) => refused(
            &session,
            StatusCode::CONFLICT,
            "Changed meanwhile",
            "Someone saved this entry after you opened its history, so nothing was reverted.".to_owned(),
            &back,
        ),
        Err(PageError::BadInput { message, .. }) => refused(
            &session,
            StatusCode::BAD_REQUEST,
            "Not reverted",
            format!("Nothing was reverted: the revision {message}."),
            &back,
        ),
        Err(error) => error.into_response(),
    }
}

/// `POST /editor/restore`: brings a deleted entry back from its deletion's revision.
pub async fn restore(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    session: SignedIn,
    Form(form): Form<RevisionForm>,
) -> Response {
    let (Some(revision_id), Some(entity_id)) = (&form.revision_id, &form.entity_id) else {
        return PageError::bad_input("form", "is not a form this page made").into_response();
    };
    let back = history_of(&form);
    let variables = json!({ "revisionId": revision_id, "summary": null });
    match api::run_as::<Json>(&state, session.caller.clone(), client, RESTORE, variables).await {
        Ok(_) => Redirect::to(&format!("/editor/history/{}?restored=1", segment(entity_id))).into_response(),
        Err(PageError::BadInput { message, .. }) => refused(
            &session,
            StatusCode::BAD_REQUEST,
            "Not restored",
            format!("Nothing was restored: the revision {message}."),
            &back,
        ),
        Err(error) => error.into_response(),
    }
}

fn refused(session: &SignedIn, status: StatusCode, title: &str, why: String, back: &str) -> Response {
    let main = html! {
        h1 { (title) }
        p.notice.error role="alert" { (why) }
        p { a href=(back) { "See the history as it is now" } }
    };
    (status, shell(title, session, main)).into_response()
}
