//! `/editor/models/{slug}`: a model's own fields in a form that saves through `updateModel`.
//!
//! The form carries the values it was opened with (`original`) and the version they belong to,
//! and sends only the fields the editor changed. A field the API refuses is shown beside its
//! input with the value kept. When someone saved first (CONFLICT), the page shows their change
//! and yours field by field, and offers yours again on top of the current version.
//!
//! "Save and resolve feedback": naming a submission's tracking code in the form resolves (or
//! accepts) it, once the save succeeded, linked to the revision the save made. The API has no
//! mutation that does both, so these are two calls (`updateModel`, then `reviewFeedback`); the
//! submission is looked up before saving, so a code that names nothing saves nothing.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Map, Value as Json, json};

use super::feedback_review;
use super::fields::{self, Field, Kind};
use super::{CSRF_FIELD, SignedIn, links, model_actions, shell};
use crate::explorer::ExplorerState;
use crate::explorer::api::{self, PageError};
use crate::explorer::format;
use crate::service::ClientAddress;

/// The model with every field the form shows, its version, and who changed it last.
static MODEL: LazyLock<String> = LazyLock::new(|| {
    let names: Vec<&str> = fields::MODEL.iter().map(|f| f.read).collect();
    format!(
        "query WorkspaceModel($slug: String!) {{ model(slug: $slug) {{ id slug published version {} \
         revisions(first: 1) {{ nodes {{ author createdAt }} }} }} }}",
        names.join(" ")
    )
});

const UPDATE: &str = r#"
mutation WorkspaceUpdateModel($id: ID!, $input: UpdateModelInput!, $expectedVersion: Int!, $summary: String) {
  updateModel(id: $id, input: $input, expectedVersion: $expectedVersion, summary: $summary) {
    slug revisions(first: 1) { nodes { id } }
  }
}"#;

#[derive(Deserialize)]
struct Data {
    model: Option<Map<String, Json>>,
}

#[derive(Deserialize)]
struct Updated {
    #[serde(rename = "updateModel")]
    update_model: Saved,
}

#[derive(Deserialize)]
struct Saved {
    slug: String,
    revisions: SavedRevisions,
}

#[derive(Deserialize)]
struct SavedRevisions {
    nodes: Vec<SavedRevision>,
}

#[derive(Deserialize)]
struct SavedRevision {
    id: String,
}

/// The submission a save answers: its tracking code, what its submitter will read, and whether
/// it is resolved or accepted.
#[derive(Clone, Debug, Default)]
struct Answers {
    code: String,
    resolution: String,
    decision: String,
}

const ANSWER_DECISIONS: [(&str, &str); 2] = [
    ("RESOLVE", "Resolve it (dealt with)"),
    ("ACCEPT", "Accept it (the suggestion was taken up; credits the submitter)"),
];

/// The form's text for each field, by the field's name.
type Values = BTreeMap<String, String>;

/// A model as the form needs it.
struct Loaded {
    id: String,
    slug: String,
    version: i64,
    published: bool,
    values: Values,
    last_author: Option<(String, String)>,
    /// The lists whose text cannot hold one of their rows, and that row's line.
    unlisted: BTreeMap<&'static str, usize>,
}

impl Loaded {
    fn from_api(model: Map<String, Json>) -> Option<Self> {
        let values = fields::MODEL
            .iter()
            .map(|f| (f.name.to_owned(), fields::shown(f.kind, model.get(f.name).unwrap_or(&Json::Null))))
            .collect();
        let last = &model.get("revisions")?["nodes"][0];
        Some(Loaded {
            id: model.get("id")?.as_str()?.to_owned(),
            slug: model.get("slug")?.as_str()?.to_owned(),
            version: model.get("version")?.as_i64()?,
            published: model.get("published")?.as_bool()?,
            unlisted: fields::MODEL
                .iter()
                .filter_map(|f| Some((f.name, fields::unlisted_row(f.kind, model.get(f.name)?)?)))
                .collect(),
            values,
            last_author: last["author"]
                .as_str()
                .map(|a| (a.to_owned(), last["createdAt"].as_str().unwrap_or_default().to_owned())),
        })
    }
}

async fn load(
    state: &ExplorerState,
    session: &SignedIn,
    client: std::net::IpAddr,
    slug: &str,
) -> Result<Loaded, PageError> {
    let data: Data = api::run_as(state, session.caller.clone(), client, &MODEL, json!({ "slug": slug })).await?;
    let model = data.model.ok_or_else(|| PageError::NotFound(format!("There is no model `{slug}`.")))?;
    Loaded::from_api(model).ok_or(PageError::Internal)
}

#[derive(Debug, Default, Deserialize)]
pub struct Notice {
    saved: Option<String>,
    reverted: Option<String>,
    /// The tracking code of the submission to answer with the next save.
    resolves: Option<String>,
    /// The submission the save answered, or could not.
    resolved: Option<String>,
    unresolved: Option<String>,
    created: Option<String>,
    published: Option<String>,
    unpublished: Option<String>,
}

/// `GET /editor/models/{slug}`.
pub async fn page(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    Path(slug): Path<String>,
    Query(notice): Query<Notice>,
    session: SignedIn,
) -> Response {
    let resolves = notice.resolves.clone().unwrap_or_default();
    let feedback_notice = |code: &str, done: bool| {
        html! {
            @if done { " Feedback " a href={ "/editor/feedback/" (code) } { (code) } " is answered, linked to this revision." }
            @else {
                " But feedback " a href={ "/editor/feedback/" (code) } { (code) }
                " could not be answered (someone reviewed it meanwhile, or the answer was refused): review it on its page."
            }
        }
    };
    let notice = if notice.created.is_some() {
        Some(html! { p.notice role="status" { "Created as a draft. Add its risk assessments, then publish it." } })
    } else if notice.published.is_some() {
        Some(html! { p.notice role="status" { "Published: the public catalog shows it now." } })
    } else if notice.unpublished.is_some() {
        Some(html! { p.notice role="status" { "Unpublished: it is a draft again, seen by editors only." } })
    } else if notice.saved.is_some() {
        Some(html! {
            p.notice role="status" {
                "Saved. " a href={ "/models/" (slug) } { "See the public page" } " or " a href={ "/editor/models/" (slug) "/history" } { "its history" } "."
                @if let Some(code) = &notice.resolved { (feedback_notice(code, true)) }
                @if let Some(code) = &notice.unresolved { (feedback_notice(code, false)) }
            }
        })
    } else if notice.reverted.is_some() {
        Some(html! { p.notice role="status" { "Reverted. The history shows the change as a new revision." } })
    } else {
        None
    };
    show(&state, &session, client, &slug, notice, StatusCode::OK, resolves).await
}

/// The model's form as opened, with a notice above it (a save's outcome, or why an action was
/// refused), the answer's status, and the tracking code of a submission the next save answers
/// (when the form was opened from it).
pub(super) async fn show(
    state: &ExplorerState,
    session: &SignedIn,
    client: std::net::IpAddr,
    slug: &str,
    notice: Option<Markup>,
    status: StatusCode,
    resolves: String,
) -> Response {
    let model = match load(state, session, client, slug).await {
        Ok(model) => model,
        Err(error) => return error.into_response(),
    };
    let form = EditForm {
        original: model.values.clone(),
        values: model.values,
        version: model.version,
        summary: String::new(),
        answers: Answers { code: resolves, ..Answers::default() },
    };
    let main = html! {
        (form.render(session, &model.id, &model.slug, model.published, notice, &BTreeMap::new()))
        (model_actions::buttons(session, &model.id, &model.slug, model.version, model.published))
    };
    (status, shell(&title(&form), session, main)).into_response()
}

/// What a form shows: the editor's values, the values it was opened with, and their version.
struct EditForm {
    values: Values,
    original: Values,
    version: i64,
    summary: String,
    answers: Answers,
}

fn title(form: &EditForm) -> String {
    format!("Edit {}", form.original.get("name").map(String::as_str).unwrap_or("model"))
}

impl EditForm {
    fn render(
        &self,
        session: &SignedIn,
        id: &str,
        slug: &str,
        published: bool,
        notice: Option<Markup>,
        errors: &BTreeMap<String, String>,
    ) -> Markup {
        let original = serde_json::to_string(&self.original).unwrap_or_default();
        html! {
            h1 { (title(self)) }
            p {
                code { (slug) } " · version " (self.version) " · " @if published { "published" } @else { "draft" } " · "
                a href={ "/editor/models/" (slug) "/history" } { "History" } " · "
                a href={ "/editor/models/" (slug) "/assessments" } { "Risk assessments" }
                @if published { " · " a href={ "/models/" (slug) } { "Public page" } }
            }
            (super::entries::linked(&self.original))
            @if let Some(notice) = notice { (notice) }
            @if !errors.is_empty() {
                p.notice.error role="alert" {
                    "Nothing was saved: " (errors.len()) " field(s) need a change. Each is marked below."
                    @if let Some(form) = errors.get("form") { " The form " (form) "." }
                }
            }
            form.feedback.editor method="post" action={ "/editor/models/" (slug) } {
                input type="hidden" name=(CSRF_FIELD) value=(session.csrf());
                input type="hidden" name="id" value=(id);
                input type="hidden" name="expectedVersion" value=(self.version);
                input type="hidden" name="original" value=(original);
                input type="hidden" name="published" value=(published);
                @for field in fields::MODEL {
                    (control(field, self.values.get(field.name).map(String::as_str).unwrap_or(""), errors.get(field.name)))
                }
                div.field {
                    label for="f-summary" { "Edit summary (optional, public)" }
                    input #f-summary type="text" name="summary" maxlength="500" value=(self.summary);
                }
                (self.answers.render(errors.get("resolvesFeedback")))
                button type="submit" { "Save" }
            }
        }
    }
}

impl Answers {
    fn from_posted(posted: &BTreeMap<String, String>) -> Self {
        let field = |name: &str| posted.get(name).map(|v| v.trim().to_owned()).unwrap_or_default();
        Answers {
            code: field("resolvesFeedback"),
            resolution: field("feedbackResolution"),
            decision: field("feedbackDecision"),
        }
    }

    fn render(&self, error: Option<&String>) -> Markup {
        let invalid = error.map(|_| "true");
        let described = error.map(|_| "e-resolvesFeedback");
        html! {
            fieldset.answers {
                legend { "Save and resolve feedback (optional)" }
                div.field {
                    label for="f-resolvesFeedback" { "The tracking code of the feedback this save answers" }
                    input #f-resolvesFeedback type="text" name="resolvesFeedback" value=(self.code)
                        placeholder="e.g. 7K2QX-…" aria-invalid=[invalid] aria-describedby=[described];
                    @if let Some(error) = error { p.field-error #e-resolvesFeedback { "Feedback " (error) "." } }
                }
                div.field {
                    label for="f-feedbackDecision" { "How" }
                    select #f-feedbackDecision name="feedbackDecision" {
                        @for (value, text) in ANSWER_DECISIONS { option value=(value) selected[self.decision == value] { (text) } }
                    }
                }
                div.field {
                    label for="f-feedbackResolution" { "Answer to its submitter (public, optional)" }
                    textarea #f-feedbackResolution name="feedbackResolution" rows="2" { (self.resolution) }
                }
            }
        }
    }
}

/// One field's label, input and, when the API refused it, the reason beside it.
pub(super) fn control(field: &Field, value: &str, error: Option<&String>) -> Markup {
    let id = format!("f-{}", field.name);
    let error_id = format!("e-{}", field.name);
    let described = error.map(|_| error_id.as_str());
    let invalid = error.map(|_| "true");
    html! {
        div.field {
            label for=(id) { (field.label) }
            @match field.kind {
                Kind::Text | Kind::List | Kind::Choices { .. } | Kind::Refs(_) | Kind::Rows(_) => {
                    textarea id=(id) name=(field.name) rows=(if field.kind == Kind::Text { 5 } else { 3 })
                        aria-describedby=[described] aria-invalid=[invalid] { (value) }
                }
                Kind::Choice { values, optional } => {
                    select id=(id) name=(field.name) aria-describedby=[described] aria-invalid=[invalid] {
                        @if optional { option value="" selected[value.is_empty()] { "—" } }
                        @for v in values { option value=(v) selected[value.eq_ignore_ascii_case(v)] { (format::label(v)) } }
                    }
                }
                Kind::Date => {
                    input id=(id) type="date" name=(field.name) value=(value) aria-describedby=[described] aria-invalid=[invalid];
                }
                Kind::Number => {
                    input id=(id) type="text" inputmode="decimal" name=(field.name) value=(value)
                        placeholder="e.g. 2.1e25" aria-describedby=[described] aria-invalid=[invalid];
                }
                Kind::Line | Kind::Ref(_) => {
                    input id=(id) type="text" name=(field.name) value=(value) aria-describedby=[described] aria-invalid=[invalid];
                }
            }
            @if let Some(error) = error { p.field-error id=(error_id) { (field.label) " " (error) "." } }
        }
    }
}

/// `POST /editor/models/{slug}`.
pub async fn submit(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    Path(slug): Path<String>,
    session: SignedIn,
    Form(posted): Form<Vec<(String, String)>>,
) -> Response {
    let posted: BTreeMap<String, String> = posted.into_iter().collect();
    let (Some(id), Some(version), Some(original)) = (
        posted.get("id").cloned(),
        posted.get("expectedVersion").and_then(|v| v.parse::<i64>().ok()),
        posted.get("original").and_then(|o| serde_json::from_str::<Values>(o).ok()),
    ) else {
        return PageError::bad_input("form", "is not a form this page made").into_response();
    };
    let form = EditForm {
        values: fields::MODEL
            .iter()
            .map(|f| (f.name.to_owned(), posted.get(f.name).cloned().unwrap_or_default()))
            .collect(),
        original,
        version,
        summary: posted.get("summary").cloned().unwrap_or_default(),
        answers: Answers::from_posted(&posted),
    };
    let changed = form.changed();
    let refused = |errors: BTreeMap<String, String>| {
        let published = posted.get("published").is_some_and(|p| p == "true");
        let main = form.render(&session, &id, &slug, published, None, &errors);
        (StatusCode::BAD_REQUEST, shell(&title(&form), &session, main)).into_response()
    };
    let answered = if form.answers.code.is_empty() {
        None
    } else if changed.is_empty() {
        let reason = "needs a change to the model to link to (or review it on its own page)";
        return refused(BTreeMap::from([("resolvesFeedback".to_owned(), reason.to_owned())]));
    } else {
        match feedback_review::load(&state, &session, client, &form.answers.code).await {
            Ok(submission) => Some(submission),
            Err(PageError::NotFound(_)) => {
                let reason = "names no submission: check the tracking code";
                return refused(BTreeMap::from([("resolvesFeedback".to_owned(), reason.to_owned())]));
            }
            Err(error) => return error.into_response(),
        }
    };
    if changed.is_empty() {
        return Redirect::to(&format!("/editor/models/{slug}")).into_response();
    }
    // A row the list's text cannot hold (evidence with ` | ` or a line break) would be saved
    // cut in pieces: such a list is refused, naming the row, rather than corrupted.
    if changed.iter().any(|f| matches!(f.kind, Kind::Rows(_))) {
        let current = match load(&state, &session, client, &slug).await {
            Ok(current) => current,
            Err(error) => return error.into_response(),
        };
        let errors: BTreeMap<String, String> = changed
            .iter()
            .filter_map(|f| current.unlisted.get(f.name).map(|line| (f, line)))
            .map(|(f, line)| {
                let reason = format!(
                    "(line {line}) holds a ` | ` or a line break inside a column, which one line of this list \
                     cannot keep: this list cannot be saved from the form. Change that entry through the API \
                     (GraphiQL), or remove the ` | ` and line breaks from it there first"
                );
                (f.name.to_owned(), reason)
            })
            .collect();
        if !errors.is_empty() {
            return refused(errors);
        }
    }
    let mut input = match fields::input_of(&changed, &form.values) {
        Ok(input) => input,
        Err(errors) => return refused(errors),
    };
    if let Err(error) = links::resolve(&state, &session, client, fields::MODEL, &mut input).await {
        return match error {
            PageError::BadInput { field, message } => {
                refused(BTreeMap::from([links::placed(fields::MODEL, &field, message)]))
            }
            error => error.into_response(),
        };
    }
    let summary = Some(form.summary.trim()).filter(|s| !s.is_empty());
    let variables = json!({ "id": id, "input": input, "expectedVersion": form.version, "summary": summary });
    match api::run_as::<Updated>(&state, session.caller.clone(), client, UPDATE, variables).await {
        Ok(Updated { update_model: saved }) => {
            let Some(submission) = answered else {
                return Redirect::to(&format!("/editor/models/{}?saved=1", saved.slug)).into_response();
            };
            let decision =
                ANSWER_DECISIONS.iter().find(|(d, _)| *d == form.answers.decision).map_or("RESOLVE", |d| d.0);
            let resolution = Some(form.answers.resolution.as_str()).filter(|r| !r.is_empty());
            let variables = json!({
                "id": submission.id,
                "decision": decision,
                "resolution": resolution,
                "linkedTo": saved.revisions.nodes.first().map(|r| r.id.as_str()),
                "expectedVersion": submission.version,
            });
            let code = url::form_urlencoded::byte_serialize(submission.tracking_code.as_bytes()).collect::<String>();
            let review =
                api::run_as::<Json>(&state, session.caller.clone(), client, feedback_review::REVIEW, variables);
            let outcome = if review.await.is_ok() { "resolved" } else { "unresolved" };
            Redirect::to(&format!("/editor/models/{}?saved=1&{outcome}={code}", saved.slug)).into_response()
        }
        Err(PageError::BadInput { field, message }) => {
            refused(BTreeMap::from([links::placed(fields::MODEL, &field, message)]))
        }
        Err(PageError::Conflict) => conflict(&state, &session, client, &slug, form, &changed).await,
        Err(error) => error.into_response(),
    }
}

impl EditForm {
    /// The fields whose text differs from what the form was opened with.
    fn changed(&self) -> Vec<&'static Field> {
        fields::MODEL
            .iter()
            .filter(|f| {
                let original = self.original.get(f.name).map(String::as_str).unwrap_or("");
                !fields::same(f, &self.values[f.name], original)
            })
            .collect()
    }
}

/// Someone saved first: their change and yours, field by field, and yours again on top of the
/// current version (the form's `original` is now the current values, so saving sends only yours).
async fn conflict(
    state: &ExplorerState,
    session: &SignedIn,
    client: std::net::IpAddr,
    slug: &str,
    yours: EditForm,
    changed: &[&'static Field],
) -> Response {
    let current = match load(state, session, client, slug).await {
        Ok(current) => current,
        Err(error) => return error.into_response(),
    };
    let conflict = fields::Conflict {
        noun: "model",
        fields: fields::MODEL,
        opened: &yours.original,
        opened_version: yours.version,
        current: &current.values,
        current_version: current.version,
        last_author: current.last_author.as_ref(),
        yours: &yours.values,
        changed,
    };
    let (notice, values) = (conflict.notice(), conflict.merged());
    let form = EditForm {
        values,
        original: current.values,
        version: current.version,
        summary: yours.summary,
        answers: yours.answers,
    };
    let main = form.render(session, &current.id, &current.slug, current.published, Some(notice), &BTreeMap::new());
    (StatusCode::CONFLICT, shell(&title(&form), session, main)).into_response()
}
