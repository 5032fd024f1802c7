//! The editors' workspace at `/editor`: server-rendered pages, in the explorer's style, that
//! read and write only through the GraphQL API as the signed-in editor, so every rule,
//! validation and revision stays in the service layer.
//!
//! Who is signed in comes from the one `Caller` extractor (`request::caller`), which accepts the
//! session cookie on these paths only. Every form carries the session's CSRF token
//! (`session.rs`), and every POST is checked for it in one place, before any handler runs
//! (`genuine_forms`); the sign-in form, which has no session yet, is checked by its `Origin`.
//! Nothing under `/editor` may be stored by a cache: every answer is `Cache-Control: no-store`.

mod accounts;
mod assessment_edit;
mod assessments;
mod create;
mod desk;
mod entries;
mod entry_edit;
mod entry_form;
mod feedback_review;
mod fields;
mod history;
mod imports;
mod links;
mod model_actions;
mod model_form;
mod model_new;
mod session;
mod sign_in;
mod threshold_edit;
mod thresholds;

use axum::{
    Router,
    body::Body,
    extract::{FromRef, FromRequestParts, Request, State},
    http::{HeaderValue, Method, StatusCode, header, request::Parts},
    middleware::{self, Next},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use maud::{Markup, html};

use super::ExplorerState;
use super::api::PageError;
use super::layout::{self, Section};
use crate::domain::EditorRole;
use crate::request::{Refused, TokenCheck, TrustedProxies, session_token};
use crate::service::{Caller, ServiceError};

pub use session::CSRF_FIELD;

/// Where an anonymous or expired request is sent.
const SIGN_IN: &str = "/editor/sign-in";
/// Answers that are not pages (redirects, say) still refuse framing and everything else.
const NON_PAGE_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// The workspace's routes. Unknown paths under `/editor` are signed-in pages too, so that an
/// anonymous request learns nothing, not even which paths exist. Every POST but the sign-in's
/// passes the CSRF check (`genuine_forms`) before its handler runs.
pub fn router<S>(state: S) -> Router<S>
where
    ExplorerState: FromRef<S>,
    TrustedProxies: FromRef<S>,
    TokenCheck: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route("/editor", get(desk::page))
        .route("/editor/sign-in", get(sign_in::page).post(sign_in::submit))
        .route("/editor/sign-out", post(sign_in::sign_out))
        .route("/editor/models", get(desk::find_model))
        .route("/editor/models/{slug}", get(model_form::page).post(model_form::submit))
        .route("/editor/models/{slug}/history", get(history::model_page))
        .route("/editor/revert", post(history::revert))
        .route("/editor/feedback", get(feedback_review::queue))
        .route("/editor/feedback/{code}", get(feedback_review::page).post(feedback_review::review))
        .route("/editor/feedback/{code}/erase", post(feedback_review::erase))
        .route("/editor/accounts", get(accounts::page).post(accounts::create))
        .route("/editor/accounts/deactivate", post(accounts::deactivate))
        .route("/editor/accounts/revoke", post(accounts::revoke))
        .route("/editor/password", get(accounts::password_page).post(accounts::change_password))
        .route("/editor/models/new", get(model_new::page).post(model_new::submit))
        .route("/editor/models/{slug}/assessments", get(assessments::page).post(assessments::submit))
        .route("/editor/models/{slug}/{action}", post(model_actions::submit))
        .route("/editor/thresholds/new", get(thresholds::page).post(thresholds::submit))
        // Organizations, capabilities and datasets (s20-entries).
        .merge(entries::routes())
        .route("/editor/history/{id}", get(history::page))
        .route("/editor/restore", post(history::restore))
        .route("/editor/assessments/{id}", get(assessment_edit::page).post(assessment_edit::submit))
        .route("/editor/assessments/{id}/delete", post(assessment_edit::delete))
        .route("/editor/thresholds", get(threshold_edit::list))
        .route("/editor/thresholds/{id}", get(threshold_edit::page).post(threshold_edit::submit))
        .route("/editor/imports", get(imports::page))
        .route("/editor/imports/accept", post(imports::accept))
        .route("/editor/imports/dismiss", post(imports::dismiss))
        .route("/editor/", get(not_found).post(not_found))
        .route("/editor/{*rest}", get(not_found).post(not_found))
        .route_layer(middleware::from_fn_with_state(state, genuine_forms::<S>))
        .layer(middleware::map_response(never_stored))
}

/// `Cache-Control: no-store` on every answer under `/editor`, and a framing refusal on those
/// that are not pages (the pages get the explorer's policy, which refuses framing too).
async fn never_stored(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let is_page = headers.get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if !is_page {
        headers.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(NON_PAGE_POLICY));
    }
    response
}

/// A signed-in editor's request: the caller, and the session token its forms are bound to.
pub struct SignedIn {
    pub caller: Caller,
    token: String,
}

impl SignedIn {
    /// A CSRF token for one form of this session (masked afresh each time).
    pub fn csrf(&self) -> String {
        session::csrf_token(&self.token)
    }

    /// Whether a form's CSRF token is this session's (`genuine_forms` asks it of every form).
    fn form_is_genuine(&self, presented: Option<&str>) -> bool {
        session::csrf_matches(&self.token, presented)
    }

    /// The editor's email (the password form names the account it changes).
    pub fn email(&self) -> &str {
        match &self.caller {
            Caller::Editor(editor) => &editor.email,
            Caller::Anonymous => "",
        }
    }

    /// Whether the workspace's bar offers the admins' pages (the API decides what they may do).
    pub fn is_admin(&self) -> bool {
        matches!(&self.caller, Caller::Editor(editor) if editor.role == EditorRole::Admin)
    }

    /// The editor's display name.
    pub fn name(&self) -> &str {
        match &self.caller {
            Caller::Editor(editor) => &editor.display_name,
            Caller::Anonymous => "",
        }
    }
}

impl<S> FromRequestParts<S> for SignedIn
where
    TokenCheck: FromRef<S>,
    ExplorerState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    /// Anonymous: to the sign-in page. A token that no longer checks out (expired, revoked, its
    /// account deactivated): to the sign-in page with a message, and the cookie cleared.
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let Some(token) = session_token(&parts.headers) else { return Err(Redirect::to(SIGN_IN).into_response()) };
        match Caller::from_request_parts(parts, state).await {
            Ok(caller @ Caller::Editor(_)) => Ok(SignedIn { caller, token }),
            Ok(Caller::Anonymous) => Err(Redirect::to(SIGN_IN).into_response()),
            Err(Refused(ServiceError::Internal(_))) => Err(PageError::Internal.into_response()),
            Err(Refused(_)) => {
                let secure = ExplorerState::from_ref(state).secure_cookies;
                let clear = [(header::SET_COOKIE, session::clear_cookie(secure))];
                Err((clear, Redirect::to(&format!("{SIGN_IN}?expired=1"))).into_response())
            }
        }
    }
}

/// A page of the workspace: the explorer's shell, with the workspace's own bar (the desk, who is
/// signed in, and signing out).
pub fn shell(title: &str, session: &SignedIn, main: Markup) -> Markup {
    layout::page(
        title,
        Section::Other,
        html! {
            nav.workspace aria-label="Workspace" {
                a href="/editor" { "Desk" }
                " · " a href="/editor/feedback?status=PENDING" { "Feedback" }
                @if session.is_admin() { " · " a href="/editor/accounts" { "Accounts" } }
                " · " a href="/editor/password" { "Password" }
                " · Signed in as " strong { (session.name()) } " · "
                form.inline method="post" action="/editor/sign-out" {
                    input type="hidden" name=(CSRF_FIELD) value=(session.csrf());
                    button type="submit" { "Sign out" }
                }
            }
            (main)
        },
    )
}

/// The one CSRF check of the workspace's forms: a POST under `/editor` (the sign-in form aside,
/// which has no session yet and is checked by its `Origin`) goes to its handler only when it
/// carries the session's CSRF token; otherwise it is answered with [`forbidden`] and nothing is
/// done. An anonymous or expired session is sent to the sign-in page, as on every page.
async fn genuine_forms<S>(State(state): State<S>, request: Request, next: Next) -> Response
where
    TokenCheck: FromRef<S>,
    ExplorerState: FromRef<S>,
    S: Send + Sync,
{
    if request.method() != Method::POST || request.uri().path() == SIGN_IN {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let session = match SignedIn::from_request_parts(&mut parts, &state).await {
        Ok(session) => session,
        Err(refusal) => return refusal,
    };
    // The body is already bounded by the server's body limit; past it, the answer is 413.
    let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let presented = url::form_urlencoded::parse(&body).find(|(name, _)| name == CSRF_FIELD).map(|(_, v)| v);
    if !session.form_is_genuine(presented.as_deref()) {
        return forbidden();
    }
    next.run(Request::from_parts(parts, Body::from(body))).await
}

/// The answer to a form that failed the CSRF or origin check.
fn forbidden() -> Response {
    let main = html! {
        h1 { "Not accepted" }
        p { "This form did not come from this site, or it belongs to an earlier session. Nothing was changed." }
        p { a href="/editor" { "Back to the desk" } }
    };
    (StatusCode::FORBIDDEN, layout::page("Not accepted", Section::Other, main)).into_response()
}

/// Any other path under `/editor`, once signed in.
async fn not_found(session: SignedIn) -> Response {
    let main = html! { h1 { "Not found" } p { "There is no such page in the workspace." } };
    (StatusCode::NOT_FOUND, shell("Not found", &session, main)).into_response()
}
