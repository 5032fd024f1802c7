//! Building and running the service: connect, migrate, seed an empty catalog, bind, serve.

use std::future::Future;
use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};
use std::time::Duration;

use secrecy::ExposeSecret;
use tokio::net::TcpListener;
use tokio_util::{sync::CancellationToken, task::TaskTracker};

use crate::auth::{TokenKeys, password};
use crate::config::{AuthSettings, DatabaseSettings, ServeSettings};
use crate::graphql::{self, SchemaData};
use crate::http::{AppState, ConnectionLimits, PersistedQueries, ResponseCache, WebsocketLimits, router};
use crate::metrics::Metrics;
use crate::replicas::Databases;
use crate::service::feedback;
use crate::service::{
    changes::ChangeHub,
    limit_store::LimitStore,
    query_budget::QueryBudget,
    throttle::{FeedbackThrottle, LoginThrottle},
};
use crate::{db, service::seed};

pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    statements: Arc<AtomicU64>,
    db: sea_orm::DatabaseConnection,
    contact_retention: chrono::Duration,
    erasure_interval: std::time::Duration,
    epoch_sync: crate::config::EpochSyncSettings,
    changes: ChangeHub,
    shutdown: CancellationToken,
    sockets: TaskTracker,
    shutdown_grace: Duration,
    connection_limits: ConnectionLimits,
}

impl Application {
    /// Everything but serving: the listener is bound, so `port()` is known (tests bind port 0).
    pub async fn build(database: &DatabaseSettings, settings: &ServeSettings) -> anyhow::Result<Self> {
        let keys = token_keys(&settings.auth)?;
        for url in settings.replicas.urls() {
            db::check_replica_url(url, database)?;
        }
        let mut db = db::connect(database).await?;
        db::migrate(&db).await?;
        if !settings.no_seed && seed::load_if_empty(&db).await.map_err(crate::service::ServiceError::with_detail)? {
            tracing::info!("loaded the starter catalog into the empty database");
        }
        // The hub's connection is cloned before the statement counter is set: its reads of the
        // log are not the requests' statements.
        let shutdown = CancellationToken::new();
        let changes = ChangeHub::start(db.clone(), settings.cache.change_poll_interval(), shutdown.clone()).await?;
        // The limit store's statements are not the requests' catalog reads either (the
        // statement-count tests count those).
        let limits = LimitStore::for_database(&db);
        let statements = Arc::new(AtomicU64::new(0));
        let counter = statements.clone();
        let on_statement = move |info: &sea_orm::metric::Info<'_>| {
            tracing::trace!(elapsed = ?info.elapsed, failed = info.failed, statement = %info.statement, "sql");
            counter.fetch_add(1, Ordering::Relaxed);
        };
        db.set_metric_callback(on_statement.clone());
        let metrics = Metrics::new();
        let databases = Databases::connect(
            db.clone(),
            database,
            &settings.replicas,
            changes.clone(),
            metrics.clone(),
            on_statement,
        )
        .await?;
        tokio::task::spawn_blocking(password::warm_up);
        let login_throttle = Arc::new(LoginThrottle::new(
            limits.clone(),
            settings.auth.login_attempts_per_email,
            settings.auth.login_attempts_per_address,
        ));
        let feedback_throttle = Arc::new(FeedbackThrottle::new(
            limits.clone(),
            settings.feedback.feedback_per_address_per_hour,
            settings.feedback.feedback_per_hour,
        ));
        let data = SchemaData {
            db: db.clone(),
            databases: databases.clone(),
            keys: keys.clone(),
            login_throttle,
            feedback_throttle,
            metrics: metrics.clone(),
            changes: changes.clone(),
        };
        let budget = QueryBudget::new(
            limits.clone(),
            settings.limits.query_budget_anonymous,
            settings.limits.query_budget_editor,
            settings.limits.query_budget_lease_block,
        );
        let api = graphql::api(data, settings.limits.query_limits(), settings.run_limits()).with_budget(budget.clone());
        let sockets = TaskTracker::new();
        let state = AppState {
            api,
            db: db.clone(),
            databases,
            keys,
            metrics,
            trusted_proxies: settings.http.trusted_proxies.clone().into(),
            changes: changes.clone(),
            budget: budget.clone(),
            public_url: settings.http.public_url.clone(),
            shutdown: shutdown.clone(),
            sockets: sockets.clone(),
            cache: ResponseCache::new(settings.cache.response_cache_bytes, changes.clone()),
            persisted: PersistedQueries::default(),
            snapshot_digests: Default::default(),
            cache_max_age: settings.cache.cache_max_age_secs,
            answer_limits: settings.limits.answer_limits(),
            live: graphql::Live::new(graphql::LiveLimits {
                sockets_per_address: settings.limits.ws_sockets_per_address,
                subscriptions_per_socket: settings.limits.ws_subscriptions_per_socket,
                subscriptions_per_address: settings.limits.ws_subscriptions_per_address,
                db_concurrency: settings.limits.subscription_db_concurrency as usize,
            }),
            websocket_limits: WebsocketLimits {
                max_message_bytes: settings.http.body_limit_bytes,
                init_timeout: settings.limits.ws_init_timeout(),
                send_timeout: settings.limits.ws_send_timeout(),
            },
        };
        let router = router(state, &settings.http)?;
        let mut connection_limits = ConnectionLimits::from_settings(&settings.http);
        crate::http::fit_to_descriptor_limit(&mut connection_limits);
        let listener = TcpListener::bind(&settings.http.addr).await?;
        tokio::spawn(
            limits.sweep_periodically(Duration::from_secs(settings.limits.limit_sweep_secs), shutdown.clone()),
        );
        tokio::spawn(budget.hand_back_periodically(shutdown.clone()));
        Ok(Application {
            listener,
            router,
            statements,
            db,
            contact_retention: settings.feedback.contact_retention(),
            erasure_interval: settings.feedback.erasure_interval(),
            epoch_sync: settings.epoch_sync.clone(),
            changes,
            shutdown,
            sockets,
            shutdown_grace: settings.http.shutdown_grace(),
            connection_limits,
        })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// How many SQL statements the service has run since it started serving.
    pub fn statement_counter(&self) -> Arc<AtomicU64> {
        self.statements.clone()
    }

    /// The change hub (its `open_subscriptions()` is a gauge for metrics).
    pub fn changes(&self) -> ChangeHub {
        self.changes.clone()
    }

    /// Serves until SIGTERM or ctrl-c, then shuts down gracefully.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `stop` completes; then finishes the requests in flight, closes every open
    /// websocket with a close frame (axum leaves upgraded connections alone), waits for them up
    /// to the shutdown grace, and stops following the revision log.
    pub async fn run_until(self, stop: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let addr = self.listener.local_addr()?;
        tracing::info!("listening on http://{addr}/graphql");
        println!("AI Tracker listening on http://{addr}/graphql");
        let epoch_sync = tokio::spawn(crate::epoch_sync::sync_periodically(self.db.clone(), self.epoch_sync));
        let sweep = tokio::spawn(erase_contacts_periodically(self.db, self.contact_retention, self.erasure_interval));
        let shutdown = self.shutdown.clone();
        let stopping = async move {
            stop.await;
            tracing::info!("shutting down: finishing requests in flight and closing websockets");
            shutdown.cancel();
        };
        let served = crate::http::serve(self.listener, self.router, self.connection_limits, stopping).await;
        self.shutdown.cancel();
        self.sockets.close();
        if tokio::time::timeout(self.shutdown_grace, self.sockets.wait()).await.is_err() {
            tracing::warn!("some websockets did not close within the shutdown grace");
        }
        sweep.abort();
        epoch_sync.abort();
        served
    }
}

/// Erases the contacts of submissions reviewed longer ago than `retention`, every `interval`.
/// A failed sweep is logged and tried again next time.
async fn erase_contacts_periodically(
    db: sea_orm::DatabaseConnection,
    retention: chrono::Duration,
    interval: std::time::Duration,
) {
    // The first sweep waits one interval too: a sweep at start-up would only race the
    // requests of a server just started, and a retention of days does not miss an hour.
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match feedback::erase_expired_contacts(&db, retention).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(erased = n, "erased the contacts of reviewed feedback past retention"),
            Err(error) => tracing::warn!(?error, "erasing expired feedback contacts failed"),
        }
    }
}

/// The token keys from `AI_TRACKER_JWT_SECRET`; without it, a random secret for this process.
fn token_keys(settings: &AuthSettings) -> anyhow::Result<TokenKeys> {
    match &settings.jwt_secret {
        Some(secret) => TokenKeys::from_secret(secret.expose_secret().as_bytes(), settings.token_lifetime())
            .map_err(|e| anyhow::anyhow!("AI_TRACKER_JWT_SECRET: {e}")),
        None => {
            tracing::warn!(
                "AI_TRACKER_JWT_SECRET is not set: editor tokens are signed with a random secret that dies with \
                 this process, and other instances will refuse them"
            );
            Ok(TokenKeys::random(settings.token_lifetime()))
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
