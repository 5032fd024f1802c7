//! The HTTP surface: `/graphql` (POST, GET, GraphiQL), `/healthz` and `/readyz`, and the
//! explorer's pages at `/`, behind a body limit, a request timeout, tracing and a panic guard.

mod graphql;
mod negotiate;

use axum::{
    Router,
    extract::{DefaultBodyLimit, State},
    http::StatusCode,
    routing::get,
};
use sea_orm::DatabaseConnection;
use tower_http::{
    catch_panic::CatchPanicLayer, limit::RequestBodyLimitLayer, timeout::TimeoutLayer, trace::TraceLayer,
};

use crate::auth::TokenKeys;
use crate::config::ServeSettings;
use crate::graphql::AppSchema;

#[derive(Clone)]
pub struct AppState {
    pub schema: AppSchema,
    pub db: DatabaseConnection,
    pub keys: TokenKeys,
}

pub fn router(state: AppState, settings: &ServeSettings) -> Router {
    Router::new()
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(crate::explorer::router())
        .with_state(state)
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(settings.body_limit_bytes))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, settings.request_timeout()))
        .layer(TraceLayer::new_for_http())
        .layer(CatchPanicLayer::new())
}

/// The process is up.
async fn healthz() -> &'static str {
    "ok"
}

/// The database answers.
async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match crate::service::ping(&state.db).await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(error) => {
            tracing::warn!(?error, "database not reachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}
