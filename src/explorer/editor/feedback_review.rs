//! `/editor/feedback`: the review queue (the API's `feedbackQueue`, filtered by status and kind,
//! a page at a time) and each submission's page, by its tracking code, where an editor accepts,
//! rejects or resolves it (`reviewFeedback`: a public resolution, a private note, and the
//! revision that acted on it) or erases the submitter's contact (`eraseFeedbackContact`).

use std::collections::BTreeMap;

use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;

use super::{CSRF_FIELD, SignedIn, shell};
use crate::explorer::ExplorerState;
use crate::explorer::api::{self, PageError};
use crate::explorer::format;
use crate::service::ClientAddress;

/// How much of a submission's text a list shows.
const EXCERPT_CHARS: usize = 160;

/// Submissions per page of the queue.
const PER_PAGE: i64 = 20;
/// The subject's latest revisions offered as "what acted on it".
const LINKABLE: i64 = 5;

pub const STATUSES: [&str; 4] = ["PENDING", "ACCEPTED", "REJECTED", "RESOLVED"];
const KINDS: [&str; 4] = ["NEW_MODEL", "CORRECTION", "RISK_COMMENT", "GENERAL"];
const DECISIONS: [(&str, &str); 3] = [
    ("ACCEPT", "Accept: the suggestion was taken up"),
    ("RESOLVE", "Resolve: dealt with otherwise (answered, already fixed, duplicate)"),
    ("REJECT", "Reject"),
];

const QUEUE: &str = r#"
query WorkspaceFeedbackQueue($status: FeedbackStatus, $kind: FeedbackKind, $first: Int, $after: String, $last: Int, $before: String) {
  feedbackQueue(status: $status, kind: $kind, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    nodes { kind status body trackingCode proposedModelName submitterName receivedAt }
  }
}"#;

pub const SUBMISSION: &str = r#"
query WorkspaceFeedback($code: String!) {
  feedback(trackingCode: $code) {
    id kind status subjectId proposedModelName body sourceUrl submitterName contact contactErasedAt
    creditConsent trackingCode note resolution linkedTo receivedAt reviewedAt version
  }
}"#;

const SUBJECT: &str = r#"
query WorkspaceFeedbackSubject($id: ID!, $shown: Int!) {
  node(id: $id) {
    __typename
    ... on Model { slug name }
    ... on Organization { name }
    ... on Capability { name }
    ... on Dataset { name }
  }
  revisions(entityId: $id, first: $shown) { nodes { id action author summary changedFields createdAt } }
}"#;

const LINKED: &str = r#"
query WorkspaceFeedbackLinked($id: ID!) {
  node(id: $id) { __typename ... on Revision { entityType action author summary createdAt } }
}"#;

pub const REVIEW: &str = r#"
mutation WorkspaceReviewFeedback($id: ID!, $decision: FeedbackDecision!, $note: String, $resolution: String, $linkedTo: ID, $expectedVersion: Int!) {
  reviewFeedback(id: $id, decision: $decision, note: $note, resolution: $resolution, linkedTo: $linkedTo, expectedVersion: $expectedVersion) { trackingCode }
}"#;

const ERASE: &str = r#"
mutation WorkspaceEraseContact($id: ID!) { eraseFeedbackContact(id: $id) { trackingCode } }"#;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct QueueData {
    feedback_queue: Queue,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Queue {
    total_count: i64,
    page_info: PageInfo,
    nodes: Vec<Listed>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageInfo {
    has_next_page: bool,
    has_previous_page: bool,
    start_cursor: Option<String>,
    end_cursor: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Listed {
    kind: String,
    status: String,
    body: String,
    tracking_code: String,
    proposed_model_name: Option<String>,
    submitter_name: Option<String>,
    received_at: String,
}

#[derive(Deserialize)]
pub struct SubmissionData {
    pub feedback: Option<Submission>,
}

#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Submission {
    pub id: String,
    kind: String,
    status: String,
    subject_id: Option<String>,
    proposed_model_name: Option<String>,
    body: String,
    source_url: Option<String>,
    submitter_name: Option<String>,
    contact: Option<String>,
    contact_erased_at: Option<String>,
    credit_consent: bool,
    pub tracking_code: String,
    note: Option<String>,
    resolution: Option<String>,
    linked_to: Option<String>,
    received_at: String,
    reviewed_at: Option<String>,
    pub version: i64,
}

#[derive(Deserialize)]
struct SubjectData {
    node: Option<Subject>,
    revisions: Revisions,
}

#[derive(Deserialize)]
struct Subject {
    #[serde(rename = "__typename")]
    typename: String,
    slug: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize)]
struct Revisions {
    nodes: Vec<RevisionSummary>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RevisionSummary {
    id: String,
    action: String,
    author: String,
    summary: Option<String>,
    #[serde(default)]
    changed_fields: Vec<String>,
    created_at: String,
}

#[derive(Deserialize)]
struct LinkedData {
    node: Option<LinkedNode>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LinkedNode {
    entity_type: Option<String>,
    action: Option<String>,
    author: Option<String>,
    summary: Option<String>,
    created_at: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct QueueParams {
    status: Option<String>,
    kind: Option<String>,
    after: Option<String>,
    before: Option<String>,
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// A vocabulary parameter: absent or empty is no filter; anything not in `values` is refused.
fn choice<'a>(name: &str, value: &'a Option<String>, values: &[&str]) -> Result<Option<&'a str>, PageError> {
    match given(value) {
        None => Ok(None),
        Some(v) if values.contains(&v) => Ok(Some(v)),
        Some(_) => Err(PageError::bad_input(name, format!("must be one of {}", values.join(", ")))),
    }
}

/// `GET /editor/feedback?status=…&kind=…&after=…|before=…`.
pub async fn queue(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    Query(params): Query<QueueParams>,
    session: SignedIn,
) -> Response {
    let (status, kind) = match (choice("status", &params.status, &STATUSES), choice("kind", &params.kind, &KINDS)) {
        (Ok(status), Ok(kind)) => (status, kind),
        (Err(error), _) | (_, Err(error)) => return error.into_response(),
    };
    let before = given(&params.before);
    let variables = match before {
        Some(before) => json!({ "status": status, "kind": kind, "last": PER_PAGE, "before": before }),
        None => json!({ "status": status, "kind": kind, "first": PER_PAGE, "after": given(&params.after) }),
    };
    let data: QueueData = match api::run_as(&state, session.caller.clone(), client, QUEUE, variables).await {
        Ok(data) => data,
        Err(error) => return error.into_response(),
    };
    let queue = data.feedback_queue;
    let filter = |cursor: (&str, &str)| {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        if let Some(status) = status {
            query.append_pair("status", status);
        }
        if let Some(kind) = kind {
            query.append_pair("kind", kind);
        }
        query.append_pair(cursor.0, cursor.1);
        format!("/editor/feedback?{}", query.finish())
    };
    let main = html! {
        h1 { "Feedback" }
        form.filters method="get" action="/editor/feedback" aria-label="Filter the feedback" {
            label for="q-status" { "Status " }
            select #q-status name="status" {
                option value="" selected[status.is_none()] { "Any" }
                @for s in STATUSES { option value=(s) selected[status == Some(s)] { (format::label(s)) } }
            }
            " "
            label for="q-kind" { "Kind " }
            select #q-kind name="kind" {
                option value="" selected[kind.is_none()] { "Any" }
                @for k in KINDS { option value=(k) selected[kind == Some(k)] { (format::label(k)) } }
            }
            " "
            button type="submit" { "Show" }
        }
        p { (queue.total_count) " submission(s)." }
        @if queue.nodes.is_empty() { p { "Nothing here." } }
        @else {
            table {
                thead { tr { th scope="col" { "Received" } th scope="col" { "Kind" } th scope="col" { "Status" } th scope="col" { "Submission" } } }
                tbody {
                    @for f in &queue.nodes {
                        tr {
                            td { (format::short_date(&f.received_at)) }
                            td { (format::label(&f.kind)) }
                            td { (format::label(&f.status)) }
                            td {
                                a href={ "/editor/feedback/" (f.tracking_code) } { code { (f.tracking_code) } }
                                @if let Some(name) = &f.proposed_model_name { " · " em { (name) } }
                                @if let Some(name) = &f.submitter_name { " · from " (name) }
                                br;
                                (format::excerpt(&f.body, EXCERPT_CHARS))
                            }
                        }
                    }
                }
            }
        }
        nav aria-label="Pages of the feedback" {
            @if queue.page_info.has_previous_page {
                @if let Some(start) = &queue.page_info.start_cursor { a rel="prev" href=(filter(("before", start))) { "← Newer" } " " }
            }
            @if queue.page_info.has_next_page {
                @if let Some(end) = &queue.page_info.end_cursor { a rel="next" href=(filter(("after", end))) { "Older →" } }
            }
        }
    };
    shell("Feedback", &session, main).into_response()
}

/// The submission a tracking code names, as an editor sees it.
pub async fn load(
    state: &ExplorerState,
    session: &SignedIn,
    client: std::net::IpAddr,
    code: &str,
) -> Result<Submission, PageError> {
    let data: SubmissionData =
        api::run_as(state, session.caller.clone(), client, SUBMISSION, json!({ "code": code })).await?;
    data.feedback.ok_or_else(|| PageError::NotFound(format!("No submission has the tracking code `{code}`.")))
}

#[derive(Debug, Default, Deserialize)]
pub struct Notice {
    reviewed: Option<String>,
    erased: Option<String>,
}

/// What the review form shows: the editor's values (kept when the API refuses one).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewForm {
    expected_version: Option<i64>,
    decision: Option<String>,
    resolution: Option<String>,
    note: Option<String>,
    linked_to: Option<String>,
}

/// `GET /editor/feedback/{code}`.
pub async fn page(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    Path(code): Path<String>,
    Query(notice): Query<Notice>,
    session: SignedIn,
) -> Response {
    let submission = match load(&state, &session, client, &code).await {
        Ok(submission) => submission,
        Err(error) => return error.into_response(),
    };
    let notice = if notice.reviewed.is_some() {
        Some(
            html! { p.notice role="status" { "Reviewed: the submission is now " (format::label(&submission.status).to_lowercase()) "." } },
        )
    } else if notice.erased.is_some() {
        Some(html! { p.notice role="status" { "The submitter's contact is erased." } })
    } else {
        None
    };
    let form = ReviewForm {
        decision: None,
        resolution: submission.resolution.clone(),
        note: submission.note.clone(),
        linked_to: submission.linked_to.clone(),
        ..ReviewForm::default()
    };
    render(&state, &session, client, &submission, &form, notice, &BTreeMap::new(), StatusCode::OK).await
}

#[allow(clippy::too_many_arguments)]
async fn render(
    state: &ExplorerState,
    session: &SignedIn,
    client: std::net::IpAddr,
    f: &Submission,
    form: &ReviewForm,
    notice: Option<Markup>,
    errors: &BTreeMap<String, String>,
    status: StatusCode,
) -> Response {
    let subject = match &f.subject_id {
        Some(id) => {
            let variables = json!({ "id": id, "shown": LINKABLE });
            match api::run_as::<SubjectData>(state, session.caller.clone(), client, SUBJECT, variables).await {
                Ok(data) => Some(data),
                Err(error) => return error.into_response(),
            }
        }
        None => None,
    };
    let linked = match &f.linked_to {
        Some(id) => {
            match api::run_as::<LinkedData>(state, session.caller.clone(), client, LINKED, json!({ "id": id })).await {
                Ok(data) => data.node,
                Err(error) => return error.into_response(),
            }
        }
        None => None,
    };
    let model_slug = subject.as_ref().and_then(|s| s.node.as_ref()).and_then(|n| n.slug.clone());
    let title = format!("Feedback {}", f.tracking_code);
    let error_of = |name: &str| errors.get(name);
    let main = html! {
        h1 { "Feedback " code { (f.tracking_code) } }
        @if let Some(notice) = notice { (notice) }
        @if !errors.is_empty() {
            p.notice.error role="alert" { "Nothing was changed: " (errors.len()) " field(s) need a change. Each is marked below." }
        }
        dl.facts {
            dt { "Kind" } dd { (format::label(&f.kind)) }
            dt { "Status" } dd { (format::label(&f.status)) @if let Some(at) = &f.reviewed_at { " (reviewed " (format::short_date(at)) ")" } }
            dt { "Received" } dd { (format::short_date(&f.received_at)) }
            @if let Some(name) = &f.proposed_model_name { dt { "Missing model" } dd { (name) } }
            @if let Some(data) = &subject {
                dt { "About" }
                dd {
                    @match &data.node {
                        Some(Subject { slug: Some(slug), name, .. }) => {
                            a href={ "/editor/models/" (slug) } { (name.as_deref().unwrap_or(slug)) }
                            " · " a href={ "/editor/models/" (slug) "?resolves=" (f.tracking_code) } { "Edit it and resolve this in one step" }
                        }
                        Some(node) => { (format::label(&node.typename)) " " (node.name.as_deref().unwrap_or("")) }
                        None => { "an entry that no longer exists" }
                    }
                }
            }
            @if let Some(url) = &f.source_url { dt { "Source" } dd { a href=(url) rel="nofollow noopener" { (url) } } }
            dt { "From" }
            dd {
                (f.submitter_name.as_deref().unwrap_or("(no name given)"))
                @if f.credit_consent { " · agreed to be credited" } @else { " · not to be credited" }
            }
            dt { "Contact" }
            dd {
                @if let Some(contact) = &f.contact {
                    (contact) " "
                    form.inline method="post" action={ "/editor/feedback/" (f.tracking_code) "/erase" } {
                        input type="hidden" name=(CSRF_FIELD) value=(session.csrf());
                        button type="submit" { "Erase the contact" }
                    }
                } @else if let Some(at) = &f.contact_erased_at {
                    "erased " (format::short_date(at))
                } @else { "none given" }
            }
            @if let Some(id) = &f.linked_to {
                dt { "Acted on by" }
                dd {
                    @match &linked {
                        Some(LinkedNode { action: Some(action), entity_type, author, summary, created_at }) => {
                            "a revision: " (format::label(action)) " " (format::label(entity_type.as_deref().unwrap_or("")))
                            " by " (author.as_deref().unwrap_or("")) " on " (format::short_date(created_at.as_deref().unwrap_or("")))
                            @if let Some(s) = summary { ": " em { (s) } }
                            @if let Some(slug) = &model_slug { " · " a href={ "/editor/models/" (slug) "/history" } { "history" } }
                        }
                        _ => { code { (id) } }
                    }
                }
            }
        }
        h2 { "The submission" }
        blockquote.submission { (f.body) }
        h2 { "Review" }
        form.feedback.editor method="post" action={ "/editor/feedback/" (f.tracking_code) } {
            input type="hidden" name=(CSRF_FIELD) value=(session.csrf());
            input type="hidden" name="expectedVersion" value=(f.version);
            fieldset {
                legend { "Decision" }
                @for (value, text) in DECISIONS {
                    div.check {
                        input type="radio" id={ "d-" (value) } name="decision" value=(value) required
                            checked[form.decision.as_deref() == Some(value)];
                        label for={ "d-" (value) } { (text) }
                    }
                }
                @if let Some(error) = error_of("decision") { p.field-error { "Decision " (error) "." } }
            }
            (text_area("resolution", "Resolution (public: the submitter reads it with the tracking code)", form.resolution.as_deref(), error_of("resolution")))
            (text_area("note", "Note (editors only)", form.note.as_deref(), error_of("note")))
            div.field {
                label for="f-linkedTo" { "What acted on it (optional)" }
                @let chosen = form.linked_to.as_deref().unwrap_or("");
                @let invalid = error_of("linkedTo").map(|_| "true");
                @let described = error_of("linkedTo").map(|_| "e-linkedTo");
                @match &subject {
                    Some(data) if !data.revisions.nodes.is_empty() => {
                        select #f-linkedTo name="linkedTo" aria-invalid=[invalid] aria-describedby=[described] {
                            option value="" selected[chosen.is_empty()] { "—" }
                            @for r in &data.revisions.nodes {
                                option value=(r.id) selected[chosen == r.id] {
                                    (format::short_date(&r.created_at)) " · " (r.author) " · " (format::label(&r.action))
                                    @if !r.changed_fields.is_empty() { " (" (r.changed_fields.join(", ")) ")" }
                                    @if let Some(s) = &r.summary { ": " (s) }
                                }
                            }
                            @if !chosen.is_empty() && !data.revisions.nodes.iter().any(|r| r.id == chosen) {
                                option value=(chosen) selected { (chosen) }
                            }
                        }
                    }
                    _ => {
                        input #f-linkedTo type="text" name="linkedTo" value=(chosen) placeholder="a revision's or an entry's ID"
                            aria-invalid=[invalid] aria-describedby=[described];
                    }
                }
                @if let Some(error) = error_of("linkedTo") { p.field-error #e-linkedTo { "What acted on it " (error) "." } }
            }
            button type="submit" { "Save the review" }
        }
        p { a href="/editor/feedback" { "Back to the feedback" } }
    };
    (status, shell(&title, session, main)).into_response()
}

fn text_area(name: &str, label: &str, value: Option<&str>, error: Option<&String>) -> Markup {
    let id = format!("f-{name}");
    let error_id = format!("e-{name}");
    html! {
        div.field {
            label for=(id) { (label) }
            textarea id=(id) name=(name) rows="3" aria-invalid=[error.map(|_| "true")]
                aria-describedby=[error.map(|_| error_id.as_str())] { (value.unwrap_or("")) }
            @if let Some(error) = error { p.field-error id=(error_id) { (label) " " (error) "." } }
        }
    }
}

/// `POST /editor/feedback/{code}`: the review, through `reviewFeedback`.
pub async fn review(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    Path(code): Path<String>,
    session: SignedIn,
    Form(form): Form<ReviewForm>,
) -> Response {
    let submission = match load(&state, &session, client, &code).await {
        Ok(submission) => submission,
        Err(refused) => return refused.into_response(),
    };
    let Some(decision) = given(&form.decision).filter(|d| DECISIONS.iter().any(|(v, _)| v == d)) else {
        let errors = BTreeMap::from([("decision".to_owned(), "must be chosen".to_owned())]);
        return render(&state, &session, client, &submission, &form, None, &errors, StatusCode::BAD_REQUEST).await;
    };
    let variables = json!({
        "id": submission.id,
        "decision": decision,
        "note": given(&form.note),
        "resolution": given(&form.resolution),
        "linkedTo": given(&form.linked_to),
        "expectedVersion": form.expected_version.unwrap_or(submission.version),
    });
    match api::run_as::<serde_json::Value>(&state, session.caller.clone(), client, REVIEW, variables).await {
        Ok(_) => Redirect::to(&format!("/editor/feedback/{}?reviewed=1", submission.tracking_code)).into_response(),
        Err(PageError::BadInput { field, message }) => {
            let field =
                if ["note", "resolution", "linkedTo"].contains(&field.as_str()) { field } else { "decision".into() };
            let message = message.strip_prefix(&format!("{field}: ")).unwrap_or(&message).to_owned();
            let errors = BTreeMap::from([(field, message)]);
            render(&state, &session, client, &submission, &form, None, &errors, StatusCode::BAD_REQUEST).await
        }
        Err(PageError::Conflict) => {
            // Someone reviewed it first: show theirs, keep yours in the form on the current version.
            let notice = html! {
                p.notice.error role="alert" {
                    "Another editor reviewed this submission after you opened it (it is now "
                    (format::label(&submission.status).to_lowercase()) "). Nothing of yours was saved yet: "
                    "their review is shown above, yours is kept in the form. Save again to replace theirs."
                }
            };
            render(&state, &session, client, &submission, &form, Some(notice), &BTreeMap::new(), StatusCode::CONFLICT)
                .await
        }
        Err(error) => error.into_response(),
    }
}

/// `POST /editor/feedback/{code}/erase`: erases the submitter's contact now.
pub async fn erase(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    Path(code): Path<String>,
    session: SignedIn,
) -> Response {
    let submission = match load(&state, &session, client, &code).await {
        Ok(submission) => submission,
        Err(refused) => return refused.into_response(),
    };
    match api::run_as::<serde_json::Value>(
        &state,
        session.caller.clone(),
        client,
        ERASE,
        json!({ "id": submission.id }),
    )
    .await
    {
        Ok(_) => Redirect::to(&format!("/editor/feedback/{}?erased=1", submission.tracking_code)).into_response(),
        Err(error) => error.into_response(),
    }
}
