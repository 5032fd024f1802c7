//! The explorer: a small server-rendered site over the catalog at `/` (the catalog table, one
//! page per model, the plots, the predictions' ledger and record, the feedback form) and the editors' workspace at `/editor`. It reads nothing directly: every page executes GraphQL documents
//! against the in-process schema as an anonymous HTTP caller would, so it uses the API the way
//! a frontend does. Templates are maud (checked at compile time); plots are SVG drawn on the
//! server; the stylesheet ships in the binary; reading needs no JavaScript.

mod api;
mod catalog;
mod chart;
mod editor;
mod feedback;
mod filter;
mod form;
mod format;
mod layout;
mod model;
mod past;
mod plots;
mod predictions;

use axum::{Router, extract::FromRef, response::IntoResponse, routing::get};

use crate::config::AnswerLimits;
use crate::graphql::Api;
use crate::request::{TokenCheck, TrustedProxies};

/// The page for an unexpected failure (a panic): the explorer's INTERNAL error page.
pub fn internal_error_page() -> axum::response::Response {
    api::PageError::Internal.into_response()
}

/// The page for a client past its query budget: the explorer's RATE_LIMITED error page.
pub fn rate_limited_page(retry_after_seconds: u64) -> axum::response::Response {
    api::PageError::RateLimited(Some(retry_after_seconds)).into_response()
}

/// What the explorer's pages need: the API they run their documents through, with the answer
/// limits an anonymous HTTP caller's request carries. (The client address comes from the
/// `ClientAddress` extractor, which takes the trusted proxies from the router's state.)
#[derive(Clone)]
pub struct ExplorerState {
    pub api: Api,
    pub answer_limits: AnswerLimits,
    /// The public URL when one is set: the editors' sign-in form must come from its origin.
    pub public_origin: Option<url::Url>,
    /// Whether the session cookie is `Secure` (the public URL is https).
    pub secure_cookies: bool,
}

/// The explorer's routes, on any state the explorer's own can be taken from (`http` puts them
/// behind the same layers as the API, compression too). `state` is the workspace's form check's.
pub fn router<S>(state: S) -> Router<S>
where
    ExplorerState: FromRef<S>,
    TrustedProxies: FromRef<S>,
    TokenCheck: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route("/", get(catalog::page))
        .route("/models/{slug}", get(model::page))
        .route("/feedback", get(feedback::page).post(feedback::submit))
        .route("/plots", get(plots::page))
        .route("/plots/compute.svg", get(plots::compute_svg))
        .route("/plots/parameters.svg", get(plots::parameters_svg))
        .route("/plots/timeline.svg", get(plots::timeline_svg))
        .route("/predictions", get(predictions::page))
        .route("/predictions/record.svg", get(predictions::record_svg))
        .route("/assets/style.css", get(layout::stylesheet))
        .merge(editor::router(state))
}
