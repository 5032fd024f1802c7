//! `/editor/{organizations,capabilities,datasets}`: each type's list, its new-entry form (the
//! shared create flow), and an entry's form, which saves through `update<Type>` and deletes
//! through `delete<Type>`.
//!
//! As on a model's form, the form carries the values it was opened with (`original`) and their
//! version, and sends only the fields the editor changed. A field the API refuses is shown beside
//! its input with the value kept (400). When someone saved first (409), the page shows their
//! change and yours field by field, and offers yours again on top of the current version. A
//! delete the API refuses (an organization that models still name) says why, in its words.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::net::IpAddr;

use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Map, Value as Json, json};

use super::create::CreateForm;
use super::entries::{Catalog, EntryType};
use super::fields::{self, Field};
use super::model_form::control;
use super::{CSRF_FIELD, SignedIn, links, shell};
use crate::domain::Slug;
use crate::explorer::ExplorerState;
use crate::explorer::api::{self, PageError};
use crate::explorer::format;
use crate::service::ClientAddress;

/// How many entries a type's list shows (the API's page limit).
const LISTED: i64 = 100;

/// The form's text for each field, by the field's name.
type Values = BTreeMap<String, String>;

/// An entry as its form needs it.
struct Loaded {
    id: String,
    slug: String,
    version: i64,
    values: Values,
    last_author: Option<(String, String)>,
}

async fn load(
    t: &'static EntryType,
    state: &ExplorerState,
    session: &SignedIn,
    client: IpAddr,
    slug: &str,
) -> Result<Loaded, PageError> {
    let reads: Vec<&str> = t.fields.iter().map(|f| f.read).collect();
    let document = format!(
        "query WorkspaceEntry($slug: String!) {{ entry: {}(slug: $slug) {{ id slug version {} \
         revisions(first: 1) {{ nodes {{ author createdAt }} }} }} }}",
        t.query,
        reads.join(" ")
    );
    let data: Map<String, Json> =
        api::run_as(state, session.caller.clone(), client, &document, json!({ "slug": slug })).await?;
    let Some(Json::Object(entry)) = data.get("entry") else {
        return Err(PageError::NotFound(format!("There is no {} `{slug}`.", t.query)));
    };
    let values = t
        .fields
        .iter()
        .map(|f| (f.name.to_owned(), fields::shown(f.kind, entry.get(f.name).unwrap_or(&Json::Null))))
        .collect();
    let last = &entry.get("revisions").ok_or(PageError::Internal)?["nodes"][0];
    Ok(Loaded {
        id: entry.get("id").and_then(Json::as_str).ok_or(PageError::Internal)?.to_owned(),
        slug: entry.get("slug").and_then(Json::as_str).ok_or(PageError::Internal)?.to_owned(),
        version: entry.get("version").and_then(Json::as_i64).ok_or(PageError::Internal)?,
        values,
        last_author: last["author"]
            .as_str()
            .map(|a| (a.to_owned(), last["createdAt"].as_str().unwrap_or_default().to_owned())),
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct Notice {
    saved: Option<String>,
    created: Option<String>,
    deleted: Option<String>,
}

/// `GET /editor/{type}`: every entry of the type, linked to its form.
pub async fn list<T: Catalog>(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    Query(notice): Query<Notice>,
    session: SignedIn,
) -> Response {
    let t = T::TYPE;
    let document = format!(
        "query WorkspaceEntries($first: Int!) {{ entries: {}(first: $first) {{ totalCount nodes {{ slug name }} }} }}",
        t.list
    );
    let data: Json =
        match api::run_as(&state, session.caller.clone(), client, &document, json!({ "first": LISTED })).await {
            Ok(data) => data,
            Err(error) => return error.into_response(),
        };
    let entries = &data["entries"];
    let main = html! {
        h1 { (t.plural) " (" (entries["totalCount"]) ")" }
        @if notice.deleted.is_some() { p.notice role="status" { "Deleted. Its history keeps the deletion, so it can be restored." } }
        p { a href=(t.new_path) { (t.new_title) } }
        @if entries["totalCount"].as_i64().unwrap_or(0) > LISTED { p { "The first " (LISTED) " are listed." } }
        ul {
            @for e in entries["nodes"].as_array().into_iter().flatten() {
                @let slug = e["slug"].as_str().unwrap_or_default();
                li { a href={ "/editor/" (t.path) "/" (slug) } { (e["name"].as_str().unwrap_or(slug)) } " " code { (slug) } }
            }
        }
    };
    shell(t.plural, &session, main).into_response()
}

fn create_form<T: Catalog>() -> CreateForm {
    let t = T::TYPE;
    CreateForm {
        title: t.new_title,
        action: t.new_path,
        intro: None,
        fields: t.fields,
        mutation: Cow::Owned(format!(
            "mutation WorkspaceCreateEntry($input: Create{api}Input!, $summary: String) {{ \
             created: create{api}(input: $input, summary: $summary) {{ slug }} }}",
            api = t.api
        )),
        summary: true,
        button: "Add it",
        empty_takes_default: false,
        done: |slug| format!("/editor/{}/{slug}?created=1", T::TYPE.path),
    }
}

/// `GET /editor/{type}/new`.
pub async fn new_page<T: Catalog>(session: SignedIn) -> Response {
    create_form::<T>().page(&session)
}

/// `POST /editor/{type}/new`.
pub async fn create<T: Catalog>(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    session: SignedIn,
    Form(posted): Form<BTreeMap<String, String>>,
) -> Response {
    create_form::<T>().submit(&state, client, &session, &posted).await
}

/// `GET /editor/{type}/{slug}`.
pub async fn page<T: Catalog>(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    Path(slug): Path<String>,
    Query(notice): Query<Notice>,
    session: SignedIn,
) -> Response {
    let notice = if notice.created.is_some() {
        Some(html! { p.notice role="status" { "Added. Models can name it now." } })
    } else if notice.saved.is_some() {
        Some(
            html! { p.notice role="status" { "Saved. " a href={ "/editor/" (T::TYPE.path) "/" (slug) "/history" } { "See its history" } "." } },
        )
    } else {
        None
    };
    show(T::TYPE, &state, &session, client, &slug, notice, StatusCode::OK).await
}

/// The entry's form as opened, with a notice above it and the answer's status.
async fn show(
    t: &'static EntryType,
    state: &ExplorerState,
    session: &SignedIn,
    client: IpAddr,
    slug: &str,
    notice: Option<Markup>,
    status: StatusCode,
) -> Response {
    let entry = match load(t, state, session, client, slug).await {
        Ok(entry) => entry,
        Err(error) => return error.into_response(),
    };
    let form = EditForm {
        t,
        original: entry.values.clone(),
        values: entry.values,
        version: entry.version,
        summary: String::new(),
    };
    let main = html! {
        (form.render(session, &entry.id, &entry.slug, notice, &BTreeMap::new()))
        (delete_button(t, session, &entry.id, &entry.slug, entry.version))
    };
    (status, shell(&form.title(), session, main)).into_response()
}

/// What a form shows: the editor's values, the values it was opened with, and their version.
struct EditForm {
    t: &'static EntryType,
    values: Values,
    original: Values,
    version: i64,
    summary: String,
}

impl EditForm {
    fn title(&self) -> String {
        format!("Edit {}", self.original.get("name").map(String::as_str).unwrap_or(self.t.query))
    }

    fn render(
        &self,
        session: &SignedIn,
        id: &str,
        slug: &str,
        notice: Option<Markup>,
        errors: &BTreeMap<String, String>,
    ) -> Markup {
        let t = self.t;
        let original = serde_json::to_string(&self.original).unwrap_or_default();
        html! {
            h1 { (self.title()) }
            p {
                (format::label(t.query)) " " code { (slug) } " · version " (self.version) " · "
                a href={ "/editor/" (t.path) "/" (slug) "/history" } { "History" } " · "
                a href={ "/editor/" (t.path) } { "All " (t.plural.to_lowercase()) }
            }
            @if let Some(notice) = notice { (notice) }
            @if !errors.is_empty() {
                p.notice.error role="alert" {
                    "Nothing was saved: " (errors.len()) " field(s) need a change. Each is marked below."
                    @if let Some(form) = errors.get("form") { " The form " (form) "." }
                }
            }
            form.feedback.editor method="post" action={ "/editor/" (t.path) "/" (slug) } {
                input type="hidden" name=(CSRF_FIELD) value=(session.csrf());
                input type="hidden" name="id" value=(id);
                input type="hidden" name="expectedVersion" value=(self.version);
                input type="hidden" name="original" value=(original);
                @for field in t.fields {
                    (control(field, self.values.get(field.name).map(String::as_str).unwrap_or(""), errors.get(field.name)))
                }
                div.field {
                    label for="f-summary" { "Edit summary (optional, public)" }
                    input #f-summary type="text" name="summary" maxlength="500" value=(self.summary);
                }
                button type="submit" { "Save" }
            }
        }
    }

    /// The fields whose text differs from what the form was opened with.
    fn changed(&self) -> Vec<&'static Field> {
        self.t
            .fields
            .iter()
            .filter(|f| {
                !fields::same(f, &self.values[f.name], self.original.get(f.name).map(String::as_str).unwrap_or(""))
            })
            .collect()
    }
}

/// The delete button below the form, naming the version the editor saw.
fn delete_button(t: &EntryType, session: &SignedIn, id: &str, slug: &str, version: i64) -> Markup {
    html! {
        section.actions aria-labelledby="actions-title" {
            h2 #actions-title { "Delete" }
            form.inline method="post" action={ "/editor/" (t.path) "/" (slug) "/delete" } {
                input type="hidden" name=(CSRF_FIELD) value=(session.csrf());
                input type="hidden" name="id" value=(id);
                input type="hidden" name="expectedVersion" value=(version);
                button type="submit" { "Delete this " (t.query) }
            }
        }
    }
}

/// A path's slug that cannot name an entry: not found (a redirect must never carry it back).
pub(super) fn not_a_slug(t: &EntryType, slug: &str) -> Option<Response> {
    Slug::parse(slug)
        .is_err()
        .then(|| PageError::NotFound(format!("There is no {} `{slug}`.", t.query)).into_response())
}

/// `POST /editor/{type}/{slug}`.
pub async fn submit<T: Catalog>(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    Path(slug): Path<String>,
    session: SignedIn,
    Form(posted): Form<BTreeMap<String, String>>,
) -> Response {
    let t = T::TYPE;
    if let Some(refusal) = not_a_slug(t, &slug) {
        return refusal;
    }
    let (Some(id), Some(version), Some(original)) = (
        posted.get("id").cloned(),
        posted.get("expectedVersion").and_then(|v| v.parse::<i64>().ok()),
        posted.get("original").and_then(|o| serde_json::from_str::<Values>(o).ok()),
    ) else {
        return PageError::bad_input("form", "is not a form this page made").into_response();
    };
    let form = EditForm {
        t,
        values: t.fields.iter().map(|f| (f.name.to_owned(), posted.get(f.name).cloned().unwrap_or_default())).collect(),
        original,
        version,
        summary: posted.get("summary").cloned().unwrap_or_default(),
    };
    let changed = form.changed();
    if changed.is_empty() {
        return Redirect::to(&format!("/editor/{}/{slug}", t.path)).into_response();
    }
    let refused = |errors: BTreeMap<String, String>| {
        let main = form.render(&session, &id, &slug, None, &errors);
        (StatusCode::BAD_REQUEST, shell(&form.title(), &session, main)).into_response()
    };
    let input = match fields::input_of(&changed, &form.values) {
        Ok(input) => input,
        Err(errors) => return refused(errors),
    };
    let summary = Some(form.summary.trim()).filter(|s| !s.is_empty());
    let document = format!(
        "mutation WorkspaceUpdateEntry($id: ID!, $input: Update{api}Input!, $expectedVersion: Int!, $summary: String) {{ \
         saved: update{api}(id: $id, input: $input, expectedVersion: $expectedVersion, summary: $summary) {{ slug }} }}",
        api = t.api
    );
    let variables = json!({ "id": id, "input": input, "expectedVersion": form.version, "summary": summary });
    match api::run_as::<Json>(&state, session.caller.clone(), client, &document, variables).await {
        Ok(saved) => {
            let slug = saved["saved"]["slug"].as_str().unwrap_or(&slug);
            Redirect::to(&format!("/editor/{}/{slug}?saved=1", t.path)).into_response()
        }
        Err(PageError::BadInput { field, message }) => {
            refused(BTreeMap::from([links::placed(t.fields, &field, message)]))
        }
        Err(PageError::Conflict) => conflict(&state, &session, client, &slug, form, &changed).await,
        Err(error) => error.into_response(),
    }
}

/// Someone saved first: their change and yours, field by field, and yours again on top of the
/// current version (the form's `original` is now the current values, so saving sends only yours).
async fn conflict(
    state: &ExplorerState,
    session: &SignedIn,
    client: IpAddr,
    slug: &str,
    yours: EditForm,
    changed: &[&'static Field],
) -> Response {
    let t = yours.t;
    let current = match load(t, state, session, client, slug).await {
        Ok(current) => current,
        Err(error) => return error.into_response(),
    };
    let conflict = fields::Conflict {
        noun: t.query,
        fields: t.fields,
        opened: &yours.original,
        opened_version: yours.version,
        current: &current.values,
        current_version: current.version,
        last_author: current.last_author.as_ref(),
        yours: &yours.values,
        changed,
    };
    let (notice, values) = (conflict.notice(), conflict.merged());
    let form = EditForm { t, values, original: current.values, version: current.version, summary: yours.summary };
    let main = html! {
        (form.render(session, &current.id, &current.slug, Some(notice), &BTreeMap::new()))
        (delete_button(t, session, &current.id, &current.slug, current.version))
    };
    (StatusCode::CONFLICT, shell(&form.title(), session, main)).into_response()
}

/// `POST /editor/{type}/{slug}/delete`.
pub async fn delete<T: Catalog>(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    Path(slug): Path<String>,
    session: SignedIn,
    Form(posted): Form<BTreeMap<String, String>>,
) -> Response {
    let t = T::TYPE;
    let (Some(id), Some(version)) =
        (posted.get("id"), posted.get("expectedVersion").and_then(|v| v.parse::<i64>().ok()))
    else {
        return PageError::bad_input("form", "is not a form this page made").into_response();
    };
    let document = format!(
        "mutation WorkspaceDeleteEntry($id: ID!, $expectedVersion: Int!) {{ \
         deleted: delete{}(id: $id, expectedVersion: $expectedVersion) }}",
        t.api
    );
    let variables = json!({ "id": id, "expectedVersion": version });
    match api::run_as::<Json>(&state, session.caller.clone(), client, &document, variables).await {
        Ok(_) => Redirect::to(&format!("/editor/{}?deleted=1", t.path)).into_response(),
        Err(PageError::BadInput { message, .. }) => {
            let notice = html! { p.notice.error role="alert" { "Not deleted: the " (t.query) " " (message) "." } };
            show(t, &state, &session, client, &slug, Some(notice), StatusCode::BAD_REQUEST).await
        }
        Err(PageError::Conflict) => {
            let notice = html! {
                p.notice.error role="alert" { "Not deleted: someone changed this " (t.query) " after you opened it. Check the form below, then try again." }
            };
            show(t, &state, &session, client, &slug, Some(notice), StatusCode::CONFLICT).await
        }
        Err(error) => error.into_response(),
    }
}
