//! The edit flow that a catalog entry's own form shares (risk assessments, compute thresholds):
//! the entry read by its global ID with the fields its form declares (`fields.rs`), a form that
//! carries the values it was opened with and their version, and a save that sends only the
//! changed fields through the entry's `update…` mutation. A field the API refuses shows beside
//! its input with the value kept; a CONFLICT shows the other editor's change next to yours,
//! field by field, with yours on top of the current version ready to save again.
//!
//! The model's form (`model_form.rs`) is the same flow with its lists and feedback answers.

use std::collections::BTreeMap;
use std::net::IpAddr;

use axum::{
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use maud::{Markup, html};
use serde_json::{Map, Value as Json, json};

use super::fields::{self, Field, Kind};
use super::model_form::control;
use super::{CSRF_FIELD, SignedIn, links, shell};
use crate::explorer::ExplorerState;
use crate::explorer::api::{self, PageError};

/// The form's text for each field, by the field's name.
pub type Values = BTreeMap<String, String>;

/// An entry type the shared form edits.
pub struct EntryForm {
    /// "risk assessment", as a sentence names it.
    pub noun: &'static str,
    /// The GraphQL type (`RiskAssessment`).
    pub typename: &'static str,
    pub fields: &'static [Field],
    /// The mutation that saves it, and its input type.
    pub update: &'static str,
    pub input: &'static str,
    /// What else a page shows of the entry (`model { slug name }`).
    pub extra: &'static str,
}

/// The entry as its form needs it: its fields as text, its version, who saved it last, and
/// the API's answer as it came (for the page's `extra`).
pub struct Loaded {
    pub id: String,
    pub version: i64,
    pub values: Values,
    pub last_author: Option<(String, String)>,
    pub data: Map<String, Json>,
}

/// What one form shows: the editor's values, the values it was opened with, and their version.
pub struct Edit {
    pub values: Values,
    pub original: Values,
    pub version: i64,
    pub summary: String,
}

/// A page around the form: its title, what comes above the form and what comes after it, and
/// where the form posts.
pub struct Frame {
    pub title: String,
    pub head: Markup,
    pub tail: Markup,
    pub action: String,
}

impl EntryForm {
    /// The entry with the global ID `id`; NOT_FOUND for none (or another type's ID).
    pub async fn load(
        &self,
        state: &ExplorerState,
        session: &SignedIn,
        client: IpAddr,
        id: &str,
    ) -> Result<Loaded, PageError> {
        let reads: Vec<&str> = self.fields.iter().map(|f| f.read).collect();
        let document = format!(
            "query WorkspaceEntry($id: ID!) {{ node(id: $id) {{ ... on {} {{ id version {} {} \
             revisions(first: 1) {{ nodes {{ author createdAt }} }} }} }} }}",
            self.typename,
            reads.join(" "),
            self.extra
        );
        let missing = || PageError::NotFound(format!("There is no such {}: it may have been deleted.", self.noun));
        let mut data: Map<String, Json> =
            match api::run_as(state, session.caller.clone(), client, &document, json!({ "id": id })).await {
                Ok(data) => data,
                // An ID that is not one of the API's names nothing.
                Err(PageError::BadInput { .. }) => return Err(missing()),
                Err(error) => return Err(error),
            };
        let Some(Json::Object(entry)) = data.remove("node") else { return Err(missing()) };
        let (Some(id), Some(version)) = (entry.get("id").and_then(Json::as_str), entry["version"].as_i64()) else {
            return Err(missing());
        };
        let values = self
            .fields
            .iter()
            .map(|f| (f.name.to_owned(), fields::shown(f.kind, entry.get(f.name).unwrap_or(&Json::Null))))
            .collect();
        let last = &entry["revisions"]["nodes"][0];
        Ok(Loaded {
            id: id.to_owned(),
            version,
            values,
            last_author: last["author"]
                .as_str()
                .map(|a| (a.to_owned(), last["createdAt"].as_str().unwrap_or_default().to_owned())),
            data: entry,
        })
    }

    /// The form as opened on `loaded`.
    pub fn opened(loaded: &Loaded) -> Edit {
        Edit {
            values: loaded.values.clone(),
            original: loaded.values.clone(),
            version: loaded.version,
            summary: String::new(),
        }
    }

    /// The whole page: `frame`'s head, a notice, the errors' summary, the form and `frame`'s tail.
    pub fn page(
        &self,
        session: &SignedIn,
        frame: &Frame,
        id: &str,
        edit: &Edit,
        notice: Option<Markup>,
        errors: &BTreeMap<String, String>,
    ) -> Markup {
        let original = serde_json::to_string(&edit.original).unwrap_or_default();
        let main = html! {
            (frame.head)
            @if let Some(notice) = notice { (notice) }
            @if !errors.is_empty() {
                p.notice.error role="alert" {
                    "Nothing was saved: " (errors.len()) " field(s) need a change. Each is marked below."
                    @if let Some(form) = errors.get("form") { " The form " (form) "." }
                }
            }
            form.feedback.editor method="post" action=(frame.action) {
                input type="hidden" name=(CSRF_FIELD) value=(session.csrf());
                input type="hidden" name="id" value=(id);
                input type="hidden" name="expectedVersion" value=(edit.version);
                input type="hidden" name="original" value=(original);
                @for field in self.fields {
                    @let value = edit.values.get(field.name).map(String::as_str).unwrap_or("");
                    (control(&choosable(field, edit.original.get(field.name)), value, errors.get(field.name)))
                }
                // Not `summary`: a risk assessment has a field of that name.
                div.field {
                    label for="f-editSummary" { "Edit summary (optional, public)" }
                    input #f-editSummary type="text" name="editSummary" maxlength="500" value=(edit.summary);
                }
                button type="submit" { "Save" }
            }
            (frame.tail)
        };
        shell(&frame.title, session, main)
    }

    /// `POST` of the form for the entry `current` (read just now; `frame` is its page): saves
    /// the changed fields and answers with a redirect to `frame.action?saved=1`, or the form
    /// again with the refusal or the conflict.
    pub async fn submit(
        &self,
        state: &ExplorerState,
        session: &SignedIn,
        client: IpAddr,
        current: Loaded,
        frame: impl Fn(&Loaded) -> Frame,
        posted: &BTreeMap<String, String>,
    ) -> Response {
        let (Some(version), Some(original)) = (
            posted.get("expectedVersion").and_then(|v| v.parse::<i64>().ok()),
            posted.get("original").and_then(|o| serde_json::from_str::<Values>(o).ok()),
        ) else {
            return PageError::bad_input("form", "is not a form this page made").into_response();
        };
        let edit = Edit {
            values: self
                .fields
                .iter()
                .map(|f| (f.name.to_owned(), posted.get(f.name).cloned().unwrap_or_default()))
                .collect(),
            original,
            version,
            summary: posted.get("editSummary").cloned().unwrap_or_default(),
        };
        let shown = frame(&current);
        let changed = edit.changed(self.fields);
        if changed.is_empty() {
            return Redirect::to(&shown.action).into_response();
        }
        let refused = |errors: BTreeMap<String, String>| {
            (StatusCode::BAD_REQUEST, self.page(session, &shown, &current.id, &edit, None, &errors)).into_response()
        };
        let input = match fields::input_of(&changed, &edit.values) {
            Ok(input) => input,
            Err(errors) => return refused(errors),
        };
        let document = format!(
            "mutation WorkspaceUpdateEntry($id: ID!, $input: {}!, $expectedVersion: Int!, $summary: String) {{ \
             {}(id: $id, input: $input, expectedVersion: $expectedVersion, summary: $summary) {{ id }} }}",
            self.input, self.update
        );
        let summary = Some(edit.summary.trim()).filter(|s| !s.is_empty());
        let variables =
            json!({ "id": current.id, "input": input, "expectedVersion": edit.version, "summary": summary });
        match api::run_as::<Json>(state, session.caller.clone(), client, &document, variables).await {
            Ok(_) => Redirect::to(&format!("{}?saved=1", shown.action)).into_response(),
            Err(PageError::BadInput { field, message }) => {
                refused(BTreeMap::from([links::placed(self.fields, &field, message)]))
            }
            Err(PageError::Conflict) => match self.load(state, session, client, &current.id).await {
                Ok(now) => self.conflict(session, &frame(&now), now, edit, &changed),
                Err(error) => error.into_response(),
            },
            Err(error) => error.into_response(),
        }
    }

    /// Someone saved first: their change and yours, field by field, and the form holding the
    /// current version with yours on top (its `original` is now the current values, so saving
    /// sends only yours).
    fn conflict(
        &self,
        session: &SignedIn,
        frame: &Frame,
        current: Loaded,
        yours: Edit,
        changed: &[&'static Field],
    ) -> Response {
        let conflict = fields::Conflict {
            noun: self.noun,
            fields: self.fields,
            opened: &yours.original,
            opened_version: yours.version,
            current: &current.values,
            current_version: current.version,
            last_author: current.last_author.as_ref(),
            yours: &yours.values,
            changed,
        };
        let (notice, values) = (conflict.notice(), conflict.merged());
        let again = Edit { values, original: current.values.clone(), version: current.version, summary: yours.summary };
        let main = self.page(session, frame, &current.id, &again, Some(notice), &BTreeMap::new());
        (StatusCode::CONFLICT, main).into_response()
    }
}

impl Edit {
    /// The fields whose text differs from what the form was opened with.
    fn changed(&self, form: &'static [Field]) -> Vec<&'static Field> {
        form.iter()
            .filter(|f| {
                let original = self.original.get(f.name).map(String::as_str).unwrap_or("");
                !fields::same(f, self.values.get(f.name).map(String::as_str).unwrap_or(""), original)
            })
            .collect()
    }
}

/// `field`, with an empty choice offered when the entry has no value for it (an assessment
/// written before the MIT classification): otherwise the browser would pick the first choice
/// and the save would classify it unasked.
fn choosable(field: &'static Field, original: Option<&String>) -> Field {
    match field.kind {
        Kind::Choice { values, .. } if original.is_none_or(|o| o.is_empty()) => {
            Field { kind: Kind::Choice { values, optional: true }, ..*field }
        }
        _ => Field { ..*field },
    }
}

/// `id` as one segment of a path (global IDs are base64, which may hold `/`, `+` and `=`).
pub fn segment(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect()
}
