//! The HTTP surface: `/graphql` (POST, GET, GraphiQL), `/graphql/ws` (subscriptions),
//! `/feed.atom`, `/export/models.{csv,json}`, `/healthz`, `/readyz`, `/metrics` and the
//! explorer's pages at `/`, behind a body limit, a request timeout, CORS, compression (gzip or
//! brotli, as the client's `Accept-Encoding` asks), tracing and a panic guard (`panic`).

mod connections;
mod cors;
mod errors;
mod export;
mod feed;
mod feed_crossings;
mod graphiql;
mod graphql;
mod metering;
mod negotiate;
mod observe;
mod panic;
mod persisted;
mod response_cache;
mod security_headers;
mod subscriptions;

pub use connections::{ConnectionLimits, fit_to_descriptor_limit, serve};
pub use persisted::PersistedQueries;
pub use response_cache::ResponseCache;
pub use subscriptions::WebsocketLimits;

use axum::{
    Router,
    extract::{DefaultBodyLimit, FromRef, State},
    http::{StatusCode, header},
    middleware,
    response::IntoResponse,
    routing::get,
};
use sea_orm::DatabaseConnection;
use tower_http::{
    compression::CompressionLayer, limit::RequestBodyLimitLayer, timeout::TimeoutLayer, trace::TraceLayer,
};

use tokio_util::{sync::CancellationToken, task::TaskTracker};
use url::Url;

use crate::auth::TokenKeys;
use crate::config::HttpSettings;
use crate::explorer::ExplorerState;
use crate::graphql::Api;
use crate::metrics::{self, Metrics};
use crate::replicas::Databases;
use crate::request::{TokenCheck, TrustedProxies};
use crate::service::changes::ChangeHub;

#[derive(Clone)]
pub struct AppState {
    /// Runs GraphQL requests, whatever their transport.
    pub api: Api,
    /// The primary: token checks, readiness.
    pub db: DatabaseConnection,
    /// Where a request's reads go (exports and the feed; the API routes its own).
    pub databases: Databases,
    pub keys: TokenKeys,
    pub metrics: Metrics,
    pub trusted_proxies: std::sync::Arc<[crate::config::TrustedProxy]>,
    pub changes: ChangeHub,
    /// Every operation's cost, charged to its caller.
    pub budget: crate::service::query_budget::QueryBudget,
    /// The base of the links the service hands out; `None`: the request's `Host`.
    pub public_url: Option<Url>,
    /// Cancelled when the server shuts down: open websockets then close themselves.
    pub shutdown: CancellationToken,
    /// The open websockets, so that shutdown can wait for their goodbyes.
    pub sockets: TaskTracker,
    /// Answers to anonymous queries, retired on every change.
    pub cache: ResponseCache,
    /// The body digests of recent past exports (citable snapshots), which never go stale.
    pub snapshot_digests: crate::service::export::SnapshotDigests,
    /// Apollo persisted queries known to this instance.
    pub persisted: PersistedQueries,
    /// The `Cache-Control` max-age of anonymous GET answers, in seconds.
    pub cache_max_age: u32,
    /// How large one operation's answer may be.
    pub answer_limits: crate::config::AnswerLimits,
    /// Websockets and subscriptions open per client address, and their shared turns.
    pub live: std::sync::Arc<crate::graphql::Live>,
    pub websocket_limits: WebsocketLimits,
}

/// The explorer's pages run their documents as an HTTP caller would, with this.
impl FromRef<AppState> for ExplorerState {
    fn from_ref(state: &AppState) -> Self {
        ExplorerState {
            api: state.api.clone(),
            answer_limits: state.answer_limits,
            public_origin: state.public_url.clone(),
            secure_cookies: state.public_url.as_ref().is_some_and(|url| url.scheme() == "https"),
        }
    }
}

/// What the caller extractor needs of the state.
impl FromRef<AppState> for TokenCheck {
    fn from_ref(state: &AppState) -> Self {
        TokenCheck { db: state.db.clone(), keys: state.keys.clone() }
    }
}

/// What the client-address extractor needs of the state.
impl FromRef<AppState> for TrustedProxies {
    fn from_ref(state: &AppState) -> Self {
        TrustedProxies(state.trusted_proxies.clone())
    }
}

/// Fails only on settings that cannot work (an origin that is not one).
pub fn router(state: AppState, settings: &HttpSettings) -> anyhow::Result<Router> {
    let cors = cors::layer(&settings.cors_origins)?;
    let router = Router::new()
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/graphql/ws", get(subscriptions::upgrade))
        .route("/feed.atom", get(feed::atom))
        .route("/export/models.csv", get(export::csv))
        .route("/export/models.json", get(export::json))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(crate::explorer::router(state.clone()))
        .route("/metrics", get(metrics))
        .route(&format!("{}/{{file}}", graphiql::ASSETS), get(graphiql::asset))
        .route_layer(middleware::from_fn_with_state(state.metrics.clone(), observe::requests))
        .layer(middleware::from_fn_with_state(state.clone(), metering::meter))
        .with_state(state)
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(settings.body_limit_bytes))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, settings.request_timeout()))
        .layer(CompressionLayer::new());
    let router = match cors {
        Some(cors) => router.layer(cors),
        None => router,
    };
    let router = router.layer(middleware::from_fn(security_headers::add));
    Ok(router.layer(TraceLayer::new_for_http()).layer(middleware::from_fn(panic::guard)))
}

/// Prometheus' scrape target.
async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let (in_use, behind, resting) = state.databases.status();
    state.metrics.set_replicas(in_use, behind, resting);
    let text = state.metrics.render(
        crate::db::pool_status(&state.db),
        state.changes.open_subscriptions(),
        state.cache.bytes(),
    );
    ([(header::CONTENT_TYPE, metrics::CONTENT_TYPE)], text)
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
